"""End to end, the fixes that need the worker: API -> Redis -> a real `celery worker` process -> the
real vision pipeline -> PostgreSQL. A garment the model missed is added from a drawn box, then the
photo runs again and keeps what the person confirmed or drew."""

from __future__ import annotations

import os
import time

import pytest

from tests.conftest import api_client_for, fixture_photos, running_worker, upload
from wardrobe.closet.models import BoxRequest, Garment, Photo

TIMEOUT_S = float(os.environ.get("E2E_TIMEOUT_S", "180"))


def _wait(predicate, worker, log_path, what: str):
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if predicate():
            return
        assert worker.poll() is None, "worker died:\n" + log_path.read_text()[-4000:]
        time.sleep(0.5)
    pytest.fail(f"{what} within {TIMEOUT_S:.0f} s\n" + log_path.read_text()[-4000:])


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_box_and_a_run_again_through_a_real_worker(settings, media_root, user, tmp_path):
    path = next(p for p in fixture_photos() if p.name == "ccp_0008.jpg")
    with running_worker(settings, media_root, tmp_path / "worker.log") as (worker, log_path):
        api = api_client_for(user)
        r = api.post("/api/photos/", {"image": upload(path.name, path.read_bytes())}, format="multipart")
        assert r.status_code == 202, r.content
        photo_id = r.json()["id"]
        _wait(lambda: Photo.objects.get(pk=photo_id).is_finished, worker, log_path, "photo not analysed")
        photo = Photo.objects.get(pk=photo_id)
        assert photo.status == Photo.Status.DONE, photo.error
        found = list(Garment.objects.filter(photo=photo).order_by("pk"))
        assert len(found) >= 2

        # A box around the lower legs and shoes: a worker cuts out what is in it.
        w, h = photo.width, photo.height
        r = api.post(f"/api/photos/{photo_id}/garments/", {"box": [w // 4, int(h * 0.8), 3 * w // 4, h]}, format="json")
        assert r.status_code == 202, r.content
        request_id = r.json()["id"]
        _wait(lambda: BoxRequest.objects.get(pk=request_id).status != "pending", worker, log_path, "box not processed")
        request = BoxRequest.objects.get(pk=request_id)
        assert request.status == "done", request.error
        added = request.garment
        assert added.status == Garment.Status.REVIEW and added.mask_edited

        # Run again: the confirmed garment and the drawn one stay, the others are replaced.
        confirmed = found[0]
        assert api.post(f"/api/garments/{confirmed.pk}/confirm/", format="json").status_code == 200
        Garment.objects.filter(pk__in=[g.pk for g in found[1:]]).update(status=Garment.Status.REVIEW)
        r = api.post(f"/api/photos/{photo_id}/rerun/")
        assert r.status_code == 202 and r.json()["queued"] is True, r.content
        _wait(lambda: Photo.objects.get(pk=photo_id).is_finished, worker, log_path, "photo not run again")
        photo.refresh_from_db()
        assert photo.status == Photo.Status.DONE, photo.error
        kept = set(Garment.objects.filter(photo=photo).values_list("pk", flat=True))
        assert {confirmed.pk, added.pk} <= kept
        assert not kept & {g.pk for g in found[1:]}
        body = api.get(f"/api/photos/{photo_id}/").json()
        assert len(body["garments"]) == len(kept)
        categories = [g["category"] for g in body["garments"] if g["id"] != added.pk]
        assert len(categories) == len(set(categories))
