"""Thin Celery tasks: they resolve runtime objects, call the closet's services and own everything
that is Celery's: retries, time limits and what happens when one is hit.

``process_photo`` is acknowledged late and handed back when its worker process dies
(``CELERY_TASK_ACKS_LATE``, ``CELERY_TASK_REJECT_ON_WORKER_LOST``), retried with exponential
backoff on transient database errors (``wardrobe.closet.errors.TRANSIENT_ERRORS``: Celery's
``autoretry_for`` retries it at most 5 times, waiting about 2, 4, 8, 16, 32 s, each drawn at random
between 0 and that, capped at 120 s), and bounded by ``PHOTO_TASK_SOFT_TIME_LIMIT`` /
``PHOTO_TASK_TIME_LIMIT`` seconds (the prefork pool enforces them; the solo pool cannot): the soft
limit ends the photo ``failed`` with a sentence, the hard one kills the worker process (the
sweeper then takes over). ``garment_in_box`` (a garment the person drew a box around) runs the
same way, its request ending ``failed`` with a sentence instead. ``sweep_photos`` runs under celery
beat every ``SWEEP_INTERVAL`` seconds, ``embed_stale_garments`` every ``EMBED_REFRESH_INTERVAL``.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError

from wardrobe.closet.errors import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


def _time_limit(while_loading: bool = False) -> dict:
    """The failure of a task stopped by its soft time limit (``closet.failures``)."""
    return {
        "code": "time_limit_loading" if while_loading else "time_limit",
        "params": {"s": f"{settings.PHOTO_TASK_SOFT_TIME_LIMIT:g}"},
        "detail": "SoftTimeLimitExceeded",
    }


def _models_unavailable(exc: Exception) -> dict:
    """The failure of a task whose vision models could not load; the reason goes to the admin."""
    return {"code": "models_unavailable", "detail": f"{type(exc).__name__}: {exc}"}


@shared_task(
    name="workers.tasks.process_photo",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    soft_time_limit=settings.PHOTO_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.PHOTO_TASK_TIME_LIMIT,
)
def process_photo(photo_id: int) -> str | None:
    """Segment and classify the garments of photo ``photo_id``; returns the photo's final status
    (``None`` when the photo no longer exists)."""
    from wardrobe.closet import services
    from workers.runtime import get_pipeline, release_memory

    try:
        pipeline = get_pipeline()
    except SoftTimeLimitExceeded:
        services.photo_mark_failed(photo_id=photo_id, **_time_limit(while_loading=True))
        return "failed"
    except Exception as exc:  # noqa: BLE001 - a photo must never stay pending because models failed to load
        logger.exception("could not load the vision pipeline")
        services.photo_mark_failed(photo_id=photo_id, **_models_unavailable(exc))
        return "failed"
    try:
        photo = services.process_photo(photo_id, pipeline, interruptions=(SoftTimeLimitExceeded,))
    except SoftTimeLimitExceeded:
        logger.warning("photo %s hit the soft time limit", photo_id)
        _discard_connection()
        services.photo_mark_failed(photo_id=photo_id, **_time_limit())
        return "failed"
    except TRANSIENT_ERRORS:
        raise  # Celery's autoretry
    except DatabaseError as exc:
        # The soft limit can strike inside a database call and leave the connection mid-transaction
        # (psycopg: "can't change 'autocommit' now"); end the photo on a fresh connection.
        logger.exception("photo %s: database call interrupted", photo_id)
        _discard_connection()
        services.photo_mark_failed(photo_id=photo_id, code="analysis", detail=f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        release_memory()
    return photo.status if photo else None


def _discard_connection() -> None:
    """Close this process's database connection when an interruption left it unusable (e.g. mid-
    transaction); the next query opens a fresh one. A usable connection is left as it is."""
    from django.db import connection

    if connection.connection is None or connection.is_usable():
        return
    try:
        connection.close()
    except DatabaseError:
        logger.warning("could not close the interrupted database connection", exc_info=True)


@shared_task(
    name="workers.tasks.garment_in_box",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    soft_time_limit=settings.PHOTO_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.PHOTO_TASK_TIME_LIMIT,
)
def garment_in_box(request_id: int) -> str | None:
    """Cut out the garment inside the box of ``BoxRequest`` ``request_id`` (a garment the model
    missed) with the process's pipeline (``services.box_request_process``); returns the request's
    final status (``None`` when it no longer exists). Retries, limits and redelivery as
    ``process_photo``; the soft limit, or models that cannot load, end the request ``failed``."""
    from wardrobe.closet import services
    from workers.runtime import get_pipeline, release_memory

    try:
        request = services.box_request_process(request_id, get_pipeline(), interruptions=(SoftTimeLimitExceeded,))
    except SoftTimeLimitExceeded:
        services.box_request_fail(request_id=request_id, **_time_limit())
        return "failed"
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - models that fail to load: the request must not stay pending
        logger.exception("could not load the vision pipeline")
        services.box_request_fail(request_id=request_id, **_models_unavailable(exc))
        return "failed"
    finally:
        release_memory()
    return request.status if request else None


@shared_task(
    name="workers.tasks.match_garment",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.PHOTO_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.PHOTO_TASK_TIME_LIMIT,
)
def match_garment(request_id: int) -> str | None:
    """ "Do I own something like this?": look at the photo of ``MatchRequest`` ``request_id`` with
    the process's pipeline and write the closet's closest items (``services.match_request_process``).
    Not retried: the web process waits for it only ``MATCH_WAIT_SECONDS`` (the message expires
    then). Returns the request's final status (``None`` when it is gone)."""
    from wardrobe.closet import services
    from workers.runtime import get_pipeline, release_memory

    try:
        request = services.match_request_process(request_id, get_pipeline(), interruptions=(SoftTimeLimitExceeded,))
    except Exception:  # noqa: BLE001 - models that fail to load, a time limit, the database: answer "failed"
        logger.exception("match request %s failed", request_id)
        services.match_request_fail(request_id=request_id)
        return "failed"
    finally:
        release_memory()
    return request.status if request else None


@shared_task(name="workers.tasks.sweep_photos", ignore_result=True)
def sweep_photos() -> dict[str, int]:
    """Re-enqueue photos whose task was lost, fail those out of attempts (``services.photos_sweep``)."""
    from wardrobe.closet import services

    services.match_requests_sweep()  # "Do I own something like this?" rows a dead web process left
    return services.photos_sweep()


@shared_task(name="workers.tasks.embed_stale_garments", ignore_result=True)
def embed_stale_garments() -> int:
    """Recompute at most ``EMBED_REFRESH_BATCH`` appearance vectors of garments with none of the
    current embedding model (``services.garments_embed_stale``), e.g. after the model changed; beat
    runs it every ``EMBED_REFRESH_INTERVAL`` seconds. Returns how many were recomputed."""
    from wardrobe.closet import services
    from workers.runtime import get_pipeline

    done, skipped = services.garments_embed_stale(
        embed=get_pipeline().stage("embed"), limit=settings.EMBED_REFRESH_BATCH
    )
    for line in skipped:
        logger.warning("embed_stale_garments: %s", line)
    if done:
        logger.info("embed_stale_garments: %d vector(s) recomputed", done)
    return done
