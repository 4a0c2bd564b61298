"""Shared fixtures. Tests run against the real PostgreSQL/Redis configured in pytest.ini."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from tests.factories import GarmentFactory, PhotoFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


def fixture_photos() -> list[Path]:
    """Real photos committed under tests/fixtures (clothing_*.jpg, ccp_*.jpg), sorted."""
    return sorted(FIXTURES.glob("clothing_*.jpg")) + sorted(FIXTURES.glob("ccp_*.jpg"))


def sample_image() -> Image.Image:
    """A real fixture photo when present, else a small drawn image (RGB)."""
    photos = fixture_photos()
    if photos:
        with Image.open(photos[0]) as img:
            return img.convert("RGB")
    img = Image.new("RGB", (320, 240), (235, 230, 220))
    draw = ImageDraw.Draw(img)
    draw.rectangle((80, 40, 240, 200), fill=(30, 50, 110))
    draw.ellipse((120, 60, 200, 120), fill=(200, 40, 40))
    return img


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    if fmt.upper() in ("HEIF", "HEIC"):
        import pillow_heif

        pillow_heif.register_heif_opener()
        fmt = "HEIF"
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def pytest_collection_modifyitems(config, items):
    """A test on ``live_server`` (a transactional database) must restore the migrated rows after
    itself (``serialized_rollback=True``): without it its flush re-creates the content types under new
    ids, and every later test with ``serialized_rollback`` fails to set up (duplicate key)."""
    wrong = [
        item.nodeid
        for item in items
        if "live_server" in getattr(item, "fixturenames", ())
        and not ((mark := item.get_closest_marker("django_db")) and mark.kwargs.get("serialized_rollback"))
    ]
    if wrong:
        raise pytest.UsageError(
            "mark these live_server tests @pytest.mark.django_db(transaction=True, serialized_rollback=True): "
            + ", ".join(wrong)
        )


@pytest.fixture(autouse=True)
def _default_language(settings):
    """A request in Korean leaves Korean active in this thread: every test starts and ends in the
    default language."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and lockout counters live in the cache: every test starts and ends with it empty."""
    from django.core.cache import cache

    from wardrobe.closet.taxonomy_cache import taxonomy_cache_clear

    cache.clear()
    taxonomy_cache_clear()  # a rolled-back taxonomy row sends no signal
    yield
    cache.clear()
    taxonomy_cache_clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """A fresh MEDIA_ROOT per test."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.SENDFILE_ROOT = str(root)  # the private-media views send files from MEDIA_ROOT
    return root


@pytest.fixture(scope="session")
def pipeline():
    """The serving pipeline on the committed weights, CPU (loaded once per test session)."""
    import torch

    from vision.inference import load_pipeline

    torch.set_num_threads(2)
    return load_pipeline(device="cpu")


@pytest.fixture
def browser():
    """A headless Chromium (``tests.browser``), quit after the test."""
    from tests.browser import start_browser

    driver = start_browser()
    yield driver
    driver.quit()


@pytest.fixture
def jpeg_bytes() -> bytes:
    return encode(sample_image(), "JPEG", quality=90)


@pytest.fixture
def user(db):
    return UserFactory(username="alice", password="correct horse battery staple")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob", password="another long passphrase 42")


def api_client_for(user) -> APIClient:
    from accounts.services import token_get_or_create

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=user)}")
    return client


@pytest.fixture
def api(user) -> APIClient:
    return api_client_for(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return api_client_for(other_user)


@pytest.fixture
def photo(user, jpeg_bytes):
    return PhotoFactory(owner=user, image=jpeg_bytes)


@pytest.fixture
def garment(photo):
    return GarmentFactory(photo=photo)


def _database_url(db: dict) -> str:
    from urllib.parse import quote

    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def running_worker(
    settings,
    media_root: Path,
    log_path: Path,
    *,
    extra_env: dict | None = None,
    beat: bool = False,
    broker_url: str | None = None,
    flush: bool = True,
    extra_args: tuple[str, ...] = (),
):
    """A real ``celery worker`` process (prefork pool, one child, so time limits apply) on the test
    database, MEDIA_ROOT and Redis broker (its db emptied first unless ``flush`` is false);
    ``beat``: with the embedded beat (the photo sweeper). Runs in its own process group; killed
    with the group on exit. ``extra_args``: more ``celery worker`` options (e.g. ``-I module``).
    Yields ``(process, log_path)``."""
    import redis

    from workers.celery import app

    broker_url = broker_url or app.conf.broker_url
    assert broker_url.startswith("redis://"), "the worker tests run against Redis"
    if flush:
        redis.Redis.from_url(broker_url).flushdb()  # dedicated db number (pytest.ini): start clean
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(Path(log_path).with_suffix(".beat")),
        **(extra_env or {}),
    }
    cmd = (
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers",
            "worker",
            "-Q",
            "vision",
            "-c",
            "1",
            "--prefetch-multiplier",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
        ]
        + (["-B"] if beat else [])
        + list(extra_args)
    )
    with open(log_path, "ab") as log:
        worker = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield worker, log_path
    finally:
        stop_process_group(worker)


def stop_process_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM ``process``'s group (started with ``start_new_session``), SIGKILL after ``timeout`` s."""
    import signal

    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children left behind, if any
    except ProcessLookupError:
        pass
    process.wait()
