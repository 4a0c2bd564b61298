"""Choose the stain stage's zoom (step 4 of :mod:`vision.stages.stain`) on the calib split.

    python -m vision.stain_zoom --data ../shared/datasets/clothing-dataset --weights runs/stain_zoom.pt --threads 2

For every calib photo of a clothing-dataset folder (as :mod:`vision.stain_eval` reads them: the served
garment mask, the synthetic stain of seed ``seed + crc32(stem)``): the first pass's map of the stained
photo and its finding under the file's decision; for each found stain and each ``(context,
min_side)`` of the grid, the outline after :meth:`~vision.stages.stain.StainStage.refine` and its IoU
with the true stain, at photo resolution. Missed stains count 0, as in ``mean_iou`` of
:func:`vision.stain_eval.summarise`; the decision (so the false alarms) is the file's and is not
changed. Prints one JSON line per setting (mean IoU, stains below / above 1 % of the garment, the
second look's median seconds) and writes the best setting into the file's ``meta["zoom"]`` (with
``meta["zoom_calib"]``: its figures and the first pass's), or removes ``meta["zoom"]`` when no setting
beats the first pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib

import numpy as np
import torch
from PIL import Image

from vision.stain_eval import garment_instance, load_stages, split_rows
from vision.stain_synth import add_stain

CONTEXTS = (1.5, 2.5, 4.0, 6.0)  # the square's side over the found stain's extent
MIN_SIDES = (0.3, 0.4, 0.5)  # the square's least side over the box's longer side


def zoom_records(stage, segment, rows, seed: int = 0, settings=None, log=None) -> list[dict]:
    """Per photo: ``stem``, ``true_area``, ``found`` and, per setting ``(context, min_side)`` (default:
    the grid), the outline's ``iou`` and the second look's ``seconds``; setting ``None``: the first pass."""
    settings = settings or [(c, m) for c in CONTEXTS for m in MIN_SIDES]
    keep = stage.zoom
    out = []
    try:
        for i, row in enumerate(rows):
            rgb = np.asarray(Image.open(row.path).convert("RGB"))
            inst = garment_instance(segment, rgb)
            x0, y0, x1, y1 = inst.box
            garment = inst.mask[y0:y1, x0:x1]
            sample = add_stain(rgb, inst.mask, seed + zlib.crc32(row.path.stem.encode()))
            truth = sample.mask[y0:y1, x0:x1]
            prob = stage.probabilities(sample.image, [inst])[0]
            found = stage.finding(prob, inst, rgb.shape[:2]).found
            rec = {"stem": row.path.stem, "true_area": sample.area, "found": found, "iou": {}, "seconds": {}}
            t = stage.decision["pixel_threshold"]
            for setting in [None, *settings]:
                outline, start = prob, time.perf_counter()
                if found and setting is not None:
                    stage.zoom = {"context": setting[0], "min_side": setting[1]}
                    outline = stage.refine(sample.image, inst, prob)
                    rec["seconds"][setting] = time.perf_counter() - start
                pred = (outline >= t) & garment
                rec["iou"][setting] = float((pred & truth).sum() / max(1, (pred | truth).sum())) if found else 0.0
            out.append(rec)
            if log and (i + 1) % 50 == 0:
                log(json.dumps({"photos": i + 1, "of": len(rows)}))
    finally:
        stage.zoom = keep
    return out


def figures(records: list[dict], setting) -> dict:
    """Mean IoU of ``records`` (:func:`zoom_records`) under one setting: all, stains below and above 1 %."""
    iou = np.array([r["iou"][setting] for r in records])
    small = np.array([r["true_area"] < 0.01 for r in records])
    secs = [r["seconds"][setting] for r in records if setting in r["seconds"]]
    return {
        "context": setting and setting[0],
        "min_side": setting and setting[1],
        "mean_iou": round(float(iou.mean()), 4),
        "mean_iou_small": round(float(iou[small].mean()), 4) if small.any() else None,
        "mean_iou_large": round(float(iou[~small].mean()), 4) if (~small).any() else None,
        "zoom_seconds_median": round(float(np.median(secs)), 4) if secs else None,
    }


def best_setting(records: list[dict]):
    """The setting with the highest mean IoU (ties: the smaller context, then the larger least side,
    so the cheaper look), or None when none beats the first pass."""
    settings = [s for s in records[0]["iou"] if s is not None]
    best = max(settings, key=lambda s: (figures(records, s)["mean_iou"], -s[0], s[1]))
    return best if figures(records, best)["mean_iou"] > figures(records, None)["mean_iou"] else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--weights", required=True, help="the stain weights file (its meta is updated)")
    ap.add_argument("--n", type=int, default=0, help="the first N calib photos (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from vision.checkpoints import load_checkpoint, write_checkpoint

    stage, segment = load_stages(args.weights)
    records = zoom_records(stage, segment, split_rows(args.data, "calib", args.n), args.seed, log=print)
    for setting in records[0]["iou"]:
        print(json.dumps(figures(records, setting)))
    best = best_setting(records)
    ckpt = load_checkpoint(args.weights)
    ckpt["meta"].pop("zoom", None)
    if best is not None:
        ckpt["meta"]["zoom"] = {"context": best[0], "min_side": best[1]}
    ckpt["meta"]["zoom_calib"] = {"first_pass": figures(records, None), "zoomed": best and figures(records, best)}
    write_checkpoint(args.weights, ckpt)
    print(json.dumps({"zoom": ckpt["meta"].get("zoom"), **ckpt["meta"]["zoom_calib"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
