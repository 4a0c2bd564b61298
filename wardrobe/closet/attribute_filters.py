"""The closet's filters by garment attribute (issue 17): one choice filter per attribute of
``vocabulary.attributes.ATTRIBUTES`` (``?pattern=striped&sleeve=long``), the base of
``closet.filters.GarmentFilter``, so the closet page, the API and its OpenAPI parameters get them."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from vocabulary.attributes import ATTRIBUTE_BY_NAME
from wardrobe.core.filtersets import ShallowCopyFilterSet


def _attribute_filter(name: str) -> django_filters.ChoiceFilter:
    attribute = ATTRIBUTE_BY_NAME[name]
    return django_filters.ChoiceFilter(
        field_name=name,
        choices=[(slug, _(label)) for slug, label in attribute.values],
        label=_(attribute.label),
        help_text=f"{attribute.label}: one of {', '.join(attribute.slugs)}.",
        error_messages={
            "invalid_choice": _("Unknown %(what)s “%%(value)s”; choose one of %(values)s.")
            % {"what": name, "values": ", ".join(attribute.slugs)}
        },
    )


class GarmentAttributeFilters(ShallowCopyFilterSet):
    """``pattern``, ``sleeve``, ``neckline``, ``fit``, ``wash``, ``damage``: garments with that value."""

    pattern = _attribute_filter("pattern")
    sleeve = _attribute_filter("sleeve")
    neckline = _attribute_filter("neckline")
    fit = _attribute_filter("fit")
    wash = _attribute_filter("wash")
    damage = _attribute_filter("damage")
