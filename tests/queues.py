"""Photo queue backends for tests (``PHOTO_QUEUE_BACKEND``, see ``wardrobe.closet.queue``)."""
from __future__ import annotations

from wardrobe.closet.queue import QueueUnavailable


class NoQueue:
    """Nothing is queued (the test processes photos itself): every photo waits as if the broker were down."""

    def send(self, photo_id: int) -> None:
        raise QueueUnavailable("no queue in this test")

    def waiting(self) -> int | None:
        return 0
