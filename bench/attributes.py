"""Benchmark the garment-detail stages (``attributes``, and ``stain`` when the pipeline has it): seconds
per garment, in the serving pipeline, on real photos.

    python -m bench.attributes --photos ../shared/datasets/clothing-dataset/images \
        --photos ../shared/datasets/ccp/photos --n 40 --threads 2

The pipeline (:func:`vision.inference.load_pipeline`, committed weights) runs on ``--n`` photos spread
evenly over each folder and interleaved (:func:`bench.pipeline.pick_photos`; one more first as the
warm-up, not counted). Each stage's wall time per photo is the pipeline's own
(``PhotoAnalysis.seconds``, ``time.perf_counter``); a stage's seconds per garment is its total time
over the photos divided by the garments they held (all garments of a photo go through the stage in
one batch). Prints one JSON object: photos, garments, threads, per stage ``seconds_per_garment`` and
``seconds_per_photo`` (median), and ``details_seconds_per_garment``, the sum over the detail stages
(the issue's goal: at most 0.15 s on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

DETAIL_STAGES = ("attributes", "stain")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", action="append", required=True, help="folder of .jpg photos (repeatable)")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--weights", default=None, help="weights folder (default: the committed vision/weights)")
    args = ap.parse_args(argv)

    import torch
    from PIL import Image, ImageOps

    from bench.pipeline import pick_photos
    from vision.inference import load_pipeline

    torch.set_num_threads(args.threads)
    pipeline = load_pipeline(args.weights, args.device)
    stages = [s for s in DETAIL_STAGES if s in pipeline.names]
    if "attributes" in stages and pipeline.stage("attributes").model is None:
        raise SystemExit("the attributes stage has no weights (attributes.pt)")
    totals = {s: 0.0 for s in stages}
    per_photo = {s: [] for s in stages}
    garments = 0
    paths = pick_photos(args.photos, args.n)
    for i, path in enumerate(paths):
        with Image.open(path) as img:
            image = ImageOps.exif_transpose(img).convert("RGB")
        analysis = pipeline(image)
        if i == 0:
            continue  # warm-up
        garments += len(analysis)
        for s in stages:
            totals[s] += analysis.seconds[s]
            per_photo[s].append(analysis.seconds[s])
    result = {
        "photos": len(paths) - 1,
        "garments": garments,
        "threads": args.threads,
        "device": args.device,
        "stages": {
            s: {
                "seconds_per_garment": round(totals[s] / max(1, garments), 4),
                "seconds_per_photo_median": round(statistics.median(per_photo[s]), 4) if per_photo[s] else None,
            }
            for s in stages
        },
        "details_seconds_per_garment": round(sum(totals.values()) / max(1, garments), 4),
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
