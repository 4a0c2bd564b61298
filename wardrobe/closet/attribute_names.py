"""Translatable names of the garment attributes (``vocabulary.attributes``): the attributes' and their
values' English labels listed as literals for the catalogue, their labels in the active language, and
the closet search's matching of a word against them in every language of the app ("striped",
"줄무늬"). ``tests/closet/test_attributes.py`` checks that these lists match the vocabulary and that
every entry has a Korean translation.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTES

ATTRIBUTE_LABELS = [
    gettext_noop("Pattern"),
    gettext_noop("Sleeves"),
    gettext_noop("Neckline"),
    gettext_noop("Fit"),
    gettext_noop("Wash"),
    gettext_noop("Damage"),
]

VALUE_LABELS = [
    gettext_noop("Solid"),
    gettext_noop("Striped"),
    gettext_noop("Checked"),
    gettext_noop("Dotted"),
    gettext_noop("Floral"),
    gettext_noop("Graphic print"),
    gettext_noop("Other pattern"),
    gettext_noop("Sleeveless"),
    gettext_noop("Short sleeves"),
    gettext_noop("Long sleeves"),
    gettext_noop("Collar"),
    gettext_noop("Crew neck"),
    gettext_noop("V-neck"),
    gettext_noop("Hood"),
    gettext_noop("Turtleneck"),
    gettext_noop("Other neckline"),
    gettext_noop("Skinny"),
    gettext_noop("Straight"),
    gettext_noop("Wide"),
    gettext_noop("Light wash"),
    gettext_noop("Medium wash"),
    gettext_noop("Dark wash"),
    gettext_noop("Not denim"),
    gettext_noop("None"),
    gettext_noop("Ripped or distressed"),
]


def attribute_label(name: str) -> str:
    """The attribute's label in the active language ("Pattern" / "패턴"); ``name``: an attribute name."""
    return gettext(ATTRIBUTE_BY_NAME[name].label)


def value_label(name: str, slug: str) -> str:
    """The label of value ``slug`` of attribute ``name`` in the active language; "" for an empty or
    unknown slug."""
    for value, label in ATTRIBUTE_BY_NAME[name].values:
        if value == slug:
            return gettext(label)
    return ""


def value_choices(name: str) -> list[tuple[str, str]]:
    """``(slug, label in the active language)`` of attribute ``name``, in the vocabulary's order."""
    return [(slug, gettext(label)) for slug, label in ATTRIBUTE_BY_NAME[name].values]


@lru_cache(maxsize=1)
def _labels_in_every_language() -> list[tuple[str, str, tuple[str, ...]]]:
    """``(attribute name, value slug, its labels in every language in lower case)`` of every value;
    collected once per process."""
    rows = []
    for attribute in ATTRIBUTES:
        for slug, label in attribute.values:
            found = {slug.casefold(), label.casefold()}
            for code, _language in settings.LANGUAGES:
                with translation.override(code):
                    found.add(gettext(label).casefold())
            rows.append((attribute.name, slug, tuple(sorted(found))))
    return rows


def attribute_values_matching(word: str) -> list[tuple[str, str]]:
    """The ``(attribute name, value slug)`` pairs whose label, in any language of the app and whatever
    its case, contains ``word`` ("striped", "Stripe" and "줄무늬" give ``[("pattern", "striped")]``).
    Words of fewer than 3 letters (2 for Hangul) match nothing here, so "a" or "v" do not select
    half the closet; "none" and "other" are left out too (they describe no detail to search by)."""
    word = " ".join(str(word).split()).casefold()
    hangul = any("\uac00" <= ch <= "\ud7a3" for ch in word)
    if len(word) < (2 if hangul else 3):
        return []
    return [
        (name, slug)
        for name, slug, labels in _labels_in_every_language()
        if slug not in ("none", "other") and any(word in label for label in labels)
    ]
