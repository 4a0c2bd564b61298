"""Write compact, resized training packs of the shared datasets (never committed).

    python -m vision.pack --datasets ../shared/datasets --out data

Writes
* ``data/classifier.pt``: ``images`` uint8 (N, 3, 144, 144) letterboxed photos and CCP garment
  crops, ``types`` list[str] type slugs, ``val`` bool (N,), ``source`` list[str] ("clothing"/"ccp").
* ``data/ccp.pt``: per CCP photo, ``images`` list of uint8 (3, H, W) with the long side
  ``--detector-size`` pixels, ``cat_maps`` list of uint8 (H, W) detector class ids, ``stems``,
  ``val`` bool list.

Packing once lets training read decoded pixels instead of decoding JPEGs every epoch, and the
packs are small enough to carry to a GPU machine (a few tens of MiB).
"""
from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import datasets, presets, taxonomy

CROP_MIN_SIDE = 24  # pixels in the original CCP photo; smaller garment crops are not used


def _clothing_item(row: datasets.ClothingRow):
    img = Image.open(row.path).convert("RGB")
    return presets.to_uint8_chw(presets.letterbox(img, presets.CLASSIFIER_PACK_SIZE))


def _ccp_item(args):
    root, stem, det_size = args
    img = Image.open(Path(root) / "photos" / f"{stem}.jpg").convert("RGB")
    labels = datasets.read_ccp_labels(root, stem)
    if labels.shape != (img.height, img.width):
        raise ValueError(f"CCP {stem}: annotation {labels.shape} != photo {img.size[::-1]}")
    cat_map = datasets.ccp_category_map(labels)
    crops = []
    for cid, mask in datasets.instances_from_category_map(cat_map, min_area=64):
        x0, y0, x1, y1 = datasets.mask_box(mask)
        if min(x1 - x0, y1 - y0) < CROP_MIN_SIDE:
            continue
        type_slug = datasets.dominant_ccp_type(labels, mask)
        crop = presets.letterbox(img.crop((x0, y0, x1, y1)), presets.CLASSIFIER_PACK_SIZE)
        crops.append((presets.to_uint8_chw(crop), type_slug))
    scale = det_size / max(img.size)
    size = (round(img.width * scale), round(img.height * scale))
    small = presets.to_uint8_chw(img.resize(size, Image.BILINEAR))
    small_map = torch.from_numpy(np.asarray(Image.fromarray(cat_map).resize(size, Image.NEAREST)).copy())
    return stem, small, small_map, crops


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--out", default="data")
    ap.add_argument("--detector-size", type=int, default=448, help="long side, pixels")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N photos of each dataset")
    args = ap.parse_args(argv)
    root = Path(args.datasets)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    rows = [r for r in datasets.read_clothing(root / "clothing-dataset")
            if taxonomy.CLOTHING_TO_TYPE[r.label] is not None]
    stems = datasets.ccp_photo_stems(root / "ccp")
    if args.limit:
        rows, stems = rows[: args.limit], stems[: args.limit]
    with ProcessPoolExecutor(args.workers) as pool:
        clothing = list(pool.map(_clothing_item, rows, chunksize=32))
        ccp = list(pool.map(_ccp_item, [(str(root / "ccp"), s, args.detector_size) for s in stems],
                            chunksize=8))

    images = list(clothing)
    types = [taxonomy.CLOTHING_TO_TYPE[r.label] for r in rows]
    val = [datasets.is_clothing_val_sender(r.sender_id) for r in rows]
    source = ["clothing"] * len(rows)
    for stem, _, _, crops in ccp:
        for crop, type_slug in crops:
            if type_slug is None:
                continue
            images.append(crop)
            types.append(type_slug)
            val.append(datasets.is_ccp_val_photo(stem))
            source.append("ccp")
    torch.save({"images": torch.stack(images), "types": types, "val": torch.tensor(val),
                "source": source}, out / "classifier.pt")
    torch.save({"images": [c[1] for c in ccp], "cat_maps": [c[2] for c in ccp],
                "stems": [c[0] for c in ccp], "val": [datasets.is_ccp_val_photo(c[0]) for c in ccp]},
               out / "ccp.pt")
    print(f"classifier pack: {len(images)} images ({len(rows)} clothing, {len(images) - len(rows)} "
          f"CCP crops), {sum(val)} validation")
    print(f"detector pack: {len(ccp)} CCP photos, {sum(datasets.is_ccp_val_photo(s) for s in stems)} "
          f"validation")


if __name__ == "__main__":
    main()
