"""Training data of the stain model: a compact pack of clean garment crops, and the samples drawn from it.

    python -m vision.stain_data --data ../shared/datasets/clothing-dataset --out data/stains/pack.pt

The pack (never committed) holds, for every clothing-dataset photo of the train and calib splits
(by contributor, :func:`vision.datasets.clothing_split`; the val split is never packed) whose
garment the committed segmenter finds: the garment's crop (its mask's box with a margin of
:data:`CROP_MARGIN` of the box's sides) re-encoded as JPEG with the long side :data:`PACK_SIZE`
pixels, and its garment mask (PNG). The mask is the segmenter's (``vision/weights/segmenter.pt``,
the ``segment`` stage without GrabCut) foreground at 0.5, holes filled; photos where it covers less
than :data:`MIN_AREA` of the photo are left out. Labels "Skip" and "Not sure" are left out (no
garment). Licence of the photos: clothing-dataset, free for any use (the datasets' README).

A training sample (:func:`draw_sample`) is one packed crop, mirrored at random, with a synthetic
stain (:mod:`vision.stain_synth`) on its garment with probability ``p_stain`` (else clean, target all
False), laid on the stage's input square (:func:`vision.presets.stain_input`): pixels off the garment painted the
neutral colour, letterboxed to ``size``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from vision import datasets, presets

PACK_SIZE = 256  # pixels, long side of a packed garment crop (default)
SEGMENT_SIZE = 320  # pixels, long side of the photo the garment mask is found on
CROP_MARGIN = 0.04  # of the box's sides, around the garment's mask
MIN_AREA = 0.03  # of the photo: smaller garment masks are not packed
NOT_GARMENTS = frozenset({"Skip", "Not sure"})


def crop_box(mask: np.ndarray, margin: float = CROP_MARGIN) -> tuple[int, int, int, int]:
    """Box (x0, y0, x1, y1; pixels, x1/y1 exclusive) of a non-empty bool mask (H, W), grown by
    ``margin`` of its sides and clipped to the mask's frame."""
    h, w = mask.shape
    x0, y0, x1, y1 = datasets.mask_box(mask)
    mx, my = round(margin * (x1 - x0)), round(margin * (y1 - y0))
    return max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)


def square_mask(mask: np.ndarray, size: int, place: tuple[int, int, int, int]) -> np.ndarray:
    """A crop's bool mask (h, w) laid on the input square as :func:`vision.presets.stain_input` lays its pixels:
    bool (size, size) (nearest-neighbour resizing)."""
    ox, oy, nw, nh = place
    out = np.zeros((size, size), bool)
    out[oy : oy + nh, ox : ox + nw] = cv2.resize(mask.astype(np.uint8), (nw, nh), interpolation=cv2.INTER_NEAREST) > 0
    return out


def _jpeg(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def _png(mask: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def garment_mask(segment_stage, rgb: np.ndarray) -> np.ndarray:
    """bool (H, W): the segmenter's foreground (probability >= 0.5) of a single-item photo, holes
    filled (``segment_stage``: a :class:`vision.stages.segment.SegmentStage`)."""
    return ndimage.binary_fill_holes(segment_stage.probabilities(rgb) >= 0.5)


def build_pack(
    data: str | Path,
    splits=("train", "calib"),
    limit: int = 0,
    log=print,
    pack_size: int = PACK_SIZE,
    source_size: int = SEGMENT_SIZE,
) -> dict:
    """The pack (see the module docstring) of clothing-dataset folder ``data``: a dict with
    ``stems``, ``splits``, ``labels`` (lists), ``jpeg`` and ``mask`` (lists of bytes), ``index_sha256``
    (hex sha256 of the stems, splits and mask bytes) and ``config``. ``limit`` > 0: at most that
    many photos (smoke runs). ``pack_size``: long side of a packed crop, pixels; ``source_size``:
    long side, pixels, of the photo the crop is cut from (0: the photo as it is); the mask is always
    found on the photo at :data:`SEGMENT_SIZE` and its box carried over. The defaults are the packs
    of the models trained at 192 and 256 px; a model trained at a larger input needs crops cut from a
    larger photo, or it learns from upsampled ones."""
    from vision.inference import WEIGHTS_DIR
    from vision.stages.segment import build as build_segment

    seg = build_segment(WEIGHTS_DIR, torch.device("cpu"), refine=False, recut=False)
    rows = [
        r
        for r in datasets.read_clothing(data)
        if datasets.clothing_split(r.sender_id) in splits and r.label not in NOT_GARMENTS
    ]
    if limit:
        rows = rows[:limit]
    pack = {"stems": [], "splits": [], "labels": [], "jpeg": [], "mask": []}
    h = hashlib.sha256()
    start = time.time()
    for i, row in enumerate(rows):
        photo = np.asarray(Image.open(row.path).convert("RGB"))
        rgb = _shrink(photo, SEGMENT_SIZE)
        mask = garment_mask(seg, rgb)
        if mask.mean() < MIN_AREA:
            continue
        x0, y0, x1, y1 = crop_box(mask)
        cmask = mask[y0:y1, x0:x1]
        if source_size == SEGMENT_SIZE:
            crop = rgb[y0:y1, x0:x1]
        else:  # the same box on a larger copy of the photo
            src = _shrink(photo, source_size) if source_size else photo
            r = src.shape[1] / rgb.shape[1]
            crop = src[
                round(y0 * r) : max(round(y1 * r), round(y0 * r) + 1),
                round(x0 * r) : max(round(x1 * r), round(x0 * r) + 1),
            ]
        s = pack_size / max(crop.shape[:2])
        size = (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        cmask = cv2.resize(cmask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
        png = _png(cmask)
        split = datasets.clothing_split(row.sender_id)
        for key, value in (("stems", row.path.stem), ("splits", split), ("labels", row.label)):
            pack[key].append(value)
        pack["jpeg"].append(_jpeg(np.ascontiguousarray(crop)))
        pack["mask"].append(png)
        h.update(f"{row.path.stem}:{split}:".encode() + png)
        if (i + 1) % 200 == 0:
            log(json.dumps({"photos": i + 1, "of": len(rows), "seconds": round(time.time() - start)}))
    pack["index_sha256"] = h.hexdigest()
    pack["config"] = {
        "pack_size": pack_size,
        "source_size": source_size,
        "crop_margin": CROP_MARGIN,
        "min_area": MIN_AREA,
    }
    return pack


def _shrink(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """``rgb`` uint8 (H, W, 3) resized (area) to long side ``long_side`` pixels when larger."""
    scale = long_side / max(rgb.shape[:2])
    if scale >= 1:
        return rgb
    return cv2.resize(rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA)


def split_index(pack: dict, split: str | None) -> list[int]:
    """Indices of the pack's crops of ``split`` (None: all)."""
    return [i for i, s in enumerate(pack["splits"]) if split is None or s == split]


def _encoded(data) -> io.BytesIO:
    """An encoded image held as ``bytes`` or as a uint8 (n,) tensor (:func:`compact`), as a file."""
    return io.BytesIO(data.numpy() if isinstance(data, torch.Tensor) else data)


def compact(pack: dict) -> dict:
    """``pack`` with its JPEG and PNG bytes as uint8 (n,) tensors: ``torch.save`` writes them as raw
    storage, where ``bytes`` under its default pickle protocol take about 1.5 times their length (the
    form to carry a pack to another machine); :func:`load_crop` reads both forms."""
    tensors = {k: [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in pack[k]] for k in ("jpeg", "mask")}
    return {**pack, **tensors}


def load_crop(pack: dict, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Packed crop ``i``: uint8 (h, w, 3) RGB and its bool (h, w) garment mask."""
    rgb = np.asarray(Image.open(_encoded(pack["jpeg"][i])).convert("RGB"))
    mask = np.asarray(Image.open(_encoded(pack["mask"][i]))) > 0
    return rgb, mask


def draw_sample(
    pack: dict, index: list[int], size: int, rng: np.random.Generator, p_stain: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One training sample: ``(square, target, garment)``: uint8 (size, size, 3) model input, bool
    (size, size) stain target and bool (size, size) garment mask (see the module docstring)."""
    from vision.stain_synth import add_stain

    i = index[int(rng.integers(len(index)))]
    rgb, mask = load_crop(pack, i)
    if rng.random() < 0.5:
        rgb, mask = rgb[:, ::-1].copy(), mask[:, ::-1].copy()
    stain = np.zeros(mask.shape, bool)
    if rng.random() < p_stain and mask.sum() > 100:
        sample = add_stain(rgb, mask, rng)
        rgb, stain = sample.image, sample.mask
    square, place = presets.stain_input(rgb, mask, size)
    return square, square_mask(stain, size, place), square_mask(mask, size, place)


def patch_of(
    sample: tuple[np.ndarray, np.ndarray, np.ndarray], patch: int, rng: np.random.Generator, p_on_stain: float = 0.8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ``patch`` x ``patch`` window of a drawn sample (:func:`draw_sample`), at the sample's scale, so a
    fully convolutional model sees a stain's pixels as served for a fraction of the compute.

    The window holds a random pixel of the stain with probability ``p_on_stain`` when the sample is
    stained (that pixel anywhere in it), else a random pixel of the garment (anywhere when the mask
    is empty). Args: ``sample`` as :func:`draw_sample` returns it (side S); ``patch`` in pixels,
    1..S. Returns the same three arrays cut to (patch, patch). Raises ValueError when ``patch`` is
    not in 1..S."""
    square, target, garment = sample
    side = square.shape[0]
    if not 1 <= patch <= side:
        raise ValueError(f"patch must be 1..{side} pixels, got {patch}")
    inside = target if target.any() and rng.random() < p_on_stain else garment
    ys, xs = np.nonzero(inside)
    if len(ys):
        k = int(rng.integers(len(ys)))
        cy, cx = int(ys[k]), int(xs[k])
    else:
        cy, cx = (int(v) for v in rng.integers(side, size=2))
    y0 = int(np.clip(cy - rng.integers(patch), 0, side - patch))
    x0 = int(np.clip(cx - rng.integers(patch), 0, side - patch))
    window = (slice(y0, y0 + patch), slice(x0, x0 + patch))
    return square[window], target[window], garment[window]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--out", default="data/stains/pack.pt")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pack-size", type=int, default=PACK_SIZE, help="long side of a packed crop, pixels")
    ap.add_argument(
        "--source-size",
        type=int,
        default=SEGMENT_SIZE,
        help="long side of the photo the crop is cut from, pixels (0: as it is)",
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    pack = build_pack(args.data, limit=args.limit, pack_size=args.pack_size, source_size=args.source_size)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(pack, args.out)
    n = {s: pack["splits"].count(s) for s in ("train", "calib")}
    print(json.dumps({"out": args.out, **n, "index_sha256": pack["index_sha256"]}))


if __name__ == "__main__":
    main()
