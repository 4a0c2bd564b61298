"""What one upload costs the web process and the worker, and what its derived pictures cost (issue 15,
defect 3: "tiny files that cost seconds and gigabytes").

    python -m bench.upload_cost                       # every case, MAX_PHOTO_SIDE from the settings
    python -m bench.upload_cost --max-photo-side 0    # the uploads kept at full size (as before the fix)
    python -m bench.upload_cost --worker              # also the vision pipeline on each photo (slow)
    python -m bench.upload_cost --cases png-1bit-6324,phone-12mp

Inputs, made here (nothing downloaded): ``png-1bit-6324``, a 1-bit PNG of 6,324 x 6,324 pixels
saved with ``optimize`` (about 5 KB: the file of the issue); ``jpeg-24mp``, a real fixture photo
scaled to 4,000 x 6,000 pixels, JPEG quality 92; ``phone-12mp``, the same at 4,032 x 3,024 stored
sideways with EXIF orientation 6 (as phones write them); ``fixture``, ``tests/fixtures/ccp_0008.jpg``
as it is (550 x 832).

Each case runs in a fresh child process (its own Django, the same scratch SQLite database and media
folder in a temporary directory; ``PHOTO_QUEUE_BACKEND`` is ``NoQueue``, nothing is sent to a
broker), so its memory figures are its own. Figures, per case:

* ``upload``: ``services.photo_create`` (decode, check, downscale, re-encode, store, write the row):
  what the web process does for an upload;
* ``stored``: the stored copy's size in pixels and bytes;
* ``crop``: ``services.garment_photo_crop`` (the item picture of a garment shown as its photo, the
  middle 60 % of the photo) the first time (``cold``) and again (``warm``);
* ``outfit``: ``outfits.render.outfit_png`` of an outfit of three such garments, drawn cold (the
  cache emptied), again at the same width (``warm``) and at another width (``other_width``:
  ``?width=300`` after the default 600);
* ``worker`` (``--worker``): ``services.process_photo`` with the vision pipeline on the CPU, on
  ``--repeat`` more uploads of the same file (the pipeline loaded and warmed up on the fixture photo
  first, not counted): the median seconds, the highest peak, each run (with the garments it wrote)
  and the median seconds of each pipeline stage.

Seconds are wall time (``time.perf_counter``). Memory: ``peak_mib``, how far the process's resident
memory rose above where it stood before that step (Linux: the peak reset through
``/proc/self/clear_refs``, then ``VmHWM`` minus the ``VmRSS`` before; elsewhere ``ru_maxrss``).
Prints a markdown table, then one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "ccp_0008.jpg"
CASES = ("png-1bit-6324", "jpeg-24mp", "phone-12mp", "fixture")


# --- inputs (made in the parent process) ---------------------------------------------------------------------


def make_input(case: str) -> tuple[bytes, str]:
    """``(file bytes, file name)`` of ``case`` (one of :data:`CASES`). Raises ``KeyError`` for another."""
    from PIL import Image

    buf = io.BytesIO()
    if case == "png-1bit-6324":
        Image.new("1", (6324, 6324)).save(buf, format="PNG", optimize=True)
        return buf.getvalue(), "tiny-huge.png"
    if case == "fixture":
        return FIXTURE.read_bytes(), FIXTURE.name
    with Image.open(FIXTURE) as img:
        rgb = img.convert("RGB")
    if case == "jpeg-24mp":
        rgb.resize((4000, 6000), Image.Resampling.BICUBIC).save(buf, format="JPEG", quality=92)
        return buf.getvalue(), "camera-24mp.jpg"
    if case == "phone-12mp":
        exif = Image.Exif()
        exif[0x0112] = 6  # the camera held upright: the pixels are stored turned 90 degrees
        sideways = rgb.resize((3024, 4032), Image.Resampling.BICUBIC).transpose(Image.Transpose.ROTATE_90)
        sideways.save(buf, format="JPEG", quality=92, exif=exif.tobytes())
        return buf.getvalue(), "phone.jpg"
    raise KeyError(case)


# --- measuring (in the child process) ------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def measure(fn):
    """``(fn(), {"seconds": wall time, "peak_mib": rise of resident memory above its level before})``."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current VmRSS
        before = _status_kib("VmRSS")
    except OSError:
        before = None
    if before is None:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t
    peak = _status_kib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out, {"seconds": round(seconds, 3), "peak_mib": round(max(0, peak - before) / 1024, 1)}


def _box_instance(photo, box: tuple[int, int, int, int]):
    """A ``GarmentInstance`` for ``photo``: a box-shaped mask over ``box`` (x0, y0, x1, y1 pixels)."""
    import numpy as np
    from PIL import Image

    from vision.contract import Colour, GarmentInstance

    mask = np.zeros((photo.height, photo.width), dtype=bool)
    mask[box[1] : box[3], box[0] : box[2]] = True
    return GarmentInstance(
        box=box,
        mask=mask,
        detector_score=0.95,
        category="shirt-blouse",
        type="shirt",
        score=0.9,
        classifier_score=0.9,
        guesses=[],
        cutout=Image.new("RGBA", (box[2] - box[0], box[3] - box[1]), (20, 30, 120, 255)),
        colors=[Colour(name="navy", rgb=(20, 30, 120), hex="#141e78", fraction=1.0)],
    )


def child(case: str, input_path: str, worker: bool, threads: int, repeat: int = 1) -> dict:
    """Run one case in this (fresh) process; returns its figures."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wardrobe.closet import services
    from wardrobe.closet.models import Garment
    from wardrobe.outfits import render as outfit_render
    from wardrobe.outfits import services as outfit_services

    owner, _ = get_user_model().objects.get_or_create(username=f"bench-{case}")
    data = Path(input_path).read_bytes()
    out: dict = {"case": case, "input_bytes": len(data), "max_photo_side": getattr(settings, "MAX_PHOTO_SIDE", None)}

    photo, out["upload"] = measure(
        lambda: services.photo_create(owner=owner, uploaded_file=SimpleUploadedFile(Path(input_path).name, data))
    )
    out["stored"] = {"width": photo.width, "height": photo.height, "bytes": photo.image.size}

    w, h = photo.width, photo.height
    middle = Garment(photo=photo, owner=owner, x0=w // 5, y0=h // 5, x1=4 * w // 5, y1=4 * h // 5)
    _, cold = measure(lambda: services.garment_photo_crop(garment=middle, max_side=800))
    _, warm = measure(lambda: services.garment_photo_crop(garment=middle, max_side=800))
    out["crop"] = {"cold": cold, "warm": warm}

    boxes = [(w // 5, h // 10, 4 * w // 5, h // 2), (w // 4, h // 2, 3 * w // 4, 9 * h // 10), (0, 0, w // 3, h // 3)]
    garments = []
    for box in boxes:
        g = services.garment_create(photo=photo, status=Garment.Status.CLOSET, instance=_box_instance(photo, box))
        garments.append(services.garment_update(garment=g, picture=Garment.Picture.PHOTO))
    outfit = outfit_services.outfit_create(
        owner=owner, name=f"Bench {case}", items=[{"garment": g.pk} for g in garments]
    )
    cache.clear()
    _, cold = measure(lambda: outfit_render.outfit_png(outfit, width=600))
    _, warm = measure(lambda: outfit_render.outfit_png(outfit, width=600))
    _, other = measure(lambda: outfit_render.outfit_png(outfit, width=300))
    out["outfit"] = {"cold": cold, "warm": warm, "other_width": other}

    if worker:
        import torch

        from vision.inference import load_pipeline
        from workers.runtime import release_memory

        torch.set_num_threads(threads)
        pipeline = load_pipeline(device="cpu")
        warmup = services.photo_create(owner=owner, uploaded_file=SimpleUploadedFile("w.jpg", FIXTURE.read_bytes()))
        services.process_photo(warmup.pk, pipeline)
        release_memory()
        runs, stages = [], {}

        def timed(image):  # the pipeline, keeping its per-stage wall times
            analysis = pipeline(image)
            for name, sec in analysis.seconds.items():
                stages.setdefault(name, []).append(sec)
            return analysis

        for _ in range(repeat):
            fresh = services.photo_create(owner=owner, uploaded_file=SimpleUploadedFile(Path(input_path).name, data))
            done, figures = measure(lambda pk=fresh.pk: services.process_photo(pk, timed))
            release_memory()  # as the worker does after each task
            figures.update(status=done.status, garments=done.garments.count())
            runs.append(figures)
        out["worker"] = {
            "seconds": round(statistics.median(r["seconds"] for r in runs), 3),
            "peak_mib": max(r["peak_mib"] for r in runs),
            "runs": runs,
            "stage_seconds": {name: round(statistics.median(v), 3) for name, v in stages.items()},
        }
    return out


# --- the parent ------------------------------------------------------------------------------------------------


def _row(r: dict) -> str:
    def f(m: dict | None) -> str:
        return f"{m['seconds']:.3f} s / {m['peak_mib']:.0f} MiB" if m else "-"

    s = r["stored"]
    return (
        f"| {r['case']} | {r['input_bytes']:,} | {f(r['upload'])} | {s['width']}x{s['height']}, {s['bytes']:,} B | "
        f"{f(r['crop']['cold'])} | {r['crop']['warm']['seconds']:.3f} s | {f(r['outfit']['cold'])} | "
        f"{r['outfit']['warm']['seconds']:.3f} s | {r['outfit']['other_width']['seconds']:.3f} s | "
        f"{f(r.get('worker'))} |"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma separated, of {', '.join(CASES)}")
    ap.add_argument("--max-photo-side", type=int, default=None, help="MAX_PHOTO_SIDE for the run (0: off)")
    ap.add_argument("--worker", action="store_true", help="also run the vision pipeline on each photo")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (--worker)")
    ap.add_argument("--repeat", type=int, default=3, help="photos processed per case (--worker)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.child, args.input, args.worker, args.threads, args.repeat)))
        return 0

    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(cases) - set(CASES)
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="wardrobe-upload-cost-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wardrobe.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "CACHE_URL": "locmemcache://",
            "PHOTO_QUEUE_BACKEND": "wardrobe.closet.queue.NoQueue",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(32),
            "DEBUG": "0",
        }
        if args.max_photo_side is not None:
            env["MAX_PHOTO_SIDE"] = str(args.max_photo_side)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        results = []
        for case in cases:
            data, name = make_input(case)
            path = Path(tmp) / name
            path.write_bytes(data)
            cmd = [sys.executable, "-m", "bench.upload_cost", "--child", case, "--input", str(path)]
            cmd += ["--worker", "--threads", str(args.threads), "--repeat", str(args.repeat)] if args.worker else []
            done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                sys.stderr.write(done.stderr)
                return done.returncode
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        "| case | input bytes | upload (web) | stored | crop cold | crop warm | outfit cold | outfit warm "
        "| outfit other width | worker |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(_row(r))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
