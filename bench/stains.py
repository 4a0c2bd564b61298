"""Seconds per garment of the ``stain`` stage (issue 17's goal: attributes + stain <= 0.15 s per garment
on 2 CPU cores, so about 0.07 s for the stain stage).

    PYTHONPATH=. python -m bench.stains --clothing ../shared/datasets/clothing-dataset \
        --ccp ../shared/datasets/ccp --photos 40 --threads 2

For ``--photos`` photos of the validation split of each dataset (clothing-dataset: single items;
CCP: garments worn, several per photo), the pipeline runs up to ``classify`` (the stages whose masks
the stain stage reads); then the ``stain`` stage alone runs ``--repeat`` times on that photo's
garments (one batch), and the best run divided by the number of garments is the photo's seconds per
garment: wall time (``time.perf_counter``) and this process's CPU time (``time.process_time``, all
threads). Prints one JSON object: median and p95 per dataset and over all photos.

    PYTHONPATH=. python -m bench.stains --sizes 256,288,320,352,384 --threads 2

``--sizes``: instead, the model's forward pass alone (no pre- or postprocessing) on one garment-sized
uint8 input of each size in pixels, the sizes interleaved ``--repeat`` times after one warm-up each;
prints the median and least seconds per size (what a size in ``meta["scales"]`` costs).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import datasets
from vision.inference import load_pipeline

BEFORE = ("scene", "detect", "segment", "classify")


def photo_paths(clothing: str | None, ccp: str | None, n: int) -> dict[str, list[Path]]:
    """Up to ``n`` validation photos of each dataset given, in file order."""
    out = {}
    if clothing:
        rows = [r for r in datasets.read_clothing(clothing) if datasets.clothing_split(r.sender_id) == "val"]
        out["clothing"] = [r.path for r in rows if r.label not in ("Skip", "Not sure")][:n]
    if ccp:
        out["ccp"] = [
            Path(ccp) / "photos" / f"{s}.jpg" for s in datasets.ccp_photo_stems(ccp) if datasets.ccp_split(s) == "val"
        ][:n]
    return out


def forward_seconds(model, sizes: list[int], repeat: int) -> dict:
    """``{size: {"median", "min"}}``: seconds of ``model.predict`` on one (1, 3, size, size) input,
    the sizes interleaved ``repeat`` times after one warm-up pass each."""
    gen = torch.Generator().manual_seed(0)
    xs = {s: model.prepare(torch.randint(0, 256, (1, 3, s, s), generator=gen, dtype=torch.uint8)) for s in sizes}
    times: dict[int, list[float]] = {s: [] for s in sizes}
    with torch.no_grad():
        for s in sizes:
            model.predict(xs[s])
        for _ in range(repeat):
            for s in sizes:
                start = time.perf_counter()
                model.predict(xs[s])
                times[s].append(time.perf_counter() - start)
    return {s: {"median": round(float(np.median(t)), 4), "min": round(min(t), 4)} for s, t in times.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clothing", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--ccp", default="../shared/datasets/ccp")
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--weights", default=None)
    ap.add_argument("--sizes", default=None, help="comma-separated input sizes: time the forward pass alone")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.sizes:
        from vision.checkpoints import WEIGHTS_DIR
        from vision.stages.stain import build

        stain = build(Path(args.weights or WEIGHTS_DIR), torch.device("cpu"))
        if stain.model is None:
            raise SystemExit("no stain.pt in the weights folder")
        sizes = [int(v) for v in args.sizes.split(",")]
        print(json.dumps({"threads": args.threads, "seconds": forward_seconds(stain.model, sizes, args.repeat)}))
        return 0
    pipeline = load_pipeline(args.weights, "cpu", stages=(*BEFORE, "stain"))
    stain = pipeline.stage("stain")
    if stain.model is None:
        raise SystemExit("no stain.pt in the weights folder")
    result: dict = {"threads": args.threads, "repeat": args.repeat, "input_size": stain.model.input_size}
    every_wall, every_cpu = [], []
    for name, paths in photo_paths(args.clothing, args.ccp, args.photos).items():
        wall, cpu, garments = [], [], 0
        for path in paths:
            ctx = pipeline.preprocess(Image.open(path))
            for stage in pipeline.stages[:-1]:
                stage(ctx)
            n = len(ctx.analysis.instances)
            if not n:
                continue
            best_wall = best_cpu = float("inf")
            for _ in range(args.repeat):
                w0, c0 = time.perf_counter(), time.process_time()
                stain(ctx)
                best_wall = min(best_wall, time.perf_counter() - w0)
                best_cpu = min(best_cpu, time.process_time() - c0)
            wall.append(best_wall / n)
            cpu.append(best_cpu / n)
            garments += n
        every_wall += wall
        every_cpu += cpu
        result[name] = {
            "photos": len(wall),
            "garments": garments,
            "seconds_per_garment_median": round(float(np.median(wall)), 4),
            "seconds_per_garment_p95": round(float(np.percentile(wall, 95)), 4),
            "cpu_seconds_per_garment_median": round(float(np.median(cpu)), 4),
        }
    result["all"] = {
        "seconds_per_garment_median": round(float(np.median(every_wall)), 4),
        "seconds_per_garment_p95": round(float(np.percentile(every_wall, 95)), 4),
        "cpu_seconds_per_garment_median": round(float(np.median(every_cpu)), 4),
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
