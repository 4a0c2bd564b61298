"""Packing lists (issue 18, point 5): the counting and choosing rules, the services on PostgreSQL
with the loopback weather stub (no network), the API and the pages. Garments are cut from the real
fixture photos."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import FIXTURES, upload
from tests.factories import GarmentFactory
from tests.weather.stub import stubbed_weather
from wardrobe.closet import services as closet_services
from wardrobe.closet.models import Garment
from wardrobe.outfits.models import OutfitPlan
from wardrobe.packing import rules, services
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.suggestions.rules import Item

pytestmark = pytest.mark.django_db

COLD_WET = (-6.0, 0.0, 6.0, 90)  # (temp_min_c, temp_max_c, precipitation_mm, probability)
HOT_DRY = (24.0, 33.0, 0.0, 5)


def today() -> dt.date:
    return timezone.localdate()


def item(pk: int, category: str, type_slug: str | None = None, clo: float = 0.3) -> Item:
    return Item(id=pk, category=category, type=type_slug, clo=clo, color=None, kind=type_slug or category)


def days(*weathers) -> list[rules.TripDay]:
    start = dt.date(2026, 12, 1)
    return [rules.TripDay(start + dt.timedelta(days=i), *w) for i, w in enumerate(weathers)]


# --- rules ----------------------------------------------------------------------------------------


def test_counts_follow_the_trips_length_and_weather():
    cold_wet = days(*[(-4.0, True)] * 5)
    assert rules.packing_counts(cold_wet, []) == {"top": 5, "bottom": 3, "mid": 2, "outer": 1, "shoes": 2}
    hot_dry = days(*[(28.0, False)] * 3)
    assert rules.packing_counts(hot_dry, []) == {"top": 3, "bottom": 2, "shoes": 1}
    # Two weeks: a wash once a week; unknown weather takes outerwear along; hiking wants its shoes.
    long = days(*[(20.0, False)] * 7, *[(None, None)] * 7)
    assert rules.packing_counts(long, ["hiking"]) == {"top": 7, "bottom": 4, "outer": 1, "shoes": 2}
    with pytest.raises(ValueError):
        rules.packing_counts([], [])


def test_a_cold_wet_trip_takes_no_shorts_or_sandals_and_the_warmest_coat():
    closet = [
        item(1, "shorts"),
        item(2, "pants", "jeans"),
        item(3, "top-t-shirt-sweatshirt", "t-shirt"),
        item(4, "shoe", "sandals"),
        item(5, "shoe", "sneakers"),
        item(6, "shoe", "boots"),
        item(7, "jacket", "jacket", clo=0.35),
        item(8, "coat", None, clo=0.6),
        item(9, "sweater", "sweater", clo=0.35),
    ]
    chosen = rules.choose_items(closet, days((-3.0, True), (1.0, False)), [])
    by_role = {}
    for role, it in chosen:
        by_role.setdefault(role, []).append(it.id)
    assert 1 not in by_role.get("bottom", []) and 4 not in by_role["shoes"]
    assert by_role["outer"] == [8]  # the coat, warmer than the jacket
    assert by_role["shoes"][0] == 6  # boots first on a wet trip
    assert by_role["mid"] == [9] and 9 not in by_role.get("top", [])
    assert len({it.id for _role, it in chosen}) == len(chosen)


def test_a_hot_trip_may_take_shorts_and_sandals_and_no_coat():
    closet = [item(1, "shorts"), item(2, "coat", None, 0.6), item(3, "shoe", "sandals"), item(4, "shoe", "sneakers")]
    chosen = rules.choose_items(closet, days((29.0, False), (30.0, False)), ["beach"])
    ids = {it.id for _role, it in chosen}
    assert {1, 3, 4} <= ids and 2 not in ids
    assert rules.shortfall([role for role, _it in chosen], days((29.0, False), (30.0, False)), ["beach"]) == {"top": 2}


# --- services -------------------------------------------------------------------------------------


@pytest.fixture
def closet(user):
    """A small closet from the real fixture photos: tops, trousers, shorts, shoes, boots, sandals,
    a coat and a sweater, all clean and in the closet."""
    photos = {
        kind: closet_services.photo_create(
            owner=user, uploaded_file=upload(f"{kind}.jpg", (FIXTURES / f"clothing_{kind}.jpg").read_bytes())
        )
        for kind in ("tshirt", "pants", "shoes", "dress")
    }
    spec = [
        ("top-t-shirt-sweatshirt", "t-shirt", "tshirt"),
        ("top-t-shirt-sweatshirt", "long-sleeve", "tshirt"),
        ("shirt-blouse", "shirt", "tshirt"),
        ("pants", "jeans", "pants"),
        ("pants", "pants", "pants"),
        ("shorts", "shorts", "pants"),
        ("shoe", "boots", "shoes"),
        ("shoe", "sandals", "shoes"),
        ("shoe", "sneakers", "shoes"),
        ("coat", "coat", "tshirt"),
        ("sweater", "sweater", "tshirt"),
    ]
    return [GarmentFactory(photo=photos[p], category=c, type=t) for c, t, p in spec]


def kinds(trip: Trip) -> list[str]:
    return sorted(
        (i.garment.type.slug if i.garment.type_id else i.garment.category.slug)
        for i in PackingItem.objects.filter(trip=trip).select_related("garment__type", "garment__category")
    )


def test_a_trip_to_a_cold_wet_place_is_packed_from_its_forecast(user, closet, settings):
    start = today()
    with stubbed_weather(settings, daily=[COLD_WET] * 3) as stub:
        trip = services.trip_create(
            owner=user, name="Winter in Busan", place="Busan", start_date=start, end_date=start + dt.timedelta(days=2)
        )
        assert stub.requests_to("/v1/search") and stub.requests_to("/v1/forecast")
        forecast = stub.requests_to("/v1/forecast")[-1].params
    assert trip.location_name.startswith("Busan") and float(forecast["latitude"]) == pytest.approx(
        trip.latitude, abs=0.06
    )
    packed = kinds(trip)
    assert "shorts" not in packed and "sandals" not in packed
    assert {"coat", "boots", "sweater"} <= set(packed)
    assert sum(k in ("t-shirt", "long-sleeve", "shirt") for k in packed) == 3
    assert sum(k in ("jeans", "pants") for k in packed) == 2


def test_proposing_again_keeps_what_was_packed_or_added_and_planning_fills_the_calendar(user, closet, settings):
    start = today()
    with stubbed_weather(settings, daily=[HOT_DRY] * 2):
        trip = services.trip_create(owner=user, name="Beach", place="Busan", start_date=start, end_date=start)
        first = list(PackingItem.objects.filter(trip=trip))
        services.packing_item_set_packed(item=first[0], packed=True)
        coat = next(g for g in closet if g.category.slug == "coat")
        added = services.packing_item_add(trip=trip, garment_id=coat.pk)
        assert added.role == "outer" and not added.proposed
        with pytest.raises(ValidationError):
            services.packing_item_add(trip=trip, garment_id=coat.pk)  # already listed
        services.packing_list_propose(trip=trip)
        ids = set(PackingItem.objects.filter(trip=trip).values_list("pk", flat=True))
        assert first[0].pk in ids and added.pk in ids
        made = services.trip_outfits_plan(trip=trip)
        assert len(made) == 1
        plan = OutfitPlan.objects.get(outfit=made[0])
        assert plan.date == start and not plan.worn
        listed = set(PackingItem.objects.filter(trip=trip).values_list("garment_id", flat=True))
        assert set(made[0].items.values_list("garment_id", flat=True)) <= listed
        again = services.trip_outfits_plan(trip=trip)  # replaces, never doubles
        assert OutfitPlan.objects.filter(owner=user).count() == 1 and again[0].pk != made[0].pk


def test_another_users_garment_or_bad_dates_change_nothing(user, closet, django_user_model, settings):
    other = django_user_model.objects.create_user(username="other", password="x" * 12)
    theirs = GarmentFactory(photo__owner=other)
    start = today()
    with stubbed_weather(settings, daily=[HOT_DRY]):
        trip = services.trip_create(owner=user, name="Day trip", place="Seoul", start_date=start, end_date=start)
        with pytest.raises(ValidationError):
            services.packing_item_add(trip=trip, garment_id=theirs.pk)
        for bad in (
            {"start_date": start, "end_date": start - dt.timedelta(days=1)},
            {"start_date": start, "end_date": start + dt.timedelta(days=rules.MAX_TRIP_DAYS)},
        ):
            with pytest.raises(ValidationError) as exc:
                services.trip_create(owner=user, name="Bad", place="Seoul", **bad)
            assert "end_date" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.trip_create(owner=user, name="Nowhere", place="Atlantis", start_date=start, end_date=start)
        assert "city" in exc.value.message_dict
    assert Trip.objects.filter(owner=user).count() == 1
    assert not PackingItem.objects.filter(garment=theirs).exists()


def test_the_wash_and_the_archive_stay_home(user, closet, settings):
    washed = [g for g in closet if g.category.slug in ("top-t-shirt-sweatshirt", "shirt-blouse", "sweater")]
    closet_services.garments_set_laundry(garments=washed, laundry=Garment.Laundry.WASH)
    start = today()
    with stubbed_weather(settings, daily=[HOT_DRY] * 2):
        trip = services.trip_create(owner=user, name="Short", place="Seoul", start_date=start, end_date=start)
        missing = services.packing_list_propose(trip=trip)
    assert missing == {"top": 1}
    assert not PackingItem.objects.filter(trip=trip, garment__in=washed).exists()


def test_an_unreachable_forecast_still_gives_a_list(user, closet, settings):
    start = today()
    trip = Trip.objects.create(
        owner=user, name="Far", location_name="Paris", latitude=48.9, longitude=2.35, start_date=start, end_date=start
    )
    with stubbed_weather(settings, daily=[HOT_DRY], fail="500"):
        weather = services.trip_weather(trip=trip)
    assert weather.unavailable and weather.known == 0
    assert rules.packing_counts(weather.days, [])["outer"] == 1


# --- API ------------------------------------------------------------------------------------------


def test_api_creates_ticks_off_and_plans(api, user, closet, settings):
    start = today()
    with stubbed_weather(settings, daily=[COLD_WET] * 2):
        r = api.post(
            "/api/trips/",
            {
                "name": "Busan",
                "place": "Busan",
                "start_date": str(start),
                "end_date": str(start + dt.timedelta(days=1)),
                "activities": ["hiking"],
            },
            format="json",
        )
        assert r.status_code == 201, r.content
        body = r.json()
        assert [d["temp_c"] for d in body["days"]] == [-3.0, -3.0] and body["days"][0]["wet"] is True
        assert body["items"] and body["activities"] == ["hiking"]
        first = body["items"][0]
        r = api.patch(f"/api/trips/items/{first['id']}/", {"packed": True}, format="json")
        assert r.status_code == 200 and r.json()["packed"] is True
        r = api.post(f"/api/trips/{body['id']}/plan/")
        assert r.status_code == 200 and len(r.json()["outfits"]) == 2
        assert api.get("/api/trips/").json()[0]["id"] == body["id"]
        bad = api.post(
            "/api/trips/",
            {"name": "x", "place": "Busan", "start_date": str(start), "end_date": str(start), "activities": ["ski"]},
            format="json",
        )
        assert bad.status_code == 400 and "activities" in bad.json()
    assert Trip.objects.filter(owner=user).count() == 1


def test_api_hides_another_users_trip(api, django_user_model, settings):
    other = django_user_model.objects.create_user(username="other", password="x" * 12)
    trip = Trip.objects.create(
        owner=other,
        name="Theirs",
        location_name="Seoul",
        latitude=37.5,
        longitude=127.0,
        start_date=today(),
        end_date=today(),
    )
    assert api.get(f"/api/trips/{trip.pk}/").status_code == 404
    assert api.delete(f"/api/trips/{trip.pk}/").status_code == 404
    assert Trip.objects.filter(pk=trip.pk).exists()


# --- pages ----------------------------------------------------------------------------------------


def test_pages_create_a_trip_and_speak_korean(client, user, closet, settings):
    client.force_login(user)
    start = today()
    with stubbed_weather(settings, daily=[HOT_DRY] * 2):
        r = client.post(
            reverse("packing:trip-list"),
            {"name": "Seoul", "place": "Seoul", "start_date": start, "end_date": start + dt.timedelta(days=1)},
        )
        assert r.status_code == 302
        trip = Trip.objects.get(owner=user)
        page = client.get(r["Location"]).content.decode()
        assert "Packing list" in page and "33 °C" not in page and "29 °C" in page
        bad = client.post(
            reverse("packing:trip-list"),
            {"name": "Bad", "place": "Seoul", "start_date": start, "end_date": start - dt.timedelta(days=1)},
        )
        assert bad.status_code == 400 and "cannot end before it starts" in bad.content.decode()
        ko = client.get(reverse("packing:trip-detail", args=[trip.pk]), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "짐 목록" in ko
    assert Trip.objects.filter(owner=user).count() == 1
