"""The review cards' unsure attributes (issue 17): ``{% load closet_attributes %}``, then
``{% unsure_attributes garment as rows %}``: the rows of ``closet.views.attributes.attribute_rows``
that are unsure for the page's user, each with ``choices`` (slug, label in the active language) and
``applies`` (the category slugs it is asked of, space-separated: the page's script leaves it out of
the confirm body when the person picks a kind it does not apply to)."""

from __future__ import annotations

from django import template

from vocabulary.attributes import ATTRIBUTE_BY_NAME, CLOTHING_CATEGORIES
from wardrobe.closet.attribute_names import value_choices
from wardrobe.closet.views.attributes import attribute_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def unsure_attributes(context, garment) -> list[dict]:
    """The attributes of ``garment`` whose model value is unsure for ``request.user``."""
    rows = [r for r in attribute_rows(user=context["request"].user, garment=garment) if r["unsure"]]
    for row in rows:
        row["choices"] = value_choices(row["name"])
        applies_to = ATTRIBUTE_BY_NAME[row["name"]].applies_to
        row["applies"] = " ".join(sorted(CLOTHING_CATEGORIES if applies_to is None else applies_to))
    return rows
