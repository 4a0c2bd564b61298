"""Every figure of issue 16's goals table: same-garment retrieval, duplicate warnings, same-photo
hashes, corrections that stick, and the ``embed`` stage's time.

    PYTHONPATH=. python -m bench.similarity --data ../shared/datasets/clothing-dataset --split val \
        --cache runs/retrieval_cache_val.pkl --threads 2

The accuracy figures are :func:`vision.retrieval.evaluate_retrieval` (its docstring says how the
closet of 500 garments, the re-shoots, re-uploads and corrections are made from the photos of
held-out contributors; ``--cache`` reuses the analyses a ``python -m vision.evaluate retrieval`` run
kept). The speed is measured here, apart from the rest: for ``--speed-photos`` photos of the split,
the pipeline runs up to ``cutout``; then the ``embed`` stage alone runs ``--repeat`` times on that
photo's garments, and the best of those runs, divided by the number of garments, is the photo's
seconds per garment: wall time (``time.perf_counter``) and this process's CPU time
(``time.process_time``, all threads together). Prints the table (Markdown) and one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from vision import datasets, taxonomy
from vision.inference import load_pipeline
from vision.retrieval import evaluate_retrieval, load_photo

GOALS = {
    "Recall@1": 0.90,
    "Recall@5": 0.98,
    "duplicate precision": 0.95,
    "duplicate recall": 0.90,
    "corrections gain (points)": 5.0,
}


def embed_speed(pipeline, data: Path, split: str, n: int, repeat: int) -> dict:
    """Median and p95 seconds per garment of the ``embed`` stage alone (wall and CPU), over the
    first ``n`` labelled photos of ``split`` (see the module docstring)."""
    rows = [r for r in datasets.read_clothing(data) if taxonomy.CLOTHING_TO_TYPE.get(r.label)]
    rows = [r for r in rows if split == "all" or datasets.clothing_split(r.sender_id) == split][:n]
    embed = pipeline.stage("embed")
    before = pipeline.names[: pipeline.names.index("embed")]
    wall, cpu = [], []
    for r in rows:
        ctx = pipeline.preprocess(load_photo(r.path))
        for name in before:
            pipeline.stage(name)(ctx)
        count = max(1, len(ctx.analysis.instances))
        best_wall = best_cpu = float("inf")
        for _ in range(repeat):
            w, c = time.perf_counter(), time.process_time()
            embed(ctx)
            best_wall = min(best_wall, time.perf_counter() - w)
            best_cpu = min(best_cpu, time.process_time() - c)
        wall.append(best_wall / count)
        cpu.append(best_cpu / count)
    return {
        "n_photos": len(rows),
        "wall_median": float(np.median(wall)),
        "wall_p95": float(np.percentile(wall, 95)),
        "cpu_median": float(np.median(cpu)),
        "threads": torch.get_num_threads(),
    }


def table(res: dict, speed: dict) -> str:
    """The goals table (Markdown) of an :func:`evaluate_retrieval` result and :func:`embed_speed`."""
    dup = res["duplicate_cutout"]
    rows = [
        ("Recall@1", res["retrieval_cutout"]["recall_at_1"], f"box crop: {res['retrieval_box']['recall_at_1']}"),
        ("Recall@5", res["retrieval_cutout"]["recall_at_5"], f"box crop: {res['retrieval_box']['recall_at_5']}"),
        ("duplicate precision", dup["all"]["precision"], _split(dup, "precision")),
        ("duplicate recall", dup["all"]["recall"], _split(dup, "recall")),
        (
            "corrections gain (points)",
            res["replay"]["gain_points"],
            f"top-1 {res['replay']['model_top1']} -> {res['replay']['rerank_top1']}, "
            f"{res['replay']['n_new_photos']} new photos of {res['replay']['users']} people",
        ),
    ]
    lines = ["| figure | ours | goal | note |", "| --- | --- | --- | --- |"]
    for name, value, note in rows:
        lines.append(f"| {name} | {value} | >= {GOALS[name]} | {note} |")
    ph = res["phash"]
    lines.append(
        f"| same photo (pHash <= {ph['max_distance']}): recall / false matches | {ph['recall']} / "
        f"{ph['false_matches']} of {ph['n_different_pairs']} pairs | — | re-uploads up to "
        f"{ph['max_reupload_distance']}, different photos from {ph['min_different_distance']} |"
    )
    lines.append(
        f"| embed stage, seconds per garment ({speed['threads']} threads) | {speed['wall_median']:.4f} "
        f"(p95 {speed['wall_p95']:.4f}) | <= 0.05 | CPU time {speed['cpu_median']:.4f} s; in the pipeline "
        f"runs: median {res['embed_seconds']['median']} |"
    )
    return "\n".join(lines)


def _split(dup: dict, key: str) -> str:
    shots, uploads = dup["reshoots"][key], dup["reuploads"][key]
    return f"re-shoots {shots}, re-uploads {uploads} (duplicate score >= {dup['threshold']})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="clothing-dataset folder")
    ap.add_argument("--split", choices=["all", "val", "calib"], default="val")
    ap.add_argument("--cache", default=None, help="file of kept analyses (as vision.evaluate retrieval --cache)")
    ap.add_argument("--queries", type=int, default=150)
    ap.add_argument("--closet-size", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--speed-photos", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=None, help="write the result here as JSON")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    pipeline = load_pipeline(device="cpu")
    data = Path(args.data)
    res = evaluate_retrieval(
        pipeline,
        data,
        args.split,
        closet_size=args.closet_size,
        n_queries=args.queries,
        seed=args.seed,
        limit=args.limit,
        cache=args.cache,
    )
    speed = embed_speed(pipeline, data, args.split, args.speed_photos, args.repeat)
    print(table(res, speed))
    out = {"retrieval": res, "embed_speed": speed}
    print(json.dumps(out))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
