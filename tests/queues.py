"""Photo queue backends for tests (``PHOTO_QUEUE_BACKEND``, see ``wardrobe.closet.queue``)."""

from __future__ import annotations

from workers.queue import CeleryPhotoQueue


class ShortSoftLimitQueue(CeleryPhotoQueue):
    """Celery, with a 0.1 s soft time limit in each task's message (a publisher's per-task option): it
    strikes during the inference (0.25-2 s for a fixture photo), after the photo's claim (about 10 ms)."""

    def send(self, photo_id: int) -> None:
        from workers.tasks import process_photo

        process_photo.apply_async(args=[photo_id], soft_time_limit=0.1, time_limit=300)
