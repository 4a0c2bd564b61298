"""Serving: load the stages once per process, then turn a photo into a :class:`PhotoAnalysis`.

    from vision.inference import load_pipeline
    pipeline = load_pipeline(device="cpu")       # once per process: loads the models
    analysis = pipeline(pil_image)               # vision.contract.PhotoAnalysis
    for garment in analysis: ...                 # vision.contract.GarmentInstance, largest first

The pipeline is the stages named in :data:`STAGES`, run in that order on a per-photo context
(:class:`vision.stages.PhotoContext`); each fills its own fields of the contract:

* ``scene`` (:mod:`vision.stages.scene`): the classifier on the whole photo: is it one item laid
  flat or hung, or garments worn (a learned decision), and the whole photo's type probabilities;
* ``detect`` (:mod:`vision.stages.detect`): Mask R-CNN on worn photos, the instance rule, masks at
  photo resolution; a single item's foreground;
* ``segment`` (:mod:`vision.stages.segment`): the learned cutout: a single item's mask from the
  segmenter, its edge refined by GrabCut; worn garments cut to the person; ``mask_quality``;
* ``classify`` (:mod:`vision.stages.classify`): the type classifier on each garment's crop, the
  category/type decision, the top-3 guesses, one instance per category;
* ``cutout`` (:mod:`vision.stages.cutout`): RGBA cutouts;
* ``embed`` (:mod:`vision.stages.embed`): a unit-norm appearance vector per garment, to find the
  same garment again (:mod:`vision.similarity`);
* ``attributes`` (:mod:`vision.stages.attributes`): pattern, sleeve, neckline, fit, wash and damage
  with calibrated scores, for the attributes that apply to the garment's category (optional weights);
* ``stain`` (:mod:`vision.stages.stain`): stain segmentation on each garment's crop, whether a stain
  was found, its share of the garment and its mask (optional weights);
* ``colors`` (:mod:`vision.stages.colors`): dominant colours.

:meth:`Pipeline.preprocess` makes the context (RGB pixels), the stages run (each one's wall time in
``PhotoAnalysis.seconds``), and :meth:`Pipeline.postprocess` orders the garments, largest mask
first; it runs no model. A stage is added by one module in ``vision/stages``, one name in
:data:`STAGES` and one field in :mod:`vision.contract`. No training code is imported here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from vision.checkpoints import WEIGHTS_DIR  # noqa: F401  (re-exported: the committed weights folder)
from vision.contract import GarmentInstance, PhotoAnalysis
from vision.stages import PhotoContext, Stage, build_stage, stage_options

#: The serving stages, in the order they run.
STAGES: tuple[str, ...] = (
    "scene",
    "detect",
    "segment",
    "classify",
    "cutout",
    "embed",
    "attributes",
    "stain",
    "colors",
)


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` if given, else CUDA when available, else CPU."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Pipeline:
    """Stages composed in order; build with :func:`load_pipeline`.

    Args:
        stages: built stage objects (see :mod:`vision.stages`), in running order.
        device: where the stages' models live.
    Raises:
        ValueError: two stages share a name, a stage's ``requires`` is not among the stages before
            it, or a stage in its ``runs_after`` comes after it.
    """

    def __init__(self, stages: Sequence[Stage], device: torch.device):
        self.stages = list(stages)
        self.device = device
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names repeat: {names}")
        for i, stage in enumerate(self.stages):
            missing = [r for r in stage.requires if r not in names[:i]]
            if missing:
                raise ValueError(f"stage {stage.name!r} needs {missing} to run before it (stages: {names})")
            late = [r for r in getattr(stage, "runs_after", ()) if r in names[i + 1 :]]
            if late:
                raise ValueError(f"stage {stage.name!r} must run after {late} (stages: {names})")

    @property
    def names(self) -> list[str]:
        """Stage names in running order."""
        return [s.name for s in self.stages]

    def stage(self, name: str) -> Stage:
        """The stage called ``name``. Raises KeyError when the pipeline has none."""
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(f"no stage {name!r} in this pipeline ({self.names})")

    def preprocess(self, image: Image.Image) -> PhotoContext:
        """The per-photo context of a PIL photo of any mode: RGB image and uint8 (H, W, 3) pixels,
        and an empty :class:`PhotoAnalysis` of its size."""
        image = image.convert("RGB")
        return PhotoContext(
            image=image, rgb=np.asarray(image), analysis=PhotoAnalysis(width=image.width, height=image.height)
        )

    def postprocess(self, ctx: PhotoContext) -> PhotoAnalysis:
        """The finished analysis: garments ordered by mask area, largest first (stable). No model."""
        ctx.analysis.instances.sort(key=lambda i: -i.area)
        return ctx.analysis

    def __call__(self, image: Image.Image) -> PhotoAnalysis:
        """Analyse a PIL photo (any mode; EXIF orientation already applied): every stage in order,
        each one's wall time (seconds) in ``seconds[name]``."""
        ctx = self.preprocess(image)
        for stage in self.stages:
            start = time.perf_counter()
            stage(ctx)
            ctx.analysis.seconds[stage.name] = round(time.perf_counter() - start, 4)
        return self.postprocess(ctx)

    def garment_in_box(self, image: Image.Image, box: tuple[int, int, int, int]) -> GarmentInstance:
        """The garment inside a box a person drew on a photo (one the pipeline missed): segmented
        in the box (``segment``), named from the box's crop with no detector opinion (``classify``),
        cut out, embedded and given attributes when the pipeline has ``embed`` / ``attributes``, and
        its colours measured (``cutout``, ``colors``).

        Args:
            image: the PIL photo (any mode, EXIF orientation applied).
            box: (x0, y0, x1, y1) in its pixels, x1/y1 exclusive.
        Returns:
            the named :class:`GarmentInstance`, its ``mask`` at photo resolution.
        Raises:
            vision.refine.RefineError: the box lies outside the photo or is under 8 pixels on a side.
            ValueError: nothing in the box could be cut out.
            KeyError: the pipeline lacks one of those stages.
        """
        ctx = self.preprocess(image)
        inst = self.stage("segment").segment_box(ctx.rgb, box)
        classify = self.stage("classify")
        ctx.analysis.instances = [inst]
        classify.postprocess(ctx, classify.probabilities([ctx.image.crop(inst.box)]))
        for name in ("cutout", "embed", "attributes", "colors"):
            if name not in ("embed", "attributes") or name in self.names:
                self.stage(name)(ctx)
        return ctx.analysis.instances[0]


def load_pipeline(
    weights_dir: str | Path | None = None,
    device: str | torch.device | None = None,
    stages: Sequence[str] = STAGES,
    **options: Any,
) -> Pipeline:
    """Build the serving pipeline: each stage of ``stages`` once, its models loaded from
    ``weights_dir`` (default: the committed ``vision/weights``: ``detector.pt``, ``classifier.pt``,
    ``segmenter.pt``)
    onto ``device`` (default CUDA when available, else CPU).

    ``options`` go to the stages whose ``build`` takes them (e.g. ``score_threshold``,
    ``mask_threshold``, ``work_size``, ``min_area_fraction``, ``single_item_threshold`` of
    ``detect``; ``detector_weight``, ``flip_tta`` of ``classify`` (and ``scene``); ``kind_threshold`` of
    ``scene``; ``n_colors`` of ``colors``; ``embed_view`` of ``embed``).

    Raises:
        FileNotFoundError: a weights file is missing.
        ValueError: an unknown stage name, a stage order that breaks a stage's needs, or a weights
            file that is not a checkpoint of the right kind.
        TypeError: an option no selected stage takes.
    """
    weights_dir = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    dev = resolve_device(device)
    accepted = {name: stage_options(name) for name in stages}
    unknown = set(options) - set().union(*accepted.values())
    if unknown:
        raise TypeError(f"no stage of {list(stages)} takes the option(s) {sorted(unknown)}")
    built = [
        build_stage(name, weights_dir, dev, **{k: v for k, v in options.items() if k in accepted[name]})
        for name in stages
    ]
    return Pipeline(built, dev)
