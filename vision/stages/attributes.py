"""Stage ``attributes``: pattern, sleeve, neckline, fit, wash and damage of each garment, with scores.

Fills ``GarmentInstance.attributes``: ``{name: AttributeValue(value, score)}`` for the attributes of
:data:`vocabulary.attributes.ATTRIBUTES` that apply to the garment's category (``Attribute.applies``;
a shoe or a bag gets none). The model is ``attributes.pt``
(:class:`vision.lite0_models.Lite0AttributeClassifier`: the Lite0 backbone with one head per
attribute, trained by :mod:`vision.train_attributes`); ``score`` is the calibrated probability of
the value given (temperature scaling per head, fitted on the calibration split).

1. preprocess: one picture per garment: its box (``GarmentInstance.box``, grown by
   :data:`BOX_MARGIN` of its sides, clipped to the photo) cropped from the photo (from the garment
   alone on grey, :func:`garment_only`, when the model was trained so: ``background="grey"``) and
   letterboxed to the model's input size; the garments of the photo in batches of at most
   :data:`vision.presets.MAX_BATCH`.
2. infer: the model, one forward pass for the batch, under ``torch.no_grad``.
3. postprocess: per garment and applicable attribute, the most probable value and its probability.

The weights file is optional: without ``attributes.pt`` in the weights folder the stage is built
empty (a warning is logged) and leaves every ``attributes`` empty, so a pipeline of the other
models still loads. Runs after ``classify`` (it needs the category).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import presets
from vision.checkpoints import load_model
from vision.contract import AttributeValue
from vision.registry import get_architecture
from vision.stages import PhotoContext
from vocabulary.attributes import ATTRIBUTE_BY_NAME

WEIGHTS_FILE = "attributes.pt"
BOX_MARGIN = 0.03  # of the box's width / height, added on each side of the crop

log = logging.getLogger(__name__)


def garment_crop(image: Image.Image, box: tuple[int, int, int, int], margin: float = BOX_MARGIN) -> Image.Image:
    """RGB crop of ``image`` to ``box`` (x0, y0, x1, y1 pixels, x1/y1 exclusive) grown by ``margin``
    of its width and height on each side, clipped to the photo. Training and evaluation crop the
    same way (:mod:`vision.attribute_data`)."""
    x0, y0, x1, y1 = box
    mx, my = round(margin * (x1 - x0)), round(margin * (y1 - y0))
    w, h = image.size
    return image.convert("RGB").crop((max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)))


def garment_only(image: Image.Image, mask: np.ndarray) -> Image.Image:
    """RGB copy of ``image`` with every pixel outside ``mask`` (bool (H, W), the photo's size) set to
    :data:`vision.presets.PAD_RGB`, the letterbox grey: the garment alone, for a model trained with
    ``background="grey"``. Raises ValueError when the mask's shape is not the photo's."""
    rgb = np.asarray(image.convert("RGB"))
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask {mask.shape} does not match the photo {rgb.shape[:2]}")
    out = np.where(mask[..., None], rgb, np.array(presets.PAD_RGB, dtype=np.uint8))
    return Image.fromarray(out.astype(np.uint8))


class AttributeStage:
    """The ``attributes`` stage; build it with :func:`build`.

    Args:
        model: a registered attribute classifier in eval mode on ``device``, or None (no weights:
            the stage fills nothing).
    """

    name = "attributes"
    requires: tuple[str, ...] = ("classify",)
    runs_after: tuple[str, ...] = ("classify",)

    def __init__(self, model, device: torch.device):
        self.model = model
        self.device = device

    @property
    def names(self) -> list[str]:
        """The attributes the model answers (empty without a model)."""
        return [] if self.model is None else [n for n in self.model.names if n in ATTRIBUTE_BY_NAME]

    # 1. preprocess
    def preprocess(self, crops: list[Image.Image]) -> torch.Tensor:
        """float32 (N, 3, s, s) model input on the device: the crops letterboxed to the model's size."""
        size = self.model.input_size
        return self.model.prepare(torch.stack([presets.to_uint8_chw(presets.letterbox(c, size)) for c in crops]))

    # 2. inference
    @torch.no_grad()
    def infer(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Calibrated probabilities per attribute, float32 (N, n_values) on the CPU."""
        return {k: v.cpu() for k, v in self.model.predict(x).items()}

    # 3. postprocess
    def postprocess(self, probs: dict[str, torch.Tensor]) -> list[dict[str, AttributeValue]]:
        """Per row: ``{name: AttributeValue(most probable value, its probability)}`` for every
        attribute the model answers (not yet filtered by category)."""
        n = len(next(iter(probs.values()))) if probs else 0
        rows: list[dict[str, AttributeValue]] = [{} for _ in range(n)]
        for name in self.names:
            score, index = probs[name].max(1)
            values = self.model.values[name]
            for row, s, i in zip(rows, score.tolist(), index.tolist()):
                row[name] = AttributeValue(values[i], round(float(s), 4))
        return rows

    def predict(self, crops: list[Image.Image]) -> list[dict[str, AttributeValue]]:
        """Every attribute the model answers for N RGB garment crops, at most
        :data:`vision.presets.MAX_BATCH` at once (activations grow with the batch); ``[]`` for none."""
        if not crops or self.model is None:
            return [{} for _ in crops]
        step = presets.MAX_BATCH
        return [
            row
            for i in range(0, len(crops), step)
            for row in self.postprocess(self.infer(self.preprocess(crops[i : i + step])))
        ]

    def __call__(self, ctx: PhotoContext) -> None:
        """Set ``attributes`` of every instance of ``ctx`` whose category some attribute applies to."""
        if self.model is None:
            return
        wanted = [
            inst
            for inst in ctx.analysis.instances
            if any(ATTRIBUTE_BY_NAME[n].applies(inst.category) for n in self.names)
        ]
        if not wanted:
            return
        grey = getattr(self.model, "background", "photo") == "grey"
        crops = [garment_crop(garment_only(ctx.image, inst.mask) if grey else ctx.image, inst.box) for inst in wanted]
        answers = self.predict(crops)
        for inst, answer in zip(wanted, answers):
            inst.attributes = {n: v for n, v in answer.items() if ATTRIBUTE_BY_NAME[n].applies(inst.category)}


def build(weights_dir: Path, device: torch.device) -> AttributeStage:
    """Load ``attributes.pt`` from ``weights_dir`` onto ``device``; without the file, an empty stage.

    Raises ValueError when the file is not an attribute classifier checkpoint."""
    path = Path(weights_dir) / WEIGHTS_FILE
    if not path.exists():
        log.warning("no %s in %s: garments get no attributes", WEIGHTS_FILE, weights_dir)
        return AttributeStage(None, device)
    model = load_model(path, device)
    if get_architecture(model.spec.arch).task != "attributes":
        raise ValueError(f"{WEIGHTS_FILE} holds a {model.spec.arch!r}, not an attribute classifier")
    return AttributeStage(model, device)
