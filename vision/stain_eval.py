"""Measure the ``stain`` stage, and choose its decision rule on the calib split.

    python -m vision.evaluate stains --data ../shared/datasets/clothing-dataset --split val [--n N]
    python -m vision.stain_eval choose --data ../shared/datasets/clothing-dataset --weights runs/stain.pt
    python -m vision.stain_eval fixture --photo tests/fixtures/clothing_tshirt.jpg --kind coffee --seed 3 \
        --area 0.03 --out tests/fixtures/stain_synthetic.jpg

Both read photos of one split of a clothing-dataset folder (by contributor, :mod:`vision.datasets`;
labels "Skip" and "Not sure" left out), in CSV order, the first ``n`` when given. For each photo:

1. the garment's mask as served for a single item: the ``segment`` stage (segmenter + GrabCut) on
   the whole photo (:meth:`vision.stages.segment.SegmentStage.single_item`);
2. **clean**: the ``stain`` stage on the real photo as it is. A stain reported there is a false
   alarm, except on the photos that two labellers found really stained by eye
   (``vision/references/stain_check.csv``, :func:`stained_by_eye`; the first 150 val and 100 calib
   photos were checked): those are counted apart (``real_stained``, ``real_stained_found``);
3. **synthetic**: one stain of :func:`vision.stain_synth.add_stain` laid on the garment with the seed
   ``seed + crc32(stem)`` (fixed: the same set every run), and the stage on that photo; with a
   file that zooms (its ``meta["zoom"]``, :mod:`vision.stain_zoom`), a found stain's outline is the
   closer one, as served (``choose`` decides on the first pass alone: the zoom leaves "found" as it is);
   with its ``meta["zoom"]["recheck"]``, near misses are looked at again as served (step 5 of
   :mod:`vision.stages.stain`, under the file's own decision, its mirrored band included), which
   can add finds and false alarms: ``recheck_found``, ``recheck_clean_looked`` (share of clean
   garments looked at again) and ``recheck_clean_passes`` (passes of the model per clean garment).
   With its ``meta["views"]`` (step 2b), each photo also keeps what the whole stage serves
   (:meth:`~vision.stages.stain.StainStage.served`: ``served``), and the figures are counted from that.

Figures (:func:`summarise`): ``false_alarm_rate`` (share of clean garments with ``found``;
``false_alarm_rate_unchecked`` with every photo taken as clean),
``detection_rate`` (share of stained ones with ``found``), ``mean_iou`` (per stained photo, the IoU
of the reported stain mask, empty when not found, against the true one, at photo resolution),
``pixel_iou`` (intersections over unions summed over all stained photos), ``mean_iou_found`` (over
the found ones only), and ``mean_iou`` by stain kind and by size (area of the garment below / above
1 %). ``choose`` picks the rule on the calib split: the pixel threshold, score threshold and least
area with the highest mean IoU among those whose false-alarm rate is at most ``max_false_alarm``
(0.02: below the 5 % goal, with room for the val split to differ), and writes it in the weights
file's ``meta["decision"]`` (with ``--mirror on|off``, also ``meta["mirror"]``: flip averaging,
:meth:`vision.stages.stain.StainStage.infer`; with ``--scales 256,384``, also ``meta["scales"]``:
the input sizes averaged over, :meth:`vision.stages.stain.StainStage.probabilities`; both used for
the records it is chosen on).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import datasets
from vision.contract import GarmentInstance
from vision.stain_data import NOT_GARMENTS
from vision.stain_synth import add_stain

PIXEL_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
SCORE_THRESHOLDS = (*(round(0.3 + 0.025 * i, 3) for i in range(28)), 0.99, 0.995, 0.998)  # 0.3 .. 0.998
MIN_AREAS = (0.0, 0.0005, 0.001, 0.002, 0.005, 0.01)

#: Real photos checked by eye for stains (protocol: ``stain_check_protocol.md`` beside it).
STAIN_CHECK = Path(__file__).resolve().parent / "references" / "stain_check.csv"


def stained_by_eye(path: str | Path = STAIN_CHECK) -> frozenset[str]:
    """Stems of the photos both labellers of ``path`` (CSV: ``image``, ``labeller_1``,
    ``labeller_2``) saw as stained; empty when the file does not exist."""
    if not Path(path).exists():
        return frozenset()
    with open(path, newline="", encoding="utf-8") as f:
        return frozenset(r["image"] for r in csv.DictReader(f) if r["labeller_1"] == r["labeller_2"] == "stain")


def split_rows(data: str | Path, split: str, n: int = 0) -> list[datasets.ClothingRow]:
    """Garment photos of ``split`` ("val", "calib", "train" or "all") in CSV order, the first ``n`` (0: all)."""
    rows = [
        r
        for r in datasets.read_clothing(data)
        if r.label not in NOT_GARMENTS and (split == "all" or datasets.clothing_split(r.sender_id) == split)
    ]
    return rows[:n] if n else rows


def garment_instance(segment, rgb: np.ndarray) -> GarmentInstance:
    """The single item of photo ``rgb`` (uint8 (H, W, 3)) with the mask the ``segment`` stage serves."""
    h, w = rgb.shape[:2]
    inst = GarmentInstance(box=(0, 0, w, h), mask=np.ones((h, w), bool))
    segment.single_item(rgb, inst)
    return inst


def photo_record(stage, segment, path: Path, seed: int, zoom: bool = True) -> dict:
    """Per-photo raw figures: the clean and stained runs' ``score``, and per pixel threshold their
    ``area``; the stained run's intersection/union with the true stain per threshold; kind, size.
    Scores and areas are the first pass's (they decide "found"); with ``zoom`` and a stage that
    zooms (:meth:`vision.stages.stain.StainStage.refine`), the intersections and unions are those of
    the closer outline of a stain found under the stage's decision (and, with ``meta["edges"]``, at
    the decision's pixel threshold, its step-6 outline, :meth:`~vision.stages.stain.StainStage.outline`), as served
    (:meth:`~vision.stages.stain.StainStage.zoomed_finding`: the first outline when the closer one is
    not found; ``zoom_seconds``: its time)."""
    rgb = np.asarray(Image.open(path).convert("RGB"))
    inst = garment_instance(segment, rgb)
    x0, y0, x1, y1 = inst.box
    garment = inst.mask[y0:y1, x0:x1]
    n = max(1, int(garment.sum()))
    sample = add_stain(rgb, inst.mask, seed + zlib.crc32(path.stem.encode()))
    truth = sample.mask[y0:y1, x0:x1]
    rec = {"stem": path.stem, "kind": sample.kind, "true_area": sample.area}
    start = time.perf_counter()
    clean, stained = stage.probabilities(rgb, [inst])[0], stage.probabilities(sample.image, [inst])[0]
    rec["seconds"] = (time.perf_counter() - start) / 2
    outline, served = stained, None
    if zoom and (stage.zoom or stage.edges) and stage.finding(stained, inst, rgb.shape[:2]).found:
        start = time.perf_counter()
        outline = stage.refine(sample.image, inst, stained)
        if stage.finding(outline, inst, rgb.shape[:2]).mask is None:  # as served: the first outline stays
            outline = stained
        if stage.edges:  # step 6, as served, at the decision's pixel threshold
            served = stage.outline(sample.image, inst, outline)
        rec["zoom_seconds"] = time.perf_counter() - start
    if zoom and (stage.zoom or {}).get("recheck"):
        recheck(stage, inst, (rgb, clean), (sample.image, stained), truth, rec)
    if zoom and stage.views:  # step 2b: the whole stage as served decides (summarise reads "served")
        clean_found = stage.served(rgb, inst, clean).found
        got = stage.served(sample.image, inst, stained)
        pred = got.mask[y0:y1, x0:x1] if got.found else np.zeros_like(truth)
        rec["served"] = {"clean": clean_found, "stained": got.found, "inter": int((pred & truth).sum())}
        rec["served"]["union"] = int((pred | truth).sum())
    for name, prob in (("clean", clean), ("stained", stained)):
        rec[f"{name}_score"] = stage.finding(prob, inst, rgb.shape[:2]).score
        rec[f"{name}_area"] = {}
        for t in PIXEL_THRESHOLDS:
            rec[f"{name}_area"][t] = float(((prob >= t) & garment).sum()) / n
            if name == "stained":
                pred = (outline >= t) & garment
                if served is not None and t == stage.decision["pixel_threshold"]:
                    pred = served
                rec.setdefault("inter", {})[t] = int((pred & truth).sum())
                rec.setdefault("union", {})[t] = int((pred | truth).sum())
    rec["true_pixels"] = int(truth.sum())
    return rec


def recheck(stage, inst: GarmentInstance, clean, stained, truth: np.ndarray, rec: dict) -> None:
    """Step 5 of :mod:`vision.stages.stain` as served, into ``rec``: per ``(rgb, first map)`` pair,
    ``clean_rechecked`` / ``stained_rechecked`` (a near miss found by the closer look under the
    stage's own decision), ``*_looked`` (looked at again) and, for the stained one found so, the
    ``recheck_inter`` / ``recheck_union`` of its outline with ``truth`` (bool, over the box)."""
    x0, y0, x1, y1 = inst.box
    for name, (rgb, prob) in (("clean", clean), ("stained", stained)):
        first = stage.finding(prob, inst, rgb.shape[:2])
        again = stage.rechecked_finding(rgb, inst, prob, first)
        tier = None if first.found else stage.recheck_tier(first.score)
        rec[f"{name}_looked"] = tier is not None
        rec[f"{name}_passes"] = 0 if tier is None else 1 + tier[1]
        rec[f"{name}_rechecked"] = again is not first
        if name == "stained" and again is not first:
            pred = again.mask[y0:y1, x0:x1]
            rec["recheck_inter"], rec["recheck_union"] = int((pred & truth).sum()), int((pred | truth).sum())


def collect(stage, segment, rows, seed: int = 0, log=None, zoom: bool = True) -> list[dict]:
    """:func:`photo_record` of every row."""
    out = []
    for i, row in enumerate(rows):
        out.append(photo_record(stage, segment, row.path, seed, zoom))
        if log and (i + 1) % 50 == 0:
            log(json.dumps({"photos": i + 1, "of": len(rows)}))
    return out


def summarise(records: list[dict], decision: dict, stained: frozenset[str] = frozenset()) -> dict:
    """The figures (see the module docstring) of ``records`` under ``decision``
    (``pixel_threshold``, ``score_threshold``, ``min_area``); ``stained``: stems of real stained
    photos (:func:`stained_by_eye`), left out of the false alarms."""
    t, s, a = decision["pixel_threshold"], decision["score_threshold"], decision["min_area"]
    first = [r["stained_score"] >= s and r["stained_area"][t] >= a for r in records]
    reported = [(r["clean_score"] >= s and r["clean_area"][t] >= a) or r.get("clean_rechecked", False) for r in records]
    alarms = [f for r, f in zip(records, reported) if r["stem"] not in stained]
    real = [f for r, f in zip(records, reported) if r["stem"] in stained]
    found = [f or r.get("stained_rechecked", False) for r, f in zip(records, first)]
    inter = [r["inter"][t] if f else r.get("recheck_inter", 0) for r, f in zip(records, first)]
    union = [r["union"][t] if f else r.get("recheck_union", r["true_pixels"]) for r, f in zip(records, first)]
    if records and all("served" in r for r in records):  # a file with step 2b: as served, its own decision
        served = [r["served"] for r in records]
        reported, found = [v["clean"] for v in served], [v["stained"] for v in served]
        alarms = [f for r, f in zip(records, reported) if r["stem"] not in stained]
        real = [f for r, f in zip(records, reported) if r["stem"] in stained]
        inter, union = [v["inter"] for v in served], [v["union"] for v in served]
    ious = np.array([i / max(1, u) for i, u in zip(inter, union)])
    out = {
        "n": len(records),
        "n_clean": len(alarms),
        "false_alarm_rate": float(np.mean(alarms)) if alarms else 0.0,
        "false_alarms": int(np.sum(alarms)),
        "false_alarm_rate_unchecked": float(np.mean(reported)),
        "real_stained": len(real),
        "real_stained_found": int(np.sum(real)),
        "detection_rate": float(np.mean(found)),
        "mean_iou": float(ious.mean()),
        "pixel_iou": float(sum(inter) / max(1, sum(union))),
        "mean_iou_found": float(ious[np.array(found)].mean()) if any(found) else 0.0,
    }
    kinds = sorted({r["kind"] for r in records})
    out["mean_iou_by_kind"] = {k: float(ious[[r["kind"] == k for r in records]].mean()) for k in kinds}
    small = np.array([r["true_area"] < 0.01 for r in records])
    out["mean_iou_small"] = float(ious[small].mean()) if small.any() else None  # stain < 1 % of the garment
    out["mean_iou_large"] = float(ious[~small].mean()) if (~small).any() else None
    out["stage_seconds_median"] = float(np.median([r["seconds"] for r in records]))
    zoomed = [r["zoom_seconds"] for r in records if "zoom_seconds" in r]
    out["zoom_seconds_median"] = float(np.median(zoomed)) if zoomed else None  # the found stains' second look
    if any("clean_looked" in r for r in records):  # step 5, as served under the file's own decision
        out["recheck_found"] = int(sum(r.get("stained_rechecked", False) for r in records))
        out["recheck_clean_looked"] = float(np.mean([r.get("clean_looked", False) for r in records]))
        out["recheck_clean_passes"] = float(np.mean([r.get("clean_passes", 0) for r in records]))
    out["decision"] = dict(decision)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def choose(records: list[dict], max_false_alarm: float = 0.02, stained: frozenset[str] = frozenset()) -> dict:
    """The decision with the highest mean IoU among those with a false-alarm rate at most
    ``max_false_alarm`` on ``records`` (ties: the higher score threshold; ``stained`` as in
    :func:`summarise`). Raises ValueError when none qualifies."""
    best, best_key = None, None
    for t in PIXEL_THRESHOLDS:
        for s in SCORE_THRESHOLDS:
            for a in MIN_AREAS:
                d = {"pixel_threshold": t, "score_threshold": s, "min_area": a}
                fig = summarise(records, d, stained)
                if fig["false_alarm_rate"] > max_false_alarm:
                    continue
                key = (fig["mean_iou"], s)
                if best_key is None or key > best_key:
                    best, best_key = d, key
    if best is None:
        raise ValueError(f"no decision keeps false alarms at or below {max_false_alarm}")
    return best


def choose_or_fewest_alarms(records: list[dict], max_false_alarm: float, stained: frozenset[str] = frozenset()) -> dict:
    """:func:`choose`; when no decision qualifies, the one with the fewest false alarms (then the
    highest mean IoU)."""
    try:
        return choose(records, max_false_alarm, stained)
    except ValueError:
        fewest = min(
            summarise(records, {"pixel_threshold": t, "score_threshold": s, "min_area": a}, stained)["false_alarm_rate"]
            for t in PIXEL_THRESHOLDS
            for s in SCORE_THRESHOLDS
            for a in MIN_AREAS
        )
        return choose(records, fewest, stained)


def load_stages(weights: str | Path | None, device="cpu"):
    """``(stain stage, segment stage)``; ``weights``: a stain weights *file* or a weights folder
    (default: the committed one). Raises FileNotFoundError when there is no stain model."""
    from vision.checkpoints import WEIGHTS_DIR, load_checkpoint, model_from_checkpoint
    from vision.fuse import for_inference
    from vision.stages.segment import build as build_segment
    from vision.stages.stain import StainStage

    dev = torch.device(device)
    path = Path(weights) if weights else WEIGHTS_DIR
    file = path if path.suffix == ".pt" else path / "stain.pt"
    if not file.exists():
        raise FileNotFoundError(f"no stain model at {file}")
    ckpt = load_checkpoint(file)
    model = for_inference(model_from_checkpoint(ckpt, dev))  # as served (vision.fuse)
    model.mirror = bool(ckpt["meta"].get("mirror", False))  # as vision.stages.stain.build does
    model.scales = list(ckpt["meta"].get("scales") or [])
    meta = ckpt["meta"]
    stage = StainStage(model, dev, meta.get("decision"), meta.get("zoom"), meta.get("edges"), meta.get("views"))
    seg_dir = path if path.is_dir() and (path / "segmenter.pt").exists() else WEIGHTS_DIR
    return stage, build_segment(seg_dir, dev)


def chooser_parser(doc: str) -> argparse.ArgumentParser:
    """The options every calib chooser of the stain stage takes (``vision.stain_edges``,
    ``vision.stain_views``, ``vision.stain_zoom``): ``--data``, ``--weights`` (the file whose meta is
    updated), ``--n``, ``--seed``, ``--threads``; ``doc``: the chooser's module docstring."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--data", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--weights", required=True, help="the stain weights file (its meta is updated)")
    ap.add_argument("--n", type=int, default=0, help="the first N calib photos (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    return ap


def evaluate_stains(data, split: str = "val", n: int = 0, seed: int = 0, weights=None, device="cpu") -> dict:
    """Figures of the stain stage (module docstring) on ``split`` of clothing-dataset folder ``data``."""
    stage, segment = load_stages(weights, device)
    records = collect(stage, segment, split_rows(data, split, n), seed, log=lambda s: print(s, file=sys.stderr))
    return {"split": split, "seed": seed, **summarise(records, stage.decision, stained_by_eye())}


def synthetic_photo(segment, path: str | Path, seed: int, kind: str | None = None, area: float | None = None):
    """``(stained uint8 (H, W, 3), true stain mask bool (H, W), garment instance)`` of a single-item
    photo: the served garment mask (:func:`garment_instance`) and :func:`vision.stain_synth.add_stain`."""
    rgb = np.asarray(Image.open(path).convert("RGB"))
    inst = garment_instance(segment, rgb)
    sample = add_stain(rgb, inst.mask, seed, kind=kind, area=area)
    return sample.image, sample.mask, inst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["choose", "fixture"])
    ap.add_argument("--photo", help="fixture: the clean photo")
    ap.add_argument("--kind", default=None, help="fixture: stain kind")
    ap.add_argument("--area", type=float, default=None, help="fixture: stain area, share of the garment")
    ap.add_argument("--out", help="fixture: the stained photo to write (JPEG, quality 95) and OUT.mask.png")
    ap.add_argument("--data", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--weights", default=None, help="choose: the stain weights file (its meta is updated)")
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-false-alarm", type=float, default=0.02)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mirror", choices=["on", "off"], default=None, help="choose: flip averaging, kept in the file")
    ap.add_argument(
        "--scales", default=None, help="choose: input sizes in pixels to average over, e.g. 256,384 (kept in the file)"
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from vision.checkpoints import load_checkpoint, write_checkpoint

    if args.what == "fixture":
        from vision.checkpoints import WEIGHTS_DIR
        from vision.stages.segment import build as build_segment

        segment = build_segment(WEIGHTS_DIR, torch.device("cpu"))
        image, mask, _ = synthetic_photo(segment, args.photo, args.seed, args.kind, args.area)
        Image.fromarray(image).save(args.out, quality=95)
        Image.fromarray(mask.astype(np.uint8) * 255).save(str(Path(args.out).with_suffix(".mask.png")))
        print(json.dumps({"out": args.out, "stain_pixels": int(mask.sum())}))
        return 0
    stage, segment = load_stages(args.weights)
    if args.mirror and stage.model is not None:
        stage.model.mirror = args.mirror == "on"
    scales = [int(v) for v in args.scales.split(",")] if args.scales else None
    if scales and stage.model is not None:
        stage.model.scales = scales
    # the decision is the first pass's (the zoom changes outlines only): chosen without it
    records = collect(stage, segment, split_rows(args.data, "calib", args.n), args.seed, log=print, zoom=False)
    stained = stained_by_eye()
    decision = choose_or_fewest_alarms(records, args.max_false_alarm, stained)
    ckpt = load_checkpoint(args.weights)
    ckpt["meta"]["decision"] = decision
    if args.mirror:
        ckpt["meta"]["mirror"] = args.mirror == "on"
    if scales:
        ckpt["meta"]["scales"] = scales
    ckpt["meta"]["calib"] = summarise(records, decision, stained)
    write_checkpoint(args.weights, ckpt)
    print(json.dumps(ckpt["meta"]["calib"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
