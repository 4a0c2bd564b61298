"""Clothing insulation (warmth) of garments and outfits, in clo (1 clo = 0.155 m²·K/W).

Pure data and arithmetic, no Django import: the models, the outfit rules and the tests read it (the
seed migration holds a frozen copy).

Sources of the per-garment values ("effective insulation of the garment", I_clu):

* ASHRAE Standard 55-2020, *Thermal Environmental Conditions for Human Occupancy*, Table 5.2.2.2B
  "Garment Insulation" (itself from ISO 9920 and McCullough et al. 1985, 1989): e.g. T-shirt 0.08,
  short-sleeve dress shirt 0.19, long-sleeve dress shirt 0.25, long-sleeve sweatshirt 0.34, walking
  shorts 0.08, straight trousers (thin) 0.15 / (thick) 0.24, sweatpants 0.28, skirt (thin) 0.14 /
  (thick) 0.23, long-sleeve shirtdress (thin) 0.33, long-sleeve sweater (thin) 0.25 / (thick) 0.36,
  sleeveless vest (thick) 0.22, single-breasted suit jacket (thin) 0.36 / (thick) 0.44, shoes 0.02,
  sandals 0.02, boots 0.10, calf-length socks 0.03, pantyhose 0.02, coveralls 0.49.
* ISO 9920:2007, *Ergonomics of the thermal environment — Estimation of thermal insulation and
  water vapour resistance of a clothing ensemble*, Annex A (garments the ASHRAE table lacks:
  overcoat about 0.60, down jacket 0.55, hooded sweat jacket, gloves 0.05, scarf, hat).

A category or type missing from both tables takes the value of the nearest listed garment (noted per
entry). The outfit value is the sum of its garments' values: ASHRAE 55-2020 section 5.2.2.2,
"Method 2: ... summing the individual garment insulation values" (I_cl = Σ I_clu,i).
"""

from __future__ import annotations

from collections.abc import Iterable

#: Default warmth per category slug (clo); types below refine it.
CATEGORY_CLO: dict[str, float] = {
    "shirt-blouse": 0.25,  # long-sleeve dress shirt
    "top-t-shirt-sweatshirt": 0.08,  # T-shirt
    "sweater": 0.30,  # long-sleeve sweater, between thin 0.25 and thick 0.36
    "cardigan": 0.28,  # long-sleeve sweater (thin), open front
    "jacket": 0.40,  # single-breasted suit jacket, between thin 0.36 and thick 0.44
    "vest": 0.17,  # sleeveless suit vest (thick)
    "pants": 0.20,  # straight trousers, between thin 0.15 and thick 0.24
    "shorts": 0.08,  # walking shorts
    "skirt": 0.18,  # skirt, between thin 0.14 and thick 0.23
    "coat": 0.60,  # overcoat (ISO 9920)
    "dress": 0.33,  # long-sleeve shirtdress (thin)
    "jumpsuit": 0.49,  # coveralls
    "cape": 0.40,  # nearest: jacket
    "glasses": 0.0,
    "hat": 0.01,  # ISO 9920 headgear
    "headband-head-covering-hair-accessory": 0.0,
    "tie": 0.0,
    "glove": 0.05,  # ISO 9920 gloves
    "watch": 0.0,
    "belt": 0.0,
    "leg-warmer": 0.03,  # nearest: calf-length socks
    "tights-stockings": 0.02,  # pantyhose / stockings
    "sock": 0.03,  # calf-length socks
    "shoe": 0.02,  # shoes
    "bag-wallet": 0.0,
    "scarf": 0.05,  # ISO 9920 scarf (nearest: gloves)
    "umbrella": 0.0,
}

#: Types whose value differs from their category's.
TYPE_CLO: dict[str, float] = {
    "blouse": 0.20,  # between short-sleeve 0.19 and long-sleeve 0.25 dress shirt
    "t-shirt": 0.08,
    "long-sleeve": 0.12,  # nearest: long-sleeve knit sport shirt
    "polo": 0.17,  # short-sleeve knit sport shirt
    "hoodie": 0.40,  # long-sleeve sweatshirt 0.34, plus the hood (ISO 9920 sweat jacket)
    "sweatshirt": 0.34,  # long-sleeve sweatshirt
    "undershirt": 0.06,  # sleeveless/scoop-neck undershirt
    "bodysuit": 0.10,
    "top": 0.10,
    "blazer": 0.36,  # single-breasted suit jacket (thin)
    "jeans": 0.24,  # straight trousers (thick)
    "leggings": 0.15,  # straight trousers (thin)
    "romper": 0.20,  # nearest: short-sleeve dress (thin) 0.29 less the legs
    "sunglasses": 0.0,
    "boots": 0.10,
    "sandals": 0.02,
    "sneakers": 0.02,
    "heels": 0.02,
    "flats": 0.02,
    "loafers": 0.02,
    "clogs": 0.02,
    "wedges": 0.02,
}


#: Highest warmth (clo) a user may give one garment (the warmest single garments of ISO 9920 are below 1).
MAX_GARMENT_CLO = 3.0


def default_clo(category_slug: str, type_slug: str | None = None) -> float:
    """Default warmth in clo of a garment of this category (and type, when given and listed).

    Unknown slugs give 0.0 (no insulation assumed).
    """
    if type_slug and type_slug in TYPE_CLO:
        return TYPE_CLO[type_slug]
    return CATEGORY_CLO.get(category_slug, 0.0)


def outfit_clo(values: Iterable[float]) -> float:
    """Warmth of an outfit in clo: the sum of its garments' clo (ASHRAE 55-2020, 5.2.2.2 Method 2),
    rounded to 2 decimals."""
    return round(sum(float(v) for v in values), 2)
