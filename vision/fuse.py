"""Serving-time speed-ups of a loaded model that leave its answers unchanged: batch norms folded into
the convolutions before them, and weights in the channels-last memory layout.

A model in eval mode computes ``BN(conv(x))`` with fixed statistics, which is one convolution with
rescaled weights and a bias (Ioffe and Szegedy 2015's inference transform; PyTorch's
:func:`torch.nn.utils.fusion.fuse_conv_bn_weights` does the arithmetic). Batch norms are
``nn.BatchNorm2d`` and torchvision's ``FrozenBatchNorm2d`` (the detector's backbone). Folding them removes a pass over
every activation map; the channels-last layout lets oneDNN's convolutions skip the layout
reorders around depthwise convolutions. Measured on this project's Lite0 models (batch 1, 2 CPU
threads, ``python -m bench.fuse``): the stain, attribute and classifier models run in about 0.6-0.7
of their time, with outputs equal to 1e-6.

Only for inference: a folded model has no batch norms left to train. Stages apply it when they load
their weights (:func:`for_inference`); training, calibration and weight conversion load the plain
model.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights
from torchvision.ops import FrozenBatchNorm2d

NORMS = (nn.BatchNorm2d, FrozenBatchNorm2d)
# (convolution, batch norm) attribute pairs of vision.lite0's modules, in the names of
# efficientnet_pytorch that its state dicts keep.
LITE0_PAIRS = (
    ("_conv_stem", "_bn0"),
    ("_expand_conv", "_bn0"),
    ("_depthwise_conv", "_bn1"),
    ("_project_conv", "_bn2"),
    ("_conv_head", "_bn1"),
)


def _pairs(model: nn.Module) -> list[tuple[nn.Module, str, str]]:
    """(parent, conv name, bn name) of every convolution directly followed by a batch norm: the
    attribute pairs of :data:`LITE0_PAIRS` and consecutive entries of an ``nn.Sequential``."""
    found = []
    for parent in model.modules():
        children = dict(parent.named_children())
        for conv, bn in LITE0_PAIRS:
            if isinstance(children.get(conv), nn.Conv2d) and isinstance(children.get(bn), NORMS):
                found.append((parent, conv, bn))
        if isinstance(parent, nn.Sequential):
            names = list(children)
            for a, b in zip(names, names[1:]):
                if isinstance(children[a], nn.Conv2d) and isinstance(children[b], NORMS):
                    found.append((parent, a, b))
    return found


def fold_batch_norms(model: nn.Module) -> int:
    """Fold every batch norm of ``model`` that directly follows a convolution (see :func:`_pairs`)
    into it, in place, and put an ``nn.Identity`` in its place. Returns how many were folded (0 on
    a model already folded).

    Raises ValueError when ``model`` is in training mode (the running statistics would be wrong)."""
    if model.training:
        raise ValueError("fold batch norms of a model in eval mode only")
    pairs = _pairs(model)
    with torch.no_grad():
        for parent, conv_name, bn_name in pairs:
            conv, bn = getattr(parent, conv_name), getattr(parent, bn_name)
            weight, bias = fuse_conv_bn_weights(
                conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
            )
            conv.weight, conv.bias = weight, bias
            setattr(parent, bn_name, nn.Identity())
    return len(pairs)


def for_inference(model: nn.Module, channels_last: bool = True) -> nn.Module:
    """``model`` (eval mode) with its batch norms folded (:func:`fold_batch_norms`) and, when
    ``channels_last``, its 4-d weights in ``torch.channels_last`` layout; the same module, changed in
    place, returned for chaining. Idempotent, so a model shared by several stages may be passed
    again. Raises ValueError for a model in training mode."""
    fold_batch_norms(model)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    return model
