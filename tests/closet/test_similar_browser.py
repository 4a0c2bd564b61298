""" "You already own this" (issue 16) in a real headless Chromium (``tests.browser``) against the live
server and the real vision models: the same photo uploaded again is shown in the upload status and
the review queue with both pictures; "It's the same" adds the photo to the owned item (its page shows
it), "Keep both" keeps the new one; the item page lists similar items; "Do I own something like
this?" finds the owned item from a photo.

The worker's jobs run at once in the server's process (``fixhelpers.InlineQueue``); the path
through a real Celery worker is ``tests/workers/test_similar_e2e.py``.
"""

from __future__ import annotations

import pytest

from tests.browser import PASSWORD, log_in, shot, wait_for
from tests.closet.fixhelpers import InlineQueue
from tests.conftest import REPO, upload
from tests.factories import UserFactory, fixture_jpeg
from wardrobe.closet import services
from wardrobe.closet.models import Garment, GarmentPhoto, MatchRequest, Photo

pytestmark = [pytest.mark.browser, pytest.mark.vision]

TSHIRT = REPO / "tests" / "fixtures" / "clothing_tshirt.jpg"


def _processed(owner, name: str) -> list[Garment]:
    from workers.runtime import get_pipeline

    photo = services.photo_create(owner=owner, uploaded_file=upload(name, fixture_jpeg(name)))
    assert services.process_photo(photo.pk, get_pipeline()).status == Photo.Status.DONE
    return list(Garment.objects.filter(photo=photo).order_by("pk"))


def _images_loaded(d, css: str) -> bool:
    return d.execute_script(
        "const imgs = document.querySelectorAll(arguments[0]);"
        "return imgs.length > 0 && Array.from(imgs).every(i => i.complete && i.naturalWidth > 0);",
        css,
    )


def _click(d, css: str) -> None:
    element = d.find_element("css selector", css)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_you_already_own_this_similar_items_and_a_match_in_the_browser(browser, live_server, media_root, settings):
    from selenium.webdriver.support.ui import WebDriverWait

    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.InlineQueue"
    InlineQueue.photos, InlineQueue.boxes, InlineQueue.matches = [], [], []
    user = UserFactory(username="owner", password=PASSWORD)
    (owned,) = _processed(user, "clothing_tshirt.jpg")
    owned = services.garment_confirm(garment=owned)
    for g in _processed(user, "clothing_pants.jpg"):
        services.garment_confirm(garment=g)
    (same,) = _processed(user, "clothing_tshirt.jpg")
    (both,) = _processed(user, "clothing_tshirt.jpg")
    assert same.duplicate_of_id == owned.pk and both.duplicate_of_id == owned.pk

    d, url = browser, live_server.url
    log_in(d, url, "owner")

    # The upload status says so, with both pictures.
    d.get(url + "/upload/")
    d.find_element("css selector", "input[name=images]").send_keys(str(TSHIRT))
    wait_for(d, ".upload-item.done .upload-duplicates", timeout=120)
    WebDriverWait(d, 20).until(lambda d: _images_loaded(d, ".upload-duplicates img"))
    assert len(d.find_elements("css selector", ".upload-duplicates img")) == 2
    shot(d, "en-upload-duplicate")
    uploaded = Garment.objects.filter(photo__owner=user).exclude(pk__in=[owned.pk, same.pk, both.pk])
    uploaded = uploaded.exclude(category=owned.category, status=Garment.Status.CLOSET).filter(duplicate_of=owned)
    assert uploaded.count() == 1

    # The review queue: both pictures; "It's the same" adds the photo to the owned item.
    d.get(url + "/review/")
    notice = wait_for(d, f"#duplicate-{same.pk}")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", notice)  # its pictures load lazily
    WebDriverWait(d, 20).until(lambda d: _images_loaded(d, f"#duplicate-{same.pk} img"))
    assert len(d.find_elements("css selector", f"#duplicate-{same.pk} .duplicate-pair img")) == 2
    shot(d, "en-review-duplicate")
    _click(d, f"#duplicate-{same.pk} [data-duplicate=same]")
    WebDriverWait(d, 20).until(lambda d: not Garment.objects.filter(pk=same.pk).exists())
    wait_for(d, f"#duplicate-{both.pk}")  # back on the queue
    assert not d.find_elements("css selector", f"#review-{same.pk}")
    assert GarmentPhoto.objects.filter(garment=owned, photo_id=same.photo_id).exists()

    # "Keep both": the new garment stays, no longer marked.
    _click(d, f"#duplicate-{both.pk} [data-duplicate=both]")
    WebDriverWait(d, 20).until(lambda d: Garment.objects.get(pk=both.pk).duplicate_of_id is None)
    wait_for(d, f"#review-{both.pk}")
    assert not d.find_elements("css selector", f"#duplicate-{both.pk}")

    # The item page: its other photo, and similar items of the closet.
    d.get(f"{url}/garments/{owned.pk}/")
    wait_for(d, "#extra-photos svg")
    d.execute_script("arguments[0].scrollIntoView()", wait_for(d, "#similar-items .similar-list li"))
    WebDriverWait(d, 20).until(lambda d: _images_loaded(d, "#similar-items img"))
    shown = [int(li.get_attribute("data-garment")) for li in d.find_elements("css selector", "#similar-items li")]
    assert shown and owned.pk not in shown and len(shown) <= 6
    assert set(shown) <= set(Garment.objects.filter(owner=user, status="closet").values_list("pk", flat=True))
    shot(d, "en-item-similar")

    # "Do I own something like this?": a photo of the T-shirt finds it first; nothing is kept.
    d.get(url + "/closet/")
    _click(d, "#match-link")
    wait_for(d, "#match-form")
    d.find_element("id", "id_image").send_keys(str(TSHIRT))
    _click(d, "#match-submit")
    wait_for(d, "#match-results li", timeout=120)
    first = d.find_elements("css selector", "#match-results li")[0]
    assert int(first.get_attribute("data-garment")) == owned.pk
    assert not MatchRequest.objects.exists() and not list((media_root / "matches").rglob("*.*"))
    assert InlineQueue.matches
    shot(d, "en-match")
