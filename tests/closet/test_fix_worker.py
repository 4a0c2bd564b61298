"""Fix it in seconds, the worker's side: a garment cut out of a box a person drew, and a photo run
again that keeps what the person did. With the real pipeline (``pipeline`` fixture, CPU) where it
matters, and with small stand-ins for the rules (what is kept, what counts as a duplicate)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.closet.fixhelpers import RecordingQueue, garment_at, mask_of
from tests.conftest import api_client_for, media_files, upload
from tests.factories import box_instance
from tests.factories import fixture_jpeg as fixture_bytes
from vision.refine import RefineError
from wardrobe.closet import services
from wardrobe.closet.models import BoxRequest, Garment, Photo
from wardrobe.closet.services.rerun import garment_is_kept_on_rerun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queue(settings):
    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"
    RecordingQueue.photos, RecordingQueue.boxes = [], []
    return RecordingQueue


def _photo(user, name: str = "ccp_0008.jpg") -> Photo:
    return services.photo_create(owner=user, uploaded_file=upload(name, fixture_bytes(name)))


def _snapshot(garment: Garment) -> dict:
    row = Garment.objects.filter(pk=garment.pk).values().first()
    return {k: v for k, v in row.items() if k != "updated_at"}


# --- B. a garment the model missed -----------------------------------------------------------------


@pytest.mark.vision
def test_a_box_becomes_a_garment_in_the_review_queue(user, pipeline, media_root):
    photo = _photo(user, "clothing_tshirt.jpg")
    w, h = photo.width, photo.height
    box = (w // 4, h // 4, 3 * w // 4, 3 * h // 4)
    request = services.photo_box_request(photo=photo, box=box)
    assert RecordingQueue.boxes == [request.pk]

    done = services.box_request_process(request.pk, pipeline)
    assert done.status == BoxRequest.Status.DONE and done.error == ""
    garment = done.garment
    assert garment.status == Garment.Status.REVIEW and garment.mask_edited and not garment.model_mask
    assert garment.guesses and garment.category.slug == garment.guesses[0]["category"]
    assert garment.mask_quality is not None and 0 <= garment.mask_quality <= 1
    mask = mask_of(garment)
    assert mask.shape == (h, w) and mask.any()
    ys, xs = np.nonzero(mask)
    assert xs.min() >= box[0] and xs.max() < box[2] and ys.min() >= box[1] and ys.max() < box[3]
    assert Image.open(garment.cutout.path).size == (garment.box_width, garment.box_height)
    assert garment.color_list

    # The page polls the photo: the request is done and names the new garment.
    body = api_client_for(user).get(f"/api/photos/{photo.pk}/").json()
    assert body["box_requests"][0]["status"] == "done" and body["box_requests"][0]["garment"] == garment.pk
    assert garment.pk in [g["id"] for g in body["garments"]]

    # A redelivered task changes nothing.
    files = media_files(media_root)
    again = services.box_request_process(request.pk, pipeline)
    assert again.garment_id == garment.pk and Garment.objects.filter(photo=photo).count() == 1
    assert media_files(media_root) == files


def test_a_box_with_nothing_to_cut_out_ends_failed_with_a_sentence(user, media_root):
    class Nothing:
        def garment_in_box(self, image, box):
            raise RefineError("the box holds no garment")

    photo = _photo(user, "clothing_tshirt.jpg")
    request = services.photo_box_request(photo=photo, box=(10, 10, 60, 60))
    failed = services.box_request_process(request.pk, Nothing())
    assert failed.status == BoxRequest.Status.FAILED and failed.error_code == "box_empty"
    assert failed.failure_message == "Nothing could be cut out inside that box. Draw it closer around the garment."
    assert "no garment" in failed.error  # the RefineError's text, for the admin only
    assert not Garment.objects.exists() and len(media_files(media_root)) == 1


def test_the_box_task_fails_the_request_when_the_models_cannot_load(user, monkeypatch):
    from workers import runtime, tasks

    def unavailable():
        raise FileNotFoundError("weights not found")

    monkeypatch.setattr(runtime, "get_pipeline", unavailable)
    request = services.photo_box_request(photo=_photo(user, "clothing_tshirt.jpg"), box=(10, 10, 60, 60))
    assert tasks.garment_in_box.run(request.pk) == "failed"
    request.refresh_from_db()
    assert request.status == "failed" and "weights not found" in request.error
    assert "weights" not in request.failure_message and request.failure_message.startswith("The garment finder")


# --- D. run a photo again --------------------------------------------------------------------------


def test_what_a_run_again_keeps(photo):
    untouched = garment_at(photo, (10, 10, 100, 100), "pants", status="review")
    assert not garment_is_kept_on_rerun(untouched)
    cases = {
        "confirmed": lambda g: services.garment_confirm(garment=g),
        "named": lambda g: services.garment_update(garment=g, name="Blue ones"),
        "noted": lambda g: services.garment_update(garment=g, notes="from Mum"),
        "priced": lambda g: services.garment_update(garment=g, price=10),
        "seasons": lambda g: services.garment_update(garment=g, seasons=["winter"]),
        "colour picked": lambda g: services.garment_update(garment=g, colors=["red"]),
        "kind changed": lambda g: services.garment_update(garment=g, category="skirt"),
        "in the wash": lambda g: services.garments_set_laundry(garments=[g], laundry="wash"),
    }
    for name, change in cases.items():
        g = garment_at(photo, (10, 10, 100, 100), "pants", status="review")
        Garment.objects.filter(pk=g.pk).update(guesses=[{"category": "pants", "type": None, "score": 0.6}])
        g.refresh_from_db()
        assert not garment_is_kept_on_rerun(g), name
        change(g)
        g = Garment.objects.get(pk=g.pk)
        assert garment_is_kept_on_rerun(g), name


def test_a_run_again_keeps_the_persons_garments_and_adds_no_duplicate(user, media_root):
    photo = _photo(user, "clothing_tshirt.jpg")
    w, h = photo.width, photo.height
    left, right = (10, 10, w // 2, h // 2), (w // 2, h // 2, w - 10, h - 10)

    def first_run(image):
        return [_instance(photo, "pants", left), _instance(photo, "shoe", right)]

    services.process_photo(photo.pk, first_run)
    pants, shoe = Garment.objects.get(category__slug="pants"), Garment.objects.get(category__slug="shoe")
    services.garment_update(garment=pants, name="My jeans")  # edited: kept
    Garment.objects.filter(pk=shoe.pk).update(status="review")  # untouched: replaced
    kept = _snapshot(pants)
    kept_files = (media_root / pants.mask.name, media_root / pants.cutout.name)

    def second_run(image):
        return [
            _instance(photo, "pants", (0, 0, 20, 20)),  # the same category as a kept garment
            _instance(photo, "skirt", (12, 12, w // 2, h // 2)),  # overlaps the kept pants (IoU >= 0.5)
            _instance(photo, "shoe", right),  # replaces the untouched shoe
            _instance(photo, "hat", (w // 2, 0, w - 1, 40)),  # new
        ]

    services.photo_rerun(photo=Photo.objects.get(pk=photo.pk))
    done = services.process_photo(photo.pk, second_run)
    assert done.status == Photo.Status.DONE
    assert _snapshot(pants) == kept and all(p.exists() for p in kept_files)
    slugs = sorted(Garment.objects.filter(photo=photo).values_list("category__slug", flat=True))
    assert slugs == ["hat", "pants", "shoe"]
    assert not Garment.objects.filter(pk=shoe.pk).exists()


def _instance(photo, category, box):
    instance = box_instance(photo, category, None)
    mask = np.zeros((photo.height, photo.width), bool)
    mask[box[1] : box[3], box[0] : box[2]] = True
    instance.box, instance.mask, instance.cutout = box, mask, None
    return instance


@pytest.mark.vision
def test_run_again_with_the_real_pipeline(user, pipeline, media_root, django_capture_on_commit_callbacks):
    photo = _photo(user)
    first = services.process_photo(photo.pk, pipeline)
    assert first.status == Photo.Status.DONE
    found = list(Garment.objects.filter(photo=photo).select_related("category").order_by("pk"))
    assert len(found) >= 3, [g.category.slug for g in found]
    confirmed, named, refined, *untouched = found
    services.garment_confirm(garment=confirmed)
    services.garment_update(garment=named, brand="Acme")
    Garment.objects.filter(pk__in=[g.pk for g in (named, refined, *untouched)]).update(status="review")
    w, h = photo.width, photo.height
    x0, y0, x1, y1 = refined.bbox
    erase = np.zeros((h, w), bool)
    erase[y0 : (y0 + y1) // 2, x0:x1] = True  # the upper half of its box is not the garment
    services.garment_mask_refine(garment=Garment.objects.get(pk=refined.pk), keep=None, erase=erase)
    box_garment = services.box_request_process(
        services.photo_box_request(photo=photo, box=(0, 0, w // 3, h // 3)).pk, pipeline
    ).garment
    kept = {g.pk: _snapshot(g) for g in (confirmed, named, refined, box_garment)}
    kept_slugs = {s["category_id"] for s in kept.values()}

    with django_capture_on_commit_callbacks(execute=True):
        services.photo_rerun(photo=Photo.objects.get(pk=photo.pk))
    assert RecordingQueue.photos == [photo.pk]
    again = services.process_photo(photo.pk, pipeline)
    assert again.status == Photo.Status.DONE and again.attempts == 1
    for pk, row in kept.items():
        assert _snapshot(Garment.objects.get(pk=pk)) == row
    garments = list(Garment.objects.filter(photo=photo))
    assert not {g.pk for g in untouched} & {g.pk for g in garments}  # replaced by the new results
    new = [g for g in garments if g.pk not in kept]
    assert not {g.category_id for g in new} & kept_slugs  # no kept garment added twice
    # Each file on disk belongs to a garment or the photo (the replaced ones' files are gone).
    names = {photo.image.name} | {
        n
        for g in garments
        for n in (g.mask.name, g.cutout.name, g.model_mask.name, g.model_cutout.name, g.stain_mask.name)
        if n
    }
    assert {str(p.relative_to(media_root)) for p in media_files(media_root)} <= names | {
        n for g in untouched for n in (g.mask.name, g.cutout.name, g.stain_mask.name)
    }
    # A redelivered rerun task changes nothing.
    assert services.process_photo(photo.pk, pipeline).attempts == 1
