"""Model definitions: a small GroupNorm ResNet body, the garment-type classifier on it, and a
torchvision Mask R-CNN with that body + FPN.

Both are trained from scratch (no pretrained weights are reachable). GroupNorm instead of
BatchNorm because detection batches are tiny: Wu & He, "Group Normalization" (ECCV 2018), and
He, Girshick & Dollar, "Rethinking ImageNet Pre-training" (ICCV 2019), who train Mask R-CNN from
scratch with GN. The body's widths are a quarter/half of ResNet-18's to fit a 2-core CPU budget.

Both are registered by name in :mod:`vision.registry` (:data:`DETECTOR_ARCH`, :data:`CLASSIFIER_ARCH`);
build them with :func:`vision.registry.build_model` and load them with
:func:`vision.checkpoints.load_model`. Adding an architecture is one more decorated builder here.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import FeaturePyramidNetwork, MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

from vision import presets
from vision.architecture import register

DETECTOR_ARCH = "maskrcnn_gn_resnet_fpn"
CLASSIFIER_ARCH = "type_classifier_bn_resnet"


def _gn(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels // 4), channels)


NORMS = {"gn": _gn, "bn": nn.BatchNorm2d}


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, norm=_gn):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.n1 = norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.n2 = norm(cout)
        nn.init.zeros_(self.n2.weight)  # each residual block starts as identity (Goyal et al. 2017)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), norm(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        y = torch.relu(self.n1(self.conv1(x)))
        return torch.relu(self.n2(self.conv2(y)) + idt)


class ResNetGN(nn.Module):
    """Small ResNet body, GroupNorm (``norm="gn"``, the detector) or BatchNorm (``"bn"``, the
    classifier, whose batches of 64 suit it: it learned several times faster than GN there in a
    40-step comparison). Input float (N, 3, H, W); returns the four stage outputs at strides
    4, 8, 16, 32 with ``widths`` channels."""

    def __init__(self, widths=(32, 64, 128, 256), depths=(1, 2, 2, 1), norm: str = "gn"):
        super().__init__()
        self.widths = tuple(widths)
        self.depths = tuple(depths)
        self.norm = norm
        nf = NORMS[norm]
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 3, 2, 1, bias=False),
            nf(widths[0]),
            nn.ReLU(inplace=True),
            nn.Conv2d(widths[0], widths[0], 3, 2, 1, bias=False),
            nf(widths[0]),
            nn.ReLU(inplace=True),
        )
        stages = []
        cin = widths[0]
        for i, (w, d) in enumerate(zip(widths, depths)):
            blocks = [BasicBlock(cin, w, 1 if i == 0 else 2, nf)] + [BasicBlock(w, w, 1, nf) for _ in range(d - 1)]
            stages.append(nn.Sequential(*blocks))
            cin = w
        self.stages = nn.ModuleList(stages)

    def forward(self, x) -> list[torch.Tensor]:
        x = self.stem(x)
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return outs


class TypeClassifier(nn.Module):
    """Garment-type classifier: ResNetGN body (BatchNorm), global average pool, dropout, linear.

    Input: float32 (N, 3, H, W) from :func:`vision.presets.classifier_input` (H = W = 128 in
    serving). Output: logits float32 (N, len(type_slugs)), in ``type_slugs`` order.
    """

    def __init__(self, type_slugs: list[str], widths=(32, 64, 128, 256), depths=(1, 2, 2, 1), norm: str = "bn"):
        super().__init__()
        self.type_slugs = list(type_slugs)
        self.body = ResNetGN(widths, depths, norm)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(widths[-1], len(type_slugs))

    input_size = presets.CLASSIFIER_SIZE  # pixels, square serving input

    def forward(self, x):
        f = self.body(x)[-1].mean(dim=(2, 3))
        return self.fc(self.drop(f))

    @staticmethod
    def normalize(x: torch.Tensor) -> torch.Tensor:
        """float RGB in [0, 1], (N, 3, H, W) -> input normalised with presets.MEAN/STD."""
        mean = torch.tensor(presets.MEAN, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(presets.STD, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std

    def prepare(self, batch_uint8: torch.Tensor) -> torch.Tensor:
        """uint8 (N, 3, H, W) RGB -> float32 model input on the model's device."""
        return presets.normalize(batch_uint8.to(self.fc.weight.device))

    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        """Type probabilities (N, n_types) and None: this model has no photo-kind head."""
        return torch.softmax(self(x).float(), dim=1), None


class BodyWithFPN(nn.Module):
    """ResNetGN body + FPN, the backbone torchvision's MaskRCNN expects (``out_channels``)."""

    def __init__(self, body: ResNetGN, out_channels: int = 64):
        super().__init__()
        self.body = body
        self.fpn = FeaturePyramidNetwork(list(body.widths), out_channels, extra_blocks=LastLevelMaxPool())
        self.out_channels = out_channels

    def forward(self, x):
        feats = OrderedDict((str(i), f) for i, f in enumerate(self.body(x)))
        return self.fpn(feats)


@register(CLASSIFIER_ARCH, task="classifier")
def type_classifier_bn_resnet(
    labels: list[str], widths=(32, 64, 128, 256), depths=(1, 2, 2, 1), norm: str = "bn"
) -> TypeClassifier:
    """The garment-type classifier (:class:`TypeClassifier`) over the type slugs ``labels``."""
    return TypeClassifier(labels, widths, depths, norm)


@register(DETECTOR_ARCH, task="detector")
def maskrcnn_gn_resnet_fpn(
    labels: list[str],
    widths=(32, 64, 128, 256),
    depths=(1, 2, 2, 1),
    fpn_channels: int = 64,
    min_size: int = 320,
    max_size: int = 480,
) -> MaskRCNN:
    """torchvision Mask R-CNN on a ResNetGN-FPN backbone with slim heads; ``labels`` are the
    category slugs of classes ``1..len(labels)`` (0 is background).

    ``min_size``/``max_size`` (pixels) set the internal resize of torchvision's transform: every
    photo is scaled so its short side is ``min_size`` unless the long side would exceed ``max_size``.
    Outputs (eval mode) are in the input image's pixels, as torchvision documents.
    """
    num_classes = 1 + len(labels)
    backbone = BodyWithFPN(ResNetGN(widths, depths), fpn_channels)
    anchor_sizes = ((16,), (32,), (64,), (128,), (256,))
    anchors = AnchorGenerator(anchor_sizes, ((0.5, 1.0, 2.0),) * len(anchor_sizes))
    names = ["0", "1", "2", "3"]
    box_pool = MultiScaleRoIAlign(names, 7, 2)
    mask_pool = MultiScaleRoIAlign(names, 14, 2)
    rep = 256
    return MaskRCNN(
        backbone,
        num_classes=None,
        min_size=min_size,
        max_size=max_size,
        image_mean=list(presets.MEAN),
        image_std=list(presets.STD),
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_train=1000,
        rpn_post_nms_top_n_train=500,
        rpn_pre_nms_top_n_test=500,
        rpn_post_nms_top_n_test=200,
        rpn_batch_size_per_image=128,
        box_roi_pool=box_pool,
        box_head=TwoMLPHead(fpn_channels * 7 * 7, rep),
        box_predictor=FastRCNNPredictor(rep, num_classes),
        box_batch_size_per_image=128,
        box_detections_per_img=30,
        box_score_thresh=0.05,
        mask_roi_pool=mask_pool,
        mask_head=MaskRCNNHeads(fpn_channels, [64, 64, 64, 64], 1, norm_layer=_gn),
        mask_predictor=MaskRCNNPredictor(64, 64, num_classes),
    )
