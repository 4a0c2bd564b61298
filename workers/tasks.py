"""Thin Celery tasks: they resolve runtime objects and call services."""
from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="workers.tasks.process_photo", acks_late=True, ignore_result=True)
def process_photo(photo_id: int) -> str | None:
    """Segment and classify the garments of photo ``photo_id``; returns the photo's final status."""
    from wardrobe import services
    from workers.runtime import get_pipeline

    try:
        pipeline = get_pipeline()
    except Exception as exc:  # noqa: BLE001 - a photo must never stay pending because models failed to load
        logger.exception("could not load the vision pipeline")
        services.photo_mark_failed(photo_id=photo_id, error=f"Vision models unavailable: {exc}")
        return "failed"
    photo = services.process_photo(photo_id, pipeline)
    return photo.status if photo else None
