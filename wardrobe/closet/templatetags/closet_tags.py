"""Template helpers of the closet pages: ``{% load closet_tags %}``."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from vocabulary import taxonomy
from vocabulary.palette import PALETTE, hex_of
from wardrobe.closet import names as taxonomy_names
from wardrobe.closet.cards import garment_card_html

register = template.Library()


@register.filter
def color_label(name: str) -> str:
    """A palette colour name in the active language."""
    return gettext(name) if name else ""


@register.filter
def kind_label(guess: dict, names: dict) -> str:
    """``"Category · Type"`` of a guess ``{"category", "type", "score"}`` in the active language, one
    name where the type repeats the category (``wardrobe.closet.names.kind_label``); ``names`` maps
    slugs to English names (``selectors.kind_names``)."""
    category = names.get(("category", guess.get("category")), guess.get("category") or "")
    type_slug = guess.get("type")
    return taxonomy_names.kind_label(category, names.get(("type", type_slug), type_slug) if type_slug else None)


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


@register.filter
def same_name(first: str, second: str) -> bool:
    """``{% if section.name|same_name:category.name %}``: whether two English taxonomy names read as
    one for a person ("Shoes" and "Shoe"), so a page shows only one of them
    (:func:`wardrobe.closet.names.same_name`)."""
    return taxonomy_names.same_name(str(first), str(second))


@register.simple_tag
def garment_cards(garments, selectable: bool = False) -> SafeString:
    """``{% garment_cards page.object_list selectable=True %}``: the garments' cards, one after the
    other (:func:`wardrobe.closet.cards.garment_card_html`; one tag call for the whole grid)."""
    return mark_safe("".join(garment_card_html(g, selectable=bool(selectable)) for g in garments))  # noqa: S308


@register.simple_tag
def kind_options(categories: list[dict], selected="") -> SafeString:
    """``{% kind_options categories form.kind.value %}``: the ``<optgroup>``s of a "category and
    type" picker (``categories``: ``views.lookups.kind_choices()``), the option whose value (or
    alias) is ``selected`` marked. Built in Python: the template loops took about 1 ms a picker."""
    chosen = str(selected or "")
    parts = []
    for group in categories:
        parts.append(f'<optgroup label="{escape(str(group["label"]))}">')
        for value, label, alias in group["options"]:
            mark = " selected" if chosen and (chosen == value or (alias and chosen == alias)) else ""
            parts.append(f'\n  <option value="{escape(value)}"{mark}>{escape(str(label))}</option>')
        parts.append("\n</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 (labels and values are escaped)
