"""Stage ``scene``: what kind of photo this is, from the classifier run once on the whole photo.

Fills ``PhotoAnalysis.single_item_score`` and ``single_item``, and leaves the whole photo's type
probabilities in ``ctx.store["whole_probs"]`` for ``classify``.

1. preprocess: the photo letterboxed to the classifier's input size (as the clothing-dataset photos
   it was trained on), and its mirror image (``flip_tta``).
2. infer: the classifier (``classifier.pt``, the same module ``classify`` uses): calibrated type
   probabilities and the photo-kind head's probability that the photo shows one item laid flat or
   hung rather than garments worn (:class:`vision.lite0_models.Lite0TypeClassifier`), each averaged
   over the two views.
3. postprocess: ``single_item`` when that probability is at least ``kind_threshold`` (0.5:
   the head is a class-balanced logistic regression, fitted by :mod:`vision.calibrate`; its
   accuracy on the calibration split is in the classifier's model card).

The ``detect`` stage then skips Mask R-CNN for a single-item photo and takes its foreground as the
one garment, so such a photo is named by the classifier on the whole photo, exactly as the
classifier alone would name it. A classifier without a kind head (the earlier architecture) gives
no opinion (``single_item_score`` None) and ``detect`` falls back to its score gate.
"""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from vision import presets
from vision.checkpoints import load_shared_model
from vision.fuse import for_inference
from vision.registry import get_architecture
from vision.stages import PhotoContext

KIND_THRESHOLD = 0.5


class SceneStage:
    """The ``scene`` stage; build it with :func:`build`.

    Args:
        model: a registered type classifier (``prepare``/``predict`` interface) in eval mode.
        kind_threshold: kind probability at or above which the photo is one item.
        flip_tta: average over the photo and its mirror image.
    """

    name = "scene"
    requires: tuple[str, ...] = ()
    runs_after: tuple[str, ...] = ()

    def __init__(
        self,
        model,
        device: torch.device,
        kind_threshold: float = KIND_THRESHOLD,
        flip_tta: bool = True,
    ):
        self.model = model
        self.device = device
        self.kind_threshold = kind_threshold
        self.flip_tta = flip_tta

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        """float32 (1 or 2, 3, s, s) model input: the letterboxed photo (and its mirror image)."""
        x = self.model.prepare(presets.to_uint8_chw(presets.letterbox(image, self.model.input_size))[None])
        return torch.cat([x, x.flip(-1)]) if self.flip_tta else x

    @torch.no_grad()
    def infer(self, x: torch.Tensor) -> tuple[torch.Tensor, float | None]:
        """Type probabilities float32 (n_types,) on the CPU, and the single-item probability (or None
        for a model without a kind head), averaged over the views of ``x``."""
        probs, single = self.model.predict(x)
        return probs.mean(0).cpu(), None if single is None else float(single.mean())

    def __call__(self, ctx: PhotoContext) -> None:
        """Set ``single_item_score``, ``single_item`` and ``ctx.store["whole_probs"]``."""
        probs, single = self.infer(self.preprocess(ctx.image))
        ctx.store["whole_probs"] = probs
        ctx.analysis.single_item_score = None if single is None else round(single, 4)
        if single is not None:
            ctx.analysis.single_item = single >= self.kind_threshold


def build(
    weights_dir: Path,
    device: torch.device,
    kind_threshold: float = KIND_THRESHOLD,
    flip_tta: bool = True,
) -> SceneStage:
    """Load ``classifier.pt`` from ``weights_dir`` onto ``device`` (shared with ``classify``).

    Raises FileNotFoundError when the file is missing, ValueError when it is not a classifier."""
    model = for_inference(load_shared_model(Path(weights_dir) / "classifier.pt", device))
    if get_architecture(model.spec.arch).task != "classifier":
        raise ValueError(f"classifier.pt holds a {model.spec.arch!r}, not a classifier")
    return SceneStage(model, device, kind_threshold, flip_tta)
