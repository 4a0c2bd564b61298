"""Declutter candidates (reads): the items a person may let go, computed by the database.

* Unworn: active items not worn for ``days`` (one of :data:`PERIODS`); a never-worn item counts
  once it has been owned for that long (``selectors.unworn_q``), longest unworn first.
* Worn rarely for their price: active items priced in the profile's currency whose cost per wear
  (``price / max(wear_count, 1)``) is above ``max_cost_per_wear``, or without a threshold the ``top``
  items of the highest cost per wear.

Letting them go is the closet's write: ``wardrobe.closet.services.garments_bulk_update`` with
``{"archive": "donated" | "sold"}`` (all or nothing, the user's own ids only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.selectors import profile_get
from wardrobe.closet.models import Garment
from wardrobe.stats.selectors import active_garments, cost_per_wear, in_currency, unworn_q

#: The periods a person picks from, in days.
PERIODS = (30, 90, 180, 365)
DEFAULT_PERIOD = 90
DEFAULT_TOP = 10
MAX_TOP = 100
#: The reasons a declutter archives with.
REASONS = (Garment.ArchiveReason.DONATED, Garment.ArchiveReason.SOLD)


def _shown(qs: QuerySet[Garment]) -> QuerySet[Garment]:
    return qs.select_related("category", "type")


def declutter_unworn(*, user, days: int, today: dt.date | None = None) -> QuerySet[Garment]:
    """The user's active items not worn for ``days`` days (annotated ``since``: owned since), the
    longest unworn first: never worn (oldest first), then by last wear. ``days`` > 0."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=days)
    qs = active_garments(user=user).filter(unworn_q(cutoff))
    return _shown(qs).order_by(F("last_worn_on").asc(nulls_first=True), "since", "id")


def declutter_costly(
    *, user, max_cost_per_wear: Decimal | None = None, top: int = DEFAULT_TOP
) -> tuple[QuerySet[Garment], str]:
    """The user's active items worn rarely for their price, highest cost per wear first (annotated
    ``cpw``, a Decimal in the profile's currency): those above ``max_cost_per_wear`` when given (>= 0),
    else the ``top`` (1..``MAX_TOP``) highest. Returns ``(items, currency)``."""
    currency = profile_get(user=user).currency
    qs = _shown(in_currency(active_garments(user=user), currency).annotate(cpw=cost_per_wear()))
    qs = qs.order_by("-cpw", "wear_count", "id")
    if max_cost_per_wear is not None:
        return qs.filter(cpw__gt=max_cost_per_wear), currency
    return qs[:top], currency
