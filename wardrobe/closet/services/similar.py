"""Appearance vectors at work (issue 16): storing a garment's vector, corrections that stick (the
owner's own garments re-rank the model's guesses for a new one) and "Do I own something like this?"
(a photo handed to a worker and compared with the closet, nothing kept).

The web process runs no model: :func:`closet_match` stores the photo as a ``MatchRequest``, hands
it to the queue port (``send_match``) and waits at most ``settings.MATCH_WAIT_SECONDS`` for
:func:`match_request_process` (worker) to answer; it deletes the request and its file in any case.
Knows nothing of Celery.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from vision.contract import GarmentInstance
from vision.similarity import correction_offsets, cosine_matrix, personal_rerank, personal_weight
from wardrobe.closet import selectors
from wardrobe.closet.errors import TRANSIENT_ERRORS
from wardrobe.closet.images import decode_image, encode_for_storage
from wardrobe.closet.models import Garment
from wardrobe.closet.queue import QueueUnavailable, photo_queue
from wardrobe.closet.services.photos import upload_bytes
from wardrobe.closet.similar_models import GarmentEmbedding, MatchRequest, current_embedding_version, vector_to_bytes

logger = logging.getLogger(__name__)

#: How many of the closet's items "Do I own something like this?" and similar items answer.
MATCH_LIMIT = 6
#: Seconds between two looks at a ``MatchRequest`` while waiting for the worker.
MATCH_POLL_SECONDS = 0.1
#: ``Retry-After`` (seconds) when no worker answered in time.
MATCH_RETRY_AFTER = 30


class MatchUnavailable(Exception):
    """No worker answered "Do I own something like this?" (queue down, busy past
    ``MATCH_WAIT_SECONDS``, or its models failed): ``str(exc)`` is a sentence in the active
    language, ``retry_after`` the seconds to wait."""

    def __init__(self, message: str, retry_after: int = MATCH_RETRY_AFTER):
        super().__init__(message)
        self.retry_after = retry_after


def garment_embedding_save(*, garment: Garment, vector: np.ndarray | None) -> None:
    """Store (or replace) ``garment``'s appearance vector (float (D,), unit norm), stamped with the
    current embedding version; None: nothing."""
    if vector is None:
        return
    GarmentEmbedding.objects.update_or_create(
        garment=garment, defaults={"vector": vector_to_bytes(vector), "model_version": current_embedding_version()}
    )


def instance_rerank(*, owner_id: int, instance: GarmentInstance, photo_id: int | None = None) -> GarmentInstance:
    """Corrections that stick: ``instance``'s guesses re-ranked by its owner's own garments
    (``selectors.rerank_neighbours``, at most ``RERANK_NEIGHBOURS``, none of photo ``photo_id``: the
    other garments of the same photo are other garments): the guesses re-scored by how the owner's
    names differ from the model's (``vision.similarity.correction_offsets``), then voted on by the
    most alike of them (``vision.similarity.personal_rerank``, weighted by how alike the closest one is,
    ``vision.similarity.personal_weight``); the best becomes its category, type and score.

    Returns a new instance (the given one is not changed), or ``instance`` itself when it has no
    vector or no guesses, or its owner no garment."""
    if instance.embedding is None or not instance.guesses:
        return instance
    neighbours = selectors.rerank_neighbours(user_id=owner_id, exclude_photo_id=photo_id)
    if not neighbours:
        return instance
    offsets = correction_offsets([(guesses, c, t) for _v, c, t, guesses in neighbours])
    best = float(cosine_matrix(instance.embedding, np.stack([n[0] for n in neighbours]))[0].max())
    guesses = personal_rerank(
        list(instance.guesses), instance.embedding, neighbours, weight=personal_weight(best), offsets=offsets
    )
    if not guesses:
        return instance
    top = guesses[0]
    return dataclasses.replace(instance, guesses=guesses, category=top.category, type=top.type, score=float(top.score))


def closet_match(*, owner, uploaded_file: UploadedFile, wait: float | None = None) -> dict:
    """ "Do I own something like this?": the owner's items in the closet most like the garment(s) in
    an uploaded photo, nothing kept.

    The file is checked as an upload (``services.photo_create``'s checks: size, content, pixels;
    scaled to ``MAX_PHOTO_SIDE``), stored as a ``MatchRequest`` and handed to a worker, which
    answers within ``wait`` seconds (default ``settings.MATCH_WAIT_SECONDS``); the request and its
    file are deleted whatever happens.

    Returns ``{"found": n, "matches": [{"id", "similarity"}]}``: how many garments the worker found
    in the photo, and at most :data:`MATCH_LIMIT` of the owner's items, best first (for each item the
    best cosine similarity to one of them, 4 decimals). Raises ``ValidationError`` (empty, too big,
    not an image: nothing stored) or :class:`MatchUnavailable` (no answer in time, queue down, the
    worker failed).
    """
    decoded = decode_image(upload_bytes(uploaded_file), max_side=settings.MAX_PHOTO_SIDE)
    content, extension = encode_for_storage(decoded)
    request = MatchRequest(owner=owner)
    request.image.save(f"match{extension}", ContentFile(content), save=False)
    try:
        request.save()
        try:
            photo_queue().send_match(request.pk)
        except QueueUnavailable:
            raise MatchUnavailable(_("The garment finder cannot be reached right now. Try again in a minute."))
        deadline = time.monotonic() + (settings.MATCH_WAIT_SECONDS if wait is None else wait)
        answer = MatchRequest.objects.filter(pk=request.pk).values("status", "found", "matches").first()
        while answer and answer["status"] == MatchRequest.Status.PENDING and time.monotonic() < deadline:
            time.sleep(MATCH_POLL_SECONDS)
            answer = MatchRequest.objects.filter(pk=request.pk).values("status", "found", "matches").first()
    finally:
        if request.pk:
            MatchRequest.objects.filter(pk=request.pk).delete()
        request.image.storage.delete(request.image.name)
    if answer is None or answer["status"] == MatchRequest.Status.PENDING:
        raise MatchUnavailable(_("The garment finder is busy right now. Try again in a minute."))
    if answer["status"] == MatchRequest.Status.FAILED:
        raise MatchUnavailable(_("The garment finder could not look at this photo right now. Try again later."))
    return {"found": answer["found"], "matches": answer["matches"]}


def _matches(owner_id: int, vectors: Iterable[np.ndarray]) -> list[dict]:
    """For each of the owner's closet items its best similarity to one of ``vectors``, best first."""
    best: dict[int, float] = {}
    for vector in vectors:
        for m in selectors.garments_ranked(user=owner_id, vector=vector, limit=MATCH_LIMIT):
            best[m["id"]] = max(best.get(m["id"], -1.0), m["similarity"])
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:MATCH_LIMIT]
    return [{"id": pk, "similarity": similarity} for pk, similarity in ranked]


def match_requests_sweep(*, older_than: float = 600) -> int:
    """Delete the ``MatchRequest`` rows (and files) left over ``older_than`` seconds (a web process
    that died while waiting); run with the photo sweeper. Returns how many."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than)
    stale = list(MatchRequest.objects.filter(created_at__lt=cutoff))
    for request in stale:
        request.image.storage.delete(request.image.name)
    return MatchRequest.objects.filter(pk__in=[r.pk for r in stale]).delete()[0]


def match_request_fail(*, request_id: int) -> None:
    """End a pending ``MatchRequest`` ``failed`` (no-op when it is gone or answered)."""
    MatchRequest.objects.filter(pk=request_id, status=MatchRequest.Status.PENDING).update(
        status=MatchRequest.Status.FAILED
    )


def match_request_process(
    request_id: int,
    pipeline: Callable[[Image.Image], Iterable[GarmentInstance]],
    *,
    interruptions: tuple[type[BaseException], ...] = (),
) -> MatchRequest | None:
    """Worker: run the pipeline on the photo of ``MatchRequest`` ``request_id`` and write its answer
    (``found``, ``matches``: see :func:`closet_match`; status ``done``). A request no longer pending
    (or gone: the web process stopped waiting) is left alone; any failure ends it ``failed``, except
    ``TRANSIENT_ERRORS`` and ``interruptions`` (re-raised). Returns the request (None when gone)."""
    request = MatchRequest.objects.filter(pk=request_id, status=MatchRequest.Status.PENDING).first()
    if request is None:
        return MatchRequest.objects.filter(pk=request_id).first()
    pending = MatchRequest.objects.filter(pk=request_id, status=MatchRequest.Status.PENDING)
    try:
        with request.image.open("rb") as fh:
            image = decode_image(fh.read()).image
        instances = list(pipeline(image))
        vectors = [i.embedding for i in instances if i.embedding is not None]
        matches = _matches(request.owner_id, vectors)
        pending.update(status=MatchRequest.Status.DONE, found=len(instances), matches=matches)
    except (*TRANSIENT_ERRORS, *interruptions):
        raise
    except Exception:  # noqa: BLE001 - the web process waits for an answer: always give one
        logger.exception("match request %s failed", request_id)
        match_request_fail(request_id=request_id)
    return MatchRequest.objects.filter(pk=request_id).first()
