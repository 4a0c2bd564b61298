"""Adding a garment the model missed: the person draws a box on the photo, a worker cuts out the
garment inside it (``pipeline.garment_in_box``), and it waits in the review queue.

:func:`photo_box_request` (web) checks the box and hands a ``BoxRequest`` to the queue port
(``wardrobe.closet.queue``); :func:`box_request_process` (worker) writes the garment. Knows nothing
of Celery.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from vision.contract import GarmentInstance
from vision.refine import RefineError, check_box
from wardrobe.closet.errors import TRANSIENT_ERRORS
from wardrobe.closet.failures import NO_FAILURE, failure_fields
from wardrobe.closet.models import BoxRequest, Garment, Photo
from wardrobe.closet.queue import photo_queue
from wardrobe.closet.services.garments import garment_create, garment_files_delete
from wardrobe.closet.services.photos import load_photo_rgb

logger = logging.getLogger(__name__)

#: Smallest side of a box, in photo pixels.
MIN_BOX_SIDE = 8


class BoxPipeline(Protocol):
    """What :func:`box_request_process` needs of the vision pipeline (``vision.inference.Pipeline``)."""

    def garment_in_box(self, image: Image.Image, box: tuple[int, int, int, int]) -> GarmentInstance: ...


def box_error(box, width: int, height: int) -> str:
    """The sentence, in the active language, for a box ``vision.refine.check_box`` refused."""
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        return _("A box is four numbers: x0, y0, x1, y1.")
    if min(x0, y0) < 0 or x1 > width or y1 > height:
        return _("The box lies outside the photo (%(w)d × %(h)d pixels).") % {"w": width, "h": height}
    return _("The box is smaller than %(n)d pixels on a side.") % {"n": MIN_BOX_SIDE}


def photo_box_request(*, photo: Photo, box) -> BoxRequest:
    """Ask a worker to cut out the garment inside ``box`` on ``photo``.

    Args:
        photo: the photo (the caller checked its owner); any status.
        box: (x0, y0, x1, y1) in photo pixels, x1/y1 exclusive (numbers; rounded to whole pixels).
    Returns:
        the new ``BoxRequest`` (``pending``), already handed to the queue.
    Raises:
        ValidationError: ``{"box": [message]}`` (in the active language) when the box is not four
            numbers, lies partly outside the photo or is under ``MIN_BOX_SIDE`` pixels on a side.
        wardrobe.closet.queue.QueueUnavailable: the queue cannot be reached; nothing is kept.
    """
    try:
        checked = check_box(box, photo.width, photo.height, min_side=MIN_BOX_SIDE)
    except (RefineError, OverflowError):  # OverflowError: an infinite coordinate
        raise ValidationError({"box": [box_error(box, photo.width, photo.height)]}, code="bad_box")
    request = BoxRequest.objects.create(photo=photo, box=list(checked))
    try:
        photo_queue().send_box(request.pk)
    except Exception:
        request.delete()
        raise
    return request


def box_request_fail(*, request_id: int, code: str, params: dict | None = None, detail: str = "") -> None:
    """End a pending box request ``failed`` for reason ``code`` (a key of ``closet.failures.FAILURES``;
    ``detail``: technical text for the admin); no-op when it is gone or finished.
    Raises ``KeyError`` for an unknown code."""
    BoxRequest.objects.filter(pk=request_id, status=BoxRequest.Status.PENDING).update(
        status=BoxRequest.Status.FAILED, **failure_fields(code, params, detail)
    )


def box_request_process(
    request_id: int, pipeline: BoxPipeline, *, interruptions: tuple[type[BaseException], ...] = ()
) -> BoxRequest | None:
    """Cut out the garment of box request ``request_id`` and store it: status ``review`` (whatever
    its score), ``mask_edited`` (its mask came from the person's box), with the model's guesses.

    Idempotent: a request that is no longer ``pending`` is left as it is (a redelivered task), and
    the garment is written under the request's row lock after checking it is still pending, so a
    request gets at most one garment. When nothing can be cut out (``RefineError`` / ``ValueError``
    of ``garment_in_box``) or anything else goes wrong, the request ends ``failed`` with a sentence
    and no file is left. ``TRANSIENT_ERRORS`` (the database went away) and ``interruptions`` (the
    caller's time limit) are re-raised, the request still pending. Returns the request (None when
    it, or its photo, no longer exists).
    """
    request = BoxRequest.objects.select_related("photo").filter(pk=request_id).first()
    if request is None or request.status != BoxRequest.Status.PENDING:
        return request
    written: list[Garment] = []
    try:
        instance = pipeline.garment_in_box(load_photo_rgb(request.photo), tuple(request.box))
        with transaction.atomic():
            # Lock order photo -> request, as deleting the photo or its owner takes them.
            if not Photo.objects.select_for_update().filter(pk=request.photo_id).exists():
                return None
            if not BoxRequest.objects.select_for_update().filter(pk=request_id, status="pending").exists():
                return BoxRequest.objects.filter(pk=request_id).first()  # another run finished it
            garment = garment_create(
                photo=request.photo, instance=instance, status=Garment.Status.REVIEW, mask_edited=True
            )
            written.append(garment)
            done = {"status": BoxRequest.Status.DONE, "garment": garment, **NO_FAILURE}
            BoxRequest.objects.filter(pk=request_id).update(**done)
    except (*TRANSIENT_ERRORS, *interruptions):
        garment_files_delete(written)
        raise
    except (RefineError, ValueError) as exc:
        garment_files_delete(written)
        logger.info("box request %s: nothing cut out (%s)", request_id, exc)
        box_request_fail(request_id=request_id, code="box_empty", detail=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - every failure must end in a readable 'failed' state
        logger.exception("box request %s failed", request_id)
        garment_files_delete(written)
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        box_request_fail(request_id=request_id, code="box_failed", detail=f"{type(exc).__name__}: {detail}")
    return BoxRequest.objects.filter(pk=request_id).first()
