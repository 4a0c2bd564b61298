"""Photo writes: storing an upload, handing it to the queue, retrying, deleting, and the sweeper that
recovers photos whose processing was lost.

Errors are raised as ``django.core.exceptions.ValidationError``; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from wardrobe.closet.images import decode_image, encode_for_storage
from wardrobe.closet.models import Photo
from wardrobe.closet.queue import QueueUnavailable, photo_queue

logger = logging.getLogger(__name__)


def gave_up_message(attempts: int) -> str:
    """The sentence a photo that stopped its worker ``attempts`` times ends with."""
    return _("Processing stopped %(n)d times (the worker crashed or ran out of time); this photo was given up.") % {
        "n": attempts
    }


def photo_enqueue(photo_id: int) -> bool:
    """Hand photo ``photo_id`` to the queue (``wardrobe.closet.queue``) and record when; returns
    whether that worked.

    A queue that is down must not fail the upload: the photo stays ``pending`` with ``enqueued_at``
    empty, and :func:`photos_sweep` hands it over once the queue is back.
    """
    try:
        photo_queue().send(photo_id)
    except QueueUnavailable:
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
    (upright, sRGB, no EXIF/GPS; PNG stays PNG, the rest becomes JPEG: see ``wardrobe.closet.images``)
    under a random name ``photos/<owner id>/<uuid>.<ext>``; the client's file name is kept only as
    ``original_filename`` (cleaned by ``_display_filename``).
    Returns the new ``Photo`` (status ``pending``, width/height of the upright image); the Celery
    photo is handed to the queue (:func:`photo_enqueue`) once the transaction commits.
    Raises ``ValidationError`` (empty, too big, not an image, unsupported, truncated/corrupt,
    decompression bomb); then no row and no file is written.
    """
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too big: %(size)s bytes, the limit is %(limit)s bytes.")
            % {"size": f"{size:,}", "limit": f"{settings.MAX_UPLOAD_BYTES:,}"},
            code="too_big",
        )
    uploaded_file.seek(0)
    data = uploaded_file.read(settings.MAX_UPLOAD_BYTES + 1)
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too big: the limit is %(limit)s bytes.") % {"limit": f"{settings.MAX_UPLOAD_BYTES:,}"},
            code="too_big",
        )
    decoded = decode_image(data)
    content, extension = encode_for_storage(decoded)

    original_name = _display_filename(getattr(uploaded_file, "name", ""))
    photo = Photo(
        owner=owner,
        original_filename=original_name,
        width=decoded.width,
        height=decoded.height,
        status=Photo.Status.PENDING,
    )
    stored_name = None
    try:
        with transaction.atomic():
            photo.image.save(f"upload{extension}", ContentFile(content), save=False)
            stored_name = photo.image.name
            photo.save()
            transaction.on_commit(lambda: photo_enqueue(photo.pk))
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
        status=Photo.Status.FAILED, error=error[:2000], updated_at=timezone.now()
    )


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
        transaction.on_commit(lambda: photo_enqueue(photo.pk))
    return photo


def photos_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Recover photos whose task was lost: re-enqueue them, or fail them after too many attempts.

    * ``pending`` and never handed to the broker (``enqueued_at`` empty; the broker was down during
      the upload), created more than 5 seconds ago: enqueued;
    * ``pending`` and enqueued more than ``SWEEP_PENDING_AFTER`` seconds ago while the queue holds
      fewer waiting photos than such photos (its message was lost, e.g. Redis restarted
      without persistence): enqueued again;
    * ``processing`` for more than ``SWEEP_PROCESSING_AFTER`` seconds (its worker died and the
      message was not handed back): enqueued again, or ``failed`` when it already had
      ``PHOTO_MAX_ATTEMPTS`` attempts.

    A photo enqueued twice is harmless: ``process_photo`` is idempotent. Returns counts
    ``{"enqueued": n, "failed": n, "unqueued": n}`` (``unqueued``: the broker is still down).
    Called by the beat task ``workers.tasks.sweep_photos`` and ``manage.py sweep_photos``.
    """
    now = now or timezone.now()
    counts = {"enqueued": 0, "failed": 0, "unqueued": 0}
    max_attempts = settings.PHOTO_MAX_ATTEMPTS

    stuck = Photo.objects.filter(
        status=Photo.Status.PROCESSING,
        processing_started_at__lt=now - dt.timedelta(seconds=settings.SWEEP_PROCESSING_AFTER),
    )
    gave_up = gave_up_message(max_attempts)
    counts["failed"] += stuck.filter(attempts__gte=max_attempts).update(
        status=Photo.Status.FAILED, error=gave_up, updated_at=now
    )
    to_queue = list(stuck.values_list("pk", flat=True))

    never_queued = Photo.objects.filter(
        status=Photo.Status.PENDING, enqueued_at__isnull=True, created_at__lt=now - dt.timedelta(seconds=5)
    )
    to_queue += list(never_queued.values_list("pk", flat=True))

    old_pending = list(
        Photo.objects.filter(
            status=Photo.Status.PENDING,
            enqueued_at__lt=now - dt.timedelta(seconds=settings.SWEEP_PENDING_AFTER),
        ).values_list("pk", flat=True)
    )
    if old_pending:
        waiting = photo_queue().waiting()
        if waiting is None or waiting < len(old_pending):
            to_queue += old_pending

    for photo_id in dict.fromkeys(to_queue):
        if photo_enqueue(photo_id):
            counts["enqueued"] += 1
        else:
            counts["unqueued"] += 1
    if any(counts.values()):
        logger.info("photo sweep: %s", counts)
    return counts


def load_photo_rgb(photo: Photo) -> Image.Image:
    """The photo's stored image, decoded, upright, RGB (the image the pipeline sees)."""
    with photo.image.open("rb") as fh:
        data = fh.read()
    return decode_image(data).image
