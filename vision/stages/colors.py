"""Stage ``colors``: the dominant colours of each garment, named from the app's palette.

Fills ``GarmentInstance.colors`` with :func:`vision.colors.dominant_colors` of the photo's pixels
inside the garment's mask (median-cut quantisation, names by nearest CIELAB palette entry): at most
``n_colors`` :class:`vision.contract.Colour`, distinct names of ``vocabulary.palette.PALETTE``,
largest share first, fractions summing to 1. No model. Runs after ``classify`` when both are in
the pipeline, since ``classify`` may unite two instances' masks.
"""

from __future__ import annotations

from pathlib import Path

import torch

from vision.colors import dominant_colors
from vision.stages import PhotoContext


class ColorsStage:
    """The ``colors`` stage (see the module docstring). ``n_colors``: colours per garment (at most)."""

    name = "colors"
    requires: tuple[str, ...] = ("detect",)
    runs_after: tuple[str, ...] = ("classify",)

    def __init__(self, n_colors: int = 3):
        self.n_colors = n_colors

    def __call__(self, ctx: PhotoContext) -> None:
        """Set ``colors`` of every instance of ``ctx``."""
        for inst in ctx.analysis.instances:
            inst.colors = dominant_colors(ctx.rgb, inst.mask, k=self.n_colors)


def build(weights_dir: Path, device: torch.device, n_colors: int = 3) -> ColorsStage:
    """The colours stage (no weights; ``weights_dir`` and ``device`` unused). Raises ValueError
    when ``n_colors`` < 1."""
    if n_colors < 1:
        raise ValueError(f"n_colors must be at least 1, got {n_colors}")
    return ColorsStage(n_colors)
