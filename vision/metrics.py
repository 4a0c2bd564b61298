"""Evaluation metrics shared by vision.evaluate and the training scripts (vision.engine.evaluate).

* COCO box and mask AP / AP50 through pycocotools' COCOeval (Lin et al., "Microsoft COCO",
  ECCV 2014: AP averaged over IoU 0.50:0.05:0.95 and 101 recall points, maxDets 100).
* Semantic segmentation: a confusion matrix over detector class ids (0 = background); IoU of a
  category = TP / (TP + FP + FN) accumulated over the whole dataset, mIoU = mean over the
  categories present in the ground truth; pixel accuracy = correctly labelled pixels / all pixels.
* Detection recall: ``recall50`` = share of ground-truth instances matched by a kept detection
  (score at least the serving threshold) of the same category at mask IoU >= 0.5.
* Classification: top-1 accuracy = fraction of samples whose highest-scoring class is the label;
  expected calibration error (ECE, Guo et al., "On Calibration of Modern Neural Networks", ICML
  2017): confidences in 15 equal-width bins, ECE = sum over bins of (bin share) x |accuracy -
  mean confidence|.

Accumulators collect per-sample results with ``add``/``update`` and report with ``compute`` or
``evaluate``; nothing here runs a model.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from vision import taxonomy


def expected_calibration_error(scores, correct, n_bins: int = 15) -> float:
    """ECE of confidences ``scores`` (floats in [0, 1]) against ``correct`` (bools), same length N,
    over ``n_bins`` equal-width bins of [0, 1] (a score of exactly 1 falls in the last bin). Guo et
    al., ICML 2017, eq. 3. Returns a fraction in [0, 1]; 0.0 when N is 0."""
    scores = np.asarray(scores, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if scores.size == 0:
        return 0.0
    bins = np.minimum((scores * n_bins).astype(np.int64), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - scores[sel].mean())
    return float(ece)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks of the same shape (0.0 when both are empty)."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def rle(mask: np.ndarray) -> dict:
    """COCO RLE of a bool (H, W) mask, with ``counts`` as str (JSON-safe)."""
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    r["counts"] = r["counts"].decode("ascii")
    return r


class CocoAccumulator:
    """Collects ground-truth and predicted instances of many images, then runs COCOeval."""

    def __init__(self):
        self.images, self.gts, self.dts = [], [], []

    def add(
        self,
        image_id: int,
        height: int,
        width: int,
        gt: list[tuple[int, np.ndarray]],
        pred: list[tuple[int, float, np.ndarray]],
    ) -> None:
        """Add one image: ``gt`` as (class id, bool mask), ``pred`` as (class id, score, bool mask);
        masks (height, width)."""
        self.images.append({"id": image_id, "height": height, "width": width})
        for cid, m in gt:
            r = rle(m)
            self.gts.append(
                {
                    "id": len(self.gts) + 1,
                    "image_id": image_id,
                    "category_id": cid,
                    "segmentation": r,
                    "area": float(m.sum()),
                    "iscrowd": 0,
                    "bbox": list(mask_utils.toBbox(r)),
                }
            )
        for cid, score, m in pred:
            if not m.any():
                continue
            r = rle(m)
            self.dts.append(
                {
                    "image_id": image_id,
                    "category_id": cid,
                    "segmentation": r,
                    "score": score,
                    "bbox": list(mask_utils.toBbox(r)),
                }
            )

    def evaluate(self) -> dict:
        """``{"mask_ap", "mask_ap50", "box_ap", "box_ap50", "per_category": {slug: {...}}}`` over the
        categories present in the ground truth; APs are fractions in [0, 1]."""
        present = sorted({g["category_id"] for g in self.gts})
        cats = [{"id": c, "name": taxonomy.CATEGORY_SLUGS[c - 1]} for c in present]
        result = {
            "per_category": {c["name"]: {"n_gt": sum(g["category_id"] == c["id"] for g in self.gts)} for c in cats}
        }
        for iou_type, key in (("segm", "mask"), ("bbox", "box")):
            if not present:
                result[f"{key}_ap"] = result[f"{key}_ap50"] = 0.0
                continue
            with contextlib.redirect_stdout(io.StringIO()):
                gt = COCO()
                gt.dataset = {"images": self.images, "annotations": self.gts, "categories": cats}
                gt.createIndex()
                dt = gt.loadRes(self.dts) if self.dts else COCO()
                if not self.dts:
                    dt.dataset = {"images": self.images, "annotations": [], "categories": cats}
                    dt.createIndex()
                ev = COCOeval(gt, dt, iou_type)
                ev.params.catIds = present
                ev.evaluate()
                ev.accumulate()
                ev.summarize()
            result[f"{key}_ap"] = max(0.0, float(ev.stats[0]))
            result[f"{key}_ap50"] = max(0.0, float(ev.stats[1]))
            prec = ev.eval["precision"]  # (T, R, K, A, M)
            for k, c in enumerate(cats):
                p = prec[:, :, k, 0, -1]
                p50 = prec[0, :, k, 0, -1]
                result["per_category"][c["name"]][f"{key}_ap"] = float(p[p > -1].mean()) if (p > -1).any() else 0.0
                result["per_category"][c["name"]][f"{key}_ap50"] = (
                    float(p50[p50 > -1].mean()) if (p50 > -1).any() else 0.0
                )
        return result


class SemanticAccumulator:
    """Confusion matrix of semantic label maps over detector class ids 0..27."""

    def __init__(self, num_classes: int = 1 + len(taxonomy.CATEGORIES)):
        self.n = num_classes
        self.confusion = np.zeros((num_classes, num_classes), dtype=np.int64)

    def add(self, gt: np.ndarray, pred: np.ndarray) -> None:
        """Add one image: ``gt`` and ``pred`` integer (H, W) class-id maps."""
        idx = gt.astype(np.int64).ravel() * self.n + pred.astype(np.int64).ravel()
        self.confusion += np.bincount(idx, minlength=self.n * self.n).reshape(self.n, self.n)

    def evaluate(self) -> dict:
        """``{"miou", "pixel_accuracy", "iou": {slug: iou}}``; mIoU over categories (not background)
        present in the ground truth."""
        c = self.confusion
        tp = np.diag(c)
        union = c.sum(0) + c.sum(1) - tp
        ious = {taxonomy.CATEGORY_SLUGS[k - 1]: float(tp[k] / union[k]) for k in range(1, self.n) if c[k].sum() > 0}
        return {
            "miou": float(np.mean(list(ious.values()))) if ious else 0.0,
            "pixel_accuracy": float(tp.sum() / max(1, c.sum())),
            "iou": ious,
        }


def semantic_from_instances(shape: tuple[int, int], instances: list[tuple[int, float, np.ndarray]]) -> np.ndarray:
    """Semantic class-id map (H, W) uint8 from (class id, score, bool mask) instances: painted in
    ascending score so that the most confident instance wins where masks overlap."""
    out = np.zeros(shape, dtype=np.uint8)
    for cid, _, m in sorted(instances, key=lambda t: t[1]):
        out[m] = cid
    return out


class DetectionAccumulator:
    """COCO AP and semantic metrics of detections, image by image (what ``vision.evaluate
    detector`` reports and the detector's training evaluates).

    Predictions are merged per category already (the instance rule; see
    :func:`vision.stages.detect.merge_detections`), masks at the ground truth's resolution.
    """

    def __init__(self, score_threshold: float):
        """``score_threshold``: detections scoring at least this are painted into the semantic map
        (COCO AP sees every detection, to trace the whole precision/recall curve)."""
        self.score_threshold = score_threshold
        self.coco, self.semantic = CocoAccumulator(), SemanticAccumulator()
        self.n = 0
        self.n_gt = self.matched50 = 0

    def add(self, gt_map: np.ndarray, pred: list[tuple[int, float, np.ndarray]]) -> None:
        """Add one image: ``gt_map`` uint8 (H, W) detector class ids (0 = background); ``pred`` as
        (class id, score, bool (H, W) mask)."""
        from vision.datasets import instances_from_category_map

        self.n += 1
        h, w = gt_map.shape
        gts = instances_from_category_map(gt_map)
        kept = [p for p in pred if p[1] >= self.score_threshold]
        self.coco.add(self.n, h, w, gts, pred)
        self.semantic.add(gt_map, semantic_from_instances((h, w), kept))
        self.n_gt += len(gts)
        self.matched50 += sum(any(c == pc and mask_iou(m, pm) >= 0.5 for pc, _, pm in kept) for c, m in gts)

    def compute(self) -> dict:
        """``{"n", "mask_ap", "mask_ap50", "box_ap", "box_ap50", "miou", "pixel_accuracy", "recall50",
        "per_category": {slug: {"n_gt", "mask_ap", "mask_ap50", "box_ap", "box_ap50", "iou"}}}``;
        fractions in [0, 1], unrounded."""
        res = self.coco.evaluate()
        s = self.semantic.evaluate()
        for slug, iou in s["iou"].items():
            res["per_category"].setdefault(slug, {})["iou"] = iou
        return {
            "n": self.n,
            "mask_ap": res["mask_ap"],
            "mask_ap50": res["mask_ap50"],
            "box_ap": res["box_ap"],
            "box_ap50": res["box_ap50"],
            "miou": s["miou"],
            "pixel_accuracy": s["pixel_accuracy"],
            "recall50": self.matched50 / max(1, self.n_gt),
            "per_category": res["per_category"],
        }


class Top1Accumulator:
    """Top-1 accuracy of class scores against integer labels."""

    def __init__(self):
        self.correct = 0
        self.n = 0

    def add(self, scores, labels) -> None:
        """Add a batch: ``scores`` float (N, C) tensor or array (logits or probabilities), ``labels``
        int (N,) class indices."""
        self.correct += int((scores.argmax(1) == labels).sum())
        self.n += len(labels)

    def compute(self) -> dict:
        """``{"n", "top1"}``; top1 a fraction in [0, 1] (0 when empty)."""
        return {"n": self.n, "top1": self.correct / max(1, self.n)}
