"""Fix it in seconds, through the API and the services (no model run here; see test_fix_worker.py):
mask quality sends a garment to review, a box adds a missed garment, strokes refine a cutout and
undo brings the model's back, two garments merge into one, a photo runs again, and every picture
URL changes with its content. Another user's ids are 404s and bad input is a 400 with a message;
neither changes anything."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from tests.closet.fixhelpers import RecordingQueue, garment_at, mask_of, png_upload, state, stroke_png
from tests.conftest import media_files
from tests.factories import GarmentFactory, box_instance, fixture_jpeg
from wardrobe.closet import services
from wardrobe.closet.models import BoxRequest, Garment, Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"
    RecordingQueue.photos, RecordingQueue.boxes = [], []
    return RecordingQueue


@pytest.fixture
def shot(photo):
    """The fixture photo, done, with two shoes found apart: left and right quarter boxes."""
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    photo.refresh_from_db()
    return photo


_state = state


# --- A. mask quality -------------------------------------------------------------------------------


def test_a_poor_mask_waits_for_review_shown_as_the_photo(api, client, user, photo, settings):
    poor = garment_at(photo, (10, 10, 200, 200), "pants", quality=0.5)
    good = garment_at(photo, (10, 10, 200, 200), "skirt", quality=0.97)
    unknown = garment_at(photo, (10, 10, 200, 200), "dress", quality=None)
    assert (poor.status, poor.picture, poor.mask_quality) == ("review", "photo", 0.5)
    assert (good.status, good.picture) == ("closet", "cutout")
    assert (unknown.status, unknown.picture, unknown.mask_quality) == ("closet", "cutout", None)

    body = api.get(f"/api/garments/{poor.pk}/").json()
    assert body["mask_quality"] == 0.5 and body["mask_poor"] is True and body["mask_edited"] is False
    assert body["picture"] == "photo" and body["mask_undo"] is False
    assert api.get(f"/api/garments/{good.pk}/").json()["mask_poor"] is False
    client.force_login(user)
    assert (
        "Cutout quality: likely poor" in client.get(reverse("closet:garment-detail", args=[poor.pk])).content.decode()
    )
    assert "Cutout quality" not in client.get(reverse("closet:garment-detail", args=[good.pk])).content.decode()
    settings.MASK_QUALITY_THRESHOLD = 0.99  # the setting decides
    assert garment_at(photo, (10, 10, 200, 200), "coat", quality=0.97).status == "review"


def test_processing_files_a_poor_mask_in_review_whatever_its_score(photo):
    def pipeline(image):
        instance = box_instance(photo, "pants", "jeans", score=0.99)
        instance.mask_quality = 0.3
        return [instance]

    services.process_photo(photo.pk, pipeline)
    garment = Garment.objects.get(photo=photo)
    assert garment.status == "review" and garment.picture == "photo" and garment.mask_quality == 0.3


# --- B. a garment the model missed: the web side ---------------------------------------------------


def test_a_box_is_handed_to_the_worker(api, shot, queue):
    r = api.post(f"/api/photos/{shot.pk}/garments/", {"box": [10, 20.4, 150, 220]}, format="json")
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["status"] == "pending" and body["box"] == [10, 20, 150, 220] and body["garment"] is None
    assert queue.boxes == [body["id"]]
    detail = api.get(f"/api/photos/{shot.pk}/").json()
    assert [b["id"] for b in detail["box_requests"]] == [body["id"]]


@pytest.mark.parametrize(
    "box, message",
    [
        ([-5, 10, 100, 100], "The box lies outside the photo"),
        ([10, 10, 100, 100000], "The box lies outside the photo"),
        ([10, 10, 15, 100], "The box is smaller than 8 pixels on a side."),
        ([10, 10, 100], "Ensure this field has at least 4 elements."),
        (["a", 1, 2, 3], "A valid number is required."),
    ],
)
def test_a_bad_box_is_a_400_and_changes_nothing(api, shot, queue, media_root, box, message):
    before = _state(media_root)
    r = api.post(f"/api/photos/{shot.pk}/garments/", {"box": box}, format="json")
    assert r.status_code == 400
    assert message in str(r.json()["box"])
    assert _state(media_root) == before and not queue.boxes


def test_the_box_message_is_in_the_users_language(api, shot, queue):
    r = api.post(f"/api/photos/{shot.pk}/garments/", {"box": [0, 0, 4, 4]}, format="json", HTTP_ACCEPT_LANGUAGE="ko")
    assert r.status_code == 400
    assert r.json()["box"] == ["상자가 한 변 8픽셀보다 작아요."]


def test_a_box_with_the_broker_down_is_a_503_with_a_message(api, shot, settings, media_root):
    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"
    before = _state(media_root)
    r = api.post(f"/api/photos/{shot.pk}/garments/", {"box": [10, 10, 200, 200]}, format="json")
    assert r.status_code == 503
    assert "cannot be reached" in r.json()["detail"]
    assert _state(media_root) == before


# --- C. refine a cutout, undo ----------------------------------------------------------------------


def test_strokes_refine_the_cutout_and_undo_brings_the_models_back(
    api, shot, media_root, django_capture_on_commit_callbacks
):
    w, h = shot.width, shot.height
    garment = garment_at(shot, (w // 4, h // 4, 3 * w // 4, 3 * h // 4), "top-t-shirt-sweatshirt")
    first = api.get(f"/api/garments/{garment.pk}/").json()
    model_files = (garment.mask.name, garment.cutout.name)
    erase = (w // 4, h // 4, w // 2, 3 * h // 4)  # the left half of the garment: not the garment
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            f"/api/garments/{garment.pk}/mask/",
            {"erase": png_upload("erase.png", stroke_png(w, h, erase))},
            format="multipart",
        )
    assert r.status_code == 200, r.content
    body = r.json()
    mask = mask_of(garment)
    assert not mask[erase[1] : erase[3], erase[0] : erase[2]].any() and mask.any()
    assert garment.mask_edited and (garment.model_mask.name, garment.model_cutout.name) == model_files
    assert garment.model_box == first["bbox"] and body["bbox"] != first["bbox"]
    assert body["mask_edited"] and body["mask_undo"]
    assert Image.open(garment.cutout.path).size == (garment.box_width, garment.box_height)
    for url in ("mask_url", "cutout_url", "picture_url"):  # F: new content, new URL
        assert body[url] != first[url]
        assert api.get(body[url]).status_code == 200

    # A second edit replaces the first one's files; the model's stay.
    edited = (garment.mask.name, garment.cutout.name)
    keep = (w // 2, h // 4, 3 * w // 4, h // 2)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(
            f"/api/garments/{garment.pk}/mask/",
            {"keep": "data:image/png;base64," + base64.b64encode(stroke_png(w, h, keep)).decode()},
            format="json",
        )
    assert r.status_code == 200, r.content
    garment.refresh_from_db()
    assert (
        not any((media_root / n).exists() for n in edited)
        and (garment.model_mask.name, garment.model_cutout.name) == model_files
    )

    with django_capture_on_commit_callbacks(execute=True):
        r = api.delete(f"/api/garments/{garment.pk}/mask/")
    assert r.status_code == 200, r.content
    undone = r.json()
    garment.refresh_from_db()
    assert (garment.mask.name, garment.cutout.name) == model_files and not garment.model_mask
    assert undone["bbox"] == first["bbox"] and not undone["mask_edited"] and not undone["mask_undo"]
    assert [undone[u] for u in ("mask_url", "cutout_url", "picture_url")] == [
        first[u] for u in ("mask_url", "cutout_url", "picture_url")
    ]
    assert len(media_files(media_root)) == 1 + 2  # the photo, the model's mask and cutout
    r = api.delete(f"/api/garments/{garment.pk}/mask/")
    assert r.status_code == 400 and "nothing to undo" in str(r.json())


def test_refining_a_poor_cutout_shows_the_cutout_again(api, shot):
    w, h = shot.width, shot.height
    garment = garment_at(shot, (w // 4, h // 4, 3 * w // 4, 3 * h // 4), "pants", quality=0.4)
    assert garment.picture == "photo"
    erase = png_upload("erase.png", stroke_png(w, h, (w // 4, h // 4, w // 2, h // 2)))
    body = api.post(f"/api/garments/{garment.pk}/mask/", {"erase": erase}, format="multipart").json()
    assert body["picture"] == "cutout" and body["mask_poor"] is False
    body = api.delete(f"/api/garments/{garment.pk}/mask/").json()
    assert body["picture"] == "photo" and body["mask_poor"] is True


def _bad_strokes(w, h):
    empty = stroke_png(w, h)
    return {
        "no strokes at all": ({}, "non_field_errors", "Paint at least one stroke"),
        "two empty strokes": (
            {"keep": png_upload("k.png", empty), "erase": png_upload("e.png", empty)},
            "non_field_errors",
            "Paint at least one stroke",
        ),
        "wrong size": ({"keep": png_upload("k.png", stroke_png(w + 1, h, (0, 0, 9, 9)))}, "keep", "the photo is"),
        "a JPEG": ({"erase": png_upload("e.jpg", fixture_jpeg())}, "erase", "PNG"),
        "a broken PNG": ({"keep": png_upload("k.png", stroke_png(w, h, (0, 0, 9, 9))[:60])}, "keep", "PNG"),
    }


@pytest.mark.parametrize("case", list(_bad_strokes(10, 10)))
def test_bad_strokes_are_a_400_and_change_nothing(api, shot, media_root, case):
    garment = garment_at(shot, (50, 50, 200, 200), "pants")
    body, field, message = _bad_strokes(shot.width, shot.height)[case]
    before = _state(media_root)
    r = api.post(f"/api/garments/{garment.pk}/mask/", body, format="multipart")
    assert r.status_code == 400, r.content
    assert message in str(r.json()[field])
    assert _state(media_root) == before


def test_a_data_url_that_is_not_base64_png_is_a_400(api, shot):
    garment = garment_at(shot, (50, 50, 200, 200), "pants")
    for value in ("data:image/png;base64,@@@", "data:image/jpeg;base64,AAAA", "hello"):
        r = api.post(f"/api/garments/{garment.pk}/mask/", {"keep": value}, format="json")
        assert r.status_code == 400 and r.json()["keep"], value


# --- E. merge, delete ------------------------------------------------------------------------------


def test_two_shoes_merge_into_one(api, shot, media_root, django_capture_on_commit_callbacks):
    w, h = shot.width, shot.height
    left = garment_at(shot, (10, h - 120, w // 2 - 10, h - 20), "shoe", colors=("black", "white"))
    right = garment_at(shot, (w // 2 + 10, h - 110, w - 10, h - 30), "shoe", colors=("white",))
    union = mask_of(left) | mask_of(right)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/garments/{left.pk}/merge/", {"other": right.pk}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["bbox"] == [10, h - 120, w - 10, h - 20] and body["mask_edited"] and body["mask_undo"]
    assert np.array_equal(mask_of(left), union)
    assert not Garment.objects.filter(pk=right.pk).exists()
    assert not (media_root / right.mask.name).exists() and not (media_root / right.cutout.name).exists()
    assert [c["name"] for c in body["colors"]] == ["white", "black"]  # white covers more of the pair
    assert abs(sum(c["fraction"] for c in body["colors"]) - 1) < 1e-3
    assert Image.open(Garment.objects.get(pk=left.pk).cutout.path).size == (w - 20, 100)


def test_merge_refuses_another_photo_itself_and_other_users(api, other_api, other_user, shot, media_root):
    a = garment_at(shot, (10, 10, 100, 100), "shoe")
    b = garment_at(shot, (120, 10, 200, 100), "shoe")
    elsewhere = GarmentFactory(
        photo=services.photo_create(owner=shot.owner, uploaded_file=png_upload("x.jpg", fixture_jpeg()))
    )
    theirs = GarmentFactory(
        photo=services.photo_create(owner=other_user, uploaded_file=png_upload("y.jpg", fixture_jpeg()))
    )
    before = _state(media_root)
    r = api.post(f"/api/garments/{a.pk}/merge/", {"other": elsewhere.pk}, format="json")
    assert r.status_code == 400 and "same photo" in r.json()["other"][0]
    r = api.post(f"/api/garments/{a.pk}/merge/", {"other": a.pk}, format="json")
    assert r.status_code == 400 and r.json()["other"]
    assert api.post(f"/api/garments/{a.pk}/merge/", {"other": theirs.pk}, format="json").status_code == 404
    assert other_api.post(f"/api/garments/{a.pk}/merge/", {"other": b.pk}, format="json").status_code == 404
    assert other_api.post(f"/api/garments/{theirs.pk}/merge/", {"other": a.pk}, format="json").status_code == 404
    assert _state(media_root) == before


def test_a_false_garment_is_deleted_from_the_photo_page(client, user, shot, django_capture_on_commit_callbacks):
    garment = garment_at(shot, (10, 10, 100, 100), "shoe")
    client.force_login(user)
    page = client.get(reverse("closet:photo-detail", args=[shot.pk])).content.decode()
    assert reverse("closet:garment-delete", args=[garment.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("closet:garment-delete", args=[garment.pk]), {"next": "photo"})
    assert r.status_code == 302 and r["Location"] == reverse("closet:photo-detail", args=[shot.pk])
    assert not Garment.objects.filter(pk=garment.pk).exists()


# --- another user's ids ----------------------------------------------------------------------------


def test_another_users_ids_are_404_and_change_nothing(other_api, shot, queue, media_root):
    garment = garment_at(shot, (10, 10, 100, 100), "shoe")
    w, h = shot.width, shot.height
    before = _state(media_root)
    calls = [
        ("post", f"/api/photos/{shot.pk}/garments/", {"box": [10, 10, 100, 100]}, "json"),
        ("post", f"/api/photos/{shot.pk}/rerun/", {}, "json"),
        (
            "post",
            f"/api/garments/{garment.pk}/mask/",
            {"keep": png_upload("k.png", stroke_png(w, h, (0, 0, 50, 50)))},
            "multipart",
        ),
        ("delete", f"/api/garments/{garment.pk}/mask/", None, None),
        ("post", f"/api/garments/{garment.pk}/merge/", {"other": garment.pk}, "json"),
    ]
    for method, url, body, fmt in calls:
        r = getattr(other_api, method)(url, body, format=fmt) if body is not None else other_api.delete(url)
        assert r.status_code == 404, (url, r.status_code)
    assert _state(media_root) == before and not queue.boxes and not queue.photos


# --- D. run again: the web side --------------------------------------------------------------------


def test_run_again_puts_a_finished_photo_back_in_the_queue(api, shot, queue, django_capture_on_commit_callbacks):
    Photo.objects.filter(pk=shot.pk).update(attempts=2, error="")
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/photos/{shot.pk}/rerun/")
    assert r.status_code == 202, r.content
    # "queued" tells whether the queue took it when the answer was made: here the test's transaction
    # holds the hand-over back until the request is over (a real request commits before answering).
    assert {k: v for k, v in r.json().items() if k != "queued"} == {"id": shot.pk, "status": "pending"}
    shot.refresh_from_db()
    assert shot.status == "pending" and shot.attempts == 0 and shot.enqueued_at and queue.photos == [shot.pk]
    r = api.post(f"/api/photos/{shot.pk}/rerun/")  # pending: it runs with the current models already
    assert r.status_code == 400 and "being analysed" in str(r.json())


def test_run_again_with_the_broker_down_waits_for_the_sweeper(api, shot, settings, django_capture_on_commit_callbacks):
    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/photos/{shot.pk}/rerun/")
    assert r.status_code == 202 and r.json()["queued"] is False
    shot.refresh_from_db()
    assert shot.status == "pending" and shot.enqueued_at is None


# --- F. every picture URL changes with its content ------------------------------------------------


def test_picture_urls_carry_a_version_that_changes_with_the_picture(api, client, user, shot):
    garment = garment_at(shot, (10, 10, 200, 200), "pants")
    body = api.get(f"/api/garments/{garment.pk}/").json()
    for url in ("mask_url", "cutout_url", "picture_url"):
        assert "?v=" in body[url]
    assert "?v=" in api.get(f"/api/photos/{shot.pk}/").json()["image_url"]
    client.force_login(user)
    page = client.get(reverse("closet:garment-detail", args=[garment.pk])).content.decode()
    assert body["cutout_url"].split("testserver")[-1].replace("&", "&amp;") in page

    r = api.patch(f"/api/garments/{garment.pk}/", {"picture": "photo"}, format="json")
    assert r.json()["picture_url"] != body["picture_url"]
    assert r.json()["cutout_url"] == body["cutout_url"]  # the cutout itself did not change
    closet = client.get(reverse("closet:photo-detail", args=[shot.pk])).content.decode()
    assert r.json()["picture_url"].split("testserver")[-1] in closet
    assert body["picture_url"].split("testserver")[-1] not in closet


# --- the pages ---------------------------------------------------------------------------------


def test_the_pages_offer_the_fixes_and_their_forms_work_without_javascript(
    client, user, shot, queue, settings, django_capture_on_commit_callbacks
):
    garment = garment_at(shot, (10, 10, 200, 200), "pants")
    other = garment_at(shot, (220, 10, 300, 200), "shoe")
    client.force_login(user)
    page = client.get(reverse("closet:photo-detail", args=[shot.pk])).content.decode()
    for part in ("data-box-drawer", 'id="draw-box"', 'id="rerun"', f'id="fix-{garment.pk}"', "js/fix.js"):
        assert part in page, part
    item = client.get(reverse("closet:garment-detail", args=[garment.pk])).content.decode()
    assert reverse("closet:garment-mask-edit", args=[garment.pk]) in item and 'id="undo-mask"' not in item
    editor = client.get(reverse("closet:garment-mask-edit", args=[garment.pk]))
    assert editor.status_code == 200 and b"canvas" in editor.content
    assert reverse("garment-mask", args=[garment.pk]).encode() in editor.content

    add = reverse("closet:photo-add-garment", args=[shot.pk])
    r = client.post(add, {"x0": 10, "y0": 10, "x1": 120, "y1": 150}, follow=True)
    assert "Looking for the garment" in r.content.decode() and len(queue.boxes) == 1
    r = client.post(add, {"x0": 10, "y0": 10, "x1": 12, "y1": 150}, follow=True)
    assert "smaller than 8 pixels" in r.content.decode() and len(queue.boxes) == 1
    r = client.post(add, {"x0": "a"}, follow=True)
    assert "four whole numbers" in r.content.decode()
    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"
    r = client.post(add, {"x0": 10, "y0": 10, "x1": 120, "y1": 150}, follow=True)
    assert "cannot be reached" in r.content.decode() and BoxRequest.objects.count() == 1

    r = client.post(reverse("closet:garment-mask-undo", args=[garment.pk]), follow=True)
    assert "nothing to undo" in r.content.decode()
    r = client.post(reverse("closet:garment-merge", args=[garment.pk]), {"other": "x"}, follow=True)
    assert r.status_code == 200 and Garment.objects.filter(pk=other.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("closet:garment-merge", args=[garment.pk]), {"other": other.pk}, follow=True)
    assert "Merged into one garment." in r.content.decode() and not Garment.objects.filter(pk=other.pk).exists()
    assert 'id="undo-mask"' in client.get(reverse("closet:garment-detail", args=[garment.pk])).content.decode()
    r = client.post(reverse("closet:garment-mask-undo", args=[garment.pk]), follow=True)
    assert "The model&#x27;s cutout is back." in r.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("closet:photo-rerun", args=[shot.pk]), follow=True)
    assert "Running this photo again" in r.content.decode()
    assert Photo.objects.get(pk=shot.pk).status == Photo.Status.PENDING
    r = client.post(reverse("closet:photo-rerun", args=[shot.pk]), follow=True)
    assert "being analysed already" in r.content.decode()
