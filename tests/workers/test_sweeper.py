"""Crash-proof processing in one process: idempotent runs, attempts, transient retries, time limits,
and the sweeper (service, beat task, management command) against the real Redis broker."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import redis
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from tests.conftest import fixture_photos, media_files, upload
from wardrobe.closet import services
from wardrobe.closet.models import Garment, Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    """The Redis db of the test broker (pytest.ini), emptied before and after."""
    from workers.celery import app

    client = redis.Redis.from_url(app.conf.broker_url)
    client.flushdb()
    yield client
    client.flushdb()


def _queued_photo_ids(client) -> list[int]:
    """Photo ids of the ``process_photo`` messages waiting in the ``vision`` queue."""
    import base64
    import json

    ids = []
    for raw in client.lrange("vision", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] != "workers.tasks.process_photo":
            continue
        args = json.loads(base64.b64decode(message["body"]))[0]
        ids.append(args[0])
    return ids


def _real_photo(user, index: int = 0) -> Photo:
    path = fixture_photos()[index]
    return services.photo_create(owner=user, uploaded_file=upload(path.name, path.read_bytes()))


def _age(photo: Photo, **fields) -> None:
    """Move a photo's timestamps into the past (``fields``: seconds ago per field)."""
    now = timezone.now()
    Photo.objects.filter(pk=photo.pk).update(**{k: now - dt.timedelta(seconds=v) for k, v in fields.items()})


# --- idempotency ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline():
    from workers.runtime import get_pipeline

    return get_pipeline()


@pytest.mark.vision
def test_running_twice_gives_the_same_garments(user, pipeline, media_root):
    photo = _real_photo(user)
    first = services.process_photo(photo.pk, pipeline)
    assert first.status == Photo.Status.DONE
    kept = sorted(Garment.objects.filter(photo=photo).values_list("pk", "category__slug", "x0", "y0"))
    assert kept
    files = media_files(media_root)

    # A redelivered task: nothing is run again, nothing changes.
    again = services.process_photo(photo.pk, pipeline)
    assert again.status == Photo.Status.DONE and again.attempts == 1
    assert sorted(Garment.objects.filter(photo=photo).values_list("pk", "category__slug", "x0", "y0")) == kept
    assert media_files(media_root) == files


@pytest.mark.vision
def test_two_overlapping_runs_store_one_set_of_garments(user, pipeline, media_root):
    """A second delivery finishes while the first is still inferring: the first discards its result
    (rows and files), so the photo has exactly one set of garments."""
    photo = _real_photo(user, 1)
    inner = {}

    def first_run(image):
        # Another worker picks up the same photo (e.g. the sweeper re-enqueued it) and finishes first.
        inner["photo"] = services.process_photo(photo.pk, pipeline)
        return pipeline(image)

    outer = services.process_photo(photo.pk, first_run)
    assert inner["photo"].status == Photo.Status.DONE
    assert outer.status == Photo.Status.DONE and outer.attempts == 2
    garments = list(Garment.objects.filter(photo=photo))
    assert garments
    boxes = [(g.category_id, g.x0, g.y0, g.x1, g.y1) for g in garments]
    assert len(boxes) == len(set(boxes)), "a garment was stored twice"
    # Files on disk: the photo plus one mask and one cutout per garment kept; none from the discarded run.
    assert len(media_files(media_root)) == 1 + 2 * len(garments)


# --- attempts and failures -------------------------------------------------------------------------


def test_a_photo_out_of_attempts_fails_instead_of_looping(photo, settings):
    settings.PHOTO_MAX_ATTEMPTS = 3
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.PROCESSING, attempts=3)

    def must_not_run(image):
        raise AssertionError("a photo out of attempts was processed")

    result = services.process_photo(photo.pk, must_not_run)
    assert result.status == Photo.Status.FAILED
    assert result.failure_message.startswith("Processing stopped 3 times")
    assert not Garment.objects.exists()


def test_each_start_counts_an_attempt(photo):
    services.process_photo(photo.pk, lambda image: [])
    photo.refresh_from_db()
    assert photo.status == Photo.Status.DONE and photo.attempts == 1 and photo.processing_started_at


def test_soft_time_limit_ends_failed_with_a_message(photo, settings, media_root, monkeypatch):
    """The service cleans up and hands the time limit back (it knows nothing of Celery); the task
    ends the photo failed with a sentence."""
    from celery.exceptions import SoftTimeLimitExceeded

    from workers import runtime, tasks

    settings.PHOTO_TASK_SOFT_TIME_LIMIT = 300

    def slow(image):
        raise SoftTimeLimitExceeded()

    with pytest.raises(SoftTimeLimitExceeded):
        services.process_photo(photo.pk, slow, interruptions=(SoftTimeLimitExceeded,))
    assert len(media_files(media_root)) == 1 and not Garment.objects.filter(photo=photo).exists()
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.PENDING)
    monkeypatch.setattr(runtime, "get_pipeline", lambda: slow)
    assert tasks.process_photo.apply(args=[photo.pk]).get() == "failed"
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert photo.failure_message == "Processing took longer than the limit of 300 seconds."
    assert len(media_files(media_root)) == 1


def test_transient_error_puts_the_photo_back_and_is_raised(photo, media_root):
    def db_gone(image):
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        services.process_photo(photo.pk, db_gone)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING and photo.attempts == 1 and not photo.error
    assert not Garment.objects.exists() and len(media_files(media_root)) == 1


@pytest.mark.vision
def test_task_retries_a_transient_error_then_succeeds(user, pipeline, monkeypatch):
    """The real task, run eagerly: the first run loses the database, the retry (backoff) finishes."""
    from workers import runtime, tasks

    photo = _real_photo(user)
    calls = []

    def flaky(image):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        return pipeline(image)

    monkeypatch.setattr(runtime, "get_pipeline", lambda: flaky)
    result = tasks.process_photo.apply(args=[photo.pk])
    assert result.successful(), result.traceback
    photo.refresh_from_db()
    assert photo.status == Photo.Status.DONE and photo.attempts == 2 and len(calls) == 2
    assert photo.garments.exists()


def test_task_options_survive_crashes():
    from workers import tasks
    from workers.celery import app

    task = tasks.process_photo
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit and task.time_limit > task.soft_time_limit
    assert OperationalError in task.autoretry_for and task.retry_backoff
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.beat_schedule["sweep-photos"]["task"] == "workers.tasks.sweep_photos"


def test_failed_photo_is_not_overwritten_once_done(photo):
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    services.photo_mark_failed(photo_id=photo.pk, code="analysis", detail="late failure of a duplicate run")
    photo.refresh_from_db()
    assert photo.status == Photo.Status.DONE and not photo.error and not photo.failure_message


def test_requeue_resets_attempts(photo, django_capture_on_commit_callbacks, broker):
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED, attempts=3, error="x")
    photo.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_requeue(photo=photo)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING and photo.attempts == 0 and photo.enqueued_at
    assert _queued_photo_ids(broker) == [photo.pk]


# --- the sweeper ----------------------------------------------------------------------------------


def test_upload_enqueues_and_records_when(user, jpeg_bytes, django_capture_on_commit_callbacks, broker):
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.photo_create(owner=user, uploaded_file=upload("a.jpg", jpeg_bytes))
    photo.refresh_from_db()
    assert photo.enqueued_at is not None
    assert _queued_photo_ids(broker) == [photo.pk]


def test_sweep_enqueues_a_photo_never_handed_to_the_broker(photo, broker):
    # `photo` was created without its on-commit enqueue (as when the broker was down).
    assert photo.enqueued_at is None
    assert services.photos_sweep()["enqueued"] == 0  # too fresh: its own enqueue may still come
    _age(photo, created_at=10)
    assert services.photos_sweep() == {"enqueued": 1, "failed": 0, "unqueued": 0}
    photo.refresh_from_db()
    assert photo.enqueued_at is not None and photo.status == Photo.Status.PENDING
    assert _queued_photo_ids(broker) == [photo.pk]
    assert services.photos_sweep()["enqueued"] == 0  # enqueued once, not at every sweep


def test_sweep_requeues_a_stuck_processing_photo_and_fails_one_out_of_attempts(user, jpeg_bytes, settings, broker):
    settings.SWEEP_PROCESSING_AFTER = 600
    settings.PHOTO_MAX_ATTEMPTS = 3
    stuck, hopeless, busy = (
        services.photo_create(owner=user, uploaded_file=upload(f"{i}.jpg", jpeg_bytes)) for i in range(3)
    )
    now = timezone.now()
    Photo.objects.filter(pk__in=[stuck.pk, hopeless.pk, busy.pk]).update(
        status=Photo.Status.PROCESSING,
        enqueued_at=now - dt.timedelta(seconds=900),
        attempts=1,
        processing_started_at=now - dt.timedelta(seconds=700),
    )
    Photo.objects.filter(pk=hopeless.pk).update(attempts=3)
    Photo.objects.filter(pk=busy.pk).update(processing_started_at=now - dt.timedelta(seconds=30))

    assert services.photos_sweep() == {"enqueued": 1, "failed": 1, "unqueued": 0}
    assert _queued_photo_ids(broker) == [stuck.pk]
    hopeless.refresh_from_db()
    assert hopeless.status == Photo.Status.FAILED and "given up" in hopeless.failure_message
    busy.refresh_from_db()
    assert busy.status == Photo.Status.PROCESSING


def test_sweep_requeues_old_pending_only_when_its_message_is_gone(photo, settings, broker):
    settings.SWEEP_PENDING_AFTER = 300
    _age(photo, created_at=900, enqueued_at=400)
    # Its message still waits in the queue (a long backlog): leave it.
    services.photo_enqueue(photo.pk)
    _age(photo, enqueued_at=400)
    assert services.photos_sweep()["enqueued"] == 0
    assert _queued_photo_ids(broker) == [photo.pk]
    # The broker lost it (Redis restarted without persistence): enqueue again.
    broker.flushdb()
    assert services.photos_sweep()["enqueued"] == 1
    assert _queued_photo_ids(broker) == [photo.pk]


def test_sweep_leaves_finished_photos_alone(photo, broker):
    _age(photo, created_at=9000, processing_started_at=9000)
    for status in (Photo.Status.DONE, Photo.Status.FAILED):
        Photo.objects.filter(pk=photo.pk).update(status=status)
        assert services.photos_sweep() == {"enqueued": 0, "failed": 0, "unqueued": 0}
    assert _queued_photo_ids(broker) == []


def test_sweep_command_and_beat_task(photo, broker):
    from workers import tasks

    _age(photo, created_at=10)
    out = io.StringIO()
    call_command("sweep_photos", stdout=out)
    assert "enqueued 1, failed 0" in out.getvalue()
    assert tasks.sweep_photos.run() == {"enqueued": 0, "failed": 0, "unqueued": 0}
    assert _queued_photo_ids(broker) == [photo.pk]
