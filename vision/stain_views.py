"""Choose the stain stage's more views (step 2b of :mod:`vision.stages.stain`) on the calib split.

    python -m vision.stain_views --data ../shared/datasets/clothing-dataset --weights runs/stain_views.pt --threads 2

For every calib photo of a clothing-dataset folder (as :mod:`vision.stain_eval` reads them: the served
garment mask; the photo clean, and with the synthetic stain of seed ``seed + crc32(stem)``): the first
look's score (the file's own views, :meth:`~vision.stages.stain.StainStage.finding`) and, when it is at
least ``2 * min(THRESHOLDS) - 1`` (below that no threshold of the grid can be reached), the score of
all views (:meth:`~vision.stages.stain.StainStage.viewed`). The threshold chosen is the lowest of
:data:`THRESHOLDS` under which the clean garments found at the first look with more views are no more
than those the file's decision finds (photos seen stained by eye left out, as in
:func:`vision.stain_eval.summarise`), and which finds more stains than the decision: the same false
alarms at the first look, more stains found. It is written into the file's ``meta["views"]``
(``{"score_threshold"}``, with ``meta["views_calib"]``: the first look's figures with and without it);
``meta["views"]`` is removed when no threshold qualifies. Steps 4-6 and the recheck are left out, so
the whole stage is measured afterwards by ``python -m vision.evaluate stains``.
"""

from __future__ import annotations

import json
import sys
import zlib

import numpy as np
import torch
from PIL import Image

from vision.stain_eval import chooser_parser, garment_instance, load_stages, split_rows, stained_by_eye
from vision.stain_synth import add_stain

THRESHOLDS = tuple(round(0.7 + 0.01 * i, 2) for i in range(30))  # 0.70 .. 0.99, the views' score threshold


def view_records(stage, segment, rows, seed: int = 0, log=None) -> list[dict]:
    """Per photo: ``stem``, and for ``clean`` and ``stained``: ``(first score, all views' score or
    None when the first is below what any threshold needs)``."""
    low = 2 * min(THRESHOLDS) - 1
    probe = {"score_threshold": min(THRESHOLDS)}
    saved, stage.views = stage.views, probe
    out = []
    try:
        for i, row in enumerate(rows):
            rgb = np.asarray(Image.open(row.path).convert("RGB"))
            inst = garment_instance(segment, rgb)
            sample = add_stain(rgb, inst.mask, seed + zlib.crc32(row.path.stem.encode()))
            rec = {"stem": row.path.stem}
            for name, image in (("clean", rgb), ("stained", sample.image)):
                prob = stage.probabilities(image, [inst])[0]
                first = stage.finding(prob, inst, rgb.shape[:2])
                seen = stage.viewed(image, inst, prob, first) if first.score >= low else None
                rec[name] = (first.score, None if seen is None else seen[1].score)
            out.append(rec)
            if log and (i + 1) % 50 == 0:
                log(json.dumps({"photos": i + 1, "of": len(rows)}))
    finally:
        stage.views = saved
    return out


def figures(records: list[dict], score_threshold: float | None, first_threshold: float, stained=frozenset()) -> dict:
    """First-look ``detection`` (share of stained photos found) and ``false_alarms`` (clean garments
    found, ``stained`` stems left out) with more views at ``score_threshold`` (None: without them, the
    first score at ``first_threshold``)."""

    def found(pair) -> bool:
        first, views = pair
        if score_threshold is None:
            return first >= first_threshold
        return views is not None and views >= score_threshold

    return {
        "score_threshold": score_threshold,
        "detection": round(float(np.mean([found(r["stained"]) for r in records])), 4),
        "false_alarms": int(sum(found(r["clean"]) for r in records if r["stem"] not in stained)),
    }


def best_threshold(records: list[dict], first_threshold: float, stained=frozenset()) -> float | None:
    """The lowest threshold of :data:`THRESHOLDS` with no more false alarms than without more views
    and a higher detection; None when there is none."""
    base = figures(records, None, first_threshold, stained)
    for t in THRESHOLDS:
        f = figures(records, t, first_threshold, stained)
        if f["false_alarms"] <= base["false_alarms"] and f["detection"] > base["detection"]:
            return t
    return None


def main(argv=None) -> int:
    ap = chooser_parser(__doc__)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from vision.checkpoints import load_checkpoint, write_checkpoint

    stage, segment = load_stages(args.weights)
    records = view_records(stage, segment, split_rows(args.data, "calib", args.n), args.seed, log=print)
    stained, first_threshold = stained_by_eye(), stage.decision["score_threshold"]
    for t in THRESHOLDS:
        print(json.dumps(figures(records, t, first_threshold, stained)))
    best = best_threshold(records, first_threshold, stained)
    ckpt = load_checkpoint(args.weights)
    ckpt["meta"].pop("views", None)
    if best is not None:
        ckpt["meta"]["views"] = {"score_threshold": best}
    ckpt["meta"]["views_calib"] = {
        "without": figures(records, None, first_threshold, stained),
        "with": best and figures(records, best, first_threshold, stained),
    }
    write_checkpoint(args.weights, ckpt)
    print(json.dumps({"views": ckpt["meta"].get("views"), **ckpt["meta"]["views_calib"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
