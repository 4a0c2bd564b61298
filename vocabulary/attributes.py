"""Garment attributes: the details a person searches by ("striped shirts", "light-wash jeans").

Plain data, no Django or torch import: the attribute stage (``vision.stages.attributes``), its
training labels (``vision/references/attributes.csv`` and the protocol beside it), the closet's
fields, filters and pages all read this one list.

Each attribute applies to some categories only (``APPLIES_TO``: category slugs of
``vocabulary.taxonomy``; None: every garment category of the tops, outerwear, bottoms and one-pieces
sections). The values follow the component classes of seed paper 001 (collar, pattern, jeans fit,
wash, damage), narrowed to what a person can tell from one photo.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    """One attribute: ``name`` (the CSV column and API key), English ``label``, its ``values`` as
    ``(slug, English label)`` pairs, and ``applies_to``: category slugs, or None for every clothing
    category (``CLOTHING_CATEGORIES``)."""

    name: str
    label: str
    values: tuple[tuple[str, str], ...]
    applies_to: frozenset[str] | None = None

    @property
    def slugs(self) -> list[str]:
        """The value slugs, in order (the classifier head's output order)."""
        return [slug for slug, _ in self.values]

    def applies(self, category: str) -> bool:
        """Whether this attribute is asked of a garment of ``category`` (a category slug)."""
        allowed = CLOTHING_CATEGORIES if self.applies_to is None else self.applies_to
        return category in allowed


TOPS = frozenset({"shirt-blouse", "top-t-shirt-sweatshirt", "sweater", "cardigan", "vest"})
OUTERWEAR = frozenset({"jacket", "coat", "cape"})
ONE_PIECES = frozenset({"dress", "jumpsuit"})
TROUSERS = frozenset({"pants"})  # jeans, trousers and leggings are types of "pants"
BOTTOMS = frozenset({"pants", "shorts", "skirt"})
CLOTHING_CATEGORIES = TOPS | OUTERWEAR | ONE_PIECES | BOTTOMS

ATTRIBUTES: list[Attribute] = [
    Attribute(
        "pattern",
        "Pattern",
        (
            ("solid", "Solid"),
            ("striped", "Striped"),
            ("checked", "Checked"),
            ("dotted", "Dotted"),
            ("floral", "Floral"),
            ("graphic", "Graphic print"),
            ("other", "Other pattern"),
        ),
    ),
    Attribute(
        "sleeve",
        "Sleeves",
        (("sleeveless", "Sleeveless"), ("short", "Short sleeves"), ("long", "Long sleeves")),
        TOPS | OUTERWEAR | ONE_PIECES,
    ),
    Attribute(
        "neckline",
        "Neckline",
        (
            ("collar", "Collar"),
            ("crew", "Crew neck"),
            ("v", "V-neck"),
            ("hood", "Hood"),
            ("turtleneck", "Turtleneck"),
            ("other", "Other neckline"),
        ),
        TOPS | ONE_PIECES,
    ),
    Attribute("fit", "Fit", (("skinny", "Skinny"), ("straight", "Straight"), ("wide", "Wide")), TROUSERS),
    Attribute(
        "wash",
        "Wash",
        (("light", "Light wash"), ("medium", "Medium wash"), ("dark", "Dark wash"), ("not-denim", "Not denim")),
        TROUSERS,
    ),
    Attribute("damage", "Damage", (("none", "None"), ("ripped", "Ripped or distressed"))),
]
ATTRIBUTE_BY_NAME: dict[str, Attribute] = {a.name: a for a in ATTRIBUTES}
ATTRIBUTE_NAMES: list[str] = [a.name for a in ATTRIBUTES]
# Patterns that count as "patterned" for outfit suggestions (at most one patterned piece).
PATTERNED: frozenset[str] = frozenset({"striped", "checked", "dotted", "floral", "graphic", "other"})
