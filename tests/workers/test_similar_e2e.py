""" "You already own this" (issue 16) end to end: API -> Redis -> a real `celery worker` process -> the
real vision pipeline -> PostgreSQL. The same photo uploaded twice: the second garment is marked a
duplicate of the first; "It's the same" adds the photo to the item; "Do I own something like this?"
waits for the worker's answer and finds the item, keeping nothing."""

from __future__ import annotations

import os
import time

import pytest

from tests.conftest import api_client_for, running_worker, upload
from tests.factories import fixture_jpeg
from wardrobe.closet.models import Garment, GarmentPhoto, MatchRequest, Photo

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
def test_a_duplicate_and_a_match_through_a_real_worker(settings, media_root, user, tmp_path):
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    settings.MATCH_WAIT_SECONDS = TIMEOUT_S  # the first task also loads the models
    with running_worker(settings, media_root, tmp_path / "worker.log") as (worker, log_path):
        api = api_client_for(user)
        ids = []
        for _ in range(2):
            r = api.post("/api/photos/", {"image": upload("tshirt.jpg", tshirt)}, format="multipart")
            assert r.status_code == 202, r.content
            ids.append(r.json()["id"])
            _wait(lambda: Photo.objects.get(pk=ids[-1]).is_finished, worker, log_path, "photo not analysed")
            if len(ids) == 1:  # the first is in the closet before the second comes
                (owned,) = Garment.objects.filter(photo_id=ids[0])
                assert api.post(f"/api/garments/{owned.pk}/confirm/", format="json").status_code == 200
        (new,) = Garment.objects.filter(photo_id=ids[1])
        assert new.duplicate_of_id == owned.pk and new.status == Garment.Status.REVIEW
        pair = api.get(f"/api/photos/{ids[1]}/").json()["duplicates"]
        assert [(p["garment"], p["duplicate_of"]) for p in pair] == [(new.pk, owned.pk)]

        r = api.post("/api/closet/match/", {"image": upload("shop.jpg", tshirt)}, format="multipart")
        assert r.status_code == 200, r.content
        assert r.json()["found"] >= 1 and r.json()["matches"][0]["id"] == owned.pk
        assert not MatchRequest.objects.exists() and not list((media_root / "matches").rglob("*.*"))

        r = api.post(f"/api/garments/{new.pk}/duplicate/", {"same": True}, format="json")
        assert r.status_code == 200 and r.json()["id"] == owned.pk
        assert GarmentPhoto.objects.filter(garment=owned, photo_id=ids[1]).exists()
        assert not Garment.objects.filter(pk=new.pk).exists()
