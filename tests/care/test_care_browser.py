"""Care labels in a real headless Chromium (``tests.browser``) against the live server: from the item
page, add a photo of the label, see the fields read, correct one, confirm, and see them on the item
page. Real Tesseract on a rendered label (``bench.care_label_set``, development seed 0)."""

from __future__ import annotations

import shutil

import pytest

from tests.browser import log_in, shot, submit, wait_for
from tests.care.helpers import label_jpeg
from tests.factories import PASSWORD, GarmentFactory, PhotoFactory, UserFactory, fixture_jpeg
from wardrobe.closet.models import Garment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="apt-get install tesseract-ocr tesseract-ocr-kor"),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_add_a_label_photo_on_the_item_page_and_confirm(browser, live_server, settings, tmp_path):
    from selenium.webdriver.common.by import By

    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"
    user = UserFactory(username="yuna")
    garment = GarmentFactory(photo=PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg")))
    label = tmp_path / "label.jpg"
    label.write_bytes(label_jpeg(0))

    d, url = browser, live_server.url
    log_in(d, url, "yuna", PASSWORD)

    d.get(f"{url}/garments/{garment.pk}/")
    wait_for(d, "#read-care-label").click()
    wait_for(d, "#label-photo-form")
    d.find_element(By.ID, "id_image").send_keys(str(label))
    submit(d, "#label-photo-form")
    wait_for(d, "#label-fields-form", timeout=60)
    shot(d, "care-label-read")
    assert d.find_element(By.ID, "id_composition").get_attribute("value") == "acrylic 55%, polyester 45%"
    assert d.find_element(By.ID, "id_country").get_attribute("value") == "South Korea"
    assert "TUMBLE DRY LOW" in d.find_element(By.ID, "id_care").get_attribute("value")
    size = d.find_element(By.ID, "id_size")
    size.clear()
    size.send_keys("105")  # the person corrects what was read
    submit(d, "#label-fields-form")

    wait_for(d, "#save-details")  # back on the item page
    assert d.current_url.rstrip("/").endswith(f"/garments/{garment.pk}")
    assert d.find_element(By.ID, "id_material").get_attribute("value") == "acrylic 55%, polyester 45%"
    assert d.find_element(By.ID, "id_size").get_attribute("value") == "105"
    assert "Made in: South Korea" in d.find_element(By.ID, "id_notes").get_attribute("value")
    assert "saved" in d.find_element(By.CSS_SELECTOR, ".messages").text
    shot(d, "care-label-saved")
    g = Garment.objects.get(pk=garment.pk)
    assert (g.material, g.size) == ("acrylic 55%, polyester 45%", "105")
