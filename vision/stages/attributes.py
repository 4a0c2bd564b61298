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

**View models** may refine some attributes: each file of :data:`VIEW_FILES` present beside
``attributes.pt`` sees one part of each garment picture (:func:`region_crop`) at its own input size,
``attributes_top.pt`` the top (where the neckline is) and ``attributes_centre.pt`` the middle (where a
print shows largest), and has heads for some attributes only (the neckline; the pattern). Its
probabilities replace the main model's for those attributes or are averaged with them, as its file's
``meta["combine"]`` says (``"replace"`` by default, ``"mean"``); it runs only for garments one of
those attributes applies to. A model whose file says ``meta["mirror"] = True`` also sees each
picture mirrored and gives the mean of both answers (:meth:`AttributeStage.infer`).

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
from vision.checkpoints import load_checkpoint, model_from_checkpoint
from vision.contract import AttributeValue
from vision.fuse import for_inference
from vision.registry import get_architecture
from vision.stages import PhotoContext
from vocabulary.attributes import ATTRIBUTE_BY_NAME

WEIGHTS_FILE = "attributes.pt"
VIEW_FILES = ("attributes_top.pt", "attributes_centre.pt")  # view models (see the module docstring)
COMBINE = ("replace", "mean")  # how a view's probabilities join the main model's (its file's meta["combine"])
BOX_MARGIN = 0.03  # of the box's width / height, added on each side of the crop
# The "top" region, as fractions of the garment picture's width / height: the centre columns of the
# upper part, where a top's or a dress's neckline, collar or hood is (chosen before training, not tuned).
TOP_REGION = (0.15, 0.0, 0.85, 0.45)
# The "centre" region: the middle of the picture, where a print, stripes or checks show largest.
CENTRE_REGION = (0.2, 0.2, 0.8, 0.8)
REGION_BOXES = {"top": TOP_REGION, "centre": CENTRE_REGION}

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
    sees: the picture itself for ``"whole"``, for ``"top"`` the box :data:`TOP_REGION` of its size,
    for ``"centre"`` :data:`CENTRE_REGION` (at least 1 pixel each way). Raises ValueError for
    another region."""
    if region == "whole":
        return picture
    if region not in REGION_BOXES:
        raise ValueError(f"unknown region {region!r}")
    w, h = picture.size
    x0, y0, x1, y1 = REGION_BOXES[region]
    left, top = int(x0 * w), int(y0 * h)
    return picture.crop((left, top, max(left + 1, round(x1 * w)), max(top + 1, round(y1 * h))))


class AttributeStage:
    """The ``attributes`` stage; build it with :func:`build`.

    Args:
        model: a registered attribute classifier in eval mode on ``device``, or None (no weights:
            the stage fills nothing).
        views: view models (attribute classifiers of another ``region``, with ``combine``), whose
            probabilities replace or join the main model's for the attributes they have heads for.
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
        (N, n_values) on the CPU. A model whose ``mirror`` is set (its file's ``meta["mirror"]``)
        gives the mean of its probabilities for ``x`` and for ``x`` mirrored left to right (flip
        test-time augmentation, as in Krizhevsky et al. 2012's averaged reflections): every
        attribute here is the same in a mirror, and the models were trained with random mirroring."""
        model = model or self.model
        probs = model.predict(x)
        if getattr(model, "mirror", False):
            flipped = model.predict(x.flip(-1))
            probs = {k: (v + flipped[k]) / 2 for k, v in probs.items()}
        return {k: v.cpu() for k, v in probs.items()}

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

    def probabilities(self, crops: list[Image.Image], model=None) -> dict[str, torch.Tensor]:
        """Calibrated probabilities per attribute of ``model`` (default: the main one) for N RGB
        garment crops, float32 (N, n_values), at most :data:`vision.presets.MAX_BATCH` crops at once
        (activations grow with the batch)."""
        model = model or self.model
        step = presets.MAX_BATCH
        parts = [self.infer(self.preprocess(crops[i : i + step], model), model) for i in range(0, len(crops), step)]
        return {name: torch.cat([part[name] for part in parts]) for name in parts[0]}

    def predict(
        self, crops: list[Image.Image], view_rows: list[list[int]] | None = None
    ) -> list[dict[str, AttributeValue]]:
        """Every attribute the model answers for N RGB garment crops; ``[]`` for none. Each view
        model (``self.views[k]``) runs on the crops of ``view_rows[k]`` (default: all) and its
        probabilities replace the main model's for its attributes (``combine="replace"``) or are
        averaged with them (``combine="mean"``)."""
        if not crops or self.model is None:
            return [{} for _ in crops]
        probs = self.probabilities(crops)
        for k, view in enumerate(self.views):
            rows = list(range(len(crops))) if view_rows is None else view_rows[k]
            if not rows:
                continue
            for name, p in self.probabilities([crops[i] for i in rows], view).items():
                mean = getattr(view, "combine", "replace") == "mean"
                probs[name][rows] = (probs[name][rows] + p) / 2 if mean else p
        return self.postprocess(probs)

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
        view_rows = [  # a view runs only for the garments one of its attributes applies to
            [i for i, inst in enumerate(wanted) if any(ATTRIBUTE_BY_NAME[n].applies(inst.category) for n in view.names)]
            for view in self.views
        ]
        for inst, answer in zip(wanted, self.predict(crops, view_rows)):
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
            ckpt = load_checkpoint(Path(weights_dir) / file)
            if get_architecture(ckpt["arch"]).task != "attributes":
                raise ValueError(f"{file} holds a {ckpt['arch']!r}, not an attribute classifier")
            model = for_inference(model_from_checkpoint(ckpt, device))
            model.combine = ckpt["meta"].get("combine", "replace")
            model.mirror = bool(ckpt["meta"].get("mirror", False))
            if models and (
                model.combine not in COMBINE or any(model.values[n] != models[0].values.get(n) for n in model.names)
            ):
                raise ValueError(f"{file}: its answers cannot be combined with {WEIGHTS_FILE}'s")
            models.append(model)
    return AttributeStage(models[0], device, models[1:])
