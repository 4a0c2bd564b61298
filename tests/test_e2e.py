"""End to end: API upload -> Redis -> a real `celery worker` process -> real vision pipeline -> PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from tests.conftest import api_client_for, encode, fixture_photos, sample_image, upload
from wardrobe.models import Photo

REPO = Path(__file__).resolve().parent.parent
TIMEOUT_S = float(os.environ.get("E2E_TIMEOUT_S", "180"))


def _database_url(db: dict) -> str:
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _photos_to_upload() -> list[tuple[str, bytes]]:
    clothing = sorted(p for p in fixture_photos() if p.name.startswith("clothing_"))[:1]
    ccp = sorted(p for p in fixture_photos() if p.name.startswith("ccp_"))[:1]
    chosen = clothing + ccp
    if chosen:
        return [(p.name, p.read_bytes()) for p in chosen]
    return [("sample.jpg", encode(sample_image(), "JPEG"))]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_is_processed_by_a_real_worker(settings, media_root, user, tmp_path):
    import redis

    from workers.celery import app

    broker_url = app.conf.broker_url
    assert broker_url.startswith("redis://"), "the e2e test runs against Redis"
    redis.Redis.from_url(broker_url).flushdb()  # dedicated db number (pytest.ini): start clean

    env = {**os.environ,
           "DATABASE_URL": _database_url(settings.DATABASES["default"]),
           "CELERY_BROKER_URL": broker_url,
           "MEDIA_ROOT": str(media_root),
           "DEBUG": "0",
           "SECRET_KEY": settings.SECRET_KEY,
           "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", "vision", "--pool=solo", "-c", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        api = api_client_for(user)
        ids = []
        for name, data in _photos_to_upload():
            r = api.post("/api/photos/", {"image": upload(name, data)}, format="multipart")
            assert r.status_code == 202, r.content
            assert r.json()["status"] == "pending"  # the upload returns before inference
            ids.append(r.json()["id"])

        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            statuses = dict(Photo.objects.filter(pk__in=ids).values_list("pk", "status"))
            if all(s in (Photo.Status.DONE, Photo.Status.FAILED) for s in statuses.values()):
                break
            assert worker.poll() is None, "worker died:\n" + log_path.read_text()[-4000:]
            time.sleep(1)
        else:
            pytest.fail(f"photos not processed within {TIMEOUT_S:.0f} s: {statuses}\n"
                        + log_path.read_text()[-4000:])

        for photo in Photo.objects.filter(pk__in=ids):
            assert photo.status == Photo.Status.DONE, f"{photo}: {photo.error}\n" + log_path.read_text()[-4000:]
            garments = list(photo.garments.select_related("category"))
            assert garments, f"no garment found in {photo.original_filename}"
            for g in garments:
                assert g.category.slug
                mask = np.array(Image.open(g.mask.path).convert("L")) > 0
                assert mask.shape == (photo.height, photo.width) and mask.any()
                assert Image.open(g.cutout.path).mode == "RGBA"
            body = api.get(f"/api/photos/{photo.pk}/").json()
            assert body["status"] == "done" and len(body["garments"]) == len(garments)
            assert api.get(body["garments"][0]["cutout_url"]).status_code == 200
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
