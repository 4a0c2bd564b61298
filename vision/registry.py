"""Model registry: every architecture the vision code can build, by name.

An architecture is one builder function decorated with :func:`register`::

    @register("my_arch", task="classifier")
    def my_arch(labels: list[str], width: int = 64) -> nn.Module: ...

The builder takes the label space as ``labels`` (the classifier's type slugs, the detector's category
slugs) and its configuration as keyword arguments with JSON-like values (int, float, str, bool and
lists of them). :func:`build_model` records both on the returned module as ``model.spec``, which is
what :func:`vision.checkpoints.save_checkpoint` writes, so :func:`vision.checkpoints.load_model`
can rebuild any registered model from a file alone. The registered architectures live in
:mod:`vision.models` and :mod:`vision.lite0_models`, imported here; the decorator itself is
:mod:`vision.architecture`'s.
"""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn

import vision.lite0_models  # noqa: F401  (the builders register themselves on import)
import vision.models  # noqa: F401
import vision.segmenter  # noqa: F401
import vision.stain_model  # noqa: F401
from vision.architecture import TASKS, Architecture, ModelSpec, register, registered

__all__ = ["TASKS", "Architecture", "ModelSpec", "architectures", "build_model", "get_architecture", "register"]


def architectures() -> dict[str, Architecture]:
    """All registered architectures by name (a copy)."""
    return registered()


def get_architecture(name: str) -> Architecture:
    """The architecture registered as ``name``. Raises ValueError when there is none."""
    known = architectures()
    if name not in known:
        raise ValueError(f"unknown architecture {name!r}; registered: {sorted(known)}")
    return known[name]


def build_model(arch: str, labels: list[str], **config: Any) -> nn.Module:
    """Build architecture ``arch`` for label space ``labels`` with builder keywords ``config``.

    The returned module carries ``model.spec`` (:class:`ModelSpec`) with every builder keyword,
    defaults included, so a later change of a default does not change a saved model.
    Raises ValueError for an unknown architecture, TypeError for an unknown keyword.
    """
    architecture = get_architecture(arch)
    bound = inspect.signature(architecture.builder).bind(labels=list(labels), **config)
    bound.apply_defaults()
    full = {k: _plain(v) for k, v in bound.arguments.items() if k != "labels"}
    model = architecture.builder(labels=list(labels), **full)
    model.spec = ModelSpec(arch, full, list(labels))
    return model


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively: configs are stored as plain JSON-like values."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
