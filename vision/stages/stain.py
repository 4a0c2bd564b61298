"""Stage ``stain``: does a garment carry a stain, and where.

Fills ``GarmentInstance.stain`` with a :class:`vision.contract.StainFinding`. Runs after ``segment``
and ``classify`` (whose masks it reads). Model: ``stain.pt`` (:mod:`vision.stain_model`, trained on
synthetic stains by :mod:`vision.train_stains`); when that file is missing the stage is built without
a model and leaves ``stain`` at None, so the pipeline still loads.

1. preprocess: one square per garment (all garments of the photo in one batch): the garment's box
   crop, pixels off its mask painted the neutral colour, letterboxed to the model's ``input_size``
   (:func:`vision.presets.stain_input`, as in training).
2. infer: the model's stain probabilities (N, S/2, S/2), under ``torch.no_grad``.
3. postprocess: each map resized (bilinear) back to its garment's box at photo resolution; the stain
   is the garment's pixels with probability >= ``pixel_threshold``; ``area`` its share of the
   garment's pixels; ``score`` the highest probability on the garment after a 3x3 mean (so one
   stray pixel does not decide). **found** = ``score >= score_threshold`` and
   ``area >= min_area``. The three thresholds are chosen on the calib split
   (``python -m vision.stain_eval choose``) and stored in the weights file's ``meta["decision"]``;
   the ``build`` options override them. With ``meta["mirror"]`` set, step 2 also runs on the
   mirrored garment and averages the two maps. With ``meta["scales"]`` (a list of input sizes in
   pixels, e.g. ``[256, 384]``) steps 1-2 run once per size and the maps, each brought back to the
   box, are averaged (multi-scale test-time augmentation, as in DeepLab's multi-scale inputs: Chen et
   al. 2017, arXiv:1706.05587 section 4.1); without it, the one size ``config["input_size"]``.
2b. more views (with ``meta["views"]``, ``{"score_threshold"}``, chosen on the calib split by ``python -m
   vision.stain_views``): a garment whose first score could still reach ``score_threshold`` when
   seen upside down too (at least ``2 * score_threshold - 1`` with the mirror) is seen twice more,
   flipped vertically and both ways; its map is the mean of all views and it is found when that
   map's score reaches ``score_threshold`` (in place of the decision's): a wider flip test-time
   augmentation where the two first views may disagree. A garment it does not find goes on to step 5
   with its first map and score.
4. zoom (with ``meta["zoom"]``, chosen on the calib split by ``python -m vision.stain_zoom``): a
   found stain is looked at again closer, as coarse-to-fine segmentation does for small objects (a
   second pass on a crop around the first pass's finding: Zhou et al. 2017, "A Fixed-Point Model
   for Pancreas Segmentation in Abdominal CT Scans", arXiv:1612.08230): a square of the garment's
   box around the found stain pixels, ``context``
   times their extent and at least ``min_side`` of the box's longer side, goes through steps 1-3
   on its own, and its map replaces the first one there. The found/not-found decision and the
   score stay the first pass's (so false alarms do not change); only the outline and the area do.
   A square of at least ``ZOOM_MAX_SIDE`` of the box's longer side is not zoomed; a second outline
   that is empty (or below ``min_area``) keeps the first.
5. recheck (with ``meta["zoom"]["recheck"]``, chosen on the calib split by ``python -m
   vision.stain_zoom --recheck``): a near miss, a garment not found whose score is at least
   ``min_score``, is looked at closer once (unmirrored) around the region where its map reaches half
   its score (the square of step 4); it is found when the close look's score reaches
   ``score_threshold``, a cascade's second stage (Viola and Jones 2001: a cheap first test for all,
   a costlier one for the few it cannot settle), with the closer outline. With
   ``recheck["band"]`` (``{"min_score", "score_threshold"}``), garments whose first score lies in
   ``[band["min_score"], min_score)`` (less likely stains, so more likely to fire on a print) get
   the same closer look mirrored (two passes, the maps averaged, as in step 2) and are found at the
   band's own threshold: a third, costlier tier of the cascade.
6. edges (with ``meta["edges"]``, ``{"radius", "eps", "pixel_threshold"}``, chosen on the calib split
   by ``python -m vision.stain_edges``): a found stain's final map (after steps 4-5) is
   guided-filtered with the photo's colours as the guide (:func:`vision.guided_filter.guided_filter`,
   He, Sun and Tang 2010; window radius ``radius`` times the box's longer side, ridge ``eps`` on
   colours in [0, 1]), so the outline, upsampled from half the model's input, follows the colour
   edge of the stain in the photo; the outline is the filtered map at or above ``pixel_threshold``
   on the garment. Only the outline and the area change (found, score, false alarms do not); an
   outline that the filter empties or brings below ``min_area`` stays as it was. The filter runs
   on the window of the box where the map is at least ``EDGE_WINDOW_LEVEL``, grown by
   ``EDGE_WINDOW_PAD`` of the box's longer side; a window longer than ``EDGE_WORK_SIDE`` pixels (a
   large stain on a large photo) is filtered by the fast guided filter (its coefficients fitted at
   that size: He and Sun 2015, arXiv:1505.00996), so the step costs at most about a 512 px filter.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from vision import presets
from vision.contract import GarmentInstance, StainFinding
from vision.fuse import for_inference
from vision.guided_filter import guided_filter
from vision.stages import PhotoContext
from vision.stages.stain_cascade import StainCascade

DEFAULT_DECISION = {"pixel_threshold": 0.5, "score_threshold": 0.8, "min_area": 0.001}
ZOOM_MAX_SIDE = 0.8
EDGE_WINDOW_LEVEL = 0.05  # step 6 filters where the map is at least this, ...
EDGE_WINDOW_PAD = 0.1  # ... grown by this share of the box's longer side
EDGE_WORK_SIDE = 512  # pixels: a longer window is filtered by the fast guided filter (He and Sun 2015)


class StainStage(StainCascade):
    """The ``stain`` stage; build it with :func:`build`.

    Args:
        model: a registered stain model (:class:`vision.stain_model.Lite0StainNet`) in eval mode, or
            None (no weights: the stage does nothing).
        decision: ``{"pixel_threshold", "score_threshold", "min_area"}`` (see the module docstring).
        zoom: ``{"context", "min_side"}`` and optionally ``"recheck": {"min_score",
            "score_threshold"}`` (steps 4-5 of the module docstring), or None: no second look.
        edges: ``{"radius", "eps", "pixel_threshold"}`` (step 6), or None: outlines as the map gives.
    """

    name = "stain"
    requires: tuple[str, ...] = ("detect",)
    runs_after: tuple[str, ...] = ("segment", "classify")

    def __init__(
        self,
        model,
        device: torch.device,
        decision: dict | None = None,
        zoom: dict | None = None,
        edges: dict | None = None,
        views: dict | None = None,
    ):
        self.model = model
        self.views = dict(views) if views else None
        self.device = device
        self.decision = {**DEFAULT_DECISION, **(decision or {})}
        self.zoom = dict(zoom) if zoom else None
        self.edges = dict(edges) if edges else None

    # 1. preprocess
    def preprocess(
        self, rgb: np.ndarray, instances: list[GarmentInstance], size: int | None = None
    ) -> tuple[torch.Tensor, list]:
        """uint8 (N, 3, S, S) batch of the garments of ``rgb`` (uint8 (H, W, 3)) and, per garment,
        where its crop lies in its square ``(ox, oy, nw, nh)``; S = ``size`` pixels (default: the
        model's ``input_size``)."""
        size = size or self.model.input_size
        squares, places = [], []
        for inst in instances:
            x0, y0, x1, y1 = inst.box
            square, place = presets.stain_input(rgb[y0:y1, x0:x1], inst.mask[y0:y1, x0:x1], size)
            squares.append(square)
            places.append(place)
        return torch.from_numpy(np.stack(squares)).permute(0, 3, 1, 2).contiguous(), places

    # 2. inference
    @torch.no_grad()
    def infer(self, x: torch.Tensor, mirror: bool | None = None) -> np.ndarray:
        """Stain probabilities float32 (N, S/2, S/2) of a :meth:`preprocess` batch, run one garment at
        a time: on the CPU (torch 2.14, 2 threads) a batch of 5 took 0.37 s per garment against 0.03 s
        one by one (measured on random 192 px inputs), so the photo's batch is split. A model whose
        ``mirror`` is set (its file's ``meta["mirror"]``; ``mirror`` overrides it) gives the mean of its
        map and of the map of the mirrored garment mirrored back (flip test-time augmentation)."""
        x = self.model.prepare(x)
        maps = [self.model.predict(x[i : i + 1]) for i in range(len(x))]
        if getattr(self.model, "mirror", False) if mirror is None else mirror:
            maps = [(m + self.model.predict(x[i : i + 1].flip(-1)).flip(-1)) / 2 for i, m in enumerate(maps)]
        return torch.cat(maps).cpu().numpy()

    def box_probabilities(self, probs: np.ndarray, place, box, size: int | None = None) -> np.ndarray:
        """One garment's map (S/2, S/2) of an S = ``size`` px input (default: the model's
        ``input_size``) brought back to its box at photo resolution: float32 (h, w)."""
        size = size or self.model.input_size
        full = cv2.resize(probs, (size, size), interpolation=cv2.INTER_LINEAR)
        ox, oy, nw, nh = place
        x0, y0, x1, y1 = box
        return cv2.resize(full[oy : oy + nh, ox : ox + nw], (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)

    def scales(self) -> list[int]:
        """The input sizes (pixels) the garment is seen at: the model's ``scales`` (its file's
        ``meta["scales"]``) or its one ``input_size``."""
        return list(getattr(self.model, "scales", None) or [self.model.input_size])

    def probabilities(self, rgb: np.ndarray, instances: list[GarmentInstance]) -> list[np.ndarray]:
        """Per garment, float32 (h, w) stain probabilities over its box (0 off its mask): the mean
        over :meth:`scales` of each size's map brought back to the box."""
        if not instances:
            return []
        sums = [None] * len(instances)
        for size in self.scales():
            x, places = self.preprocess(rgb, instances, size)
            for i, (p, place, inst) in enumerate(zip(self.infer(x), places, instances)):
                box = self.box_probabilities(p, place, inst.box, size)
                sums[i] = box if sums[i] is None else sums[i] + box
        out = []
        for total, inst in zip(sums, instances):
            x0, y0, x1, y1 = inst.box
            out.append(total / len(self.scales()) * inst.mask[y0:y1, x0:x1])
        return out

    # 3. postprocess
    def finding(self, prob: np.ndarray, inst: GarmentInstance, photo_shape: tuple[int, int], **over) -> StainFinding:
        """The :class:`StainFinding` of one garment from its box probabilities ``prob`` (h, w);
        ``over``: decision values in place of the stage's (e.g. ``score_threshold``). The score is
        rounded to 4 decimals *before* it is compared with ``score_threshold``, so the score a finding
        reports (and ``vision.stain_eval`` records and chooses thresholds on) is the one decided on."""
        d = {**self.decision, **over}
        x0, y0, x1, y1 = inst.box
        garment = inst.mask[y0:y1, x0:x1]
        n = max(1, int(garment.sum()))
        stain = (prob >= d["pixel_threshold"]) & garment
        area = float(stain.sum()) / n
        score = round(float((cv2.blur(prob, (3, 3)) * garment).max()), 4) if prob.size else 0.0
        found = score >= d["score_threshold"] and area >= d["min_area"]
        mask = None
        if found:
            mask = np.zeros(photo_shape, bool)
            mask[y0:y1, x0:x1] = stain
        return StainFinding(found=bool(found), area=round(area, 5), score=round(score, 4), mask=mask)

    # 4. zoom
    def zoom_box(self, prob: np.ndarray, garment: np.ndarray, level: float | None = None):
        """The square ``(x0, y0, x1, y1)`` (pixels of the garment's box) looked at again for the pixels
        of ``prob`` float32 (h, w) at or above ``level`` (default: the decision's pixel threshold) on
        ``garment`` bool (h, w), clipped to the box; None without :attr:`zoom`, without such pixels,
        or when the square would be ``ZOOM_MAX_SIDE`` of the box or more."""
        if not self.zoom:
            return None
        level = self.decision["pixel_threshold"] if level is None else level
        ys, xs = np.nonzero((prob >= level) & garment)
        if not len(xs):
            return None
        h, w = prob.shape
        extent = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
        side = int(round(max(self.zoom["context"] * extent, self.zoom["min_side"] * max(h, w))))
        if side >= ZOOM_MAX_SIDE * max(h, w):
            return None
        cx, cy = (xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2
        x0 = int(np.clip(round(cx - side / 2), 0, max(0, w - side)))
        y0 = int(np.clip(round(cy - side / 2), 0, max(0, h - side)))
        return x0, y0, min(w, x0 + side), min(h, y0 + side)

    def look(self, rgb: np.ndarray, inst: GarmentInstance, square, mirror: bool | None = None) -> np.ndarray:
        """Stain probabilities float32 (y1 - y0, x1 - x0) of ``square`` ``(x0, y0, x1, y1)`` (pixels of
        ``inst``'s box, :meth:`zoom_box`) seen on its own (steps 1-3 at the model's input size), 0 off
        the garment; ``mirror`` as in :meth:`infer`."""
        x0, y0, _, _ = inst.box
        bx0, by0, bx1, by1 = square
        box = (x0 + bx0, y0 + by0, x0 + bx1, y0 + by1)
        x, places = self.preprocess(rgb, [GarmentInstance(box=box, mask=inst.mask)])
        return (
            self.box_probabilities(self.infer(x, mirror)[0], places[0], box)
            * inst.mask[box[1] : box[3], box[0] : box[2]]
        )

    def refine(self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray) -> np.ndarray:
        """``prob`` float32 (h, w) over ``inst``'s box with the :meth:`zoom_box` square replaced by the
        map of that square seen on its own (:meth:`look`; a new array). The same ``prob`` when there
        is nothing to zoom, or when the second look finds no stain pixel."""
        x0, y0, _, _ = inst.box
        garment = inst.mask[y0 : inst.box[3], x0 : inst.box[2]]
        sq = self.zoom_box(prob, garment)
        if sq is None:
            return prob
        sub = self.look(rgb, inst, sq)
        if not (sub >= self.decision["pixel_threshold"]).any():
            return prob
        out = prob.copy()
        out[sq[1] : sq[3], sq[0] : sq[2]] = sub
        return out

    def zoomed_finding(
        self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray, first: StainFinding
    ) -> StainFinding:
        """``first`` (the :meth:`finding` of ``prob``) with its outline and area from :meth:`refine`
        (and step 6, :meth:`outline`) when it is found; its ``found`` and ``score`` unchanged."""
        if not (first.found and (self.zoom or self.edges)):
            return first
        refined = self.refine(rgb, inst, prob)
        again = self.outlined(rgb, inst, refined, first.score)
        if again is None and refined is not prob:  # the closer outline is below min_area: the first one
            again = self.outlined(rgb, inst, prob, first.score)
        return first if again is None else again

    def outline(self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray) -> np.ndarray:
        """A found stain's outline bool (h, w) over ``inst``'s box from its final map ``prob`` float32
        (h, w): the map at or above the decision's ``pixel_threshold`` on the garment or, with
        :attr:`edges`, the map guided-filtered by the photo ``rgb`` uint8 (H, W, 3) (step 6,
        :meth:`edge_map`) at or above ``edges["pixel_threshold"]``, unless that leaves it empty or
        below ``min_area`` of the garment."""
        if not self.edges:
            return self.plain_outline(inst, prob)
        edge = self.edge_map(rgb, inst, prob, self.edges["radius"], self.edges["eps"])
        return self.edge_outline(inst, prob, edge, self.edges["pixel_threshold"])

    def plain_outline(self, inst: GarmentInstance, prob: np.ndarray) -> np.ndarray:
        """``prob`` (h, w) at or above the decision's ``pixel_threshold`` on ``inst``'s garment: bool (h, w)."""
        x0, y0, x1, y1 = inst.box
        return (prob >= self.decision["pixel_threshold"]) & inst.mask[y0:y1, x0:x1]

    def edge_map(self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray, radius: float, eps: float):
        """Step 6's filtered map: ``(window (wy0, wy1, wx0, wx1) of the box, float32 map of that
        window)``, ``prob`` guided-filtered by ``rgb``'s colours there (window radius ``radius`` times
        the box's longer side, ridge ``eps``); None when no garment pixel of ``prob`` reaches
        ``EDGE_WINDOW_LEVEL`` or when the filter's 3 x 3 systems are numerically singular."""
        x0, y0, x1, y1 = inst.box
        ys, xs = np.nonzero((prob >= EDGE_WINDOW_LEVEL) & inst.mask[y0:y1, x0:x1])
        if not len(xs):
            return None
        side = max(x1 - x0, y1 - y0)
        pad = int(EDGE_WINDOW_PAD * side) + 2
        wy0, wy1 = max(0, ys.min() - pad), min(prob.shape[0], ys.max() + pad + 1)
        wx0, wx1 = max(0, xs.min() - pad), min(prob.shape[1], xs.max() + pad + 1)
        guide = rgb[y0 + wy0 : y0 + wy1, x0 + wx0 : x0 + wx1].astype(np.float32) / 255
        r = max(1, int(round(radius * side)))
        scale = max(1, int(np.ceil(max(wy1 - wy0, wx1 - wx0) / EDGE_WORK_SIDE)))
        try:
            return (wy0, wy1, wx0, wx1), guided_filter(guide, prob[wy0:wy1, wx0:wx1], r, eps, scale=scale)
        except np.linalg.LinAlgError:  # a numerically singular window: the outline stays the map's
            return None

    def edge_outline(self, inst: GarmentInstance, prob: np.ndarray, edge, level: float) -> np.ndarray:
        """The outline bool (h, w) of :meth:`edge_map`'s ``edge`` at or above ``level`` on the garment;
        :meth:`plain_outline` when ``edge`` is None or the outline is empty or below ``min_area``."""
        plain = self.plain_outline(inst, prob)
        if edge is None:
            return plain
        (wy0, wy1, wx0, wx1), filtered = edge
        x0, y0, x1, y1 = inst.box
        garment = inst.mask[y0:y1, x0:x1]
        sharp = np.zeros_like(plain)
        sharp[wy0:wy1, wx0:wx1] = filtered >= level
        sharp &= garment
        enough = sharp.any() and sharp.sum() >= self.decision["min_area"] * max(1, int(garment.sum()))
        return sharp if enough else plain

    def outlined(self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray, score: float) -> StainFinding | None:
        """The finding of a stain found with ``score`` whose final map is ``prob`` (h, w): its
        :meth:`outline` and area; None when the map's own :meth:`finding` has no outline (its score
        below the decision's or its area below ``min_area``)."""
        if self.finding(prob, inst, rgb.shape[:2]).mask is None:
            return None
        x0, y0, x1, y1 = inst.box
        stain = self.outline(rgb, inst, prob)
        mask = np.zeros(rgb.shape[:2], bool)
        mask[y0:y1, x0:x1] = stain
        area = float(stain.sum()) / max(1, int(inst.mask[y0:y1, x0:x1].sum()))
        return StainFinding(found=True, area=round(area, 5), score=round(float(score), 4), mask=mask)

    def served(self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray) -> StainFinding:
        """The finding served for ``inst`` from its first map ``prob`` (steps 2b-6)."""
        first = self.finding(prob, inst, rgb.shape[:2])
        seen = self.viewed(rgb, inst, prob, first)
        if seen is None:
            return self.rechecked_finding(rgb, inst, prob, self.zoomed_finding(rgb, inst, prob, first))
        found = self.zoomed_finding(rgb, inst, *seen)
        if found.found:
            return found
        again = self.rechecked_finding(rgb, inst, prob, StainFinding(False, first.area, first.score))
        return again if again.found else found

    def __call__(self, ctx: PhotoContext) -> None:
        """Set ``stain`` of every instance of ``ctx`` (one batch for the photo; nothing without a model)."""
        instances = [i for i in ctx.analysis.instances if i.mask.any()]
        if self.model is None or not instances:
            return
        for inst, prob in zip(instances, self.probabilities(ctx.rgb, instances)):
            inst.stain = self.served(ctx.rgb, inst, prob)


def build(
    weights_dir: Path,
    device: torch.device,
    stain_pixel_threshold: float | None = None,
    stain_score_threshold: float | None = None,
    stain_min_area: float | None = None,
) -> StainStage:
    """Load ``stain.pt`` from ``weights_dir`` onto ``device`` with its decision rule (the options
    override it). A missing file gives a stage without a model (it fills nothing).

    Raises ValueError when the file is not a stain model."""
    from vision.checkpoints import load_checkpoint, model_from_checkpoint
    from vision.registry import get_architecture

    path = Path(weights_dir) / "stain.pt"
    if not path.exists():
        return StainStage(None, device)
    ckpt = load_checkpoint(path)
    if get_architecture(ckpt["arch"]).task != "stain":
        raise ValueError(f"stain.pt holds a {ckpt['arch']!r}, not a stain model")
    decision = dict(ckpt["meta"].get("decision", {}))
    for key, value in (
        ("pixel_threshold", stain_pixel_threshold),
        ("score_threshold", stain_score_threshold),
        ("min_area", stain_min_area),
    ):
        if value is not None:
            decision[key] = value
    model = for_inference(model_from_checkpoint(ckpt, device))
    model.mirror = bool(ckpt["meta"].get("mirror", False))
    model.scales = list(ckpt["meta"].get("scales") or [])
    meta = ckpt["meta"]
    return StainStage(model, device, decision, meta.get("zoom"), meta.get("edges"), meta.get("views"))
