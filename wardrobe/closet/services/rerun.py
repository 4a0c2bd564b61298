"""Running a photo again with the current models, keeping what the person already did.

:func:`photo_rerun` puts a finished photo back to ``pending`` and queues it; the worker then runs
``services.process_photo`` as for a new photo, which (under the photo's row lock, in the transaction
that writes the new garments) keeps the garments :func:`garment_is_kept_on_rerun` names
(:func:`garments_kept_on_rerun`), deletes the others, and leaves out each new instance that
:func:`instance_is_duplicate` finds already kept.
"""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vision.contract import GarmentInstance
from wardrobe.closet.failures import NO_FAILURE
from wardrobe.closet.models import Garment, Photo
from wardrobe.closet.services.masks import garment_mask_array
from wardrobe.closet.services.photos import photo_backlog_check, photo_enqueue

#: A new instance whose mask overlaps a kept garment's this much (intersection over union) is the same garment.
DUPLICATE_IOU = 0.5

#: Text fields only a person fills in.
_PERSON_TEXT = ("name", "brand", "size", "material", "notes")
#: Fields that are None until a person sets them.
_PERSON_VALUES = ("price", "purchase_date", "warmth_clo")


def garment_is_kept_on_rerun(garment: Garment) -> bool:
    """Whether a run again leaves ``garment`` untouched: the person confirmed it (status ``closet``
    or ``archived``), or worked on it: its mask (``mask_edited``: strokes, a merge, a box they drew),
    any of its own fields (name, brand, size, material, notes, price, purchase date, warmth,
    seasons, a colour they picked), its kind (category or type other than the model's first guess),
    its use (worn, or in the wash), or an attribute (issue 17). The picture choice alone does not
    count (the app sets it for a poor mask)."""
    if garment.status != Garment.Status.REVIEW or garment.mask_edited:
        return True
    if any(getattr(garment, f) for f in _PERSON_TEXT) or any(getattr(garment, f) is not None for f in _PERSON_VALUES):
        return True
    if garment.wear_count or garment.laundry != Garment.Laundry.CLEAN or garment.attributes_confirmed:
        return True  # attributes_confirmed: a person set or confirmed an attribute (issue 17)
    if garment.guesses:
        first = garment.guesses[0]
        type_slug = garment.type.slug if garment.type_id else None
        if (first.get("category"), first.get("type")) != (garment.category.slug, type_slug):
            return True
    return garment.seasons.exists() or garment.colors.filter(fraction__lte=0).exists()


def garments_kept_on_rerun(photo: Photo) -> list[tuple[Garment, np.ndarray]]:
    """The photo's garments :func:`garment_is_kept_on_rerun` keeps, each with its bool mask at photo
    resolution (all false when its file cannot be read: then only its category stops a duplicate)."""
    kept = []
    for garment in Garment.objects.filter(photo=photo).select_related("category", "type"):
        if garment_is_kept_on_rerun(garment):
            try:
                mask = garment_mask_array(garment)
            except (OSError, ValueError):
                mask = np.zeros((photo.height, photo.width), bool)
            kept.append((garment, mask))
    return kept


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def instance_is_duplicate(instance: GarmentInstance, kept: list[tuple[Garment, np.ndarray]]) -> bool:
    """Whether a new ``instance`` is a garment already kept: same category as one of ``kept`` (the
    pipeline itself finds at most one garment per category), or a mask overlapping one's by at least
    :data:`DUPLICATE_IOU`. ``kept``: (garment, its bool mask at photo resolution) pairs."""
    mask = np.asarray(instance.mask).astype(bool)
    for garment, kept_mask in kept:
        if garment.category.slug == instance.category:
            return True
        if kept_mask.shape == mask.shape and _iou(kept_mask, mask) >= DUPLICATE_IOU:
            return True
    return False


def photo_rerun(*, photo: Photo) -> Photo:
    """Run a photo again with the current models: back to ``pending`` (attempts reset, error
    cleared) and handed to the queue once the transaction commits (``photo_enqueue``; with the
    broker down it waits, ``enqueued_at`` empty, for the sweeper). Its garments stay as they are
    until the worker's run replaces those not kept (see the module docstring).

    Returns the photo (``enqueued_at`` set when the queue took it). Raises ``ValidationError``
    unless the photo is ``done`` or ``failed`` (one being analysed is run with the current models
    already), ``closet.errors.PhotoBacklogFull`` when its owner has ``settings.MAX_PENDING_PHOTOS``
    photos waiting already.
    """
    if photo.status not in (Photo.Status.DONE, Photo.Status.FAILED):
        raise ValidationError(_("This photo is being analysed already."), code="invalid_state")
    with transaction.atomic():
        photo_backlog_check(owner_id=photo.owner_id, lock=True)
        updated = Photo.objects.filter(pk=photo.pk, status__in=[Photo.Status.DONE, Photo.Status.FAILED]).update(
            status=Photo.Status.PENDING,
            **NO_FAILURE,
            attempts=0,
            enqueued_at=None,
            processing_seconds=None,
            updated_at=timezone.now(),
        )
        if not updated:
            raise ValidationError(_("This photo is being analysed already."), code="invalid_state")
        transaction.on_commit(lambda: photo_enqueue(photo.pk))
    photo.refresh_from_db()
    return photo
