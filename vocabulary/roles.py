"""What a garment is in an outfit, by category slug (``vocabulary.taxonomy``), and where it goes on
the outfit canvas by closet section.

Roles (used by the outfit suggestions): ``top``; ``mid`` (a layer worn over a top or a one-piece:
sweater, cardigan, vest); ``bottom``; ``one-piece``; ``outer`` (outerwear); ``shoes``. A category
may have two roles (a sweater is a top or a mid layer) or none (accessories, bags).
"""

from __future__ import annotations

TOP_CATEGORIES = frozenset({"shirt-blouse", "top-t-shirt-sweatshirt", "sweater", "cardigan"})
#: Tops that may be worn under a mid layer.
UNDER_LAYER_CATEGORIES = frozenset({"shirt-blouse", "top-t-shirt-sweatshirt"})
MID_LAYER_CATEGORIES = frozenset({"sweater", "cardigan", "vest"})
BOTTOM_CATEGORIES = frozenset({"pants", "shorts", "skirt"})
ONE_PIECE_CATEGORIES = frozenset({"dress", "jumpsuit"})
OUTERWEAR_CATEGORIES = frozenset({"jacket", "coat", "cape"})
#: Outerwear too warm for a hot day.
HEAVY_OUTERWEAR_CATEGORIES = frozenset({"coat", "cape"})
SHOE_CATEGORIES = frozenset({"shoe"})
#: What counts as shorts for the cold-weather rule: the category, and these types of others.
SHORTS_CATEGORIES = frozenset({"shorts"})
SHORTS_TYPES = frozenset({"romper"})

#: Role -> its categories, in the order an outfit is listed (outside in, top down).
ROLE_CATEGORIES: dict[str, frozenset[str]] = {
    "outer": OUTERWEAR_CATEGORIES,
    "mid": MID_LAYER_CATEGORIES,
    "top": TOP_CATEGORIES,
    "one-piece": ONE_PIECE_CATEGORIES,
    "bottom": BOTTOM_CATEGORIES,
    "shoes": SHOE_CATEGORIES,
}
ROLES: list[str] = list(ROLE_CATEGORIES)


def roles_of(category_slug: str) -> list[str]:
    """The roles of a category, in :data:`ROLES` order (``[]`` for accessories, bags and unknown slugs)."""
    return [role for role, categories in ROLE_CATEGORIES.items() if category_slug in categories]


#: Where a garment goes on a new outfit canvas when no layout is given, by closet section:
#: ``(x, y, width, z)``: centre as fractions of the canvas (origin top left), width as a fraction
#: of the canvas width, and the layer (higher on top).
DEFAULT_PLACES: dict[str, tuple[float, float, float, int]] = {
    "outerwear": (0.32, 0.32, 0.46, 3),
    "tops": (0.55, 0.28, 0.40, 2),
    "one-pieces": (0.55, 0.45, 0.42, 2),
    "bottoms": (0.55, 0.66, 0.36, 1),
    "shoes": (0.55, 0.90, 0.26, 0),
    "bags": (0.18, 0.72, 0.24, 4),
    "accessories": (0.18, 0.12, 0.18, 5),
}
#: Place of a garment whose section has no entry above.
FALLBACK_PLACE: tuple[float, float, float, int] = (0.5, 0.5, 0.4, 0)
