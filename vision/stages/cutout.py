"""Stage ``cutout``: each garment as an RGBA image cropped to its box, transparent outside its mask.

Fills ``GarmentInstance.cutout``. No model. Runs after ``classify`` when both are in the pipeline,
since ``classify`` may unite two instances' masks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision.stages import PhotoContext


def cutout(image: Image.Image, mask: np.ndarray, box: tuple[int, int, int, int]) -> Image.Image:
    """RGBA crop of ``image`` to ``box`` (x0, y0, x1, y1, pixels, x1/y1 exclusive) whose alpha is
    255 inside ``mask`` (bool (H, W), the photo's size) and 0 outside; size (x1 - x0, y1 - y0)."""
    x0, y0, x1, y1 = box
    out = image.crop(box).convert("RGBA")
    out.putalpha(Image.fromarray((mask[y0:y1, x0:x1] * 255).astype(np.uint8)))
    return out


class CutoutStage:
    """The ``cutout`` stage (see the module docstring)."""

    name = "cutout"
    requires: tuple[str, ...] = ("detect",)
    runs_after: tuple[str, ...] = ("classify",)

    def __call__(self, ctx: PhotoContext) -> None:
        """Set ``cutout`` of every instance of ``ctx``."""
        for inst in ctx.analysis.instances:
            inst.cutout = cutout(ctx.image, inst.mask, inst.box)


def build(weights_dir: Path, device: torch.device) -> CutoutStage:
    """The cutout stage (no weights; arguments unused)."""
    return CutoutStage()
