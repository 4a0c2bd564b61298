"""Seconds per forward pass of each committed model, as loaded before and after
:func:`vision.fuse.for_inference` (batch norms folded into the convolutions, channels-last weights),
and how far the answers move.

    PYTHONPATH=. python -m bench.fuse --photos ../shared/datasets/clothing-dataset/images --n 10 --threads 2

For each of ``--n`` photos (file order) and each weights file of ``--weights`` (default: the committed
ones), the photo letterboxed to the model's input size (the detector: its work size, as the ``detect``
stage feeds it) goes through the plain model and the prepared one ``--repeat`` times each, alternately;
a photo's time is the best of its runs (``time.perf_counter``, wall). Prints one JSON object per model:
``plain_seconds`` and ``fused_seconds`` (median over the photos), ``speedup`` (their ratio) and
``max_abs_difference`` (largest absolute difference of any output value: probabilities, logits,
detector boxes in pixels of the work image).
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

import torch
from PIL import Image

from vision import presets
from vision.checkpoints import WEIGHTS_DIR, load_model
from vision.fuse import for_inference

MODELS = ("classifier", "detector", "segmenter", "attributes", "attributes_top", "attributes_centre", "stain")
DETECTOR_WORK_SIZE = 448  # pixels, long side (the detect stage's default work size)


def flatten(out) -> torch.Tensor:
    """Every floating-point value of a model's output (tensor, tuple, list or dict) as one 1-d tensor;
    the detector's per-image dicts give their ``boxes`` and ``scores``."""
    if isinstance(out, torch.Tensor):
        return out.detach().float().flatten()
    if isinstance(out, dict):
        keys = ["boxes", "scores"] if "boxes" in out else sorted(out)
        return torch.cat([flatten(out[k]) for k in keys])
    return torch.cat([flatten(o) for o in out])


def runner(name: str, model, photo: Image.Image):
    """A no-argument function running ``model`` (the file ``name``) once on ``photo``."""
    if name == "detector":
        work = presets.letterbox(photo, DETECTOR_WORK_SIZE)
        x = presets.to_uint8_chw(work).float().div_(255)
        return lambda: model([x])[0]
    x = model.prepare(presets.to_uint8_chw(presets.letterbox(photo, model.input_size))[None])
    return lambda: model.predict(x)


def best_of(fn, repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls of ``fn`` (after one warm-up call), seconds."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@torch.no_grad()
def bench_model(path: Path, photos: list[Image.Image], repeat: int) -> dict:
    """Times and largest output difference of the model in ``path``, plain and prepared, on ``photos``."""
    name = path.stem
    plain = load_model(path, "cpu")
    fused = for_inference(copy.deepcopy(plain))
    plain_t, fused_t, diff = [], [], 0.0
    for photo in photos:
        run_plain, run_fused = runner(name, plain, photo), runner(name, fused, photo)
        a, b = flatten(run_plain()), flatten(run_fused())
        diff = max(diff, float((a - b).abs().max()) if a.shape == b.shape and a.numel() else float("inf"))
        plain_t.append(best_of(run_plain, repeat))
        fused_t.append(best_of(run_fused, repeat))
    p, f = statistics.median(plain_t), statistics.median(fused_t)
    return {
        "model": name,
        "plain_seconds": round(p, 4),
        "fused_seconds": round(f, 4),
        "speedup": round(p / f, 2),
        "max_abs_difference": diff,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", required=True, help="folder of photos")
    parser.add_argument("--n", type=int, default=10, help="photos, in file order")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weights", default=str(WEIGHTS_DIR))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    files = sorted(p for p in Path(args.photos).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    photos = [Image.open(p).convert("RGB") for p in files[: args.n]]
    if not photos:
        parser.error(f"no photos in {args.photos}")
    for name in MODELS:
        path = Path(args.weights) / f"{name}.pt"
        if path.exists():
            print(json.dumps(bench_model(path, photos, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
