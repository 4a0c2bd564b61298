"""Processing a photo into garments: claim it, run the vision pipeline, write one garment per
instance. Idempotent and crash-safe; knows nothing of the task queue that calls it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.selectors import profile_get
from vision.contract import GarmentInstance
from wardrobe.closet.errors import TRANSIENT_ERRORS
from wardrobe.closet.failures import NO_FAILURE
from wardrobe.closet.models import Garment, Photo
from wardrobe.closet.services.garments import garment_create, garment_files_delete
from wardrobe.closet.services.photos import gave_up_fields, load_photo_rgb, photo_mark_failed
from wardrobe.closet.services.rerun import garments_kept_on_rerun, instance_is_duplicate

logger = logging.getLogger(__name__)

#: ``pipeline(rgb_pil_image) -> iterable of GarmentInstance`` (``vision.inference.load_pipeline``).
Pipeline = Callable[[Image.Image], Iterable[GarmentInstance]]


def photo_claim(photo_id: int) -> Photo | None:
    """Lock photo ``photo_id`` and move it to ``processing`` (one more attempt).

    Returns ``None`` when there is nothing to do: the photo is gone, already ``done`` or ``failed``
    (a redelivered or duplicated task), or it has used up ``PHOTO_MAX_ATTEMPTS`` (then it is marked
    ``failed`` here, so a photo that kills its worker every time does not loop for ever).
    """
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None:
            logger.info("photo %s vanished before processing", photo_id)
            return None
        if photo.is_finished:
            logger.info("photo %s is already %s; task skipped", photo_id, photo.status)
            return None
        if photo.attempts >= settings.PHOTO_MAX_ATTEMPTS:
            photo.status = Photo.Status.FAILED
            for field, value in gave_up_fields(photo.attempts).items():
                setattr(photo, field, value)
            photo.save(update_fields=["status", *NO_FAILURE, "updated_at"])
            logger.warning("photo %s given up after %s attempts", photo_id, photo.attempts)
            return None
        photo.status = Photo.Status.PROCESSING
        for field, value in NO_FAILURE.items():
            setattr(photo, field, value)
        photo.attempts += 1
        photo.processing_started_at = timezone.now()
        photo.save(update_fields=["status", *NO_FAILURE, "attempts", "processing_started_at", "updated_at"])
    return photo


def process_photo(
    photo_id: int, pipeline: Pipeline, *, interruptions: tuple[type[BaseException], ...] = ()
) -> Photo | None:
    """Run the vision pipeline on a photo and store one ``Garment`` per instance it finds.

    Idempotent, so a task may be delivered twice or run by two workers at once: the photo moves
    ``pending -> processing -> done`` and its garments are written in one transaction that holds the
    photo's row lock and first checks the photo is not ``done`` already, so a photo gets exactly one
    set of garments. A ``done`` or ``failed`` photo is left as it is.

    A photo run again (``services.photo_rerun`` put it back to ``pending``) keeps the garments the
    person confirmed or worked on (``rerun.garment_is_kept_on_rerun``), so does a first run for a
    garment they added by drawing a box meanwhile; the others are replaced by the new results, less
    the instances that are a kept garment again (``rerun.instance_is_duplicate``). All of it in the
    same transaction, under the same lock, as the first run's write.

    On an error the photo ends ``failed`` (code ``unreadable`` when its stored image cannot be read,
    ``analysis`` otherwise; the exception's text is kept for the admin, never shown to the owner:
    ``closet.failures``) and no garment or garment file of this run is kept. Errors in
    ``TRANSIENT_ERRORS`` (the database went away) and in ``interruptions`` (the caller's, e.g. its
    time limit) are re-raised after the clean-up, the photo put back to ``pending`` for the former
    when the database allows it; the caller decides what comes next.
    Returns the photo (``None`` if it no longer exists or there was nothing to do).
    """
    photo = photo_claim(photo_id)
    if photo is None:
        return Photo.objects.filter(pk=photo_id).first()
    threshold = profile_get(user=photo.owner).review_threshold
    started = time.monotonic()
    written: list[Garment] = []
    stage = "unreadable"
    try:
        image = load_photo_rgb(photo)
        stage = "analysis"
        instances = list(pipeline(image))
        with transaction.atomic():
            current = Photo.objects.select_for_update().filter(pk=photo_id).first()
            if current is None:
                logger.info("photo %s was deleted during processing", photo_id)
                return None
            if current.status == Photo.Status.DONE:
                # Another delivery of this task finished first: keep its garments, drop ours.
                logger.info("photo %s was finished by another run; results discarded", photo_id)
                return current
            kept = garments_kept_on_rerun(photo)
            Garment.objects.filter(photo=photo).exclude(pk__in=[g.pk for g, _mask in kept]).delete()
            for instance in instances:
                if instance_is_duplicate(instance, kept):
                    continue
                # Filed by the owner's threshold on the score re-ranked by their own garments (issue 16).
                written.append(garment_create(photo=photo, instance=instance, threshold=threshold))
            photo.status = Photo.Status.DONE
            photo.processing_seconds = round(time.monotonic() - started, 3)
            photo.save(update_fields=["status", "processing_seconds", "updated_at"])
        logger.info(
            "photo %s done: %d garments in %.2f s (attempt %d)",
            photo_id,
            len(written),
            photo.processing_seconds,
            photo.attempts,
        )
    except TRANSIENT_ERRORS:
        garment_files_delete(written)
        try:
            Photo.objects.filter(pk=photo_id, status=Photo.Status.PROCESSING).update(status=Photo.Status.PENDING)
        except TRANSIENT_ERRORS:
            pass  # still down; the sweeper finds it 'processing' later
        raise
    except interruptions:
        garment_files_delete(written)
        raise
    except Exception as exc:  # noqa: BLE001 - every failure must end in a readable 'failed' state
        garment_files_delete(written)
        if not Photo.objects.filter(pk=photo_id).exists():
            logger.info("photo %s was deleted during processing (%s)", photo_id, type(exc).__name__)
            return None
        logger.exception("processing photo %s failed", photo_id)
        if isinstance(exc, ValidationError):
            detail = f"{type(exc).__name__}: " + "; ".join(exc.messages)
        else:
            detail = f"{type(exc).__name__}: {exc}"
        photo_mark_failed(photo_id=photo_id, code=stage, detail=detail)
        return Photo.objects.filter(pk=photo_id).first()  # None when it was deleted meanwhile
    return photo
