"""Deleting a photo, or a whole account, while the worker writes that photo's garments (issue 15,
defect 2). The worker's write is held open inside its transaction (it has written a garment and
waits) while the person deletes: the deletion must wait for it, then remove everything, and the
worker must stop without an error. Real PostgreSQL, two connections (two threads)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from django.db import connection
from PIL import Image

from tests.conftest import api_client_for, media_files
from tests.factories import PASSWORD, PhotoFactory
from vision.contract import GarmentInstance
from wardrobe.closet import services
from wardrobe.closet.models import BoxRequest, Garment, Photo
from wardrobe.closet.services import boxes, processing

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOLD_S = 1.0  # how long the worker keeps its write transaction open after the first garment


def _instance(photo) -> GarmentInstance:
    mask = np.zeros((photo.height, photo.width), dtype=bool)
    mask[10:60, 10:60] = True
    return GarmentInstance(
        category="pants",
        type=None,
        score=0.9,
        detector_score=0.9,
        classifier_score=0.9,
        box=(10, 10, 60, 60),
        mask=mask,
        cutout=Image.new("RGBA", (50, 50), (200, 30, 30, 255)),
    )


class _Pipeline:
    """Two garments per photo; also answers drawn boxes."""

    def __init__(self, photo):
        self.photo = photo

    def __call__(self, image):
        return [_instance(self.photo), _instance(self.photo)]

    def garment_in_box(self, image, box):
        return _instance(self.photo)


def _hold_after_first_garment(monkeypatch, module) -> threading.Event:
    """Make ``module.garment_create`` write its garment, then signal and keep the transaction open."""
    inside = threading.Event()
    real = module.garment_create

    def slow(**kwargs):
        garment = real(**kwargs)
        if not inside.is_set():
            inside.set()
            time.sleep(HOLD_S)
        return garment

    monkeypatch.setattr(module, "garment_create", slow)
    return inside


def _in_thread(target) -> tuple[threading.Thread, dict]:
    """Run ``target()`` in a thread with its own database connection; the outcome lands in the dict."""
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = target()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_deleting_a_photo_while_its_garments_are_written_waits_and_removes_all(user, monkeypatch, media_root):
    photo = PhotoFactory(owner=user)
    inside = _hold_after_first_garment(monkeypatch, processing)
    worker, outcome = _in_thread(lambda: services.process_photo(photo.pk, _Pipeline(photo)))
    assert inside.wait(30), outcome
    answer = api_client_for(user).delete(f"/api/photos/{photo.pk}/")
    worker.join(30)
    assert answer.status_code == 204, answer.content
    assert "error" not in outcome, outcome.get("error")
    assert not Photo.objects.filter(pk=photo.pk).exists() and not Garment.objects.exists()
    assert media_files(media_root) == []  # the photo, the garments' masks and cutouts: all gone


def test_deleting_an_account_while_its_garments_are_written_waits_and_removes_all(user, monkeypatch, media_root):
    from accounts.services import user_delete

    photo = PhotoFactory(owner=user)
    inside = _hold_after_first_garment(monkeypatch, processing)
    worker, outcome = _in_thread(lambda: services.process_photo(photo.pk, _Pipeline(photo)))
    assert inside.wait(30), outcome
    user_delete(user=user, password=PASSWORD)
    worker.join(30)
    assert "error" not in outcome, outcome.get("error")
    assert not Photo.objects.exists() and not Garment.objects.exists()
    assert media_files(media_root) == []


def test_deleting_a_photo_while_a_drawn_box_is_cut_out_waits_and_removes_all(user, monkeypatch, media_root):
    photo = PhotoFactory(owner=user)
    request = services.photo_box_request(photo=photo, box=(10, 10, 60, 60))
    inside = _hold_after_first_garment(monkeypatch, boxes)
    worker, outcome = _in_thread(lambda: services.box_request_process(request.pk, _Pipeline(photo)))
    assert inside.wait(30), outcome
    answer = api_client_for(user).delete(f"/api/photos/{photo.pk}/")
    worker.join(30)
    assert answer.status_code == 204, answer.content
    assert "error" not in outcome, outcome.get("error")
    assert not BoxRequest.objects.exists() and not Garment.objects.exists()
    assert media_files(media_root) == []
