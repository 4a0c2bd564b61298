"""Run the serving pipeline on any folder of photos and write what it found, photo by photo.

    python -m vision.predict --images DIR --out DIR [--weights DIR] [--device cpu] [--threads 2]

For each photo ``X.jpg`` (also ``.jpeg``, ``.png``, ``.webp``; any case; the folder itself, not its
sub-folders), with its EXIF orientation applied:

* ``X.json``: ``{"photo", "width", "height", "single_item", "single_item_score", "seconds",
  "garments": [...]}``, every garment largest mask first as ``{"category", "type", "score", "box",
  "area", "guesses", "colours"}``: category and type slugs (vision.taxonomy), ``score`` the
  pipeline's calibrated confidence in [0, 1], ``box`` ``[x0, y0, x1, y1]`` in photo pixels (x1/y1
  exclusive), ``area`` mask pixels, ``guesses`` the top 3 ``{"category", "type", "score"}``,
  ``colours`` ``{"name", "rgb", "hex", "fraction"}``, ``attributes`` ``{name: {"value", "score"}}``
  (those of vocabulary.attributes that apply to the garment's category; empty without a model),
  ``stain`` ``{"found", "area", "score"}`` (``area``: the stain's share of the garment's mask; null
  without a stain model);
* ``X.png``: the binary mask of the photo's main garment (the largest), 8-bit grey, 0 or 255, at
  the photo's resolution (all 0 when nothing was found), to score against one's own references.

A file that is not a readable image is reported on stderr and skipped. Prints one summary line;
exits 1 when any photo failed, 2 when the folder holds no photo.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from vision.contract import PhotoAnalysis
from vision.inference import load_pipeline

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def photo_paths(folder: Path) -> list[Path]:
    """The photos directly in ``folder`` (by suffix, any case), sorted by name. Raises
    NotADirectoryError when ``folder`` is not a folder."""
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)


def analysis_json(name: str, analysis: PhotoAnalysis) -> dict:
    """The ``X.json`` content of one photo's analysis (see the module docstring)."""
    return {
        "photo": name,
        "width": analysis.width,
        "height": analysis.height,
        "single_item": analysis.single_item,
        "single_item_score": analysis.single_item_score,
        "seconds": analysis.seconds,
        "garments": [
            {
                "category": g.category,
                "type": g.type,
                "score": g.score,
                "box": [int(v) for v in g.box],
                "area": g.area,
                "guesses": [x.as_dict() for x in g.guesses],
                "colours": [c.as_dict() for c in g.colors],
                "attributes": {name: a.as_dict() for name, a in g.attributes.items()},
                "stain": g.stain.as_dict() if g.stain is not None else None,
            }
            for g in analysis.instances
        ],
    }


def main_mask(analysis: PhotoAnalysis) -> Image.Image:
    """8-bit grey mask (0/255) of the largest garment, at the photo's size; all 0 without one."""
    mask = np.zeros((analysis.height, analysis.width), dtype=np.uint8)
    if analysis.instances:
        mask[max(analysis.instances, key=lambda g: g.area).mask] = 255
    return Image.fromarray(mask, mode="L")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", required=True, help="folder of photos")
    ap.add_argument("--out", required=True, help="folder to write X.json and X.png into (created)")
    ap.add_argument("--weights", default=None, help="weights folder (default: the committed vision/weights)")
    ap.add_argument("--device", default=None)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        paths = photo_paths(Path(args.images))
    except NotADirectoryError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not paths:
        print(f"no photos ({', '.join(PHOTO_SUFFIXES)}) in {args.images}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pipeline = load_pipeline(args.weights, args.device)
    done = failed = garments = 0
    for path in paths:
        try:
            with Image.open(path) as img:
                image = ImageOps.exif_transpose(img).convert("RGB")
        except (UnidentifiedImageError, OSError) as exc:
            print(f"skipped {path.name}: not a readable image ({exc})", file=sys.stderr)
            failed += 1
            continue
        analysis = pipeline(image)
        (out / f"{path.stem}.json").write_text(json.dumps(analysis_json(path.name, analysis), indent=1) + "\n")
        main_mask(analysis).save(out / f"{path.stem}.png")
        done += 1
        garments += len(analysis)
    print(json.dumps({"photos": done, "failed": failed, "garments": garments, "out": str(out)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
