"""Chaos: real gunicorn, a real Celery worker (prefork, embedded beat running the sweeper) and a real
``redis-server`` of the test's own, on the test PostgreSQL database.

1. Photos are uploaded over HTTP; the worker is killed with SIGKILL (with its whole process group)
   while it is in the middle of a photo, and started again.
2. Redis is killed while the new worker runs; photos are uploaded while it is down (the uploads
   must still succeed: the photo is stored ``pending``), then Redis comes back, empty (no
   persistence, so the messages queued before are lost too). Redis is also the web's cache, as the
   README advises for production and docker-compose does (``CACHE_URL``, db 1 of the same server):
   while it is down the throttled API and the login form answer as usual (the cache fails open).
3. At the end every uploaded photo is ``done`` or ``failed``, each finished once, and no garment is
   duplicated.

Also: a worker with a tiny soft time limit ends a photo ``failed`` with a message.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO, _database_url, fixture_photos, running_worker, stop_process_group
from tests.factories import PASSWORD
from wardrobe.closet.models import Garment, Photo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TIMEOUT_S = float(os.environ.get("CHAOS_TIMEOUT_S", "300"))
# Fast sweeper and generous throttles for the test's own stack.
STACK_ENV = {
    "SWEEP_INTERVAL": "2",
    "SWEEP_PENDING_AFTER": "15",
    "SWEEP_PROCESSING_AFTER": "10",
    "PHOTO_MAX_ATTEMPTS": "3",
    "THROTTLE_UPLOAD_RATE": "10000/min",
    "THROTTLE_USER_RATE": "10000/min",
    "THROTTLE_ANON_RATE": "10000/min",
    "THROTTLE_AUTH_RATE": "10000/min",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what, interval: float = 0.1):
    """Poll ``predicate`` until truthy; fail after ``timeout`` s with ``what`` (a str or a callable)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what() if callable(what) else what}")


class RedisServer:
    """A ``redis-server`` on a free loopback port, no persistence; can be killed and started again."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def cache_url(self) -> str:
        """The web's ``CACHE_URL``: another database of the same server (as in docker-compose.yml)."""
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def up():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        _wait(up, 20, "redis-server to accept connections")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def gunicorn(settings, media_root: Path, broker_url: str, log_path: Path, cache_url: str = "locmemcache://"):
    """gunicorn serving the project on a free loopback port; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        **STACK_ENV,
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "CELERY_BROKER_URL": broker_url,
        "CACHE_URL": cache_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "wardrobe.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"

    def ready():
        try:
            return requests.get(base + "/accounts/login/", timeout=10).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            assert process.poll() is None, "gunicorn died:\n" + log_path.read_text()[-3000:]
            return False

    try:
        _wait(ready, 60, "gunicorn", interval=0.3)
        yield base
    finally:
        stop_process_group(process)


def _upload(base: str, token: str, path: Path) -> int:
    """POST one photo; returns its id. The upload must succeed whatever the broker is doing."""
    started = time.monotonic()
    with open(path, "rb") as fh:
        r = requests.post(
            base + "/api/photos/",
            headers={"Authorization": f"Token {token}"},
            files={"image": (path.name, fh, "image/jpeg")},
            timeout=30,
        )
    assert r.status_code == 202, r.text
    assert time.monotonic() - started < 15, "an upload hung on the broker"
    return r.json()["id"]


def _sign_in_over_http(base: str, username: str, password: str) -> None:
    """The login form (with its CSRF token) and the token endpoint, both throttled, answer as usual."""
    r = requests.post(base + "/api/auth/token/", data={"username": username, "password": password}, timeout=30)
    assert r.status_code == 200 and r.json()["token"], r.text
    browser = requests.Session()
    assert browser.get(base + "/accounts/login/", timeout=30).status_code == 200
    r = browser.post(
        base + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 302, r.text[-2000:]
    assert browser.get(base + "/closet/", timeout=30).status_code == 200


def _statuses(ids) -> dict[int, str]:
    return dict(Photo.objects.filter(pk__in=ids).values_list("pk", "status"))


def test_kill_the_worker_and_redis_lose_nothing(settings, media_root, user, tmp_path):
    from accounts.services import token_get_or_create

    token = str(token_get_or_create(user=user))
    photos = fixture_photos()
    assert len(photos) >= 6
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    worker_log = tmp_path / "worker.log"
    ids: list[int] = []
    try:
        web_log = tmp_path / "web.log"
        with gunicorn(settings, media_root, redis_server.url, web_log, cache_url=redis_server.cache_url) as base:
            # 1. Kill -9 the worker in the middle of a photo.
            with running_worker(
                settings, media_root, worker_log, extra_env=STACK_ENV, beat=True, broker_url=redis_server.url
            ) as (worker, _):
                ids += [_upload(base, token, p) for p in photos[:3]]
                victim = _wait(
                    lambda: next((pk for pk, s in _statuses(ids).items() if s == Photo.Status.PROCESSING), None),
                    120,
                    "the worker to start on a photo",
                    interval=0.05,
                )
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            assert Photo.objects.get(pk=victim).status == Photo.Status.PROCESSING

            # 2. A new worker; then Redis dies under it, uploads go on, Redis comes back empty.
            with running_worker(
                settings,
                media_root,
                worker_log,
                extra_env=STACK_ENV,
                beat=True,
                broker_url=redis_server.url,
                flush=False,
            ) as (worker, _):
                time.sleep(3)
                redis_server.kill()
                down = [_upload(base, token, p) for p in photos[3:6]]
                ids += down
                _sign_in_over_http(base, user.username, PASSWORD)  # the cache is down too
                assert "answering as an empty cache" in web_log.read_text()
                assert all(Photo.objects.get(pk=pk).enqueued_at is None for pk in down)
                assert set(_statuses(down).values()) == {Photo.Status.PENDING}
                time.sleep(3)
                redis_server.start()

                # 3. Everything ends done or failed, by the restarted worker and the sweeper.
                def finished():
                    assert worker.poll() is None, "worker died:\n" + worker_log.read_text()[-4000:]
                    statuses = _statuses(ids)
                    return all(s in (Photo.Status.DONE, Photo.Status.FAILED) for s in statuses.values())

                _wait(
                    finished,
                    TIMEOUT_S,
                    lambda: f"all photos to finish: {_statuses(ids)}\n" + worker_log.read_text()[-4000:],
                    interval=1,
                )
    finally:
        redis_server.kill()

    log = worker_log.read_text()
    final = Counter(_statuses(ids).values())
    print(
        f"\nchaos: {len(ids)} uploads; final {dict(final)}; victim photo {victim} attempts "
        f"{Photo.objects.get(pk=victim).attempts}"
    )
    assert sum(final.values()) == len(ids)
    # Every photo finished exactly once (one "done" line per done photo; failed ones have a message).
    done_lines = Counter(int(m) for m in re.findall(r"photo (\d+) done: ", log))
    for photo in Photo.objects.filter(pk__in=ids):
        if photo.status == Photo.Status.DONE:
            assert done_lines[photo.pk] == 1, f"photo {photo.pk} finished {done_lines[photo.pk]} times"
        else:
            assert photo.failure_message and photo.error_code, f"photo {photo.pk} failed without a message"
    # The killed photo was taken up again.
    assert Photo.objects.get(pk=victim).attempts >= 2
    # No garment twice: no two garments of a photo with the same category and box.
    keys = list(Garment.objects.filter(photo_id__in=ids).values_list("photo_id", "category_id", "x0", "y0", "x1", "y1"))
    assert keys and len(keys) == len(set(keys))
    # No file left behind by the killed attempt: the photos plus one mask and cutout per garment, and a
    # stain mask per garment with a stain found.
    files = [p for p in Path(media_root).rglob("*") if p.is_file()]
    stains = Garment.objects.filter(photo_id__in=ids).exclude(stain_mask="").count()
    assert len(files) == len(ids) + 2 * len(keys) + stains


def test_soft_time_limit_fails_the_photo_with_a_message(settings, media_root, user, tmp_path):
    from tests.conftest import api_client_for, upload

    api = api_client_for(user)
    first, second = fixture_photos()[:2]
    with running_worker(settings, media_root, tmp_path / "worker.log") as (worker, log_path):

        def send(path: Path) -> int:
            r = api.post("/api/photos/", {"image": upload(path.name, path.read_bytes())}, format="multipart")
            assert r.status_code == 202, r.content
            pk = r.json()["id"]
            _wait(
                lambda: Photo.objects.get(pk=pk).is_finished,
                240,
                lambda: "the photo to finish; worker log:\n" + log_path.read_text()[-3000:],
                interval=0.5,
            )
            return pk

        # A first photo loads the models, within the default limits.
        assert Photo.objects.get(pk=send(first)).status == Photo.Status.DONE
        # The next photo is sent with a 0.1 s soft limit in its message (a publisher's per-task option):
        # it interrupts the inference.
        settings.PHOTO_QUEUE_BACKEND = "tests.queues.ShortSoftLimitQueue"
        pk = send(second)
    photo = Photo.objects.get(pk=pk)
    assert photo.status == Photo.Status.FAILED, (tmp_path / "worker.log").read_text()[-5000:]
    assert "longer than the limit of" in photo.failure_message and photo.error_code == "time_limit"
    assert not photo.garments.exists()
