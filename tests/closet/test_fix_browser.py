"""Fix it in seconds in a real headless Chromium (``tests.browser``) against the live server and the
real vision models: draw a box around a missed garment with the mouse, run a photo again, paint
"keep" and "erase" strokes over a cutout and undo them, cut a cutout out again inside a box, merge
two garments.

The worker's jobs run at once in the server's process (``fixhelpers.InlineQueue``); the path
through a real Celery worker is ``tests/workers/test_fix_e2e.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.browser import PASSWORD, log_in, shot, wait_for
from tests.closet.fixhelpers import InlineQueue, garment_at, mask_of
from tests.conftest import upload
from tests.factories import UserFactory, fixture_jpeg
from wardrobe.closet import services
from wardrobe.closet.models import BoxRequest, Garment, Photo

pytestmark = [pytest.mark.browser, pytest.mark.vision]


@pytest.fixture
def inline_queue(settings):
    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.InlineQueue"
    InlineQueue.photos, InlineQueue.boxes = [], []
    return InlineQueue


def _drag(d, element, points: list[tuple[float, float]], size: tuple[int, int]) -> None:
    """Press the mouse at the first of ``points`` (photo pixels of an element showing a photo of
    ``size`` at any size), move through the others, release. The page is scrolled so the points'
    middle is in view; the pointer moves in viewport pixels."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    mid_y = sum(y for _, y in points) / len(points)
    d.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "window.scrollBy(0, r.top + arguments[1] * r.height - innerHeight / 2);",
        element,
        mid_y / size[1],
    )
    left, top, width, height = d.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];", element
    )
    screen = [(round(left + x * width / size[0]), round(top + y * height / size[1])) for x, y in points]
    actions = ActionBuilder(d)
    actions.pointer_action.move_to_location(*screen[0])
    actions.pointer_action.pointer_down()
    for x, y in screen[1:]:
        actions.pointer_action.move_to_location(x, y)
    actions.pointer_action.pointer_up()
    actions.perform()


def _photo(owner, name: str) -> Photo:
    return services.photo_create(owner=owner, uploaded_file=upload(name, fixture_jpeg(name)))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_draw_a_missed_garment_then_run_the_photo_again(browser, live_server, media_root, inline_queue):
    from selenium.webdriver.common.by import By

    from workers.runtime import get_pipeline

    user = UserFactory(username="fixer", password=PASSWORD)
    photo = _photo(user, "ccp_0008.jpg")
    assert services.process_photo(photo.pk, get_pipeline()).status == Photo.Status.DONE  # (done on upload)
    shoe = Garment.objects.get(photo=photo, category__slug="shoe")
    box = shoe.bbox
    shoe.delete()  # as if the model had missed the shoes
    found = list(Garment.objects.filter(photo=photo).order_by("pk"))
    Garment.objects.filter(photo=photo).update(status=Garment.Status.REVIEW)
    confirmed = services.garment_confirm(garment=Garment.objects.get(pk=found[0].pk))

    d, url = browser, live_server.url
    log_in(d, url, "fixer")
    d.get(f"{url}/photos/{photo.pk}/")
    d.execute_script("window.notReloaded = true")
    d.find_element(By.ID, "draw-box").click()
    svg = d.find_element(By.CSS_SELECTOR, "[data-box-drawer] svg")
    pad = 6
    _drag(
        d,
        svg,
        [(box[0] - pad, box[1] - pad), ((box[0] + box[2]) / 2, box[3]), (box[2] + pad, box[3] + pad)],
        (photo.width, photo.height),
    )
    try:
        wait_for(d, ".tile.added", timeout=60)  # the new garment appears without a reload
    except Exception:
        pytest.fail(
            "no new garment on the page: "
            + d.find_element(By.CSS_SELECTOR, "[data-box-status]").text
            + f" {list(BoxRequest.objects.values())} {d.get_log('browser')}"
        )
    assert d.execute_script("return window.notReloaded === true")
    shot(d, "en-fix-box")
    request = BoxRequest.objects.get(photo=photo)
    assert request.status == "done", request.error
    drawn = [round(v) for v in request.box]
    assert all(abs(a - b) <= pad + 3 for a, b in zip(drawn, [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad]))
    added = request.garment
    assert added.status == Garment.Status.REVIEW and added.mask_edited and added.guesses
    assert d.find_element(By.CSS_SELECTOR, ".tile.added").get_attribute("data-garment") == str(added.pk)

    # Run the photo again: what the person confirmed or drew stays, the rest is replaced.
    untouched = [g.pk for g in found[1:]]
    d.execute_script("window.confirm = () => true")
    d.find_element(By.ID, "rerun").click()
    deadline = time.monotonic() + 120
    # Wait for the rerun itself: right after the click the photo may still read "done" from its upload.
    while time.monotonic() < deadline and not (
        len(inline_queue.photos) >= 2 and Photo.objects.get(pk=photo.pk).status == Photo.Status.DONE
    ):
        time.sleep(0.5)
    d.get(f"{url}/photos/{photo.pk}/")
    wait_for(d, ".status-done")
    photo.refresh_from_db()
    assert photo.status == Photo.Status.DONE and inline_queue.photos == [photo.pk, photo.pk]  # upload, rerun
    garments = {g.pk: g for g in Garment.objects.filter(photo=photo)}
    assert confirmed.pk in garments and added.pk in garments
    assert not set(untouched) & set(garments)
    categories = [g.category_id for g in garments.values()]
    assert len(categories) == len(set(categories))  # nothing found twice
    shot(d, "en-fix-rerun")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_paint_a_cutout_undo_it_and_merge_two_garments(browser, live_server, media_root, settings):
    from selenium.webdriver.common.by import By

    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"  # no model run here
    user = UserFactory(username="painter", password=PASSWORD)
    photo = _photo(user, "clothing_tshirt.jpg")
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    w, h = photo.width, photo.height
    garment = garment_at(photo, (w // 4, h // 4, 3 * w // 4, 3 * h // 4), "top-t-shirt-sweatshirt")
    model_mask, model_box = mask_of(garment), garment.bbox

    d, url = browser, live_server.url
    log_in(d, url, "painter")
    d.get(f"{url}/photos/{photo.pk}/")
    d.find_element(By.CSS_SELECTOR, f"#fix-{garment.pk} a").click()  # "Fix the cutout"
    canvas = wait_for(d, "canvas.strokes")
    d.execute_script("window.notReloaded = true")
    cutout_src = d.find_element(By.CSS_SELECTOR, "[data-cutout-image]").get_attribute("src")

    # Erase the top band of the box, keep a patch below it: one apply.
    d.find_element(By.ID, "mode-erase").click()
    _drag(d, canvas, [(w // 4 - 10, h // 4 + 8), (3 * w // 4 + 10, h // 4 + 8)], (w, h))
    _drag(d, canvas, [(3 * w // 4 + 10, h // 4 + 30), (w // 4 - 10, h // 4 + 30)], (w, h))
    d.find_element(By.ID, "mode-keep").click()
    _drag(d, canvas, [(3 * w // 4 + 5, h // 2), (3 * w // 4 + 30, h // 2)], (w, h))
    d.find_element(By.ID, "apply-strokes").click()
    wait_for(d, "[data-mask-status].ok", timeout=30)
    shot(d, "en-fix-cutout")
    edited = mask_of(garment)
    assert garment.mask_edited and garment.model_mask and not np.array_equal(edited, model_mask)
    assert not edited[h // 4 + 8, w // 2] and not edited[h // 4 + 30, w // 2]  # erased
    assert edited[h // 2, 3 * w // 4 + 20]  # kept, outside the model's mask
    assert d.find_element(By.CSS_SELECTOR, "[data-cutout-image]").get_attribute("src") != cutout_src
    assert d.execute_script("return window.notReloaded === true")

    # Undo: the model's cutout again.
    d.find_element(By.ID, "undo-mask").click()
    wait_for(d, "[data-mask-status].ok", timeout=30)
    assert "back" in d.find_element(By.CSS_SELECTOR, "[data-mask-status]").text
    assert np.array_equal(mask_of(garment), model_mask) and garment.bbox == model_box and not garment.model_mask
    assert d.find_element(By.CSS_SELECTOR, "[data-cutout-image]").get_attribute("src") == cutout_src
    assert not d.find_element(By.ID, "undo-mask").is_displayed()

    # Two shoes found as two garments: merge them from the photo page.
    garment.delete()
    left = garment_at(photo, (10, h - 120, w // 2 - 10, h - 20), "shoe")
    right = garment_at(photo, (w // 2 + 10, h - 110, w - 10, h - 30), "shoe")
    d.get(f"{url}/photos/{photo.pk}/")
    form = d.find_element(By.CSS_SELECTOR, f"#fix-{left.pk} form.merge")
    assert form.find_element(By.TAG_NAME, "select").get_attribute("value") == str(right.pk)
    form.find_element(By.TAG_NAME, "button").click()
    wait_for(d, ".messages")
    assert not Garment.objects.filter(pk=right.pk).exists()
    merged = Garment.objects.get(pk=left.pk)
    assert merged.bbox == [10, h - 120, w - 10, h - 20] and merged.mask_edited
    assert len(d.find_elements(By.CSS_SELECTOR, "[data-garment-grid] .tile")) == 1
    shot(d, "en-fix-merged")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_box_in_the_editor_cuts_a_broken_cutout_out_again(browser, live_server, media_root, settings):
    from PIL import Image
    from selenium.webdriver.common.by import By

    from tests.conftest import FIXTURES
    from vision.metrics import mask_iou

    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"  # no model run here
    user = UserFactory(username="boxer", password=PASSWORD)
    photo = _photo(user, "clothing_pants.jpg")
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    w, h = photo.width, photo.height
    reference = FIXTURES / "references" / "c4f11a12-2fcd-4268-8045-5a00aec7e656.png"  # clothing_pants.jpg
    ref = np.asarray(Image.open(reference).convert("L")) > 127
    garment = garment_at(photo, (0, 0, w // 2, h // 2), "pants")  # wrong all over
    model_mask = mask_of(garment)
    assert mask_iou(model_mask, ref) < 0.5

    d, url = browser, live_server.url
    log_in(d, url, "boxer")
    d.get(f"{url}/garments/{garment.pk}/cutout/?next=/photos/{photo.pk}/")
    canvas = wait_for(d, "canvas.strokes")
    d.execute_script("window.notReloaded = true")
    mask_href = d.find_element(By.CSS_SELECTOR, "[data-mask-image]").get_attribute("href")
    d.find_element(By.ID, "mode-box").click()
    d.set_window_size(1280, 1400)  # the whole photo in view: the box spans its height
    ys, xs = np.nonzero(ref)
    x0, y0, x1, y1 = max(0, xs.min() - 8), max(0, ys.min() - 8), min(w - 1, xs.max() + 8), min(h - 1, ys.max() + 8)
    _drag(d, canvas, [(x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2), (x1, y1)], (w, h))
    wait_for(d, "[data-mask-status].ok", timeout=30)
    assert "box" in d.find_element(By.CSS_SELECTOR, "[data-mask-status]").text
    shot(d, "en-fix-recut")
    recut = mask_of(garment)
    assert mask_iou(recut, ref) >= 0.9, mask_iou(recut, ref)
    assert d.find_element(By.CSS_SELECTOR, "[data-mask-image]").get_attribute("href") != mask_href
    assert d.execute_script("return window.notReloaded === true")

    # A box too small says so and changes nothing.
    _drag(d, canvas, [(20, 20), (24, 24)], (w, h))
    wait_for(d, "[data-mask-status].error", timeout=10)
    assert "too small" in d.find_element(By.CSS_SELECTOR, "[data-mask-status]").text
    assert np.array_equal(mask_of(garment), recut)

    d.find_element(By.ID, "undo-mask").click()
    wait_for(d, "[data-mask-status].ok", timeout=30)
    assert np.array_equal(mask_of(garment), model_mask)
    d.set_window_size(1280, 900)
