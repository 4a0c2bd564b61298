"""How many strokes the cutout editor needs to fix the model's broken cutouts, without a browser.

    python -m bench.cutout_strokes --datasets ../shared/datasets --split calib

The photos and the person are those of ``bench.bulk_entry`` (its ground truth, its decisions and its
strokes: ``bench.bulk_entry_kit``), on one split: the checked single-item references of ``--split``
and ``--streets`` CCP photos of the same split. The serving pipeline (scene, detect, segment,
classify) names and cuts out each photo's garments; :func:`bench.bulk_entry_kit.plan` says which
cutouts the person fixes. Each fix is then replayed as ``bench.bulk_entry.fix_cutout`` does it: per
round an erase stroke along the centre line of the largest wrongly included region and a keep stroke
along the largest missed one, the brush as wide as the bench sets it (screen pixels 4-60 on a canvas
``--canvas`` pixels wide, the editor's range), painted as ``static/js/fix.js`` paints (round caps, photo
pixels), then the mask recomputed as the web process does (``vision.refine.refine_mask`` seeded by the
current mask), at most 3 rounds, back to the model's mask when the fix ended worse.

Two ways of fixing (``--policy``): ``strokes`` (the above) and ``box-first``: first a box drawn
around the garment (its reference's box, as ``bench.bulk_entry`` draws a missed garment's) in the
editor's "Box" mode, which cuts the garment out again inside it (``vision.refine.recut_in_box``);
when that is not yet right, "Undo" if it made things worse, then the stroke rounds.

Prints one JSON object per policy: ``fixes``, ``strokes``, ``rounds``, ``boxes``, ``fixed`` (fixes
that ended at the target IoU: 0.8 for a single item, 0.5 for a street garment), ``mean_iou_before`` /
``mean_iou_after`` and ``fix_seconds``: the Keystroke-Level Model seconds of the fixing (the operators
of ``bench.bulk_entry_kit.Person``; a brush change counted as one click on the slider's track and
two arrow keys). The pipeline's garments are kept in ``--cache`` between runs.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from bench import bulk_entry_kit as kit
from vision import datasets as ds
from vision import taxonomy
from vision.refine import recut_in_box, refine_mask

REPO = Path(__file__).resolve().parent.parent
STAGES = ("scene", "detect", "segment", "classify")
M, P, B, K = kit.M, kit.P, kit.B, kit.K


def truths(datasets: Path, references: Path, split: str, n_streets: int) -> list[kit.Truth]:
    """The checked single-item references of ``split`` and ``n_streets`` CCP photos of it (evenly
    spread over the split's photos), masks loaded."""
    out = []
    for entry in json.loads((references / "spec.json").read_text()):
        stem, ref = entry["stem"], references / f"{entry['stem']}.png"
        photo = datasets / "clothing-dataset" / "images" / f"{stem}.jpg"
        ok = entry.get("split") == split and entry.get("checked") and ref.exists() and photo.exists()
        if ok and taxonomy.CLOTHING_TO_TYPE.get(entry["label"]):
            out.append(kit.Truth(photo, True, stem, label=entry["label"], reference=ref))
    root = datasets / "ccp"
    streets = [s for s in ds.ccp_photo_stems(root) if ds.ccp_split(s) == split]
    picked = [streets[i * len(streets) // n_streets] for i in range(min(n_streets, len(streets)))]
    out += [kit.Truth(root / "photos" / f"{s}.jpg", False, s) for s in picked]
    return [t.load(datasets) for t in out]


def model_garments(truth_list: list[kit.Truth], cache: Path | None, threads: int) -> dict[str, tuple]:
    """stem -> (uint8 RGB photo, [{"id", "category", "mask"}]) from the serving pipeline."""
    stored = pickle.loads(cache.read_bytes()) if cache and cache.exists() else {}
    todo = [t for t in truth_list if t.stem not in stored]
    if todo:
        import torch

        from vision.inference import load_pipeline

        torch.set_num_threads(threads)
        pipe = load_pipeline(stages=STAGES, device="cpu")
        for t in todo:
            image = ImageOps.exif_transpose(Image.open(t.path)).convert("RGB")
            analysis = pipe(image)
            garments = [
                {"id": k, "category": inst.category, "mask": inst.mask.copy()}
                for k, inst in enumerate(analysis.instances)
            ]
            stored[t.stem] = (np.asarray(image), garments)
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps(stored))
    return {t.stem: stored[t.stem] for t in truth_list}


def paint(points: list[tuple[float, float]], width: float, shape: tuple[int, int]) -> np.ndarray:
    """bool (H, W): a polyline through ``points`` (photo pixels) with a round brush ``width`` pixels wide."""
    canvas = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(points)).astype(np.int32)
    thick = max(1, round(width))
    if len(pts) > 1:
        cv2.polylines(canvas, [pts.reshape(-1, 1, 2)], False, 1, thickness=thick)
    for x, y in pts:
        cv2.circle(canvas, (int(x), int(y)), max(1, thick // 2), 1, -1)
    return canvas.astype(bool)


def replay_fix(rgb: np.ndarray, mask: np.ndarray, ref: np.ndarray, target: float, policy: str, canvas: int) -> dict:
    """One cutout fixed as ``bench.bulk_entry.fix_cutout`` fixes it; the KLM seconds counted."""
    h, w = ref.shape
    scale = canvas / w
    start = now = kit.iou(mask, ref)
    model = mask
    seconds, strokes, rounds, mode, brush_now, boxes = M + P + B, 0, 0, "keep", 18, 0
    if policy == "box-first":
        seconds += P + B + M + 2 * (P + B) + M  # the Box mode, think, drag, judge
        mode, boxes = "box", 1
        new = recut_in_box(rgb, mask, kit.box_of(ref, w, h))
        if new.any():
            mask, now = new, kit.iou(new, ref)
        if now < start:
            seconds, mask, now = seconds + P + B, model, start  # Undo
    for _ in range(3):
        if now >= target:
            break
        regions = [
            ("erase", kit.largest_region(mask & ~ref, ref.sum())),
            ("keep", kit.largest_region(ref & ~mask, ref.sum())),
        ]
        if all(r is None for _, r in regions):
            break
        painted = {"keep": None, "erase": None}
        for kind, region in regions:
            if region is None:
                continue
            points, width = kit.stroke_path(region)
            seconds += M
            if kind != mode:
                seconds, mode = seconds + P + B, kind
            want = min(60, max(4, round(width * scale)))
            if abs(want - brush_now) > 3:
                seconds, brush_now = seconds + P + B + 2 * K, want
            seconds += 2 * (P + B)
            strokes += 1
            painted[kind] = paint(points, brush_now / scale, (h, w))
        rounds += 1
        new = refine_mask(rgb, prior=mask, keep=painted["keep"], erase=painted["erase"])
        seconds += P + B + M  # Apply, then judge the new cutout
        if not new.any():
            break
        mask, now = new, kit.iou(new, ref)
    if now < start:
        seconds, mask, now = seconds + P + B, model, start
    seconds += P + B  # Done
    out = {"start": start, "end": now, "strokes": strokes, "rounds": rounds, "seconds": seconds, "ok": now >= target}
    return out | {"boxes": boxes}


def run(data: dict, truth_list: list[kit.Truth], policy: str, canvas: int) -> dict:
    fixes = []
    for t in truth_list:
        rgb, garments = data[t.stem]
        h, w = rgb.shape[:2]
        for it in t.items:
            it.mask = kit.fit(it.mask, w, h)
        plan = kit.plan(garments, t.items, t.single)
        by_id = {g["id"]: g for g in garments}
        for gid, i in plan.fix:
            r = replay_fix(rgb, by_id[gid]["mask"], t.items[i].mask, kit.need(t.single), policy, canvas)
            fixes.append(r | {"single": t.single, "stem": t.stem})
    n = max(1, len(fixes))
    return {
        "policy": policy,
        "fixes": len(fixes),
        "single_fixes": sum(f["single"] for f in fixes),
        "strokes": sum(f["strokes"] for f in fixes),
        "rounds": sum(f["rounds"] for f in fixes),
        "boxes": sum(f["boxes"] for f in fixes),
        "fixed": sum(f["ok"] for f in fixes),
        "mean_iou_before": round(sum(f["start"] for f in fixes) / n, 4),
        "mean_iou_after": round(sum(f["end"] for f in fixes) / n, 4),
        "fix_seconds": round(sum(f["seconds"] for f in fixes), 1),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    refs = REPO / "vision" / "references" / "single_item"
    ap.add_argument("--references", type=Path, default=refs, help="spec.json + <stem>.png")
    ap.add_argument("--split", default="calib", choices=("calib", "val"))
    ap.add_argument("--streets", type=int, default=36, help="CCP photos of the split")
    ap.add_argument("--policy", nargs="+", default=["strokes", "box-first"], choices=("strokes", "box-first"))
    ap.add_argument("--canvas", type=int, default=584, help="the editor canvas's width, screen pixels")
    ap.add_argument("--cache", type=Path, default=None, help="pickle of the pipeline's garments")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    truth_list = truths(args.datasets, args.references, args.split, args.streets)
    data = model_garments(truth_list, args.cache, args.threads)
    out = []
    for policy in args.policy:
        res = run(data, truth_list, policy, args.canvas)
        print(json.dumps(res), flush=True)
        out.append(res)
    return out


if __name__ == "__main__":
    sys.exit(main() and 0)
