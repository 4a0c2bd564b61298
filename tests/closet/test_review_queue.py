"""The quicker review (issue 14, part 5) without a browser: plain category and type names, the picker's
options and what a person may type in it, the review page's cards (the box on the photo), the review
API its script calls (owner checks, bad input), the no-JavaScript form, the closet search by
category and type names in English and Korean, and the upload page's recent photos."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts import services as account_services
from tests.factories import GarmentFactory, PhotoFactory, fixture_jpeg
from wardrobe.closet import names
from wardrobe.closet.models import Garment
from wardrobe.closet.views.lookups import kind_choices, kind_from_text, kind_options

pytestmark = pytest.mark.django_db

REVIEW = Garment.Status.REVIEW
GUESSES = [
    {"category": "shoe", "type": "shoes", "score": 0.5},
    {"category": "pants", "type": "jeans", "score": 0.3},
    {"category": "shorts", "type": None, "score": 0.1},
]


def in_review(garment: Garment, guesses=GUESSES) -> Garment:
    """Test setup: the garment waits for review with these guesses."""
    Garment.objects.filter(pk=garment.pk).update(status=REVIEW, guesses=guesses)
    garment.refresh_from_db()
    return garment


def stored(garment: Garment) -> tuple:
    g = Garment.objects.filter(pk=garment.pk).select_related("category", "type").first()
    return None if g is None else (g.status, g.category.slug, g.type.slug if g.type_id else None)


# --- plain names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category, type, english, korean",
    [
        ("Shoe", "Shoes", "Shoes", "신발"),
        ("Shoes", "Shoe", "Shoe", "신발"),
        ("Pants", "Pants", "Pants", "바지"),
        ("Glove", "Gloves", "Gloves", "장갑"),
        ("Leg warmer", "Leg warmers", "Leg warmers", "레그워머"),
        ("Sock", None, "Sock", "양말"),
        ("Pants", "Jeans", "Pants · Jeans", "바지 · 청바지"),
        ("Shoe", "Sneakers", "Shoe · Sneakers", "신발 · 운동화"),
        ("Dress", "Dresses", "Dresses", None),  # not in the catalogue: English only
    ],
)
def test_a_type_named_like_its_category_reads_once(category, type, english, korean):
    with translation.override("en"):
        assert names.kind_label(category, type) == english
    if korean:
        with translation.override("ko"):
            assert names.kind_label(category, type) == korean


def test_garment_kind_label_and_the_guess_filter_use_the_one_rule(photo):
    from wardrobe.closet.selectors import kind_names
    from wardrobe.closet.templatetags.closet_tags import kind_label

    shoes = GarmentFactory(photo=photo, category="shoe", type="shoes")
    jeans = GarmentFactory(photo=photo, category="pants", type="jeans")
    bare = GarmentFactory(photo=photo, category="sock", type=None)
    assert (shoes.kind_label, jeans.kind_label, bare.kind_label) == ("Shoes", "Pants · Jeans", "Sock")
    slugs = kind_names()
    assert [kind_label(g, slugs) for g in GUESSES] == ["Shoes", "Pants · Jeans", "Shorts"]
    with translation.override("ko"):
        assert [kind_label(g, slugs) for g in GUESSES] == ["신발", "바지 · 청바지", "반바지"]


def test_item_page_crumbs_name_a_section_and_its_namesake_category_once(client, user, photo):
    """ "Shoes › Shoe" was the item page's breadcrumb; a section named like the category reads once."""
    shoes = GarmentFactory(photo=photo, category="shoe", type="sneakers")
    hat = GarmentFactory(photo=photo, category="hat", type=None)
    client.force_login(user)

    def crumbs(garment):
        html = client.get(reverse("closet:garment-detail", args=[garment.pk])).content.decode()
        block = re.search(r'<p class="muted crumbs">(.*?)</p>', html, re.S).group(1)
        return [t.strip() for t in re.findall(r">([^<]+)</a>", block)]

    assert crumbs(shoes) == ["Shoe"]
    assert crumbs(hat) == ["Accessories", "Hat"]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_picker_options_are_plain_unique_and_cover_every_type(language):
    from wardrobe.closet.models import GarmentType

    with translation.override(language):
        options = kind_options()
        groups = kind_choices()
    labels = [o["label"] for o in options]
    assert len(labels) == len(set(labels)), "two options read the same"
    for label in labels:
        parts = label.split(names.KIND_SEPARATOR)
        assert len(parts) in (1, 2) and (len(parts) == 1 or parts[0] != parts[1]), label
    assert "Shoe · Shoes" not in labels and "Shoes · Shoe" not in labels
    values = {o["value"] for o in options}
    assert {f"{t.category.slug}:{t.slug}" for t in GarmentType.objects.select_related("category")} <= values
    assert "shoe:" not in values and "hat:" not in values  # both have a type of their own name
    # every option searches in both languages
    jeans = next(o for o in options if o["value"] == "pants:jeans")
    assert "pants · jeans" in jeans["search"] and "바지 · 청바지" in jeans["search"]
    # grouped for the item page's select: the namesake type stands for the category alone
    shoe = next(g for g in groups if any(v == "shoe:sneakers" for v, _l, _a in g["options"]))
    assert ("shoe:shoes", "Shoes" if language == "en" else "신발", "shoe:") in shoe["options"]
    assert shoe["label"] == ("Shoe" if language == "en" else "신발")  # not "Shoes › Shoe"


def test_item_page_selects_the_namesake_option_for_a_garment_without_a_type(client, user, photo):
    garment = GarmentFactory(photo=photo, category="shoe", type=None)
    client.force_login(user)
    body = client.get(reverse("closet:garment-detail", args=[garment.pk])).content.decode()
    assert re.search(r'<option value="shoe:shoes"\s+selected>', body)


@pytest.mark.parametrize(
    "text, value",
    [
        ("Shoe · Sneakers", "shoe:sneakers"),
        ("  shoe ·   SNEAKERS ", "shoe:sneakers"),
        ("신발 · 운동화", "shoe:sneakers"),
        ("Sneakers", "shoe:sneakers"),
        ("청바지", "pants:jeans"),
        ("Shoes", "shoe:shoes"),
        ("Shorts", "shorts:shorts"),
        ("pants:jeans", "pants:jeans"),
    ],
)
def test_what_a_person_types_in_the_picker(text, value):
    assert kind_from_text(text) == value


@pytest.mark.parametrize("text", ["", "   ", "Spaceship", "Shoe · Jeans"])
def test_an_unknown_picker_text_is_a_clear_error(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        kind_from_text(text)
    if text.strip():
        assert text.strip() in err.value.messages[0] and "pick one from the list" in err.value.messages[0]
    with translation.override("ko"), pytest.raises(ValidationError) as err:
        kind_from_text("Spaceship")
    assert "목록" in err.value.messages[0]


# --- the review page ---------------------------------------------------------------------------------


@pytest.fixture
def queue(user):
    """Two photos of the user with garments to review (real fixture photos), and one of another user."""
    first = PhotoFactory(owner=user, image=fixture_jpeg("clothing_shoes.jpg"), name="shoes.jpg")
    second = PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg"), name="pants.jpg")
    return {
        "first": [in_review(GarmentFactory(photo=first, category="shoe", type="shoes")) for _ in range(2)],
        "second": [in_review(GarmentFactory(photo=second, category="pants", type="jeans"))],
    }


def test_review_page_shows_every_garment_with_its_box_on_the_photo(client, user, queue):
    client.force_login(user)
    r = client.get(reverse("closet:review"))
    assert r.status_code == 200
    body = r.content.decode()
    assert body.count('class="card review-group"') == 2 and body.count('class="review-card"') == 3
    assert "data-review-live" in body and "js/review.js" in body
    g = queue["first"][0]
    w, h = g.photo.width, g.photo.height
    # The box is drawn in photo pixels over the photo (an SVG, no style attribute: the CSP allows none).
    assert f'<svg class="spot-mark" viewBox="0 0 {w} {h}" preserveAspectRatio="none"' in body
    assert f'<rect class="spot-box" x="{g.x0}" y="{g.y0}" width="{g.x1 - g.x0}" height="{g.y1 - g.y0}"' in body
    assert "style=" not in body
    assert reverse("closet:photo-image", args=[g.photo_id]) in body
    assert body.count('<datalist id="kind-options">') == 1 and 'data-kind="shoe:sneakers"' in body
    assert "Shoes · Shoe" not in body and "Shoe · Shoes" not in body
    assert reverse("garment-confirm", args=[0]) in body and reverse("photo-confirm-all", args=[0]) in body


def test_review_page_in_korean(client, user, queue):
    account_services.profile_update(user=user, language="ko")
    client.force_login(user)
    body = client.get(reverse("closet:review")).content.decode()
    assert 'value="신발 · 운동화" data-kind="shoe:sneakers"' in body
    with translation.override("ko"):
        for text in ("Confirm all on this photo", "Type to search, e.g. jeans", "Where it is on the photo"):
            assert translation.gettext(text) != text and translation.gettext(text) in body


# --- the API the page's script calls -----------------------------------------------------------------


def test_api_confirms_as_picked_rejects_and_confirms_a_photo(api, queue):
    a, b = queue["first"]
    (c,) = queue["second"]
    r = api.post(f"/api/garments/{a.pk}/confirm/", {"category": "shoe", "type": "sneakers"}, format="json")
    assert r.status_code == 200 and stored(a) == ("closet", "shoe", "sneakers")
    assert api.post(f"/api/garments/{b.pk}/reject/").status_code == 204 and stored(b) is None
    assert api.post(f"/api/photos/{c.photo_id}/confirm-all/").json() == {"confirmed": 1}
    assert stored(c) == ("closet", "pants", "jeans")


def test_api_review_of_another_users_garment_is_404_and_changes_nothing(other_api, queue):
    a = queue["first"][0]
    before = stored(a)
    assert other_api.post(f"/api/garments/{a.pk}/confirm/", {"category": "hat"}, format="json").status_code == 404
    assert other_api.post(f"/api/garments/{a.pk}/reject/").status_code == 404
    assert other_api.post(f"/api/photos/{a.photo_id}/confirm-all/").status_code == 404
    assert stored(a) == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"category": "shoe", "type": "jeans"}, "type"),
        ({"category": "spaceship"}, "category"),
        ({"type": "warp-drive"}, "type"),
        ({"category": ""}, "category"),
    ],
)
def test_api_bad_kind_is_a_400_in_the_users_language_and_changes_nothing(api, queue, payload, field):
    a = queue["first"][0]
    before = stored(a)
    r = api.post(f"/api/garments/{a.pk}/confirm/", payload, format="json", HTTP_ACCEPT_LANGUAGE="ko")
    assert r.status_code == 400 and field in r.json()
    assert any("\uac00" <= ch <= "\ud7a3" for ch in str(r.json())), r.json()
    assert stored(a) == before


# --- without JavaScript: one form per photo ----------------------------------------------------------


def test_no_js_form_takes_the_pickers_text_in_either_language(client, user, queue):
    a, b = queue["first"]
    client.force_login(user)
    url = reverse("closet:photo-review", args=[a.photo_id])
    body = {f"kind-{a.pk}": "other", f"other-{a.pk}": "신발 · 운동화", f"kind-{b.pk}": "reject"}
    r = client.post(url, body, follow=True)
    assert r.status_code == 200 and b"1 confirmed, 1 rejected." in r.content
    assert stored(a) == ("closet", "shoe", "sneakers") and stored(b) is None


def test_no_js_form_with_an_unknown_text_says_so_and_writes_nothing(client, user, queue):
    a, b = queue["first"]
    client.force_login(user)
    url = reverse("closet:photo-review", args=[a.photo_id])
    body = {f"kind-{b.pk}": "pants:jeans", f"kind-{a.pk}": "other", f"other-{a.pk}": "Spaceship"}
    r = client.post(url, body, follow=True)
    assert r.status_code == 200
    assert "“Spaceship” is not a category or type we know" in r.content.decode()
    assert stored(a) == (REVIEW, "shoe", "shoes") and stored(b) == (REVIEW, "shoe", "shoes")


def test_photo_and_item_pages_offer_the_searchable_picker_without_javascript(client, user, queue):
    a = queue["first"][0]
    client.force_login(user)
    for url in (reverse("closet:photo-detail", args=[a.photo_id]), reverse("closet:garment-detail", args=[a.pk])):
        body = client.get(url).content.decode()
        assert f'<datalist id="kinds-{a.photo_id}">' in body, url
        assert re.search(rf'<input type="text" id="other-{a.pk}" name="other-{a.pk}" list="kinds-{a.photo_id}"', body)
        assert '<option value="Shoe · Sneakers" data-kind="shoe:sneakers">' in body
        assert "data-review-live" not in body and 'class="spot-box"' not in body  # the review page's own


def test_no_js_form_of_another_users_photo_is_404(client, other_user, queue):
    a = queue["first"][0]
    client.force_login(other_user)
    r = client.post(reverse("closet:photo-review", args=[a.photo_id]), {f"kind-{a.pk}": "reject"})
    assert r.status_code == 404 and stored(a) == (REVIEW, "shoe", "shoes")


# --- the closet search -------------------------------------------------------------------------------


@pytest.fixture
def wardrobe_of_kinds(user, photo):
    return {
        "blazer": GarmentFactory(photo=photo, category="jacket", type="blazer"),
        "jacket": GarmentFactory(photo=photo, category="jacket", type="jacket"),
        "jeans": GarmentFactory(photo=photo, category="pants", type="jeans", name="Blue"),
        "sneakers": GarmentFactory(photo=photo, category="shoe", type="sneakers"),
        "named": GarmentFactory(photo=photo, category="hat", type="hat", name="Jacket-matching hat"),
    }


@pytest.mark.parametrize(
    "q, expected",
    [
        ("jacket", {"blazer", "jacket", "named"}),
        ("재킷", {"blazer", "jacket"}),
        ("Jackets", {"blazer", "jacket"}),
        ("blazer", {"blazer"}),
        ("블레이저", {"blazer"}),
        ("shoes", {"sneakers"}),
        ("신발", {"sneakers"}),
        ("bottoms", {"jeans"}),
        ("하의", {"jeans"}),
        ("jeans blue", {"jeans"}),
        ("청바지 red", set()),
    ],
)
def test_search_matches_category_and_type_names_in_english_and_korean(api, wardrobe_of_kinds, q, expected):
    names_by_id = {g.pk: key for key, g in wardrobe_of_kinds.items()}
    for language in ("en", "ko"):
        r = api.get("/api/garments/", {"q": q}, HTTP_ACCEPT_LANGUAGE=language)
        assert r.status_code == 200
        assert {names_by_id[g["id"]] for g in r.json()["results"]} == expected, (q, language)


def test_closet_page_search_in_korean_finds_jackets_by_their_english_name(client, user, wardrobe_of_kinds):
    account_services.profile_update(user=user, language="ko")
    client.force_login(user)
    body = client.get(reverse("closet:closet"), {"q": "jacket"}).content.decode()
    found = {int(v) for v in re.findall(r'name="ids" value="(\d+)"', body)}
    assert found == {wardrobe_of_kinds[k].pk for k in ("blazer", "jacket", "named")}
    with translation.override("ko"):
        assert translation.gettext("Search by name, brand or kind") in body


def test_search_is_scoped_to_the_user(other_api, wardrobe_of_kinds):
    assert other_api.get("/api/garments/", {"q": "jacket"}).json()["results"] == []


# --- the upload page ---------------------------------------------------------------------------------


def test_upload_page_lists_the_latest_photos_of_the_user_only(client, user, other_user, queue):
    theirs = PhotoFactory(owner=other_user)
    client.force_login(user)
    body = client.get(reverse("closet:upload")).content.decode()
    assert 'class="recent-grid"' in body
    for g in (queue["first"][0], queue["second"][0]):
        assert reverse("closet:photo-image", args=[g.photo_id]) in body
    assert reverse("closet:photo-image", args=[theirs.pk]) not in body
