"""Tags and bulk edit (issue 18) in a real headless Chromium (``tests.browser``) against the live
server: tag an item on its page and filter the closet by the tag; tick three items in the closet and
bulk-set a season and archive them; the tags page renames a tag; at desktop and phone width
(390 px), with screenshots under ``artifacts/screenshots/``."""

from __future__ import annotations

import pytest

from tests.browser import PASSWORD, log_in, shot, wait_for
from tests.factories import GarmentFactory, PhotoFactory, UserFactory
from wardrobe.closet.models import Garment, Tag

pytestmark = pytest.mark.browser

PHONE = 390


def _click(d, css: str) -> None:
    element = d.find_element("css selector", css)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _fits(d) -> bool:
    """Nothing wider than the window (no sideways scrolling)."""
    return d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_tag_an_item_and_filter_the_closet_by_it(browser, live_server, media_root):
    from selenium.webdriver.common.by import By

    user = UserFactory(username="tagger", password=PASSWORD)
    photo = PhotoFactory(owner=user)
    shirt = GarmentFactory(photo=photo, name="Blue oxford")
    jeans = GarmentFactory(photo=photo, category="pants", type="jeans", name="Old jeans")
    d, url = browser, live_server.url
    log_in(d, url, "tagger")

    d.get(f"{url}/garments/{shirt.pk}/")
    field = wait_for(d, "#id_tags")
    field.clear()
    field.send_keys("Work, summer trip")
    _click(d, "#save-details")
    wait_for(d, ".tag-list .tag")
    assert {t.text for t in d.find_elements(By.CSS_SELECTOR, ".tag-list .tag")} == {"summer trip", "Work"}
    assert sorted(Tag.objects.filter(owner=user).values_list("name", flat=True)) == ["Work", "summer trip"]

    # The closet's tag filter shows only the tagged item.
    d.get(url + "/closet/")
    from selenium.webdriver.support.ui import Select, WebDriverWait

    Select(wait_for(d, "#f-tag")).select_by_visible_text("Work")
    WebDriverWait(d, 20).until(lambda drv: "tag=Work" in drv.current_url)
    wait_for(d, ".grid .tile")
    hrefs = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, ".grid .tile > a")]
    assert any(h.endswith(f"/garments/{shirt.pk}/") for h in hrefs)
    assert not any(h.endswith(f"/garments/{jeans.pk}/") for h in hrefs)
    shot(d, "tags-closet-filtered")
    d.set_window_size(PHONE, 900)
    assert _fits(d)
    shot(d, "tags-closet-filtered-phone", width=PHONE)

    # The tags page renames it; the item keeps it.
    d.get(url + "/closet/tags/")
    tag = Tag.objects.get(owner=user, name="Work")
    box = wait_for(d, f"#rename-{tag.pk}")
    box.clear()
    box.send_keys("Office")
    _click(d, f"#tag-{tag.pk} .tag-rename button")
    WebDriverWait(d, 20).until(lambda drv: Tag.objects.filter(pk=tag.pk, name="Office").exists())
    assert list(shirt.tags.values_list("name", flat=True)).count("Office") == 1
    d.set_window_size(PHONE, 900)
    d.get(url + "/closet/tags/")
    wait_for(d, ".tag-row")
    assert _fits(d)
    shot(d, "tags-page-phone", width=PHONE)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [1280, PHONE])
def test_select_three_items_and_bulk_set_a_season_and_archive(browser, live_server, media_root, width):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    user = UserFactory(username=f"bulk{width}", password=PASSWORD)
    photo = PhotoFactory(owner=user)
    garments = [GarmentFactory(photo=photo, name=f"Item {i}") for i in range(4)]
    picked, kept = garments[:3], garments[3]
    d, url = browser, live_server.url
    log_in(d, url, user.username)
    d.set_window_size(width, 900)
    d.get(url + "/closet/")
    wait_for(d, "#bulk-form")
    assert d.find_element("css selector", "#bulk-edit-apply").get_attribute("disabled") is not None
    for g in picked:
        _click(d, f"#pick-{g.pk}")
    WebDriverWait(d, 10).until(lambda drv: drv.find_element("css selector", "#selected-count").text.startswith("3"))
    _click(d, "#bulk-edit > summary")
    _click(d, "#bulk-edit input[name=seasons][value=winter]")
    assert d.find_element("css selector", "#be-set-seasons").is_selected()  # ticked by the season
    Select(d.find_element("css selector", "#be-archive")).select_by_value("donated")
    shot(d, f"bulk-edit-{width}", width=width)
    assert _fits(d)
    _click(d, "#bulk-edit-apply")
    WebDriverWait(d, 20).until(lambda drv: "3 items updated." in drv.page_source)
    for g in picked:
        g.refresh_from_db()
        assert g.status == Garment.Status.ARCHIVED and g.archive_reason == "donated"
        assert g.season_list == ["winter"]
    kept.refresh_from_db()
    assert kept.status == Garment.Status.CLOSET and kept.season_list == []
    # They left the closet view; the one not ticked is still there.
    tiles = [a.get_attribute("href") for a in d.find_elements("css selector", ".grid .tile > a")]
    assert [h for h in tiles if h.endswith(f"/garments/{kept.pk}/")] and len(tiles) == 1
