"""Garment attributes and stains (issue 17) in a real headless Chromium (``tests.browser``) against the
live server: a person changes an attribute on the item page and filters the closet by it; the stain
found on a garment is outlined over its cutout with "Put in the wash" one click away, and a clean
garment shows no outline. The garments are written by ``services.garment_create`` from the committed
fixture photos (the stain: the true mask of ``stain_synthetic.jpg``, see ``test_attributes``); the
last test runs ``stain_synthetic.jpg`` and its clean twin through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import PASSWORD, log_in, shot, wait_for
from tests.closet.test_attributes import make_garment
from tests.conftest import REPO, upload
from tests.factories import UserFactory, fixture_jpeg
from vision.contract import StainFinding
from wardrobe.closet import services
from wardrobe.closet.models import Garment, Photo

pytestmark = [pytest.mark.browser]


def _click(d, css: str) -> None:
    element = d.find_element("css selector", css)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _outline_over_cutout(d) -> dict:
    """Whether the stain outline has loaded, and how its box on the page compares with the cutout's."""
    return d.execute_script(
        "const o = document.getElementById('stain-outline');"
        "const c = document.querySelector('figure.cutout img:not(.stain-outline)');"
        "if (!o) return null;"
        "const a = o.getBoundingClientRect(), b = c.getBoundingClientRect();"
        "return {loaded: o.complete && o.naturalWidth > 0, dx: Math.abs(a.left - b.left) + Math.abs(a.top - b.top),"
        " dw: Math.abs(a.width - b.width) + Math.abs(a.height - b.height), w: a.width,"
        " visible: getComputedStyle(o).visibility === 'visible' && a.width > 0};"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editing_an_attribute_on_the_item_page_and_filtering_the_closet_by_it(browser, live_server):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    user = UserFactory(username="ines", password=PASSWORD)
    tee = make_garment(user, attributes={"pattern": ("solid", 0.97), "sleeve": ("short", 0.95)})
    other = make_garment(user, attributes={"pattern": ("solid", 0.97)})
    d, url = browser, live_server.url
    log_in(d, url, "ines")

    d.get(f"{url}/garments/{tee.pk}/")
    wait_for(d, "#id_pattern")
    assert d.find_element(By.CSS_SELECTOR, 'dd[data-attribute="pattern"]').text.startswith("Solid")
    assert not d.find_elements(By.ID, "id_fit")  # fit is asked of trousers only
    Select(d.find_element(By.ID, "id_pattern")).select_by_value("striped")
    _click(d, "#save-details")
    # the saved page replaces the old one, whose "Solid" is already there: wait for the new text
    WebDriverWait(d, 20, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda drv: drv.find_element(By.CSS_SELECTOR, 'dd[data-attribute="pattern"]').text.startswith("Striped")
    )
    tee.refresh_from_db()
    assert tee.pattern == "striped" and "pattern" in tee.attributes_confirmed
    shot(d, "en-item-attributes")

    d.get(f"{url}/closet/")
    wait_for(d, "#f-pattern")
    Select(d.find_element(By.ID, "f-pattern")).select_by_value("striped")  # the form submits on change
    WebDriverWait(d, 20).until(lambda drv: "pattern=striped" in drv.current_url)
    wait_for(d, ".result-count")
    body = d.page_source
    assert f"/garments/{tee.pk}/" in body and f"/garments/{other.pk}/" not in body
    # The search box finds it by the label, in Korean too.
    d.get(f"{url}/closet/?q=줄무늬")
    wait_for(d, ".result-count")
    assert f"/garments/{tee.pk}/" in d.page_source and f"/garments/{other.pk}/" not in d.page_source


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stain_is_outlined_with_put_in_the_wash_and_a_clean_garment_has_no_outline(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    user = UserFactory(username="jun", password=PASSWORD)
    stained = make_garment(user, stain="real")
    clean = make_garment(user, stain=StainFinding(found=False, area=0.0, score=0.02, mask=None))
    d, url = browser, live_server.url
    log_in(d, url, "jun")

    d.get(f"{url}/garments/{stained.pk}/")
    wait_for(d, "#stain-outline")
    WebDriverWait(d, 20).until(lambda drv: (_outline_over_cutout(drv) or {}).get("loaded"))
    place = _outline_over_cutout(d)
    assert place["loaded"] and place["visible"], place
    assert place["dx"] < 2 and place["dw"] < 2 and place["w"] > 50, place  # exactly over the cutout
    assert d.find_element(By.ID, "stain-wash").is_displayed()
    shot(d, "en-item-stain")
    shot(d, "en-item-stain-phone", width=390)

    d.get(f"{url}/garments/{clean.pk}/")
    wait_for(d, "#save-details")
    assert not d.find_elements(By.ID, "stain-outline") and not d.find_elements(By.ID, "stain-wash")

    d.get(f"{url}/garments/{stained.pk}/")
    _click(d, "#stain-wash")
    wait_for(d, "#save-details")
    assert not d.find_elements(By.ID, "stain-outline")
    stained.refresh_from_db()
    assert stained.laundry == Garment.Laundry.WASH and stained.stain_handled == "washed"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_review_card_asks_for_an_unsure_attribute_and_saves_the_fix(browser, live_server):
    """The review page (its script saves each card through the API): a garment filed for review
    because its pattern scored low shows that attribute; the person corrects it and confirms."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    user = UserFactory(username="mina", password=PASSWORD)
    g = make_garment(user, attributes={"pattern": ("dotted", 0.3), "sleeve": ("long", 0.97)}, threshold=0.6)
    assert g.status == Garment.Status.REVIEW
    d, url = browser, live_server.url
    log_in(d, url, "mina")
    d.get(url + "/review/")
    select = wait_for(d, f'#review-{g.pk} select[data-attribute="pattern"]')
    assert not d.find_elements(By.CSS_SELECTOR, f'#review-{g.pk} select[data-attribute="sleeve"]')
    Select(select).select_by_value("striped")
    shot(d, "en-review-unsure-attribute", width=390)
    _click(d, f"#review-{g.pk} [data-action=confirm]")
    WebDriverWait(d, 20).until(
        lambda drv: "reviewed" in drv.find_element(By.ID, f"review-{g.pk}").get_attribute("class")
    )
    g.refresh_from_db()
    assert g.status == Garment.Status.CLOSET and g.pattern == "striped" and "pattern" in g.attributes_confirmed


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_picking_a_kind_the_unsure_attribute_does_not_fit_hides_it_and_confirms(browser, live_server):
    """A top with unsure sleeves whose second guess is jeans: picking jeans hides the sleeve question
    and the card is saved as jeans (sleeves are not asked of trousers, so they are not sent)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    user = UserFactory(username="yuna", password=PASSWORD)
    g = make_garment(user, attributes={"pattern": ("solid", 0.3), "sleeve": ("long", 0.3)}, threshold=0.6)
    g.guesses = [
        {"category": "top-t-shirt-sweatshirt", "type": "t-shirt", "score": 0.5},
        {"category": "pants", "type": "jeans", "score": 0.3},
    ]
    g.save(update_fields=["guesses"])
    d, url = browser, live_server.url
    log_in(d, url, "yuna")
    d.get(url + "/review/")
    sleeve = wait_for(d, f'#review-{g.pk} select[data-attribute="sleeve"]')
    pattern = d.find_element(By.CSS_SELECTOR, f'#review-{g.pk} select[data-attribute="pattern"]')
    _click(d, f'#review-{g.pk} input[type=radio][value="pants:jeans"]')
    WebDriverWait(d, 10).until(lambda drv: not sleeve.is_displayed())
    assert pattern.is_displayed()  # the pattern is asked of trousers too
    _click(d, f"#review-{g.pk} input[type=radio][value^=top]")
    WebDriverWait(d, 10).until(lambda drv: sleeve.is_displayed())
    _click(d, f'#review-{g.pk} input[type=radio][value="pants:jeans"]')
    _click(d, f"#review-{g.pk} [data-action=confirm]")
    WebDriverWait(d, 20).until(
        lambda drv: "reviewed" in drv.find_element(By.ID, f"review-{g.pk}").get_attribute("class")
    )
    assert "error" not in d.find_element(By.CSS_SELECTOR, f"#review-{g.pk} .card-msg").get_attribute("class")
    g.refresh_from_db()
    assert g.status == Garment.Status.CLOSET and (g.category.slug, g.type.slug) == ("pants", "jeans")
    assert g.sleeve == "" and g.pattern == "solid" and "pattern" in g.attributes_confirmed


STAIN_WEIGHTS = REPO / "vision" / "weights" / "stain.pt"


@pytest.mark.vision
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_real_pipeline_outlines_a_synthetic_stain_and_not_the_clean_twin(browser, live_server, settings):
    """``stain_synthetic.jpg`` (a real photo with one synthetic coffee stain) and ``clothing_dress.jpg``
    (a clean dress with a large print) through the real pipeline, as a worker runs it: the stained one
    is outlined, the print is not. (The stained photo's own clean twin, ``clothing_tshirt.jpg``, is one
    of the committed stain model's val false alarms: a grey patch by its side seam, see
    ``MODEL_CARD_stain.md``.)"""
    from selenium.webdriver.common.by import By

    if not Path(settings.VISION_WEIGHTS_DIR or STAIN_WEIGHTS.parent, "stain.pt").exists():
        pytest.skip("the stain stage's weights (vision/weights/stain.pt) are not committed yet")
    from workers.runtime import get_pipeline

    user = UserFactory(username="ari", password=PASSWORD)

    def processed(name: str) -> Garment:
        photo = services.photo_create(owner=user, uploaded_file=upload(name, fixture_jpeg(name)))
        assert services.process_photo(photo.pk, get_pipeline()).status == Photo.Status.DONE
        (garment,) = Garment.objects.filter(photo=photo)
        return garment

    stained, clean = processed("stain_synthetic.jpg"), processed("clothing_dress.jpg")
    assert stained.stain_found and stained.stain_mask.name and not clean.stain_found
    d, url = browser, live_server.url
    log_in(d, url, "ari")
    d.get(f"{url}/garments/{stained.pk}/")
    wait_for(d, "#stain-outline")
    assert d.find_element(By.ID, "stain-wash").is_displayed()
    shot(d, "en-item-stain-real-pipeline")
    d.get(f"{url}/garments/{clean.pk}/")
    wait_for(d, "#save-details")
    assert not d.find_elements(By.ID, "stain-outline")
