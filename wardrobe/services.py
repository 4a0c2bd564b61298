"""Wardrobe writes: storing uploads, processing photos into garments, editing and deleting.

Errors are raised as ``django.core.exceptions.ValidationError``; nothing is written when one is raised.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
import unicodedata
from typing import Any, Callable, Iterable

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from vision.colors import PALETTE
from wardrobe.images import decode_image, encode_for_storage
from wardrobe.models import Category, Garment, GarmentType, Photo, WearLog

logger = logging.getLogger(__name__)

_UNSET: Any = object()


# --- photos ---------------------------------------------------------------------------------------

#: Errors that are worth a retry with backoff (the database went away for a moment); anything else
#: ends the photo as ``failed``.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


def _enqueue_processing(photo_id: int) -> bool:
    """Hand photo ``photo_id`` to the broker; returns whether that worked.

    A broker that is down must not fail the upload: the error is logged, the photo stays ``pending``
    with ``enqueued_at`` empty, and ``photos_sweep`` enqueues it once the broker is back.
    Publishing gives up after ``CELERY_BROKER_CONNECTION_TIMEOUT`` seconds and one retry.
    """
    from workers.tasks import process_photo as process_photo_task

    try:
        process_photo_task.delay(photo_id)
    except Exception:  # noqa: BLE001 - kombu/redis raise many kinds; all mean "not queued"
        logger.warning("could not queue photo %s (broker unreachable?); the sweeper will retry",
                       photo_id, exc_info=True)
        return False
    Photo.objects.filter(pk=photo_id).update(enqueued_at=timezone.now())
    return True


def _display_filename(name: str | None) -> str:
    """The client's file name, kept as a label only (storage names are random, see
    ``models.photo_upload_to``): its last path component, printable characters only, NFC, at most
    255 characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:255]


def photo_create(*, owner, uploaded_file: UploadedFile) -> Photo:
    """Validate an uploaded image, store a clean copy of it and queue it for processing.

    ``uploaded_file``: a Django ``UploadedFile`` (JPEG, PNG, WebP or HEIC/HEIF, at most
    ``settings.MAX_UPLOAD_BYTES`` bytes and ``settings.MAX_IMAGE_PIXELS`` pixels); its content
    decides, never its name or content type. The stored file is a re-encode without metadata
    (upright, sRGB, no EXIF/GPS; PNG stays PNG, the rest becomes JPEG: see ``wardrobe.images``)
    under a random name ``photos/<owner id>/<uuid>.<ext>``; the client's file name is kept only as
    ``original_filename`` (cleaned by ``_display_filename``).
    Returns the new ``Photo`` (status ``pending``, width/height of the upright image); the Celery
    task ``workers.tasks.process_photo`` is sent once the transaction commits.
    Raises ``ValidationError`` (empty, too big, not an image, unsupported, truncated/corrupt,
    decompression bomb); then no row and no file is written.
    """
    from django.conf import settings

    size = getattr(uploaded_file, "size", None)
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too big: %(size)s bytes, the limit is %(limit)s bytes.") % {
                "size": f"{size:,}", "limit": f"{settings.MAX_UPLOAD_BYTES:,}"},
            code="too_big")
    uploaded_file.seek(0)
    data = uploaded_file.read(settings.MAX_UPLOAD_BYTES + 1)
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is too big: the limit is %(limit)s bytes.") % {
            "limit": f"{settings.MAX_UPLOAD_BYTES:,}"}, code="too_big")
    decoded = decode_image(data)
    content, extension = encode_for_storage(decoded)

    original_name = _display_filename(getattr(uploaded_file, "name", ""))
    photo = Photo(owner=owner, original_filename=original_name, width=decoded.width,
                  height=decoded.height, status=Photo.Status.PENDING)
    stored_name = None
    try:
        with transaction.atomic():
            photo.image.save(f"upload{extension}", ContentFile(content), save=False)
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
    """Set a photo's status to ``failed`` with a readable ``error``; no-op when the photo is gone or
    already ``done`` (another run of its task finished it)."""
    Photo.objects.filter(pk=photo_id).exclude(status=Photo.Status.DONE).update(
        status=Photo.Status.FAILED, error=error[:2000], updated_at=timezone.now())


def photo_requeue(*, photo: Photo) -> Photo:
    """Put a failed photo back to ``pending`` (attempts reset) and queue it again.

    Raises ``ValidationError`` unless the photo is ``failed``.
    """
    if photo.status != Photo.Status.FAILED:
        raise ValidationError(_("Only failed photos can be retried."), code="invalid_state")
    with transaction.atomic():
        photo.status = Photo.Status.PENDING
        photo.error = ""
        photo.attempts = 0
        photo.enqueued_at = None
        photo.save(update_fields=["status", "error", "attempts", "enqueued_at", "updated_at"])
        transaction.on_commit(lambda: _enqueue_processing(photo.pk))
    return photo


def photos_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Recover photos whose task was lost: re-enqueue them, or fail them after too many attempts.

    * ``pending`` and never handed to the broker (``enqueued_at`` empty; the broker was down during
      the upload), created more than 5 seconds ago: enqueued;
    * ``pending`` and enqueued more than ``SWEEP_PENDING_AFTER`` seconds ago while the broker's queue
      holds fewer waiting messages than such photos (its message was lost, e.g. Redis restarted
      without persistence): enqueued again;
    * ``processing`` for more than ``SWEEP_PROCESSING_AFTER`` seconds (its worker died and the
      message was not handed back): enqueued again, or ``failed`` when it already had
      ``PHOTO_MAX_ATTEMPTS`` attempts.

    A photo enqueued twice is harmless: ``process_photo`` is idempotent. Returns counts
    ``{"enqueued": n, "failed": n, "unqueued": n}`` (``unqueued``: the broker is still down).
    Called by the Celery beat task ``workers.tasks.sweep_photos`` and ``manage.py sweep_photos``.
    """
    from django.conf import settings
    from django.db.models import Q

    now = now or timezone.now()
    counts = {"enqueued": 0, "failed": 0, "unqueued": 0}
    max_attempts = settings.PHOTO_MAX_ATTEMPTS

    stuck = Photo.objects.filter(
        status=Photo.Status.PROCESSING,
        processing_started_at__lt=now - dt.timedelta(seconds=settings.SWEEP_PROCESSING_AFTER))
    gave_up = _("Processing stopped %(n)d times (the worker crashed or ran out of time); "
                "this photo was given up.") % {"n": max_attempts}
    counts["failed"] += stuck.filter(attempts__gte=max_attempts).update(
        status=Photo.Status.FAILED, error=gave_up, updated_at=now)
    to_queue = list(stuck.values_list("pk", flat=True))

    never_queued = Photo.objects.filter(status=Photo.Status.PENDING, enqueued_at__isnull=True,
                                        created_at__lt=now - dt.timedelta(seconds=5))
    to_queue += list(never_queued.values_list("pk", flat=True))

    old_pending = list(Photo.objects.filter(
        status=Photo.Status.PENDING,
        enqueued_at__lt=now - dt.timedelta(seconds=settings.SWEEP_PENDING_AFTER),
    ).values_list("pk", flat=True))
    if old_pending:
        waiting = _queue_length()
        if waiting is None or waiting < len(old_pending):
            to_queue += old_pending

    for photo_id in dict.fromkeys(to_queue):
        if _enqueue_processing(photo_id):
            counts["enqueued"] += 1
        else:
            counts["unqueued"] += 1
    if any(counts.values()):
        logger.info("photo sweep: %s", counts)
    return counts


def _queue_length() -> int | None:
    """Messages waiting in the ``vision`` queue, or ``None`` when the broker cannot tell or is down."""
    from django.conf import settings

    from workers.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
            return int(conn.default_channel.queue_declare(
                queue=settings.CELERY_TASK_DEFAULT_QUEUE, passive=True).message_count)
    except Exception:  # noqa: BLE001 - any broker error: unknown
        return None


def load_photo_rgb(photo: Photo) -> Image.Image:
    """The photo's stored image, decoded, upright, RGB (the image the pipeline sees)."""
    with photo.image.open("rb") as fh:
        data = fh.read()
    return decode_image(data).image


def _photo_claim(photo_id: int) -> Photo | None:
    """Lock photo ``photo_id`` and move it to ``processing`` (one more attempt).

    Returns ``None`` when there is nothing to do: the photo is gone, already ``done`` or ``failed``
    (a redelivered or duplicated task), or it has used up ``PHOTO_MAX_ATTEMPTS`` (then it is marked
    ``failed`` here, so a photo that kills its worker every time does not loop for ever).
    """
    from django.conf import settings

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
            photo.error = _("Processing stopped %(n)d times (the worker crashed or ran out of time); "
                            "this photo was given up.") % {"n": photo.attempts}
            photo.save(update_fields=["status", "error", "updated_at"])
            logger.warning("photo %s given up after %s attempts", photo_id, photo.attempts)
            return None
        photo.status = Photo.Status.PROCESSING
        photo.error = ""
        photo.attempts += 1
        photo.processing_started_at = timezone.now()
        photo.save(update_fields=["status", "error", "attempts", "processing_started_at", "updated_at"])
    return photo


def _delete_garment_files(garments: Iterable[Garment]) -> None:
    for garment in garments:
        for field in (garment.mask, garment.cutout):
            if field.name:
                field.storage.delete(field.name)


def process_photo(photo_id: int, pipeline: Callable[[Image.Image], Iterable[Any]]) -> Photo | None:
    """Run the vision pipeline on a photo and store one ``Garment`` per detected instance.

    ``pipeline(rgb_pil_image) -> list[GarmentInstance]`` (see ``vision.inference``).

    Idempotent, so a task may be delivered twice or run by two workers at once: the photo moves
    ``pending -> processing -> done`` and its garments are written in one transaction that holds the
    photo's row lock and first checks the photo is not ``done`` already, so a photo gets exactly one
    set of garments. A ``done`` or ``failed`` photo is left as it is.

    On an error the photo ends ``failed`` with the error text and no garment or garment file of this
    run is kept; ``celery.exceptions.SoftTimeLimitExceeded`` gives a time-limit message. Errors in
    ``TRANSIENT_ERRORS`` (the database went away) are re-raised for the task to retry, the photo
    put back to ``pending`` when the database allows it.
    Returns the photo (``None`` if it no longer exists or there was nothing to do).
    """
    from celery.exceptions import SoftTimeLimitExceeded

    photo = _photo_claim(photo_id)
    if photo is None:
        return Photo.objects.filter(pk=photo_id).first()

    from accounts.selectors import profile_get

    threshold = profile_get(user=photo.owner).review_threshold
    started = time.monotonic()
    written: list[Garment] = []
    try:
        image = load_photo_rgb(photo)
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
                    guesses=getattr(inst, "guesses", []) or [],
                    # Below the threshold: review. A threshold of 1 sends everything to review,
                    # also a detection whose score rounds to 1.
                    status=(Garment.Status.CLOSET if float(inst.score) >= threshold and threshold < 1
                            else Garment.Status.REVIEW),
                ))
            photo.status = Photo.Status.DONE
            photo.error = ""
            photo.processing_seconds = round(time.monotonic() - started, 3)
            photo.save(update_fields=["status", "error", "processing_seconds", "updated_at"])
        logger.info("photo %s done: %d garments in %.2f s (attempt %d)", photo_id, len(written),
                    photo.processing_seconds, photo.attempts)
    except TRANSIENT_ERRORS:
        _delete_garment_files(written)
        try:
            Photo.objects.filter(pk=photo_id, status=Photo.Status.PROCESSING).update(
                status=Photo.Status.PENDING)
        except TRANSIENT_ERRORS:
            pass  # still down; the sweeper finds it 'processing' later
        raise
    except Exception as exc:  # noqa: BLE001 - every failure must end in a readable 'failed' state
        logger.exception("processing photo %s failed", photo_id)
        _delete_garment_files(written)
        if isinstance(exc, SoftTimeLimitExceeded):
            from django.conf import settings

            message = _("Processing took longer than the limit of %(s)s seconds.") % {
                "s": f"{settings.PHOTO_TASK_SOFT_TIME_LIMIT:g}"}
        elif isinstance(exc, ValidationError):
            message = f"{type(exc).__name__}: " + "; ".join(exc.messages)
        else:
            message = f"{type(exc).__name__}: {exc}"
        photo_mark_failed(photo_id=photo_id, error=message)
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
                   classifier_score: float | None = None, guesses: list[dict] | None = None,
                   status: str = Garment.Status.CLOSET) -> Garment:
    """Store one garment of ``photo``.

    ``box``: ``(x0, y0, x1, y1)`` in photo pixels, clipped to the photo; ``mask``: bool array
    ``(photo.height, photo.width)``, stored as a 1-bit PNG; ``cutout``: PIL image, stored as RGBA PNG;
    ``colors``: list of ``{"rgb", "hex", "name", "fraction"}``; ``guesses``: the model's top
    guesses ``[{"category", "type", "score"}]``, best first; ``status``: ``closet`` or ``review``
    (a detection under the owner's review threshold). An unknown ``type_slug`` is stored as no type;
    a type of another category is dropped too.
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
        guesses=_json_safe(guesses or []), status=status,
    )
    garment.color_names = _color_names(garment.colors)
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


def _color_names(colors: list[dict]) -> str:
    names = [c.get("name") for c in colors if c.get("name")]
    return "," + ",".join(dict.fromkeys(names)) + "," if names else ""


def _colors_from_names(garment: Garment, names: list[str]) -> list[dict]:
    unknown = [n for n in names if n not in PALETTE]
    if unknown:
        raise ValidationError({"colors": [_("Unknown colour %(name)s.") % {"name": unknown[0]}]})
    detected = {c.get("name"): c for c in garment.colors}
    out = []
    for name in dict.fromkeys(names):
        rgb = PALETTE[name]
        out.append(detected.get(name) or {"rgb": list(rgb), "hex": "#%02x%02x%02x" % rgb, "name": name,
                                          "fraction": 0.0})
    return out


def _resolve_kind(garment: Garment, category: Any, type: Any) -> tuple[Category, GarmentType | None]:
    """The (category, type) a garment gets from optional ``category`` / ``type`` slugs; see garment_update."""
    new_category = garment.category
    new_type = garment.type
    if category is not _UNSET:
        if not category:
            raise ValidationError({"category": _("A garment needs a category.")})
        new_category = Category.objects.filter(slug=category).first()
        if new_category is None:
            raise ValidationError({"category": _("Unknown category %(slug)s.") % {"slug": category}})
        if type is _UNSET and new_type is not None and new_type.category_id != new_category.pk:
            new_type = None
    if type is not _UNSET:
        if type is None or type == "":
            new_type = None
        else:
            new_type = GarmentType.objects.select_related("category").filter(slug=type).first()
            if new_type is None:
                raise ValidationError({"type": _("Unknown type %(slug)s.") % {"slug": type}})
            if category is not _UNSET and new_type.category_id != new_category.pk:
                raise ValidationError({"type": _("The type %(type)s is not a kind of %(category)s.") % {
                    "type": new_type.display_name, "category": new_category.display_name}})
            new_category = new_type.category
    return new_category, new_type


#: Fields ``garment_update`` copies as they are (validated by the model).
EDITABLE_FIELDS = ("name", "brand", "size", "material", "price", "currency", "purchase_date", "notes",
                   "picture", "laundry", "warmth_clo")
#: Highest warmth (clo) a user may give one garment (the warmest single garments of ISO 9920 are below 1).
MAX_GARMENT_CLO = 3.0


def garment_update(*, garment: Garment, category: str | None = _UNSET, type: str | None = _UNSET,
                   colors: list[str] = _UNSET, seasons: list[str] = _UNSET, **fields: Any) -> Garment:
    """Edit a garment; only the arguments given change.

    * ``category`` / ``type``: slugs. ``type`` set: the garment moves to the type's category (a
      ``category`` given too must be that one); ``type=None`` clears it; only ``category``: a type
      of another category is cleared.
    * ``colors``: colour names of ``vision.colors.PALETTE`` (detected entries keep their shares).
    * ``seasons``: season slugs (``Garment.Season``).
    * ``name``, ``brand``, ``size``, ``material`` (str), ``price`` (Decimal >= 0 or None),
      ``currency`` (ISO 4217 code of ``settings.CURRENCIES`` or ""), ``purchase_date`` (date or None),
      ``notes`` (str), ``picture`` (``cutout`` | ``photo``), ``laundry`` (``clean`` | ``wash``),
      ``warmth_clo`` (clo, 0..``MAX_GARMENT_CLO``, or None: the default of its type or category).
    Raises ``ValidationError`` (dict keyed by field) for unknown fields, slugs or bad values; then
    nothing is saved and the instance is reloaded.
    """
    from django.conf import settings

    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    try:
        garment.category, garment.type = _resolve_kind(garment, category, type)
        if colors is not _UNSET:
            garment.colors = _colors_from_names(garment, list(colors or []))
            garment.color_names = _color_names(garment.colors)
        if seasons is not _UNSET:
            bad = [v for v in seasons or [] if v not in Garment.Season.values]
            if bad:
                raise ValidationError({"seasons": [_("Unknown season %(name)s.") % {"name": bad[0]}]})
            chosen = [v for v in Garment.Season.values if v in (seasons or [])]
            garment.seasons = "," + ",".join(chosen) + "," if chosen else ""
        if fields.get("currency") and fields["currency"] not in settings.CURRENCIES:
            raise ValidationError({"currency": [_("Choose one of %(list)s.") % {
                "list": ", ".join(settings.CURRENCIES)}]})
        if fields.get("warmth_clo") is not None:
            try:
                fields["warmth_clo"] = round(float(fields["warmth_clo"]), 2)
            except (TypeError, ValueError):
                fields["warmth_clo"] = -1.0
            if not 0 <= fields["warmth_clo"] <= MAX_GARMENT_CLO:  # also NaN
                raise ValidationError({"warmth_clo": [_("Give a warmth between 0 and %(max)s clo.") % {
                    "max": MAX_GARMENT_CLO}]})
        for name, value in fields.items():
            setattr(garment, name, "" if value is None and name not in ("price", "purchase_date", "warmth_clo")
                    else value)
        if garment.price is not None and not garment.currency:
            from accounts.selectors import profile_get

            garment.currency = profile_get(user=garment.owner).currency
        garment.full_clean(exclude=["owner", "photo", "mask", "cutout"], validate_unique=False)
    except ValidationError:
        garment.refresh_from_db()
        raise
    garment.save()
    return garment


def garment_confirm(*, garment: Garment, category: str | None = _UNSET, type: str | None = _UNSET) -> Garment:
    """Accept a detection into the closet, optionally as another category/type (slugs, as in
    :func:`garment_update`; e.g. one of ``garment.guesses``). Raises ``ValidationError`` for bad slugs."""
    with transaction.atomic():
        garment_update(garment=garment, category=category, type=type)
        if garment.status == Garment.Status.REVIEW:
            garment.status = Garment.Status.CLOSET
            garment.save(update_fields=["status", "updated_at"])
    return garment


def garment_reject(*, garment: Garment) -> None:
    """A false detection: delete it and its files (once the transaction commits)."""
    garment.delete()


def photo_confirm_all(*, photo: Photo) -> int:
    """Accept every garment of ``photo`` still waiting for review as it is. Returns how many."""
    return Garment.objects.filter(photo=photo, status=Garment.Status.REVIEW).update(
        status=Garment.Status.CLOSET, updated_at=timezone.now())


def garment_archive(*, garment: Garment, reason: str) -> Garment:
    """Take a garment out of the closet as ``sold``, ``donated`` or ``lost``; it stays findable under
    the archived filter. Raises ``ValidationError`` for another reason or a garment still in review."""
    if reason not in Garment.ArchiveReason.values:
        raise ValidationError({"reason": [_("Choose sold, donated or lost.")]})
    if garment.status == Garment.Status.REVIEW:
        raise ValidationError(_("Review this garment before archiving it."), code="invalid_state")
    garment.status = Garment.Status.ARCHIVED
    garment.archive_reason = reason
    garment.archived_at = timezone.now()
    garment.save(update_fields=["status", "archive_reason", "archived_at", "updated_at"])
    return garment


def garment_unarchive(*, garment: Garment) -> Garment:
    """Put an archived garment back in the closet (no-op for others)."""
    if garment.status == Garment.Status.ARCHIVED:
        garment.status = Garment.Status.CLOSET
        garment.archive_reason = ""
        garment.archived_at = None
        garment.save(update_fields=["status", "archive_reason", "archived_at", "updated_at"])
    return garment


def _refresh_wear_stats(garment_ids: list[int]) -> None:
    stats = {row["garment"]: row for row in WearLog.objects.filter(garment_id__in=garment_ids)
             .values("garment").annotate(n=Count("id"), last=Max("worn_on"))}
    for gid in garment_ids:
        row = stats.get(gid, {"n": 0, "last": None})
        Garment.objects.filter(pk=gid).update(wear_count=row["n"], last_worn_on=row["last"],
                                              updated_at=timezone.now())


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
        raise ValidationError(_("Only garments in the closet can be worn: %(item)s is not.") % {
            "item": blocked[0].label}, code="invalid_state")
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


def garment_delete(*, garment: Garment) -> None:
    """Delete a garment and (once the transaction commits) its mask and cutout files."""
    garment.delete()


def garment_photo_crop(*, garment: Garment, max_side: int = 800, margin: float = 0.05) -> bytes:
    """JPEG bytes of the garment's photo cropped to its box widened by ``margin`` (a fraction of the
    box's size on each side), downscaled so that the long side is at most ``max_side`` pixels."""
    image = load_photo_rgb(garment.photo)
    dx, dy = round(garment.box_width * margin), round(garment.box_height * margin)
    crop = image.crop((max(0, garment.x0 - dx), max(0, garment.y0 - dy),
                       min(image.width, garment.x1 + dx), min(image.height, garment.y1 + dy)))
    crop.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    crop.save(buf, format="JPEG", quality=85)
    return buf.getvalue()
