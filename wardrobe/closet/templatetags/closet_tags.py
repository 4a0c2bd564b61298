"""Template helpers of the closet pages: ``{% load closet_tags %}``."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from vocabulary import taxonomy
from vocabulary.palette import PALETTE, hex_of

register = template.Library()


@register.filter
def color_label(name: str) -> str:
    """A palette colour name in the active language."""
    return gettext(name) if name else ""


@register.filter
def kind_label(guess: dict, names: dict) -> str:
    """``"Type · Category"`` (or just the category) of a guess ``{"category", "type", "score"}``,
    translated; ``names`` maps slugs to English names (``selectors.kind_names``)."""
    category = gettext(names.get(("category", guess.get("category")), guess.get("category") or ""))
    type_name = names.get(("type", guess.get("type")), guess.get("type"))
    if type_name and gettext(type_name) != category:
        return f"{gettext(type_name)} · {category}"
    return category


@register.filter
def kind_value(guess: dict) -> str:
    """``"category:type"`` of a guess (``vocabulary.taxonomy.kind_value``), the value the review forms post."""
    return taxonomy.kind_value(guess.get("category", ""), guess.get("type"))


@register.filter
def make_list_of_one(value) -> list:
    """``[value]``, to include a one-garment review block."""
    return [value]


@register.filter
def palette_hex(name: str) -> str:
    """``#rrggbb`` of a palette colour name ("" for an unknown one)."""
    return hex_of(str(name)) if str(name) in PALETTE else ""
