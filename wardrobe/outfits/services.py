"""Outfit writes: outfits, their canvas items and the calendar.

Errors are ``django.core.exceptions.ValidationError``; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vocabulary.roles import DEFAULT_PLACES, FALLBACK_PLACE
from vocabulary.seasons import SEASON_SLUGS
from wardrobe.closet import services as closet_services
from wardrobe.closet.models import Garment
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan


class ItemLayout(TypedDict, total=False):
    """One garment on the canvas: ``garment`` (id), and optional ``x``, ``y`` (centre, fractions of
    the canvas, 0..1), ``width`` (fraction of the canvas width, 0.05..1) and ``z`` (layer)."""

    garment: int
    x: float
    y: float
    width: float
    z: int


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
    garments = {
        g.pk: g
        for g in Garment.objects.filter(owner=owner, pk__in=ids, status=Garment.Status.CLOSET).select_related(
            "category__section"
        )
    }
    missing = [i for i in ids if i not in garments]
    if missing:
        away = Garment.objects.filter(owner=owner, pk=missing[0]).select_related("category", "type").first()
        if away is not None:  # the owner's, but archived or waiting for review
            raise ValidationError(
                {
                    "items": [
                        _("%(item)s is not in your closet (archived or waiting for review).") % {"item": away.label}
                    ]
                }
            )
        raise ValidationError({"items": [_("No such garment in your closet: %(id)s.") % {"id": missing[0]}]})
    out = []
    for item, pk in zip(items, ids):
        garment = garments[pk]
        dx, dy, dw, dz = DEFAULT_PLACES.get(garment.category.section.slug, FALLBACK_PLACE)
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


def _clean_seasons(seasons) -> list[str]:
    """Season slugs, checked, in calendar order."""
    if isinstance(seasons, (str, bytes)):
        seasons = [seasons] if seasons else []
    seasons = list(seasons or ())
    unknown = [s for s in seasons if s not in SEASON_SLUGS]
    if unknown:
        raise ValidationError({"seasons": [_("Unknown season %(value)s.") % {"value": unknown[0]}]})
    return [v for v in SEASON_SLUGS if v in seasons]


def outfit_create(
    *,
    owner,
    name: str,
    items: Iterable[ItemLayout],
    occasion: str = "",
    seasons: Iterable[str] = (),
    source: str = Outfit.Source.BUILDER,
    explanation: str = "",
) -> Outfit:
    """Create an outfit of ``owner``'s own garments (in the closet) with their canvas layout.

    ``items``: see ``ItemLayout``; an item without a position gets its section's default place
    (``vocabulary.roles.DEFAULT_PLACES``). ``occasion``: an ``Outfit.Occasion`` value or empty; ``seasons``: season
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
        outfit = Outfit.objects.create(
            owner=owner, name=name, occasion=occasion, source=source, explanation=(explanation or "")[:300]
        )
        outfit.seasons.set(seasons_value)
        for item in layout:
            item.outfit = outfit
        OutfitItem.objects.bulk_create(layout)
    return outfit


_UNSET: Any = object()


def outfit_update(
    *,
    outfit: Outfit,
    name: str = _UNSET,
    occasion: str = _UNSET,
    seasons: Iterable[str] = _UNSET,
    items: Iterable[ItemLayout] = _UNSET,
) -> Outfit:
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
    season_values = _clean_seasons(seasons) if seasons is not _UNSET else None
    layout = _clean_items(outfit.owner, items) if items is not _UNSET else None
    with transaction.atomic():
        for attr, value in changes.items():
            setattr(outfit, attr, value)
        outfit.save()
        if season_values is not None:
            outfit.seasons.set(season_values)
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


def plan_create(*, owner, outfit: Outfit, date: dt.date, worn: bool = False) -> OutfitPlan:
    """Put ``outfit`` on ``owner``'s calendar for ``date`` (once per day; again: the same row, its
    ``worn`` flag raised when ``worn``). Raises ``ValidationError`` when the outfit is not the owner's."""
    if outfit.owner_id != owner.pk:
        raise ValidationError({"outfit": [_("No such outfit.")]})
    plan, created = OutfitPlan.objects.get_or_create(owner=owner, outfit=outfit, date=date, defaults={"worn": worn})
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
    (``closet.services.garments_wear``; once per garment and day) and ``plan.worn`` becomes true.

    Raises ``ValidationError`` for a date in the future or an outfit with a garment no longer in the
    closet (archived); then nothing is written. Marking an entry worn twice changes nothing.
    """
    if plan.date > timezone.localdate():
        raise ValidationError({"date": [_("You cannot log a wear in the future.")]})
    garments = [item.garment for item in plan.outfit.items.select_related("garment__category", "garment__type")]
    with transaction.atomic():
        closet_services.garments_wear(garments=garments, on=plan.date)
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
