"""Time limits and the poison-photo rule, on a real Celery worker (prefork, one child, embedded beat
running the sweeper) with the real pipeline (issue 15).

* A photo that crashes its worker process every time ends ``failed`` after ``PHOTO_MAX_ATTEMPTS``
  starts, with a sentence; another user's photo sent right after it is done meanwhile.
* A photo that hangs (it swallows the soft time limit, as a call stuck in native code would) is
  killed by the hard limit each time and ends ``failed`` after ``PHOTO_MAX_ATTEMPTS`` starts; another
  user's photo sent right after it waits at most one hard limit, not all of them.

The poison photos are real photos with a marked corner; ``tests.workers.poison`` (loaded into the
worker with ``-I``) makes the pipeline crash or hang on them.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.conftest import api_client_for, fixture_photos, running_worker, upload
from tests.factories import UserFactory
from tests.workers.poison import CORNER, CRASH, HANG
from wardrobe.closet.models import Photo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SOFT_S, HARD_S, ATTEMPTS = 40, 45, 3
WORKER_ENV = {
    "PHOTO_TASK_SOFT_TIME_LIMIT": str(SOFT_S),
    "PHOTO_TASK_TIME_LIMIT": str(HARD_S),
    "PHOTO_MAX_ATTEMPTS": str(ATTEMPTS),
    "SWEEP_INTERVAL": "2",
    "SWEEP_PENDING_AFTER": "30",
    "SWEEP_PROCESSING_AFTER": str(HARD_S + 2),
}


def _marked(path: Path, colour: tuple[int, int, int]) -> bytes:
    """The photo at ``path`` with its top-left ``CORNER`` pixels painted ``colour``, as JPEG bytes."""
    with Image.open(path) as img:
        img = img.convert("RGB")
    ImageDraw.Draw(img).rectangle((0, 0, CORNER - 1, CORNER - 1), fill=colour)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _send(api, name: str, data: bytes) -> int:
    r = api.post("/api/photos/", {"image": upload(name, data)}, format="multipart")
    assert r.status_code == 202, r.content
    return r.json()["id"]


def _wait_finished(pk: int, timeout: float, log_path: Path) -> Photo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        photo = Photo.objects.get(pk=pk)
        if photo.is_finished:
            return photo
        time.sleep(0.5)
    pytest.fail(f"photo {pk} not finished after {timeout:.0f} s; worker log:\n" + log_path.read_text()[-5000:])


def test_a_crashing_and_a_hanging_photo_end_failed_and_nobody_waits_behind_them(settings, media_root, user, tmp_path):
    # The limits travel in each task's message (workers.queue.time_limits): the publisher's settings.
    settings.PHOTO_TASK_SOFT_TIME_LIMIT, settings.PHOTO_TASK_TIME_LIMIT = SOFT_S, HARD_S
    other = UserFactory(username="carol")
    api, other_api = api_client_for(user), api_client_for(other)
    normal = fixture_photos()
    log = tmp_path / "worker.log"
    with running_worker(
        settings, media_root, log, extra_env=WORKER_ENV, beat=True, extra_args=("-I", "tests.workers.poison")
    ):
        # The models load within the limits on a first, ordinary photo.
        assert _wait_finished(_send(other_api, "warm.jpg", normal[0].read_bytes()), 120, log).status == "done"

        crash = _send(api, "crash.jpg", _marked(normal[1], CRASH))
        after_crash = _send(other_api, "next.jpg", normal[2].read_bytes())
        assert _wait_finished(after_crash, 120, log).status == Photo.Status.DONE
        crashed = _wait_finished(crash, 180, log)
        assert crashed.status == Photo.Status.FAILED and crashed.attempts == ATTEMPTS
        assert crashed.failure_message == (
            f"Processing stopped {ATTEMPTS} times (the worker crashed or ran out of time); this photo was given up."
        )

        hang = _send(api, "hang.jpg", _marked(normal[3], HANG))
        sent = time.monotonic()
        after_hang = _send(other_api, "after.jpg", normal[0].read_bytes())
        waited = _wait_finished(after_hang, 120, log)
        waited_s = time.monotonic() - sent
        assert waited.status == Photo.Status.DONE
        # It waited for one hard limit of the hanging photo (and a model reload), not for all three.
        assert waited_s < HARD_S + 60, waited_s
        hung = _wait_finished(hang, ATTEMPTS * (HARD_S + 20) + 60, log)
    assert hung.status == Photo.Status.FAILED and hung.error_code == "gave_up" and hung.attempts == ATTEMPTS
    assert "given up" in hung.failure_message and "Error" not in hung.failure_message
    assert not hung.garments.exists() and not crashed.garments.exists()
    assert "Hard time limit" in log.read_text() or "TimeLimitExceeded" in log.read_text()
