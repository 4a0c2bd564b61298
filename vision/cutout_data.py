"""Training data of the segmenter (the learned cutout): a compact pack, and the samples drawn from it.

    python -m vision.cutout_data --datasets ../shared/datasets --out data/v2/cutout.pt

The pack (never committed) holds every photo re-encoded as JPEG with the long side
:data:`PACK_SIZE` pixels, so training decodes small files instead of the datasets' photos:

* CCP photos (``ccp_jpeg``, ``ccp_split``): with ``ccp_person`` (PNG, 255 where the CCP label is
  anything but ``null``: garments, skin and hair, the person) and ``ccp_cats`` (PNG, the detector's
  category map of :func:`vision.datasets.ccp_category_map`, 0 outside garments).
* clothing-dataset photos (``cloth_jpeg``, ``cloth_split`` by contributor, see
  :mod:`vision.datasets`), each with a **draft mask** (``cloth_mask``, PNG) from the colour rule
  :func:`vision.stages.detect.foreground_mask` and the figures that say whether the draft can be
  trusted: ``cloth_eta`` (Otsu's separability of the colour-distance histogram, sigma_B^2 /
  sigma_T^2 in [0, 1]), ``cloth_area`` (share of the photo) and ``cloth_border`` (share of the
  photo's outer 2 % that the draft covers). The licences: CCP Apache-2.0, clothing-dataset free for
  any use (the datasets' README).

Samples (:func:`draw_sample`, square ``size`` RGB uint8 and a bool target) come in three kinds:

1. **worn** (CCP training photos, a random scaled crop): the target is the person, garments, skin and
   hair together, so on worn photos the model learns the person's outline (background is ``null``);
2. **flat-lay** (synthetic, Copy-Paste style, Ghiasi et al., CVPR 2021): one garment cut from a
   CCP training photo (one category's pixels) or a trusted clothing-dataset draft, scaled, flipped and
   turned, pasted with a feathered alpha on a background made of another clothing-dataset
   training photo's border strip (beds, floors, blankets, doors), stretched and mirrored to the
   square; the target is the pasted garment;
3. **home** (clothing-dataset training photos whose draft is trusted, :func:`trusted`): the photo
   and its draft, a random scaled crop.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFilter

from vision import datasets

PACK_SIZE = 320  # pixels, long side of every packed photo
KIND_SHARES = {"worn": 0.3, "flatlay": 0.45, "home": 0.25}


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _png(mask: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _resized(img: Image.Image, size: int = PACK_SIZE, resample=Image.BILINEAR) -> Image.Image:
    scale = size / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), resample)


def draft_figures(rgb: np.ndarray, mask: np.ndarray) -> tuple[float, float, float]:
    """``(eta, area, border)`` of a draft ``mask`` (bool (H, W)) of photo ``rgb`` (uint8 (H, W, 3)).

    ``eta``: Otsu's separability (sigma_B^2 / sigma_T^2, Otsu 1979) of the RGB distances to the
    border's median colour, split by the draft; ``area``: the draft's share of the photo;
    ``border``: the share of the outer 2 % of each side that the draft covers."""
    h, w = mask.shape
    b = max(1, round(0.02 * min(h, w)))
    ring = np.ones_like(mask)
    ring[b:-b, b:-b] = False
    rgbf = rgb.astype(np.float32)
    dist = np.sqrt(((rgbf - np.median(rgbf[ring], axis=0)) ** 2).sum(-1))
    total = dist.var()
    if mask.all() or not mask.any() or total == 0:
        return 0.0, float(mask.mean()), float(mask[ring].mean())
    p = mask.mean()
    between = p * (1 - p) * (dist[mask].mean() - dist[~mask].mean()) ** 2
    return float(between / total), float(mask.mean()), float(mask[ring].mean())


def trusted(eta: float, area: float, border: float) -> bool:
    """Whether a colour-rule draft is good enough to train on: a clear colour separation (eta >= 0.7),
    a garment of 8-75 % of the photo, touching at most 15 % of the photo's edge."""
    return eta >= 0.7 and 0.08 <= area <= 0.75 and border <= 0.15


def _pack_clothing(path: str) -> tuple[bytes, bytes, float, float, float]:
    from vision.stages.detect import foreground_mask

    img = _resized(Image.open(path).convert("RGB"))
    rgb = np.asarray(img)
    mask = foreground_mask(rgb)
    return (_jpeg(img), _png(mask * 255), *draft_figures(rgb, mask))


def _pack_ccp(args: tuple[str, str]) -> tuple[bytes, bytes, bytes]:
    root, stem = args
    img = Image.open(Path(root) / "photos" / f"{stem}.jpg").convert("RGB")
    labels = datasets.read_ccp_labels(root, stem)
    small = _resized(img)
    person = Image.fromarray(((labels > 0) * 255).astype(np.uint8)).resize(small.size, Image.NEAREST)
    cats = Image.fromarray(datasets.ccp_category_map(labels)).resize(small.size, Image.NEAREST)
    return _jpeg(small), _png(np.asarray(person)), _png(np.asarray(cats))


def pack(root: str | Path, out: str | Path, workers: int = 2) -> dict:
    """Write the segmenter pack of the datasets under ``root`` to ``out``; returns it.

    Its ``index`` (one line per photo: source, id, split) and ``index_sha256`` identify the data
    as in :mod:`vision.pack`."""
    root = Path(root)
    rows = datasets.read_clothing(root / "clothing-dataset")
    stems = datasets.ccp_photo_stems(root / "ccp")
    with ProcessPoolExecutor(workers) as ex:
        cloth = list(ex.map(_pack_clothing, [str(r.path) for r in rows], chunksize=32))
        ccp = list(ex.map(_pack_ccp, [(str(root / "ccp"), s) for s in stems], chunksize=16))
    index = [f"segmenter-pack size={PACK_SIZE}"]
    index += [f"clothing-dataset/{r.path.stem}\t{datasets.clothing_split(r.sender_id)}" for r in rows]
    index += [f"ccp/{s}\t{datasets.ccp_split(s)}" for s in stems]
    data = {
        "cloth_stem": [r.path.stem for r in rows],
        "cloth_jpeg": [c[0] for c in cloth],
        "cloth_mask": [c[1] for c in cloth],
        "cloth_eta": [c[2] for c in cloth],
        "cloth_area": [c[3] for c in cloth],
        "cloth_border": [c[4] for c in cloth],
        "cloth_split": [datasets.clothing_split(r.sender_id) for r in rows],
        "ccp_stem": stems,
        "ccp_jpeg": [c[0] for c in ccp],
        "ccp_person": [c[1] for c in ccp],
        "ccp_cats": [c[2] for c in ccp],
        "ccp_split": [datasets.ccp_split(s) for s in stems],
        "index": index,
        "index_sha256": hashlib.sha256("\n".join(index).encode()).hexdigest(),
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(data, out)
    return data


def _decode(data: bytes, mode: str = "RGB") -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert(mode))


def _random_crop(rgb: np.ndarray, mask: np.ndarray, size: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """A random square-ish view: scale so the short side is ``size`` x U(1, 1.6), crop ``size``
    (padding with reflection when the photo is too small), random horizontal flip."""
    h, w = mask.shape
    scale = size / min(h, w) * rng.uniform(1.0, 1.6)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    img = Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR)
    m = Image.fromarray(mask.astype(np.uint8) * 255).resize((nw, nh), Image.NEAREST)
    x, y = rng.randint(0, nw - size), rng.randint(0, nh - size)
    rgb_c = np.asarray(img.crop((x, y, x + size, y + size)))
    m_c = np.asarray(m.crop((x, y, x + size, y + size))) > 127
    if rng.random() < 0.5:
        rgb_c, m_c = rgb_c[:, ::-1], m_c[:, ::-1]
    return np.ascontiguousarray(rgb_c), np.ascontiguousarray(m_c)


def _background(rgb: np.ndarray, size: int, rng: random.Random) -> np.ndarray:
    """A square background from one side's strip (12-25 % deep) of a home photo, stretched and
    mirrored to ``size``."""
    h, w = rgb.shape[:2]
    side = rng.choice("tblr")
    d = rng.uniform(0.12, 0.25)
    strip = {
        "t": rgb[: max(2, round(h * d))],
        "b": rgb[h - max(2, round(h * d)) :],
        "l": rgb[:, : max(2, round(w * d))],
        "r": rgb[:, w - max(2, round(w * d)) :],
    }[side]
    if side in "lr":
        strip = strip.transpose(1, 0, 2)
    half = Image.fromarray(np.ascontiguousarray(strip)).resize((size, (size + 1) // 2), Image.BILINEAR)
    half = np.asarray(half)
    return np.ascontiguousarray(np.concatenate([half, half[::-1]])[:size])


def _garment(pack: dict, index: dict, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """One garment cut to its box: ``(rgb, mask)`` from a CCP training photo (one category) or a
    trusted clothing-dataset draft."""
    if rng.random() < 0.5 and index["ccp_train"]:
        i = rng.choice(index["ccp_train"])
        rgb, cats = _decode(pack["ccp_jpeg"][i]), _decode(pack["ccp_cats"][i], "L")
        ids, counts = np.unique(cats[cats > 0], return_counts=True)
        big = ids[counts >= 400]
        if len(big):
            mask = cats == rng.choice(list(big))
            ys, xs = np.nonzero(mask)
            y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            return rgb[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    i = rng.choice(index["home"])
    rgb, mask = _decode(pack["cloth_jpeg"][i]), _decode(pack["cloth_mask"][i], "L") > 127
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return rgb[y0:y1, x0:x1], mask[y0:y1, x0:x1]


def _flatlay(pack: dict, index: dict, size: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    bg = _background(_decode(pack["cloth_jpeg"][rng.choice(index["cloth_train"])]), size, rng).astype(np.float32)
    rgb, mask = _garment(pack, index, rng)
    if rng.random() < 0.5:
        rgb, mask = rgb[:, ::-1], mask[:, ::-1]
    turns = rng.choice([0, 0, 0, 1, 3])
    rgb, mask = np.rot90(rgb, turns), np.rot90(mask, turns)
    h, w = mask.shape
    scale = size * math.sqrt(rng.uniform(0.15, 0.6)) / math.sqrt(h * w)
    scale = min(scale, 0.98 * size / max(h, w))
    nw, nh = max(4, round(w * scale)), max(4, round(h * scale))
    g = np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).resize((nw, nh), Image.BILINEAR), dtype=np.float32)
    m = Image.fromarray(np.ascontiguousarray(mask).astype(np.uint8) * 255).resize((nw, nh), Image.NEAREST)
    alpha = np.asarray(m.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2))), dtype=np.float32)[..., None] / 255
    x, y = rng.randint(0, size - nw), rng.randint(0, size - nh)
    region = bg[y : y + nh, x : x + nw]
    bg[y : y + nh, x : x + nw] = region * (1 - alpha) + g * alpha
    target = np.zeros((size, size), bool)
    target[y : y + nh, x : x + nw] = np.asarray(m) > 127
    return bg.clip(0, 255).astype(np.uint8), target


def sample_index(pack: dict, split: str | None = "train") -> dict:
    """Indices of the pack the samples of ``split`` (None: every split) draw from: ``ccp_train``
    (CCP photos), ``cloth_train`` (every clothing-dataset photo, for backgrounds) and ``home``
    (those whose draft is :func:`trusted`; all of them when none is, as in a smoke run's handful)."""
    cloth = [i for i, s in enumerate(pack["cloth_split"]) if split in (None, s)]
    home = [i for i in cloth if trusted(pack["cloth_eta"][i], pack["cloth_area"][i], pack["cloth_border"][i])]
    return {
        "ccp_train": [i for i, s in enumerate(pack["ccp_split"]) if split in (None, s)],
        "cloth_train": cloth,
        "home": home or cloth,
    }


def draw_sample(pack: dict, index: dict, size: int, rng: random.Random) -> tuple[np.ndarray, np.ndarray, str]:
    """One training sample: uint8 (size, size, 3) RGB, bool (size, size) target, and its kind
    (``"worn"``, ``"flatlay"`` or ``"home"``, drawn with :data:`KIND_SHARES`)."""
    kinds = [k for k in KIND_SHARES if index["ccp_train"] or k == "home"]  # no CCP photo: home only
    kind = rng.choices(kinds, weights=[KIND_SHARES[k] for k in kinds])[0]
    if kind == "worn":
        i = rng.choice(index["ccp_train"])
        rgb, mask = _random_crop(_decode(pack["ccp_jpeg"][i]), _decode(pack["ccp_person"][i], "L") > 127, size, rng)
    elif kind == "flatlay":
        rgb, mask = _flatlay(pack, index, size, rng)
    else:
        i = rng.choice(index["home"])
        rgb, mask = _random_crop(_decode(pack["cloth_jpeg"][i]), _decode(pack["cloth_mask"][i], "L") > 127, size, rng)
    return rgb, mask, kind


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--out", default="data/v2/cutout.pt")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    data = pack(args.datasets, args.out, args.workers)
    idx = sample_index(data)
    print(
        f"{len(data['ccp_stem'])} CCP photos, {len(data['cloth_stem'])} home photos "
        f"({len(idx['home'])} training drafts trusted), index {data['index_sha256'][:12]}"
    )


if __name__ == "__main__":
    main()
