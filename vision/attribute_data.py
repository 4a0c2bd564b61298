"""The attribute labels (``vision/references/attributes.csv``) and the garment pictures they label.

* The CSV: ``image`` (a clothing-dataset file stem, or a CCP garment crop ``ccp-NNNN-<part>``), then
  one column per attribute of :data:`vocabulary.attributes.ATTRIBUTE_NAMES`, a value slug or empty
  (does not apply, or the labeller could not tell). :func:`read_labels` checks every value.
* :func:`merge_labels` unites the labellers' files into the committed CSV, sorted by image;
  :func:`write_counts` rewrites the "Counts" section at the end of the protocol
  (``attributes_protocol.md``): rows per split, then the count of each value per split.
* Splits are the app's (:mod:`vision.datasets`): a clothing-dataset photo by its contributor
  (:func:`vision.datasets.clothing_split`), a CCP crop by its photo (:func:`vision.datasets.ccp_split`).
* The picture of a garment is what the serving stage sees (:func:`vision.stages.attributes.garment_crop`):
  its box, grown by a small margin. A clothing-dataset photo's box is the box of the segmenter's
  foreground (``segmenter.pt``, probability >= 0.5, no GrabCut), the whole photo when that is under
  1 % of it; a CCP crop file is already a garment's box crop and is used whole.

    python -m vision.attribute_data merge --out vision/references/attributes.csv A.csv B.csv
    python -m vision.attribute_data counts --labels vision/references/attributes.csv \
        --data ../shared/datasets/clothing-dataset [--protocol vision/references/attributes_protocol.md]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from vision import datasets, presets
from vision.stages.attributes import garment_crop, garment_only, region_crop
from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTE_NAMES, ATTRIBUTES

COLUMNS = ["image", *ATTRIBUTE_NAMES]
CCP_CROP = re.compile(r"^ccp-(\d{4})-[a-z0-9-]+$")
MIN_FOREGROUND = 0.01  # of the photo: a smaller segmenter foreground is not trusted (whole photo used)
PROTOCOL = Path(__file__).resolve().parent / "references" / "attributes_protocol.md"
COUNTS_HEADING = "## Counts"


def attribute_labels() -> list[str]:
    """The attribute model's label space: ``"<attribute>:<value>"`` for every value of every
    attribute, in vocabulary order."""
    return [f"{a.name}:{slug}" for a in ATTRIBUTES for slug in a.slugs]


def read_labels(path: str | Path) -> dict[str, dict[str, str]]:
    """``{image stem: {attribute: value slug}}`` of a labels CSV (empty cells left out; extra
    columns ignored).

    Raises:
        ValueError: a missing column, an unknown value (with its line number) or an image twice.
    """
    out: dict[str, dict[str, str]] = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}")
        for line, rec in enumerate(reader, start=2):
            stem = rec["image"].strip()
            if not stem:
                continue
            if stem in out:
                raise ValueError(f"{path}:{line}: image {stem} appears twice")
            row = {}
            for name in ATTRIBUTE_NAMES:
                value = (rec[name] or "").strip()
                if value and value not in ATTRIBUTE_BY_NAME[name].slugs:
                    raise ValueError(f"{path}:{line}: {name}={value!r} is not one of {ATTRIBUTE_BY_NAME[name].slugs}")
                if value:
                    row[name] = value
            out[stem] = row
    return out


def write_labels(labels: dict[str, dict[str, str]], path: str | Path) -> Path:
    """Write ``labels`` as the CSV of :data:`COLUMNS`, sorted by image. Returns ``path``."""
    path = Path(path)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for stem in sorted(labels):
            w.writerow([stem, *(labels[stem].get(n, "") for n in ATTRIBUTE_NAMES)])
    return path


def merge_labels(sources: list[str | Path], out: str | Path) -> dict[str, int]:
    """Unite the labels CSVs ``sources`` into ``out`` (sorted by image).

    Returns ``{"rows", "conflicts"}``; an image in several files keeps the first file's row
    (counted as a conflict when the rows differ). Raises what :func:`read_labels` raises.
    """
    merged: dict[str, dict[str, str]] = {}
    conflicts = 0
    for src in sources:
        for stem, row in read_labels(src).items():
            if stem in merged:
                conflicts += merged[stem] != row
                continue
            merged[stem] = row
    write_labels(merged, out)
    return {"rows": len(merged), "conflicts": conflicts}


def sender_ids(data: str | Path) -> dict[str, str]:
    """``{image stem: sender_id}`` of a clothing-dataset folder's ``images.csv``."""
    with open(Path(data) / "images.csv", newline="") as f:
        return {rec["image"]: rec["sender_id"] for rec in csv.DictReader(f)}


def split_of(stem: str, senders: dict[str, str]) -> str | None:
    """The split of a labelled image: a CCP crop by its photo number, a clothing-dataset photo by its
    contributor; None when the photo is not in ``senders`` (not in this folder)."""
    m = CCP_CROP.match(stem)
    if m:
        return datasets.ccp_split(m.group(1))
    sender = senders.get(stem)
    return None if sender is None else datasets.clothing_split(sender)


def counts(labels: dict[str, dict[str, str]], senders: dict[str, str]) -> dict:
    """``{"rows": {split: n}, "values": {attribute: {value: {split: n}}}}`` over the labelled images
    (``"unknown"`` split: a clothing-dataset stem missing from ``senders``)."""
    rows: Counter = Counter()
    values = {a.name: {slug: Counter() for slug in a.slugs} for a in ATTRIBUTES}
    for stem, row in labels.items():
        split = split_of(stem, senders) or "unknown"
        rows[split] += 1
        for name, value in row.items():
            values[name][value][split] += 1
    return {"rows": dict(rows), "values": {n: {v: dict(c) for v, c in d.items()} for n, d in values.items()}}


def counts_markdown(c: dict) -> str:
    """The protocol's "Counts" section (Markdown) of :func:`counts`' result."""
    splits = [s for s in ("train", "calib", "val", "unknown") if c["rows"].get(s)]
    lines = [
        COUNTS_HEADING,
        "Generated by `python -m vision.attribute_data counts` (rerun it after the labels change).",
        "",
        "Rows per split: " + ", ".join(f"{s} {c['rows'][s]}" for s in splits) + f"; total {sum(c['rows'].values())}.",
        "",
        "| attribute | value | " + " | ".join(splits) + " | total |",
        "| --- | --- | " + " | ".join("---:" for _ in splits) + " | ---: |",
    ]
    for name, by_value in c["values"].items():
        for value, by_split in by_value.items():
            cells = [str(by_split.get(s, 0)) for s in splits]
            lines.append(f"| {name} | {value} | " + " | ".join(cells) + f" | {sum(by_split.values())} |")
    return "\n".join(lines) + "\n"


def write_counts(protocol: str | Path, section: str) -> None:
    """Replace the protocol file's "Counts" section (from its heading to the end) by ``section``,
    or append it when there is none."""
    protocol = Path(protocol)
    text = protocol.read_text()
    at = text.find("\n" + COUNTS_HEADING + "\n")
    body = text[: at + 1] if at >= 0 else text.rstrip("\n") + "\n\n"
    protocol.write_text(body + section)


@dataclass(frozen=True)
class Example:
    """One labelled garment picture: ``stem``, its ``split``, the image ``path`` and whether it is a
    whole clothing-dataset photo (``whole``: its garment box comes from the segmenter) or a CCP crop."""

    stem: str
    split: str
    path: Path
    whole: bool


def examples(labels: dict[str, dict[str, str]], data: str | Path | None, ccp_crops: str | Path | None) -> list[Example]:
    """The labelled images found on disk, sorted by stem: clothing-dataset photos under ``data``
    (``images/<stem>.jpg``, listed in ``images.csv``) and CCP crops (``<stem>.jpg``) in the folder
    ``ccp_crops`` or its ``images/`` (the format :mod:`vision.ccp_crops` writes), or in ``data/images``.
    Images not found are skipped."""
    senders = sender_ids(data) if data else {}
    out = []
    for stem in sorted(labels):
        if CCP_CROP.match(stem):
            folders = ([Path(ccp_crops), Path(ccp_crops) / "images"] if ccp_crops else []) + (
                [Path(data) / "images"] if data else []
            )
            path = next((f / f"{stem}.jpg" for f in folders if (f / f"{stem}.jpg").exists()), None)
            if path is not None:
                out.append(Example(stem, split_of(stem, senders), path, False))
        elif stem in senders and (Path(data) / "images" / f"{stem}.jpg").exists():
            out.append(Example(stem, split_of(stem, senders), Path(data) / "images" / f"{stem}.jpg", True))
    return out


def load_segmenter(weights_dir: str | Path, device: str | torch.device = "cpu"):
    """The ``segment`` stage without GrabCut (``segmenter.pt`` of ``weights_dir``), for garment boxes."""
    from vision.stages.segment import build

    return build(Path(weights_dir), torch.device(device), refine=False, recut=False)


def garment_mask(segmenter, rgb: np.ndarray) -> np.ndarray:
    """bool (H, W): the single garment of a clothing-dataset photo (uint8 (H, W, 3)), the segmenter's
    foreground (probability >= 0.5), or the whole photo when that is under :data:`MIN_FOREGROUND`."""
    mask = segmenter.probabilities(rgb) >= 0.5
    if mask.sum() < MIN_FOREGROUND * mask.size:
        return np.ones(rgb.shape[:2], dtype=bool)
    return mask


def garment_box(segmenter, rgb: np.ndarray) -> tuple[int, int, int, int]:
    """Box (x0, y0, x1, y1) of the single garment of a clothing-dataset photo (uint8 (H, W, 3)): the
    box of :func:`garment_mask` (the whole photo when the foreground is under :data:`MIN_FOREGROUND`)."""
    return datasets.mask_box(garment_mask(segmenter, rgb))


def crop_mask_path(path: Path) -> Path:
    """Where :mod:`vision.ccp_crops` writes the mask of the crop ``path`` (``OUT/images/x.jpg`` ->
    ``OUT/masks/x.png``)."""
    root = path.parent.parent if path.parent.name == "images" else path.parent
    return root / "masks" / f"{path.stem}.png"


def garment_picture(example: Example, segmenter, background: str = "photo") -> Image.Image:
    """The RGB garment picture the model sees for ``example`` (EXIF orientation applied); with
    ``background="grey"`` the garment alone (:func:`vision.stages.attributes.garment_only`): a photo
    by its segmenter mask, a CCP crop by the mask :mod:`vision.ccp_crops` wrote beside it.

    Raises FileNotFoundError when a CCP crop's mask is missing (crops made before masks were written:
    make them again)."""
    with Image.open(example.path) as img:
        image = ImageOps.exif_transpose(img).convert("RGB")
    if not example.whole:
        if background != "grey":
            return image
        mask_path = crop_mask_path(example.path)
        if not mask_path.exists():
            raise FileNotFoundError(f"{mask_path}: no mask for this crop; make it again (python -m vision.ccp_crops)")
        with Image.open(mask_path) as m:
            return garment_only(image, np.asarray(m.convert("L")) >= 128)
    mask = garment_mask(segmenter, np.asarray(image))
    return garment_crop(garment_only(image, mask) if background == "grey" else image, datasets.mask_box(mask))


def pictures(
    items: list[Example],
    segmenter,
    size: int,
    cache: str | Path | None = None,
    background: str = "photo",
    region: str = "whole",
) -> torch.Tensor:
    """uint8 (N, 3, size, size): each example's garment picture (:func:`garment_picture`, with
    ``background``), the part of it a model of ``region`` sees
    (:func:`vision.stages.attributes.region_crop`), letterboxed to ``size``, read from the ``cache``
    file (``{key: uint8 (3, size, size)}``) when it holds it, else made and added."""

    store: dict[str, torch.Tensor] = {}
    if cache and Path(cache).exists():
        store = torch.load(cache, weights_only=True)
    changed = False
    out = []
    for ex in items:
        key = f"{ex.stem}@{size}" + ("" if background == "photo" else f"@{background}")
        key += "" if region == "whole" else f"@{region}"
        if key not in store:
            picture = region_crop(garment_picture(ex, segmenter, background), region)
            store[key] = presets.to_uint8_chw(presets.letterbox(picture, size))
            changed = True
        out.append(store[key])
    if cache and changed:
        Path(cache).parent.mkdir(parents=True, exist_ok=True)
        torch.save(store, cache)
    return torch.stack(out) if out else torch.zeros((0, 3, size, size), dtype=torch.uint8)


def targets(items: list[Example], labels: dict[str, dict[str, str]]) -> torch.Tensor:
    """int64 (N, n_attributes): the value index of each attribute (vocabulary order), -1 where empty."""
    t = torch.full((len(items), len(ATTRIBUTES)), -1, dtype=torch.int64)
    for i, ex in enumerate(items):
        for j, a in enumerate(ATTRIBUTES):
            value = labels[ex.stem].get(a.name)
            if value is not None:
                t[i, j] = a.slugs.index(value)
    return t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Merge the attribute labels; count them into the protocol.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("merge", help="unite labels CSVs into one, sorted by image")
    m.add_argument("sources", nargs="+")
    m.add_argument("--out", default="vision/references/attributes.csv")
    c = sub.add_parser("counts", help="rewrite the protocol's Counts section")
    c.add_argument("--labels", default="vision/references/attributes.csv")
    c.add_argument("--data", default="../shared/datasets/clothing-dataset")
    c.add_argument("--protocol", default=str(PROTOCOL))
    args = ap.parse_args(argv)
    if args.cmd == "merge":
        print(merge_labels(args.sources, args.out))
        return 0
    section = counts_markdown(counts(read_labels(args.labels), sender_ids(args.data)))
    write_counts(args.protocol, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
