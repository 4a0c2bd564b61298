"""Stage ``segment``: masks that follow the garment (the learned cutout), and how good each is likely to be.

Fills ``GarmentInstance.mask``, ``box`` and ``mask_quality``. Runs after ``detect``.

1. preprocess: the photo resized so its long side is the segmenter's ``input_size`` (320 pixels),
   padded (edge pixels repeated) to a multiple of 32, uint8.
2. infer: the segmenter (``segmenter.pt``, :mod:`vision.segmenter`): the probability that each pixel is
   foreground, the garment on a photo of one item, the person on a photo of garments worn.
3. postprocess:

   * a single item (the instance ``detect`` made from the whole photo): its mask is the segmenter's
     foreground cut out again inside its box (``recut``: :func:`vision.refine.recut_in_box`, GrabCut
     started from that mask deciding every pixel of the box from the colours and edges; without
     ``recut``, the foreground's edge refined by GrabCut in a narrow band,
     :func:`vision.refine.refine_mask`, ``refine``), and its ``mask_quality`` the expected IoU of the
     probabilities
     (:func:`vision.refine.expected_iou`). When the segmenter finds next to nothing (under
     ``min_area_fraction`` of the photo) the colour rule's mask of ``detect`` stays, with quality 0;
   * garments worn (Mask R-CNN instances): each mask loses the pixels off the person (the
     segmenter's foreground, grown by ``person_margin`` of the long side when that is set), so no
     background (pavement, a puddle, a carried book) stays in a cutout; its
     ``mask_quality`` is the share of the detector's mask that was on the person.

:meth:`SegmentStage.segment_box` segments inside a box a person drew (a garment the detector missed):
the segmenter on the box's crop (with a margin), refined by GrabCut inside the box.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
from scipy import ndimage

from vision.checkpoints import load_model
from vision.contract import GarmentInstance
from vision.datasets import mask_box
from vision.fuse import for_inference
from vision.refine import RefineError, check_box, expected_iou, recut_in_box, refine_mask
from vision.registry import get_architecture
from vision.stages import PhotoContext

MIN_AREA_FRACTION = 0.01  # of the photo: a single item's learned mask smaller than this is not used
# Of the long side: how far the person's mask is grown before it cuts garments. Chosen on the CCP
# calibration split (114 photos): 0.01 left 3.7 % of garment pixels on background, 0 left 2.4 %, with
# the same mask AP (0.219 / 0.220).
PERSON_MARGIN = 0.0
BOX_MARGIN = 0.15  # of the box's sides: context the segmenter sees around a drawn box
# A single item's mask cut out again inside its box (3 % margin) at 400 pixels, 3 GrabCut rounds, in place
# of the band refinement. Chosen on the 36 calib references (2026-12-02, see the segmenter's model card):
# mean IoU / usable / broken / stage seconds (median) 0.891 / 30 / 1 / 0.16 with the band refinement alone,
# 0.901 / 31 / 1 / 0.17 recut in its place, 0.905 / 31 / 1 / 0.32 recut after it (over the 0.3 s budget);
# recut at 300 px / 2 rounds after it: 0.897 / 29 / 0; at 600 px / 5 rounds as 400 px / 3.
RECUT_MARGIN, RECUT_WORK_SIZE, RECUT_ITERATIONS = 0.03, 400, 3


class SegmentStage:
    """The ``segment`` stage; build it with :func:`build`.

    Args:
        model: a registered segmenter (:class:`vision.segmenter.Lite0Segmenter`) in eval mode.
        refine: refine a single item's edge with GrabCut in a band (when ``recut`` is off).
        min_area_fraction, person_margin: see the module constants.
        flip_tta: average the probabilities with the mirror image's (test-time augmentation).
        work_size: long side in pixels the segmenter sees (0: the model's ``input_size``).
        fill_holes: a single item's mask has its enclosed holes filled.
        recut: a single item's mask is cut out again inside its box (see the module constants).
    """

    name = "segment"
    requires: tuple[str, ...] = ("detect",)
    runs_after: tuple[str, ...] = ()

    def __init__(
        self,
        model,
        device: torch.device,
        refine: bool = True,
        min_area_fraction: float = MIN_AREA_FRACTION,
        person_margin: float = PERSON_MARGIN,
        flip_tta: bool = False,
        work_size: int = 0,
        fill_holes: bool = False,
        recut: bool = True,
    ):
        self.fill_holes = fill_holes
        self.recut = recut
        self.model = model
        self.device = device
        self.refine = refine
        self.flip_tta = flip_tta
        self.work_size = work_size or model.input_size
        self.min_area_fraction = min_area_fraction
        self.person_margin = person_margin

    def preprocess(self, rgb: np.ndarray) -> tuple[torch.Tensor, tuple[int, int]]:
        """uint8 (1, 3, h', w') model input (h', w' multiples of 32) and the resized size (w, h)
        before padding."""
        h, w = rgb.shape[:2]
        scale = self.work_size / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        ph, pw = -size[1] % 32, -size[0] % 32
        small = np.pad(small, ((0, ph), (0, pw), (0, 0)), mode="edge")
        return torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1)[None], size

    @torch.no_grad()
    def infer(self, x: torch.Tensor) -> np.ndarray:
        """Foreground probabilities float32 (h', w') of a preprocessed image (averaged with its
        mirror image's when ``flip_tta``)."""
        x = self.model.prepare(x)
        if not self.flip_tta:
            return self.model.predict(x)[0].cpu().numpy()
        probs = self.model.predict(torch.cat([x, x.flip(-1)]))
        return ((probs[0] + probs[1].flip(-1)) / 2).cpu().numpy()

    def probabilities(self, rgb: np.ndarray) -> np.ndarray:
        """float32 (H, W) foreground probabilities of uint8 (H, W, 3) ``rgb`` at its own size."""
        x, (w, h) = self.preprocess(rgb)
        prob = self.infer(x)[:h, :w]
        return cv2.resize(prob, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)

    def single_item(self, rgb: np.ndarray, inst: GarmentInstance) -> None:
        """Replace the single item's mask by the learned one (see the module docstring)."""
        prob = self.probabilities(rgb)
        mask = refine_mask(rgb, prob) if self.refine and not self.recut else prob >= 0.5
        if self.fill_holes:
            mask = ndimage.binary_fill_holes(mask)
        if mask.sum() < self.min_area_fraction * mask.size:
            inst.mask_quality = 0.0
            return
        if self.recut:
            mask = self.cut_again(rgb, mask)
        inst.mask, inst.box = mask, mask_box(mask)
        inst.mask_quality = round(expected_iou(prob, mask), 4)

    def cut_again(self, rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """bool (H, W): non-empty ``mask`` cut out again inside its box grown by ``RECUT_MARGIN``
        (:func:`vision.refine.recut_in_box`); ``mask`` itself when that leaves too little (under
        ``min_area_fraction`` of the photo) or the box is too small to recut."""
        h, w = mask.shape
        x0, y0, x1, y1 = mask_box(mask)
        mx, my = round(RECUT_MARGIN * (x1 - x0)), round(RECUT_MARGIN * (y1 - y0))
        box = (max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my))
        try:
            again = recut_in_box(rgb, mask, box, work_size=RECUT_WORK_SIZE, iterations=RECUT_ITERATIONS)
        except RefineError:
            return mask
        return again if again.sum() >= self.min_area_fraction * mask.size else mask

    def person_mask(self, rgb: np.ndarray) -> np.ndarray:
        """bool (H, W): the person of a photo of garments worn, grown by ``person_margin`` of the long side."""
        person = (self.probabilities(rgb) >= 0.5).astype(np.uint8)
        r = round(self.person_margin * max(rgb.shape[:2]))
        if r < 1:
            return person.astype(bool)
        return cv2.dilate(person, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))).astype(bool)

    def worn(self, rgb: np.ndarray, instances: list[GarmentInstance]) -> None:
        """Cut every worn garment's mask to the person (see the module docstring)."""
        person = self.person_mask(rgb)
        kept = []
        for inst in instances:
            before = inst.area
            mask = inst.mask & person
            inst.mask_quality = round(float(mask.sum()) / max(1, before), 4)
            if mask.any():
                inst.mask, inst.box = mask, mask_box(mask)
                kept.append(inst)
        instances[:] = kept

    def __call__(self, ctx: PhotoContext) -> None:
        """Refine the masks of ``ctx.analysis.instances`` in place."""
        instances = ctx.analysis.instances
        whole = [i for i in instances if not i.detector_category]
        if ctx.analysis.single_item and len(whole) == 1 and len(instances) == 1:
            self.single_item(ctx.rgb, whole[0])
        elif instances:
            self.worn(ctx.rgb, instances)

    def segment_box(self, rgb: np.ndarray, box) -> GarmentInstance:
        """The garment inside ``box`` (x0, y0, x1, y1, pixels) of uint8 (H, W, 3) ``rgb``: an instance
        with ``mask`` (bool (H, W), nothing outside the box), ``box`` (the mask's) and
        ``mask_quality``; not yet named.

        Raises:
            vision.refine.RefineError: a box outside the photo or under 8 pixels on a side.
            ValueError: nothing in the box looks like a garment (the mask is empty).
        """
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = check_box(box, w, h)
        mx, my = round(BOX_MARGIN * (x1 - x0)), round(BOX_MARGIN * (y1 - y0))
        cx0, cy0, cx1, cy1 = max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)
        prob = np.zeros((h, w), np.float32)
        prob[cy0:cy1, cx0:cx1] = self.probabilities(np.ascontiguousarray(rgb[cy0:cy1, cx0:cx1]))
        prob[:, :x0], prob[:, x1:], prob[:y0], prob[y1:] = 0, 0, 0, 0
        if (prob >= 0.5).sum() < 0.05 * (x1 - x0) * (y1 - y0):
            prior = None  # the segmenter sees nothing: GrabCut from the box alone
        else:
            prior = prob
        mask = refine_mask(rgb, prior, box=(x0, y0, x1, y1))
        if not mask.any():
            raise ValueError("nothing in the box could be cut out")
        quality = expected_iou(prob[y0:y1, x0:x1]) if prior is not None else 0.5
        return GarmentInstance(box=mask_box(mask), mask=mask, mask_quality=round(quality, 4))


def build(
    weights_dir: Path,
    device: torch.device,
    refine: bool = True,
    min_area_fraction: float = MIN_AREA_FRACTION,
    person_margin: float = PERSON_MARGIN,
    flip_tta: bool = False,
    work_size: int = 0,
    fill_holes: bool = False,
    recut: bool = True,
) -> SegmentStage:
    """Load ``segmenter.pt`` from ``weights_dir`` onto ``device``; options as :class:`SegmentStage`.

    Raises FileNotFoundError when the file is missing, ValueError when it is not a segmenter."""
    model = for_inference(load_model(Path(weights_dir) / "segmenter.pt", device))
    if get_architecture(model.spec.arch).task != "segmenter":
        raise ValueError(f"segmenter.pt holds a {model.spec.arch!r}, not a segmenter")
    return SegmentStage(model, device, refine, min_area_fraction, person_margin, flip_tta, work_size, fill_holes, recut)
