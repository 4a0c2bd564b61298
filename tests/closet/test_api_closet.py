"""REST API of the closet: garment fields, PATCH, list filters, review, archive, wear log, laundry,
photo polling and confirm-all, user settings, scoping to the owner and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import upload
from tests.factories import GarmentFactory
from wardrobe.closet import services
from wardrobe.closet.filters import SORTS, STATES
from wardrobe.closet.models import Garment, WearLog

pytestmark = pytest.mark.django_db

GUESSES = [
    {"category": "pants", "type": "jeans", "score": 0.55},
    {"category": "shorts", "type": None, "score": 0.2},
    {"category": "skirt", "type": None, "score": 0.1},
]


def to_review(garment: Garment, score: float = 0.5) -> Garment:
    """Test setup: turn a garment into a detection waiting for review, with guesses."""
    Garment.objects.filter(pk=garment.pk).update(status=Garment.Status.REVIEW, score=score, guesses=GUESSES)
    garment.refresh_from_db()
    return garment


def snapshot(garment: Garment) -> dict:
    """Every user-editable value of a garment as stored now."""
    g = Garment.objects.get(pk=garment.pk)
    return {
        "category": g.category_id,
        "type": g.type_id,
        "colors": [c.as_dict() for c in g.color_list],
        "status": g.status,
        "archive_reason": g.archive_reason,
        "seasons": g.season_list,
        "name": g.name,
        "brand": g.brand,
        "size": g.size,
        "material": g.material,
        "price": g.price,
        "currency": g.currency,
        "purchase_date": g.purchase_date,
        "notes": g.notes,
        "picture": g.picture,
        "laundry": g.laundry,
        "wear_count": g.wear_count,
        "last_worn_on": g.last_worn_on,
    }


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [g["id"] for g in response.json()["results"]]


@pytest.fixture
def other_photo(other_user, jpeg_bytes):
    return services.photo_create(owner=other_user, uploaded_file=upload("other.jpg", jpeg_bytes))


@pytest.fixture
def other_garment(other_photo):
    return GarmentFactory(photo=other_photo)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


# --- shape and PATCH -------------------------------------------------------------------------------


def test_garment_shape_has_closet_fields(api, garment):
    r = api.get(f"/api/garments/{garment.pk}/")
    assert r.status_code == 200
    g = r.json()
    assert {
        "status",
        "archive_reason",
        "archived_at",
        "guesses",
        "name",
        "brand",
        "size",
        "material",
        "seasons",
        "price",
        "currency",
        "cost_per_wear",
        "purchase_date",
        "notes",
        "picture",
        "picture_url",
        "laundry",
        "wear_count",
        "last_worn_on",
        "colors",
        "updated_at",
    } <= set(g)
    assert (g["status"], g["archive_reason"], g["archived_at"]) == ("closet", "", None)
    assert (g["seasons"], g["price"], g["currency"], g["cost_per_wear"]) == ([], None, "", None)
    assert (g["picture"], g["laundry"], g["wear_count"], g["last_worn_on"]) == ("cutout", "clean", 0, None)
    assert g["guesses"] == []
    assert g["picture_url"].startswith(f"http://testserver/media/garments/{garment.pk}/picture?v=")  # versioned
    picture = api.get(g["picture_url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"


def test_patch_every_editable_field(api, garment):
    payload = {
        "name": "Oxford shirt",
        "brand": "Uniqlo",
        "size": "M",
        "material": "Cotton",
        "seasons": ["autumn", "spring"],
        "colors": ["white", "navy"],
        "price": "39.90",
        "currency": "USD",
        "purchase_date": "2024-03-01",
        "notes": "Iron on low.",
        "picture": "photo",
        "laundry": "wash",
        "category": "pants",
        "type": "jeans",
    }
    r = api.patch(f"/api/garments/{garment.pk}/", payload, format="json")
    assert r.status_code == 200, r.content
    g = r.json()
    assert (g["name"], g["brand"], g["size"], g["material"]) == ("Oxford shirt", "Uniqlo", "M", "Cotton")
    assert g["seasons"] == ["spring", "autumn"]  # calendar order
    assert [(c["name"], c["fraction"]) for c in g["colors"]] == [("white", 0.0), ("navy", 1.0)]
    assert (g["price"], g["currency"], g["cost_per_wear"]) == ("39.90", "USD", "39.90")
    assert (g["purchase_date"], g["notes"], g["picture"], g["laundry"]) == (
        "2024-03-01",
        "Iron on low.",
        "photo",
        "wash",
    )
    assert (g["category"], g["type"], g["section"]) == ("pants", "jeans", "bottoms")
    stored = Garment.objects.get(pk=garment.pk)
    assert stored.season_list == ["spring", "autumn"] and stored.color_name_list == ["white", "navy"]
    assert stored.price == Decimal("39.90") and stored.purchase_date == dt.date(2024, 3, 1)
    assert (stored.picture, stored.laundry, stored.type.slug) == ("photo", "wash", "jeans")


def test_patch_price_takes_default_currency_and_can_be_cleared(api, garment):
    r = api.patch(f"/api/garments/{garment.pk}/", {"price": "15000"}, format="json")
    assert r.status_code == 200 and (r.json()["price"], r.json()["currency"]) == ("15000.00", "KRW")
    r = api.patch(
        f"/api/garments/{garment.pk}/", {"price": None, "purchase_date": None, "seasons": [], "name": ""}, format="json"
    )
    assert r.status_code == 200, r.content
    assert (r.json()["price"], r.json()["purchase_date"], r.json()["seasons"]) == (None, None, [])
    assert Garment.objects.get(pk=garment.pk).price is None


def test_patch_form_encoded_lists(api, garment):
    r = api.patch(
        f"/api/garments/{garment.pk}/", {"seasons": ["winter", "summer"], "brand": "Muji"}, format="multipart"
    )
    assert r.status_code == 200, r.content
    assert r.json()["seasons"] == ["summer", "winter"] and r.json()["brand"] == "Muji"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"price": "-1"}, "price"),
        ({"price": "cheap"}, "price"),
        ({"currency": "XYZ"}, "currency"),
        ({"seasons": ["monsoon"]}, "seasons"),
        ({"seasons": "spring"}, "seasons"),
        ({"colors": ["plaid"]}, "colors"),
        ({"picture": "poster"}, "picture"),
        ({"laundry": "dirty"}, "laundry"),
        ({"purchase_date": "yesterday"}, "purchase_date"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Renamed", "price": "-5"}, "price"),  # one bad field: nothing changes
        ({"name": "Renamed", "type": "sneakers", "category": "pants"}, "type"),
        ({"status": "archived"}, "non_field_errors"),  # not editable: an empty change
        ({}, "non_field_errors"),
    ],
)
def test_patch_bad_input_changes_nothing(api, garment, payload, field):
    before = snapshot(garment)
    r = api.patch(f"/api/garments/{garment.pk}/", payload, format="json")
    assert r.status_code == 400
    assert field in r.json()
    assert snapshot(garment) == before


def test_patch_other_users_garment_is_404(other_api, garment):
    before = snapshot(garment)
    r = other_api.patch(f"/api/garments/{garment.pk}/", {"name": "mine now", "laundry": "wash"}, format="json")
    assert r.status_code == 404
    assert snapshot(garment) == before


# --- list filters ----------------------------------------------------------------------------------


@pytest.fixture
def closet(photo):
    """Four garments: a navy shirt, white jeans, archived navy sneakers, a navy shirt waiting for review."""
    shirt = services.garment_update(
        garment=GarmentFactory(photo=photo, category="shirt-blouse", type="shirt"),
        seasons=["spring"],
        name="Blue oxford",
        brand="Uniqlo",
    )
    jeans = services.garment_update(
        garment=GarmentFactory(photo=photo, category="pants", type="jeans"),
        colors=["white"],
        seasons=["winter", "autumn"],
        brand="Levi's",
        notes="Slim fit",
    )
    shoes = services.garment_archive(
        garment=GarmentFactory(photo=photo, category="shoe", type="sneakers"), reason="donated"
    )
    pending = to_review(GarmentFactory(photo=photo, category="shirt-blouse", type=None))
    return {"shirt": shirt, "jeans": jeans, "shoes": shoes, "pending": pending}


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", {"shirt", "jeans", "shoes", "pending"}),
        ("state=all", {"shirt", "jeans", "shoes", "pending"}),
        ("state=closet", {"shirt", "jeans"}),
        ("state=archived", {"shoes"}),
        ("state=review", {"pending"}),
        ("review=true", {"pending"}),
        ("review=false", {"shirt", "jeans", "shoes"}),
        ("color=white", {"jeans"}),
        ("color=navy", {"shirt", "shoes", "pending"}),
        ("color=navy&state=closet", {"shirt"}),
        ("color=red", set()),
        ("season=winter", {"jeans"}),
        ("season=autumn", {"jeans"}),
        ("season=spring", {"shirt"}),
        ("season=summer", set()),
        ("q=oxford", {"shirt"}),
        ("q=UNIQLO", {"shirt"}),
        ("q=slim+levi", {"jeans"}),
        ("q=slim+oxford", set()),
        ("section=tops", {"shirt", "pending"}),
        ("category=shoe", {"shoes"}),
        ("type=jeans", {"jeans"}),
        ("section=tops&state=closet&season=spring&color=navy&q=blue", {"shirt"}),
    ],
)
def test_list_filters(api, closet, query, expected):
    by_id = {g.pk: name for name, g in closet.items()}
    assert {by_id[i] for i in ids_of(api.get(f"/api/garments/?{query}"))} == expected


def test_list_laundry_states(api, closet):
    r = api.post("/api/garments/laundry/", {"ids": [closet["jeans"].pk], "laundry": "wash"}, format="json")
    assert r.status_code == 200
    assert ids_of(api.get("/api/garments/?state=wash")) == [closet["jeans"].pk]
    assert ids_of(api.get("/api/garments/?state=clean")) == [closet["shirt"].pk]


def test_list_photo_filter(api, photo, closet, user, jpeg_bytes):
    second = services.photo_create(owner=user, uploaded_file=upload("b.jpg", jpeg_bytes))
    extra = GarmentFactory(photo=second)
    assert ids_of(api.get(f"/api/garments/?photo={second.pk}")) == [extra.pk]
    assert len(ids_of(api.get(f"/api/garments/?photo={photo.pk}"))) == 4


def test_list_sorts(api, photo, today):
    a, b, c = GarmentFactory(photo=photo), GarmentFactory(photo=photo), GarmentFactory(photo=photo)
    services.garments_wear(garments=[b], on=today - dt.timedelta(days=3))
    services.garments_wear(garments=[b], on=today - dt.timedelta(days=2))
    services.garments_wear(garments=[c], on=today)
    assert ids_of(api.get("/api/garments/")) == [c.pk, b.pk, a.pk]
    assert ids_of(api.get("/api/garments/?sort=newest")) == [c.pk, b.pk, a.pk]
    assert ids_of(api.get("/api/garments/?sort=oldest")) == [a.pk, b.pk, c.pk]
    assert ids_of(api.get("/api/garments/?sort=most-worn")) == [b.pk, c.pk, a.pk]
    assert ids_of(api.get("/api/garments/?sort=least-worn")) == [a.pk, c.pk, b.pk]
    assert ids_of(api.get("/api/garments/?sort=last-worn")) == [c.pk, b.pk, a.pk]


@pytest.mark.parametrize(
    "query,field,word",
    [
        ("state=bogus", "state", "bogus"),
        ("sort=cheapest", "sort", "cheapest"),
        ("season=monsoon", "season", "monsoon"),
        ("color=plaid", "color", "plaid"),
        ("photo=abc", "photo", None),
        ("review=maybe", "review", None),
        ("review=true&state=closet", "review", None),
        ("review=false&state=review", "review", None),
    ],
)
def test_list_bad_filters_are_400(api, garment, query, field, word):
    r = api.get(f"/api/garments/?{query}")
    assert r.status_code == 400
    messages = r.json()[field]
    assert messages and all(isinstance(m, str) for m in messages)
    if word:
        assert word in messages[0]


def test_list_state_message_names_the_choices(api, garment):
    message = api.get("/api/garments/?state=nope").json()["state"][0]
    assert all(state in message for state in STATES)


def test_list_is_scoped(other_api, closet):
    for query in ("", "state=review", "color=navy", "q=oxford", "state=archived"):
        assert ids_of(other_api.get(f"/api/garments/?{query}")) == []


# --- review ----------------------------------------------------------------------------------------


def test_review_queue(api, other_api, photo, other_garment):
    low = to_review(GarmentFactory(photo=photo), score=0.3)
    high = to_review(GarmentFactory(photo=photo), score=0.6)
    GarmentFactory(photo=photo)  # in the closet
    to_review(other_garment)
    r = api.get("/api/review/")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2 and [g["id"] for g in body["results"]] == [high.pk, low.pk]
    assert body["results"][0]["status"] == "review" and body["results"][0]["guesses"] == GUESSES
    assert [g["id"] for g in other_api.get("/api/review/").json()["results"]] == [other_garment.pk]


def test_confirm_as_is(api, garment):
    to_review(garment)
    r = api.post(f"/api/garments/{garment.pk}/confirm/", format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["category"], r.json()["type"]) == ("closet", "shirt-blouse", "shirt")
    assert Garment.objects.get(pk=garment.pk).status == "closet"


def test_confirm_as_a_guess(api, garment):
    to_review(garment)
    r = api.post(f"/api/garments/{garment.pk}/confirm/", {"category": "pants", "type": "jeans"}, format="json")
    assert r.status_code == 200, r.content
    stored = Garment.objects.get(pk=garment.pk)
    assert (stored.status, stored.category.slug, stored.type.slug) == ("closet", "pants", "jeans")


@pytest.mark.parametrize(
    "payload", [{"type": "no-such-type"}, {"category": "pants", "type": "sneakers"}, {"category": "Not a slug!"}]
)
def test_confirm_bad_kind_changes_nothing(api, garment, payload):
    to_review(garment)
    before = snapshot(garment)
    assert api.post(f"/api/garments/{garment.pk}/confirm/", payload, format="json").status_code == 400
    assert snapshot(garment) == before


def test_reject(api, garment):
    to_review(garment)
    r = api.post(f"/api/garments/{garment.pk}/reject/")
    assert r.status_code == 204 and r.content == b""
    assert not Garment.objects.filter(pk=garment.pk).exists()


def test_review_actions_on_other_users_garment_are_404(other_api, garment):
    to_review(garment)
    before = snapshot(garment)
    assert other_api.post(f"/api/garments/{garment.pk}/confirm/", format="json").status_code == 404
    assert other_api.post(f"/api/garments/{garment.pk}/reject/").status_code == 404
    assert snapshot(garment) == before


def test_photo_confirm_all(api, photo):
    a, b = to_review(GarmentFactory(photo=photo)), to_review(GarmentFactory(photo=photo))
    c = GarmentFactory(photo=photo)
    r = api.post(f"/api/photos/{photo.pk}/confirm-all/")
    assert r.status_code == 200 and r.json() == {"confirmed": 2}
    assert set(Garment.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("status", flat=True)) == {"closet"}
    assert api.post(f"/api/photos/{photo.pk}/confirm-all/").json() == {"confirmed": 0}


def test_photo_confirm_all_other_user_is_404(other_api, photo, garment):
    to_review(garment)
    assert other_api.post(f"/api/photos/{photo.pk}/confirm-all/").status_code == 404
    assert Garment.objects.get(pk=garment.pk).status == "review"


# --- photo polling ---------------------------------------------------------------------------------


def test_photos_by_ids(api, user, photo, other_photo, jpeg_bytes):
    second = services.photo_create(owner=user, uploaded_file=upload("b.jpg", jpeg_bytes))
    GarmentFactory(photo=photo)
    to_review(GarmentFactory(photo=photo))
    to_review(GarmentFactory(photo=photo))
    GarmentFactory(photo=other_photo)
    r = api.get(f"/api/photos/?ids={second.pk},{photo.pk},{other_photo.pk}")
    assert r.status_code == 200
    rows = r.json()["results"]
    assert [p["id"] for p in rows] == sorted([photo.pk, second.pk])
    by_id = {p["id"]: p for p in rows}
    assert (by_id[photo.pk]["garment_count"], by_id[photo.pk]["review_count"]) == (3, 2)
    assert (by_id[second.pk]["garment_count"], by_id[second.pk]["review_count"]) == (0, 0)
    assert by_id[photo.pk]["status"] == "pending"
    # Repeated parameters work too; another user's id alone gives nothing.
    assert len(api.get(f"/api/photos/?ids={photo.pk}&ids={second.pk}").json()["results"]) == 2
    assert api.get(f"/api/photos/?ids={other_photo.pk}").json()["results"] == []


def test_photos_without_ids_have_garment_count(api, photo, garment):
    row = api.get("/api/photos/").json()["results"][0]
    assert row["garment_count"] == 1 and row["review_count"] is None


@pytest.mark.parametrize("ids", ["1,x", "-3", "1.5"])
def test_photos_bad_ids_are_400(api, photo, ids):
    r = api.get(f"/api/photos/?ids={ids}")
    assert r.status_code == 400 and "ids" in r.json()


# --- archive ---------------------------------------------------------------------------------------


def test_archive_and_unarchive(api, garment):
    r = api.post(f"/api/garments/{garment.pk}/archive/", {"reason": "sold"}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["archive_reason"]) == ("archived", "sold")
    assert r.json()["archived_at"] is not None
    assert ids_of(api.get("/api/garments/?state=archived")) == [garment.pk]
    r = api.post(f"/api/garments/{garment.pk}/unarchive/")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["archive_reason"], r.json()["archived_at"]) == ("closet", "", None)
    assert Garment.objects.get(pk=garment.pk).status == "closet"


@pytest.mark.parametrize("payload", [{"reason": "stolen"}, {}, {"reason": ""}])
def test_archive_bad_reason_changes_nothing(api, garment, payload):
    before = snapshot(garment)
    r = api.post(f"/api/garments/{garment.pk}/archive/", payload, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    assert snapshot(garment) == before


def test_archive_garment_in_review_is_400(api, garment):
    to_review(garment)
    assert api.post(f"/api/garments/{garment.pk}/archive/", {"reason": "lost"}, format="json").status_code == 400
    assert Garment.objects.get(pk=garment.pk).status == "review"


def test_archive_other_users_garment_is_404(api, other_api, garment):
    assert other_api.post(f"/api/garments/{garment.pk}/archive/", {"reason": "sold"}, format="json").status_code == 404
    assert Garment.objects.get(pk=garment.pk).status == "closet"
    services.garment_archive(garment=garment, reason="lost")
    assert other_api.post(f"/api/garments/{garment.pk}/unarchive/").status_code == 404
    assert Garment.objects.get(pk=garment.pk).status == "archived"


# --- wearing ---------------------------------------------------------------------------------------


def test_wear_today_is_idempotent(api, garment, today):
    r = api.post(f"/api/garments/{garment.pk}/wear/", format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["wear_count"], r.json()["last_worn_on"]) == (1, today.isoformat())
    assert api.post(f"/api/garments/{garment.pk}/wear/", {}, format="json").json()["wear_count"] == 1
    assert WearLog.objects.filter(garment=garment).count() == 1


def test_wear_on_a_date_and_cost_per_wear(api, garment, today):
    services.garment_update(garment=garment, price=Decimal("30"), currency="EUR")
    earlier = today - dt.timedelta(days=10)
    api.post(f"/api/garments/{garment.pk}/wear/", {"date": today.isoformat()}, format="json")
    r = api.post(f"/api/garments/{garment.pk}/wear/", {"date": earlier.isoformat()}, format="json")
    assert r.status_code == 200
    assert (r.json()["wear_count"], r.json()["last_worn_on"], r.json()["cost_per_wear"]) == (
        2,
        today.isoformat(),
        "15.00",
    )
    r = api.get(f"/api/garments/{garment.pk}/wears/")
    assert r.status_code == 200
    assert [w["date"] for w in r.json()] == [today.isoformat(), earlier.isoformat()]
    assert all(w["created_at"] for w in r.json())


@pytest.mark.parametrize(
    "payload,field", [({"date": "tomorrow"}, "date"), ({"date": "2024-02-30"}, "date"), ("future", "date")]
)
def test_wear_bad_date_changes_nothing(api, garment, today, payload, field):
    if payload == "future":
        payload = {"date": (today + dt.timedelta(days=1)).isoformat()}
    r = api.post(f"/api/garments/{garment.pk}/wear/", payload, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not WearLog.objects.exists() and Garment.objects.get(pk=garment.pk).wear_count == 0


@pytest.mark.parametrize("state", ["archived", "review"])
def test_wear_outside_closet_is_400(api, garment, state):
    Garment.objects.filter(pk=garment.pk).update(status=state)
    assert api.post(f"/api/garments/{garment.pk}/wear/", format="json").status_code == 400
    assert not WearLog.objects.exists()


def test_unwear(api, garment, today):
    yesterday = today - dt.timedelta(days=1)
    services.garments_wear(garments=[garment], on=yesterday)
    services.garments_wear(garments=[garment], on=today)
    r = api.post(f"/api/garments/{garment.pk}/unwear/", {"date": today.isoformat()}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["wear_count"], r.json()["last_worn_on"]) == (1, yesterday.isoformat())
    assert (
        api.post(f"/api/garments/{garment.pk}/unwear/", {"date": today.isoformat()}, format="json").status_code == 404
    )
    assert api.post(f"/api/garments/{garment.pk}/unwear/", {}, format="json").status_code == 400
    assert list(WearLog.objects.values_list("worn_on", flat=True)) == [yesterday]


def test_wear_endpoints_of_other_users_garment_are_404(other_api, garment, today):
    services.garments_wear(garments=[garment], on=today)
    url = f"/api/garments/{garment.pk}"
    assert (
        other_api.post(f"{url}/wear/", {"date": (today - dt.timedelta(days=1)).isoformat()}, format="json").status_code
        == 404
    )
    assert other_api.post(f"{url}/unwear/", {"date": today.isoformat()}, format="json").status_code == 404
    assert other_api.get(f"{url}/wears/").status_code == 404
    assert list(WearLog.objects.values_list("worn_on", flat=True)) == [today]
    assert Garment.objects.get(pk=garment.pk).wear_count == 1


def test_bulk_wear(api, photo, today):
    a, b = GarmentFactory(photo=photo), GarmentFactory(photo=photo)
    services.garments_wear(garments=[a], on=today)
    r = api.post("/api/garments/wear/", {"ids": [a.pk, b.pk]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["changed"] == 1  # a was already logged today
    assert {g["id"]: g["wear_count"] for g in body["garments"]} == {a.pk: 1, b.pk: 1}
    day = today - dt.timedelta(days=5)
    r = api.post("/api/garments/wear/", {"ids": [a.pk], "date": day.isoformat()}, format="json")
    assert r.json()["changed"] == 1 and r.json()["garments"][0]["wear_count"] == 2
    assert WearLog.objects.filter(garment=a).count() == 2


def test_bulk_wear_with_another_users_id_touches_nothing(api, other_api, garment, other_garment):
    r = api.post("/api/garments/wear/", {"ids": [garment.pk, other_garment.pk]}, format="json")
    assert r.status_code == 404
    assert str(other_garment.pk) in r.json()["detail"]
    r = other_api.post("/api/garments/wear/", {"ids": [garment.pk]}, format="json")
    assert r.status_code == 404
    assert not WearLog.objects.exists()
    assert Garment.objects.filter(wear_count__gt=0).count() == 0


@pytest.mark.parametrize(
    "payload",
    [{"ids": []}, {}, {"ids": ["a"]}, {"ids": [0]}, {"ids": "1"}, {"ids": list(range(1, 300))}, "future", "archived"],
)
def test_bulk_wear_bad_input_touches_nothing(api, photo, garment, today, payload):
    other = GarmentFactory(photo=photo)
    if payload == "future":
        payload = {"ids": [garment.pk], "date": (today + dt.timedelta(days=2)).isoformat()}
    elif payload == "archived":
        services.garment_archive(garment=other, reason="sold")
        payload = {"ids": [garment.pk, other.pk]}
    assert api.post("/api/garments/wear/", payload, format="json").status_code == 400
    assert not WearLog.objects.exists()


# --- laundry ---------------------------------------------------------------------------------------


def test_bulk_laundry(api, photo):
    a, b, c = GarmentFactory(photo=photo), GarmentFactory(photo=photo), GarmentFactory(photo=photo)
    r = api.post("/api/garments/laundry/", {"ids": [a.pk, b.pk], "laundry": "wash"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["changed"] == 2 and {g["laundry"] for g in r.json()["garments"]} == {"wash"}
    assert dict(Garment.objects.values_list("pk", "laundry")) == {a.pk: "wash", b.pk: "wash", c.pk: "clean"}
    r = api.post("/api/garments/laundry/", {"ids": [a.pk], "laundry": "clean"}, format="json")
    assert r.status_code == 200 and Garment.objects.get(pk=a.pk).laundry == "clean"


@pytest.mark.parametrize(
    "make_payload",
    [
        lambda g: {"ids": "1,2", "laundry": "wash"},
        lambda g: {"laundry": "wash"},
        lambda g: {"ids": [g.pk], "laundry": "dirty"},
        lambda g: {"ids": [g.pk]},
    ],
)
def test_bulk_laundry_bad_input_is_400(api, garment, make_payload):
    assert api.post("/api/garments/laundry/", make_payload(garment), format="json").status_code == 400
    assert Garment.objects.get(pk=garment.pk).laundry == "clean"


def test_bulk_laundry_other_users_ids_is_404(api, garment, other_garment):
    r = api.post("/api/garments/laundry/", {"ids": [garment.pk, other_garment.pk], "laundry": "wash"}, format="json")
    assert r.status_code == 404
    assert set(Garment.objects.values_list("laundry", flat=True)) == {"clean"}


# --- settings --------------------------------------------------------------------------------------

#: The weather fields of /api/me/settings/ for a user who set no location.
NO_LOCATION = {"location_name": "", "latitude": None, "longitude": None, "weather_provider": "open-meteo"}
#: The suggestions' pattern preference of a new account (issue 17), part of the profile's fields.
NO_MIXING = {"mix_patterns": False}


def test_settings_get_and_patch(api, other_api, user):
    r = api.get("/api/me/settings/")
    assert r.status_code == 200
    assert r.json() == {
        "language": "",
        "review_threshold": django_settings.REVIEW_THRESHOLD,
        "currency": "KRW",
        **NO_MIXING,
        **NO_LOCATION,
    }
    r = api.patch("/api/me/settings/", {"currency": "USD", "review_threshold": 0.4}, format="json")
    assert r.status_code == 200, r.content
    assert r.json() == {"language": "", "review_threshold": 0.4, "currency": "USD", **NO_MIXING, **NO_LOCATION}
    user.profile.refresh_from_db()
    assert (user.profile.currency, user.profile.review_threshold) == ("USD", 0.4)
    assert other_api.get("/api/me/settings/").json()["currency"] == "KRW"
    r = api.patch("/api/me/settings/", {"language": "ko"}, format="json")
    assert r.status_code == 200 and r.json()["language"] == "ko"
    assert api.get("/api/me/settings/").json() == {
        "language": "ko",
        "review_threshold": 0.4,
        "currency": "USD",
        **NO_MIXING,
        **NO_LOCATION,
    }


def test_settings_currency_is_the_default_of_new_prices(api, garment):
    api.patch("/api/me/settings/", {"currency": "JPY"}, format="json")
    r = api.patch(f"/api/garments/{garment.pk}/", {"price": "2000"}, format="json")
    assert r.json()["currency"] == "JPY"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"review_threshold": 1.5}, "review_threshold"),
        ({"review_threshold": -0.1}, "review_threshold"),
        ({"review_threshold": "high"}, "review_threshold"),
        ({"currency": "XYZ"}, "currency"),
        ({"language": "fr"}, "language"),
        ({"currency": "USD", "language": "fr"}, "language"),
        ({}, "non_field_errors"),
    ],
)
def test_settings_bad_input_changes_nothing(api, payload, field):
    r = api.patch("/api/me/settings/", payload, format="json")
    assert r.status_code == 400 and field in r.json()
    assert api.get("/api/me/settings/").json() == {
        "language": "",
        "review_threshold": django_settings.REVIEW_THRESHOLD,
        "currency": "KRW",
        **NO_MIXING,
        **NO_LOCATION,
    }


# --- auth and schema -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/api/review/"),
        ("get", "/api/me/settings/"),
        ("patch", "/api/me/settings/"),
        ("post", "/api/garments/wear/"),
        ("post", "/api/garments/laundry/"),
        ("get", "/api/photos/?ids=1"),
        ("post", "/api/garments/{g}/wear/"),
        ("post", "/api/garments/{g}/confirm/"),
        ("get", "/api/garments/{g}/wears/"),
        ("post", "/api/photos/{p}/confirm-all/"),
    ],
)
def test_new_endpoints_need_auth(garment, photo, method, url):
    r = getattr(APIClient(), method)(url.format(g=garment.pk, p=photo.pk), {}, format="json")
    assert r.status_code == 401


def test_schema_documents_the_closet_api(client):
    r = client.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    schema = r.json()
    paths = schema["paths"]
    for path, method in [
        ("/api/garments/{id}/confirm/", "post"),
        ("/api/garments/{id}/reject/", "post"),
        ("/api/garments/{id}/archive/", "post"),
        ("/api/garments/{id}/unarchive/", "post"),
        ("/api/garments/{id}/wear/", "post"),
        ("/api/garments/{id}/unwear/", "post"),
        ("/api/garments/{id}/wears/", "get"),
        ("/api/garments/wear/", "post"),
        ("/api/garments/laundry/", "post"),
        ("/api/review/", "get"),
        ("/api/photos/{id}/confirm-all/", "post"),
        ("/api/me/settings/", "get"),
        ("/api/me/settings/", "patch"),
        ("/api/garments/{id}/", "patch"),
    ]:
        assert method in paths.get(path, {}), (path, method)
    params = {p["name"]: p for p in paths["/api/garments/"]["get"]["parameters"]}
    assert {"section", "category", "type", "color", "season", "state", "q", "sort", "photo", "review"} <= set(params)
    assert set(params["state"]["schema"]["enum"]) == set(STATES)
    assert set(params["sort"]["schema"]["enum"]) == set(SORTS)
    assert "ids" in {p["name"] for p in paths["/api/photos/"]["get"]["parameters"]}
    garment = schema["components"]["schemas"]["Garment"]["properties"]
    assert {"status", "guesses", "seasons", "price", "cost_per_wear", "picture_url", "wear_count"} <= set(garment)
    patch = schema["components"]["schemas"]["PatchedGarmentUpdateRequest"]["properties"]
    assert {"colors", "seasons", "price", "currency", "purchase_date", "picture", "laundry"} <= set(patch)


def test_page_size_is_honoured_up_to_its_maximum(api, user):
    """Issue 18: ``page_size`` was ignored (always 50)."""
    from tests.factories import GarmentFactory, PhotoFactory

    photo = PhotoFactory(owner=user)
    for _ in range(3):
        GarmentFactory(photo=photo)
    body = api.get("/api/garments/", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert len(api.get("/api/garments/", {"page_size": 1000}).json()["results"]) == 3  # capped at 200, not refused
