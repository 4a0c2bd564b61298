"""The closet's photo queue (``wardrobe.closet.queue``) on Celery: the broker calls live here."""

from __future__ import annotations

import logging

from django.conf import settings

from wardrobe.closet.queue import QueueUnavailable

logger = logging.getLogger(__name__)


def time_limits() -> dict[str, float]:
    """``PHOTO_TASK_SOFT_TIME_LIMIT`` / ``PHOTO_TASK_TIME_LIMIT`` (seconds) as per-message options.

    Written into every message: with only the task decorator's defaults, the prefork pool of
    Celery 5.7 enforced neither limit here (a photo that hung ran for minutes under a 14 s limit,
    ``tests/workers/test_poison.py``), while limits in the message are enforced."""
    return {"soft_time_limit": settings.PHOTO_TASK_SOFT_TIME_LIMIT, "time_limit": settings.PHOTO_TASK_TIME_LIMIT}


class CeleryPhotoQueue:
    """``PHOTO_QUEUE_BACKEND = "workers.queue.CeleryPhotoQueue"``: each photo is a
    ``workers.tasks.process_photo`` task, each box request a ``workers.tasks.garment_in_box`` task,
    each match request a ``workers.tasks.match_garment`` task,
    on the ``vision`` queue, with the time limits in the message (:func:`time_limits`)."""

    def send(self, photo_id: int) -> None:
        """Publish the task. Publishing gives up after ``CELERY_BROKER_CONNECTION_TIMEOUT`` seconds
        and one retry (``CELERY_TASK_PUBLISH_RETRY_POLICY``). Raises ``QueueUnavailable`` (logged)
        when the broker cannot be reached."""
        from workers.tasks import process_photo

        try:
            process_photo.apply_async(args=[photo_id], **time_limits())
        except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds; all mean "not queued"
            logger.warning(
                "could not queue photo %s (broker unreachable?); the sweeper will retry", photo_id, exc_info=True
            )
            raise QueueUnavailable(str(exc)) from exc

    def send_box(self, request_id: int) -> None:
        """Publish ``workers.tasks.garment_in_box`` for box request ``request_id`` (same publishing
        limits as :meth:`send`). Raises ``QueueUnavailable`` (logged) when the broker cannot be reached."""
        from workers.tasks import garment_in_box

        try:
            garment_in_box.apply_async(args=[request_id], **time_limits())
        except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds; all mean "not queued"
            logger.warning("could not queue box request %s (broker unreachable?)", request_id, exc_info=True)
            raise QueueUnavailable(str(exc)) from exc

    def send_match(self, request_id: int) -> None:
        """Publish ``workers.tasks.match_garment`` for ``MatchRequest`` ``request_id`` (same publishing
        limits as :meth:`send`; it expires after ``MATCH_WAIT_SECONDS``: nobody waits for it then).
        Raises ``QueueUnavailable`` (logged) when the broker cannot be reached."""
        from workers.tasks import match_garment

        try:
            match_garment.apply_async(args=[request_id], expires=settings.MATCH_WAIT_SECONDS, **time_limits())
        except Exception as exc:  # noqa: BLE001 - kombu/redis raise many kinds; all mean "not queued"
            logger.warning("could not queue match request %s (broker unreachable?)", request_id, exc_info=True)
            raise QueueUnavailable(str(exc)) from exc

    def waiting(self) -> int | None:
        """Messages waiting in the ``vision`` queue, or ``None`` when the broker cannot tell or is down."""
        from workers.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
                return int(
                    conn.default_channel.queue_declare(
                        queue=settings.CELERY_TASK_DEFAULT_QUEUE, passive=True
                    ).message_count
                )
        except Exception:  # noqa: BLE001 - any broker error: unknown
            return None
