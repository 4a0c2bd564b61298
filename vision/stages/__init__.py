"""Serving stages: one module per stage, composed by :mod:`vision.inference` from its ``STAGES`` list.

A stage module ``vision.stages.<name>`` defines ``build(weights_dir, device, **options) -> Stage``:
called once per process, it loads whatever the stage needs (model weights from ``weights_dir``,
onto ``device``) and returns the stage object. A stage object has

* ``name``: the module's name, the key of its wall time in ``PhotoAnalysis.seconds``;
* ``requires``: names of the stages that must run before it (checked when the pipeline is built);
* ``__call__(ctx)``: reads and writes the per-photo :class:`PhotoContext`, filling its own
  field(s) of :class:`vision.contract.GarmentInstance` / :class:`vision.contract.PhotoAnalysis`.

A stage that runs a model splits its work in three steps, as torchvision's detection references
do: ``preprocess`` (photo to tensor), ``infer`` (the model, under ``torch.no_grad``) and
``postprocess`` (tensor to contract fields; never a model).

Adding a stage (attributes, an embedding, stains, label reading): write ``vision/stages/<name>.py``
with ``build``, add its name to ``vision.inference.STAGES``, and add the field it fills to
``vision.contract``.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from PIL import Image

from vision.contract import PhotoAnalysis


@dataclass
class PhotoContext:
    """What the stages of one photo share.

    ``image``: the photo, RGB PIL image (EXIF orientation applied by the caller); ``rgb``: its
    pixels, uint8 (H, W, 3); ``analysis``: the result being filled; ``store``: intermediates one
    stage leaves for a later one, by key (e.g. ``"work_image"``, the detector's downscaled copy).
    """

    image: Image.Image
    rgb: np.ndarray
    analysis: PhotoAnalysis
    store: dict[str, Any] = field(default_factory=dict)


class Stage(Protocol):
    """A serving stage (see the module docstring)."""

    name: str
    requires: tuple[str, ...]

    def __call__(self, ctx: PhotoContext) -> None: ...


def stage_module(name: str):
    """The module ``vision.stages.<name>``. Raises ValueError when there is no such stage."""
    try:
        return importlib.import_module(f"vision.stages.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"vision.stages.{name}":
            raise ValueError(f"no stage named {name!r} (no module vision.stages.{name})") from None
        raise


def stage_options(name: str) -> set[str]:
    """Option names the ``build`` of stage ``name`` accepts (besides weights_dir and device)."""
    params = inspect.signature(stage_module(name).build).parameters
    return {p for p in params if p not in ("weights_dir", "device")}


def build_stage(name: str, weights_dir: Path, device: torch.device, **options: Any) -> Stage:
    """Build stage ``name`` (once per process) from the weights folder and the device.

    Raises ValueError for an unknown stage, TypeError for an option the stage does not take, and
    whatever loading its weights raises (FileNotFoundError, ValueError).
    """
    return stage_module(name).build(weights_dir, device, **options)
