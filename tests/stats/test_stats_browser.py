"""Statistics and declutter in a real headless Chromium (``tests.browser``) against the live server,
at desktop (1280 px) and phone (390 px) width, with screenshots: the charts are drawn (a canvas with
coloured pixels), each has its table for screen readers, and two items are let go as donated from the
declutter page."""

from __future__ import annotations

import pytest

from tests.browser import log_in, shot, wait_for
from tests.factories import PASSWORD
from tests.stats.closet import small_closet
from wardrobe.closet.models import Garment

pytestmark = pytest.mark.browser

#: How many pixels of a canvas are not transparent (what Chart.js drew).
_DRAWN_PIXELS_JS = """
const c = document.getElementById(arguments[0]);
if (!c || !c.width || !c.height) return 0;
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
return n;
"""


def _console_errors(d) -> list[str]:
    """What the console reported as an error since the last call (a CSP violation, a script error)."""
    return [
        e["message"]
        for e in d.get_log("browser")
        if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]
    ]


def _no_horizontal_scroll(d) -> bool:
    return d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_statistics_and_declutter_at_desktop_and_phone_width(browser, live_server, settings):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"
    closet = small_closet("sora")
    d, url = browser, live_server.url
    log_in(d, url, "sora", PASSWORD)

    for width, name in ((1280, "desktop"), (390, "phone")):
        d.set_window_size(width, 900)
        d.get(url + "/stats/")
        wait_for(d, "#chart-sections")
        for key in ("sections", "categories", "colors", "seasons", "spending", "wears"):
            assert d.execute_script(_DRAWN_PIXELS_JS, f"chart-{key}") > 200, f"chart {key} is blank at {width} px"
            table = d.find_element(By.ID, f"table-{key}")
            assert table.find_element(By.TAG_NAME, "caption").get_attribute("textContent").strip()
            assert table.find_elements(By.CSS_SELECTOR, "tbody tr")
        # The tables are reachable: open one and read its figures.
        d.find_element(By.CSS_SELECTOR, "#table-sections").find_element(By.XPATH, "ancestor::details/summary").click()
        rows = {
            r.find_element(By.TAG_NAME, "th").text: r.find_element(By.TAG_NAME, "td").text
            for r in d.find_elements(By.CSS_SELECTOR, "#table-sections tbody tr")
        }
        assert rows == {"Tops": "1", "Bottoms": "1", "One-pieces": "1", "Shoes": "1"}
        assert "4" in d.find_element(By.ID, "stat-totals").text
        assert _no_horizontal_scroll(d), f"the statistics page scrolls sideways at {width} px"
        assert not _console_errors(d)
        shot(d, f"stats-{name}", width=width)

        d.get(url + "/declutter/?days=90")
        wait_for(d, "#unworn-list")
        assert _no_horizontal_scroll(d), f"the declutter page scrolls sideways at {width} px"
        assert not _console_errors(d)
        shot(d, f"declutter-{name}", width=width)

    # Let two items go as donated from the declutter page (phone width).
    d.set_window_size(390, 900)
    shoes, jeans = closet["shoes"], closet["jeans"]
    for g in (shoes, jeans):
        box = d.find_element(By.ID, f"unworn-{g.pk}")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
        assert box.is_selected()
    Select(d.find_element(By.ID, "id_reason")).select_by_value("donated")
    button = d.find_element(By.CSS_SELECTOR, "#declutter-archive button[type=submit]")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)  # below the sticky header
    button.click()
    wait_for(d, ".messages")
    assert "2 items let go" in d.find_element(By.CSS_SELECTOR, ".messages").text
    shot(d, "declutter-done-phone", width=390)
    for g in (shoes, jeans):
        g.refresh_from_db()
        assert (g.status, g.archive_reason) == (Garment.Status.ARCHIVED, "donated")
    assert not d.find_elements(By.ID, f"unworn-{shoes.pk}")
    closet["shirt"].refresh_from_db()
    assert closet["shirt"].status == Garment.Status.CLOSET
