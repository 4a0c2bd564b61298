"""Wardrobe writes: storing uploads, processing photos into garments, editing and deleting.

Errors are raised as ``django.core.exceptions.ValidationError``; nothing is written when one is raised.
"""
from __future__ import annotations

import io
import json
import logging
import time
from typing import Any, Callable, Iterable

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image

from wardrobe.images import decode_image
from wardrobe.models import Category, Garment, GarmentType, Photo

logger = logging.getLogger(__name__)

_UNSET: Any = object()


# --- photos ---------------------------------------------------------------------------------------

def _enqueue_processing(photo_id: int) -> None:
    from workers.tasks import process_photo as process_photo_task

    process_photo_task.delay(photo_id)


def photo_create(*, owner, uploaded_file: UploadedFile) -> Photo:
    """Validate an uploaded image, store it and queue it for processing.

    ``uploaded_file``: a Django ``UploadedFile`` (JPEG, PNG, WebP or HEIC/HEIF, at most
    ``settings.MAX_UPLOAD_BYTES`` bytes and ``settings.MAX_IMAGE_PIXELS`` pixels).
    Returns the new ``Photo`` (status ``pending``, width/height of the upright image); the Celery
    task ``workers.tasks.process_photo`` is sent once the transaction commits.
    Raises ``ValidationError`` (empty, too big, not an image, unsupported, truncated/corrupt,
    decompression bomb); then no row and no file is written.
    """
    from django.conf import settings

    size = getattr(uploaded_file, "size", None)
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is too big: {size:,} bytes, the limit is {settings.MAX_UPLOAD_BYTES:,} bytes.",
            code="too_big")
    uploaded_file.seek(0)
    data = uploaded_file.read(settings.MAX_UPLOAD_BYTES + 1)
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(f"The file is too big: the limit is {settings.MAX_UPLOAD_BYTES:,} bytes.",
                              code="too_big")
    decoded = decode_image(data)

    original_name = (getattr(uploaded_file, "name", "") or "")[:255]
    photo = Photo(owner=owner, original_filename=original_name, width=decoded.width,
                  height=decoded.height, status=Photo.Status.PENDING)
    stored_name = None
    try:
        with transaction.atomic():
            photo.image.save(f"upload{decoded.extension}", ContentFile(decoded.content), save=False)
            stored_name = photo.image.name
            photo.save()
            transaction.on_commit(lambda: _enqueue_processing(photo.pk))
    except Exception:
        if stored_name:
            photo.image.storage.delete(stored_name)
        raise
    return photo


def photo_delete(*, photo: Photo) -> None:
    """Delete a photo, its garments and all their files (files go once the transaction commits)."""
    photo.delete()


def photo_mark_failed(*, photo_id: int, error: str) -> None:
    """Set a photo's status to ``failed`` with a readable ``error``; no-op when the photo is gone."""
    Photo.objects.filter(pk=photo_id).update(status=Photo.Status.FAILED, error=error[:2000])


def photo_requeue(*, photo: Photo) -> Photo:
    """Put a failed photo back to ``pending`` and queue it again. Raises ``ValidationError`` unless failed."""
    if photo.status != Photo.Status.FAILED:
        raise ValidationError("Only failed photos can be retried.", code="invalid_state")
    with transaction.atomic():
        photo.status = Photo.Status.PENDING
        photo.error = ""
        photo.save(update_fields=["status", "error", "updated_at"])
        transaction.on_commit(lambda: _enqueue_processing(photo.pk))
    return photo


def load_photo_rgb(photo: Photo) -> Image.Image:
    """The photo's stored image, decoded, upright, RGB (the image the pipeline sees)."""
    with photo.image.open("rb") as fh:
        data = fh.read()
    return decode_image(data).image


def process_photo(photo_id: int, pipeline: Callable[[Image.Image], Iterable[Any]]) -> Photo | None:
    """Run the vision pipeline on a photo and store one ``Garment`` per detected instance.

    ``pipeline(rgb_pil_image) -> list[GarmentInstance]`` (see ``vision.inference``).
    Moves the photo ``pending -> processing -> done``; on any error the photo ends ``failed`` with
    the error text and no garment or garment file of this run is kept. A photo already ``done`` is
    left as it is (a redelivered task). Returns the photo, or ``None`` if it no longer exists.
    """
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None:
            logger.info("photo %s vanished before processing", photo_id)
            return None
        if photo.status == Photo.Status.DONE:
            return photo
        photo.status = Photo.Status.PROCESSING
        photo.error = ""
        photo.save(update_fields=["status", "error", "updated_at"])

    started = time.monotonic()
    written: list[Garment] = []
    try:
        image = load_photo_rgb(photo)
        instances = list(pipeline(image))
        with transaction.atomic():
            # A previous attempt that died mid-way left nothing (one transaction), but be safe.
            Garment.objects.filter(photo=photo).delete()
            for inst in instances:
                written.append(garment_create(
                    photo=photo,
                    category_slug=inst.category,
                    type_slug=getattr(inst, "type", None),
                    score=float(inst.score),
                    detector_score=float(getattr(inst, "detector_score", inst.score)),
                    classifier_score=float(getattr(inst, "classifier_score", inst.score)),
                    box=tuple(int(v) for v in inst.box),
                    mask=inst.mask,
                    cutout=inst.cutout,
                    colors=getattr(inst, "colors", []) or [],
                ))
            photo.status = Photo.Status.DONE
            photo.error = ""
            photo.processing_seconds = round(time.monotonic() - started, 3)
            photo.save(update_fields=["status", "error", "processing_seconds", "updated_at"])
    except Exception as exc:  # noqa: BLE001 - every failure must end in a readable 'failed' state
        logger.exception("processing photo %s failed", photo_id)
        for garment in written:
            for field in (garment.mask, garment.cutout):
                if field.name:
                    field.storage.delete(field.name)
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        photo_mark_failed(photo_id=photo_id, error=f"{type(exc).__name__}: {message}")
        return Photo.objects.filter(pk=photo_id).first()  # None when it was deleted meanwhile
    return photo


# --- garments -------------------------------------------------------------------------------------

def _json_safe(value: Any) -> Any:
    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return json.loads(json.dumps(value, default=default))


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def garment_create(*, photo: Photo, category_slug: str, type_slug: str | None, score: float,
                   box: tuple[int, int, int, int], mask: np.ndarray, cutout: Image.Image,
                   colors: list[dict] | None = None, detector_score: float | None = None,
                   classifier_score: float | None = None) -> Garment:
    """Store one garment of ``photo``.

    ``box``: ``(x0, y0, x1, y1)`` in photo pixels, clipped to the photo; ``mask``: bool array
    ``(photo.height, photo.width)``, stored as a 1-bit PNG; ``cutout``: PIL image, stored as RGBA PNG;
    ``colors``: list of ``{"rgb", "hex", "name", "fraction"}``. An unknown ``type_slug`` is stored
    as no type; a type of another category is dropped too.
    Raises ``ValidationError`` for an unknown category slug or a mask of the wrong shape.
    Call inside a transaction; files written are referenced by the returned row.
    """
    category = Category.objects.select_related("section").filter(slug=category_slug).first()
    if category is None:
        raise ValidationError(f"Unknown category {category_slug!r}.", code="unknown_category")
    garment_type = None
    if type_slug:
        garment_type = GarmentType.objects.filter(slug=type_slug, category=category).first()
    mask = np.asarray(mask).astype(bool)
    if mask.shape != (photo.height, photo.width):
        raise ValidationError(
            f"Mask shape {mask.shape} does not match the photo ({photo.height}, {photo.width}).",
            code="bad_mask")
    x0, y0, x1, y1 = (int(v) for v in box)
    x0, x1 = sorted((max(0, min(x0, photo.width)), max(0, min(x1, photo.width))))
    y0, y1 = sorted((max(0, min(y0, photo.height)), max(0, min(y1, photo.height))))

    garment = Garment(
        owner_id=photo.owner_id, photo=photo, category=category, type=garment_type,
        score=float(score),
        detector_score=float(score if detector_score is None else detector_score),
        classifier_score=float(score if classifier_score is None else classifier_score),
        x0=x0, y0=y0, x1=x1, y1=y1, colors=_json_safe(colors or []),
    )
    mask_png = _png_bytes(Image.fromarray(mask.astype(np.uint8) * 255, mode="L").convert("1"))
    cutout_png = _png_bytes(cutout.convert("RGBA"))
    garment.mask.save("mask.png", ContentFile(mask_png), save=False)
    try:
        garment.cutout.save("cutout.png", ContentFile(cutout_png), save=False)
        garment.save()
    except Exception:
        for field in (garment.mask, garment.cutout):
            if field.name:
                field.storage.delete(field.name)
        raise
    return garment


def garment_update(*, garment: Garment, category: str | None = _UNSET, type: str | None = _UNSET) -> Garment:
    """Change a garment's category and/or type, given as slugs.

    * ``type`` set: the type must exist; when ``category`` is also given it must be the type's
      category. The garment moves to the type's category.
    * ``type=None``: clears the type.
    * only ``category``: moves the garment; a type of another category is cleared.
    Raises ``ValidationError`` (dict keyed by field) for unknown slugs or a mismatch.
    """
    new_category = garment.category
    new_type = garment.type
    if category is not _UNSET:
        if category is None:
            raise ValidationError({"category": "A garment needs a category."})
        new_category = Category.objects.filter(slug=category).first()
        if new_category is None:
            raise ValidationError({"category": f"Unknown category {category!r}."})
        if type is _UNSET and new_type is not None and new_type.category_id != new_category.pk:
            new_type = None
    if type is not _UNSET:
        if type is None or type == "":
            new_type = None
        else:
            new_type = GarmentType.objects.select_related("category").filter(slug=type).first()
            if new_type is None:
                raise ValidationError({"type": f"Unknown type {type!r}."})
            if category is not _UNSET and new_type.category_id != new_category.pk:
                raise ValidationError(
                    {"type": f"Type {new_type.slug!r} belongs to category {new_type.category.slug!r}, "
                             f"not {new_category.slug!r}."})
            new_category = new_type.category
    garment.category = new_category
    garment.type = new_type
    garment.save(update_fields=["category", "type"])
    return garment


def garment_delete(*, garment: Garment) -> None:
    """Delete a garment and (once the transaction commits) its mask and cutout files."""
    garment.delete()
