"""A cutout wrong all over, cut out again inside a box the person drew around the garment, through the
API (``POST /api/garments/{id}/recut/``) on a real photo measured against its hand-checked reference;
undo brings the model's cutout back. Bad boxes are a 400 with a message in the user's language and
another user's garment a 404; neither changes anything. (The editor's "Box" mode in a real browser:
``test_fix_browser.py``.)"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.closet.fixhelpers import RecordingQueue, garment_at, mask_of, state
from tests.conftest import FIXTURES, upload
from tests.factories import fixture_jpeg
from vision.metrics import mask_iou
from wardrobe.closet import services
from wardrobe.closet.models import Photo

pytestmark = pytest.mark.django_db

PANTS_REFERENCE = FIXTURES / "references" / "c4f11a12-2fcd-4268-8045-5a00aec7e656.png"  # clothing_pants.jpg


@pytest.fixture
def pants(user, settings):
    """The pants photo, done, its reference mask, and a garment whose cutout is its top-left quarter
    (wrong all over: most of the garment missing, background taken in)."""
    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"
    RecordingQueue.photos, RecordingQueue.boxes = [], []
    photo = services.photo_create(owner=user, uploaded_file=upload("pants.jpg", fixture_jpeg("clothing_pants.jpg")))
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    photo.refresh_from_db()
    ref = np.asarray(Image.open(PANTS_REFERENCE).convert("L")) > 127
    assert ref.shape == (photo.height, photo.width)
    garment = garment_at(photo, (0, 0, photo.width // 2, photo.height // 2), "pants")
    return photo, ref, garment


def _box_around(ref: np.ndarray, pad: int = 10) -> list[int]:
    ys, xs = np.nonzero(ref)
    h, w = ref.shape
    return [max(0, xs.min() - pad), max(0, ys.min() - pad), min(w, xs.max() + 1 + pad), min(h, ys.max() + 1 + pad)]


def test_a_box_cuts_the_garment_out_again_and_undo_brings_the_models_back(
    api, pants, django_capture_on_commit_callbacks
):
    photo, ref, garment = pants
    model_mask = mask_of(garment)
    first = api.get(f"/api/garments/{garment.pk}/").json()
    assert mask_iou(model_mask, ref) < 0.5
    box = _box_around(ref)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/garments/{garment.pk}/recut/", {"box": box}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    recut = mask_of(garment)
    assert mask_iou(recut, ref) >= 0.9, mask_iou(recut, ref)
    assert not recut[:, : box[0]].any() and not recut[: box[1]].any()  # nothing outside the box
    assert body["mask_edited"] and body["mask_undo"] and garment.model_mask
    assert body["bbox"] != first["bbox"]
    for url in ("mask_url", "cutout_url", "picture_url"):  # new content, new URL
        assert body[url] != first[url]
        assert api.get(body[url]).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        r = api.delete(f"/api/garments/{garment.pk}/mask/")
    assert r.status_code == 200, r.content
    assert np.array_equal(mask_of(garment), model_mask) and r.json()["bbox"] == first["bbox"]


@pytest.mark.parametrize(
    "box, message",
    [
        ([-5, 10, 100, 100], "The box lies outside the photo"),
        ([10, 10, 100, 100000], "The box lies outside the photo"),
        ([10, 10, 15, 100], "The box is smaller than 8 pixels on a side."),
        ([10, 10, 100], "Ensure this field has at least 4 elements."),
        (["a", 1, 2, 3], "A valid number is required."),
        (None, "This field may not be null."),
    ],
)
def test_a_bad_box_is_a_400_and_changes_nothing(api, pants, media_root, box, message):
    garment = pants[2]
    before = state(media_root)
    r = api.post(f"/api/garments/{garment.pk}/recut/", {"box": box}, format="json")
    assert r.status_code == 400
    assert message in str(r.json()["box"])
    assert state(media_root) == before


def test_the_message_is_in_the_users_language(api, pants):
    r = api.post(f"/api/garments/{pants[2].pk}/recut/", {"box": [0, 0, 4, 4]}, format="json", HTTP_ACCEPT_LANGUAGE="ko")
    assert r.status_code == 400 and r.json()["box"] == ["상자가 한 변 8픽셀보다 작아요."]


def test_another_users_garment_is_a_404_and_changes_nothing(other_api, pants, media_root):
    before = state(media_root)
    r = other_api.post(f"/api/garments/{pants[2].pk}/recut/", {"box": [10, 10, 100, 100]}, format="json")
    assert r.status_code == 404
    assert state(media_root) == before
