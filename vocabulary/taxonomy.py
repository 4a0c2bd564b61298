"""The garment taxonomy: closet sections, categories and types.

Plain data, no Django or torch import: the web app (its models, forms and the frozen copy in the seed
migration), the vision models and the training code all read it.

Categories are the 27 apparel categories of Fashionpedia (Jia et al., "Fashionpedia: Ontology,
Segmentation, and an Attribute Localization Dataset", ECCV 2020), the list used by its
Attribute-Mask R-CNN. Each category sits in one closet section. A **type** is a finer name inside
one category, where a dataset gives one (jeans inside pants, sneakers inside shoe, ...).

Detector class ids are ``1 + CATEGORY_SLUGS.index(slug)``; 0 is background. The mapping of each
dataset's labels onto this taxonomy is training knowledge and lives in ``vision.taxonomy``.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS: list[tuple[str, str]] = [
    ("tops", "Tops"),
    ("outerwear", "Outerwear"),
    ("bottoms", "Bottoms"),
    ("one-pieces", "One-pieces"),
    ("shoes", "Shoes"),
    ("bags", "Bags"),
    ("accessories", "Accessories"),
]


@dataclass(frozen=True)
class Category:
    """A garment category (the detector's class): ``slug``, English ``name``, ``section`` slug."""

    slug: str
    name: str
    section: str


@dataclass(frozen=True)
class GarmentType:
    """A finer name inside one category: ``slug``, English ``name``, ``category`` slug."""

    slug: str
    name: str
    category: str


# Fashionpedia's order (apparel ids 0..26).
CATEGORIES: list[Category] = [
    Category("shirt-blouse", "Shirt / blouse", "tops"),
    Category("top-t-shirt-sweatshirt", "Top / t-shirt / sweatshirt", "tops"),
    Category("sweater", "Sweater", "tops"),
    Category("cardigan", "Cardigan", "tops"),
    Category("jacket", "Jacket", "outerwear"),
    Category("vest", "Vest", "tops"),
    Category("pants", "Pants", "bottoms"),
    Category("shorts", "Shorts", "bottoms"),
    Category("skirt", "Skirt", "bottoms"),
    Category("coat", "Coat", "outerwear"),
    Category("dress", "Dress", "one-pieces"),
    Category("jumpsuit", "Jumpsuit", "one-pieces"),
    Category("cape", "Cape", "outerwear"),
    Category("glasses", "Glasses", "accessories"),
    Category("hat", "Hat", "accessories"),
    Category("headband-head-covering-hair-accessory", "Headband / head covering / hair accessory", "accessories"),
    Category("tie", "Tie", "accessories"),
    Category("glove", "Glove", "accessories"),
    Category("watch", "Watch", "accessories"),
    Category("belt", "Belt", "accessories"),
    Category("leg-warmer", "Leg warmer", "accessories"),
    Category("tights-stockings", "Tights / stockings", "accessories"),
    Category("sock", "Sock", "accessories"),
    Category("shoe", "Shoe", "shoes"),
    Category("bag-wallet", "Bag / wallet", "bags"),
    Category("scarf", "Scarf", "accessories"),
    Category("umbrella", "Umbrella", "accessories"),
]
CATEGORY_SLUGS: list[str] = [c.slug for c in CATEGORIES]
CATEGORY_BY_SLUG: dict[str, Category] = {c.slug: c for c in CATEGORIES}

TYPES: list[GarmentType] = [
    GarmentType("shirt", "Shirt", "shirt-blouse"),
    GarmentType("blouse", "Blouse", "shirt-blouse"),
    GarmentType("t-shirt", "T-shirt", "top-t-shirt-sweatshirt"),
    GarmentType("long-sleeve", "Long sleeve", "top-t-shirt-sweatshirt"),
    GarmentType("polo", "Polo", "top-t-shirt-sweatshirt"),
    GarmentType("hoodie", "Hoodie", "top-t-shirt-sweatshirt"),
    GarmentType("sweatshirt", "Sweatshirt", "top-t-shirt-sweatshirt"),
    GarmentType("undershirt", "Undershirt / tank top", "top-t-shirt-sweatshirt"),
    GarmentType("bodysuit", "Bodysuit", "top-t-shirt-sweatshirt"),
    GarmentType("top", "Top", "top-t-shirt-sweatshirt"),
    GarmentType("sweater", "Sweater", "sweater"),
    GarmentType("cardigan", "Cardigan", "cardigan"),
    GarmentType("jacket", "Jacket", "jacket"),
    GarmentType("blazer", "Blazer", "jacket"),
    GarmentType("vest", "Vest", "vest"),
    GarmentType("pants", "Pants", "pants"),
    GarmentType("jeans", "Jeans", "pants"),
    GarmentType("leggings", "Leggings", "pants"),
    GarmentType("shorts", "Shorts", "shorts"),
    GarmentType("skirt", "Skirt", "skirt"),
    GarmentType("coat", "Coat", "coat"),
    GarmentType("dress", "Dress", "dress"),
    GarmentType("jumpsuit", "Jumpsuit", "jumpsuit"),
    GarmentType("romper", "Romper", "jumpsuit"),
    GarmentType("cape", "Cape", "cape"),
    GarmentType("glasses", "Glasses", "glasses"),
    GarmentType("sunglasses", "Sunglasses", "glasses"),
    GarmentType("hat", "Hat", "hat"),
    GarmentType("headband", "Headband", "headband-head-covering-hair-accessory"),
    GarmentType("tie", "Tie", "tie"),
    GarmentType("gloves", "Gloves", "glove"),
    GarmentType("watch", "Watch", "watch"),
    GarmentType("belt", "Belt", "belt"),
    GarmentType("leg-warmers", "Leg warmers", "leg-warmer"),
    GarmentType("tights", "Tights", "tights-stockings"),
    GarmentType("stockings", "Stockings", "tights-stockings"),
    GarmentType("socks", "Socks", "sock"),
    GarmentType("shoes", "Shoes", "shoe"),
    GarmentType("sneakers", "Sneakers", "shoe"),
    GarmentType("boots", "Boots", "shoe"),
    GarmentType("heels", "Heels", "shoe"),
    GarmentType("flats", "Flats", "shoe"),
    GarmentType("sandals", "Sandals", "shoe"),
    GarmentType("loafers", "Loafers", "shoe"),
    GarmentType("clogs", "Clogs", "shoe"),
    GarmentType("wedges", "Wedges", "shoe"),
    GarmentType("bag", "Bag", "bag-wallet"),
    GarmentType("purse", "Purse", "bag-wallet"),
    GarmentType("wallet", "Wallet", "bag-wallet"),
    GarmentType("scarf", "Scarf", "scarf"),
    GarmentType("umbrella", "Umbrella", "umbrella"),
]
TYPE_BY_SLUG: dict[str, GarmentType] = {t.slug: t for t in TYPES}


def category_of_type(type_slug: str) -> str:
    """Category slug of a type slug. Raises KeyError for an unknown type."""
    return TYPE_BY_SLUG[type_slug].category


def section_of_category(category_slug: str) -> str:
    """Section slug of a category slug. Raises KeyError for an unknown category."""
    return CATEGORY_BY_SLUG[category_slug].section


def kind_value(category_slug: str, type_slug: str | None) -> str:
    """``"category:type"`` (type may be empty): one value naming a category and a type, as the
    "category and type" pickers of the web pages post it."""
    return f"{category_slug}:{type_slug or ''}"


def parse_kind(value: str) -> tuple[str, str | None]:
    """Inverse of :func:`kind_value`: ``"pants:jeans"`` -> ``("pants", "jeans")``, ``"hat:"`` ->
    ``("hat", None)``. Raises ``ValueError`` for a value without ``:`` or without a category."""
    category, sep, type_slug = (value or "").partition(":")
    if not sep or not category:
        raise ValueError(f"not a category:type value: {value!r}")
    return category, type_slug or None


def _check() -> None:
    assert len(CATEGORIES) == 27 and len(set(CATEGORY_SLUGS)) == 27
    assert len(set(TYPE_BY_SLUG)) == len(TYPES)
    sections = {slug for slug, _ in SECTIONS}
    for c in CATEGORIES:
        assert c.section in sections, c
    for t in TYPES:
        assert t.category in CATEGORY_BY_SLUG, t


_check()
