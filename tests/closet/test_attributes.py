"""Garment attributes and stains in the closet (issue 17): what ``garment_create`` stores from a
``PhotoAnalysis`` instance (only the attributes that apply, the stain and its mask), the review of an
unsure attribute, a new category clearing what no longer applies, a run again keeping confirmed
values; the API (read, edit, validation, filters, search in English and Korean, the stain actions,
the schema) and the item page (the attributes, the stain outlined, "Put in the wash").

Photos are the committed fixtures (``tests/fixtures``); the stain mask of the stained garment is the
true mask of ``stain_synthetic.jpg`` laid on its clean twin ``clothing_tshirt.jpg``."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tests.conftest import REPO
from tests.factories import PhotoFactory, box_instance, fixture_jpeg
from vision.contract import AttributeValue, StainFinding
from vocabulary.attributes import ATTRIBUTES
from wardrobe.closet import services
from wardrobe.closet.attribute_names import ATTRIBUTE_LABELS, VALUE_LABELS, attribute_values_matching
from wardrobe.closet.models import Garment

pytestmark = pytest.mark.django_db

STAIN_MASK = REPO / "tests" / "fixtures" / "stain_synthetic.mask.png"


def stain_mask_for(photo) -> np.ndarray:
    """The fixture's true stain mask (bool) at ``photo``'s stored resolution."""
    mask = Image.open(STAIN_MASK).convert("L").resize((photo.width, photo.height), Image.Resampling.NEAREST)
    return np.asarray(mask) > 127


def make_garment(
    owner=None,
    *,
    category="top-t-shirt-sweatshirt",
    type="t-shirt",
    attributes=None,
    stain=None,
    threshold=None,
    image="clothing_tshirt.jpg",
):
    """A garment written by ``services.garment_create`` from a pipeline instance carrying
    ``attributes`` ({name: (value, score)}) and ``stain`` (a ``StainFinding``, or "real": the
    fixture's true stain mask with found=True)."""
    photo = PhotoFactory(**({"owner": owner} if owner else {}), image=fixture_jpeg(image))
    instance = box_instance(photo, category, type)
    instance.attributes = {k: AttributeValue(v, s) for k, (v, s) in (attributes or {}).items()}
    if stain == "real":
        # One item laid flat: the garment is the whole photo (as the pipeline's foreground for such a
        # photo), its cutout made from the photo, the stain where the fixture's true mask says.
        instance.box, instance.cutout = (0, 0, photo.width, photo.height), None
        instance.mask = np.ones_like(instance.mask)
        stain = StainFinding(found=True, area=0.03, score=0.91, mask=stain_mask_for(photo))
    instance.stain = stain
    return services.garment_create(photo=photo, instance=instance, threshold=threshold)


TEE_ATTRIBUTES = {
    "pattern": ("striped", 0.97),
    "sleeve": ("short", 0.93),
    "neckline": ("crew", 0.9),
    "damage": ("none", 0.99),
    "fit": ("skinny", 0.8),  # does not apply to a top: left out
    "wash": ("dark", 0.8),  # likewise
}


# --- storing what the pipeline found ---------------------------------------------------------------


def test_garment_create_keeps_the_attributes_that_apply_and_the_stain_with_its_mask(user):
    g = make_garment(user, attributes=TEE_ATTRIBUTES, stain="real", threshold=0.5)
    g.refresh_from_db()
    assert g.attribute_values == {"pattern": "striped", "sleeve": "short", "neckline": "crew", "damage": "none"}
    assert g.attribute_scores == {"pattern": 0.97, "sleeve": 0.93, "neckline": 0.9, "damage": 0.99}
    assert g.fit == g.wash == "" and g.status == Garment.Status.CLOSET
    assert (g.stain_found, g.stain_area, g.stain_score, g.stain_handled) == (True, 0.03, 0.91, "")
    with g.stain_mask.open("rb") as fh:
        stored = np.asarray(Image.open(fh).convert("L")) > 127
    assert stored.shape == (g.photo.height, g.photo.width)
    assert np.array_equal(stored, stain_mask_for(g.photo)) and stored.sum() > 100
    assert g.stain_shown


def test_a_clean_garment_has_no_stain_file_and_is_not_shown(user):
    g = make_garment(user, stain=StainFinding(found=False, area=0.0, score=0.04, mask=None))
    assert (g.stain_found, g.stain_score, g.stain_mask.name) == (False, 0.04, "")
    assert not g.stain_shown
    # No stain stage at all (an older pipeline): nothing recorded.
    g2 = make_garment(user)
    assert (g2.stain_found, g2.stain_area, g2.stain_score) == (False, None, None)


def test_an_unsure_attribute_sends_the_garment_to_review_and_the_card_asks_for_it(client, user):
    sure = make_garment(user, attributes={"pattern": ("solid", 0.95)}, threshold=0.6, image="ccp_0008.jpg")
    unsure = make_garment(
        user, attributes={"pattern": ("checked", 0.41), "sleeve": ("long", 0.9)}, threshold=0.6, image="ccp_0016.jpg"
    )
    assert sure.status == Garment.Status.CLOSET and unsure.status == Garment.Status.REVIEW
    assert unsure.duplicate_of is None and unsure.score >= 0.6  # in review for its pattern only
    assert unsure.unsure_attributes(0.6) == ["pattern"]
    client.force_login(user)
    body = client.get(reverse("closet:review")).content.decode()
    assert f'name="attr-{unsure.pk}-pattern"' in body and f'name="attr-{unsure.pk}-sleeve"' not in body
    # The five-second fix: the review form confirms the garment with the corrected pattern.
    r = client.post(
        reverse("closet:photo-review", args=[unsure.photo_id]),
        {f"kind-{unsure.pk}": "top-t-shirt-sweatshirt:t-shirt", f"attr-{unsure.pk}-pattern": "striped"},
    )
    assert r.status_code == 302
    unsure.refresh_from_db()
    assert unsure.status == Garment.Status.CLOSET and unsure.pattern == "striped"
    assert "pattern" not in unsure.attribute_scores and set(unsure.attributes_confirmed) == {"pattern", "sleeve"}
    assert unsure.unsure_attributes(0.99) == []


def test_a_new_category_clears_the_attributes_that_no_longer_apply(user):
    jeans = make_garment(
        user,
        category="pants",
        type="jeans",
        attributes={"pattern": ("solid", 0.9), "fit": ("skinny", 0.9), "wash": ("light", 0.9)},
        image="clothing_pants.jpg",
    )
    assert jeans.attribute_values == {"pattern": "solid", "fit": "skinny", "wash": "light"}
    services.garment_update(garment=jeans, category="skirt", type=None)
    jeans.refresh_from_db()
    assert jeans.attribute_values == {"pattern": "solid"} and set(jeans.attribute_scores) == {"pattern"}


def test_a_run_again_keeps_a_garment_whose_attribute_a_person_set(user):
    from wardrobe.closet.services.rerun import garment_is_kept_on_rerun

    g = make_garment(user, attributes={"pattern": ("dotted", 0.3)}, threshold=0.6)
    assert g.status == Garment.Status.REVIEW and not garment_is_kept_on_rerun(g)
    services.garment_update(garment=g, attributes={"pattern": "floral"})
    assert garment_is_kept_on_rerun(Garment.objects.get(pk=g.pk))


# --- the API -----------------------------------------------------------------------------------------


def test_api_shows_and_edits_attributes(api, user):
    from accounts.services import profile_update

    profile_update(user=user, review_threshold=0.95)
    g = make_garment(user, attributes=TEE_ATTRIBUTES)
    body = api.get(f"/api/garments/{g.pk}/").json()
    assert body["attributes"] == {"pattern": "striped", "sleeve": "short", "neckline": "crew", "damage": "none"}
    assert body["attribute_scores"]["neckline"] == 0.9
    assert sorted(body["attributes_unsure"]) == ["neckline", "sleeve"]  # below the owner's threshold 0.95
    r = api.patch(f"/api/garments/{g.pk}/", {"neckline": "v", "sleeve": None}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["attributes"] == {"pattern": "striped", "sleeve": None, "neckline": "v", "damage": "none"}
    g.refresh_from_db()
    assert (g.neckline, g.sleeve) == ("v", "") and {"neckline", "sleeve"} <= set(g.attributes_confirmed)
    assert "neckline" not in g.attribute_scores


@pytest.mark.parametrize(
    "payload, key, message",
    [
        ({"pattern": "tartan"}, "pattern", "tartan is not a value of pattern"),
        ({"colour": "red", "pattern": "dotted"}, "non_field_errors", "Unknown field(s): colour"),
        ({"fit": "wide"}, "attributes", "Fit does not apply"),
        ({"pattern": ["striped"]}, "pattern", "is not a value of pattern"),
        ({"pattern": "checked", "wash": "dark", "name": "x"}, "attributes", "Wash does not apply"),
    ],
)
def test_api_refuses_a_bad_attribute_and_writes_nothing(api, user, payload, key, message):
    g = make_garment(user, attributes={"pattern": ("striped", 0.9)})
    before = api.get(f"/api/garments/{g.pk}/").json()
    r = api.patch(f"/api/garments/{g.pk}/", payload, format="json")
    assert r.status_code == 400 and key in r.json(), r.content
    assert message in json.dumps(r.json(), ensure_ascii=False)
    assert api.get(f"/api/garments/{g.pk}/").json() == before


def test_the_attribute_errors_are_in_korean(api, user):
    g = make_garment(user)
    r = api.patch(f"/api/garments/{g.pk}/", {"fit": "wide"}, format="json", HTTP_ACCEPT_LANGUAGE="ko")
    assert r.status_code == 400 and "핏은(는) 이 카테고리의 옷에는 해당하지 않습니다." in r.json()["attributes"][0]


def test_api_filters_by_attribute_and_stain_and_searches_labels_in_english_and_korean(api, user, other_user):
    striped = make_garment(user, attributes={"pattern": ("striped", 0.9), "sleeve": ("long", 0.9)}, stain="real")
    short = make_garment(user, attributes={"pattern": ("striped", 0.9), "sleeve": ("short", 0.9)})
    make_garment(user, attributes={"pattern": ("solid", 0.9), "sleeve": ("long", 0.9)})
    jeans = make_garment(
        user, category="pants", type="jeans", attributes={"wash": ("light", 0.9)}, image="clothing_pants.jpg"
    )
    make_garment(other_user, attributes={"pattern": ("striped", 0.9), "sleeve": ("long", 0.9)})

    def ids(query: str) -> list[int]:
        r = api.get(f"/api/garments/?{query}")
        assert r.status_code == 200, r.content
        return sorted(g["id"] for g in r.json()["results"])

    assert ids("pattern=striped&sleeve=long") == [striped.pk]
    assert ids("pattern=striped") == sorted([striped.pk, short.pk])
    assert ids("wash=light") == [jeans.pk]
    assert ids("stained=true") == [striped.pk]
    assert striped.pk not in ids("stained=false") and short.pk in ids("stained=false")
    assert ids("q=striped%20t-shirt") == sorted([striped.pk, short.pk])
    assert ids("q=줄무늬") == sorted([striped.pk, short.pk])
    assert ids("q=long%20sleeves%20striped") == [striped.pk]
    assert ids("q=연청") == [jeans.pk]
    r = api.get("/api/garments/?pattern=tartan")
    assert r.status_code == 400 and "pattern" in r.json() and "tartan" in r.json()["pattern"][0]


def test_search_words_match_attribute_labels_in_both_languages():
    assert ("pattern", "striped") in attribute_values_matching("Striped")
    assert ("pattern", "striped") in attribute_values_matching("줄무늬")
    assert ("wash", "light") in attribute_values_matching("light")
    assert attribute_values_matching("v") == [] and attribute_values_matching("none") == []


def test_api_stain_wash_and_dismiss(api, other_api, user):
    g = make_garment(user, stain="real")
    assert api.get(f"/api/garments/{g.pk}/").json()["stain"]["shown"] is True
    assert other_api.post(f"/api/garments/{g.pk}/stain/dismiss/").status_code == 404
    r = api.post(f"/api/garments/{g.pk}/stain/dismiss/")
    assert r.status_code == 200 and r.json()["stain"]["handled"] == "dismissed" and not r.json()["stain"]["shown"]
    assert r.json()["stain"]["found"] is True  # the model's finding stays on record
    g2 = make_garment(user, stain="real")
    r = api.post(f"/api/garments/{g2.pk}/stain/wash/")
    assert r.status_code == 200 and r.json()["laundry"] == "wash" and r.json()["stain"]["handled"] == "washed"
    clean = make_garment(user)  # nothing to dismiss: unchanged
    r = api.post(f"/api/garments/{clean.pk}/stain/dismiss/")
    assert r.status_code == 200 and r.json()["stain"]["handled"] == "" and not r.json()["stain"]["found"]


def test_the_stain_files_are_the_owners_only(client, user, other_user):
    g = make_garment(user, stain="real")
    client.force_login(user)
    from wardrobe.closet import picture_urls

    mask = client.get(picture_urls.garment_stain_mask_url(g))
    outline = client.get(picture_urls.garment_stain_outline_url(g))
    assert mask.status_code == 200 and mask["Content-Type"] == "image/png"
    assert outline.status_code == 200 and outline["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(outline.content))
    assert picture.mode == "RGBA" and picture.size == (g.box_width, g.box_height)
    alpha = np.asarray(picture)[..., 3]
    assert (alpha == 255).sum() > 50 and (alpha == 0).mean() > 0.5  # an outline, mostly transparent
    client.force_login(other_user)
    assert client.get(picture_urls.garment_stain_mask_url(g)).status_code == 404
    assert client.get(picture_urls.garment_stain_outline_url(g)).status_code == 404


def test_the_schema_documents_the_attributes_filters_and_stain_actions(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    params = {p["name"] for p in schema["paths"]["/api/garments/"]["get"]["parameters"]}
    assert {a.name for a in ATTRIBUTES} | {"stained"} <= params
    assert {"/api/garments/{id}/stain/dismiss/", "/api/garments/{id}/stain/wash/"} <= set(schema["paths"])
    garment = schema["components"]["schemas"]["Garment"]["properties"]
    assert {"attributes", "attribute_scores", "attributes_unsure", "stain"} <= set(garment)


# --- the pages ----------------------------------------------------------------------------------------


def test_the_item_page_shows_and_edits_attributes(client, user):
    g = make_garment(user, attributes={"pattern": ("striped", 0.97), "sleeve": ("short", 0.3)})
    client.force_login(user)
    url = reverse("closet:garment-detail", args=[g.pk])
    body = client.get(url).content.decode()
    assert 'name="pattern"' in body and 'name="neckline"' in body and 'name="fit"' not in body
    assert ">Striped<" in body and "unsure" in body
    from wardrobe.closet.forms import GarmentForm

    data = {k: v for k, v in GarmentForm.initial_for(g).items() if v not in (None, "")}
    data.update(colors=["navy"], pattern="checked")
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    g.refresh_from_db()
    assert g.pattern == "checked" and g.sleeve == "short" and g.attributes_confirmed == ["pattern"]
    client.post(reverse("accounts:language"), {"language": "ko"})
    body = client.get(url).content.decode()
    assert "체크무늬" in body and "패턴" in body


def test_the_item_page_outlines_a_stain_and_puts_it_in_the_wash(client, user):
    stained = make_garment(user, stain="real")
    clean = make_garment(user, stain=StainFinding(found=False, area=0.0, score=0.02, mask=None))
    client.force_login(user)
    body = client.get(reverse("closet:garment-detail", args=[stained.pk])).content.decode()
    assert 'id="stain-outline"' in body and 'id="stain-wash"' in body
    assert 'id="stain-outline"' not in client.get(reverse("closet:garment-detail", args=[clean.pk])).content.decode()
    r = client.post(reverse("closet:garment-stain-action", args=[stained.pk]), {"action": "wash"})
    assert r.status_code == 302
    stained.refresh_from_db()
    assert stained.laundry == Garment.Laundry.WASH and stained.stain_handled == "washed"
    assert 'id="stain-outline"' not in client.get(reverse("closet:garment-detail", args=[stained.pk])).content.decode()


def test_the_closet_page_filters_by_attribute(client, user):
    striped = make_garment(user, attributes={"pattern": ("striped", 0.9)})
    solid = make_garment(user, attributes={"pattern": ("solid", 0.9)})
    client.force_login(user)
    body = client.get(reverse("closet:closet") + "?pattern=striped").content.decode()
    assert f"/garments/{striped.pk}/" in body and f"/garments/{solid.pk}/" not in body
    assert 'id="f-pattern"' in body and 'id="f-stained"' in body


def test_every_attribute_label_has_korean():
    assert set(ATTRIBUTE_LABELS) == {a.label for a in ATTRIBUTES}
    assert set(VALUE_LABELS) == {label for a in ATTRIBUTES for _slug, label in a.values}
    for name in ATTRIBUTE_LABELS + VALUE_LABELS:
        with translation.override("ko"):
            korean = translation.gettext(name)
        assert korean != name and any("\uac00" <= ch <= "\ud7a3" for ch in korean), name


def test_api_confirm_takes_the_corrected_attributes(api, user):
    g = make_garment(user, attributes={"pattern": ("dotted", 0.2)}, threshold=0.6)
    assert g.status == Garment.Status.REVIEW
    r = api.post(f"/api/garments/{g.pk}/confirm/", {"pattern": "floral"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "closet" and r.json()["attributes"]["pattern"] == "floral"
    assert r.json()["attributes_unsure"] == []
    r = api.post(f"/api/garments/{g.pk}/confirm/", {"wash": "dark"}, format="json")
    assert r.status_code == 400 and "attributes" in r.json()
