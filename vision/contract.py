"""What the vision pipeline hands to the rest of the app: plain dataclasses, no torch and no Django.

The web side (``wardrobe.closet``) reads only this module's types; the stages in ``vision.stages``
fill them. Each pipeline stage owns one field of :class:`GarmentInstance` (or of
:class:`PhotoAnalysis`): adding a stage adds one field here, with a default, so older results stay
valid.

Coordinates are pixels of the photo given to the pipeline (after EXIF orientation), origin top left;
boxes are ``(x0, y0, x1, y1)`` with ``x1`` / ``y1`` exclusive. Scores are probabilities in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # PIL is only needed by whoever builds a cutout
    from PIL import Image

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Guess:
    """One (category, type) answer and its score. ``category``: a slug of
    ``vocabulary.taxonomy.CATEGORIES``; ``type``: a slug of its types, or None."""

    category: str
    type: str | None
    score: float

    def as_dict(self) -> dict:
        """``{"category", "type", "score"}`` (JSON-ready)."""
        return {"category": self.category, "type": self.type, "score": float(self.score)}


@dataclass(frozen=True)
class Colour:
    """One dominant colour of a garment: ``name`` of ``vocabulary.palette.PALETTE``, the measured
    ``rgb`` (0..255 each) and its ``hex`` (``#rrggbb``), and ``fraction``, its share of the garment's
    pixels among the colours returned (the fractions of a garment sum to 1)."""

    name: str
    rgb: tuple[int, int, int]
    hex: str
    fraction: float

    def as_dict(self) -> dict:
        """``{"name", "rgb", "hex", "fraction"}`` (JSON-ready)."""
        return {"name": self.name, "rgb": [int(v) for v in self.rgb], "hex": self.hex, "fraction": float(self.fraction)}


@dataclass(frozen=True)
class AttributeValue:
    """One attribute's answer for a garment: ``value``, a slug of
    ``vocabulary.attributes.ATTRIBUTE_BY_NAME[name].slugs``, and its ``score`` (probability)."""

    value: str
    score: float

    def as_dict(self) -> dict:
        """``{"value", "score"}`` (JSON-ready)."""
        return {"value": self.value, "score": float(self.score)}


@dataclass
class StainFinding:
    """What the ``stain`` stage found on one garment.

    ``found``: a stain was reported; ``area``: the stain's share of the garment's mask pixels, in
    [0, 1]; ``score``: the model's confidence that the garment is stained (the highest stain
    probability inside the garment's mask, smoothed); ``mask``: bool (H, W) at photo resolution,
    True on stained pixels (None when nothing was found).
    """

    found: bool
    area: float
    score: float
    mask: np.ndarray | None = None

    def as_dict(self) -> dict:
        """``{"found", "area", "score"}`` (JSON-ready; the mask is left out)."""
        return {"found": bool(self.found), "area": float(self.area), "score": float(self.score)}


@dataclass
class GarmentInstance:
    """One garment found in a photo.

    Filled by the stages in order: ``detect`` (``box``, ``mask``, ``detector_category``,
    ``detector_score``; empty and 0 when the photo was taken as one item laid flat), ``segment``
    (``mask`` and ``box`` made to follow the garment, ``mask_quality``), ``classify``
    (``category``, ``type``, ``score``, ``classifier_score``, ``guesses``; it also sets
    ``detector_score`` to 0 when the category it decides is not the detector's, and rounds it to 4
    decimals), ``cutout`` (``cutout``), ``embed`` (``embedding``), ``colors`` (``colors``).
    """

    box: Box
    mask: np.ndarray  # bool (H, W) at photo resolution
    detector_score: float = 0.0  # Mask R-CNN score of the detected category; 0: whole-photo item
    category: str = ""  # category slug
    type: str | None = None  # type slug of that category, or None
    score: float = 0.0  # combined confidence of (category, type): what the review threshold compares
    classifier_score: float = 0.0  # classifier probability of ``type``
    guesses: list[Guess] = field(default_factory=list)  # best first, the first being (category, type)
    cutout: Image.Image | None = None  # RGBA, cropped to ``box``, transparent outside the mask
    colors: list[Colour] = field(default_factory=list)  # dominant colours, largest share first
    # Added with the stages (last, so positional construction is unchanged), filled by ``detect``:
    detector_category: str = ""  # category slug the detector gave; "": whole-photo item
    # Filled by ``segment``: how good the mask is likely to be, in [0, 1] (None: no estimate). A
    # single item's: the expected IoU of its mask (vision.refine.expected_iou); a worn garment's:
    # the share of the detector's mask that lies on the person.
    mask_quality: float | None = None
    # Filled by ``embed``: float32 (D,) with D = vision.similarity.EMBEDDING_DIM (1280), L2 norm 1, the
    # garment's appearance (the classifier's pooled backbone features of its cutout on a neutral
    # background); compare two by cosine similarity (vision.similarity). None: not computed.
    embedding: np.ndarray | None = None
    # Filled by ``attributes``: {attribute name: AttributeValue} for the attributes of
    # vocabulary.attributes that apply to the garment's category (empty: none apply, or no model).
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    # Filled by ``stain``: the stain segmentation's finding on the garment (None: not computed).
    stain: StainFinding | None = None

    @property
    def area(self) -> int:
        """Mask area in pixels."""
        return int(self.mask.sum())


@dataclass
class PhotoAnalysis:
    """Everything the pipeline found in one photo.

    ``instances``: garments, largest mask first; ``single_item``: the photo was taken for one item
    laid flat or hung (its garment is the whole photo's foreground), not garments being worn;
    ``seconds``: wall time per stage name; ``single_item_score``: the ``scene`` stage's probability
    that the photo shows one item laid flat or hung (None when no model gave one).
    """

    width: int
    height: int
    instances: list[GarmentInstance] = field(default_factory=list)
    single_item: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    single_item_score: float | None = None

    def __iter__(self):
        return iter(self.instances)

    def __len__(self) -> int:
        return len(self.instances)
