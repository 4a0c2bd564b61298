"""The port through which the closet hands photos to whoever analyses them.

Services never talk to a broker: they call :func:`photo_queue`, whose backend is named by the
setting ``PHOTO_QUEUE_BACKEND`` (default ``workers.queue.CeleryPhotoQueue``, the Celery workers;
the way Django names its e-mail or cache backends). A backend has three methods:

* ``send(photo_id)``: hand one photo over (its first run, or a run again with the current models);
  raises :class:`QueueUnavailable` when it cannot (the broker is down), and the photo then waits
  for the sweeper;
* ``send_box(request_id)``: hand over one ``BoxRequest`` (a box a person drew around a garment the
  model missed; ``services.box_request_process``); raises :class:`QueueUnavailable` when it cannot
  (the person is told, nothing waits);
* ``send_match(request_id)``: hand over one ``MatchRequest`` ("Do I own something like this?",
  ``services.match_request_process``); raises :class:`QueueUnavailable` when it cannot (the person
  is told, nothing is kept);
* ``waiting() -> int | None``: how many photos wait in the queue, ``None`` when it cannot tell.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class QueueUnavailable(Exception):
    """The photo could not be handed over (broker unreachable); the sweeper tries again later."""


class PhotoQueue(Protocol):
    def send(self, photo_id: int) -> None: ...

    def send_box(self, request_id: int) -> None: ...

    def send_match(self, request_id: int) -> None: ...

    def waiting(self) -> int | None: ...


@lru_cache(maxsize=4)
def _backend(path: str) -> PhotoQueue:
    return import_string(path)()


def photo_queue() -> PhotoQueue:
    """The configured backend (one instance per backend path and process)."""
    return _backend(settings.PHOTO_QUEUE_BACKEND)


class NoQueue:
    """``PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"``: photos are never handed over, for
    scripts that process them in the same process (benchmarks, seeding); each waits ``pending`` with
    ``enqueued_at`` empty, as when the broker is down."""

    def send(self, photo_id: int) -> None:
        raise QueueUnavailable("no queue: the caller processes its photos itself")

    def send_box(self, request_id: int) -> None:
        raise QueueUnavailable("no queue: the caller processes its box requests itself")

    def send_match(self, request_id: int) -> None:
        raise QueueUnavailable("no queue: nothing answers a match request")

    def waiting(self) -> int | None:
        return 0
