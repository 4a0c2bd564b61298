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

A **view model** may refine some attributes: ``attributes_top.pt`` (when present beside
``attributes.pt``) sees only the top of each garment picture (:func:`region_crop`: where the neckline
is) at its own input size, and its answers replace the main model's for the attributes it has heads
for (the neckline). It runs only for garments one of those attributes applies to.

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
VIEW_FILES = ("attributes_top.pt",)  # view models, each answering the attributes it has heads for
BOX_MARGIN = 0.03  # of the box's width / height, added on each side of the crop
# The "top" region, as fractions of the garment picture's width / height: the centre columns of the
# upper part, where a top's or a dress's neckline, collar or hood is (chosen before training, not tuned).
TOP_REGION = (0.15, 0.0, 0.85, 0.45)

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


def region_crop(picture: Image.Image, region: str) -> Image.Image:
    """The part of a garment picture (RGB, as :func:`garment_crop` gives it) a model of ``region``
    sees: the picture itself for ``"whole"``, for ``"top"`` the box :data:`TOP_REGION` of its size
    (at least 1 pixel each way). Raises ValueError for another region."""
    if region == "whole":
        return picture
    if region != "top":
        raise ValueError(f"unknown region {region!r}")
    w, h = picture.size
    x0, y0, x1, y1 = TOP_REGION
    left, top = int(x0 * w), int(y0 * h)
    return picture.crop((left, top, max(left + 1, round(x1 * w)), max(top + 1, round(y1 * h))))


class AttributeStage:
    """The ``attributes`` stage; build it with :func:`build`.

    Args:
        model: a registered attribute classifier in eval mode on ``device``, or None (no weights:
            the stage fills nothing).
        views: view models (attribute classifiers of another ``region``), whose answers replace the
            main model's for the attributes they have heads for.
    """

    name = "attributes"
    requires: tuple[str, ...] = ("classify",)
    runs_after: tuple[str, ...] = ("classify",)

    def __init__(self, model, device: torch.device, views: list | None = None):
        self.model = model
        self.device = device
        self.views = list(views or [])

    @property
    def names(self) -> list[str]:
        """The attributes the model answers (empty without a model)."""
        return [] if self.model is None else [n for n in self.model.names if n in ATTRIBUTE_BY_NAME]

    # 1. preprocess
    def preprocess(self, crops: list[Image.Image], model=None) -> torch.Tensor:
        """float32 (N, 3, s, s) input of ``model`` (default: the main one) on the device: the crops'
        region the model sees (:func:`region_crop`), letterboxed to its size."""
        model = model or self.model
        size, region = model.input_size, getattr(model, "region", "whole")
        return model.prepare(
            torch.stack([presets.to_uint8_chw(presets.letterbox(region_crop(c, region), size)) for c in crops])
        )

    # 2. inference
    @torch.no_grad()
    def infer(self, x: torch.Tensor, model=None) -> dict[str, torch.Tensor]:
        """Calibrated probabilities per attribute of ``model`` (default: the main one), float32
        (N, n_values) on the CPU."""
        return {k: v.cpu() for k, v in (model or self.model).predict(x).items()}

    # 3. postprocess
    def postprocess(self, probs: dict[str, torch.Tensor]) -> list[dict[str, AttributeValue]]:
        """Per row: ``{name: AttributeValue(most probable value, its probability)}`` for every
        attribute the model answers (not yet filtered by category)."""
        n = len(next(iter(probs.values()))) if probs else 0
        rows: list[dict[str, AttributeValue]] = [{} for _ in range(n)]
        values_of = {**self.model.values, **{k: v for m in self.views for k, v in m.values.items()}}
        for name in self.names:
            if name not in probs:
                continue
            score, index = probs[name].max(1)
            values = values_of[name]
            for row, s, i in zip(rows, score.tolist(), index.tolist()):
                row[name] = AttributeValue(values[i], round(float(s), 4))
        return rows

    def predict(self, crops: list[Image.Image], views: bool = True) -> list[dict[str, AttributeValue]]:
        """Every attribute the model answers for N RGB garment crops, at most
        :data:`vision.presets.MAX_BATCH` at once (activations grow with the batch), the view models'
        attributes from them (unless ``views`` is False); ``[]`` for none."""
        if not crops or self.model is None:
            return [{} for _ in crops]
        step = presets.MAX_BATCH
        rows = [
            row
            for i in range(0, len(crops), step)
            for row in self.postprocess(self.infer(self.preprocess(crops[i : i + step])))
        ]
        for view in self.views if views else []:
            self.refine(view, crops, rows)
        return rows

    def refine(self, view, crops: list[Image.Image], rows: list[dict[str, AttributeValue]]) -> None:
        """Replace, in each of ``rows`` (the answers for ``crops``, in order), the attributes the view
        model ``view`` has heads for by its answers on the crops' region it sees."""
        step = presets.MAX_BATCH
        for i in range(0, len(crops), step):
            probs = self.infer(self.preprocess(crops[i : i + step], view), view)
            for row, answer in zip(rows[i : i + step], self.postprocess(probs)):
                row.update(answer)

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
        answers = self.predict(crops, views=False)
        for view in self.views:  # only for the garments one of its attributes applies to
            picked = [
                i
                for i, inst in enumerate(wanted)
                if any(ATTRIBUTE_BY_NAME[n].applies(inst.category) for n in view.names)
            ]
            subset = [answers[i] for i in picked]
            self.refine(view, [crops[i] for i in picked], subset)
        for inst, answer in zip(wanted, answers):
            inst.attributes = {n: v for n, v in answer.items() if ATTRIBUTE_BY_NAME[n].applies(inst.category)}


def build(weights_dir: Path, device: torch.device) -> AttributeStage:
    """Load ``attributes.pt`` and the view models of :data:`VIEW_FILES` present in ``weights_dir``
    onto ``device``; without ``attributes.pt``, an empty stage.

    Raises ValueError when a file is not an attribute classifier checkpoint."""
    path = Path(weights_dir) / WEIGHTS_FILE
    if not path.exists():
        log.warning("no %s in %s: garments get no attributes", WEIGHTS_FILE, weights_dir)
        return AttributeStage(None, device)
    models = []
    for file in [WEIGHTS_FILE, *VIEW_FILES]:
        if (Path(weights_dir) / file).exists():
            model = load_model(Path(weights_dir) / file, device)
            if get_architecture(model.spec.arch).task != "attributes":
                raise ValueError(f"{file} holds a {model.spec.arch!r}, not an attribute classifier")
            models.append(model)
    return AttributeStage(models[0], device, models[1:])
