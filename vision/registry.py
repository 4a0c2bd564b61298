"""Model registry: every architecture the vision code can build, by name.

An architecture is one builder function decorated with :func:`register`::

    @register("my_arch", task="classifier")
    def my_arch(labels: list[str], width: int = 64) -> nn.Module: ...

The builder takes the label space as ``labels`` (the classifier's type slugs, the detector's category
slugs) and its configuration as keyword arguments with JSON-like values (int, float, str, bool and
lists of them). :func:`build_model` records both on the returned module as ``model.spec``, which is
what :func:`vision.checkpoints.save_checkpoint` writes, so :func:`vision.checkpoints.load_model`
can rebuild any registered model from a file alone. The registered architectures live in
:mod:`vision.models`; this module imports it on first lookup.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from torch import nn

TASKS = ("detector", "classifier")


@dataclass(frozen=True)
class Architecture:
    """A registered builder: ``name``, ``task`` (one of :data:`TASKS`), ``builder(labels, **config)``."""

    name: str
    task: str
    builder: Callable[..., nn.Module]


@dataclass(frozen=True)
class ModelSpec:
    """What rebuilds a model: architecture ``arch``, builder ``config`` (every keyword, defaults
    filled in) and ``labels`` (the label space, in output order)."""

    arch: str
    config: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


_ARCHITECTURES: dict[str, Architecture] = {}


def register(name: str, task: str) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator registering ``builder(labels, **config) -> nn.Module`` as architecture ``name``.

    Raises ValueError for an unknown ``task``, a name registered twice, or a builder without a
    ``labels`` parameter.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; one of {TASKS}")

    def decorate(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _ARCHITECTURES:
            raise ValueError(f"architecture {name!r} is registered twice")
        if "labels" not in inspect.signature(builder).parameters:
            raise ValueError(f"builder of {name!r} must take a 'labels' argument")
        _ARCHITECTURES[name] = Architecture(name, task, builder)
        return builder

    return decorate


def architectures() -> dict[str, Architecture]:
    """All registered architectures by name (a copy)."""
    import vision.models  # noqa: F401  (registers the architectures)

    return dict(_ARCHITECTURES)


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
