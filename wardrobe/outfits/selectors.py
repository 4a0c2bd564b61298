"""Outfit reads: outfits with their items, their warmth, calendar entries and the month calendar."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vocabulary.warmth import outfit_clo as sum_clo
from wardrobe.closet.models import WearLog
from wardrobe.outfits.filters import OutfitFilter, PlanFilter
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan


def _with_items(qs: QuerySet[Outfit]) -> QuerySet[Outfit]:
    return qs.prefetch_related(
        "seasons",
        Prefetch(
            "items",
            queryset=OutfitItem.objects.select_related("garment__category__section", "garment__type").order_by(
                "z", "id"
            ),
        ),
    )


def outfit_list(*, user, filters: Mapping | None = None) -> QuerySet[Outfit]:
    """The user's outfits, most recently changed first, with their items (and garments) prefetched;
    ``filters``: ``OutfitFilter`` (``occasion``, ``season``)."""
    qs = _with_items(Outfit.objects.filter(owner=user)).order_by("-updated_at", "-id")
    return OutfitFilter(filters, queryset=qs).qs if filters else qs


def outfit_get(*, user, outfit_id: int) -> Outfit:
    """One of the user's outfits with its items. Raises ``Outfit.DoesNotExist`` for a missing or
    someone else's outfit."""
    return _with_items(Outfit.objects.filter(owner=user)).get(pk=outfit_id)


def outfit_items(outfit: Outfit) -> list[OutfitItem]:
    """The outfit's items bottom layer first (``z``, then id), garments loaded."""
    return sorted(outfit.items.all(), key=lambda item: (item.z, item.pk or 0))


def outfit_clo(outfit: Outfit) -> float:
    """Warmth of ``outfit`` in clo: the sum of its garments' warmth (``vocabulary.warmth.outfit_clo``),
    from the prefetched items (no query with ``outfit_list`` / ``outfit_get``)."""
    return sum_clo(item.garment.warmth for item in outfit.items.all())


def plan_list(*, user, filters: Mapping | None = None, outfit: Outfit | None = None) -> QuerySet[OutfitPlan]:
    """The user's calendar entries, by date; ``filters``: ``PlanFilter`` (``from`` / ``to``, inclusive
    days); ``outfit``: only that outfit's."""
    qs = OutfitPlan.objects.filter(owner=user).select_related("outfit")
    if outfit is not None:
        qs = qs.filter(outfit=outfit)
    qs = qs.order_by("date", "id")
    return PlanFilter(filters, queryset=qs).qs if filters else qs


def plan_get(*, user, plan_id: int) -> OutfitPlan:
    """One of the user's calendar entries. Raises ``OutfitPlan.DoesNotExist`` for a missing or
    someone else's entry."""
    return OutfitPlan.objects.select_related("outfit").get(owner=user, pk=plan_id)


@dataclass
class CalendarDay:
    """One day of the calendar: ``wears`` (``WearLog`` rows with their garment) and ``plans``
    (``OutfitPlan`` rows with their outfit), both in the order they were made."""

    date: dt.date
    wears: list[WearLog] = field(default_factory=list)
    plans: list[OutfitPlan] = field(default_factory=list)

    @property
    def loose_wears(self) -> list[WearLog]:
        """The wears not explained by an outfit marked worn that day (what a day cell shows besides
        its outfits)."""
        in_outfits = {item.garment_id for plan in self.plans if plan.worn for item in plan.outfit.items.all()}
        return [w for w in self.wears if w.garment_id not in in_outfits]


@dataclass
class CalendarMonth:
    """A month of the user's calendar: ``days`` holds each day of the month, first to last."""

    year: int
    month: int
    days: list[CalendarDay]

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def weeks(self) -> list[list[CalendarDay | None]]:
        """The month as weeks, Monday first; ``None`` pads the days of the months before and after."""
        by_date = {d.date: d for d in self.days}
        return [
            [by_date.get(day) for day in week]
            for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(self.year, self.month)
        ]


#: Years the calendar shows (also the range ``calendar_month`` accepts).
MIN_YEAR, MAX_YEAR = 1900, 2200
MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
#: ``MONTH_RE`` within ``MIN_YEAR``..``MAX_YEAR`` and months 01..12, as an OpenAPI pattern.
MONTH_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])$"


def parse_month(value: str | None) -> tuple[int, int]:
    """``"2025-06"`` -> ``(2025, 6)``; empty or None -> this month (current time zone). Raises
    ``ValidationError`` for anything else: a malformed value, month 00 or 13, a year outside
    ``MIN_YEAR``..``MAX_YEAR``."""
    if not value:
        today = timezone.localdate()
        return today.year, today.month
    match = MONTH_RE.fullmatch(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match[2]) <= 12 or not MIN_YEAR <= int(match[1]) <= MAX_YEAR:
        raise ValidationError(
            {
                "month": [
                    _("Give the month as YYYY-MM, e.g. %(example)s.")
                    % {"example": timezone.localdate().strftime("%Y-%m")}
                ]
            }
        )
    return int(match[1]), int(match[2])


def calendar_month(*, user, year: int, month: int) -> CalendarMonth:
    """What the user wore and planned in a month: per day the garments worn (``WearLog``) and the
    outfits planned or worn (``OutfitPlan``). Three queries whatever the month holds.

    Raises ``ValueError`` for a month outside 1..12 or a year outside ``MIN_YEAR``..``MAX_YEAR``."""
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        raise ValueError(f"no such month: {year}-{month}")
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    days = {
        first + dt.timedelta(days=i): CalendarDay(first + dt.timedelta(days=i)) for i in range((last - first).days + 1)
    }
    wears = (
        WearLog.objects.filter(owner=user, worn_on__range=(first, last))
        .select_related("garment__category", "garment__type")
        .order_by("worn_on", "id")
    )
    for wear in wears:
        days[wear.worn_on].wears.append(wear)
    plans = (
        OutfitPlan.objects.filter(owner=user, date__range=(first, last))
        .select_related("outfit")
        .prefetch_related("outfit__items")
        .order_by("date", "id")
    )
    for plan in plans:
        days[plan.date].plans.append(plan)
    return CalendarMonth(year=year, month=month, days=list(days.values()))
