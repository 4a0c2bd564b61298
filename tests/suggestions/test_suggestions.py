"""Warmth (per-item override, sums) and weather-aware outfit suggestions: the engine's rules, accepting
one, the API and the page. Real database, garments cut from the real fixture photos."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import FIXTURES, upload
from tests.factories import GarmentFactory
from tests.weather.stub import stubbed_weather
from vocabulary import warmth
from vocabulary.palette import NEUTRAL_COLORS
from wardrobe.closet import services
from wardrobe.closet.models import Garment, GarmentType, WearLog
from wardrobe.outfits import selectors as outfit_selectors
from wardrobe.outfits.models import Outfit, OutfitPlan
from wardrobe.outfits.services import outfit_create
from wardrobe.suggestions import rules as suggestions
from wardrobe.suggestions.rules import accent
from wardrobe.suggestions.services import suggest, suggestion_accept
from wardrobe.weather.forecast import DayForecast

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def day(
    temp_min: float, temp_max: float, mm: float = 0.0, probability: int | None = 0, date: dt.date | None = None
) -> DayForecast:
    return DayForecast(
        date=date or today(),
        temp_min_c=temp_min,
        temp_max_c=temp_max,
        precipitation_mm=mm,
        precipitation_probability=probability,
        weather_code=None,
        source="test",
    )


@pytest.fixture
def photos(user):
    """One uploaded photo per fixture garment picture, by kind: tshirt, pants, shoes, dress."""
    out = {}
    for kind in ("tshirt", "pants", "shoes", "dress"):
        data = (FIXTURES / f"clothing_{kind}.jpg").read_bytes()
        out[kind] = services.photo_create(owner=user, uploaded_file=upload(f"{kind}.jpg", data))
    return out


_PHOTO_FOR = {
    "shirt-blouse": "tshirt",
    "top-t-shirt-sweatshirt": "tshirt",
    "sweater": "tshirt",
    "cardigan": "tshirt",
    "vest": "tshirt",
    "jacket": "tshirt",
    "coat": "tshirt",
    "pants": "pants",
    "shorts": "pants",
    "skirt": "pants",
    "shoe": "shoes",
    "dress": "dress",
    "jumpsuit": "dress",
}


@pytest.fixture
def dress_up(photos):
    """``dress_up(category, type, color="navy", **fields)``: a garment in the closet cut from the
    matching fixture photo, with its dominant colour set."""

    def make(category: str, type_slug: str | None = None, color: str = "navy", **fields) -> Garment:
        g = GarmentFactory(photo=photos[_PHOTO_FOR.get(category, "tshirt")], category=category, type=type_slug)
        services.garment_update(garment=g, colors=[color], **fields)
        return g

    return make


def ids(suggestion) -> set[int]:
    return {g.pk for g in suggestion.garments}


def categories(suggestion) -> list[str]:
    return [g.category.slug for g in suggestion.garments]


def types(suggestion) -> list[str | None]:
    return [g.type.slug if g.type_id else None for g in suggestion.garments]


# --- warmth ---------------------------------------------------------------------------------------


def test_garment_warmth_falls_back_from_override_to_type_to_category(dress_up):
    jeans = dress_up("pants", "jeans")
    shirt = dress_up("shirt-blouse", "shirt")  # "shirt" has no value of its own: the category's
    coat = dress_up("coat", None)
    assert jeans.warmth == warmth.TYPE_CLO["jeans"] != warmth.CATEGORY_CLO["pants"]
    assert GarmentType.objects.get(slug="shirt").warmth_clo is None
    assert shirt.warmth == warmth.CATEGORY_CLO["shirt-blouse"]
    assert coat.warmth == warmth.CATEGORY_CLO["coat"]
    services.garment_update(garment=coat, warmth_clo=0.95)
    coat.refresh_from_db()
    assert coat.warmth_clo == 0.95 and coat.warmth == 0.95
    services.garment_update(garment=coat, warmth_clo=None)
    coat.refresh_from_db()
    assert coat.warmth_clo is None and coat.warmth == warmth.CATEGORY_CLO["coat"]


def test_outfit_warmth_is_the_sum_of_its_garments(user, dress_up):
    parts = [
        dress_up("top-t-shirt-sweatshirt", "t-shirt"),
        dress_up("pants", "jeans"),
        dress_up("jacket", "jacket", warmth_clo=0.55),
        dress_up("shoe", "boots"),
    ]
    expected = round(warmth.TYPE_CLO["t-shirt"] + warmth.TYPE_CLO["jeans"] + 0.55 + warmth.TYPE_CLO["boots"], 2)
    assert warmth.outfit_clo(g.warmth for g in parts) == expected
    outfit = outfit_create(owner=user, name="Layers", items=[{"garment": g.pk} for g in parts])
    assert outfit_selectors.outfit_clo(outfit_selectors.outfit_get(user=user, outfit_id=outfit.pk)) == expected


def test_warmth_override_is_validated(garment):
    for bad in (-0.1, 3.5, float("nan"), "warm"):
        with pytest.raises(ValidationError) as exc:
            services.garment_update(garment=garment, warmth_clo=bad)
        assert "warmth_clo" in exc.value.message_dict
    garment.refresh_from_db()
    assert garment.warmth_clo is None


def test_item_page_edits_the_warmth(client, user, garment):
    client.force_login(user)
    url = reverse("closet:garment-detail", args=[garment.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="warmth_clo"' in html and f'placeholder="{garment.warmth}"' in html
    form = {
        "kind": f"{garment.category.slug}:{garment.type.slug}",
        "picture": "cutout",
        "laundry": "clean",
        "warmth_clo": "0.45",
    }
    assert client.post(url, form).status_code == 302
    garment.refresh_from_db()
    assert garment.warmth_clo == 0.45 and garment.warmth == 0.45
    bad = client.post(url, {**form, "warmth_clo": "7"})
    assert bad.status_code == 400
    garment.refresh_from_db()
    assert garment.warmth_clo == 0.45
    assert client.post(url, {**form, "warmth_clo": ""}).status_code == 302
    garment.refresh_from_db()
    assert garment.warmth_clo is None


def test_api_reads_and_writes_the_warmth(api, garment):
    url = f"/api/garments/{garment.pk}/"
    body = api.get(url).json()
    assert body["warmth_clo"] is None and body["warmth"] == garment.warmth
    changed = api.patch(url, {"warmth_clo": 0.7}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["warmth_clo"] == 0.7 and changed.json()["warmth"] == 0.7
    for bad in (3.01, -1, True, "hot"):
        response = api.patch(url, {"warmth_clo": bad}, format="json")
        assert response.status_code == 400 and "warmth_clo" in response.json()
    cleared = api.patch(url, {"warmth_clo": None}, format="json").json()
    assert cleared["warmth_clo"] is None and cleared["warmth"] == garment.warmth


# --- the rules ------------------------------------------------------------------------------------


def test_target_clo_rule_rises_as_it_gets_colder():
    temps = list(range(-20, 40))
    targets = [suggestions.target_clo(t) for t in temps]
    assert all(a >= b for a, b in zip(targets, targets[1:]))
    for t, clo in suggestions.TARGET_CLO_POINTS:
        assert suggestions.target_clo(t) == clo
    assert suggestions.target_clo(-40) == suggestions.TARGET_CLO_POINTS[0][1]
    assert suggestions.target_clo(45) == suggestions.TARGET_CLO_POINTS[-1][1]


@pytest.fixture
def mixed_closet(dress_up):
    """A closet for any weather."""
    return {
        "tshirt": dress_up("top-t-shirt-sweatshirt", "t-shirt", "white"),
        "shirt": dress_up("shirt-blouse", "shirt", "light blue"),
        "longsleeve": dress_up("top-t-shirt-sweatshirt", "long-sleeve", "grey"),
        "sweater": dress_up("sweater", "sweater", "burgundy"),
        "jeans": dress_up("pants", "jeans", "denim"),
        "trousers": dress_up("pants", "pants", "black"),
        "shorts": dress_up("shorts", "shorts", "khaki"),
        "shorts2": dress_up("shorts", "shorts", "navy"),
        "skirt": dress_up("skirt", "skirt", "beige"),
        "dress": dress_up("dress", "dress", "red"),
        "coat": dress_up("coat", "coat", "camel"),
        "jacket": dress_up("jacket", "jacket", "navy"),
        "boots": dress_up("shoe", "boots", "brown"),
        "sneakers": dress_up("shoe", "sneakers", "white"),
        "sandals": dress_up("shoe", "sandals", "tan"),
    }


def test_cold_rainy_day_never_shorts_always_outerwear(user, mixed_closet):
    found = suggest(user=user, forecast=day(3, 7, mm=8, probability=90))
    assert len(found) == 3 and found.reason == ""
    for s in found:
        assert "shorts" not in categories(s)
        assert {"coat", "jacket", "cape"} & set(categories(s)), categories(s)
        assert "sandals" not in types(s)
        assert s.target_clo == suggestions.target_clo(5.0)
        assert s.clo == warmth.outfit_clo(g.warmth for g in s.garments)
        assert s.explanation.startswith("5 °C and rain: ")
    assert "boots" in types(found[0])  # preferred in the rain


def test_cold_day_with_only_shorts_gives_no_outfit(user, dress_up):
    dress_up("top-t-shirt-sweatshirt", "t-shirt", "white")
    dress_up("shorts", "shorts", "khaki")
    dress_up("coat", "coat", "black")
    dress_up("shoe", "boots", "black")
    cold_wet = suggest(user=user, forecast=day(2, 8, mm=8, probability=90))
    assert list(cold_wet) == [] and "shorts" in cold_wet.reason
    warm = suggest(user=user, forecast=day(18, 26))  # 22 °C, dry: shorts are fine
    assert [categories(s) for s in warm] == [["top-t-shirt-sweatshirt", "shorts", "shoe"]]


def test_wet_day_without_outerwear_gives_no_outfit(user, dress_up):
    dress_up("top-t-shirt-sweatshirt", "t-shirt", "white")
    dress_up("pants", "jeans", "denim")
    dress_up("shoe", "sneakers", "white")
    wet = suggest(user=user, forecast=day(20, 26, mm=5, probability=80))
    assert list(wet) == [] and "jacket or coat" in wet.reason
    dry = suggest(user=user, forecast=day(20, 26))
    assert len(dry) == 1


def test_hot_dry_day_has_no_coat(user, mixed_closet):
    found = suggest(user=user, forecast=day(26, 34))
    assert len(found) == 3
    for s in found:
        assert not {"coat", "jacket", "cape"} & set(categories(s))
        assert "sweater" not in categories(s)
        assert s.explanation.startswith("30 °C, dry: ")
        assert abs(s.clo - s.target_clo) <= 0.3


def test_sandals_only_on_warm_dry_days(user, dress_up):
    dress_up("top-t-shirt-sweatshirt", "t-shirt", "white")
    dress_up("pants", "jeans", "denim")
    dress_up("coat", "coat", "camel")
    dress_up("jacket", "jacket", "navy")
    sandals = dress_up("shoe", "sandals", "tan")
    for forecast, reason in ((day(-8, -2), "too cold for sandals"), (day(20, 30, mm=6, probability=90), "sandals")):
        found = suggest(user=user, forecast=forecast)
        assert list(found) == [] and reason in found.reason
    assert all(sandals.pk in ids(s) for s in suggest(user=user, forecast=day(20, 30)))


def test_item_in_the_wash_is_never_suggested(user, dress_up):
    dress_up("top-t-shirt-sweatshirt", "t-shirt", "white")
    dress_up("pants", "jeans", "denim")
    shoes = dress_up("shoe", "sneakers", "white")
    services.garments_set_laundry(garments=[shoes], laundry="wash")
    found = suggest(user=user, forecast=day(20, 26))
    assert list(found) == [] and found.reason == "No clean shoes in your closet."
    services.garments_set_laundry(garments=[shoes], laundry="clean")
    assert [shoes.pk in ids(s) for s in suggest(user=user, forecast=day(20, 26))] == [True]


def test_wash_archived_and_review_items_never_appear(user, mixed_closet, photos):
    services.garments_set_laundry(garments=[mixed_closet["coat"], mixed_closet["boots"]], laundry="wash")
    services.garment_archive(garment=mixed_closet["jacket"], reason="donated")
    waiting = GarmentFactory(photo=photos["tshirt"], category="jacket", type="jacket")
    Garment.objects.filter(pk=waiting.pk).update(status=Garment.Status.REVIEW)
    banned = {mixed_closet["coat"].pk, mixed_closet["boots"].pk, mixed_closet["jacket"].pk, waiting.pk}
    for forecast in (day(3, 7, mm=8, probability=90), day(12, 18), day(26, 34)):
        for s in suggest(user=user, forecast=forecast):
            assert not ids(s) & banned
    # The only outerwear is gone, so a wet day cannot be dressed for.
    assert list(suggest(user=user, forecast=day(3, 7, mm=8, probability=90))) == []


def test_recently_worn_items_are_left_out(user, mixed_closet):
    services.garments_wear(garments=[mixed_closet["jeans"], mixed_closet["tshirt"]], on=today() - dt.timedelta(days=1))
    old = today() - dt.timedelta(days=suggestions.RECENT_DAYS + 1)
    services.garments_wear(garments=[mixed_closet["trousers"]], on=old)  # long enough ago
    for forecast in (day(18, 26), day(8, 16), day(26, 34)):
        for s in suggest(user=user, forecast=forecast):
            assert mixed_closet["jeans"].pk not in ids(s) and mixed_closet["tshirt"].pk not in ids(s)
            assert "worn in the last" not in s.explanation
    assert any(mixed_closet["trousers"].pk in ids(s) for s in suggest(user=user, forecast=day(8, 16)))


def test_recently_worn_come_back_when_the_closet_is_too_small(user, dress_up):
    worn = dress_up("top-t-shirt-sweatshirt", "t-shirt", "white")
    fresh = dress_up("top-t-shirt-sweatshirt", "polo", "grey")
    dress_up("pants", "jeans", "denim")
    dress_up("shoe", "sneakers", "white")
    services.garments_wear(garments=[worn], on=today())
    found = suggest(user=user, forecast=day(18, 26, date=today() + dt.timedelta(days=1)))
    assert [fresh.pk in ids(s) for s in found] == [True, False]
    assert worn.pk in ids(found[1]) and "worn in the last 3 days" in found[1].explanation
    assert "worn in the last" not in found[0].explanation
    assert "Only 2 different outfits" in found.reason


def test_colours_keep_to_one_accent(user, dress_up):
    red_top = dress_up("top-t-shirt-sweatshirt", "t-shirt", "red")
    green_pants = dress_up("pants", "pants", "green")
    dress_up("shoe", "sneakers", "black")
    found = suggest(user=user, forecast=day(18, 26))
    assert list(found) == [] and "colour" in found.reason
    white_top = dress_up("top-t-shirt-sweatshirt", "t-shirt", "white")
    red_skirt = dress_up("skirt", "skirt", "red")
    found = suggest(user=user, forecast=day(18, 26))
    assert len(found) == 3
    for s in found:
        accents = {accent(g.dominant_color) for g in s.garments} - {None}
        assert len(accents) <= 1, [g.dominant_color for g in s.garments]
    pairs = [ids(s) for s in found]
    assert {red_top.pk, green_pants.pk} not in [p & {red_top.pk, green_pants.pk} for p in pairs]
    assert any({red_top.pk, red_skirt.pk} <= p for p in pairs)  # the same accent twice is fine
    assert any({white_top.pk, green_pants.pk} <= p for p in pairs)
    assert "navy" in NEUTRAL_COLORS and "red" not in NEUTRAL_COLORS


def test_three_varied_outfits_same_all_day(user, mixed_closet):
    forecast = day(14, 20)
    found = suggest(user=user, forecast=forecast)
    assert len(found) == 3
    cores = [{g.pk for g in s.garments if g.category.section.slug in ("tops", "bottoms", "one-pieces")} for s in found]
    for a in range(3):
        for b in range(a + 1, 3):
            assert not cores[a] & cores[b], "a top, bottom or one-piece repeats"
    for s in found:
        sections = [g.category.section.slug for g in s.garments]
        assert sections.count("shoes") == 1
        assert ("tops" in sections and "bottoms" in sections) or "one-pieces" in sections
    again = suggest(user=user, forecast=forecast)
    assert [ids(s) for s in again] == [ids(s) for s in found]
    assert [s.explanation for s in again] == [s.explanation for s in found]


def test_explanations_name_the_garments_in_the_users_language(user, mixed_closet):
    from django.utils import translation

    with translation.override("ko"):
        found = suggest(user=user, forecast=day(3, 7, mm=8, probability=90))
        for s in found:
            shoes = s.garments[-1]
            assert shoes.category.slug == "shoe" and shoes.kind.lower() in s.explanation
        korean = [s.garments[-1].kind for s in found]
    english = [s.garments[-1].kind for s in found]
    assert found and korean != english  # the kind names are translated


def test_suggest_counts():
    with pytest.raises(ValueError):
        suggest(user=None, forecast=day(10, 20), count=0)


# --- accepting ------------------------------------------------------------------------------------


def test_accept_logs_the_wear_and_saves_the_outfit(user, mixed_closet):
    chosen = suggest(user=user, forecast=day(3, 7, mm=8, probability=90))[0]
    outfit = suggestion_accept(
        user=user, date=today(), garment_ids=[g.pk for g in chosen.garments], explanation=chosen.explanation
    )
    assert outfit.source == Outfit.Source.SUGGESTION and outfit.explanation == chosen.explanation
    assert set(outfit.garments.values_list("pk", flat=True)) == ids(chosen)
    assert OutfitPlan.objects.get(outfit=outfit).date == today()
    assert OutfitPlan.objects.get(outfit=outfit).worn
    assert set(WearLog.objects.filter(worn_on=today()).values_list("garment_id", flat=True)) == ids(chosen)
    for g in chosen.garments:
        g.refresh_from_db()
        assert g.wear_count == 1 and g.last_worn_on == today()
    # Worn today: today's suggestions move on to other clothes.
    for s in suggest(user=user, forecast=day(3, 7, mm=8, probability=90)):
        assert not (ids(s) & ids(chosen)) or "worn in the last" in s.explanation


def test_accept_for_tomorrow_plans_without_logging(user, mixed_closet):
    tomorrow = today() + dt.timedelta(days=1)
    chosen = suggest(user=user, forecast=day(18, 26, date=tomorrow))[0]
    outfit = suggestion_accept(user=user, date=tomorrow, garment_ids=[g.pk for g in chosen.garments])
    plan = OutfitPlan.objects.get(outfit=outfit)
    assert plan.date == tomorrow and not plan.worn
    assert not WearLog.objects.exists()


def test_accept_refuses_garments_that_cannot_be_worn(user, other_user, mixed_closet, photos):
    base = [mixed_closet["tshirt"].pk, mixed_closet["jeans"].pk, mixed_closet["sneakers"].pk]
    other_photo = services.photo_create(
        owner=other_user, uploaded_file=upload("x.jpg", (FIXTURES / "clothing_shoes.jpg").read_bytes())
    )
    theirs = GarmentFactory(photo=other_photo, category="shoe", type="boots")
    washed = mixed_closet["coat"]
    services.garments_set_laundry(garments=[washed], laundry="wash")
    archived = services.garment_archive(garment=mixed_closet["jacket"], reason="sold")
    waiting = GarmentFactory(photo=photos["tshirt"], category="sweater", type="sweater")
    Garment.objects.filter(pk=waiting.pk).update(status=Garment.Status.REVIEW)
    for extra, words in (
        (theirs.pk, "No such garment"),
        (washed.pk, "in the wash"),
        (archived.pk, "archived"),
        (waiting.pk, "waiting for review"),
        (base[0], "only once"),
    ):
        with pytest.raises(ValidationError) as exc:
            suggestion_accept(user=user, date=today(), garment_ids=base + [extra])
        assert words in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        suggestion_accept(user=user, date=today(), garment_ids=[])
    assert not Outfit.objects.exists() and not OutfitPlan.objects.exists() and not WearLog.objects.exists()


# --- API ------------------------------------------------------------------------------------------


def _set_location(user, provider: str = "open-meteo"):
    from wardrobe.weather.services import weather_settings_update

    weather_settings_update(user=user, location_name="Seoul", latitude=37.57, longitude=126.98, provider=provider)


def test_api_suggestions_with_typed_weather(api, mixed_closet):
    response = api.get("/api/suggestions/", {"temp": "5", "rain": "true"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["date"] == today().isoformat() and body["forecast"]["source"] == "manual"
    assert body["forecast"]["wet"] is True and body["target_clo"] == suggestions.target_clo(5)
    assert len(body["suggestions"]) == 3 and body["reason"] == ""
    first = body["suggestions"][0]
    assert [item["id"] for item in first["items"]] == first["garments"]
    assert first["explanation"].startswith("5 °C and rain")
    sections = {item["section"] for item in first["items"]}
    assert "outerwear" in sections and "shoes" in sections
    assert first["clo"] == round(sum(item["warmth"] for item in first["items"]), 2)


def test_api_suggestions_from_the_stubbed_forecast(api, user, settings, mixed_closet):
    _set_location(user)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    with stubbed_weather(settings, daily={"today": (24, 32, 0.0, 5), "tomorrow": (2, 6, 9.0, 95)}) as stub:
        hot = api.get("/api/suggestions/").json()
        cold = api.get("/api/suggestions/", {"date": tomorrow}).json()
    assert len(stub.requests_to("/v1/forecast")) == 1  # cached
    assert hot["forecast"]["temp_mean_c"] == 28 and hot["forecast"]["source"] == "open-meteo"
    assert cold["forecast"]["date"] == tomorrow and cold["forecast"]["wet"] is True
    for s in hot["suggestions"]:
        assert "outerwear" not in {i["section"] for i in s["items"]}
    for s in cold["suggestions"]:
        assert "outerwear" in {i["section"] for i in s["items"]}


@pytest.mark.parametrize("fail", ["down", "500", "bad-json"])
def test_api_weather_unavailable_is_a_503(api, user, settings, mixed_closet, fail):
    _set_location(user)
    with stubbed_weather(settings, fail=fail):
        response = api.get("/api/suggestions/")
    assert response.status_code == 503
    assert "weather service" in response.json()["detail"]
    # Typed-in weather still works.
    with stubbed_weather(settings, fail=fail):
        assert api.get("/api/suggestions/", {"temp": 20}).status_code == 200


def test_api_no_location_manual_provider_and_bad_queries(api, user, mixed_closet):
    response = api.get("/api/suggestions/")  # the user can fix it: a 400, not a 503
    assert response.status_code == 400 and response.json()["code"] == "no-location"
    assert "Settings" in response.json()["detail"]
    _set_location(user, provider="manual")
    response = api.get("/api/suggestions/")
    assert response.status_code == 400 and response.json()["code"] == "manual"
    assert api.get("/api/suggestions/", {"temp": "-3.5", "rain": "false"}).status_code == 200
    for query in (
        {"date": "2001-01-01"},
        {"date": "tomorrow"},
        {"temp": "hot"},
        {"temp": 99},
        {"temp": "nan"},
        {"rain": "true"},
    ):
        response = api.get("/api/suggestions/", query)
        assert response.status_code == 400, (query, response.content)


def test_api_accept(api, user, mixed_closet):
    found = api.get("/api/suggestions/", {"temp": 12}).json()["suggestions"][0]
    response = api.post(
        "/api/suggestions/accept/",
        {"date": today().isoformat(), "garments": found["garments"], "explanation": found["explanation"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    outfit = Outfit.objects.get(pk=body["outfit"])
    assert body["worn"] is True and outfit.owner == user and outfit.explanation == found["explanation"]
    assert WearLog.objects.filter(worn_on=today()).count() == len(found["garments"])
    services.garments_set_laundry(garments=[mixed_closet["boots"]], laundry="wash")
    bad = api.post(
        "/api/suggestions/accept/", {"date": today().isoformat(), "garments": [mixed_closet["boots"].pk]}, format="json"
    )
    assert bad.status_code == 400 and "in the wash" in str(bad.json())
    for body in (
        {"date": today().isoformat(), "garments": []},
        {"date": "2001-01-01", "garments": [1]},
        {"garments": [1]},
        {"date": today().isoformat(), "garments": ["x"]},
    ):
        assert api.post("/api/suggestions/accept/", body, format="json").status_code == 400


def test_api_accept_refuses_someone_elses_garment(other_api, mixed_closet):
    response = other_api.post(
        "/api/suggestions/accept/", {"date": today().isoformat(), "garments": [mixed_closet["jeans"].pk]}, format="json"
    )
    assert response.status_code == 400 and "No such garment" in str(response.json())
    assert not Outfit.objects.exists()


# --- page -----------------------------------------------------------------------------------------


def test_page_without_location_asks_for_it_and_takes_typed_weather(client, user, mixed_closet):
    client.force_login(user)
    url = reverse("suggestions:suggestions")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set your location" in html and reverse("preferences:settings") in html
    assert 'name="today-temp"' in html and 'name="tomorrow-temp"' in html
    page = client.get(url, {"today-temp": "5", "today-rain": "on"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "5 °C and rain" in html and html.count('class="primary accept"') == 3
    assert (
        reverse("closet:garment-cutout", args=[mixed_closet["coat"].pk]) in html
        or reverse("closet:garment-cutout", args=[mixed_closet["jacket"].pk]) in html
    )
    assert client.get(url, {"today-temp": "hot"}).status_code == 400


def test_page_with_stubbed_forecast_and_accept(client, user, settings, mixed_closet):
    _set_location(user)
    client.force_login(user)
    with stubbed_weather(settings, daily={"today": (8, 16, 0.0, 10), "tomorrow": (26, 34, 0.0, 0)}):
        page = client.get(reverse("suggestions:suggestions"))
    html = page.content.decode()
    assert page.status_code == 200 and "12 °C, dry" in html and "30 °C, dry" in html
    chosen = page.context["days"][0]["suggestions"][0]
    response = client.post(
        reverse("suggestions:suggestions-accept"),
        {
            "date": today().isoformat(),
            "garments": [g.pk for g in chosen.garments],
            "explanation": chosen.explanation,
            "next": reverse("suggestions:suggestions"),
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("suggestions:suggestions")
    assert set(WearLog.objects.values_list("garment_id", flat=True)) == ids(chosen)
    assert Outfit.objects.get().source == "suggestion"
    # Someone else's ids or a day that is not today/tomorrow: a message, nothing written.
    for data in (
        {"date": today().isoformat(), "garments": [999999]},
        {"date": "2001-01-01", "garments": [g.pk for g in chosen.garments]},
    ):
        assert client.post(reverse("suggestions:suggestions-accept"), data).status_code == 302
    assert Outfit.objects.count() == 1


def test_page_when_the_weather_service_is_down(client, user, settings, mixed_closet):
    _set_location(user)
    client.force_login(user)
    with stubbed_weather(settings, fail="down"):
        page = client.get(reverse("suggestions:suggestions"))
    html = page.content.decode()
    assert page.status_code == 200 and "weather service cannot be reached" in html
    assert 'name="today-temp"' in html and 'class="primary accept"' not in html


def test_page_with_the_manual_provider(client, user, mixed_closet):
    _set_location(user, provider="manual")
    client.force_login(user)
    page = client.get(reverse("suggestions:suggestions"), {"tomorrow-temp": "28"})
    html = page.content.decode()
    assert page.status_code == 200 and "28 °C, dry" in html
    assert 'name="today-temp"' in html
    assert page.context["days"][0]["suggestions"] == [] and len(page.context["days"][1]["suggestions"]) == 3
    korean = client.get(reverse("suggestions:suggestions"), {"tomorrow-temp": "28"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert korean.status_code == 200 and '<html lang="ko">' in korean.content.decode()
