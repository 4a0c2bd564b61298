"""Issue 18, point 7: suggestions that fit the weather and are worth choosing. The rules engine on
plain items (no database), then the page's first visit, the occasion filter and the warmth note
on PostgreSQL with the loopback weather stub."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.weather.stub import stubbed_weather
from wardrobe.core.headers import PERMISSIONS_POLICY
from wardrobe.suggestions.rules import Item, Weather
from wardrobe.suggestions.search import plan_outfits

CLO = {
    "t-shirt": 0.08,
    "long-sleeve": 0.12,
    "shirt": 0.2,
    "undershirt": 0.05,
    "sweater": 0.35,
    "jeans": 0.24,
    "shorts": 0.06,
    "sandals": 0.02,
    "sneakers": 0.04,
    "boots": 0.1,
    "coat": 0.6,
    "jacket": 0.35,
    "cardigan": 0.3,
    "pants": 0.24,
}
CATEGORY = {
    "t-shirt": "top-t-shirt-sweatshirt",
    "long-sleeve": "top-t-shirt-sweatshirt",
    "undershirt": "top-t-shirt-sweatshirt",
    "shirt": "shirt-blouse",
    "sweater": "sweater",
    "cardigan": "cardigan",
    "jeans": "pants",
    "pants": "pants",
    "shorts": "shorts",
    "sandals": "shoe",
    "sneakers": "shoe",
    "boots": "shoe",
    "coat": "coat",
    "jacket": "jacket",
}


def closet(*kinds: str, **attrs) -> list[Item]:
    """Items numbered from 1 in the order given; ``attrs``: {kind: {"pattern": ..., "sleeve": ...}}."""
    return [
        Item(id=i, category=CATEGORY[k], type=k, clo=CLO[k], color="navy", kind=k, **attrs.get(k, {}))
        for i, k in enumerate(kinds, start=1)
    ]


def kinds_of(outcome) -> list[str]:
    return [i.type for i in outcome.items]


FULL = closet(
    "t-shirt",
    "undershirt",
    "shirt",
    "long-sleeve",
    "sweater",
    "cardigan",
    "jeans",
    "pants",
    "shorts",
    "sandals",
    "sneakers",
    "boots",
    "coat",
    "jacket",
)


@pytest.mark.parametrize("weather", [Weather(-8.0, False), Weather(-8.0, True), Weather(21.0, True)])
def test_no_open_shoes_shorts_or_sleeveless_tops_in_cold_or_wet_weather(weather):
    plan = plan_outfits(FULL, weather=weather, recent=set(), seed="s", count=3)
    assert len(plan.outcomes) == 3, plan.reason
    for outcome in plan.outcomes:
        kinds = kinds_of(outcome)
        assert not {"sandals", "shorts", "undershirt"} & set(kinds), kinds
        if weather.temp_c < 5 and "t-shirt" in kinds:  # a short-sleeved top only under a layer
            assert {"sweater", "cardigan"} & set(kinds), kinds


def test_a_sleeveless_attribute_counts_like_a_tank_top_and_a_warm_dry_day_allows_them():
    items = closet("shirt", "jeans", "shorts", "sandals", "jacket", shirt={"sleeve": "sleeveless"})
    assert plan_outfits(items, weather=Weather(10.0, False), recent=set(), seed="s").outcomes == []
    warm = plan_outfits(items, weather=Weather(27.0, False), recent=set(), seed="s", count=3)
    assert any({"shorts", "sandals"} <= set(kinds_of(o)) for o in warm.outcomes)


def test_three_suggestions_share_no_garment_and_each_names_its_own_pieces():
    plan = plan_outfits(FULL, weather=Weather(5.0, False), recent=set(), seed="day", count=3)
    ids = [{i.id for i in o.items} for o in plan.outcomes]
    assert len(ids) == 3 and not (ids[0] & ids[1] & ids[2])
    lines = [o.explanation for o in plan.outcomes]
    assert len(set(lines)) == 3, lines
    for outcome in plan.outcomes:
        for item in outcome.items:
            assert item.kind in outcome.explanation


def test_the_warmest_outfit_falling_short_says_add_a_layer():
    light = closet("t-shirt", "sweater", "jeans", "sneakers", "jacket")
    plan = plan_outfits(light, weather=Weather(-8.0, False), recent=set(), seed="s")
    assert plan.outcomes and "Add a layer" in plan.note and "1.64" in plan.note
    assert plan_outfits(FULL, weather=Weather(18.0, False), recent=set(), seed="s").note == ""


def test_at_most_one_patterned_piece_unless_the_person_mixes_them():
    items = closet("shirt", "jeans", "sneakers", shirt={"pattern": "striped"}, jeans={"pattern": "checked"}) + [
        Item(id=9, category="pants", type="pants", clo=0.24, color="navy", kind="pants", pattern="solid")
    ]
    plain = plan_outfits(items, weather=Weather(20.0, False), recent=set(), seed="s", count=2)
    assert all(sum(i.pattern in ("striped", "checked") for i in o.items) <= 1 for o in plain.outcomes)
    mixed = plan_outfits(items, weather=Weather(20.0, False), recent=set(), seed="s", count=2, mix_patterns=True)
    assert any({"striped", "checked"} <= {i.pattern for i in o.items} for o in mixed.outcomes)


def test_the_occasion_leaves_out_what_does_not_suit_it():
    formal = plan_outfits(FULL, weather=Weather(12.0, False), recent=set(), seed="s", count=3, occasion="formal")
    assert formal.outcomes
    for outcome in formal.outcomes:
        assert not {"t-shirt", "jeans", "sneakers", "undershirt"} & set(kinds_of(outcome))


# --- the page and the API -------------------------------------------------------------------------


@pytest.fixture
def small_closet(user):
    from tests.conftest import FIXTURES, upload
    from tests.factories import GarmentFactory
    from wardrobe.closet import services

    photo = services.photo_create(
        owner=user, uploaded_file=upload("t.jpg", (FIXTURES / "clothing_tshirt.jpg").read_bytes())
    )
    for category, type_slug in [
        ("top-t-shirt-sweatshirt", "t-shirt"),
        ("shirt-blouse", "shirt"),
        ("sweater", "sweater"),
        ("pants", "jeans"),
        ("pants", "pants"),
        ("shoe", "sneakers"),
        ("shoe", "boots"),
        ("jacket", "jacket"),
    ]:
        GarmentFactory(photo=photo, category=category, type=type_slug)


@pytest.mark.django_db
def test_the_first_visit_asks_for_the_place_and_then_suggests(client, user, small_closet, settings):
    client.force_login(user)
    page = client.get(reverse("suggestions:suggestions")).content.decode()
    assert "Where are you?" in page and 'name="city"' in page
    with stubbed_weather(settings, daily=[(-12.0, -4.0, 0.0, 0), (-10.0, -2.0, 0.0, 0)]):
        bad = client.post(reverse("suggestions:suggestions-place"), {"city": "Atlantis"}, follow=True)
        assert "No place called" in bad.content.decode()
        r = client.post(reverse("suggestions:suggestions-place"), {"city": "Seoul"}, follow=True)
        page = r.content.decode()
    assert "Where are you?" not in page and "Location saved" in page
    assert "Add a layer" in page  # -8 °C: the jacket, sweater and jeans fall short of 1.64 clo
    assert "Sandals" not in page


@pytest.mark.django_db
def test_the_browsers_position_is_saved_rounded_and_bad_values_change_nothing(client, user):
    from wardrobe.weather.selectors import weather_settings_get

    client.force_login(user)
    client.post(reverse("suggestions:suggestions-place"), {"latitude": "abc", "longitude": "1"})
    place = weather_settings_get(user=type(user).objects.get(pk=user.pk))
    assert place.latitude is None
    client.post(reverse("suggestions:suggestions-place"), {"latitude": "37.56651", "longitude": "126.97801"})
    place = weather_settings_get(user=type(user).objects.get(pk=user.pk))
    assert (place.latitude, place.longitude) == (37.57, 126.98)
    assert "geolocation=(self)" in PERMISSIONS_POLICY and "camera=()" in PERMISSIONS_POLICY


@pytest.mark.django_db
def test_api_takes_an_occasion_and_says_when_the_closet_is_too_light(api, small_closet):
    today = timezone.localdate()
    r = api.get("/api/suggestions/", {"temp": -8, "occasion": "formal", "date": today.isoformat()})
    assert r.status_code == 200, r.content
    body = r.json()
    assert "Add a layer" in body["note"]
    for s in body["suggestions"]:
        assert not {"T-shirt", "Jeans", "Sneakers"} & {i["kind"] for i in s["items"]}
    assert api.get("/api/suggestions/", {"temp": 10, "occasion": "gala"}).status_code == 400
