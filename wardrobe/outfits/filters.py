"""List filters of outfits and the calendar (django-filter), for the pages, the API and its schema."""

from __future__ import annotations

import django_filters

from vocabulary.seasons import SEASONS
from wardrobe.outfits.models import Outfit, OutfitPlan


class OutfitFilter(django_filters.FilterSet):
    occasion = django_filters.ChoiceFilter(choices=Outfit.Occasion.choices, help_text="Only this occasion.")
    season = django_filters.ChoiceFilter(
        field_name="seasons", choices=SEASONS, help_text="Only outfits tagged with this season."
    )

    class Meta:
        model = Outfit
        fields: list[str] = []


class PlanFilter(django_filters.FilterSet):
    """``from`` and ``to``: inclusive days (``to`` before ``from`` is an empty range)."""

    to = django_filters.DateFilter(field_name="date", lookup_expr="lte", help_text="Last day (inclusive).")

    class Meta:
        model = OutfitPlan
        fields: list[str] = []

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        # ``from`` is a Python keyword: it cannot be a class attribute.
        filters["from"] = django_filters.DateFilter(
            field_name="date", lookup_expr="gte", help_text="First day (inclusive)."
        )
        return filters
