"""The wishlist (issue 18) in a real headless Chromium against the live server: add an item with a
real photo, see it listed with the most similar items already owned (the owner's grey t-shirt
first), its photo shown; at desktop and phone width (390 px), with screenshots."""

from __future__ import annotations

import pytest

from tests.browser import PASSWORD, log_in, shot, wait_for
from tests.conftest import REPO
from tests.factories import GarmentFactory, PhotoFactory, UserFactory
from wardrobe.wishlist.models import WishlistItem

pytestmark = pytest.mark.browser

TSHIRT = REPO / "tests" / "fixtures" / "clothing_tshirt.jpg"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_add_a_wishlist_item_with_a_photo_and_see_similar_owned_items(browser, live_server, media_root):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    user = UserFactory(username="wisher", password=PASSWORD)
    photo = PhotoFactory(owner=user)
    tee = GarmentFactory(
        photo=photo, name="My grey tee", category="top-t-shirt-sweatshirt", type="t-shirt", colors=("light grey",)
    )
    GarmentFactory(photo=photo, name="Red dress", category="dress", type=None, colors=("red",))
    d, url = browser, live_server.url
    log_in(d, url, "wisher")

    d.get(url + "/wishlist/")
    wait_for(d, "#wish-add[open] #id_name")  # an empty wishlist opens the form
    d.find_element(By.ID, "id_name").send_keys("Linen t-shirt")
    d.find_element(By.ID, "id_photo").send_keys(str(TSHIRT))
    Select(d.find_element(By.ID, "id_kind")).select_by_value("top-t-shirt-sweatshirt:t-shirt")
    d.find_element(By.ID, "id_link").send_keys("https://shop.example/linen-tee")
    d.find_element(By.ID, "id_price").send_keys("29.90")
    button = d.find_element(By.ID, "wish-save")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()

    card = wait_for(d, ".wish")
    item = WishlistItem.objects.get(owner=user)
    assert "Linen t-shirt" in card.text and "29.90" in card.text
    WebDriverWait(d, 20).until(
        lambda drv: drv.execute_script(
            "const i = document.querySelector('.wish-photo'); return i && i.complete && i.naturalWidth > 0"
        )
    )
    similar = [a.get_attribute("href") for a in card.find_elements(By.CSS_SELECTOR, ".similar-list a")]
    assert similar and similar[0].endswith(f"/garments/{tee.pk}/")
    assert item.colors and item.photo.name
    shot(d, "wishlist")
    d.set_window_size(390, 900)
    assert d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(d, "wishlist-phone", width=390)
