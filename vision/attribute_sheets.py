"""Numbered contact sheets of clothing-dataset photos (or CCP garment crops, ``vision.ccp_crops``,
split by their photo) for labelling garment attributes by eye
(``vision/references/attributes_protocol.md``): photos drawn before anyone looks at them, by a seeded
draw per clothing-dataset label, from one split, leaving out kids' photos and photos already labelled.

    python -m vision.attribute_sheets --data ../shared/datasets/clothing-dataset --split train \\
        --quota Pants=120,Shirt=50,Dress=50 --seed 23 --batches 4 --out DIR

Writes ``DIR/batchN/sheetMM.png`` (``--per-sheet`` photos each, letterboxed to ``--tile`` pixels on a
grey tile, a large number in the corner) and ``DIR/batchN/index.csv`` (``sheet``, ``number``,
``image``: the file stem), so a labeller writes one row per number and the rows are mapped back to
image stems; an empty labels CSV with the attributes' columns goes beside it as ``labels.csv``.

``--relabel`` puts the photos (and CCP crops, ``--ccp-crops``) already labelled in ``--labels`` for
``--split`` on sheets instead, in a seeded shuffle and with no label shown, so that other labellers
label them again, independently (the second labelling of the validation split).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from vision import datasets
from vision.attribute_data import COLUMNS, examples, read_labels, split_of

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def draw_photos(
    data: Path, split: str, quota: dict[str, int], seed: int, exclude: set[str]
) -> list[datasets.ClothingRow]:
    """Up to ``quota[label]`` photos of each clothing-dataset label of ``split``, drawn with ``seed``
    (a permutation per label, in label order), kids' photos and stems in ``exclude`` left out; the
    result shuffled with the same seed so a batch mixes labels. Raises FileNotFoundError when
    ``data`` has no ``images.csv``."""
    with open(Path(data) / "images.csv", newline="") as f:
        kids = {r["image"] for r in csv.DictReader(f) if r.get("kids") == "True"}
    rows = [
        r
        for r in datasets.read_clothing(data)
        if split_of(r.path.stem, {r.path.stem: r.sender_id}) == split and r.path.stem not in kids | exclude
    ]
    rng = np.random.default_rng(seed)
    picked = []
    for label in sorted(quota):
        these = [r for r in rows if r.label == label]
        picked += [these[i] for i in rng.permutation(len(these))[: quota[label]]]
    return [picked[i] for i in rng.permutation(len(picked))]


def labelled_photos(data: Path, labels: str | Path, ccp_crops: Path | None, split: str, seed: int) -> list:
    """The labelled pictures of ``split`` found on disk (:func:`vision.attribute_data.examples`), in a
    permutation drawn with ``seed``: objects with ``path`` (the image) like the rows of
    :func:`draw_photos`."""
    found = [e for e in examples(read_labels(labels), data, ccp_crops) if e.split == split]
    return [found[i] for i in np.random.default_rng(seed).permutation(len(found))]


def contact_sheet(paths: list[Path], first_number: int, tile: int, columns: int) -> Image.Image:
    """One RGB sheet: each photo letterboxed into a ``tile`` x ``tile`` px cell (EXIF orientation
    applied), numbered from ``first_number`` in reading order."""
    rows = -(-len(paths) // columns)
    sheet = Image.new("RGB", (columns * tile, rows * tile), (128, 128, 128))
    font = ImageFont.truetype(str(FONT), tile // 9) if FONT.exists() else ImageFont.load_default()
    draw = ImageDraw.Draw(sheet)
    for k, path in enumerate(paths):
        with Image.open(path) as im:
            photo = ImageOps.contain(ImageOps.exif_transpose(im).convert("RGB"), (tile - 8, tile - 8))
        x, y = (k % columns) * tile, (k // columns) * tile
        sheet.paste(photo, (x + (tile - photo.width) // 2, y + (tile - photo.height) // 2))
        label = str(first_number + k)
        box = draw.textbbox((x + 6, y + 4), label, font=font)
        draw.rectangle((box[0] - 4, box[1] - 2, box[2] + 4, box[3] + 2), fill=(255, 255, 0))
        draw.text((x + 6, y + 4), label, fill=(0, 0, 0), font=font)
    return sheet


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="../shared/datasets/clothing-dataset")
    ap.add_argument("--labels", default="vision/references/attributes.csv", help="photos already labelled")
    ap.add_argument("--split", choices=datasets.SPLITS, default="train")
    ap.add_argument("--quota", default="", help="LABEL=N,... per clothing-dataset label")
    ap.add_argument("--relabel", action="store_true", help="sheets of the photos already labelled")
    ap.add_argument("--ccp-crops", type=Path, default=None, help="folder of CCP crops (with --relabel)")
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--batches", type=int, default=1)
    ap.add_argument("--per-sheet", type=int, default=6)
    ap.add_argument("--columns", type=int, default=3)
    ap.add_argument("--tile", type=int, default=420)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    quota = {k: int(v) for k, v in (item.split("=") for item in args.quota.split(",") if item)}
    if args.relabel:
        rows = labelled_photos(Path(args.data), args.labels, args.ccp_crops, args.split, args.seed)
    elif quota:
        rows = draw_photos(Path(args.data), args.split, quota, args.seed, set(read_labels(args.labels)))
    else:
        ap.error("give --quota, or --relabel")
    for b in range(args.batches):
        batch = rows[b :: args.batches]
        out = args.out / f"batch{b + 1}"
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "index.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["sheet", "number", "image"])
            for s in range(0, len(batch), args.per_sheet):
                name = f"sheet{s // args.per_sheet + 1:02d}.png"
                part = batch[s : s + args.per_sheet]
                contact_sheet([r.path for r in part], s + 1, args.tile, args.columns).save(out / name)
                w.writerows([name, s + 1 + k, r.path.stem] for k, r in enumerate(part))
        with open(out / "labels.csv", "w", newline="") as f:
            csv.writer(f).writerow(["number", *COLUMNS[1:]])
        print(f"{out}: {len(batch)} photos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
