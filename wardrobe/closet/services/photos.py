"""Photo writes: storing an upload, handing it to the queue, retrying, deleting, and the sweeper that
recovers photos whose processing was lost.

Errors are raised as ``django.core.exceptions.ValidationError`` (``closet.errors.PhotoBacklogFull``, one
of them, when the owner has too many photos waiting); nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from vision.similarity import photo_phash
from wardrobe.closet.errors import PhotoBacklogFull
from wardrobe.closet.failures import NO_FAILURE, failure_fields
from wardrobe.closet.images import decode_image, encode_for_storage
from wardrobe.closet.models import Photo
from wardrobe.closet.queue import QueueUnavailable, photo_queue

logger = logging.getLogger(__name__)

#: Seconds an owner at ``settings.MAX_PENDING_PHOTOS`` is told to wait (``Retry-After``): a few
#: photos' time in the worker (1-3 s each once downscaled, see ``bench.upload_cost``) plus the queue.
BACKLOG_RETRY_AFTER = 30


def gave_up_fields(attempts: int) -> dict:
    """The failure a photo that stopped its worker ``attempts`` times ends with (``failures.gave_up``)."""
    return failure_fields("gave_up", {"n": attempts}, f"given up after {attempts} attempts")


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


def photo_backlog_check(*, owner_id: int, lock: bool = False) -> None:
    """Refuse more work for user ``owner_id`` while ``settings.MAX_PENDING_PHOTOS`` (0: no limit) of
    their photos or more wait for the worker (status ``pending`` or ``processing``), so that one
    person's backlog cannot fill the queue in front of everybody else's photos.

    ``lock=True`` (inside ``transaction.atomic``): first lock the owner's user row (``SELECT ... FOR
    UPDATE``, held until the transaction ends), so concurrent uploads of one owner are counted one
    after another and cannot pass the limit together; the caller writes its photo in the same
    transaction. Raises ``closet.errors.PhotoBacklogFull`` (a ``ValidationError``, code
    ``too_many_pending``, ``retry_after`` = :data:`BACKLOG_RETRY_AFTER` seconds).
    """
    limit = settings.MAX_PENDING_PHOTOS
    if not limit:
        return
    if lock:
        list(get_user_model().objects.select_for_update().filter(pk=owner_id).values_list("pk", flat=True))
    waiting = Photo.objects.filter(
        owner_id=owner_id, status__in=[Photo.Status.PENDING, Photo.Status.PROCESSING]
    ).count()
    if waiting >= limit:
        raise PhotoBacklogFull(
            ngettext(
                "%(n)d of your photos is waiting to be analysed, and at most %(limit)d may wait at once. "
                "Send more when some are done: try again in %(s)d seconds.",
                "%(n)d of your photos are waiting to be analysed, and at most %(limit)d may wait at once. "
                "Send more when some are done: try again in %(s)d seconds.",
                waiting,
            )
            % {"n": waiting, "limit": limit, "s": BACKLOG_RETRY_AFTER},
            retry_after=BACKLOG_RETRY_AFTER,
        )


def upload_bytes(uploaded_file: UploadedFile) -> bytes:
    """The bytes of an uploaded file, read at most ``settings.MAX_UPLOAD_BYTES`` + 1 of them.
    Raises ``ValidationError`` (code ``too_big``) for a file over ``MAX_UPLOAD_BYTES``."""
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
    return data


def photo_create(*, owner, uploaded_file: UploadedFile) -> Photo:
    """Validate an uploaded image, store a clean copy of it and queue it for processing.

    ``uploaded_file``: a Django ``UploadedFile`` (JPEG, PNG, WebP or HEIC/HEIF, at most
    ``settings.MAX_UPLOAD_BYTES`` bytes and ``settings.MAX_IMAGE_PIXELS`` pixels); its content
    decides, never its name or content type. The stored file is a re-encode without metadata
    (upright, sRGB, no EXIF/GPS; PNG stays PNG, the rest becomes JPEG: see ``wardrobe.closet.images``),
    scaled down so that its long side is at most ``settings.MAX_PHOTO_SIDE`` pixels (the original
    upload is not kept), under a random name ``photos/<owner id>/<uuid>.<ext>``; the client's file
    name is kept only as ``original_filename`` (cleaned by ``_display_filename``).
    Returns the new ``Photo`` (status ``pending``, width/height in pixels of the stored, upright
    image); the photo is handed to the queue (:func:`photo_enqueue`) once the transaction commits.
    Raises ``ValidationError`` (empty, too big, not an image, unsupported, truncated/corrupt,
    decompression bomb), or ``closet.errors.PhotoBacklogFull`` when the owner already has
    ``settings.MAX_PENDING_PHOTOS`` photos waiting (:func:`photo_backlog_check`, checked before the
    file is read and again under a lock before it is stored); then no row and no file is written.
    """
    photo_backlog_check(owner_id=owner.pk)  # cheap: no decoding for someone who cannot queue more
    decoded = decode_image(upload_bytes(uploaded_file), max_side=settings.MAX_PHOTO_SIDE)
    content, extension = encode_for_storage(decoded)

    original_name = _display_filename(getattr(uploaded_file, "name", ""))
    photo = Photo(
        owner=owner,
        original_filename=original_name,
        width=decoded.width,
        height=decoded.height,
        status=Photo.Status.PENDING,
        phash=f"{photo_phash(decoded.image):016x}",  # "You already own this": the same picture again
    )
    stored_name = None
    try:
        with transaction.atomic():
            photo_backlog_check(owner_id=owner.pk, lock=True)
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
    """Delete a photo, its garments and all their files (files go once the transaction commits).

    The photo's row is locked first: a worker writing this photo's garments holds that lock
    (``process_photo``, ``box_request_process``), so the deletion waits for it and then finds every
    garment it wrote; a worker that comes after finds the photo gone and stops (issue 15, defect 2).
    """
    with transaction.atomic():
        if Photo.objects.select_for_update().filter(pk=photo.pk).exists():
            photo.delete()


def photo_mark_failed(*, photo_id: int, code: str, params: dict | None = None, detail: str = "") -> None:
    """Set a photo's status to ``failed`` for reason ``code`` (a key of ``closet.failures.FAILURES``,
    its sentence filled from ``params`` when read; ``detail``: technical text for the admin); no-op
    when the photo is gone or already ``done`` (another run of its task finished it).
    Raises ``KeyError`` for an unknown code."""
    Photo.objects.filter(pk=photo_id).exclude(status=Photo.Status.DONE).update(
        status=Photo.Status.FAILED, updated_at=timezone.now(), **failure_fields(code, params, detail)
    )


def photo_requeue(*, photo: Photo) -> Photo:
    """Put a failed photo back to ``pending`` (attempts reset) and queue it again.

    Raises ``ValidationError`` unless the photo is ``failed``, ``closet.errors.PhotoBacklogFull``
    when its owner has ``settings.MAX_PENDING_PHOTOS`` photos waiting already.
    """
    if photo.status != Photo.Status.FAILED:
        raise ValidationError(_("Only failed photos can be retried."), code="invalid_state")
    with transaction.atomic():
        photo_backlog_check(owner_id=photo.owner_id, lock=True)
        photo.status = Photo.Status.PENDING
        for field, value in NO_FAILURE.items():
            setattr(photo, field, value)
        photo.attempts = 0
        photo.enqueued_at = None
        photo.save(update_fields=["status", *NO_FAILURE, "attempts", "enqueued_at", "updated_at"])
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
    counts["failed"] += stuck.filter(attempts__gte=max_attempts).update(
        status=Photo.Status.FAILED, updated_at=now, **gave_up_fields(max_attempts)
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
