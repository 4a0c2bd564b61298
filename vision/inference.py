"""Serving: load the committed models once, then turn a photo into garment instances.

    from vision.inference import load_pipeline
    pipeline = load_pipeline(device="cpu")       # once per process
    instances = pipeline(pil_image)             # list[GarmentInstance]

The pipeline runs three separate steps, as torchvision's detection references do:

1. :meth:`Pipeline.preprocess`: RGB, downscale so the long side is at most ``work_size`` pixels
   (the detector resizes to 320-480 px internally anyway; this bounds the cost of mask pasting).
2. :meth:`Pipeline.detect` and :meth:`Pipeline.classify`: Mask R-CNN, then the type classifier
   on each instance's crop.
3. :meth:`Pipeline.postprocess`: the instance rule (all detections of one category are merged
   into one instance, see vision.datasets), category/type decision, masks at photo resolution,
   RGBA cutouts and dominant colours.

When no detection reaches ``single_item_threshold`` (0.9), the photo is taken for a photo of a
single item (a garment on a bed, a floor, a hanger) and treated as one garment: its mask is the
foreground found by :func:`foreground_mask` and its category and type come from the classifier
alone on the whole photo (``detector_score`` 0). The detector was trained on street photos of
people (CCP), where it is confident. The threshold trades the two kinds of photo (measured with the
second detector on the validation splits): at 0.8 / 0.9 / 0.95, 2 % / 8 % / 16 % of 107 CCP street
photos fall through the gate, and the pipeline's top-1 on 1,017 single-item photos of held-out
clothing-dataset contributors is 0.683 / 0.733 / 0.751 (0.760 when every photo is classified whole).

No training code is imported here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from vision import presets, taxonomy
from vision.colors import dominant_colors
from vision.datasets import mask_box
from vision.checkpoints import WEIGHTS_DIR, load_model
from vision.models import TypeClassifier


@dataclass
class GarmentInstance:
    """One garment found in a photo. Coordinates are pixels of the photo given to the pipeline."""

    category: str  # category slug (vision.taxonomy.CATEGORIES)
    type: str | None  # type slug (vision.taxonomy.TYPES) or None
    score: float  # combined confidence in [0, 1]
    detector_score: float  # Mask R-CNN score of the category, 0 for the whole-photo fallback
    classifier_score: float  # classifier probability of ``type``
    box: tuple[int, int, int, int]  # x0, y0, x1, y1; x1/y1 exclusive
    mask: np.ndarray  # bool (H, W), photo resolution
    cutout: Image.Image  # RGBA, cropped to box, background transparent
    colors: list[dict] = field(default_factory=list)  # see vision.colors.dominant_colors
    # The model's best guesses, most likely first, the first one being (category, type) above:
    # [{"category": slug, "type": slug or None, "score": float in [0, 1]}, ...], at most three.
    guesses: list[dict] = field(default_factory=list)

    @property
    def area(self) -> int:
        """Mask area in pixels."""
        return int(self.mask.sum())


@dataclass
class Detection:
    """Detector output for one category after merging (work resolution)."""

    category_id: int  # 1..27
    score: float
    mask: np.ndarray  # bool (h, w) at work resolution


def resolve_device(device: str | None = None) -> torch.device:
    """``device`` if given, else CUDA when available, else CPU."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_classifier(path: str | Path, device: torch.device) -> TypeClassifier:
    """Rebuild the classifier saved by vision.train_classifier. Raises FileNotFoundError."""
    return load_model(path, device)


def load_detector(path: str | Path, device: torch.device):
    """Rebuild the Mask R-CNN saved by vision.train_detector. Raises FileNotFoundError."""
    return load_model(path, device)


def foreground_mask(image: np.ndarray) -> np.ndarray:
    """Foreground of a single-item photo: pixels far in colour from the photo's border.

    Args:
        image: uint8 (H, W, 3) RGB.
    Returns:
        bool (H, W); the connected foreground regions of at least a quarter of the largest one's
        area (so both shoes of a pair), holes filled. When nothing stands out from the border,
        the whole photo.

    Rule: the border (outer 4 % of each side) gives the background's median colour; a pixel is
    foreground when its Euclidean RGB distance to it exceeds Otsu's threshold (Otsu 1979) of
    the distance histogram, floored at 30 levels.
    """
    h, w = image.shape[:2]
    scale = min(1.0, 256 / max(h, w))
    small = np.asarray(Image.fromarray(image).resize((max(1, round(w * scale)), max(1, round(h * scale)))),
                       dtype=np.float32)
    sh, sw = small.shape[:2]
    b = max(1, round(0.04 * min(sh, sw)))
    border = np.concatenate([small[:b].reshape(-1, 3), small[-b:].reshape(-1, 3),
                             small[:, :b].reshape(-1, 3), small[:, -b:].reshape(-1, 3)])
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


class Pipeline:
    """Detector + classifier + postprocessing. Build with :func:`load_pipeline`.

    Args:
        detector: torchvision MaskRCNN in eval mode, or None (every photo is one garment).
        classifier: TypeClassifier in eval mode.
        device: where both models live.
        score_threshold: detector score under which a detection is dropped.
        mask_threshold: mask probability over which a pixel belongs to the instance.
        work_size: long side (pixels) photos are downscaled to before detection.
        flip_tta: average the classifier over each crop and its mirror image.
    """

    def __init__(self, detector, classifier: TypeClassifier, device: torch.device,
                 score_threshold: float = 0.5, mask_threshold: float = 0.5, work_size: int = 640,
                 min_area_fraction: float = 0.002, detector_weight: float = 0.5,
                 single_item_threshold: float = 0.9, flip_tta: bool = True):
        self.detector = detector
        self.classifier = classifier
        self.device = device
        self.score_threshold = score_threshold
        self.mask_threshold = mask_threshold
        self.work_size = work_size
        self.min_area_fraction = min_area_fraction
        self.detector_weight = detector_weight
        self.single_item_threshold = single_item_threshold
        self.flip_tta = flip_tta
        slugs = classifier.type_slugs
        # (n_categories + 1, n_types) 0/1 matrix: which classifier types belong to which detector class.
        self._type_category = torch.zeros(len(taxonomy.CATEGORIES) + 1, len(slugs))
        for j, slug in enumerate(slugs):
            self._type_category[1 + taxonomy.CATEGORY_SLUGS.index(taxonomy.category_of_type(slug)), j] = 1

    # 1. preprocess
    def preprocess(self, image: Image.Image) -> tuple[np.ndarray, Image.Image]:
        """RGB uint8 (H, W, 3) of the photo, and a copy whose long side is <= work_size."""
        image = image.convert("RGB")
        rgb = np.asarray(image)
        scale = min(1.0, self.work_size / max(image.size))
        work = image if scale == 1.0 else image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.BILINEAR)
        return rgb, work

    # 2a. detector inference
    @torch.no_grad()
    def detect(self, work: Image.Image, keep_low: bool = False) -> list[Detection]:
        """Detections of the work-resolution photo, merged per category (the instance rule).

        A category's instance is the union of its detections scoring >= score_threshold. With
        ``keep_low`` (evaluation, so that AP sees the whole precision/recall curve), a category
        with no detection over the threshold is still returned as its best detection alone.
        """
        if self.detector is None:
            return []
        x = presets.to_uint8_chw(work).float().div_(255).to(self.device)
        out = self.detector([x])[0]
        masks = (out["masks"][:, 0] > self.mask_threshold).cpu().numpy()
        merged: dict[int, Detection] = {}
        for label, score, mask in zip(out["labels"].tolist(), out["scores"].tolist(), masks):
            high = score >= self.score_threshold
            if label in merged:
                if high:  # detections come sorted by score: the first one of a label is its best
                    merged[label].mask |= mask
            elif high or keep_low:
                merged[label] = Detection(label, score, mask.copy())
        min_area = self.min_area_fraction * work.width * work.height
        return [d for d in merged.values() if d.mask.sum() >= max(1.0, min_area)]

    # 2b. classifier inference
    @torch.no_grad()
    def classify(self, crops: list[Image.Image]) -> torch.Tensor:
        """Type probabilities float32 (N, n_types) of N RGB crops.

        With ``flip_tta`` (the default) the probabilities are the mean over each crop and its mirror
        image, a test-time augmentation that costs one more classifier pass of a few milliseconds.
        """
        if not crops:
            return torch.zeros((0, len(self.classifier.type_slugs)))
        x = presets.classifier_input(crops).to(self.device)
        if self.flip_tta:
            x = torch.cat([x, x.flip(-1)])
        probs = torch.softmax(self.classifier(x).float(), dim=1).cpu()
        return probs.view(2, len(crops), -1).mean(0) if self.flip_tta else probs

    def guesses(self, det_class: int, det_score: float, probs: torch.Tensor, k: int = 3) -> list[dict]:
        """The ``k`` most likely (category, type) pairs of one instance, best first.

        The first is :meth:`decide`'s answer. The others rank every (category, type) pair by the
        category's combined score (see :meth:`decide`) split among its types in proportion to the
        classifier's probabilities; a category whose types the classifier does not know is one
        pair with no type. Returns ``[{"category": slug, "type": slug | None, "score": float}]``
        with scores in [0, 1] rounded to 4 decimals.
        """
        mass = self._type_category @ probs
        combined = (1 - self.detector_weight) * mass if det_class else mass.clone()
        if det_class:
            combined[det_class] += self.detector_weight * det_score
        slugs = self.classifier.type_slugs
        pairs: list[tuple[float, int, int]] = []
        for cat in range(1, combined.numel()):
            members = self._type_category[cat].nonzero().flatten().tolist()
            if not members or float(mass[cat]) <= 0:
                pairs.append((float(combined[cat]), cat, -1))
                continue
            for j in members:
                pairs.append((float(combined[cat]) * float(probs[j]) / float(mass[cat]), cat, j))
        first_cat, first_type, first_score = self.decide(det_class, det_score, probs)
        out = [(first_score, first_cat, first_type)]
        for score, cat, j in sorted(pairs, key=lambda t: -t[0]):
            if len(out) >= k:
                break
            if (cat, j) != (first_cat, first_type):
                out.append((score, cat, j))
        return [{"category": taxonomy.CATEGORY_SLUGS[cat - 1], "type": slugs[j] if j >= 0 else None,
                 "score": round(min(1.0, max(0.0, score)), 4)} for score, cat, j in out]

    def decide(self, det_class: int, det_score: float, probs: torch.Tensor) -> tuple[int, int, float]:
        """Category and type of one instance from both models.

        Score of category c: ``w * det_score * [c == det_class] + (1 - w) * sum of the classifier's
        probabilities of the types of c`` with ``w = detector_weight`` (``det_class`` 0 means no detector opinion, then the
        classifier alone decides). The type is the classifier's most probable type of the chosen
        category (-1 when it knows none). Returns (category id, type index, category score).
        """
        mass = self._type_category @ probs
        if det_class:
            combined = (1 - self.detector_weight) * mass
            combined[det_class] += self.detector_weight * det_score
        else:
            combined = mass
        combined[0] = -1
        cat = int(combined.argmax())
        in_cat = probs * self._type_category[cat]
        type_idx = int(in_cat.argmax()) if in_cat.sum() > 0 else -1
        return cat, type_idx, float(combined[cat])

    # 3. postprocess
    def postprocess(self, rgb: np.ndarray, detections: list[Detection]) -> list[GarmentInstance]:
        """Garment instances at photo resolution (see GarmentInstance), largest first."""
        h, w = rgb.shape[:2]
        masks, det_classes, det_scores = [], [], []
        for d in detections:
            mask = d.mask if d.mask.shape == (h, w) else np.asarray(
                Image.fromarray(d.mask).resize((w, h), Image.NEAREST))
            if mask.any():
                masks.append(mask)
                det_classes.append(d.category_id)
                det_scores.append(d.score)
        if not masks:
            masks, det_classes, det_scores = [foreground_mask(rgb)], [0], [0.0]
        image = Image.fromarray(rgb)
        boxes = [mask_box(m) for m in masks]
        # Box crops with their background, as the classifier was trained (CCP box crops); a
        # single-item photo is classified whole, as the clothing-dataset photos it was trained on.
        probs = self.classify([image if c == 0 else image.crop(b) for b, c in zip(boxes, det_classes)])
        out = []
        for mask, box, det_class, det_score, p in zip(masks, boxes, det_classes, det_scores, probs):
            cat, type_idx, score = self.decide(det_class, det_score, p)
            x0, y0, x1, y1 = box
            cutout = image.crop(box).convert("RGBA")
            cutout.putalpha(Image.fromarray((mask[y0:y1, x0:x1] * 255).astype(np.uint8)))
            out.append(GarmentInstance(
                category=taxonomy.CATEGORY_SLUGS[cat - 1],
                type=self.classifier.type_slugs[type_idx] if type_idx >= 0 else None,
                score=round(score, 4),
                detector_score=round(det_score if det_class == cat else 0.0, 4),
                classifier_score=round(float(p[type_idx]) if type_idx >= 0 else 0.0, 4),
                box=box, mask=mask, cutout=cutout, colors=dominant_colors(rgb, mask),
                guesses=self.guesses(det_class, det_score, p)))
        # Two detector categories can end up as the same final category: keep one instance per category.
        merged: dict[str, GarmentInstance] = {}
        for inst in sorted(out, key=lambda i: -i.score):
            if inst.category in merged:
                keep = merged[inst.category]
                keep.mask = keep.mask | inst.mask
                keep.box = mask_box(keep.mask)
                x0, y0, x1, y1 = keep.box
                keep.cutout = image.crop(keep.box).convert("RGBA")
                keep.cutout.putalpha(Image.fromarray((keep.mask[y0:y1, x0:x1] * 255).astype(np.uint8)))
                keep.colors = dominant_colors(rgb, keep.mask)
            else:
                merged[inst.category] = inst
        return sorted(merged.values(), key=lambda i: -i.area)

    def __call__(self, image: Image.Image) -> list[GarmentInstance]:
        """All garment instances of a PIL photo (any mode; EXIF orientation already applied)."""
        rgb, work = self.preprocess(image)
        detections = self.detect(work)
        if not detections or max(d.score for d in detections) < self.single_item_threshold:
            detections = []  # a single-item photo: see the module docstring
        return self.postprocess(rgb, detections)


def load_pipeline(weights_dir: str | Path | None = None, device: str | None = None, **kwargs) -> Pipeline:
    """Load both committed models (``detector.pt``, ``classifier.pt`` in ``weights_dir``, default
    vision/weights) onto ``device`` (default CUDA when available, else CPU) and build a Pipeline.

    Raises FileNotFoundError when a weights file is missing.
    """
    weights_dir = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    dev = resolve_device(device)
    return Pipeline(load_detector(weights_dir / "detector.pt", dev),
                    load_classifier(weights_dir / "classifier.pt", dev), dev, **kwargs)
