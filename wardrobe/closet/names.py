"""Translatable names of the taxonomy (sections, categories, types) and of the colour palette.

``vocabulary`` knows nothing of Django, so the names it defines are listed here as literals for
``makemessages``; ``display_name`` on the models and the ``color_label`` template filter translate
them with ``gettext``. ``tests/test_i18n.py`` checks that these lists match ``vocabulary.taxonomy``, ``.seasons`` and
``.palette`` and that every entry has a Korean translation.

How a category and a type read together is decided once, here (:func:`kind_label`), and the closet
search matches the taxonomy's names in every language of the app (:func:`taxonomy_names_matching`).
"""

from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

TAXONOMY_NAMES = [
    gettext_noop("Tops"),
    gettext_noop("Outerwear"),
    gettext_noop("Bottoms"),
    gettext_noop("One-pieces"),
    gettext_noop("Shoes"),
    gettext_noop("Bags"),
    gettext_noop("Accessories"),
    gettext_noop("Shirt / blouse"),
    gettext_noop("Top / t-shirt / sweatshirt"),
    gettext_noop("Sweater"),
    gettext_noop("Cardigan"),
    gettext_noop("Jacket"),
    gettext_noop("Vest"),
    gettext_noop("Pants"),
    gettext_noop("Shorts"),
    gettext_noop("Skirt"),
    gettext_noop("Coat"),
    gettext_noop("Dress"),
    gettext_noop("Jumpsuit"),
    gettext_noop("Cape"),
    gettext_noop("Glasses"),
    gettext_noop("Hat"),
    gettext_noop("Headband / head covering / hair accessory"),
    gettext_noop("Tie"),
    gettext_noop("Glove"),
    gettext_noop("Watch"),
    gettext_noop("Belt"),
    gettext_noop("Leg warmer"),
    gettext_noop("Tights / stockings"),
    gettext_noop("Sock"),
    gettext_noop("Shoe"),
    gettext_noop("Bag / wallet"),
    gettext_noop("Scarf"),
    gettext_noop("Umbrella"),
    gettext_noop("Shirt"),
    gettext_noop("Blouse"),
    gettext_noop("T-shirt"),
    gettext_noop("Long sleeve"),
    gettext_noop("Polo"),
    gettext_noop("Hoodie"),
    gettext_noop("Sweatshirt"),
    gettext_noop("Undershirt / tank top"),
    gettext_noop("Bodysuit"),
    gettext_noop("Top"),
    gettext_noop("Blazer"),
    gettext_noop("Jeans"),
    gettext_noop("Leggings"),
    gettext_noop("Romper"),
    gettext_noop("Sunglasses"),
    gettext_noop("Headband"),
    gettext_noop("Gloves"),
    gettext_noop("Leg warmers"),
    gettext_noop("Tights"),
    gettext_noop("Stockings"),
    gettext_noop("Socks"),
    gettext_noop("Sneakers"),
    gettext_noop("Boots"),
    gettext_noop("Heels"),
    gettext_noop("Flats"),
    gettext_noop("Sandals"),
    gettext_noop("Loafers"),
    gettext_noop("Clogs"),
    gettext_noop("Wedges"),
    gettext_noop("Bag"),
    gettext_noop("Purse"),
    gettext_noop("Wallet"),
]

COLOR_NAMES = [
    gettext_noop("black"),
    gettext_noop("charcoal"),
    gettext_noop("grey"),
    gettext_noop("light grey"),
    gettext_noop("white"),
    gettext_noop("cream"),
    gettext_noop("beige"),
    gettext_noop("khaki"),
    gettext_noop("camel"),
    gettext_noop("tan"),
    gettext_noop("brown"),
    gettext_noop("dark brown"),
    gettext_noop("navy"),
    gettext_noop("blue"),
    gettext_noop("denim"),
    gettext_noop("light blue"),
    gettext_noop("teal"),
    gettext_noop("turquoise"),
    gettext_noop("green"),
    gettext_noop("dark green"),
    gettext_noop("olive"),
    gettext_noop("mint"),
    gettext_noop("yellow"),
    gettext_noop("mustard"),
    gettext_noop("orange"),
    gettext_noop("coral"),
    gettext_noop("red"),
    gettext_noop("burgundy"),
    gettext_noop("pink"),
    gettext_noop("hot pink"),
    gettext_noop("purple"),
    gettext_noop("lavender"),
]

SEASON_NAMES = [
    gettext_noop("Spring"),
    gettext_noop("Summer"),
    gettext_noop("Autumn"),
    gettext_noop("Winter"),
]


#: Between a category and its type in one label ("Pants · Jeans").
KIND_SEPARATOR = " · "


def _singular(name: str) -> str:
    """An English name in lower case without its plural ending ("Shoes" -> "shoe", "Dresses" ->
    "dress"; "Dress" stays)."""
    name = " ".join(name.split()).casefold()
    if name.endswith("es") and name[:-2].endswith(("s", "x", "ch", "sh")):
        return name[:-2]
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def same_name(first: str, second: str) -> bool:
    """Whether two English taxonomy names read as one for a person: equal but for case, one the
    plural of the other ("Shoe" and "Shoes", "Glove" and "Gloves"), or the same words in the active
    language (Korean says 신발 for both "Shoe" and "Shoes")."""
    if _singular(first) == _singular(second):
        return True
    return gettext(first).strip().casefold() == gettext(second).strip().casefold()


def kind_label(category: str, type: str | None = None, separator: str = KIND_SEPARATOR) -> str:
    """What a person reads for a category and its type (English names, as the rows store them), in
    the active language: "Pants · Jeans"; only one name where a second would repeat the first: no
    type, or a type named like its category ("Shoes", never "Shoe · Shoes"), then the type's name.
    Also joins a section and a category (``separator=" › "``)."""
    if not type:
        return gettext(category)
    if not category or same_name(category, type):
        return gettext(type)
    return f"{gettext(category)}{separator}{gettext(type)}"


@lru_cache(maxsize=1)
def names_in_every_language() -> dict[str, tuple[str, ...]]:
    """``{English name: its names in every language of settings.LANGUAGES, in lower case}`` for
    every section, category and type name of :data:`TAXONOMY_NAMES`; collected once per process."""
    table: dict[str, set[str]] = {name: set() for name in TAXONOMY_NAMES}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            for name in TAXONOMY_NAMES:
                table[name].add(gettext(name).casefold())
    return {name: tuple(sorted(found)) for name, found in table.items()}


def taxonomy_names_matching(word: str) -> list[str]:
    """The English section, category and type names (of :data:`TAXONOMY_NAMES`) that contain
    ``word`` in any language of the app, whatever its case, singular or plural: "jacket",
    "Jackets" and "재킷" all give ``["Jacket"]``; "bottoms" gives ``["Bottoms"]``."""
    word = " ".join(str(word).split()).casefold()
    if not word:
        return []
    tries = {word}
    if word.endswith("s") and len(word) > 3:
        tries.add(word[:-1])
    if word.endswith("es") and len(word) > 5:
        tries.add(word[:-2])
    return [
        name
        for name, variants in names_in_every_language().items()
        if any(part in variant for part in tries for variant in variants)
    ]
