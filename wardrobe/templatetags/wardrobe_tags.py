"""Template helpers for the wardrobe pages."""
from __future__ import annotations

from django import template
from django.utils.translation import gettext

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
    """``"category:type"`` of a guess, the value the review forms post."""
    return f"{guess.get('category', '')}:{guess.get('type') or ''}"


@register.filter
def percent(value) -> str:
    """0.734 -> "73%"."""
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError):
        return ""


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (a value of None removes the key); drops ``page``."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return "?" + encoded if encoded else "?"


@register.filter
def make_list_of_one(value) -> list:
    """``[value]``, to include a one-garment review block."""
    return [value]


@register.filter
def palette_hex(name: str) -> str:
    """``#rrggbb`` of a palette colour name ("" for an unknown one)."""
    from vision.colors import PALETTE

    rgb = PALETTE.get(str(name))
    return "#%02x%02x%02x" % rgb if rgb else ""
