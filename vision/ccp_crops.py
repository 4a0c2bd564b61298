"""Crops of garments worn in CCP street photos, written in the clothing-dataset format.

For the attribute labels (issue 17, ``vision/references/attributes_protocol.md``): a fixed, seeded
sample of CCP photos of the training and validation splits (``vision.datasets.ccp_split``), and in
each photo the box of every top and every pair of trousers (jeans, pants, leggings), cut around the
largest connected component of that CCP label with 10 % padding on each side.

Output, in the clothing-dataset format (``vision.datasets.read_clothing`` reads it):
``OUT/images/ccp-NNNN-<part>.jpg`` (``<part>`` the CCP label name, e.g. ``t-shirt``, ``jeans``), its
mask ``OUT/masks/ccp-NNNN-<part>.png`` (255 where CCP labels the pixel ``<part>``) and
``OUT/images.csv`` with columns ``image,sender_id,label,kids``; ``sender_id`` is ``ccp-NNNN`` (each
CCP photo is its own contributor), ``label`` a clothing-dataset label, ``kids`` False.

Usage::

    python -m vision.ccp_crops --ccp ../shared/datasets/ccp --out /tmp/ccp_crops --n 60 --seed 17
    python -m vision.ccp_crops --ccp ../shared/datasets/ccp --out /tmp/ccp_crops --n 300 --seed 31 \
        --splits train --parts jeans,pants   # more trousers, training photos only, added to the folder
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.io import loadmat

from vision.datasets import ccp_photo_stems, ccp_split, read_ccp_labels

# CCP label name -> clothing-dataset label of the crop.
TOP_LABELS = {
    "blouse": "Blouse",
    "cardigan": "Longsleeve",
    "hoodie": "Hoodie",
    "jumper": "Longsleeve",
    "shirt": "Shirt",
    "sweater": "Longsleeve",
    "sweatshirt": "Longsleeve",
    "t-shirt": "T-Shirt",
    "top": "Top",
    "vest": "Top",
}
TROUSER_LABELS = {"jeans": "Pants", "pants": "Pants", "leggings": "Pants"}
PART_LABELS = {**TOP_LABELS, **TROUSER_LABELS}
PAD = 0.10  # padding on each side, as a fraction of the box's width / height
MIN_AREA = 1500  # components with fewer pixels are too small to label


def ccp_label_names(root: str | Path) -> list[str]:
    """CCP label names indexed by label id (0..58), read from ``label_list.mat``."""
    names = loadmat(str(Path(root) / "label_list.mat"))["label_list"].ravel()
    return [str(n[0]) if len(n) else "" for n in names]


def sample_stems(root: str | Path, n: int, seed: int, splits: tuple[str, ...] = ("train", "val")) -> list[str]:
    """``n`` CCP photo stems drawn with ``random.Random(seed)`` among ``splits``, sorted."""
    stems = [s for s in ccp_photo_stems(root) if ccp_split(s) in splits]
    return sorted(random.Random(seed).sample(stems, min(n, len(stems))))


def largest_component_box(mask: np.ndarray, pad: float = PAD) -> tuple[int, int, int, int] | None:
    """Padded box (x0, y0, x1, y1), in pixels, x1/y1 exclusive, of the largest 8-connected
    component of a (H, W) bool mask, clipped to the image; None when that component has fewer
    than ``MIN_AREA`` pixels."""
    comp, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=int))
    if count == 0:
        return None
    sizes = np.bincount(comp.ravel())[1:]
    if sizes.max() < MIN_AREA:
        return None
    ys, xs = np.nonzero(comp == int(sizes.argmax()) + 1)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    dy, dx = round((y1 - y0) * pad), round((x1 - x0) * pad)
    h, w = mask.shape
    return max(0, x0 - dx), max(0, y0 - dy), min(w, x1 + dx), min(h, y1 + dy)


def photo_crops(
    root: str | Path, stem: str, names: list[str], parts: frozenset[str] | None = None
) -> list[tuple[str, Image.Image, Image.Image]]:
    """``(part, crop, mask)`` for every top and trousers label present in one CCP photo (only the
    CCP label names in ``parts`` when given).

    ``part`` is the CCP label name; ``crop`` an RGB PIL image; ``mask`` an "L" image of the crop's
    size, 255 where CCP labels the pixel ``part``, else 0. Raises FileNotFoundError when the photo or
    its annotation is missing."""
    labels = read_ccp_labels(root, stem)
    photo = Image.open(Path(root) / "photos" / f"{stem}.jpg").convert("RGB")
    out = []
    for label_id in np.unique(labels):
        part = names[int(label_id)]
        if part not in PART_LABELS or (parts is not None and part not in parts):
            continue
        box = largest_component_box(labels == label_id)
        if box is not None:
            box = tuple(int(v) for v in box)
            mask = Image.fromarray(((labels == label_id) * 255).astype(np.uint8))
            out.append((part, photo.crop(box), mask.crop(box)))
    return out


def write_crops(
    root: str | Path,
    out: str | Path,
    n: int,
    seed: int,
    splits: tuple[str, ...] = ("train", "val"),
    parts: frozenset[str] | None = None,
) -> int:
    """Write the crops of ``n`` photos sampled among ``splits`` (only the CCP label names in
    ``parts`` when given) to ``out`` (format: see the module docstring). Crops already in ``out``
    stay: ``images.csv`` lists them and the new ones (a crop written twice is listed once), so
    several draws can fill one folder.

    Returns the number of crops written."""
    out = Path(out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "masks").mkdir(exist_ok=True)
    names = ccp_label_names(root)
    listed: dict[str, list[str]] = {}
    if (out / "images.csv").exists():
        with open(out / "images.csv", newline="") as f:
            listed = {row[0]: row for row in list(csv.reader(f))[1:]}
    written = 0
    for stem in sample_stems(root, n, seed, splits):
        for part, crop, mask in photo_crops(root, stem, names, parts):
            image = f"ccp-{stem}-{part}"
            crop.save(out / "images" / f"{image}.jpg", quality=92)
            mask.save(out / "masks" / f"{image}.png")
            listed[image] = [image, f"ccp-{stem}", PART_LABELS[part], "False"]
            written += 1
    rows = [listed[k] for k in sorted(listed)]
    with open(out / "images.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["image", "sender_id", "label", "kids"])
        writer.writerows(rows)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp", required=True, help="CCP dataset folder")
    parser.add_argument("--out", required=True, help="output folder (clothing-dataset format)")
    parser.add_argument("--n", type=int, default=60, help="number of photos to sample")
    parser.add_argument("--seed", type=int, default=17, help="seed of the photo draw")
    parser.add_argument("--splits", default="train,val", help="CCP splits to draw from, comma-separated")
    parser.add_argument("--parts", default="", help="only these CCP labels, comma-separated (e.g. jeans,pants)")
    args = parser.parse_args(argv)
    parts = frozenset(p for p in args.parts.split(",") if p) or None
    unknown = sorted((parts or set()) - set(PART_LABELS))
    if unknown:
        parser.error(f"--parts: not a CCP top or trousers label: {', '.join(unknown)}")
    count = write_crops(args.ccp, args.out, args.n, args.seed, tuple(args.splits.split(",")), parts)
    print(f"{count} crops written to {args.out}")


if __name__ == "__main__":
    main()
