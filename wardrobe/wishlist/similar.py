"""The owned items most like a wishlist item, without a model (the web process loads no torch).

A wishlist photo has no appearance vector (those come from the worker's ``embed`` stage), so
likeness is read from what is known in the web process:

* **kind**: 1 for the same type, 0.7 for the same category, 0.3 for the same section, else 0;
* **colour**: for each of the item's dominant colours (share ``f``), the closest colour of the
  garment by CIE 1976 colour difference (ΔE*ab in CIELAB, ``vision.colors.srgb_to_lab``), scored
  ``1 - min(ΔE, 50) / 50``; the colour score is the share-weighted sum, in 0..1 (ΔE about 2.3 is a
  just-noticeable difference, 50 a different colour altogether).

The score is ``0.6 kind + 0.4 colour`` when both are known, else the one known. Items scoring 0 are
left out. The photo's dominant colours are those of its foreground: the pixels that differ from
the border's median colour by more than :data:`BACKGROUND_DELTA_E` (shop photos sit on a plain
background); the whole photo when that leaves under 5 % of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from vision.colors import dominant_colors, srgb_to_lab

#: ΔE*ab from the border's median colour above which a pixel is taken as the item, not the background.
BACKGROUND_DELTA_E = 12.0
#: The photo is scaled to this long side before its colours are taken (pixels).
COLOR_SIDE = 256
KIND_WEIGHT, COLOR_WEIGHT = 0.6, 0.4
#: ΔE*ab at which two colours count as nothing alike.
MAX_DELTA_E = 50.0


def photo_colors(image: Image.Image, k: int = 3) -> list[dict]:
    """The ``k`` dominant colours of the item in ``image`` (RGB PIL image): ``[{"name", "hex",
    "fraction"}]``, largest share first, fractions summing to 1 (see the module's text)."""
    small = image.convert("RGB")
    small.thumbnail((COLOR_SIDE, COLOR_SIDE))
    rgb = np.asarray(small, dtype=np.uint8)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    background = srgb_to_lab(np.median(border, axis=0))
    distance = np.sqrt(((srgb_to_lab(rgb) - background) ** 2).sum(-1))
    mask = distance > BACKGROUND_DELTA_E
    if mask.mean() < 0.05:
        mask = np.ones(mask.shape, dtype=bool)
    return [{"name": c.name, "hex": c.hex, "fraction": float(c.fraction)} for c in dominant_colors(rgb, mask, k=k)]


@dataclass(frozen=True)
class Candidate:
    """An owned garment as the scoring sees it: its id, kind (category id, type id or None,
    section id) and colours as ``(hex, fraction)``."""

    id: int
    category_id: int
    type_id: int | None
    section_id: int
    colors: tuple[str, ...]


def _lab(hex_values: Sequence[str]) -> np.ndarray:
    rgb = [[int(h.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)] for h in hex_values]
    return srgb_to_lab(np.asarray(rgb, dtype=np.float64).reshape(-1, 3))


def kind_score(candidate: Candidate, category_id: int | None, type_id: int | None, section_id: int | None) -> float:
    """1 same type, 0.7 same category, 0.3 same section, else 0."""
    if type_id is not None and candidate.type_id == type_id:
        return 1.0
    if category_id is not None and candidate.category_id == category_id:
        return 0.7
    if section_id is not None and candidate.section_id == section_id:
        return 0.3
    return 0.0


def color_score(wanted: Sequence[dict], candidate_hexes: Sequence[str]) -> float:
    """Share-weighted closeness (0..1) of the ``wanted`` colours (``{"hex", "fraction"}``) to the
    closest of ``candidate_hexes``; 0 when either side has none."""
    if not wanted or not candidate_hexes:
        return 0.0
    try:
        want = _lab([c["hex"] for c in wanted])
        have = _lab(list(candidate_hexes))
    except (KeyError, ValueError, TypeError):
        return 0.0
    delta = np.sqrt(((want[:, None, :] - have[None, :, :]) ** 2).sum(-1)).min(axis=1)
    closeness = 1.0 - np.minimum(delta, MAX_DELTA_E) / MAX_DELTA_E
    shares = np.asarray([float(c.get("fraction") or 0) for c in wanted])
    if shares.sum() <= 0:
        shares = np.ones(len(wanted))
    return float((closeness * shares).sum() / shares.sum())


def rank(
    candidates: Iterable[Candidate],
    *,
    colors: Sequence[dict],
    category_id: int | None,
    type_id: int | None,
    section_id: int | None,
    limit: int = 4,
) -> list[tuple[int, float]]:
    """``[(garment id, score)]``: the ``limit`` best ``candidates`` (score > 0), best first, ties by
    the order given (newest first). Score: see the module's text (0..1, 3 decimals)."""
    has_kind = category_id is not None
    scored = []
    for order, candidate in enumerate(candidates):
        kind = kind_score(candidate, category_id, type_id, section_id) if has_kind else 0.0
        color = color_score(colors, candidate.colors) if colors else 0.0
        if has_kind and colors:
            score = KIND_WEIGHT * kind + COLOR_WEIGHT * color
        else:
            score = kind if has_kind else color
        if score > 0:
            scored.append((round(score, 3), order, candidate.id))
    scored.sort(key=lambda row: (-row[0], row[1]))
    return [(pk, score) for score, _order, pk in scored[:limit]]
