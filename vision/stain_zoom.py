"""Choose the stain stage's zoom and recheck (steps 4-5 of :mod:`vision.stages.stain`) on the calib split.

    python -m vision.stain_zoom --data ../shared/datasets/clothing-dataset --weights runs/stain_zoom.pt --threads 2
    python -m vision.stain_zoom --recheck --data ../shared/datasets/clothing-dataset \
        --weights runs/stain_zoom.pt --threads 2

For every calib photo of a clothing-dataset folder (as :mod:`vision.stain_eval` reads them: the served
garment mask, the synthetic stain of seed ``seed + crc32(stem)``): the first pass's map of the stained
photo and its finding under the file's decision; for each found stain and each ``(context,
min_side)`` of the grid, the outline after :meth:`~vision.stages.stain.StainStage.refine` and its IoU
with the true stain, at photo resolution. Missed stains count 0, as in ``mean_iou`` of
:func:`vision.stain_eval.summarise`; the decision (so the false alarms) is the file's and is not
changed. Prints one JSON line per setting (mean IoU, stains below / above 1 % of the garment, the
second look's median seconds) and writes the best setting into the file's ``meta["zoom"]`` (with
``meta["zoom_calib"]``: its figures and the first pass's; a recheck already in the file is kept, though
it was chosen with the squares of the zoom before), or removes ``meta["zoom"]`` (and so the recheck)
when no setting beats the first pass.

With ``--recheck`` (a file that already zooms): for every calib photo, clean and stained, the first
look's finding and, for a near miss (not found, score >= the lowest of ``MIN_SCORES``), the close
look's score and outline (:meth:`~vision.stages.stain.StainStage.rechecked_finding`), unmirrored
and mirrored. For each ``(min_score, score_threshold)`` of the grid, alone or with a mirrored
``band`` ``(band min_score < min_score, band score_threshold)`` below it: false alarms, detection,
mean IoU (found stains with the outline as served), the share of clean garments looked at again and
the passes this costs per clean garment (a mirrored look is two). The best setting that adds no
false alarm and costs no more than ``RECHECK_MAX_PASSES`` is written into ``meta["zoom"]["recheck"]``
(with ``meta["recheck_calib"]``), or none when no setting beats no recheck.
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

CONTEXTS = (1.5, 2.5, 4.0, 6.0)  # the square's side over the found stain's extent
MIN_SIDES = (0.3, 0.4, 0.5)  # the square's least side over the box's longer side
MIN_SCORES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # first-look scores looked at again
CLOSE_THRESHOLDS = (0.99, 0.995, 0.998, 0.999, 0.9995)  # close-look scores that find a stain
# passes of the model per clean garment spent looking again: 0.3 is about 0.01 s per garment at
# 0.035 s a pass (bench.attributes), within the detail stages' 0.15 s (issue 17; they take 0.08-0.10)
RECHECK_MAX_PASSES = 0.30


def zoom_records(stage, segment, rows, seed: int = 0, settings=None, log=None) -> list[dict]:
    """Per photo: ``stem``, ``true_area``, ``found`` and, per setting ``(context, min_side)`` (default:
    the grid), the outline's ``iou`` (:meth:`~vision.stages.stain.StainStage.outline`: with the
    file's step 6, as served) and the second look's ``seconds``; setting ``None``: the first pass."""
    settings = settings or [(c, m) for c in CONTEXTS for m in MIN_SIDES]
    keep = stage.zoom
    out = []
    try:
        for i, row in enumerate(rows):
            rgb = np.asarray(Image.open(row.path).convert("RGB"))
            inst = garment_instance(segment, rgb)
            x0, y0, x1, y1 = inst.box
            sample = add_stain(rgb, inst.mask, seed + zlib.crc32(row.path.stem.encode()))
            truth = sample.mask[y0:y1, x0:x1]
            prob = stage.probabilities(sample.image, [inst])[0]
            found = stage.finding(prob, inst, rgb.shape[:2]).found
            rec = {"stem": row.path.stem, "true_area": sample.area, "found": found, "iou": {}, "seconds": {}}
            for setting in [None, *settings]:
                outline, start = prob, time.perf_counter()
                if found and setting is not None:
                    stage.zoom = {"context": setting[0], "min_side": setting[1]}
                    outline = stage.refine(sample.image, inst, prob)
                    rec["seconds"][setting] = time.perf_counter() - start
                pred = stage.outline(sample.image, inst, outline)  # with step 6 when the file has it, as served
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


def recheck_records(stage, segment, rows, seed: int = 0, log=None) -> list[dict]:
    """Per photo: ``stem``, ``true_area`` and, for the ``clean`` and ``stained`` photo, the first
    look's ``score`` and ``found``, the IoU of the served outline (stained; 0 when not found), and for
    a near miss the close look's ``close`` score, the ``recheck_iou`` of its outline (stained) and
    its ``seconds``, and the same mirrored (``close_mirror``, ``recheck_iou_mirror``)."""
    keep = stage.zoom
    plain = {**keep, "recheck": {"min_score": MIN_SCORES[0], "score_threshold": 0.0}}
    mirrored = {**keep, "recheck": {"min_score": 2.0, "score_threshold": 0.0, "band": plain["recheck"]}}
    out = []
    try:
        for i, row in enumerate(rows):
            rgb = np.asarray(Image.open(row.path).convert("RGB"))
            inst = garment_instance(segment, rgb)
            sample = add_stain(rgb, inst.mask, seed + zlib.crc32(row.path.stem.encode()))
            rec = {"stem": row.path.stem, "true_area": sample.area}
            for name, image in (("clean", rgb), ("stained", sample.image)):
                prob = stage.probabilities(image, [inst])[0]
                first = stage.zoomed_finding(image, inst, prob, stage.finding(prob, inst, rgb.shape[:2]))
                r = {"score": first.score, "found": first.found, "iou": _iou(first.mask, sample.mask)}
                if not first.found and first.score >= MIN_SCORES[0]:
                    for suffix, zoom in (("", plain), ("_mirror", mirrored)):
                        stage.zoom = zoom
                        start = time.perf_counter()
                        again = stage.rechecked_finding(image, inst, prob, first)
                        r["seconds" + suffix] = time.perf_counter() - start
                        r["close" + suffix] = again.score if again.found else 0.0
                        r["recheck_iou" + suffix] = _iou(again.mask, sample.mask)
                rec[name] = r
            out.append(rec)
            if log and (i + 1) % 50 == 0:
                log(json.dumps({"photos": i + 1, "of": len(rows)}))
    finally:
        stage.zoom = keep
    return out


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.median(values)), 4) if values else None


def _iou(pred, truth) -> float:
    return float((pred & truth).sum() / max(1, (pred | truth).sum())) if pred is not None else 0.0


def recheck_figures(records: list[dict], setting) -> dict:
    """Figures of ``records`` (:func:`recheck_records`) under ``setting`` ``(min_score,
    score_threshold)`` or ``(min_score, score_threshold, band_min_score, band_score_threshold)``,
    or None (no recheck)."""

    def outcome(r: dict) -> tuple[bool, float, int]:  # found, IoU, passes spent looking again
        if setting is None or r["found"] or "close" not in r:
            return r["found"], r["iou"], 0
        if r["score"] >= setting[0]:
            suffix, threshold, passes = "", setting[1], 1
        elif len(setting) > 2 and r["score"] >= setting[2]:
            suffix, threshold, passes = "_mirror", setting[3], 2
        else:
            return r["found"], r["iou"], 0
        if r["close" + suffix] >= threshold:
            return True, r["recheck_iou" + suffix], passes
        return r["found"], r["iou"], passes

    clean = [outcome(r["clean"]) for r in records]
    stained = [outcome(r["stained"]) for r in records]
    small = np.array([r["true_area"] < 0.01 for r in records])
    iou = np.array([o[1] for o in stained])
    return {
        "min_score": setting and setting[0],
        "score_threshold": setting and setting[1],
        "band_min_score": setting[2] if setting and len(setting) > 2 else None,
        "band_score_threshold": setting[3] if setting and len(setting) > 2 else None,
        "false_alarms": sum(o[0] for o in clean),
        "detection_rate": round(float(np.mean([o[0] for o in stained])), 4),
        "mean_iou": round(float(iou.mean()), 4),
        "mean_iou_small": round(float(iou[small].mean()), 4) if small.any() else None,
        "clean_looked_again": round(float(np.mean([o[2] > 0 for o in clean])), 4),
        "clean_passes": round(float(np.mean([o[2] for o in clean])), 4),
    }


def recheck_settings() -> list[tuple]:
    """The grid: every ``(min_score, score_threshold)``, alone and with every mirrored band below it."""
    plain = [(m, c) for m in MIN_SCORES for c in CLOSE_THRESHOLDS]
    return plain + [(m, c, bm, bc) for m, c in plain for bm in MIN_SCORES if bm < m for bc in CLOSE_THRESHOLDS]


def best_recheck(records: list[dict]):
    """The setting of :func:`recheck_settings` with the highest mean IoU among those adding no false
    alarm and spending no more than ``RECHECK_MAX_PASSES`` per clean garment (ties: fewer passes,
    then no band, then the higher ``min_score``, then the higher thresholds); None when none beats no recheck."""
    base = recheck_figures(records, None)
    ok = []
    for setting in recheck_settings():
        f = recheck_figures(records, setting)
        if f["false_alarms"] <= base["false_alarms"] and f["clean_passes"] <= RECHECK_MAX_PASSES:
            ok.append(((f["mean_iou"], -f["clean_passes"], len(setting) == 2, *setting), setting))
    best = max(ok, default=None)
    return best[1] if best and best[0][0] > base["mean_iou"] else None


def choose_recheck(weights: str, records: list[dict]) -> dict:
    """Write :func:`best_recheck` into ``weights``' ``meta["zoom"]["recheck"]`` (removed when None)
    and the figures into ``meta["recheck_calib"]``; returns what was written."""
    from vision.checkpoints import load_checkpoint, write_checkpoint

    best = best_recheck(records)
    ckpt = load_checkpoint(weights)
    ckpt["meta"]["zoom"].pop("recheck", None)
    if best is not None:
        ckpt["meta"]["zoom"]["recheck"] = {"min_score": best[0], "score_threshold": best[1]}
        if len(best) > 2:
            ckpt["meta"]["zoom"]["recheck"]["band"] = {"min_score": best[2], "score_threshold": best[3]}
    looked = [r[k]["seconds"] for r in records for k in ("clean", "stained") if "seconds" in r[k]]
    ckpt["meta"]["recheck_calib"] = {
        "without": recheck_figures(records, None),
        "with": best and recheck_figures(records, best),
        "look_seconds_median": round(float(np.median(looked)), 4) if looked else None,
        "mirrored_look_seconds_median": _median(
            [r[k].get("seconds_mirror") for r in records for k in ("clean", "stained")]
        ),
    }
    write_checkpoint(weights, ckpt)
    return {"recheck": ckpt["meta"]["zoom"].get("recheck"), **ckpt["meta"]["recheck_calib"]}


def main(argv=None) -> int:
    ap = chooser_parser(__doc__)
    ap.add_argument("--recheck", action="store_true", help="choose the recheck of near misses (step 5)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from vision.checkpoints import load_checkpoint, write_checkpoint

    stage, segment = load_stages(args.weights)
    if args.recheck:
        if not stage.zoom:
            ap.error(f"{args.weights} does not zoom: choose the zoom first")
        records = recheck_records(stage, segment, split_rows(args.data, "calib", args.n), args.seed, log=print)
        for setting in [None, *recheck_settings()]:
            print(json.dumps(recheck_figures(records, setting)))
        print(json.dumps(choose_recheck(args.weights, records)))
        return 0
    records = zoom_records(stage, segment, split_rows(args.data, "calib", args.n), args.seed, log=print)
    for setting in records[0]["iou"]:
        print(json.dumps(figures(records, setting)))
    best = best_setting(records)
    ckpt = load_checkpoint(args.weights)
    recheck = (ckpt["meta"].pop("zoom", None) or {}).get("recheck")
    if best is not None:  # a recheck chosen before stays (it needs a zoom: without one it goes too)
        ckpt["meta"]["zoom"] = {"context": best[0], "min_side": best[1], **({"recheck": recheck} if recheck else {})}
    ckpt["meta"]["zoom_calib"] = {"first_pass": figures(records, None), "zoomed": best and figures(records, best)}
    write_checkpoint(args.weights, ckpt)
    print(json.dumps({"zoom": ckpt["meta"].get("zoom"), **ckpt["meta"]["zoom_calib"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
