"""Benchmark the whole photo path, decode to rows written, on a folder of real photos.

    python -m bench.pipeline --photos ../shared/datasets/ccp/photos \
        --photos ../shared/datasets/clothing-dataset/images --n 50 --threads 2 [--device cuda]

What one photo costs, timed per photo with ``time.perf_counter`` (seconds):

* ``upload``: ``wardrobe.closet.services.photo_create``: read the bytes, decode and validate them, store the
  file, write the ``Photo`` row (what the web process does on upload);
* ``process``: ``wardrobe.closet.services.process_photo``: open the stored file, decode it, run the vision
  pipeline (preprocess, detector, classifier, postprocess with masks, cutouts and colours), write
  each garment's mask and cutout PNG and its ``Garment`` row (what the worker does);
* ``total`` = upload + process. The Celery hop between the two (queue latency) is not counted: the
  worker's work is run inline in this process, and nothing is sent to a broker.

Photos: ``--n`` of them, spread evenly over each ``--photos`` folder (``*.jpg``, recursive) and
interleaved, plus one more first as the warm-up, which is not counted. The pipeline is loaded once,
as a worker process loads it. The database is a fresh SQLite file in a temporary folder unless
``--database-url`` names another (it is migrated; a PostgreSQL database should be a scratch one).

Prints one JSON object: photo count, device, threads, model load seconds, median / p95 / mean
seconds per photo for total, upload and process, the same for each pipeline stage (``stage_seconds``,
the ``segment`` stage being the learned cutout), garments per photo, peak resident memory of the
process (MiB, ``getrusage`` ``ru_maxrss``) and, on CUDA, peak allocated GPU memory (MiB).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path


def pick_photos(folders: list[str], n: int) -> list[Path]:
    """``n + 1`` photo paths spread evenly over each folder and interleaved (the first is the warm-up).

    Raises ``SystemExit`` when a folder holds no ``.jpg``.
    """
    per = math.ceil((n + 1) / len(folders))
    lists = []
    for folder in folders:
        paths = sorted(Path(folder).rglob("*.jpg"))
        if not paths:
            raise SystemExit(f"no .jpg photos under {folder}")
        step = max(1, len(paths) // per)
        lists.append(paths[::step][:per])
    out = [p for group in zip(*lists) for p in group]
    return out[: n + 1]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100) of ``values`` (seconds)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 3),
        "p95": round(percentile(values, 95), 3),
        "mean": round(statistics.fmean(values), 3),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", action="append", required=True, help="folder of .jpg photos (repeatable)")
    ap.add_argument("--n", type=int, default=50, help="photos timed (after one warm-up photo)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    ap.add_argument("--weights", default=None, help="weights folder (default: the committed vision/weights)")
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="wardrobe-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{tmp.name}/media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))  # production settings (DEBUG off)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django
    import torch

    torch.set_num_threads(args.threads)
    # The worker's work runs inline below, so nothing is sent to a broker on commit.
    os.environ["PHOTO_QUEUE_BACKEND"] = "wardrobe.closet.queue.NoQueue"
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from vision.inference import load_pipeline
    from wardrobe.closet import services
    from wardrobe.closet.models import Garment
    from workers.runtime import release_memory

    call_command("migrate", verbosity=0)
    owner, _ = get_user_model().objects.get_or_create(username="bench")

    paths = pick_photos(args.photos, args.n)
    t = time.perf_counter()
    pipeline = load_pipeline(args.weights, args.device)
    load_s = time.perf_counter() - t
    cuda = pipeline.device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    upload, process, total, garments = [], [], [], []
    stages: dict[str, list[float]] = {}
    last: list[dict] = []

    def timed(image):  # the pipeline, keeping each photo's per-stage wall times
        analysis = pipeline(image)
        last[:] = [analysis.seconds]
        return analysis

    for i, path in enumerate(paths):
        t0 = time.perf_counter()
        photo = services.photo_create(owner=owner, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()))
        t1 = time.perf_counter()
        photo = services.process_photo(photo.pk, timed)
        release_memory()  # as the worker does after each task
        if cuda:
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        if photo.status != photo.Status.DONE:
            raise SystemExit(f"{path.name}: processing failed: {photo.error}")
        if i:  # the first photo is the warm-up
            upload.append(t1 - t0)
            process.append(t2 - t1)
            total.append(t2 - t0)
            garments.append(Garment.objects.filter(photo=photo).count())
            for name, sec in last[0].items():
                stages.setdefault(name, []).append(sec)
    result = {
        "photos": len(total),
        "device": str(pipeline.device),
        "threads": args.threads,
        "database": os.environ["DATABASE_URL"].split(":", 1)[0],
        "load_seconds": round(load_s, 3),
        "total_seconds": summary(total),
        "upload_seconds": summary(upload),
        "process_seconds": summary(process),
        "stage_seconds": {name: summary(values) for name, values in stages.items()},
        "garments_per_photo": round(statistics.fmean(garments), 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if cuda:
        result["peak_cuda_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    print(json.dumps(result))
    tmp.cleanup()


if __name__ == "__main__":
    main()
