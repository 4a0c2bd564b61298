"""End to end: API upload -> Redis -> a real `celery worker` process -> real vision pipeline -> PostgreSQL."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PIL import Image

from tests.conftest import api_client_for, encode, fixture_photos, running_worker, sample_image, upload
from wardrobe.closet.models import Photo

TIMEOUT_S = float(os.environ.get("E2E_TIMEOUT_S", "180"))


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
    with running_worker(settings, media_root, tmp_path / "worker.log") as (worker, log_path):
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
            pytest.fail(f"photos not processed within {TIMEOUT_S:.0f} s: {statuses}\n" + log_path.read_text()[-4000:])

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
