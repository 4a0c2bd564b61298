"""Outfit suggestions: read the user's clean closet and recent wears, let the rules
(:mod:`wardrobe.suggestions.rules`) choose, and accept a suggestion as an outfit worn or planned."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.selectors import profile_get
from wardrobe.closet import selectors as closet_selectors
from wardrobe.closet import services as closet_services
from wardrobe.closet.models import Garment, WearLog
from wardrobe.outfits import services as outfit_services
from wardrobe.outfits.models import Outfit
from wardrobe.suggestions.rules import RECENT_DAYS, Item, Weather
from wardrobe.suggestions.search import plan_outfits
from wardrobe.weather.forecast import DayForecast

#: Most garments one accepted suggestion may name.
MAX_ACCEPT_GARMENTS = 12


@dataclass
class Suggestion:
    """One suggested outfit for ``date``: its ``garments`` (outerwear first, shoes last), their warmth
    ``clo`` and the day's ``target_clo`` (clo), and the ``explanation`` line (user's language)."""

    date: dt.date
    garments: list[Garment]
    clo: float
    target_clo: float
    explanation: str


class Suggestions(list):
    """The list ``suggest`` returns; ``reason`` says (in the user's language) why it holds fewer
    outfits than asked for, and is empty otherwise; ``note`` says when even the warmest outfit is
    too light for the weather ("add a layer"), and is empty otherwise."""

    reason: str = ""
    note: str = ""


def _candidates(user) -> list[Garment]:
    """The user's clean garments in the closet (not archived, not in review, not in the wash)."""
    return list(
        closet_selectors.garments_of(user=user)
        .filter(status=Garment.Status.CLOSET, laundry=Garment.Laundry.CLEAN)
        .order_by("pk")
    )


def _recently_worn(user, day: dt.date, today: dt.date) -> set[int]:
    """Ids of the user's garments worn in the ``RECENT_DAYS`` days before ``day``, up to ``today``
    (and on ``day`` itself when that is not after today)."""
    start = day - dt.timedelta(days=RECENT_DAYS)
    end = min(day, today)
    if end < start:
        return set()
    return set(
        WearLog.objects.filter(owner=user, worn_on__gte=start, worn_on__lte=end).values_list("garment_id", flat=True)
    )


def _item(garment: Garment) -> Item:
    return Item(
        id=garment.pk,
        category=garment.category.slug,
        type=garment.type.slug if garment.type_id else None,
        clo=float(garment.warmth),
        color=garment.dominant_color,
        kind=garment.kind,
        sleeve=garment.sleeve or None,  # issue 17: the garment's attributes
        pattern=garment.pattern or None,
    )


def suggest(
    *,
    user,
    forecast: DayForecast,
    count: int = 3,
    today: dt.date | None = None,
    occasion: str = "",
    mix_patterns: bool | None = None,
) -> Suggestions:
    """Up to ``count`` complete outfits from ``user``'s clean closet for the day of ``forecast``.

    ``forecast``: a ``DayForecast`` (its ``date``, ``temp_mean_c`` in °C and ``wet`` are read).
    ``occasion``: an ``Outfit.Occasion`` value, or empty for any; ``mix_patterns``: allow more than
    one patterned piece per outfit (None: the user's ``Profile.mix_patterns``).
    ``today``: the current date (default: today in the current time zone); wears after it are not
    counted as recent. Returns a ``Suggestions`` list of ``Suggestion``, best first, the same for the
    same closet, user and day (the rules: ``wardrobe.suggestions.rules``); when it holds fewer than
    ``count``, ``reason`` says why. Raises ``ValueError`` for ``count`` < 1.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    today = today or timezone.localdate()
    garments = {g.pk: g for g in _candidates(user)}
    plan = plan_outfits(
        [_item(g) for g in garments.values()],
        weather=Weather(temp_c=float(forecast.temp_mean_c), wet=bool(forecast.wet)),
        recent=_recently_worn(user, forecast.date, today),
        seed=f"{user.pk}:{forecast.date.isoformat()}",
        count=count,
        occasion=occasion,
        mix_patterns=profile_get(user=user).mix_patterns if mix_patterns is None else mix_patterns,
    )
    result = Suggestions(
        Suggestion(
            date=forecast.date,
            garments=[garments[item.id] for item in outcome.items],
            clo=outcome.clo,
            target_clo=outcome.target_clo,
            explanation=outcome.explanation,
        )
        for outcome in plan.outcomes
    )
    result.reason, result.note = plan.reason, plan.note
    return result


def suggestion_accept(*, user, date: dt.date, garment_ids: list[int], explanation: str = "") -> Outfit:
    """Accept a suggested outfit for ``date``: an ``Outfit`` (source ``suggestion``, the
    ``explanation`` kept, at most 300 characters) of the garments ``garment_ids`` in their default
    canvas places, on the calendar for ``date``; on or before today it is marked worn and each
    garment's wear is logged (``closet.services.garments_wear``), a later date is only planned (a wear
    cannot be logged in the future).

    Raises ``ValidationError`` (keyed ``garments``) when no garment is given, more than
    ``MAX_ACCEPT_GARMENTS``, one twice, one that is not the user's, or one archived, waiting for
    review or in the wash; nothing is written then.
    """
    try:
        if any(isinstance(i, bool) for i in garment_ids):
            raise TypeError
        ids = [int(i) for i in garment_ids]
    except (TypeError, ValueError):
        raise ValidationError({"garments": [_("Garments are given by their ids.")]})
    if not ids:
        raise ValidationError({"garments": [_("Choose at least one garment.")]})
    if len(ids) > MAX_ACCEPT_GARMENTS:
        raise ValidationError({"garments": [_("At most %(n)d garments in one outfit.") % {"n": MAX_ACCEPT_GARMENTS}]})
    if len(set(ids)) != len(ids):
        raise ValidationError({"garments": [_("A garment can be in an outfit only once.")]})
    garments = {
        g.pk: g for g in Garment.objects.filter(owner=user, pk__in=ids).select_related("category__section", "type")
    }
    missing = [i for i in ids if i not in garments]
    if missing:
        raise ValidationError({"garments": [_("No such garment in your closet: %(id)s.") % {"id": missing[0]}]})
    for pk in ids:
        g = garments[pk]
        if g.status == Garment.Status.ARCHIVED:
            raise ValidationError({"garments": [_("%(item)s is archived.") % {"item": g.label}]})
        if g.status != Garment.Status.CLOSET:
            raise ValidationError({"garments": [_("%(item)s is still waiting for review.") % {"item": g.label}]})
        if g.laundry != Garment.Laundry.CLEAN:
            raise ValidationError({"garments": [_("%(item)s is in the wash.") % {"item": g.label}]})
    worn = date <= timezone.localdate()
    with transaction.atomic():
        outfit = outfit_services.outfit_create(
            owner=user,
            name=_("Suggested for %(date)s") % {"date": date_format(date, "DATE_FORMAT")},
            items=[{"garment": pk} for pk in ids],
            source=Outfit.Source.SUGGESTION,
            explanation=(explanation or "").strip(),
        )
        outfit_services.plan_create(owner=user, outfit=outfit, date=date, worn=worn)
        if worn:
            closet_services.garments_wear(garments=[garments[pk] for pk in ids], on=date)
    return outfit
