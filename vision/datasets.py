"""Readers for the two shared dataset formats, their validation splits, and the instance rule.

Formats (see the datasets' README):

* clothing-dataset: ``images.csv`` (``image``, ``sender_id``, ``label``, ``kids``) and
  ``images/<image>.jpg``. Rows whose image file is missing are skipped.
* CCP: ``photos/NNNN.jpg`` and ``annotations/pixel-level/NNNN.mat`` holding ``groundtruth``, a
  uint8 HxW array of CCP label ids (0..58), same size as the photo.

Instance rule (issue 2): an instance is **all pixels of one taxonomy category in one photo**, so a
pair of shoes is one item and a t-shirt worn under a top (both category top/t-shirt/sweatshirt)
is one item. CCP labels are first mapped to categories by :mod:`vision.taxonomy`; labels outside
the taxonomy (skin, hair, null, jewellery, underwear) are background.

Splits (never by photo within a contributor): clothing-dataset validation holds every photo of the
contributors whose ``crc32(sender_id) % 5 == 0``, calibration those with ``crc32(sender_id) % 10 == 1``;
CCP validation holds photos whose number is a multiple of 8, calibration those that are 4 modulo 8.
Validation is what figures are reported on; calibration is where anything fitted after training is
fitted (temperature, the photo-kind head's threshold, checkpoint choice); training gets the rest.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vision import taxonomy


@dataclass(frozen=True)
class ClothingRow:
    path: Path
    sender_id: str
    label: str


def is_clothing_val_sender(sender_id: str) -> bool:
    """True when a clothing-dataset contributor belongs to the validation split."""
    return zlib.crc32(sender_id.encode()) % 5 == 0


def is_ccp_val_photo(stem: str) -> bool:
    """True when a CCP photo (file stem ``NNNN``) belongs to the validation split."""
    return int(stem) % 8 == 0


SPLITS = ("train", "val", "calib")


def clothing_split(sender_id: str) -> str:
    """``"val"``, ``"calib"`` or ``"train"``: the split of a clothing-dataset contributor."""
    if is_clothing_val_sender(sender_id):
        return "val"
    return "calib" if zlib.crc32(sender_id.encode()) % 10 == 1 else "train"


def ccp_split(stem: str) -> str:
    """``"val"``, ``"calib"`` or ``"train"``: the split of a CCP photo (file stem ``NNNN``)."""
    if is_ccp_val_photo(stem):
        return "val"
    return "calib" if int(stem) % 8 == 4 else "train"


def read_clothing(root: str | Path) -> list[ClothingRow]:
    """Rows of a clothing-dataset folder whose image file exists, in CSV order.

    Raises FileNotFoundError when ``images.csv`` is missing.
    """
    root = Path(root)
    rows = []
    with open(root / "images.csv", newline="") as f:
        for rec in csv.DictReader(f):
            path = root / "images" / f"{rec['image']}.jpg"
            if path.exists():
                rows.append(ClothingRow(path, rec["sender_id"], rec["label"]))
    return rows


def ccp_photo_stems(root: str | Path) -> list[str]:
    """Stems of CCP photos that have a pixel-level annotation, sorted."""
    root = Path(root)
    ann = root / "annotations" / "pixel-level"
    return sorted(p.stem for p in ann.glob("*.mat") if (root / "photos" / f"{p.stem}.jpg").exists())


def read_ccp_labels(root: str | Path, stem: str) -> np.ndarray:
    """CCP label-id map of one photo: uint8 array (H, W), values 0..58."""
    from scipy.io import loadmat

    gt = loadmat(str(Path(root) / "annotations" / "pixel-level" / f"{stem}.mat"))["groundtruth"]
    return np.asarray(gt, dtype=np.uint8)


# Lookup tables indexed by CCP label id.
CCP_TO_CATEGORY_ID = np.array([taxonomy.ccp_category_id(i) for i in range(59)], dtype=np.uint8)
CCP_TO_TYPE_SLUG = [taxonomy.CCP_TO_TYPE[name] for name in taxonomy.CCP_LABELS]


def ccp_category_map(labels: np.ndarray) -> np.ndarray:
    """Map a CCP label-id map (H, W) uint8 to detector class ids (H, W) uint8, 0 = background."""
    return CCP_TO_CATEGORY_ID[labels]


def instances_from_category_map(cat_map: np.ndarray, min_area: int = 1):
    """Instances of a category map under the instance rule.

    Args:
        cat_map: (H, W) uint8 detector class ids, 0 = background.
        min_area: instances with fewer pixels are dropped.
    Returns:
        list of ``(class_id, mask)``, mask a (H, W) bool array, sorted by class id.
    """
    out = []
    for cid in np.unique(cat_map):
        if cid == 0:
            continue
        mask = cat_map == cid
        if mask.sum() >= min_area:
            out.append((int(cid), mask))
    return out


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Tight box (x0, y0, x1, y1) of a non-empty bool mask, in pixels, x1/y1 exclusive."""
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def dominant_ccp_type(labels: np.ndarray, mask: np.ndarray) -> str | None:
    """Type slug of the CCP label covering most of ``mask`` (labels outside the taxonomy ignored)."""
    counts = np.bincount(labels[mask], minlength=59)
    for lid in np.argsort(-counts):
        if counts[lid] == 0:
            break
        if CCP_TO_TYPE_SLUG[lid] is not None:
            return CCP_TO_TYPE_SLUG[lid]
    return None
