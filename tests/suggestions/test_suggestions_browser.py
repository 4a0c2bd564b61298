"""Browser test of issue 18, point 7: a first visit to the suggestions page asks one question (the
city), then shows three outfits for a cold day with the "add a layer" note, none with sandals or
shorts; the occasion filter narrows them. Photographed at desktop and phone width."""

from __future__ import annotations

import pytest

from tests.browser import PASSWORD, shot, submit, wait_for, wait_for_url
from tests.conftest import FIXTURES, upload
from tests.factories import GarmentFactory
from tests.weather.stub import stubbed_weather

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_first_visit_city_then_suggestions_and_occasion(browser, live_server, settings, media_root, django_user_model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from wardrobe.closet import services

    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"
    user = django_user_model.objects.create_user(username="hana", password=PASSWORD)
    photos = {
        kind: services.photo_create(
            owner=user, uploaded_file=upload(f"{kind}.jpg", (FIXTURES / f"clothing_{kind}.jpg").read_bytes())
        )
        for kind in ("tshirt", "pants", "shoes")
    }
    for category, type_slug, photo in [
        ("top-t-shirt-sweatshirt", "t-shirt", "tshirt"),
        ("top-t-shirt-sweatshirt", "hoodie", "tshirt"),
        ("shirt-blouse", "shirt", "tshirt"),
        ("sweater", "sweater", "tshirt"),
        ("cardigan", "cardigan", "tshirt"),
        ("pants", "jeans", "pants"),
        ("pants", "pants", "pants"),
        ("shorts", "shorts", "pants"),
        ("shoe", "sandals", "shoes"),
        ("shoe", "sneakers", "shoes"),
        ("shoe", "boots", "shoes"),
        ("shoe", "loafers", "shoes"),
        ("jacket", "jacket", "tshirt"),
        ("jacket", "blazer", "tshirt"),
    ]:
        GarmentFactory(photo=photos[photo], category=category, type=type_slug)
    d, url = browser, live_server.url
    with stubbed_weather(settings, daily=[(-12.0, -4.0, 0.0, 0), (-10.0, -2.0, 0.0, 0)]):
        d.get(url + "/accounts/login/")
        d.find_element(By.NAME, "username").send_keys("hana")
        d.find_element(By.NAME, "password").send_keys(PASSWORD)
        submit(d, "main form")
        wait_for(d, "nav a[href='/outfits/suggestions/']").click()
        wait_for(d, "#first-visit-title")
        assert d.find_element(By.ID, "use-location").is_displayed()  # the browser offers geolocation
        shot(d, "suggestions-first-visit-phone", width=390)
        d.find_element(By.ID, "first-city").send_keys("Seoul")
        submit(d, "#place-form")
        wait_for(d, ".warmth-note")
        today = d.find_element(By.ID, "day-today")
        assert "Add a layer" in today.find_element(By.CSS_SELECTOR, ".warmth-note").text
        lines = [e.text for e in today.find_elements(By.CSS_SELECTOR, ".suggestion .explanation")]
        assert len(lines) == 3 and len(set(lines)) == 3, lines
        for line in lines:
            assert "sandals" not in line and "shorts" not in line, line
        shot(d, "suggestions-desktop")
        shot(d, "suggestions-phone", width=390)
        Select(d.find_element(By.ID, "occasion")).select_by_value("work")
        submit(d, "form.occasion-form")
        wait_for_url(d, "occasion=work")
        wait_for(d, "#day-today .suggestion")
        for line in [e.text for e in d.find_elements(By.CSS_SELECTOR, "#day-today .suggestion .explanation")]:
            assert "hoodie" not in line, line
