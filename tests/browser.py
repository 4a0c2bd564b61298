"""Browser tests' tools: a headless Chromium (Debian's ``chromium`` + ``chromedriver``, driven by
Selenium), full-page screenshots under ``artifacts/screenshots/`` (``SCREENSHOT_DIR``), waiting and
submitting."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", REPO / "artifacts" / "screenshots"))
TIMEOUT_S = float(os.environ.get("E2E_TIMEOUT_S", "240"))
PASSWORD = "a long closet passphrase 7"


def start_browser():
    """A headless Chromium driven by Selenium (the ``browser`` fixture of tests/conftest.py); the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            f"Chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are needed: "
            "apt-get install chromium chromium-driver (bash .ci/run does it)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=en-US",
        "--disable-gpu",
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    # The console, CSP violations included, for driver.get_log("browser") (tests/core/test_csp_browser.py).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return driver


def shot(driver, name: str, width: int = 1280) -> Path:
    """A full-page PNG of the current page at ``width`` CSS pixels."""
    driver.set_window_size(width, 900)
    driver.execute_script("window.scrollTo(0, 0)")
    for _ in range(3):  # the page may grow with the window (heights in vh): until it fits
        height, inner, outer = driver.execute_script(
            "return [Math.max(document.documentElement.scrollHeight, document.body.scrollHeight, 700),"
            " window.innerHeight, window.outerHeight]"
        )
        target = min(int(height) + int(outer - inner), 4000)  # the window holds the page and its frame
        if inner >= height or target == outer:
            break
        driver.set_window_size(width, target)
    deadline = time.monotonic() + 10  # every picture in view has loaded (or failed)
    while time.monotonic() < deadline and not driver.execute_script(
        "return Array.from(document.images).every(i => i.complete)"
    ):
        time.sleep(0.2)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    return path


def wait_for(driver, css: str, timeout: float = 20):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_url(driver, fragment: str, timeout: float = 20) -> str:
    """Wait until the page's address contains ``fragment`` (a form sent by GET has loaded its answer:
    waiting for an element the old page also held would race the navigation). Returns the address."""
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(EC.url_contains(fragment))
    return driver.current_url


def log_in(driver, url: str, username: str, password: str = PASSWORD, timeout: float = 20) -> None:
    """Log ``username`` in through the login page and wait until the browser has left it: the login
    page has a ``nav`` too, so waiting for one raced the form's POST, and a page opened next could
    still be answered with the login page (seen in CI)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url + "/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, timeout).until(lambda d: "/accounts/login/" not in d.current_url)


def submit(driver, form_css: str, button_css: str = "button[type=submit]"):
    """Click a form's own submit button (the header holds other forms)."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"{form_css} {button_css}").click()


#: The centre, in CSS pixels relative to the element's centre, of the first cell of an 8 x 8 grid over
#: the element where the element itself (or one of its children) is what the page shows on top.
_VISIBLE_POINT_JS = """
const el = arguments[0], r = el.getBoundingClientRect();
for (let j = 7; j >= 0; j--) for (let i = 0; i < 8; i++) {
  const x = r.left + (i + 0.5) * r.width / 8, y = r.top + (j + 0.5) * r.height / 8;
  const top = document.elementFromPoint(x, y);
  if (top && el.contains(top)) return [Math.round(x - r.left - r.width / 2), Math.round(y - r.top - r.height / 2)];
}
return null;
"""


def click_visible_part(driver, element):
    """Click ``element`` where a person could see it: a point of it that no other element covers
    (overlapping pieces on a canvas). Raises AssertionError when all of it is covered."""
    from selenium.webdriver.common.action_chains import ActionChains

    point = driver.execute_script(_VISIBLE_POINT_JS, element)
    assert point is not None, "the element is covered everywhere"
    ActionChains(driver).move_to_element_with_offset(element, *point).click().perform()
