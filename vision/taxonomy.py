"""The one place that maps each dataset's labels onto the app's taxonomy.

Plain data, no torch import. Sections, categories and types (and their lookups) belong to
:mod:`vocabulary.taxonomy`, the app's single source of those names; they are re-exported here for
the vision code. Detector class ids are ``1 + CATEGORY_SLUGS.index(slug)``; 0 is background.

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

from vocabulary.taxonomy import (  # noqa: F401  (re-exported for the vision code)
    CATEGORIES,
    CATEGORY_BY_SLUG,
    CATEGORY_SLUGS,
    SECTIONS,
    TYPE_BY_SLUG,
    TYPES,
    Category,
    GarmentType,
    category_of_type,
)

# Clothing Co-Parsing: all 59 labels (label_list.mat order, id = index).
CCP_LABELS: list[str] = [
    "null",
    "accessories",
    "bag",
    "belt",
    "blazer",
    "blouse",
    "bodysuit",
    "boots",
    "bra",
    "bracelet",
    "cape",
    "cardigan",
    "clogs",
    "coat",
    "dress",
    "earrings",
    "flats",
    "glasses",
    "gloves",
    "hair",
    "hat",
    "heels",
    "hoodie",
    "intimate",
    "jacket",
    "jeans",
    "jumper",
    "leggings",
    "loafers",
    "necklace",
    "panties",
    "pants",
    "pumps",
    "purse",
    "ring",
    "romper",
    "sandals",
    "scarf",
    "shirt",
    "shoes",
    "shorts",
    "skin",
    "skirt",
    "sneakers",
    "socks",
    "stockings",
    "suit",
    "sunglasses",
    "sweater",
    "sweatshirt",
    "swimwear",
    "t-shirt",
    "tie",
    "tights",
    "top",
    "vest",
    "wallet",
    "watch",
    "wedges",
]
CCP_TO_TYPE: dict[str, str | None] = {
    "null": None,
    "skin": None,
    "hair": None,
    "accessories": None,
    "bracelet": None,
    "earrings": None,
    "necklace": None,
    "ring": None,
    "bra": None,
    "intimate": None,
    "panties": None,
    "swimwear": None,
    "bag": "bag",
    "purse": "purse",
    "wallet": "wallet",
    "belt": "belt",
    "blazer": "blazer",
    "suit": "blazer",
    "jacket": "jacket",
    "blouse": "blouse",
    "shirt": "shirt",
    "bodysuit": "bodysuit",
    "hoodie": "hoodie",
    "sweatshirt": "sweatshirt",
    "t-shirt": "t-shirt",
    "top": "top",
    "boots": "boots",
    "clogs": "clogs",
    "flats": "flats",
    "heels": "heels",
    "pumps": "heels",
    "loafers": "loafers",
    "sandals": "sandals",
    "shoes": "shoes",
    "sneakers": "sneakers",
    "wedges": "wedges",
    "cape": "cape",
    "cardigan": "cardigan",
    "coat": "coat",
    "dress": "dress",
    "romper": "romper",
    "glasses": "glasses",
    "sunglasses": "sunglasses",
    "gloves": "gloves",
    "hat": "hat",
    "jeans": "jeans",
    "leggings": "leggings",
    "pants": "pants",
    "shorts": "shorts",
    "skirt": "skirt",
    "jumper": "sweater",
    "sweater": "sweater",
    "vest": "vest",
    "scarf": "scarf",
    "socks": "socks",
    "stockings": "stockings",
    "tights": "tights",
    "tie": "tie",
    "watch": "watch",
}

# alexeygrigorev/clothing-dataset: all 20 labels.
CLOTHING_TO_TYPE: dict[str, str | None] = {
    "T-Shirt": "t-shirt",
    "Longsleeve": "long-sleeve",
    "Pants": "pants",
    "Shoes": "shoes",
    "Shirt": "shirt",
    "Dress": "dress",
    "Outwear": "jacket",
    "Shorts": "shorts",
    "Hat": "hat",
    "Skirt": "skirt",
    "Polo": "polo",
    "Undershirt": "undershirt",
    "Blazer": "blazer",
    "Hoodie": "hoodie",
    "Body": "bodysuit",
    "Top": "top",
    "Blouse": "blouse",
    "Other": None,
    "Not sure": None,
    "Skip": None,
}

EVAL_LABELS: list[str] = [
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
]
TYPE_TO_EVAL_LABEL: dict[str, str] = {
    "t-shirt": "T-Shirt",
    "long-sleeve": "Longsleeve",
    "pants": "Pants",
    "jeans": "Pants",
    "leggings": "Pants",
    **{t.slug: "Shoes" for t in TYPES if t.category == "shoe"},
    "shirt": "Shirt",
    "dress": "Dress",
    "jacket": "Outwear",
    "coat": "Outwear",
    "shorts": "Shorts",
    "hat": "Hat",
    "skirt": "Skirt",
}


def ccp_category_id(label_id: int) -> int:
    """Detector class id (0 = background, 1..27 = CATEGORIES) of a CCP label id (0..58)."""
    type_slug = CCP_TO_TYPE[CCP_LABELS[label_id]]
    if type_slug is None:
        return 0
    return 1 + CATEGORY_SLUGS.index(category_of_type(type_slug))


def _check() -> None:
    assert len(CCP_LABELS) == 59 and set(CCP_TO_TYPE) == set(CCP_LABELS)
    assert len(CLOTHING_TO_TYPE) == 20
    for mapping in (CCP_TO_TYPE, CLOTHING_TO_TYPE, TYPE_TO_EVAL_LABEL):
        for key, value in mapping.items():
            assert value is None or value in TYPE_BY_SLUG or value in EVAL_LABELS, (key, value)


_check()
