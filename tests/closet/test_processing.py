"""The processing service: real pipeline run, and the failure guarantees (failed + nothing half-written)."""

import numpy as np
import pytest
from PIL import Image

from tests.conftest import encode, fixture_photos, media_files, sample_image, upload
from vision.contract import GarmentInstance
from wardrobe.closet import services
from wardrobe.closet.models import Garment, Photo

pytestmark = pytest.mark.django_db


def _garment_instance(photo, category="pants"):
    mask = np.zeros((photo.height, photo.width), dtype=bool)
    mask[10:40, 10:40] = True
    return GarmentInstance(
        category=category,
        type=None,
        score=0.8,
        detector_score=0.8,
        classifier_score=0.8,
        box=(10, 10, 40, 40),
        mask=mask,
        cutout=Image.new("RGBA", (30, 30)),
    )


def test_pipeline_exception_marks_failed(photo, media_root):
    def broken(image):
        raise RuntimeError("model exploded")

    result = services.process_photo(photo.pk, broken)
    assert result.status == Photo.Status.FAILED and result.error_code == "analysis"
    # The admin sees the exception; the owner reads a sentence without it.
    assert result.error == "RuntimeError: model exploded"
    assert "model exploded" not in result.failure_message and "Error" not in result.failure_message
    assert result.failure_message.startswith("The garment finder stumbled on this photo.")
    assert not Garment.objects.exists()
    assert len(media_files(media_root)) == 1  # only the photo itself


def test_half_written_garments_are_rolled_back(photo, media_root):
    """The second instance is invalid: the first garment's row and files must not survive."""

    def half_good(image):
        return [_garment_instance(photo), _garment_instance(photo, category="no-such-category")]

    result = services.process_photo(photo.pk, half_good)
    assert result.status == Photo.Status.FAILED and "no-such-category" in result.error
    assert result.error_code == "analysis" and "no-such-category" not in result.failure_message
    assert not Garment.objects.exists()
    assert len(media_files(media_root)) == 1


def test_done_photo_is_not_reprocessed(photo):
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)

    def must_not_run(image):
        raise AssertionError("ran twice")

    assert services.process_photo(photo.pk, must_not_run).status == Photo.Status.DONE


def test_missing_photo_is_ignored():
    assert services.process_photo(999999, lambda image: []) is None


def test_task_marks_failed_when_models_cannot_load(photo, monkeypatch):
    from workers import runtime, tasks

    def unavailable():
        raise FileNotFoundError("weights not found")

    monkeypatch.setattr(runtime, "get_pipeline", unavailable)
    assert tasks.process_photo.run(photo.pk) == "failed"
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED and "weights not found" in photo.error
    assert photo.error_code == "models_unavailable" and "weights" not in photo.failure_message


def test_resolve_device_from_env(monkeypatch):
    from workers.runtime import resolve_device

    monkeypatch.setenv("VISION_DEVICE", "cpu")
    assert resolve_device() == "cpu"


def test_celery_routing_config():
    from workers.celery import app

    assert app.conf.task_routes["workers.tasks.process_photo"]["queue"] == "vision"
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is True and app.conf.task_ignore_result is True


@pytest.mark.vision
def test_real_pipeline_writes_garments(user, media_root):
    """The real pipeline on a real photo: garments with a category, a non-empty mask and a cutout."""
    from workers.runtime import get_pipeline

    paths = fixture_photos()
    data = paths[0].read_bytes() if paths else encode(sample_image(), "JPEG")
    photo = services.photo_create(owner=user, uploaded_file=upload(paths[0].name if paths else "a.jpg", data))
    result = services.process_photo(photo.pk, get_pipeline())
    assert result.status == Photo.Status.DONE, result.error
    assert result.processing_seconds is not None
    garments = list(result.garments.all())
    assert garments, "the pipeline found no garment in the fixture photo"
    for g in garments:
        assert g.category_id and 0 <= g.x0 < g.x1 <= photo.width and 0 <= g.y0 < g.y1 <= photo.height
        mask = np.array(Image.open(g.mask.path).convert("L")) > 0
        assert mask.shape == (photo.height, photo.width) and mask.any()
        cutout = Image.open(g.cutout.path)
        assert cutout.mode == "RGBA" and cutout.size == (g.x1 - g.x0, g.y1 - g.y0)
        assert all(c.name and c.hex.startswith("#") for c in g.color_list)


def test_photo_deleted_during_processing(photo, media_root):
    def delete_then_detect(image):
        Photo.objects.filter(pk=photo.pk).delete()
        return [_garment_instance(photo)]

    assert services.process_photo(photo.pk, delete_then_detect) is None
    assert not Garment.objects.exists()


def test_an_unreadable_stored_photo_fails_with_its_own_sentence(photo, media_root):
    photo.image.storage.delete(photo.image.name)  # the file went missing from the storage
    result = services.process_photo(photo.pk, lambda image: [])
    assert result.status == Photo.Status.FAILED and result.error_code == "unreadable"
    assert result.failure_message == "The stored photo could not be read. Delete it and upload the photo again."
    assert "FileNotFoundError" in result.error


def test_failure_sentences_follow_the_readers_language(photo, user, client):
    """The worker fails a photo in the server's language; the owner reads why in theirs (API and page),
    and never the exception's text."""
    from tests.conftest import api_client_for

    def broken(image):
        raise ValueError("height and width must be > 0")

    services.process_photo(photo.pk, broken)
    api = api_client_for(user)
    english = api.get(f"/api/photos/{photo.pk}/").json()["error"]
    korean = api.get(f"/api/photos/{photo.pk}/", HTTP_ACCEPT_LANGUAGE="ko").json()["error"]
    assert english.startswith("The garment finder stumbled on this photo.")
    assert korean and korean != english and not any("a" <= ch.lower() <= "z" for ch in korean)
    client.force_login(user)
    page = client.get(f"/photos/{photo.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page and "height and width" not in page and "ValueError" not in page


def test_a_raw_error_of_an_older_version_is_never_shown(photo):
    """Rows failed before failure codes existed hold text only: a sentence is shown as it is, a raw
    Python error as the generic sentence."""
    Photo.objects.filter(pk=photo.pk).update(status="failed", error="ValueError: height and width must be > 0")
    photo.refresh_from_db()
    assert photo.failure_message == "We could not analyse this photo."
    Photo.objects.filter(pk=photo.pk).update(error="Processing took longer than the limit of 300 seconds.")
    photo.refresh_from_db()
    assert photo.failure_message == "Processing took longer than the limit of 300 seconds."
