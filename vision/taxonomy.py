"""The garment taxonomy, and the one place that maps each dataset's labels onto it.

Plain data, no torch import: the web app's migrations and the training code both read it.

Categories are the 27 apparel categories of Fashionpedia (Jia et al., "Fashionpedia: Ontology,
Segmentation, and an Attribute Localization Dataset", ECCV 2020), the list used by its
Attribute-Mask R-CNN. Each category sits in one closet section. A **type** is a finer name inside
one category, where a dataset gives one (jeans inside pants, sneakers inside shoe, ...).

Detector class ids are ``1 + CATEGORY_SLUGS.index(slug)``; 0 is background.

Mapping tables:

* ``CCP_TO_TYPE``: the 59 labels of Clothing Co-Parsing (Yang, Luo, Lin, CVPR 2014) to a type slug,
  or ``None`` for labels outside the taxonomy. ``null``, ``skin`` and ``hair`` are background; so are
  jewellery (bracelet, earrings, necklace, ring), underwear and swimwear (bra, intimate, panties,
  swimwear) and the unspecific ``accessories``, none of which is a Fashionpedia apparel category.
* ``CLOTHING_TO_TYPE``: the 20 labels of alexeygrigorev/clothing-dataset to a type slug, or ``None``
  for ``Other``, ``Not sure`` and ``Skip``, which name no garment.
* ``EVAL_LABELS`` and ``TYPE_TO_EVAL_LABEL``: the 10 clothing-dataset classes the type-level top-1
  is measured over, and which types count as each (any shoe type is ``Shoes``; jeans and leggings
  are ``Pants``; jacket and coat are ``Outwear``).
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
    slug: str
    name: str
    section: str


@dataclass(frozen=True)
class GarmentType:
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
    Category("headband-head-covering-hair-accessory", "Headband / head covering / hair accessory",
             "accessories"),
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

# Clothing Co-Parsing: all 59 labels (label_list.mat order, id = index).
CCP_LABELS: list[str] = [
    "null", "accessories", "bag", "belt", "blazer", "blouse", "bodysuit", "boots", "bra", "bracelet",
    "cape", "cardigan", "clogs", "coat", "dress", "earrings", "flats", "glasses", "gloves", "hair",
    "hat", "heels", "hoodie", "intimate", "jacket", "jeans", "jumper", "leggings", "loafers",
    "necklace", "panties", "pants", "pumps", "purse", "ring", "romper", "sandals", "scarf", "shirt",
    "shoes", "shorts", "skin", "skirt", "sneakers", "socks", "stockings", "suit", "sunglasses",
    "sweater", "sweatshirt", "swimwear", "t-shirt", "tie", "tights", "top", "vest", "wallet", "watch",
    "wedges",
]
CCP_TO_TYPE: dict[str, str | None] = {
    "null": None, "skin": None, "hair": None,
    "accessories": None, "bracelet": None, "earrings": None, "necklace": None, "ring": None,
    "bra": None, "intimate": None, "panties": None, "swimwear": None,
    "bag": "bag", "purse": "purse", "wallet": "wallet",
    "belt": "belt", "blazer": "blazer", "suit": "blazer", "jacket": "jacket",
    "blouse": "blouse", "shirt": "shirt",
    "bodysuit": "bodysuit", "hoodie": "hoodie", "sweatshirt": "sweatshirt", "t-shirt": "t-shirt",
    "top": "top",
    "boots": "boots", "clogs": "clogs", "flats": "flats", "heels": "heels", "pumps": "heels",
    "loafers": "loafers", "sandals": "sandals", "shoes": "shoes", "sneakers": "sneakers",
    "wedges": "wedges",
    "cape": "cape", "cardigan": "cardigan", "coat": "coat", "dress": "dress", "romper": "romper",
    "glasses": "glasses", "sunglasses": "sunglasses", "gloves": "gloves", "hat": "hat",
    "jeans": "jeans", "leggings": "leggings", "pants": "pants", "shorts": "shorts", "skirt": "skirt",
    "jumper": "sweater", "sweater": "sweater", "vest": "vest",
    "scarf": "scarf", "socks": "socks", "stockings": "stockings", "tights": "tights",
    "tie": "tie", "watch": "watch",
}

# alexeygrigorev/clothing-dataset: all 20 labels.
CLOTHING_TO_TYPE: dict[str, str | None] = {
    "T-Shirt": "t-shirt", "Longsleeve": "long-sleeve", "Pants": "pants", "Shoes": "shoes",
    "Shirt": "shirt", "Dress": "dress", "Outwear": "jacket", "Shorts": "shorts", "Hat": "hat",
    "Skirt": "skirt", "Polo": "polo", "Undershirt": "undershirt", "Blazer": "blazer",
    "Hoodie": "hoodie", "Body": "bodysuit", "Top": "top", "Blouse": "blouse",
    "Other": None, "Not sure": None, "Skip": None,
}

EVAL_LABELS: list[str] = ["T-Shirt", "Longsleeve", "Pants", "Shoes", "Shirt", "Dress", "Outwear",
                          "Shorts", "Hat", "Skirt"]
TYPE_TO_EVAL_LABEL: dict[str, str] = {
    "t-shirt": "T-Shirt", "long-sleeve": "Longsleeve",
    "pants": "Pants", "jeans": "Pants", "leggings": "Pants",
    **{t.slug: "Shoes" for t in TYPES if t.category == "shoe"},
    "shirt": "Shirt", "dress": "Dress", "jacket": "Outwear", "coat": "Outwear",
    "shorts": "Shorts", "hat": "Hat", "skirt": "Skirt",
}


def category_of_type(type_slug: str) -> str:
    """Category slug of a type slug. Raises KeyError for an unknown type."""
    return TYPE_BY_SLUG[type_slug].category


def ccp_category_id(label_id: int) -> int:
    """Detector class id (0 = background, 1..27 = CATEGORIES) of a CCP label id (0..58)."""
    type_slug = CCP_TO_TYPE[CCP_LABELS[label_id]]
    if type_slug is None:
        return 0
    return 1 + CATEGORY_SLUGS.index(category_of_type(type_slug))


def _check() -> None:
    assert len(CATEGORIES) == 27 and len(set(CATEGORY_SLUGS)) == 27
    assert len(CCP_LABELS) == 59 and set(CCP_TO_TYPE) == set(CCP_LABELS)
    assert len(CLOTHING_TO_TYPE) == 20
    for t in TYPES:
        assert t.category in CATEGORY_BY_SLUG, t
    for mapping in (CCP_TO_TYPE, CLOTHING_TO_TYPE, TYPE_TO_EVAL_LABEL):
        for key, value in mapping.items():
            assert value is None or value in TYPE_BY_SLUG or value in EVAL_LABELS, (key, value)


_check()
