"""Choose the stain stage's outline sharpening (step 6 of :mod:`vision.stages.stain`) on the calib split.

    python -m vision.stain_edges --data ../shared/datasets/clothing-dataset --weights runs/stain_edges.pt --threads 2

For every calib photo of a clothing-dataset folder (as :mod:`vision.stain_eval` reads them: the served
garment mask, the synthetic stain of seed ``seed + crc32(stem)``): the stained photo's first look and,
when the file's decision finds the stain, its final map as served before step 6 (the zoom of step 4,
:meth:`~vision.stages.stain.StainStage.refine`); then, for each ``(radius, eps, pixel_threshold)`` of
the grid, the outline of step 6 (:meth:`~vision.stages.stain.StainStage.outline`) and its IoU with the
true stain at photo resolution. Stains the first look misses count 0 and the recheck (step 5) is left
out, so the figure is the zoom's (``vision.stain_zoom``), not the whole stage's; the decision, so the
false alarms, is the file's and is not changed. Prints one JSON line per setting better than none (mean
IoU, stains below / above 1 % of the garment) and writes the best into the file's ``meta["edges"]``
(with ``meta["edges_calib"]``: its figures, those without it and step 6's median seconds per found
stain), or removes ``meta["edges"]`` when no setting beats the outline as the map gives it.
"""

from __future__ import annotations

import json
import sys
import time
import zlib

import numpy as np
import torch
from PIL import Image

from vision.stain_eval import chooser_parser, garment_instance, load_stages, split_rows
from vision.stain_synth import add_stain

RADII = (0.01, 0.02, 0.03, 0.04, 0.06, 0.08)  # the filter window's radius over the box's longer side
EPSILONS = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4)  # the ridge on colours in [0, 1]
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)  # the filtered map's outline level


def settings() -> list[tuple[float, float, float]]:
    """The grid: every ``(radius, eps, pixel_threshold)``."""
    return [(r, e, t) for r in RADII for e in EPSILONS for t in THRESHOLDS]


def _iou(pred: np.ndarray, truth: np.ndarray) -> float:
    return float((pred & truth).sum() / max(1, (pred | truth).sum()))


def edge_records(stage, segment, rows, seed: int = 0, log=None) -> list[dict]:
    """Per photo: ``true_area``, ``found`` (the first look under the file's decision) and, when found,
    ``iou``: the IoU of step 6's outline per setting of :func:`settings` (key ``None``: without step
    6), and ``seconds``: the filter's time (:meth:`~vision.stages.stain.StainStage.edge_map`) at the
    last ``(radius, eps)``. The stage's ``edges`` are not used."""
    out = []
    for i, row in enumerate(rows):
        rgb = np.asarray(Image.open(row.path).convert("RGB"))
        inst = garment_instance(segment, rgb)
        x0, y0, x1, y1 = inst.box
        sample = add_stain(rgb, inst.mask, seed + zlib.crc32(row.path.stem.encode()))
        truth = sample.mask[y0:y1, x0:x1]
        prob = stage.probabilities(sample.image, [inst])[0]
        rec = {"stem": row.path.stem, "true_area": sample.area, "found": False}
        first = stage.finding(prob, inst, rgb.shape[:2])
        if first.found:
            final = stage.refine(sample.image, inst, prob)
            if stage.finding(final, inst, rgb.shape[:2]).mask is None:  # as served: the first outline stays
                final = prob
            pred = stage.plain_outline(inst, final)
            rec["found"], rec["iou"] = True, {None: _iou(pred, truth)}
            for radius, eps in sorted({(r, e) for r, e, _ in settings()}):
                start = time.perf_counter()
                edge = stage.edge_map(sample.image, inst, final, radius, eps)
                rec["seconds"] = time.perf_counter() - start
                for t in THRESHOLDS:
                    rec["iou"][(radius, eps, t)] = _iou(stage.edge_outline(inst, final, edge, t), truth)
        out.append(rec)
        if log and (i + 1) % 50 == 0:
            log(json.dumps({"photos": i + 1, "of": len(rows)}))
    return out


def figures(records: list[dict], setting) -> dict:
    """Mean IoU over all ``records`` (missed stains 0) with ``setting`` (None: without step 6)."""
    iou = np.array([r["iou"][setting] if r["found"] else 0.0 for r in records])
    small = np.array([r["true_area"] < 0.01 for r in records])
    return {
        "setting": setting and dict(zip(("radius", "eps", "pixel_threshold"), setting)),
        "mean_iou": round(float(iou.mean()), 4),
        "mean_iou_found": round(float(np.mean([r["iou"][setting] for r in records if r["found"]] or [0])), 4),
        "mean_iou_small": round(float(iou[small].mean()), 4) if small.any() else None,
        "mean_iou_large": round(float(iou[~small].mean()), 4) if (~small).any() else None,
    }


def best_setting(records: list[dict]):
    """The setting with the highest mean IoU (ties: the larger radius, then the larger eps, then the
    higher threshold: the gentler filter), or None when none beats no step 6."""
    base = figures(records, None)["mean_iou"]
    scored = [(figures(records, s)["mean_iou"], *s) for s in settings()]
    best = max(scored)
    return tuple(best[1:]) if best[0] > base else None


def main(argv=None) -> int:
    ap = chooser_parser(__doc__)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from vision.checkpoints import load_checkpoint, write_checkpoint

    stage, segment = load_stages(args.weights)
    records = edge_records(stage, segment, split_rows(args.data, "calib", args.n), args.seed, log=print)
    base = figures(records, None)
    for s in settings():
        f = figures(records, s)
        if f["mean_iou"] > base["mean_iou"]:
            print(json.dumps(f))
    best = best_setting(records)
    ckpt = load_checkpoint(args.weights)
    ckpt["meta"].pop("edges", None)
    if best is not None:
        ckpt["meta"]["edges"] = dict(zip(("radius", "eps", "pixel_threshold"), best))
    ckpt["meta"]["edges_calib"] = {
        "without": base,
        "with": best and figures(records, best),
        "seconds_median": round(float(np.median([r["seconds"] for r in records if r["found"]] or [0])), 4),
    }
    write_checkpoint(args.weights, ckpt)
    print(json.dumps({"edges": ckpt["meta"].get("edges"), **ckpt["meta"]["edges_calib"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
