"""Hand-checked reference masks of single-item photos, and the tool that makes them.

    python -m vision.reference_masks pick --datasets ../shared/datasets          # choose the photos (adds to spec.json)
    python -m vision.reference_masks render --datasets ../shared/datasets --out /tmp/refs   # build + overlays

The references live in ``vision/references/single_item/``: ``spec.json`` (per photo: how its mask
was drawn, and whether a person checked it) and ``<stem>.png`` (the mask, 0/255, the photo's
resolution). ``PROTOCOL.md`` there says what counts as the garment. A mask is made from its spec
by :func:`vision.refine.refine_mask` (GrabCut, no learned model: the segmenter being measured never
drafts its own references) seeded by the spec's ``box``, ``keep`` and ``erase`` strokes, or, when a
``polygon`` outline is given, that outline filled, then corrected by the strokes. ``render`` writes
each photo's overlay (outside the mask darkened, its edge in red, a grid every 50 pixels numbered
in pixels) for checking by eye, and the masks of the checked specs.

Spec entry: ``{"stem", "split", "label", "box": [x0, y0, x1, y1] | null, "polygon": [[x, y], ...] |
null, "keep": [stroke, ...], "erase": [stroke, ...], "checked": bool, "note": str}``; a stroke is
``{"points": [[x, y], ...], "width": pixels}`` (a polyline; ``"fill": true`` fills it as a polygon).
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from vision import datasets
from vision.refine import refine_mask

REFERENCES = Path(__file__).parent / "references" / "single_item"
#: Photos per split chosen by ``pick``: validation (reported), calibration (choices such as GrabCut on/off).
PICK = {"val": 36, "calib": 36}
LABELS = (
    "T-Shirt",
    "Longsleeve",
    "Pants",
    "Shoes",
    "Shirt",
    "Dress",
    "Outwear",
    "Shorts",
    "Hat",
    "Skirt",
    "Polo",
    "Hoodie",
    "Blazer",
    "Top",
    "Blouse",
    "Undershirt",
    "Body",
)


def read_spec(path: Path = REFERENCES / "spec.json") -> list[dict]:
    """The spec entries (a list of dicts, see the module docstring)."""
    return json.loads(Path(path).read_text())


def stroke_mask(strokes: list[dict], shape: tuple[int, int]) -> np.ndarray:
    """bool (H, W) of ``strokes`` drawn on an empty image of ``shape``."""
    img = np.zeros(shape, np.uint8)
    for s in strokes:
        pts = np.asarray(s["points"], np.int32).reshape(-1, 1, 2)
        if s.get("fill"):
            cv2.fillPoly(img, [pts], 1)
        else:
            cv2.polylines(img, [pts], False, 1, thickness=max(1, int(s.get("width", 8))))
            for x, y in pts[:, 0]:
                cv2.circle(img, (int(x), int(y)), max(1, int(s.get("width", 8)) // 2), 1, -1)
    return img.astype(bool)


def mask_from_spec(rgb: np.ndarray, entry: dict) -> np.ndarray:
    """The reference mask (bool (H, W)) that ``entry`` describes for photo ``rgb`` (uint8 (H, W, 3))."""
    h, w = rgb.shape[:2]
    keep = stroke_mask(entry.get("keep", []), (h, w))
    erase = stroke_mask(entry.get("erase", []), (h, w))
    if entry.get("polygon"):
        mask = stroke_mask([{"points": entry["polygon"], "fill": True}], (h, w))
        return (mask | keep) & ~erase
    box = entry.get("box")
    return refine_mask(rgb, None, keep, erase, tuple(box) if box else None, work_size=max(h, w), iterations=5)


def overlay(rgb: np.ndarray, mask: np.ndarray, grid: int = 50) -> Image.Image:
    """The photo with the outside of ``mask`` darkened, the mask's edge red and a numbered grid."""
    out = rgb.astype(np.float32).copy()
    out[~mask] *= 0.35
    out = out.astype(np.uint8)
    edge = mask ^ cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    out[cv2.dilate(edge.astype(np.uint8), np.ones((2, 2), np.uint8)).astype(bool)] = (255, 0, 0)
    img = Image.fromarray(out)
    draw = ImageDraw.Draw(img)
    h, w = mask.shape
    for x in range(0, w, grid):
        draw.line([(x, 0), (x, h)], fill=(0, 255, 255), width=1)
        draw.text((x + 2, 2), str(x), fill=(255, 255, 0))
    for y in range(0, h, grid):
        draw.line([(0, y), (w, y)], fill=(0, 255, 255), width=1)
        draw.text((2, y + 2), str(y), fill=(255, 255, 0))
    return img


def pick(root: Path) -> list[dict]:
    """Choose :data:`PICK` photos per split of held-out clothing-dataset contributors, spread over
    :data:`LABELS` in turn, each label's photos ordered by crc32 of the stem (no look at the pixels)."""
    rows = [r for r in datasets.read_clothing(root / "clothing-dataset") if r.label in LABELS]
    entries = []
    for split, n in PICK.items():
        by_label = {
            lab: sorted(
                (r for r in rows if r.label == lab and datasets.clothing_split(r.sender_id) == split),
                key=lambda r: zlib.crc32(r.path.stem.encode()),
            )
            for lab in LABELS
        }
        chosen, turn = [], 0
        while len(chosen) < n and any(by_label.values()):
            lab = LABELS[turn % len(LABELS)]
            if by_label[lab]:
                chosen.append(by_label[lab].pop(0))
            turn += 1
        entries += [
            {
                "stem": r.path.stem,
                "split": split,
                "label": r.label,
                "box": None,
                "polygon": None,
                "keep": [],
                "erase": [],
                "checked": False,
                "note": "",
            }
            for r in chosen
        ]
    return entries


def merge_picked(existing: list[dict], picked: list[dict]) -> list[dict]:
    """``existing`` spec entries as they are (strokes, checks and notes kept), then the ``picked``
    entries whose stem is not among them: raising :data:`PICK` adds photos, and picking again never
    wipes a drawn mask."""
    have = {e["stem"] for e in existing}
    return existing + [e for e in picked if e["stem"] not in have]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["pick", "render"])
    ap.add_argument("--datasets", default="../shared/datasets")
    ap.add_argument("--spec", default=str(REFERENCES / "spec.json"))
    ap.add_argument("--out", default="", help="render: folder for the overlays (default: no overlays)")
    ap.add_argument("--stems", default="", help="render: only these stems (comma-separated)")
    args = ap.parse_args(argv)
    root = Path(args.datasets)
    if args.command == "pick":
        Path(args.spec).parent.mkdir(parents=True, exist_ok=True)
        existing = read_spec(args.spec) if Path(args.spec).exists() else []
        entries = merge_picked(existing, pick(root))
        Path(args.spec).write_text(json.dumps(entries, indent=1) + "\n")
        print(f"{len(entries)} photos in {args.spec} ({len(entries) - len(existing)} new)")
        return
    only = set(filter(None, args.stems.split(",")))
    for entry in read_spec(args.spec):
        if only and entry["stem"] not in only:
            continue
        rgb = np.asarray(Image.open(root / "clothing-dataset" / "images" / f"{entry['stem']}.jpg").convert("RGB"))
        mask = mask_from_spec(rgb, entry)
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            overlay(rgb, mask).save(Path(args.out) / f"{entry['stem']}.png")
        if entry.get("checked"):
            Image.fromarray(mask.astype(np.uint8) * 255).convert("1").save(
                Path(args.spec).parent / f"{entry['stem']}.png"
            )
        checked = entry.get("checked")
        print(f"{entry['stem']}\t{entry['label']}\t{entry['split']}\tarea {mask.mean():.3f}\tchecked {checked}")


if __name__ == "__main__":
    main()
