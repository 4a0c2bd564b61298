"""Write compact, resized training packs of the shared datasets (never committed).

    python -m vision.pack --datasets ../shared/datasets --out data/v2 --classifier-size 208 --detector-size 512

Writes
* ``classifier.pt``: ``images`` uint8 (N, 3, S, S) letterboxed photos and CCP garment crops
  (S = ``--classifier-size``, default 144), ``types`` list[str] type slugs, ``split`` list[str]
  ("train"/"val"/"calib", see vision.datasets), ``val`` bool (N,), ``source`` list[str]
  ("clothing"/"ccp"); and the whole CCP photos, letterboxed the same way, for the photo-kind head:
  ``scenes`` uint8 (M, 3, S, S), ``scene_stems``, ``scene_split``.
* ``data/ccp.pt``: per CCP photo, ``images`` list of uint8 (3, H, W) with the long side
  ``--detector-size`` pixels, ``cat_maps`` list of uint8 (H, W) detector class ids, ``stems``,
  ``val`` bool list.

Both also hold ``index`` (list[str], one line naming the pack's settings, then one line per sample:
its source and id, label and split) and ``index_sha256``, the hex sha256 of those lines joined by
newlines: the training data hash checkpoints record (``vision.checkpoints``). The index depends on
the datasets' labels and file lists only, not on image decoding, so :func:`dataset_indexes`
recomputes it from the datasets without packing.

Packing once lets training read decoded pixels instead of decoding JPEGs every epoch, and the
packs are small enough to carry to a GPU machine (the classifier pack is uint8 pixels, 62 kB per image:
about 0.5 GiB for the 8,797 images of the shared datasets).
"""

from __future__ import annotations

import argparse
import hashlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import datasets, presets, taxonomy

CROP_MIN_SIDE = 24  # pixels in the original CCP photo; smaller garment crops are not used
CROP_MIN_AREA = 64  # pixels in the original CCP photo; smaller garment instances are not cropped


def ccp_crops(labels: np.ndarray) -> list[tuple[int, tuple[int, int, int, int], str | None]]:
    """The garment crops the classifier pack takes from one CCP photo.

    Args:
        labels: uint8 (H, W) CCP label ids of the photo.
    Returns:
        ``(class id, box, type slug or None)`` per instance of at least CROP_MIN_AREA pixels whose
        box (x0, y0, x1, y1, pixels, x1/y1 exclusive) is at least CROP_MIN_SIDE on its short side,
        by class id; the type is that of the CCP label covering most of the instance.
    """
    out = []
    for cid, mask in datasets.instances_from_category_map(datasets.ccp_category_map(labels), CROP_MIN_AREA):
        x0, y0, x1, y1 = datasets.mask_box(mask)
        if min(x1 - x0, y1 - y0) < CROP_MIN_SIDE:
            continue
        out.append((cid, (x0, y0, x1, y1), datasets.dominant_ccp_type(labels, mask)))
    return out


def classifier_index(
    rows: list[datasets.ClothingRow], ccp: list[tuple[str, list]], size: int = presets.CLASSIFIER_PACK_SIZE
) -> list[str]:
    """Index lines of the classifier pack of side ``size``: ``rows`` (clothing-dataset rows with a
    type) then, per CCP ``(stem, crops)`` (crops as :func:`ccp_crops` gives them), each crop with a
    type, then each CCP photo whole (a scene)."""
    lines = [f"classifier-pack size={size}"]
    for r in rows:
        lines.append(
            f"clothing-dataset/{r.path.stem}\t{taxonomy.CLOTHING_TO_TYPE[r.label]}\t{datasets.clothing_split(r.sender_id)}"
        )
    for stem, crops in ccp:
        for cid, _, type_slug in crops:
            if type_slug is not None:
                lines.append(f"ccp/{stem}/{taxonomy.CATEGORY_SLUGS[cid - 1]}\t{type_slug}\t{datasets.ccp_split(stem)}")
    lines += [f"ccp/{stem}\tworn\t{datasets.ccp_split(stem)}" for stem, _ in ccp]
    return lines


def detector_index(stems: list[str], detector_size: int) -> list[str]:
    """Index lines of the detector pack: one per CCP photo."""
    return [f"detector-pack long_side={detector_size}"] + [f"ccp/{s}\t{datasets.ccp_split(s)}" for s in stems]


def index_sha256(lines: list[str]) -> str:
    """Hex sha256 of index lines joined by newlines (UTF-8)."""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _selection(root: Path, limit: int) -> tuple[list[datasets.ClothingRow], list[str]]:
    rows = [
        r for r in datasets.read_clothing(root / "clothing-dataset") if taxonomy.CLOTHING_TO_TYPE[r.label] is not None
    ]
    stems = datasets.ccp_photo_stems(root / "ccp")
    if limit:
        rows, stems = rows[:limit], stems[:limit]
    return rows, stems


def dataset_indexes(
    root: str | Path, detector_size: int = 448, limit: int = 0, classifier_size: int = presets.CLASSIFIER_PACK_SIZE
) -> tuple[list[str], list[str]]:
    """Index lines of the classifier and detector packs ``main`` would write from the datasets
    folder ``root`` with the same options, computed from labels and file lists alone (no image
    decoding). Raises FileNotFoundError when a dataset is missing."""
    root = Path(root)
    rows, stems = _selection(root, limit)
    ccp = [(s, ccp_crops(datasets.read_ccp_labels(root / "ccp", s))) for s in stems]
    return classifier_index(rows, ccp, classifier_size), detector_index(stems, detector_size)


def _clothing_item(args):
    row, size = args
    img = Image.open(row.path).convert("RGB")
    return presets.to_uint8_chw(presets.letterbox(img, size))


def _ccp_item(args):
    root, stem, det_size, cls_size = args
    img = Image.open(Path(root) / "photos" / f"{stem}.jpg").convert("RGB")
    labels = datasets.read_ccp_labels(root, stem)
    if labels.shape != (img.height, img.width):
        raise ValueError(f"CCP {stem}: annotation {labels.shape} != photo {img.size[::-1]}")
    cat_map = datasets.ccp_category_map(labels)
    crops = ccp_crops(labels)
    images = [presets.to_uint8_chw(presets.letterbox(img.crop(box), cls_size)) for _, box, _ in crops]
    scene = presets.to_uint8_chw(presets.letterbox(img, cls_size))
    scale = det_size / max(img.size)
    size = (round(img.width * scale), round(img.height * scale))
    small = presets.to_uint8_chw(img.resize(size, Image.BILINEAR))
    small_map = torch.from_numpy(np.asarray(Image.fromarray(cat_map).resize(size, Image.NEAREST)).copy())
    return stem, small, small_map, crops, images, scene


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--out", default="data")
    ap.add_argument("--detector-size", type=int, default=448, help="long side, pixels")
    ap.add_argument("--classifier-size", type=int, default=presets.CLASSIFIER_PACK_SIZE, help="square side, pixels")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N photos of each dataset")
    args = ap.parse_args(argv)
    root = Path(args.datasets)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rows, stems = _selection(root, args.limit)
    with ProcessPoolExecutor(args.workers) as pool:
        size = args.classifier_size
        clothing = list(pool.map(_clothing_item, [(r, size) for r in rows], chunksize=32))
        ccp = list(pool.map(_ccp_item, [(str(root / "ccp"), s, args.detector_size, size) for s in stems], chunksize=8))

    images = list(clothing)
    types = [taxonomy.CLOTHING_TO_TYPE[r.label] for r in rows]
    split = [datasets.clothing_split(r.sender_id) for r in rows]
    source = ["clothing"] * len(rows)
    for stem, _, _, crops, crop_images, _ in ccp:
        for (_, _, type_slug), crop in zip(crops, crop_images):
            if type_slug is None:
                continue
            images.append(crop)
            types.append(type_slug)
            split.append(datasets.ccp_split(stem))
            source.append("ccp")
    val = [s == "val" for s in split]
    cls_index = classifier_index(rows, [(c[0], c[3]) for c in ccp], size)
    det_index = detector_index(stems, args.detector_size)
    torch.save(
        {
            "images": torch.stack(images),
            "types": types,
            "split": split,
            "val": torch.tensor(val),
            "source": source,
            "scenes": torch.stack([c[5] for c in ccp]),
            "scene_stems": [c[0] for c in ccp],
            "scene_split": [datasets.ccp_split(c[0]) for c in ccp],
            "index": cls_index,
            "index_sha256": index_sha256(cls_index),
        },
        out / "classifier.pt",
    )
    torch.save(
        {
            "images": [c[1] for c in ccp],
            "cat_maps": [c[2] for c in ccp],
            "stems": [c[0] for c in ccp],
            "val": [datasets.is_ccp_val_photo(c[0]) for c in ccp],
            "split": [datasets.ccp_split(c[0]) for c in ccp],
            "index": det_index,
            "index_sha256": index_sha256(det_index),
        },
        out / "ccp.pt",
    )
    print(
        f"classifier pack: {len(images)} images ({len(rows)} clothing, {len(images) - len(rows)} "
        f"CCP crops), {sum(val)} validation"
    )
    print(f"detector pack: {len(ccp)} CCP photos, {sum(datasets.is_ccp_val_photo(s) for s in stems)} validation")


if __name__ == "__main__":
    main()
