"""Browser test of the quicker review (issue 14, part 5): a real headless Chromium (Selenium) against the
live Django server. The queue is made from the real fixture photos through the factories (no worker,
no model: the garments and their guesses are set, so the test knows what to expect).

A person reviews three photos' garments on one page without it ever reloading (a marker set on the
page's ``window`` survives every decision): confirms one as guessed, finds "Sneakers" for another in
the searchable picker, gets a clear message for a word the picker does not know, deletes a false
detection, confirms a whole photo, then accepts what is left. Each garment's box is shown over its
photo where the box is, thumbnails are at least 160 px wide (review page and closet), the picker
speaks Korean and finds "jeans" in either language, and the upload page shows the chosen photos.
"""

from __future__ import annotations

import pytest

from tests.browser import log_in, shot, wait_for
from tests.conftest import fixture_photos
from tests.factories import PASSWORD, GarmentFactory, PhotoFactory, UserFactory, fixture_jpeg
from wardrobe.closet.models import Garment

pytestmark = [pytest.mark.browser]

REVIEW = Garment.Status.REVIEW


def _garment(photo, category, type, guesses):
    garment = GarmentFactory(photo=photo, category=category, type=type, status=REVIEW)
    Garment.objects.filter(pk=garment.pk).update(guesses=guesses)
    return garment


def _kind(garment):
    g = Garment.objects.filter(pk=garment.pk).select_related("category", "type").first()
    return None if g is None else (g.status, g.category.slug, g.type.slug if g.type_id else None)


def _guess(category, type, score):
    return {"category": category, "type": type, "score": score}


def _reviewed(d, garment, timeout=20):
    """Wait until the garment's card is marked done; returns its state (confirmed / deleted)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(d, timeout).until(
        lambda d: "reviewed" in d.find_element("id", f"review-{garment.pk}").get_attribute("class")
    )
    return d.find_element("id", f"review-{garment.pk}").get_attribute("data-state")


def _pick(d, garment, text, choice):
    """Type ``text`` in the card's picker and click the suggestion reading ``choice``."""
    from selenium.webdriver.common.by import By

    box = d.find_element(By.ID, f"other-{garment.pk}")
    box.clear()
    box.send_keys(text)
    wait_for(d, f"#other-{garment.pk}-list li")
    items = d.find_elements(By.CSS_SELECTOR, f"#other-{garment.pk}-list li")
    labels = [li.text for li in items]
    assert choice in labels, labels
    items[labels.index(choice)].click()
    assert box.get_attribute("value") == choice
    assert d.find_element(By.CSS_SELECTOR, f"#review-{garment.pk} input[value=other]").is_selected()


def _click(d, css: str) -> None:
    """Click an element in the middle of the window (the sticky top bar covers the top of the page)."""
    element = d.find_element("css selector", css)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _content_width(d, element) -> float:
    """The width of an element's picture (its box without padding and border), CSS pixels."""
    return d.execute_script(
        "const s = getComputedStyle(arguments[0]), r = arguments[0].getBoundingClientRect();"
        "return r.width - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)"
        " - parseFloat(s.borderLeftWidth) - parseFloat(s.borderRightWidth);",
        element,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_queue_of_several_photos_is_reviewed_on_one_page(browser, live_server, settings):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from accounts import services as account_services

    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"  # nothing goes to a broker
    user = UserFactory(username="mina")
    shoes = PhotoFactory(owner=user, image=fixture_jpeg("clothing_shoes.jpg"), name="shoes.jpg")
    pants = PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg"), name="pants.jpg")
    tshirt = PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg"), name="tshirt.jpg")
    as_guessed = _garment(shoes, "shoe", "shoes", [_guess("shoe", "shoes", 0.6), _guess("bag-wallet", "bag", 0.2)])
    picked = _garment(shoes, "shoe", "shoes", [_guess("shoe", "shoes", 0.5), _guess("shoe", "boots", 0.3)])
    false_hit = _garment(pants, "hat", "hat", [_guess("hat", "hat", 0.4)])
    left = _garment(pants, "pants", "jeans", [_guess("pants", "jeans", 0.45)])
    whole = [_garment(tshirt, "top-t-shirt-sweatshirt", "t-shirt", [_guess("top-t-shirt-sweatshirt", "t-shirt", 0.5)])]
    whole.append(_garment(tshirt, "pants", None, [_guess("shorts", None, 0.4), _guess("pants", "jeans", 0.3)]))

    d = browser
    url = live_server.url
    log_in(d, url, "mina", PASSWORD)

    # The queue: every garment, grouped by photo, each with its box on its photo.
    d.get(url + "/review/")
    wait_for(d, ".review-card .card-actions")  # the script has set the page up
    d.execute_script("window.__marker = 1")
    assert len(d.find_elements(By.CSS_SELECTOR, ".review-group")) == 3
    assert len(d.find_elements(By.CSS_SELECTOR, ".review-card")) == 6
    assert d.find_element(By.CSS_SELECTOR, "nav .badge").text == "6"
    assert not any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, ".choice.reject"))  # a button now
    WebDriverWait(d, 20).until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('.review-card img')).every(i => i.complete && i.naturalWidth)"
        )
    )
    for g in [as_guessed, picked, false_hit, left, *whole]:
        card = d.find_element(By.ID, f"review-{g.pk}")
        thumb = card.find_element(By.CSS_SELECTOR, ".review-pics .thumb")
        photo = card.find_element(By.CSS_SELECTOR, ".spot img")
        box = card.find_element(By.CSS_SELECTOR, ".spot-box")
        assert box.is_displayed() and _content_width(d, thumb) >= 160 and photo.rect["width"] >= 160
        scale = photo.rect["width"] / g.photo.width
        assert abs(box.rect["x"] - (photo.rect["x"] + g.x0 * scale)) <= 2
        assert abs(box.rect["y"] - (photo.rect["y"] + g.y0 * scale)) <= 2
        assert abs(box.rect["width"] - g.box_width * scale) <= 2
        assert abs(box.rect["height"] - g.box_height * scale) <= 2
    labels = [e.text for e in d.find_elements(By.CSS_SELECTOR, f"#review-{as_guessed.pk} .choice .kind")]
    assert labels == ["Shoes", "Bag / wallet · Bag"]  # never "Shoes · Shoe"
    shot(d, "en-review-live")

    # 1. Confirm as guessed.
    d.find_element(By.CSS_SELECTOR, f"#review-{as_guessed.pk} [data-action=confirm]").click()
    assert _reviewed(d, as_guessed) == "confirmed"
    assert _kind(as_guessed) == ("closet", "shoe", "shoes")
    assert d.find_element(By.CSS_SELECTOR, "nav .badge").text == "5"

    # 2. Something else, found by typing part of its name.
    _pick(d, picked, "sneak", "Shoe · Sneakers")
    d.find_element(By.CSS_SELECTOR, f"#review-{picked.pk} [data-action=confirm]").click()
    assert _reviewed(d, picked) == "confirmed"
    assert _kind(picked) == ("closet", "shoe", "sneakers")
    assert "Shoe · Sneakers" in d.find_element(By.CSS_SELECTOR, f"#review-{picked.pk} .card-msg").text
    assert d.find_element(By.CSS_SELECTOR, f".review-group[data-photo='{shoes.pk}'] .group-done").is_displayed()

    # 3. A word the picker does not know: a clear message, nothing saved; then delete the false detection.
    box = d.find_element(By.ID, f"other-{false_hit.pk}")
    box.send_keys("xyzzy")
    assert not d.find_elements(By.CSS_SELECTOR, f"#other-{false_hit.pk}-list li")
    d.find_element(By.CSS_SELECTOR, f"#review-{false_hit.pk} [data-action=confirm]").click()
    message = wait_for(d, f"#review-{false_hit.pk} .card-msg.error").text
    assert "“xyzzy” is not a category or type we know" in message
    assert _kind(false_hit) == (REVIEW, "hat", "hat")
    d.find_element(By.CSS_SELECTOR, f"#review-{false_hit.pk} [data-action=delete]").click()
    assert _reviewed(d, false_hit) == "deleted"
    assert _kind(false_hit) is None

    # 4. Confirm a whole photo, each card as chosen (its best guess).
    _click(d, f".review-group[data-photo='{tshirt.pk}'] .review-form > button[type=submit]")
    assert [_reviewed(d, g) for g in whole] == ["confirmed", "confirmed"]
    assert [_kind(g) for g in whole] == [("closet", "top-t-shirt-sweatshirt", "t-shirt"), ("closet", "shorts", None)]

    # 5. Accept what is left; the page says the queue is empty.
    _click(d, "#confirm-all")
    d.switch_to.alert.accept()
    assert _reviewed(d, left) == "confirmed"
    assert _kind(left) == ("closet", "pants", "jeans")
    wait_for(d, "[data-queue-empty]")
    assert not d.find_element(By.CSS_SELECTOR, "nav .badge").is_displayed()
    assert d.execute_script("return window.__marker") == 1, "the page was reloaded"
    assert not Garment.objects.filter(owner=user, status=REVIEW).exists()
    shot(d, "en-review-live-done")

    # The closet's thumbnails are at least 160 px wide, on a wide screen and on a phone.
    for width in (1280, 390):
        d.set_window_size(width, 900)
        d.get(url + "/closet/")
        tiles = d.find_elements(By.CSS_SELECTOR, ".grid .tile img")
        assert len(tiles) == 5
        assert min(_content_width(d, t) for t in tiles) >= 160, width
    d.set_window_size(1280, 900)

    # In Korean the picker shows Korean names and finds "jeans" typed in English too.
    Garment.objects.filter(pk=left.pk).update(status=REVIEW)
    account_services.profile_update(user=user, language="ko")
    d.get(url + "/review/")
    wait_for(d, ".review-card .card-actions")
    _pick(d, left, "jeans", "바지 · 청바지")
    _pick(d, left, "청바", "바지 · 청바지")
    d.find_element(By.CSS_SELECTOR, f"#review-{left.pk} [data-action=confirm]").click()
    assert _reviewed(d, left) == "confirmed"
    assert "옷장에 넣었어요" in d.find_element(By.CSS_SELECTOR, f"#review-{left.pk} .card-msg").text
    assert _kind(left) == ("closet", "pants", "jeans")
    shot(d, "ko-review-live")
    account_services.profile_update(user=user, language="en")

    # The upload page: the chosen photos show as thumbnails; the latest uploads are listed.
    d.get(url + "/upload/")
    assert len(d.find_elements(By.CSS_SELECTOR, ".recent-grid img")) == 3
    chosen = fixture_photos()[:2]
    d.find_element(By.ID, "id_images").send_keys("\n".join(str(p) for p in chosen))
    WebDriverWait(d, 20).until(
        lambda d: d.execute_script(
            "const t = document.querySelectorAll('.upload-list li img.thumb');"
            "return t.length === 2 && Array.from(t).every(i => i.complete && i.naturalWidth > 0)"
        )
    )
    assert all(
        i.get_attribute("src").startswith("blob:") for i in d.find_elements(By.CSS_SELECTOR, ".upload-list img.thumb")
    )
    shot(d, "en-upload-thumbnails")
    WebDriverWait(d, 30).until(  # both uploads answered before the test ends
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".upload-list li.pending, .upload-list li.done")) == 2
    )
