"""Packing writes: trips, their proposed packing list, ticking items off, and the trip's outfits
planned on the calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vocabulary.roles import roles_of
from wardrobe.closet.models import Garment
from wardrobe.outfits import services as outfit_services
from wardrobe.outfits.models import Outfit
from wardrobe.packing import rules
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.packing.selectors import packing_items_of
from wardrobe.suggestions.rules import Item
from wardrobe.suggestions.search import plan_outfits
from wardrobe.weather.forecast import WeatherUnavailable
from wardrobe.weather.selectors import forecasts_at
from wardrobe.weather.services import location_from_name

ACTIVITY_SLUGS = frozenset(slug for slug, _label in rules.ACTIVITIES)


@dataclass
class TripWeather:
    """The trip's days with the forecast where the provider has it (``days``: ``rules.TripDay``,
    ``temp_c`` None beyond the forecast), and ``unavailable``: why there is none at all (a message
    in the user's language; empty when the provider answered)."""

    days: list[rules.TripDay] = field(default_factory=list)
    unavailable: str = ""

    @property
    def known(self) -> int:
        """How many of the days have a forecast."""
        return sum(1 for d in self.days if d.temp_c is not None)


def _item(garment: Garment) -> Item:
    return Item(
        id=garment.pk,
        category=garment.category.slug,
        type=garment.type.slug if garment.type_id else None,
        clo=float(garment.warmth),
        color=garment.dominant_color,
        kind=garment.kind,
    )


def _clean_fields(*, name, start_date, end_date, activities) -> tuple[str, list[str]]:
    """Validate a trip's name, dates and activities; returns the cleaned name and activities.
    Raises ``ValidationError`` keyed by field."""
    errors: dict[str, list[str]] = {}
    name = " ".join(str(name or "").split())
    if not name:
        errors["name"] = [_("Give the trip a name.")]
    elif len(name) > 120:
        errors["name"] = [_("A name has at most 120 characters.")]
    if not isinstance(start_date, dt.date) or not isinstance(end_date, dt.date):
        errors["end_date"] = [_("Give the first and the last day of the trip.")]
    elif end_date < start_date:
        errors["end_date"] = [_("The trip cannot end before it starts.")]
    elif (end_date - start_date).days + 1 > rules.MAX_TRIP_DAYS:
        errors["end_date"] = [_("A trip lasts at most %(n)d days.") % {"n": rules.MAX_TRIP_DAYS}]
    if not isinstance(activities, (list, tuple)) or not all(isinstance(a, str) for a in activities):
        errors["activities"] = [_("Activities are given as a list of names.")]
        activities = []
    unknown = [a for a in activities if a not in ACTIVITY_SLUGS]
    if unknown:
        errors["activities"] = [_("Unknown activity: %(name)s.") % {"name": unknown[0][:40]}]
    if errors:
        raise ValidationError(errors)
    return name, [slug for slug, _label in rules.ACTIVITIES if slug in activities]


def trip_create(*, owner, name, place: str, start_date, end_date, activities=(), language: str | None = None) -> Trip:
    """Create a trip to ``place`` (looked up by name like the home location: ``location_from_name``)
    from ``start_date`` to ``end_date`` (``datetime.date``, both included, at most
    ``rules.MAX_TRIP_DAYS`` days) for ``activities`` (slugs of ``rules.ACTIVITIES``), and propose its
    packing list (:func:`packing_list_propose`).

    Raises ``ValidationError`` keyed by ``name`` / ``end_date`` / ``activities`` / ``city`` (no such
    place), or ``WeatherUnavailable`` when the place search cannot be reached; nothing is written then.
    """
    name, activities = _clean_fields(name=name, start_date=start_date, end_date=end_date, activities=list(activities))
    found = location_from_name(name=place, language=language)
    with transaction.atomic():
        trip = Trip.objects.create(
            owner=owner, name=name, start_date=start_date, end_date=end_date, activities=activities, **found
        )
        packing_list_propose(trip=trip)
    return trip


def trip_update(*, trip: Trip, name, start_date, end_date, activities=()) -> Trip:
    """Change a trip's name, dates or activities and propose its list again (what the person added or
    already packed stays). Raises ``ValidationError`` as :func:`trip_create`; nothing changes then."""
    name, activities = _clean_fields(name=name, start_date=start_date, end_date=end_date, activities=list(activities))
    with transaction.atomic():
        trip.name, trip.start_date, trip.end_date, trip.activities = name, start_date, end_date, activities
        trip.save(update_fields=["name", "start_date", "end_date", "activities"])
        packing_list_propose(trip=trip)
    return trip


def trip_delete(*, trip: Trip) -> None:
    """Delete a trip, its packing list and the outfits planned for it that were not worn."""
    with transaction.atomic():
        _planned_outfits_delete(trip)
        trip.delete()


def trip_weather(*, trip: Trip) -> TripWeather:
    """The forecast for each day of ``trip`` at its place, from the owner's provider (see
    ``TripWeather``). Never raises: an unreachable provider gives days without weather and says so."""
    n = trip.days
    dates = [trip.start_date + dt.timedelta(days=i) for i in range(n)]
    try:
        by_date = forecasts_at(user=trip.owner, latitude=trip.latitude, longitude=trip.longitude)
    except WeatherUnavailable as exc:
        return TripWeather(days=[rules.TripDay(d) for d in dates], unavailable=str(exc))
    if not by_date:
        unavailable = _("Your weather is typed in by hand, so the trip is planned without a forecast.")
        return TripWeather(days=[rules.TripDay(d) for d in dates], unavailable=unavailable)
    days = []
    for d in dates:
        f = by_date.get(d)
        days.append(rules.TripDay(d, float(f.temp_mean_c), bool(f.wet)) if f else rules.TripDay(d))
    return TripWeather(days=days)


def _clean_garments(owner) -> list[Garment]:
    """The owner's garments that may be packed: in the closet, clean; oldest first."""
    return list(
        Garment.objects.filter(owner=owner, status=Garment.Status.CLOSET, laundry=Garment.Laundry.CLEAN)
        .select_related("category", "type")
        .prefetch_related("colors")
        .order_by("pk")
    )


def packing_list_propose(*, trip: Trip, weather: TripWeather | None = None) -> dict[str, int]:
    """Replace the trip's proposed, not yet packed items by what the rules (``packing.rules``) choose
    from the owner's clean closet for the trip's weather (``weather``: default
    :func:`trip_weather`). Items the person added or ticked off stay. Returns the shortfall per role
    (``rules.shortfall``: how many more the rules wanted than the closet had)."""
    weather = weather or trip_weather(trip=trip)
    with transaction.atomic():
        PackingItem.objects.filter(trip=trip, proposed=True, packed=False).delete()
        kept = list(PackingItem.objects.filter(trip=trip).values_list("garment_id", "role"))
        kept_ids = {g for g, _role in kept}
        items = [_item(g) for g in _clean_garments(trip.owner) if g.pk not in kept_ids]
        chosen = rules.choose_items(items, weather.days, trip.activities)
        counts = rules.packing_counts(weather.days, trip.activities)
        roles = [role for _g, role in kept]
        fill = []
        for role, item in chosen:  # what the person kept counts towards the rules' numbers
            if roles.count(role) < counts.get(role, 0):
                roles.append(role)
                fill.append((role, item))
        PackingItem.objects.bulk_create(
            [PackingItem(trip=trip, garment_id=item.id, role=role, proposed=True) for role, item in fill]
        )
    return rules.shortfall(roles, weather.days, trip.activities)


def packing_item_add(*, trip: Trip, garment_id: int) -> PackingItem:
    """Add one of the owner's garments (in the closet, not archived) to the trip's list by hand.
    Raises ``ValidationError`` (``garment``) for another user's, an archived or a listed garment."""
    garment = Garment.objects.filter(owner=trip.owner, pk=garment_id).select_related("category").first()
    if garment is None or garment.status == Garment.Status.ARCHIVED:
        raise ValidationError({"garment": [_("No such garment in your closet.")]})
    if PackingItem.objects.filter(trip=trip, garment=garment).exists():
        raise ValidationError({"garment": [_("%(item)s is already on the list.") % {"item": garment.label}]})
    roles = roles_of(garment.category.slug)
    return PackingItem.objects.create(trip=trip, garment=garment, role=roles[0] if roles else "other", proposed=False)


def packing_item_set_packed(*, item: PackingItem, packed: bool) -> PackingItem:
    """Tick an item off the list (``packed`` True) or back on."""
    item.packed = bool(packed)
    item.save(update_fields=["packed"])
    return item


def packing_item_remove(*, item: PackingItem) -> None:
    """Take an item off the list."""
    item.delete()


def _planned_outfits_delete(trip: Trip) -> None:
    for outfit in trip.outfits.all():
        if not outfit.plans.filter(worn=True).exists():
            outfit_services.outfit_delete(outfit=outfit)
    trip.outfits.clear()


def _day_name(trip: Trip, day: dt.date) -> str:
    """An outfit's name for one day of the trip, at most 120 characters."""
    return (_("%(trip)s, %(date)s") % {"trip": trip.name, "date": date_format(day, "SHORT_DATE_FORMAT")})[:120]


def trip_outfits_plan(*, trip: Trip, weather: TripWeather | None = None) -> list[Outfit]:
    """Plan one outfit per day of the trip that has a forecast, from the garments on its packing
    list (``suggestions.search.plan_outfits``, the day's weather rules; a garment worn the day before
    is used again only when the list is too short), each on the calendar for its day (planned, not
    worn). Outfits planned for the trip before and not worn are replaced. Returns the new outfits,
    oldest day first; days beyond the forecast get none."""
    weather = weather or trip_weather(trip=trip)
    garments = {
        item.garment.pk: item.garment
        for item in packing_items_of(trip=trip)
        if item.garment.status == Garment.Status.CLOSET and item.garment.laundry == Garment.Laundry.CLEAN
    }
    items = [_item(g) for g in garments.values()]
    made: list[Outfit] = []
    with transaction.atomic():
        _planned_outfits_delete(trip)
        yesterday: set[int] = set()
        for day in weather.days:
            if day.weather is None:
                continue
            seed = f"trip:{trip.pk}:{day.date}"
            plan = plan_outfits(items, weather=day.weather, recent=yesterday, seed=seed, count=1)
            if not plan.outcomes:
                continue
            outcome = plan.outcomes[0]
            outfit = outfit_services.outfit_create(
                owner=trip.owner,
                name=_day_name(trip, day.date),
                items=[{"garment": item.id} for item in outcome.items],
                source=Outfit.Source.SUGGESTION,
                explanation=outcome.explanation,
            )
            outfit_services.plan_create(owner=trip.owner, outfit=outfit, date=day.date)
            made.append(outfit)
            yesterday = {item.id for item in outcome.items}
        trip.outfits.add(*made)
    return made
