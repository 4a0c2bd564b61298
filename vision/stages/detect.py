"""Stage ``detect``: the garments of a photo, as masks at photo resolution.

Fills ``GarmentInstance.box``, ``mask``, ``detector_category`` and ``detector_score`` (one instance
per detected category) and ``PhotoAnalysis.single_item``.

1. preprocess: downscale the photo so its long side is at most ``work_size`` pixels (the detector
   resizes to 320-480 px internally anyway; this bounds the cost of mask pasting), to a float
   tensor in [0, 1].
2. infer: the Mask R-CNN (``detector.pt``).
3. postprocess: the instance rule (all detections of one category scoring at least
   ``score_threshold`` are merged into one instance, see :mod:`vision.datasets`), instances under
   ``min_area_fraction`` of the photo dropped, masks resized to photo resolution.

Single-item photos: when the ``scene`` stage ran before and judged the photo to show one item laid
flat or hung (``PhotoAnalysis.single_item``), Mask R-CNN is not run at all: the photo's foreground
(:func:`foreground_mask`) is its one garment, ``detector_category`` is empty and ``detector_score``
0, and the ``classify`` stage names it from the whole photo. Worn photos go to Mask R-CNN; when it
finds nothing, the photo is treated as a single item too. Without a scene opinion
(``single_item_score`` None: no ``scene`` stage, or an earlier classifier without a kind head), the
earlier gate applies: when no detection reaches ``single_item_threshold`` (0.9), the photo is taken
for a single item. (That gate, measured with the earlier models: at 0.8 / 0.9 / 0.95, 2 % / 8 % /
16 % of 107 CCP street photos fell through it, and the pipeline's top-1 on 1,017 single-item photos
of held-out clothing-dataset contributors was 0.683 / 0.733 / 0.751, against 0.760 when every photo
is classified whole: the reason for the learned decision.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from vision import presets, taxonomy
from vision.checkpoints import load_model
from vision.contract import GarmentInstance
from vision.datasets import mask_box
from vision.fuse import for_inference
from vision.registry import get_architecture
from vision.stages import PhotoContext

# Serving defaults (the options of :func:`build`).
SCORE_THRESHOLD = 0.5  # detector score under which a detection is dropped
MASK_THRESHOLD = 0.5  # mask probability over which a pixel belongs to the instance
WORK_SIZE = 640  # pixels, long side of the copy the detector sees
MIN_AREA_FRACTION = 0.002  # of the work image; smaller merged instances are dropped
SINGLE_ITEM_THRESHOLD = 0.9  # below this best detection score the photo is one item


@dataclass
class Detection:
    """One category's detection after merging (the instance rule), at the resolution the detector
    saw. ``category_id``: class id of the detector (1..len(labels)); ``category``: its slug;
    ``score``: the best merged detection's score in [0, 1]; ``mask``: bool (h, w)."""

    category_id: int
    category: str
    score: float
    mask: np.ndarray


def merge_detections(
    labels: list[int],
    scores: list[float],
    masks: np.ndarray,
    category_slugs: list[str],
    score_threshold: float,
    keep_low: bool = False,
    min_area: float = 1.0,
) -> list[Detection]:
    """The instance rule on raw detections: one :class:`Detection` per category.

    Args:
        labels, scores: class ids (1-based) and scores of the detections, sorted by score,
            highest first (as torchvision's Mask R-CNN returns them).
        masks: bool (N, h, w) binarised masks.
        category_slugs: slug of class id ``i`` at ``category_slugs[i - 1]``.
        score_threshold: a category's instance is the union of its detections scoring at least this.
        keep_low: (evaluation, so that AP sees the whole precision/recall curve) a category with no
            detection over the threshold is still returned, as its best detection alone.
        min_area: merged masks with fewer pixels (at least 1) are dropped.
    Returns:
        detections in the order of their best detection's score.
    """
    merged: dict[int, Detection] = {}
    for label, score, mask in zip(labels, scores, masks):
        high = score >= score_threshold
        if label in merged:
            if high:  # detections come sorted by score: the first one of a label is its best
                merged[label].mask |= mask
        elif high or keep_low:
            merged[label] = Detection(label, category_slugs[label - 1], score, mask.copy())
    return [d for d in merged.values() if d.mask.sum() >= max(1.0, min_area)]


def resize_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """bool (h, w) mask resized to ``shape`` (H, W) by nearest neighbour; returned as is when it
    already has that shape."""
    if mask.shape == tuple(shape):
        return mask
    return np.asarray(Image.fromarray(mask).resize((shape[1], shape[0]), Image.NEAREST))


def foreground_mask(image: np.ndarray) -> np.ndarray:
    """Foreground of a single-item photo: pixels far in colour from the photo's border.

    Args:
        image: uint8 (H, W, 3) RGB.
    Returns:
        bool (H, W); the connected foreground regions of at least a quarter of the largest one's
        area (so both shoes of a pair), holes filled. When nothing stands out from the border,
        the whole photo.

    Rule: the border (outer 4 % of each side, on a copy downscaled to at most 256 px) gives the
    background's median colour; a pixel is foreground when its Euclidean RGB distance to it exceeds
    Otsu's threshold (Otsu, "A threshold selection method from gray-level histograms", 1979) of the
    distance histogram (64 bins), floored at 30 levels.
    """
    h, w = image.shape[:2]
    scale = min(1.0, 256 / max(h, w))
    small = np.asarray(
        Image.fromarray(image).resize((max(1, round(w * scale)), max(1, round(h * scale)))), dtype=np.float32
    )
    sh, sw = small.shape[:2]
    b = max(1, round(0.04 * min(sh, sw)))
    border = np.concatenate(
        [small[:b].reshape(-1, 3), small[-b:].reshape(-1, 3), small[:, :b].reshape(-1, 3), small[:, -b:].reshape(-1, 3)]
    )
    dist = np.sqrt(((small - np.median(border, axis=0)) ** 2).sum(-1))
    hist, edges = np.histogram(dist, bins=64)
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centers) / np.maximum(w0, 1)
    m1 = (np.sum(hist * centers) - np.cumsum(hist * centers)) / np.maximum(w1, 1)
    thr = max(30.0, centers[int(np.argmax(w0 * w1 * (m0 - m1) ** 2))])
    fg = ndimage.binary_opening(dist > thr, iterations=2)
    labels, n = ndimage.label(fg)
    if n == 0:
        return np.ones((h, w), dtype=bool)
    sizes = np.asarray(ndimage.sum(fg, labels, range(1, n + 1)))
    keep = np.isin(labels, 1 + np.flatnonzero(sizes >= 0.25 * sizes.max()))  # both shoes of a pair
    keep = ndimage.binary_fill_holes(ndimage.binary_closing(keep, iterations=3))
    return np.asarray(Image.fromarray(keep).resize((w, h), Image.NEAREST))


class DetectStage:
    """The ``detect`` stage; build it with :func:`build`.

    Args:
        model: a registered detector (torchvision MaskRCNN) in eval mode on ``device``.
        score_threshold: detector score under which a detection is dropped.
        mask_threshold: mask probability over which a pixel belongs to the instance.
        work_size: long side (pixels) photos are downscaled to before detection.
        min_area_fraction: merged instances smaller than this fraction of the photo are dropped.
        single_item_threshold: below this best detection score, the photo is one item (see the
            module docstring).
    """

    name = "detect"
    requires: tuple[str, ...] = ()
    runs_after: tuple[str, ...] = ("scene",)

    def __init__(
        self,
        model,
        device: torch.device,
        score_threshold: float = SCORE_THRESHOLD,
        mask_threshold: float = MASK_THRESHOLD,
        work_size: int = WORK_SIZE,
        min_area_fraction: float = MIN_AREA_FRACTION,
        single_item_threshold: float = SINGLE_ITEM_THRESHOLD,
    ):
        self.model = model
        self.device = device
        self.labels: list[str] = list(model.spec.labels)
        self.score_threshold = score_threshold
        self.mask_threshold = mask_threshold
        self.work_size = work_size
        self.min_area_fraction = min_area_fraction
        self.single_item_threshold = single_item_threshold

    def work_image(self, image: Image.Image) -> Image.Image:
        """The RGB photo downscaled (bilinear) so its long side is at most ``work_size`` pixels
        (the photo itself when already small enough)."""
        image = image.convert("RGB")
        scale = min(1.0, self.work_size / max(image.size))
        if scale == 1.0:
            return image
        return image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR)

    def preprocess(self, work: Image.Image) -> torch.Tensor:
        """float32 (3, h, w) in [0, 1] on the stage's device."""
        return presets.to_uint8_chw(work).float().div_(255).to(self.device)

    @torch.no_grad()
    def infer(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """torchvision Mask R-CNN output of one image: ``boxes`` (N, 4), ``labels`` (N,),
        ``scores`` (N,) sorted high first, ``masks`` float (N, 1, h, w) probabilities."""
        return self.model([x])[0]

    def postprocess(
        self, out: dict[str, torch.Tensor], size: tuple[int, int], keep_low: bool = False
    ) -> list[Detection]:
        """Merged detections (:func:`merge_detections`) of an image of ``size`` (w, h) pixels."""
        masks = (out["masks"][:, 0] > self.mask_threshold).cpu().numpy()
        return merge_detections(
            out["labels"].tolist(),
            out["scores"].tolist(),
            masks,
            self.labels,
            self.score_threshold,
            keep_low,
            self.min_area_fraction * size[0] * size[1],
        )

    def detect(self, work: Image.Image, keep_low: bool = False) -> list[Detection]:
        """Merged detections of a work-resolution photo (preprocess, infer, postprocess); masks at
        the work image's resolution. ``keep_low``: see :func:`merge_detections`."""
        return self.postprocess(self.infer(self.preprocess(work)), work.size, keep_low)

    def __call__(self, ctx: PhotoContext) -> None:
        """Fill ``ctx.analysis.instances`` (in detection order) and ``single_item``."""
        scene_says = ctx.analysis.single_item_score is not None
        detections = []
        if not (scene_says and ctx.analysis.single_item):
            work = self.work_image(ctx.image)
            ctx.store["work_image"] = work
            detections = self.detect(work)
        if not scene_says and detections and max(d.score for d in detections) < self.single_item_threshold:
            detections = []  # the earlier score gate: see the module docstring
        h, w = ctx.rgb.shape[:2]
        instances = []
        for d in detections:
            mask = resize_mask(d.mask, (h, w))
            if mask.any():
                instances.append(
                    GarmentInstance(box=mask_box(mask), mask=mask, detector_score=d.score, detector_category=d.category)
                )
        if not instances:
            mask = foreground_mask(ctx.rgb)
            instances = [GarmentInstance(box=mask_box(mask), mask=mask)]
            ctx.analysis.single_item = True
        ctx.analysis.instances = instances


def build(
    weights_dir: Path,
    device: torch.device,
    score_threshold: float = SCORE_THRESHOLD,
    mask_threshold: float = MASK_THRESHOLD,
    work_size: int = WORK_SIZE,
    min_area_fraction: float = MIN_AREA_FRACTION,
    single_item_threshold: float = SINGLE_ITEM_THRESHOLD,
) -> DetectStage:
    """Load ``detector.pt`` from ``weights_dir`` onto ``device``; options as :class:`DetectStage`.

    Raises FileNotFoundError when the file is missing, ValueError when it is not a detector
    checkpoint or its labels are not categories of the taxonomy.
    """
    model = for_inference(load_model(Path(weights_dir) / "detector.pt", device))
    if get_architecture(model.spec.arch).task != "detector":
        raise ValueError(f"detector.pt holds a {model.spec.arch!r}, not a detector")
    unknown = [s for s in model.spec.labels if s not in taxonomy.CATEGORY_BY_SLUG]
    if unknown:
        raise ValueError(f"detector.pt labels are not taxonomy categories: {unknown}")
    return DetectStage(
        model, device, score_threshold, mask_threshold, work_size, min_area_fraction, single_item_threshold
    )
