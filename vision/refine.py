"""Edge refinement and the person's corrections of a mask: OpenCV's GrabCut (Rother, Kolmogorov and
Blake, "GrabCut: interactive foreground extraction using iterated graph cuts", SIGGRAPH 2004), seeded
by a prior (the segmenter's probabilities or a stored mask), a box and "keep" / "erase" strokes.

Plain NumPy and OpenCV: no torch and no Django, so the web side may call it to recompute a mask
from strokes while the person waits, and the ``segment`` stage uses it to make a cutout's edge
follow the fabric.

Seeds, from weakest to strongest (a later one overrides an earlier one):

1. without a prior, the inside of ``box`` (the whole photo when there is none) is "probably
   garment", the outside "background";
2. with a prior: pixels deep inside the prior's mask (more than ``band`` pixels from its edge) are
   "garment", deep outside "background", and the band along the edge "probably" one or the other
   as the prior says, so GrabCut only decides near the edge;
3. outside ``box``: background;
4. strokes: "keep" pixels are garment, "erase" pixels background, for sure.

GrabCut runs on a copy whose long side is at most ``work_size`` pixels; its answer is brought back
to the photo's size (bilinear on the 0/1 mask, then 0.5), and only the connected parts that touch
a sure-garment seed or hold at least a quarter of the largest part's area are kept.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIZE = 400  # pixels, long side GrabCut works at
BAND_FRACTION = 0.02  # of the long side: the width of the undecided band along the prior's edge
ITERATIONS = 3
RECUT_WORK_SIZE = 600  # pixels, long side of the box and its margin that a recut works at
RECUT_MARGIN = 1.0  # of the box's width / height: background around a recut's box that GrabCut sees
RECUT_ITERATIONS = 5  # a recut decides the whole box: more rounds of GrabCut's colour models


class RefineError(ValueError):
    """The inputs do not fit the photo (sizes, an empty or outside box); the message says which."""


def _resize(a: np.ndarray, size: tuple[int, int], nearest: bool) -> np.ndarray:
    return cv2.resize(a, size, interpolation=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR)


def check_box(box, width: int, height: int, min_side: int = 8) -> tuple[int, int, int, int]:
    """``box`` (x0, y0, x1, y1, pixels, x1/y1 exclusive) as ints, checked against a photo of
    ``width`` x ``height`` pixels. Raises RefineError when it has not four numbers, lies partly
    outside the photo, or is under ``min_side`` pixels on a side."""
    try:
        x0, y0, x1, y1 = (int(round(float(v))) for v in box)
    except (TypeError, ValueError):
        raise RefineError("A box is four numbers: x0, y0, x1, y1.") from None
    if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
        raise RefineError(f"The box lies outside the photo ({width} x {height} pixels).")
    if x1 - x0 < min_side or y1 - y0 < min_side:
        raise RefineError(f"The box is smaller than {min_side} pixels on a side.")
    return x0, y0, x1, y1


def refine_mask(
    rgb: np.ndarray,
    prior: np.ndarray | None = None,
    keep: np.ndarray | None = None,
    erase: np.ndarray | None = None,
    box: tuple[int, int, int, int] | None = None,
    *,
    work_size: int = WORK_SIZE,
    band_fraction: float = BAND_FRACTION,
    iterations: int = ITERATIONS,
) -> np.ndarray:
    """The garment's mask from GrabCut seeded as the module docstring says.

    Args:
        rgb: uint8 (H, W, 3) RGB photo.
        prior: (H, W) bool mask or float probabilities in [0, 1] (0.5 decides), or None.
        keep, erase: bool (H, W) stroke masks, or None.
        box: (x0, y0, x1, y1) pixels; nothing outside it is garment.
        work_size: long side in pixels GrabCut works at.
        band_fraction: width of the undecided band along the prior's edge, share of the long side.
        iterations: GrabCut iterations.
    Returns:
        bool (H, W). Empty when the seeds leave no garment.
    Raises:
        RefineError: a prior or stroke mask whose size is not the photo's, or a box outside it.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise RefineError("The photo must be RGB.")
    h, w = rgb.shape[:2]
    for name, m in (("prior", prior), ("keep", keep), ("erase", erase)):
        if m is not None and m.shape != (h, w):
            raise RefineError(f"The {name} mask is {m.shape[1]} x {m.shape[0]} pixels; the photo is {w} x {h}.")
    if box is not None:
        box = check_box(box, w, h, min_side=2)
    scale = min(1.0, work_size / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = _resize(rgb, size, nearest=False)
    gc = np.full((size[1], size[0]), cv2.GC_PR_FGD if prior is None else cv2.GC_PR_BGD, np.uint8)
    if prior is not None:
        p = _resize(prior.astype(np.float32), size, nearest=False) >= 0.5
        r = max(1, round(band_fraction * max(size)))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        inner = cv2.erode(p.astype(np.uint8), kernel).astype(bool)
        outer = cv2.dilate(p.astype(np.uint8), kernel).astype(bool)
        gc[:] = cv2.GC_BGD
        gc[outer] = cv2.GC_PR_BGD
        gc[p & outer] = cv2.GC_PR_FGD
        gc[inner] = cv2.GC_FGD
    if box is not None:
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        outside = np.ones(gc.shape, bool)
        outside[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)] = False
        gc[outside] = cv2.GC_BGD
    elif prior is None:
        b = max(1, round(0.01 * max(size)))  # no box, no prior: the photo's edge is background
        gc[:b], gc[-b:], gc[:, :b], gc[:, -b:] = cv2.GC_BGD, cv2.GC_BGD, cv2.GC_BGD, cv2.GC_BGD
    if keep is not None:
        gc[_resize(keep.astype(np.uint8), size, nearest=False) > 0] = cv2.GC_FGD
    if erase is not None:
        gc[_resize(erase.astype(np.uint8), size, nearest=False) > 0] = cv2.GC_BGD
    fg_seed = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD))
    bg_seed = np.isin(gc, (cv2.GC_BGD, cv2.GC_PR_BGD))
    if not fg_seed.any():
        return np.zeros((h, w), bool)
    if bg_seed.any():  # GrabCut needs samples of both sides for its colour models
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.setRNGSeed(0)  # GrabCut's k-means start: the same answer for the same input, in any process
        cv2.grabCut(small, gc, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    out = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD))
    out = keep_parts(out, gc == cv2.GC_FGD)
    out = _resize(out.astype(np.float32), (w, h), nearest=False) >= 0.5
    if keep is not None:  # the strokes win at the photo's own resolution too
        out |= keep.astype(bool)
    if erase is not None:
        out &= ~erase.astype(bool)
    if box is not None:
        inside = np.zeros_like(out)
        inside[box[1] : box[3], box[0] : box[2]] = True
        out &= inside
    return out


def recut_in_box(
    rgb: np.ndarray,
    prior: np.ndarray | None,
    box,
    *,
    work_size: int = RECUT_WORK_SIZE,
    iterations: int = RECUT_ITERATIONS,
) -> np.ndarray:
    """The garment inside a box the person drew around it, cut out again: GrabCut started from the
    current mask (``prior``) inside ``box`` as "probably garment", the rest of the box as "probably
    background" and everything outside the box as background, so that every pixel of the box is
    decided again by the colour models and the edges (unlike :func:`refine_mask`, which keeps the
    prior's inside for sure). With no prior, or none of it inside the box, the whole box starts as
    "probably garment" (GrabCut's own box mode).

    Args:
        rgb: uint8 (H, W, 3) RGB photo.
        prior: bool (H, W) current mask, or None.
        box: (x0, y0, x1, y1) pixels, x1 / y1 exclusive.
        work_size: long side in pixels GrabCut works at: the box and a margin of ``RECUT_MARGIN``
            of its sides around it (the background it samples), not the whole photo.
        iterations: GrabCut iterations.
    Returns:
        bool (H, W), nothing outside ``box``; empty when GrabCut keeps nothing.
    Raises:
        RefineError: an RGB array of another shape, a prior of another size, or a box outside the
            photo or under 8 pixels on a side.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise RefineError("The photo must be RGB.")
    h, w = rgb.shape[:2]
    if prior is not None and prior.shape != (h, w):
        raise RefineError(f"The prior mask is {prior.shape[1]} x {prior.shape[0]} pixels; the photo is {w} x {h}.")
    x0, y0, x1, y1 = check_box(box, w, h)
    # GrabCut sees the box and a margin of background around it, at up to ``work_size`` on its long side.
    mx, my = max(8, round(RECUT_MARGIN * (x1 - x0))), max(8, round(RECUT_MARGIN * (y1 - y0)))
    cx0, cy0, cx1, cy1 = max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)
    crop = np.ascontiguousarray(rgb[cy0:cy1, cx0:cx1])
    cw, ch = cx1 - cx0, cy1 - cy0
    scale = min(1.0, work_size / max(cw, ch))
    size = (max(1, round(cw * scale)), max(1, round(ch * scale)))
    small = _resize(crop, size, nearest=False)
    sx0, sy0 = int((x0 - cx0) * scale), int((y0 - cy0) * scale)
    sx1, sy1 = max(sx0 + 2, round((x1 - cx0) * scale)), max(sy0 + 2, round((y1 - cy0) * scale))
    gc = np.full((size[1], size[0]), cv2.GC_BGD, np.uint8)
    gc[sy0:sy1, sx0:sx1] = cv2.GC_PR_BGD
    if prior is not None:
        p = _resize(np.ascontiguousarray(prior[cy0:cy1, cx0:cx1]).astype(np.uint8), size, nearest=False) > 0
        gc[(gc == cv2.GC_PR_BGD) & p] = cv2.GC_PR_FGD
    if not (gc == cv2.GC_PR_FGD).any():
        gc[sy0:sy1, sx0:sx1] = cv2.GC_PR_FGD
    if (gc == cv2.GC_BGD).any():
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.setRNGSeed(0)
        cv2.grabCut(small, gc, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    small_out = keep_parts(np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD)), np.zeros(gc.shape, bool))
    out = np.zeros((h, w), bool)
    out[y0:y1, x0:x1] = (_resize(small_out.astype(np.float32), (cw, ch), nearest=False) >= 0.5)[
        y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0
    ]
    return out


def keep_parts(mask: np.ndarray, anchors: np.ndarray, share: float = 0.25) -> np.ndarray:
    """The connected parts (8-neighbourhood) of bool ``mask`` that touch a true pixel of bool
    ``anchors`` or hold at least ``share`` of the largest part's area (both shoes of a pair)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = set((1 + np.flatnonzero(areas >= share * areas.max())).tolist())
    keep |= set(np.unique(labels[anchors & mask]).tolist()) - {0}
    return np.isin(labels, sorted(keep))


def expected_iou(prob: np.ndarray, mask: np.ndarray | None = None, threshold: float = 0.5) -> float:
    """How good a mask is likely to be, from the probabilities that made it: the IoU the mask
    ``prob >= threshold`` would have if each pixel were garment with its probability, estimated as
    sum(p * m) / sum(p + m - p * m) (the "soft IoU" of the probabilities and the mask; cf. Huang et
    al., "Mask Scoring R-CNN", CVPR 2019, who learn this figure instead).

    Args:
        prob: float (H, W) probabilities in [0, 1].
        mask: bool (H, W), the mask actually made (e.g. after GrabCut); None: ``prob >= threshold``.
    Returns:
        a float in [0, 1]; 0 for an empty mask.
    """
    p = prob.astype(np.float32)
    m = (p >= threshold).astype(np.float32) if mask is None else mask.astype(np.float32)
    union = float((p + m - p * m).sum())
    return float((p * m).sum() / union) if union > 0 else 0.0
