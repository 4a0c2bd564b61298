"""Wearing and washing: the wear log and the laundry state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wardrobe.closet.models import Garment, WearLog


def _refresh_wear_stats(garment_ids: list[int]) -> None:
    stats = {
        row["garment"]: row
        for row in WearLog.objects.filter(garment_id__in=garment_ids)
        .values("garment")
        .annotate(n=Count("id"), last=Max("worn_on"))
    }
    for gid in garment_ids:
        row = stats.get(gid, {"n": 0, "last": None})
        Garment.objects.filter(pk=gid).update(wear_count=row["n"], last_worn_on=row["last"], updated_at=timezone.now())


def garments_wear(*, garments: Iterable[Garment], on: dt.date | None = None) -> int:
    """Log that each garment was worn on day ``on`` (default: today in the current time zone).

    Idempotent per garment and day (one ``WearLog`` row each). Updates ``wear_count`` and
    ``last_worn_on``. Raises ``ValidationError`` if a garment is archived or still in review, or
    ``on`` lies in the future; then nothing is written. Returns the number of new wear-log rows.
    """
    garments = list({g.pk: g for g in garments}.values())  # each garment once, so the count is right
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"date": [_("You cannot log a wear in the future.")]})
    blocked = [g for g in garments if g.status != Garment.Status.CLOSET]
    if blocked:
        raise ValidationError(
            _("Only garments in the closet can be worn: %(item)s is not.") % {"item": blocked[0].label},
            code="invalid_state",
        )
    with transaction.atomic():
        existing = set(WearLog.objects.filter(garment__in=garments, worn_on=on).values_list("garment_id", flat=True))
        new = [WearLog(owner_id=g.owner_id, garment=g, worn_on=on) for g in garments if g.pk not in existing]
        WearLog.objects.bulk_create(new, ignore_conflicts=True)
        _refresh_wear_stats([g.pk for g in garments])
    for g in garments:
        g.refresh_from_db(fields=["wear_count", "last_worn_on", "updated_at"])
    return len(new)


def garment_unwear(*, garment: Garment, on: dt.date) -> bool:
    """Remove the wear of ``garment`` on day ``on`` (undo). Returns whether there was one."""
    with transaction.atomic():
        deleted, _ = WearLog.objects.filter(garment=garment, worn_on=on).delete()
        _refresh_wear_stats([garment.pk])
    garment.refresh_from_db(fields=["wear_count", "last_worn_on", "updated_at"])
    return bool(deleted)


def garments_set_laundry(*, garments: Iterable[Garment], laundry: str) -> int:
    """Set ``clean`` or ``wash`` on several garments. Raises ``ValidationError`` for another state."""
    if laundry not in Garment.Laundry.values:
        raise ValidationError({"laundry": [_("Choose clean or in the wash.")]})
    ids = [g.pk for g in garments]
    return Garment.objects.filter(pk__in=ids).update(laundry=laundry, updated_at=timezone.now())
