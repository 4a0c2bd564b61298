"""Photo queue backends for tests (``PHOTO_QUEUE_BACKEND``, see ``wardrobe.closet.queue``)."""

from __future__ import annotations

from workers.queue import CeleryPhotoQueue


class ShortSoftLimitQueue(CeleryPhotoQueue):
    """Celery, with a 0.02 s soft time limit in each task's message (a publisher's per-task option)."""

    def send(self, photo_id: int) -> None:
        from workers.tasks import process_photo

        process_photo.apply_async(args=[photo_id], soft_time_limit=0.02, time_limit=300)
