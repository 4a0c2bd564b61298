"""Outfits: writes (services) and reads (selectors) for outfits, their canvas items and the calendar.

Errors are ``django.core.exceptions.ValidationError``; nothing is written when one is raised.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wardrobe import warmth
from wardrobe.models import Garment, Outfit, OutfitItem, OutfitPlan, WearLog


class ItemLayout(TypedDict, total=False):
    """One garment on the canvas: ``garment`` (id), and optional ``x``, ``y`` (centre, fractions of
    the canvas, 0..1), ``width`` (fraction of the canvas width, 0.05..1) and ``z`` (layer)."""

    garment: int
    x: float
    y: float
    width: float
    z: int


#: Where a garment goes on a new canvas when no layout is given, by closet section: (x, y, width, z).
DEFAULT_PLACES: dict[str, tuple[float, float, float, int]] = {
    "outerwear": (0.32, 0.32, 0.46, 3),
    "tops": (0.55, 0.28, 0.40, 2),
    "one-pieces": (0.55, 0.45, 0.42, 2),
    "bottoms": (0.55, 0.66, 0.36, 1),
    "shoes": (0.55, 0.90, 0.26, 0),
    "bags": (0.18, 0.72, 0.24, 4),
    "accessories": (0.18, 0.12, 0.18, 5),
}


#: Most garments one outfit may hold.
MAX_ITEMS = 40


def _clean_items(owner, items: Iterable[ItemLayout]) -> list[OutfitItem]:
    """Check a layout against ``owner``'s closet; unsaved ``OutfitItem`` rows (no outfit yet)."""
    if isinstance(items, (str, bytes, dict)):
        raise ValidationError({"items": [_("Items must be a list of garments.")]})
    try:
        items = list(items)
    except TypeError:
        raise ValidationError({"items": [_("Items must be a list of garments.")]})
    if not items:
        raise ValidationError({"items": [_("An outfit needs at least one garment.")]})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": [_("An outfit holds at most %(n)d garments.") % {"n": MAX_ITEMS}]})
    ids = []
    for item in items:
        try:
            if isinstance(item["garment"], bool):
                raise TypeError
            ids.append(int(item["garment"]))
        except (KeyError, TypeError, ValueError, IndexError, OverflowError):
            raise ValidationError({"items": [_("Each item needs a garment id.")]})
        if not 0 < ids[-1] < 2**31:
            raise ValidationError({"items": [_("No such garment in your closet: %(id)s.") % {"id": ids[-1]}]})
    if len(set(ids)) != len(ids):
        raise ValidationError({"items": [_("A garment can be in an outfit only once.")]})
    garments = {g.pk: g for g in Garment.objects.filter(owner=owner, pk__in=ids, status=Garment.Status.CLOSET)
                .select_related("category__section")}
    missing = [i for i in ids if i not in garments]
    if missing:
        away = Garment.objects.filter(owner=owner, pk=missing[0]).select_related("category", "type").first()
        if away is not None:  # the owner's, but archived or waiting for review
            raise ValidationError({"items": [_("%(item)s is not in your closet (archived or waiting for review).")
                                             % {"item": away.label}]})
        raise ValidationError({"items": [_("No such garment in your closet: %(id)s.") % {"id": missing[0]}]})
    out = []
    for item, pk in zip(items, ids):
        garment = garments[pk]
        dx, dy, dw, dz = DEFAULT_PLACES.get(garment.category.section.slug, (0.5, 0.5, 0.4, 0))
        try:
            x = float(item.get("x", dx))
            y = float(item.get("y", dy))
            width = float(item.get("width", dw))
            z = int(item.get("z", dz))
        except (TypeError, ValueError, OverflowError):
            raise ValidationError({"items": [_("Positions must be numbers.")]})
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 and 0.05 <= width <= 1.0 and -1000 <= z <= 1000):
            raise ValidationError({"items": [_("Positions must lie on the canvas (0 to 1).")]})
        out.append(OutfitItem(garment=garment, x=x, y=y, width=width, z=z))
    return out


def _clean_name(name) -> str:
    name = (name if isinstance(name, str) else "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the outfit a name.")]})
    if len(name) > 120:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": 120}]})
    return name


def _clean_occasion(occasion) -> str:
    occasion = occasion or ""
    if occasion and occasion not in Outfit.Occasion.values:
        raise ValidationError({"occasion": [_("Unknown occasion %(value)s.") % {"value": occasion}]})
    return occasion


def _clean_seasons(seasons) -> str:
    """Season slugs -> the stored ``",spring,autumn,"`` (in the calendar's order), or ""."""
    if isinstance(seasons, (str, bytes)):
        seasons = [seasons] if seasons else []
    seasons = list(seasons or ())
    unknown = [s for s in seasons if s not in Garment.Season.values]
    if unknown:
        raise ValidationError({"seasons": [_("Unknown season %(value)s.") % {"value": unknown[0]}]})
    chosen = [v for v in Garment.Season.values if v in seasons]
    return ("," + ",".join(chosen) + ",") if chosen else ""


def outfit_create(*, owner, name: str, items: Iterable[ItemLayout], occasion: str = "",
                  seasons: Iterable[str] = (), source: str = Outfit.Source.BUILDER,
                  explanation: str = "") -> Outfit:
    """Create an outfit of ``owner``'s own garments (in the closet) with their canvas layout.

    ``items``: see ``ItemLayout``; an item without a position gets its section's default place
    (``DEFAULT_PLACES``). ``occasion``: an ``Outfit.Occasion`` value or empty; ``seasons``: season
    slugs. Raises ``ValidationError`` (a dict keyed by ``name`` / ``occasion`` / ``seasons`` /
    ``items``) for an empty name or one over 120 characters, no items (or more than ``MAX_ITEMS``),
    a garment listed twice, a garment that is not in the owner's closet (someone else's, archived or
    waiting for review), a position off the canvas, or an unknown occasion/season; then nothing is
    written.
    """
    name = _clean_name(name)
    occasion = _clean_occasion(occasion)
    seasons_value = _clean_seasons(seasons)
    layout = _clean_items(owner, items)
    with transaction.atomic():
        outfit = Outfit.objects.create(owner=owner, name=name, occasion=occasion, seasons=seasons_value,
                                       source=source, explanation=(explanation or "")[:300])
        for item in layout:
            item.outfit = outfit
        OutfitItem.objects.bulk_create(layout)
    return outfit


_UNSET: Any = object()


def outfit_update(*, outfit: Outfit, name: str = _UNSET, occasion: str = _UNSET,
                  seasons: Iterable[str] = _UNSET, items: Iterable[ItemLayout] = _UNSET) -> Outfit:
    """Change an outfit; only the arguments given change. ``items`` replaces the whole layout (the
    same rules as ``outfit_create``: garments of the outfit's owner, in the closet, on the canvas).

    Raises ``ValidationError`` (keyed by field) as ``outfit_create`` does; then nothing is written.
    ``updated_at`` moves on every call (the rendered picture's cache key).
    """
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = _clean_name(name)
    if occasion is not _UNSET:
        changes["occasion"] = _clean_occasion(occasion)
    if seasons is not _UNSET:
        changes["seasons"] = _clean_seasons(seasons)
    layout = _clean_items(outfit.owner, items) if items is not _UNSET else None
    with transaction.atomic():
        for attr, value in changes.items():
            setattr(outfit, attr, value)
        outfit.save()
        if layout is not None:
            outfit.items.all().delete()
            for item in layout:
                item.outfit = outfit
            OutfitItem.objects.bulk_create(layout)
    return outfit


def outfit_delete(*, outfit: Outfit) -> None:
    """Delete an outfit with its layout and its calendar entries. The garments and their wear log
    stay (a worn outfit's wears remain in the garments' history)."""
    outfit.delete()


def outfit_warmth(outfit: Outfit) -> float:
    """Warmth of ``outfit`` in clo: the sum of its garments' warmth (``wardrobe.warmth.outfit_clo``)."""
    garments = [item.garment for item in outfit.items.select_related("garment__type", "garment__category")]
    return warmth.outfit_clo(g.warmth for g in garments)


def plan_create(*, owner, outfit: Outfit, date: dt.date, worn: bool = False) -> OutfitPlan:
    """Put ``outfit`` on ``owner``'s calendar for ``date`` (once per day; again: the same row, its
    ``worn`` flag raised when ``worn``). Raises ``ValidationError`` when the outfit is not the owner's."""
    if outfit.owner_id != owner.pk:
        raise ValidationError({"outfit": [_("No such outfit.")]})
    plan, created = OutfitPlan.objects.get_or_create(owner=owner, outfit=outfit, date=date,
                                                     defaults={"worn": worn})
    if worn and not plan.worn:
        plan.worn = True
        plan.save(update_fields=["worn"])
    return plan


def plan_delete(*, plan: OutfitPlan) -> None:
    """Take an entry off the calendar. A worn entry's wears stay in the garments' wear log (undo
    those on the garment pages)."""
    plan.delete()


def plan_set_worn(*, plan: OutfitPlan) -> OutfitPlan:
    """Mark a calendar entry as worn: every garment of its outfit gets a wear on ``plan.date``
    (``services.garments_wear``; once per garment and day) and ``plan.worn`` becomes true.

    Raises ``ValidationError`` for a date in the future or an outfit with a garment no longer in the
    closet (archived); then nothing is written. Marking an entry worn twice changes nothing.
    """
    from wardrobe import services

    if plan.date > timezone.localdate():
        raise ValidationError({"date": [_("You cannot log a wear in the future.")]})
    garments = [item.garment for item in plan.outfit.items.select_related("garment__category", "garment__type")]
    with transaction.atomic():
        services.garments_wear(garments=garments, on=plan.date)
        if not plan.worn:
            plan.worn = True
            plan.save(update_fields=["worn"])
    return plan


def outfit_wear(*, outfit: Outfit, on: dt.date | None = None) -> OutfitPlan:
    """Wear ``outfit`` on day ``on`` (default today): its calendar entry that day (made if needed)
    marked worn, and a wear of each garment (``plan_set_worn``). Raises ``ValidationError`` as
    ``plan_set_worn`` does; then nothing is written."""
    on = on or timezone.localdate()
    with transaction.atomic():
        plan = plan_create(owner=outfit.owner, outfit=outfit, date=on)
        return plan_set_worn(plan=plan)


# --- selectors ------------------------------------------------------------------------------------

def _with_items(qs: QuerySet[Outfit]) -> QuerySet[Outfit]:
    return qs.prefetch_related(Prefetch(
        "items", queryset=OutfitItem.objects.select_related(
            "garment__category__section", "garment__type").order_by("z", "id")))


def outfit_list(*, user, occasion: str | None = None, season: str | None = None) -> QuerySet[Outfit]:
    """The user's outfits, most recently changed first, with their items (and garments) prefetched.

    ``occasion``: an ``Outfit.Occasion`` value; ``season``: a season slug (outfits tagged with it).
    Unknown values raise ``ValueError`` (the views check them first)."""
    qs = Outfit.objects.filter(owner=user)
    if occasion:
        if occasion not in Outfit.Occasion.values:
            raise ValueError(f"unknown occasion {occasion!r}")
        qs = qs.filter(occasion=occasion)
    if season:
        if season not in Garment.Season.values:
            raise ValueError(f"unknown season {season!r}")
        qs = qs.filter(seasons__contains=f",{season},")
    return _with_items(qs).order_by("-updated_at", "-id")


def outfit_get(*, user, outfit_id: int) -> Outfit:
    """One of the user's outfits with its items. Raises ``Outfit.DoesNotExist`` for a missing or
    someone else's outfit."""
    return _with_items(Outfit.objects.filter(owner=user)).get(pk=outfit_id)


def outfit_items(outfit: Outfit) -> list[OutfitItem]:
    """The outfit's items bottom layer first (``z``, then id), garments loaded."""
    return sorted(outfit.items.all(), key=lambda item: (item.z, item.pk or 0))


def outfit_clo(outfit: Outfit) -> float:
    """Like ``outfit_warmth`` but from the prefetched items (no query with ``outfit_list`` / ``outfit_get``)."""
    return warmth.outfit_clo(item.garment.warmth for item in outfit.items.all())


def plan_list(*, user, date_from: dt.date | None = None, date_to: dt.date | None = None,
              outfit: Outfit | None = None) -> QuerySet[OutfitPlan]:
    """The user's calendar entries, by date, optionally from/to a day (inclusive) or of one outfit."""
    qs = OutfitPlan.objects.filter(owner=user).select_related("outfit")
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if outfit is not None:
        qs = qs.filter(outfit=outfit)
    return qs.order_by("date", "id")


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
        return [[by_date.get(day) for day in week]
                for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(self.year, self.month)]


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
        raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. %(example)s.") % {
            "example": timezone.localdate().strftime("%Y-%m")}]})
    return int(match[1]), int(match[2])


def calendar_month(*, user, year: int, month: int) -> CalendarMonth:
    """What the user wore and planned in a month: per day the garments worn (``WearLog``) and the
    outfits planned or worn (``OutfitPlan``). Three queries whatever the month holds.

    Raises ``ValueError`` for a month outside 1..12 or a year outside ``MIN_YEAR``..``MAX_YEAR``."""
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        raise ValueError(f"no such month: {year}-{month}")
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    days = {first + dt.timedelta(days=i): CalendarDay(first + dt.timedelta(days=i))
            for i in range((last - first).days + 1)}
    wears = (WearLog.objects.filter(owner=user, worn_on__range=(first, last))
             .select_related("garment__category", "garment__type").order_by("worn_on", "id"))
    for wear in wears:
        days[wear.worn_on].wears.append(wear)
    plans = (OutfitPlan.objects.filter(owner=user, date__range=(first, last)).select_related("outfit")
             .prefetch_related("outfit__items").order_by("date", "id"))
    for plan in plans:
        days[plan.date].plans.append(plan)
    return CalendarMonth(year=year, month=month, days=list(days.values()))
