"""The strict Content-Security-Policy in a real headless Chromium (``tests.browser``) against the live
server: a person walks every main page and uses its scripts (the uploader, the review queue, the
photo page's box drawing, the cutout editor, the outfit builder's canvas, the settings and
suggestions, the Swagger UI trying an operation, DRF's browsable API, an error page), and any
violation of the policy or of the ``Permissions-Policy`` fails the test.

Violations are seen twice over: Chromium's console (``goog:loggingPrefs``, read with
``get_log("browser")``: "Refused to ... because it violates the following Content Security Policy
directive") and a ``securitypolicyviolation`` listener put into every document before its own
scripts run (DevTools' ``Page.addScriptToEvaluateOnNewDocument``). ``test_the_watch_sees_a_violation``
proves that both see an inline script and an inline style, so the walk can fail.

The closet is made with the factories (no model runs); the photo and box queue only records
(``tests.closet.fixhelpers.RecordingQueue``); the weather is the loopback stub.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.browser import shot, submit, wait_for
from tests.closet.fixhelpers import RecordingQueue
from tests.conftest import fixture_photos
from tests.factories import PASSWORD, GarmentFactory, PhotoFactory, UserFactory
from tests.weather.stub import stubbed_weather
from wardrobe.closet.models import BoxRequest, Garment, Photo

pytestmark = [pytest.mark.browser]

#: Put into every document before its scripts: records each violation and says it on the console.
WATCH_JS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile || e.documentURI}:${e.lineNumber}`;
  const text = `${e.effectiveDirective} refused ${e.blockedURI || "(inline)"} in ${where}`;
  window.__cspViolations.push(text);
  console.error("CSP violation: " + text);
});
"""
#: Console lines that mean the page broke a policy (or a script died).
PROBLEMS = (
    "Content Security Policy",
    "Content-Security-Policy",
    "CSP violation",
    "Refused to",
    "Permissions-Policy",
    "Permissions policy",
    "Uncaught",
)


def watch(driver) -> None:
    """Start recording violations in every document the browser opens from now on."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_JS})
    driver.get_log("browser")  # start with an empty console


def settle(driver, timeout: float = 10) -> None:
    """Until the page has loaded with its pictures, then a moment for late reports."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not driver.execute_script(
        "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"
    ):
        time.sleep(0.1)
    time.sleep(0.3)


def violations(driver) -> tuple[list[str], list[str]]:
    """What the console said since the last call, and what the current page's listener recorded
    (both emptied)."""
    console = [e["message"] for e in driver.get_log("browser") if any(p in e["message"] for p in PROBLEMS)]
    listener = driver.execute_script(
        "return window.__cspViolations ? window.__cspViolations.splice(0) : ['no violation listener on this page']"
    )
    return console, listener


def assert_clean(driver, where: str) -> None:
    """No violation on the current page (nor on the pages since the last check, by the console)."""
    settle(driver)
    console, listener = violations(driver)
    assert not console and not listener, f"{where} ({driver.current_url}): {console + listener}"


@pytest.fixture
def recording_queue(settings):
    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"
    RecordingQueue.photos, RecordingQueue.boxes = [], []
    return RecordingQueue


def _closet(user) -> dict:
    from wardrobe.outfits import services as outfit_services

    photo = PhotoFactory(owner=user)
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    shirt = GarmentFactory(photo=photo, colors=("navy", "white"))
    jeans = GarmentFactory(photo=photo, category="pants", type="jeans", colors=("denim",))
    shoes = GarmentFactory(photo=photo, category="shoe", type="sneakers", colors=("white",))
    coat = GarmentFactory(photo=photo, category="coat", type=None, colors=("camel",))
    waiting = GarmentFactory(photo=photo, category="shoe", type="sneakers", status=Garment.Status.REVIEW)
    Garment.objects.filter(pk=waiting.pk).update(
        guesses=[
            {"category": "shoe", "type": "sneakers", "score": 0.5},
            {"category": "bag", "type": None, "score": 0.2},
        ]
    )
    outfit = outfit_services.outfit_create(
        owner=user, name="Monday", items=[{"garment": shirt.pk}, {"garment": jeans.pk}]
    )
    outfit_services.plan_create(owner=user, outfit=outfit, date=dt.date.today())
    return {"photo": photo, "shirt": shirt, "jeans": jeans, "shoes": shoes, "coat": coat, "waiting": waiting}


def _rgb(hex_value: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_value[i : i + 2], 16) for i in (1, 3, 5)))


def _drag(d, element, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at ``start`` and release at ``end`` (fractions of the element's width and height)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    left, top, width, height = d.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];", element
    )
    actions = ActionBuilder(d)
    actions.pointer_action.move_to_location(round(left + start[0] * width), round(top + start[1] * height))
    actions.pointer_action.pointer_down()
    for k in (0.5, 1.0):
        x = start[0] + k * (end[0] - start[0])
        y = start[1] + k * (end[1] - start[1])
        actions.pointer_action.move_to_location(round(left + x * width), round(top + y * height))
    actions.pointer_action.pointer_up()
    actions.perform()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_watch_sees_a_violation(browser, live_server):
    """An inline script and an inline style put into a page: both detectors report both, and the
    script does not run (so the walk below would fail on a page that had them)."""
    d = browser
    watch(d)
    d.get(live_server.url + "/accounts/login/")
    assert_clean(d, "login")
    d.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true';"
        "document.body.append(s); document.body.setAttribute('style', 'outline: 1px solid red');"
    )
    settle(d)
    assert d.execute_script("return window.__inlineRan") is None
    console, listener = violations(d)
    for seen in (console, listener):
        assert any("script-src" in line for line in seen), seen
        assert any("style-src" in line for line in seen), seen


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_page_works_under_the_policy(browser, live_server, settings, media_root, recording_queue):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    user = UserFactory(username="casey", password=PASSWORD)
    closet = _closet(user)
    photo, shirt, waiting = closet["photo"], closet["shirt"], closet["waiting"]
    d, url = browser, live_server.url
    watch(d)

    # Signed out, then logged in through the form.
    for path in ("/accounts/signup/", "/accounts/login/"):
        d.get(url + path)
        assert_clean(d, path)
    d.find_element(By.NAME, "username").send_keys("casey")
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(d, "main form")
    wait_for(d, "nav a[href='/outfits/']")
    assert_clean(d, "logged in")

    # The closet: colour dots are SVGs filled with the garment's colours.
    d.get(url + "/closet/")
    assert_clean(d, "closet")
    tile = wait_for(d, f".tile input.pick[value='{shirt.pk}']").find_element(By.XPATH, "..")
    fills = [
        d.execute_script("return getComputedStyle(arguments[0]).fill", r)
        for r in tile.find_elements(By.CSS_SELECTOR, ".dots rect")
    ]
    assert fills == [_rgb(c.hex) for c in shirt.color_list], fills
    assert_clean(d, "closet, dots checked")

    # The item page: swatches and the box over the photo.
    d.get(f"{url}/garments/{shirt.pk}/")
    assert_clean(d, "item page")
    swatch = wait_for(d, ".swatches li i svg rect")
    assert d.execute_script("return getComputedStyle(arguments[0]).fill", swatch) == _rgb(shirt.color_list[0].hex)
    assert_clean(d, "item page, swatches checked")

    # "Do I own something like this?" (issue 16): the form, and its script on sending.
    d.get(url + "/closet/match/")
    wait_for(d, "#match-form")
    assert_clean(d, "match page")

    # The photo page's fix tools: draw a box around a missed garment (sent as a box request).
    d.get(f"{url}/photos/{photo.pk}/")
    assert_clean(d, "photo page")
    d.find_element(By.ID, "draw-box").click()
    _drag(d, d.find_element(By.CSS_SELECTOR, "[data-box-drawer] svg"), (0.3, 0.35), (0.6, 0.65))
    WebDriverWait(d, 20).until(lambda d: BoxRequest.objects.filter(photo=photo).exists())
    WebDriverWait(d, 20).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-box-status]").text.strip())
    assert recording_queue.boxes
    assert_clean(d, "photo page, box drawn")

    # The cutout editor: paint a "keep" stroke and apply it (refined in the web process).
    d.get(f"{url}/garments/{shirt.pk}/cutout/")
    canvas = wait_for(d, "canvas.strokes")
    assert_clean(d, "cutout editor")
    _drag(d, canvas, (0.3, 0.5), (0.7, 0.5))
    d.find_element(By.ID, "apply-strokes").click()
    wait_for(d, "[data-mask-status].ok", timeout=60)
    assert_clean(d, "cutout editor, stroke applied")

    # The review queue: the box on its photo (an SVG now), the searchable picker, one decision.
    d.get(url + "/review/")
    wait_for(d, ".review-card .card-actions")
    assert_clean(d, "review queue")
    card = d.find_element(By.ID, f"review-{waiting.pk}")
    WebDriverWait(d, 20).until(lambda d: d.execute_script("return document.querySelector('.spot img').complete"))
    picture = card.find_element(By.CSS_SELECTOR, ".spot img")
    box = card.find_element(By.CSS_SELECTOR, ".spot-box")
    scale = picture.rect["width"] / photo.width
    for got, want in (
        (box.rect["x"], picture.rect["x"] + waiting.x0 * scale),
        (box.rect["y"], picture.rect["y"] + waiting.y0 * scale),
        (box.rect["width"], waiting.box_width * scale),
        (box.rect["height"], waiting.box_height * scale),
    ):
        assert abs(got - want) <= 2, (box.rect, picture.rect)
    picker = card.find_element(By.CSS_SELECTOR, "input.kind-picker")
    picker.send_keys("sneak")
    wait_for(d, f"#other-{waiting.pk}-list li")
    choice = next(
        li for li in d.find_elements(By.CSS_SELECTOR, f"#other-{waiting.pk}-list li") if "Sneakers" in li.text
    )
    choice.click()
    confirm = card.find_element(By.CSS_SELECTOR, "[data-action=confirm]")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", confirm)  # clear of the sticky top bar
    confirm.click()
    WebDriverWait(d, 20).until(lambda d: "reviewed" in card.get_attribute("class"))
    assert_clean(d, "review queue, one decided")

    # The uploader: a preview of the chosen photo (a blob: URL), its progress, the upload.
    d.get(url + "/upload/")
    wait_for(d, "[data-uploader]")
    assert_clean(d, "upload page")
    d.find_element(By.ID, "id_images").send_keys(str(fixture_photos()[0]))
    WebDriverWait(d, 30).until(
        lambda d: any(
            s in (d.find_element(By.CSS_SELECTOR, ".upload-list li").get_attribute("class") or "")
            for s in ("pending", "processing", "done")
        )
    )
    assert d.execute_script(
        "const i = document.querySelector('.upload-list img'); return i.complete && i.naturalWidth > 0"
    )
    assert recording_queue.photos
    assert_clean(d, "upload page, photo sent")

    # The outfit builder: items onto the canvas, dragged, resized, saved; the list and calendar.
    d.get(url + "/outfits/new/")
    wait_for(d, "[data-outfit-builder]")
    assert_clean(d, "outfit builder")
    for g in (closet["shoes"], closet["jeans"], shirt):
        d.find_element(By.CSS_SELECTOR, f"label[for=pick-{g.pk}]").click()
    piece = d.find_element(By.CSS_SELECTOR, f".piece[data-garment='{shirt.pk}']")
    before = piece.location
    _drag(d, piece, (0.5, 0.5), (0.8, 0.7))
    assert piece.location != before
    d.find_element(By.CSS_SELECTOR, "[data-tools] [data-act=bigger]").click()
    d.find_element(By.ID, "id_name").send_keys("Under the policy")
    assert_clean(d, "outfit builder, items placed")
    d.find_element(By.ID, "save-outfit").click()
    wait_for(d, ".messages")
    assert_clean(d, "outfit saved")
    for path in ("/outfits/", "/calendar/"):
        d.get(url + path)
        assert_clean(d, path)

    # Settings (the city looked up by name) and the suggestions for its weather.
    with stubbed_weather(settings, daily={"today": (2.0, 8.0, 7.5, 90), "tomorrow": (24.0, 33.0, 0.0, 5)}):
        d.get(url + "/accounts/settings/")
        d.find_element(By.ID, "id_city").send_keys("Seoul")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit].primary").click()
        wait_for(d, ".messages")
        assert_clean(d, "settings")
        d.get(url + "/outfits/suggestions/")
        wait_for(d, "#day-today")
        assert_clean(d, "suggestions")

    # The API docs: Swagger UI lists the operations and tries one.
    d.get(url + "/api/docs/")
    WebDriverWait(d, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 10)
    assert_clean(d, "Swagger UI")
    operation = d.find_element(By.XPATH, "//*[contains(@class,'opblock-get')][.//*[@data-path='/api/garments/']]")
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait_for(d, ".opblock.is-open .try-out__btn").click()
    wait_for(d, ".opblock.is-open button.execute").click()
    status = wait_for(d, ".opblock.is-open .live-responses-table tr.response .response-col_status")
    assert status.text.strip().startswith("200"), status.text
    shot(d, "en-api-docs")
    assert_clean(d, "Swagger UI, operation tried")

    # DRF's browsable API and an error page.
    d.get(url + "/api/garments/")
    wait_for(d, ".response-info")
    assert_clean(d, "browsable API")
    d.get(url + "/no-such-page/")
    wait_for(d, "main.error-page")
    assert_clean(d, "404 page")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_works_under_the_policy(browser, live_server, recording_queue):
    """The admin's login, index, every model's list and add page, and the change pages with the
    thumbnails (styled from static/css/admin.css, not inline)."""
    from selenium.webdriver.common.by import By

    staff = UserFactory(username="root", password=PASSWORD)
    staff.is_staff = staff.is_superuser = True
    staff.save()
    closet = _closet(staff)
    d, url = browser, live_server.url
    watch(d)
    d.get(url + "/admin/login/")
    assert_clean(d, "admin login")
    d.find_element(By.NAME, "username").send_keys("root")
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    d.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(d, "#content-main")
    assert_clean(d, "admin index")
    links = [
        a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "#content-main th a, #content-main a.addlink")
    ]
    assert len(links) >= 10, links
    for link in links:
        d.get(link)
        assert_clean(d, link)
    for model, pk in (("photo", closet["photo"].pk), ("garment", closet["shirt"].pk)):
        d.get(f"{url}/admin/closet/{model}/{pk}/change/")
        thumb = wait_for(d, "img.admin-thumb")
        assert d.execute_script("return getComputedStyle(arguments[0]).maxHeight", thumb) == "64px"
        assert_clean(d, f"admin {model} change page")
