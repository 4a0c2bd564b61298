"""Browser tests: a real headless Chromium (Debian's ``chromium`` + ``chromedriver``, driven by Selenium)
against the live Django server, with a real Celery worker, Redis, PostgreSQL and the real vision models.

A user signs up, bulk-uploads the real fixture photos, watches them become garments, reviews them,
edits one, marks items worn, and switches to Korean. Screenshots of the main pages, in both
languages and at phone width, are saved under ``artifacts/screenshots/`` (``SCREENSHOT_DIR``), which
git ignores.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.browser import PASSWORD, TIMEOUT_S, log_in, shot, submit, wait_for
from tests.conftest import fixture_photos, running_worker
from wardrobe.closet.models import Garment, Photo

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_builds_a_closet_in_the_browser(
    browser, live_server, settings, media_root, tmp_path, django_user_model
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    photos = fixture_photos()
    assert len(photos) >= 4, "tests/fixtures must hold real photos"
    d = browser
    url = live_server.url

    with running_worker(settings, media_root, tmp_path / "worker.log") as (worker, log_path):
        # 1. Sign up: lands on the upload page.
        d.get(url + "/accounts/signup/")
        shot(d, "en-signup")
        d.find_element(By.NAME, "username").send_keys("maria")
        d.find_element(By.NAME, "password1").send_keys(PASSWORD)
        d.find_element(By.NAME, "password2").send_keys(PASSWORD)
        submit(d, "main form")
        wait_for(d, "[data-uploader]")
        user = django_user_model.objects.get(username="maria")

        # 2. Bulk upload every fixture photo in one go, through the page's own uploader.
        d.find_element(By.ID, "id_images").send_keys("\n".join(str(p) for p in photos))
        wait_for(d, ".upload-list li")
        rows = d.find_elements(By.CSS_SELECTOR, ".upload-list li")
        assert len(rows) == len(photos)
        assert all(r.find_element(By.TAG_NAME, "progress") for r in rows)
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if d.find_elements(By.CSS_SELECTOR, "#go-review, #go-closet"):
                break
            assert worker.poll() is None, "worker died:\n" + log_path.read_text()[-4000:]
            time.sleep(1)
        else:
            pytest.fail(
                "the upload page never showed every photo analysed:\n"
                + d.find_element(By.CSS_SELECTOR, ".progress-area").text
                + "\n"
                + log_path.read_text()[-3000:]
            )
        shot(d, "en-upload-done")
        states = [r.get_attribute("class") for r in d.find_elements(By.CSS_SELECTOR, ".upload-list li")]
        assert all("done" in s for s in states), states
        assert Photo.objects.filter(owner=user, status=Photo.Status.DONE).count() == len(photos)
        garments = Garment.objects.filter(owner=user)
        assert garments.count() >= len(photos)

    # 3. The review queue: the count in the navigation, every waiting garment with its guesses.
    queued = list(Garment.objects.filter(owner=user, status=Garment.Status.REVIEW).order_by("pk"))
    if len(queued) < 2:  # make sure there is something to review whatever the model's confidence
        Garment.objects.filter(owner=user).update(status=Garment.Status.REVIEW)
        queued = list(Garment.objects.filter(owner=user, status=Garment.Status.REVIEW).order_by("pk"))
    d.get(url + "/review/")
    badge = d.find_element(By.CSS_SELECTOR, "nav .badge")
    assert badge.text == str(len(queued))
    assert len(d.find_elements(By.CSS_SELECTOR, ".review-card")) == len(queued)
    shot(d, "en-review")

    # Pick the second guess for the first garment of the first photo, delete another if there is one:
    # each decision is saved as it is made, and its card is marked done (the page is not reloaded).
    group = d.find_elements(By.CSS_SELECTOR, ".review-group")[0]
    cards = group.find_elements(By.CSS_SELECTOR, ".review-card")
    first_id = int(cards[0].get_attribute("id").split("-")[1])
    first = Garment.objects.get(pk=first_id)
    second_guess = first.guesses[1]
    cards[0].find_elements(By.CSS_SELECTOR, "input[type=radio]")[1].click()
    cards[0].find_element(By.CSS_SELECTOR, "[data-action=confirm]").click()
    wait_for(d, f"#review-{first_id}.reviewed")
    rejected_id = None
    if len(cards) > 1:
        rejected_id = int(cards[1].get_attribute("id").split("-")[1])
        cards[1].find_element(By.CSS_SELECTOR, "[data-action=delete]").click()
        wait_for(d, f"#review-{rejected_id}.reviewed")
    first.refresh_from_db()
    assert first.status == Garment.Status.CLOSET
    assert (first.category.slug, first.type.slug if first.type else None) == (
        second_guess["category"],
        second_guess["type"],
    )
    if rejected_id:
        assert not Garment.objects.filter(pk=rejected_id).exists()

    # Accept the rest as guessed (one click, confirmed in a dialog); the page says the queue is empty.
    if d.find_element(By.ID, "confirm-all").is_displayed():
        d.execute_script("window.scrollTo(0, 0)")
        d.find_element(By.ID, "confirm-all").click()
        d.switch_to.alert.accept()
    wait_for(d, "[data-queue-empty]")
    assert not Garment.objects.filter(owner=user, status=Garment.Status.REVIEW).exists()
    assert not d.find_element(By.CSS_SELECTOR, "nav .badge").is_displayed()

    # 4. The closet: tick two items and mark them worn today.
    d.get(url + "/closet/")
    tiles = d.find_elements(By.CSS_SELECTOR, ".grid .tile")
    in_closet = Garment.objects.filter(owner=user, status=Garment.Status.CLOSET).count()
    assert len(tiles) == in_closet >= 3
    shot(d, "en-closet")
    picked = [int(t.find_element(By.CSS_SELECTOR, "input.pick").get_attribute("value")) for t in tiles[:2]]
    for t in tiles[:2]:
        t.find_element(By.CSS_SELECTOR, "input.pick").click()
    d.find_element(By.CSS_SELECTOR, "#bulk-form button[value=wear]").click()
    wait_for(d, ".messages")
    assert sorted(Garment.objects.filter(pk__in=picked).values_list("wear_count", flat=True)) == [1, 1]

    # 5. Edit a third item: name, brand, price, season; then worn today from its page.
    item = Garment.objects.filter(owner=user, status=Garment.Status.CLOSET).exclude(pk__in=picked).first()
    kind_before = (item.category_id, item.type_id)
    d.get(f"{url}/garments/{item.pk}/")
    d.find_element(By.ID, "id_name").send_keys("Everyday favourite")
    d.find_element(By.ID, "id_brand").send_keys("Uniqlo")
    d.find_element(By.ID, "id_price").send_keys("39.90")
    Select(d.find_element(By.ID, "id_currency")).select_by_value("EUR")
    d.find_element(By.CSS_SELECTOR, "input[name=seasons][value=autumn]").click()
    d.find_element(By.ID, "save-details").click()
    wait_for(d, ".messages")
    d.find_element(By.ID, "worn-today").click()
    wait_for(d, ".messages")
    item.refresh_from_db()
    assert (item.name, item.brand, item.price, item.currency) == (
        "Everyday favourite",
        "Uniqlo",
        Decimal("39.90"),
        "EUR",
    )
    assert item.season_list == ["autumn"] and item.wear_count == 1
    assert (item.category_id, item.type_id) == kind_before  # untouched fields keep their values
    assert "39.90 EUR" in d.find_element(By.CSS_SELECTOR, ".wear-stats").text  # cost per wear after one wear
    shot(d, "en-item")

    # Search by brand finds exactly that item.
    d.get(url + "/closet/?q=uniqlo")
    assert [
        t.find_element(By.CSS_SELECTOR, "input.pick").get_attribute("value")
        for t in d.find_elements(By.CSS_SELECTOR, ".grid .tile")
    ] == [str(item.pk)]

    # 6. Switch to Korean with the header's switcher; the choice is remembered across logins.
    # (Two garments go back to the queue first, so that the Korean review page has something to show.)
    requeue = list(
        Garment.objects.filter(owner=user, status=Garment.Status.CLOSET)
        .exclude(pk__in=picked + [item.pk])
        .values_list("pk", flat=True)[:2]
    )
    Garment.objects.filter(pk__in=requeue).update(status=Garment.Status.REVIEW)
    d.get(url + "/closet/")
    Select(d.find_element(By.ID, "language-select")).select_by_value("ko")
    wait_for(d, "html[lang=ko]")
    assert "옷장" in d.find_element(By.CSS_SELECTOR, "nav").text
    assert d.find_element(By.CSS_SELECTOR, "nav .badge").text == str(len(requeue))
    assert d.find_element(By.CSS_SELECTOR, ".sidebar").text != ""
    user.profile.refresh_from_db()
    assert user.profile.language == "ko"
    shot(d, "ko-closet")
    for path, name in (
        (f"/garments/{item.pk}/", "ko-item"),
        ("/upload/", "ko-upload"),
        ("/review/", "ko-review"),
        (f"/photos/{item.photo_id}/", "ko-photo"),
        ("/accounts/settings/", "ko-settings"),
    ):
        d.get(url + path)
        assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
        shot(d, name)
    d.get(f"{url}/closet/?sort=most-worn")
    shot(d, "ko-closet-phone", width=390)

    d.delete_all_cookies()  # a new browser: log in again, the language follows the account
    d.get(url + "/accounts/login/")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    d.find_element(By.NAME, "username").send_keys("maria")
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(d, "main form")
    wait_for(d, "html[lang=ko]")
    d.get(url + "/photos/")
    shot(d, "ko-photos")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_uploader_waits_out_the_upload_throttle(browser, live_server, media_root, django_user_model, monkeypatch):
    """Dropping more photos than ``THROTTLE_UPLOAD_RATE`` allows: the page waits as long as the 429's
    ``Retry-After`` says and sends them again, so every photo arrives."""
    import redis
    from rest_framework.throttling import SimpleRateThrottle
    from selenium.webdriver.common.by import By

    from workers.celery import app

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "upload", "2/sec")
    refused = []
    original = SimpleRateThrottle.throttle_failure
    monkeypatch.setattr(
        SimpleRateThrottle, "throttle_failure", lambda self: refused.append(self.scope) or original(self)
    )
    django_user_model.objects.create_user(username="noor", password=PASSWORD)
    photos = fixture_photos()[:5]
    d = browser
    log_in(d, live_server.url, "noor")
    d.get(live_server.url + "/upload/")
    wait_for(d, "[data-uploader]")
    d.find_element(By.ID, "id_images").send_keys("\n".join(str(p) for p in photos))

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = [r.get_attribute("class") for r in d.find_elements(By.CSS_SELECTOR, ".upload-list li")]
        if len(states) == len(photos) and all("pending" in s or "done" in s for s in states):
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"not every photo was uploaded: {states}")
    redis.Redis.from_url(app.conf.broker_url).flushdb()  # no worker here: drop the queued tasks
    assert "upload" in refused, "the throttle never refused an upload: the test proves nothing"
    assert Photo.objects.filter(owner__username="noor").count() == len(photos)
