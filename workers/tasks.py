"""Thin Celery tasks: they resolve runtime objects and call services.

``process_photo`` is acknowledged late and handed back when its worker process dies
(``CELERY_TASK_ACKS_LATE``, ``CELERY_TASK_REJECT_ON_WORKER_LOST``), retried with exponential
backoff on transient database errors, and bounded by ``PHOTO_TASK_SOFT_TIME_LIMIT`` /
``PHOTO_TASK_TIME_LIMIT`` seconds (the prefork pool enforces them; the solo pool cannot).
``sweep_photos`` runs under celery beat every ``SWEEP_INTERVAL`` seconds.
"""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

#: Same as ``wardrobe.services.TRANSIENT_ERRORS`` (not imported: this module loads before the apps).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)


@shared_task(name="workers.tasks.process_photo", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True, autoretry_for=TRANSIENT_ERRORS, max_retries=5, retry_backoff=2,
             retry_backoff_max=120, retry_jitter=True,
             soft_time_limit=settings.PHOTO_TASK_SOFT_TIME_LIMIT, time_limit=settings.PHOTO_TASK_TIME_LIMIT)
def process_photo(photo_id: int) -> str | None:
    """Segment and classify the garments of photo ``photo_id``; returns the photo's final status
    (``None`` when the photo no longer exists)."""
    from celery.exceptions import SoftTimeLimitExceeded

    from wardrobe import services
    from workers.runtime import get_pipeline

    try:
        pipeline = get_pipeline()
    except SoftTimeLimitExceeded:
        services.photo_mark_failed(
            photo_id=photo_id,
            error=f"Processing took longer than the limit of {settings.PHOTO_TASK_SOFT_TIME_LIMIT:g} seconds "
                  "(while loading the vision models).")
        return "failed"
    except Exception as exc:  # noqa: BLE001 - a photo must never stay pending because models failed to load
        logger.exception("could not load the vision pipeline")
        services.photo_mark_failed(photo_id=photo_id, error=f"Vision models unavailable: {exc}")
        return "failed"
    photo = services.process_photo(photo_id, pipeline)
    return photo.status if photo else None


@shared_task(name="workers.tasks.sweep_photos", ignore_result=True)
def sweep_photos() -> dict[str, int]:
    """Re-enqueue photos whose task was lost, fail those out of attempts (``services.photos_sweep``)."""
    from wardrobe import services

    return services.photos_sweep()
