"""What an architecture is: :func:`register` (the decorator every builder in :mod:`vision.models`
wears), :class:`Architecture` and :class:`ModelSpec`. Looking architectures up and building them is
:mod:`vision.registry`'s, which imports the builders, so that this module imports none of them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

TASKS = ("detector", "classifier", "segmenter", "attributes", "stain")


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


def registered() -> dict[str, Architecture]:
    """The architectures registered so far, by name (a copy)."""
    return dict(_ARCHITECTURES)
