"""Time the serving pipeline on real photos and print the figures.

    python -m vision.benchmark --photos ../shared/datasets/clothing-dataset/images --n 50 --threads 2

For each photo: decode (PIL open + EXIF transpose + RGB), then the pipeline (preprocess, detector,
classifier, postprocess with masks, cutouts and colours). Prints the median and 90th percentile
wall time per photo in seconds, the model load time, and peak resident memory (MiB). The models
are loaded once and warmed up on one photo first, as a worker process does.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

import torch
from PIL import Image, ImageOps

from vision.inference import load_pipeline


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", required=True, help="folder of .jpg photos (searched recursively)")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default=None)
    ap.add_argument("--weights", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    paths = sorted(Path(args.photos).rglob("*.jpg"))[: args.n + 1]
    t = time.perf_counter()
    pipeline = load_pipeline(args.weights, args.device)
    load_s = time.perf_counter() - t
    times, counts = [], []
    for i, path in enumerate(paths):
        t = time.perf_counter()
        image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        instances = pipeline(image)
        if i:  # the first photo is the warm-up
            times.append(time.perf_counter() - t)
            counts.append(len(instances))
    times.sort()
    result = {"photos": len(times), "device": str(pipeline.device), "threads": args.threads,
              "load_seconds": round(load_s, 3), "median_seconds": round(statistics.median(times), 3),
              "p90_seconds": round(times[int(0.9 * (len(times) - 1))], 3),
              "garments_per_photo": round(sum(counts) / len(counts), 2),
              "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
