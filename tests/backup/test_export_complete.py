"""The export holds everything a person made (issue 15, defect 9): their profile and weather
settings, every field of every garment (warmth in clo, colours with their shares, the model's
guesses and scores, an edited mask with the model's own files), the wear log, the boxes they drew,
their outfits with the canvas layout and their calendar, their tags, trips with packing lists and
wishlist with its photos. Every concrete field of a person's data is
exported or left out on purpose (``wardrobe.backup.schema``), and docs/export.md names every key.

The closet is made through the real services from the committed fixture photos; the export is
read back from ``GET /api/me/export/`` as a client would, by the ids and paths inside the file."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, api_client_for, upload
from tests.factories import GarmentFactory, OutfitFactory, PhotoFactory, box_instance, fixture_jpeg
from wardrobe.closet.models import GarmentPhoto

pytestmark = pytest.mark.django_db

DOCS = REPO / "docs" / "export.md"


def _read(field) -> bytes:
    with field.storage.open(field.name, "rb") as f:
        return f.read()


@pytest.fixture
def person(user, other_user, settings):
    """Alice's account as she would have it after a few weeks: settings changed, three photos, four
    garments (one with the model's guesses and two colours, one with a mask she fixed, one archived
    after she wore it in an outfit, one still to review), wears, a box she drew, two outfits laid
    out on the canvas and three days on the calendar, two tags (one with a colour), a trip with three
    lines on its packing list and the office outfit planned for it, a wishlist item with a photo and
    one without. Bob has a closet, an outfit, a plan, a tag, a trip and a wish too. Returns the
    garments, outfits, trip and wishes by a short name."""
    from accounts.services import profile_update
    from vision.contract import Guess
    from wardrobe.closet import services
    from wardrobe.closet.services.tags import garment_tags_set, tag_create
    from wardrobe.outfits import services as outfits
    from wardrobe.packing.models import PackingItem, Trip
    from wardrobe.weather.services import weather_settings_update
    from wardrobe.wishlist.services import wishlist_item_create

    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"
    user.email, user.first_name = "alice@example.org", "Alice"
    user.save(update_fields=["email", "first_name"])
    profile_update(user=user, language="ko", review_threshold=0.7, currency="USD")
    weather_settings_update(
        user=user, provider="open-meteo", latitude=37.5665, longitude=126.978, location_name="Seoul, South Korea"
    )
    p_tee = PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg"), name="tee.jpg")
    p_pants = PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg"), name="pants.jpg")
    p_worn = PhotoFactory(owner=user, image=fixture_jpeg("ccp_0008.jpg"), name="street.jpg")

    guesses = (Guess("top-t-shirt-sweatshirt", "t-shirt", 0.81), Guess("shirt-blouse", "shirt", 0.12))
    tee = services.garment_create(
        photo=p_tee,
        status="closet",
        instance=box_instance(p_tee, "top-t-shirt-sweatshirt", "t-shirt", colors=("white", "navy"), guesses=guesses),
    )
    services.garment_update(
        garment=tee,
        name="Breton tee",
        seasons=["spring", "summer"],
        warmth_clo=0.12,
        price=Decimal("25.00"),
        currency="EUR",
        purchase_date=dt.date(2025, 5, 1),
        notes="Wash cold",
    )
    jeans = GarmentFactory(photo=p_pants, category="pants", type="jeans", name="Raw denim", warmth_clo=0.3)
    erase = np.zeros((p_pants.height, p_pants.width), bool)
    erase[jeans.y0 : jeans.y0 + max(2, jeans.box_height // 5), jeans.x0 : jeans.x1] = True
    services.garment_mask_refine(garment=jeans, keep=None, erase=erase)
    coat = GarmentFactory(photo=p_worn, category="coat", type=None, name="Wool coat")
    GarmentFactory(photo=p_worn, category="shoe", type=None, score=0.3, status="review")
    services.photo_box_request(photo=p_worn, box=(0, 0, p_worn.width // 3, p_worn.height // 3))
    # Another photo of the tee ("It's the same" on a duplicate), kept with its box.
    p_tee_again = PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg"), name="tee-again.jpg")
    GarmentPhoto.objects.create(garment=tee, photo=p_tee_again, box=[1, 2, 30, 40])

    services.garments_wear(garments=[tee, jeans], on=dt.date(2026, 1, 5))
    office = outfits.outfit_create(
        owner=user,
        name="Monday office",
        occasion="work",
        seasons=["autumn", "winter"],
        items=[
            {"garment": jeans.pk, "x": 0.5, "y": 0.7, "width": 0.38, "z": 1},
            {"garment": tee.pk, "x": 0.52, "y": 0.3, "width": 0.42, "z": 2},
            {"garment": coat.pk, "x": 0.31, "y": 0.35, "width": 0.5, "z": 3},
        ],
    )
    weekend = OutfitFactory(owner=user, garments=[tee, jeans], name="Weekend")
    outfits.outfit_wear(outfit=weekend, on=dt.date(2026, 1, 10))
    outfits.plan_create(owner=user, outfit=office, date=dt.date(2026, 12, 7))
    outfits.plan_create(owner=user, outfit=weekend, date=dt.date(2026, 12, 12))
    services.garment_archive(garment=coat, reason="donated")

    bob_garment = GarmentFactory(photo=PhotoFactory(owner=other_user), name="Bob's secret shirt")
    outfits.plan_create(
        owner=other_user, outfit=OutfitFactory(garments=[bob_garment], name="Bob's gala"), date=dt.date(2026, 12, 7)
    )
    weather_settings_update(user=other_user, provider="manual")
    for g in (tee, jeans, coat):
        g.refresh_from_db()

    tag_create(owner=user, name="Work", color="#1E90FF")
    garment_tags_set(garment=tee, names=["work", "Stripes"])
    garment_tags_set(garment=jeans, names=["Work"])
    trip = Trip.objects.create(
        owner=user,
        name="Busan weekend",
        location_name="Busan, South Korea",
        latitude=35.1796,
        longitude=129.0756,
        start_date=dt.date(2026, 12, 7),
        end_date=dt.date(2026, 12, 9),
        activities=["city", "beach"],
    )
    PackingItem.objects.create(trip=trip, garment=tee, role="top", proposed=True, packed=True)
    PackingItem.objects.create(trip=trip, garment=jeans, role="bottom", proposed=True, packed=False)
    PackingItem.objects.create(trip=trip, garment=coat, role="outer", proposed=False, packed=False)
    trip.outfits.add(office)
    wish = wishlist_item_create(
        owner=user,
        name="Striped scarf",
        photo=upload("scarf.jpg", fixture_jpeg("clothing_dress.jpg")),
        link="https://shop.example/scarf",
        price=Decimal("19.90"),
        currency="EUR",
        type="t-shirt",
        notes="the blue one",
    )
    plain_wish = wishlist_item_create(owner=user, name="Rain boots")
    tag_create(owner=other_user, name="Bob's tag")
    Trip.objects.create(
        owner=other_user,
        name="Bob's trip",
        location_name="Jeju",
        latitude=33.5,
        longitude=126.5,
        start_date=dt.date(2026, 12, 7),
        end_date=dt.date(2026, 12, 7),
    ).outfits.add(OutfitFactory(owner=other_user, garments=[bob_garment], name="Bob's trip outfit"))
    wishlist_item_create(owner=other_user, name="Bob's wish")
    return {
        "tee": tee,
        "jeans": jeans,
        "coat": coat,
        "office": office,
        "weekend": weekend,
        "trip": trip,
        "wish": wish,
        "plain_wish": plain_wish,
    }


def _export(user) -> tuple[bytes, zipfile.ZipFile, dict]:
    r = api_client_for(user).get("/api/me/export/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data = b"".join(r.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return data, archive, json.loads(archive.read("items.json").decode("utf-8"))


def test_the_export_holds_settings_warmth_wears_outfits_with_their_canvas_and_plans(user, other_user, person):
    from accounts.services import token_get_or_create

    data, archive, doc = _export(user)
    assert doc["schema_version"] == 2
    assert dt.datetime.fromisoformat(doc["exported_at"]).tzinfo is not None
    assert doc["profile"] == {
        "username": "alice",
        "email": "alice@example.org",
        "first_name": "Alice",
        "last_name": "",
        "date_joined": user.date_joined.isoformat(),
        "language": "ko",
        "review_threshold": 0.7,
        "currency": "USD",
        "mix_patterns": False,
    }
    assert doc["weather"] == {
        "provider": "open-meteo",
        "location_name": "Seoul, South Korea",
        "latitude": 37.5665,
        "longitude": 126.978,
    }
    # Never a credential.
    assert user.password.encode() not in data and token_get_or_create(user=user).encode() not in data
    assert b'"password"' not in data

    items = {i["id"]: i for i in doc["items"]}
    photos = {p["id"]: p for p in doc["photos"]}
    tee, jeans, coat = (items[person[k].pk] for k in ("tee", "jeans", "coat"))
    assert len(items) == 4 and len(photos) == 4
    (extra,) = tee["extra_photos"]
    assert extra["box"] == [1, 2, 30, 40] and photos[extra["photo_id"]]["original_filename"] == "tee-again.jpg"
    assert jeans["extra_photos"] == []
    assert tee["warmth_clo"] == tee["warmth"] == 0.12 and jeans["warmth_clo"] == 0.3
    assert coat["warmth_clo"] is None and coat["warmth"] == person["coat"].category.warmth_clo > 0
    assert [(c["name"], c["fraction"]) for c in tee["colors"]] == [("white", 0.5), ("navy", 0.5)]
    assert tee["guesses"] == [
        {"category": "top-t-shirt-sweatshirt", "type": "t-shirt", "score": 0.81},
        {"category": "shirt-blouse", "type": "shirt", "score": 0.12},
    ]
    assert (tee["detector_score"], tee["classifier_score"]) == (0.95, 0.85)
    assert tee["seasons"] == ["spring", "summer"] and tee["price"] == "25.00" and tee["currency"] == "EUR"
    assert tee["purchase_date"] == "2025-05-01" and tee["notes"] == "Wash cold"
    # The wear log: by hand, and through the outfit worn on the 10th.
    assert tee["worn_on"] == jeans["worn_on"] == ["2026-01-05", "2026-01-10"] and tee["wear_count"] == 2
    assert tee["last_worn_on"] == "2026-01-10" and coat["worn_on"] == []
    assert coat["status"] == "archived" and coat["archive_reason"] == "donated" and coat["archived_at"]
    # The mask Alice fixed, and the model's own files kept for the undo.
    assert jeans["mask_edited"] is True and tee["mask_edited"] is False
    assert jeans["model_box"] == person["jeans"].model_box != jeans["box"] == person["jeans"].bbox
    assert archive.read(jeans["model_mask_file"]) == _read(person["jeans"].model_mask)
    assert archive.read(jeans["model_cutout_file"]) == _read(person["jeans"].model_cutout)
    assert archive.read(jeans["mask_file"]) == _read(person["jeans"].mask)
    assert tee["model_mask_file"] is None and tee["model_cutout_file"] is None
    # The box she drew, still waiting for a worker.
    worn_photo = photos[coat["photo_id"]]
    assert [(b["box"], b["status"], b["item_id"]) for b in worn_photo["box_requests"]] == [
        ([0, 0, worn_photo["width"] // 3, worn_photo["height"] // 3], "pending", None)
    ]

    # Outfits and the calendar, read back through the ids inside the file only.
    outfits = {o["id"]: o for o in doc["outfits"]}
    layouts = {
        o["name"]: [(items[i["item_id"]]["name"], i["x"], i["y"], i["width"], i["z"]) for i in o["items"]]
        for o in outfits.values()
    }
    assert layouts["Monday office"] == [
        ("Raw denim", 0.5, 0.7, 0.38, 1),
        ("Breton tee", 0.52, 0.3, 0.42, 2),
        ("Wool coat", 0.31, 0.35, 0.5, 3),
    ]
    assert layouts["Weekend"] == [("Raw denim", 0.55, 0.66, 0.36, 1), ("Breton tee", 0.55, 0.28, 0.4, 2)]
    office = next(o for o in outfits.values() if o["name"] == "Monday office")
    assert (office["occasion"], office["seasons"], office["source"]) == ("work", ["autumn", "winter"], "builder")
    assert [(outfits[p["outfit_id"]]["name"], p["date"], p["worn"]) for p in doc["plans"]] == [
        ("Weekend", "2026-01-10", True),
        ("Monday office", "2026-12-07", False),
        ("Weekend", "2026-12-12", False),
    ]

    # Every reference inside the file leads somewhere inside it.
    names = set(archive.namelist())
    assert all(i["photo_id"] in photos for i in items.values())
    for key in ("photo_file", "cutout_file", "mask_file", "model_cutout_file", "model_mask_file"):
        assert all(i[key] in names for i in items.values() if i[key] is not None), key
    assert all(p["file"] in names for p in photos.values())
    # Tags, the trip with its packing list, the wishlist with its photo.
    assert doc["tags"] == [
        {"name": "Stripes", "color": "", "created_at": doc["tags"][0]["created_at"]},
        {"name": "Work", "color": "#1e90ff", "created_at": doc["tags"][1]["created_at"]},
    ]
    assert tee["tags"] == ["Stripes", "Work"] and jeans["tags"] == ["Work"] and coat["tags"] == []
    (trip,) = doc["trips"]
    assert {k: v for k, v in trip.items() if k not in ("id", "created_at", "packing", "outfit_ids")} == {
        "name": "Busan weekend",
        "location_name": "Busan, South Korea",
        "latitude": 35.1796,
        "longitude": 129.0756,
        "start_date": "2026-12-07",
        "end_date": "2026-12-09",
        "activities": ["city", "beach"],
    }
    assert [outfits[o]["name"] for o in trip["outfit_ids"]] == ["Monday office"]
    assert [(items[p["item_id"]]["name"], p["role"], p["proposed"], p["packed"]) for p in trip["packing"]] == [
        ("Breton tee", "top", True, True),
        ("Raw denim", "bottom", True, False),
        ("Wool coat", "outer", False, False),
    ]
    wish, plain = doc["wishlist"]
    assert wish["photo_file"] == f"wishlist/{person['wish'].pk}.jpg"
    assert archive.read(wish["photo_file"]) == _read(person["wish"].photo)
    assert (wish["name"], wish["link"], wish["price"], wish["currency"], wish["notes"]) == (
        "Striped scarf",
        "https://shop.example/scarf",
        "19.90",
        "EUR",
        "the blue one",
    )
    assert (wish["category"], wish["type"]) == ("top-t-shirt-sweatshirt", "t-shirt") and wish["colors"]
    assert plain["photo_file"] is None and plain["price"] is None and plain["category"] is None
    # Nothing of Bob's.
    assert b"Bob's" not in data and b"manual" not in data


def _personal_models() -> list:
    """Every concrete model of the project's apps, the user model, and any model pointing at a user."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        app_path = Path(apps.get_app_config(model._meta.app_label).path)
        ours = REPO in app_path.parents and ".venv" not in app_path.parts
        points_at_user = any(f.is_relation and f.related_model is user_model for f in model._meta.concrete_fields)
        if not model._meta.proxy and (ours or points_at_user or model is user_model):
            found.append(model)
    return found


def test_every_field_of_a_persons_data_is_exported_or_left_out_on_purpose():
    from wardrobe.backup.schema import EXPORTED, LEFT_OUT, NOT_PERSONAL

    models = {m._meta.label: m for m in _personal_models()}
    assert {"auth.User", "closet.Garment", "outfits.OutfitItem", "weather.WeatherSettings"} <= set(models)
    unlisted = sorted(set(models) - set(EXPORTED) - set(NOT_PERSONAL))
    assert not unlisted, f"models of a person's data that the export neither writes nor leaves out: {unlisted}"
    assert not set(EXPORTED) & set(NOT_PERSONAL)
    assert set(LEFT_OUT) <= set(EXPORTED) and set(EXPORTED) | set(NOT_PERSONAL) <= set(models), "stale names"
    for label, fields in EXPORTED.items():
        model = models[label]
        concrete = {f.name for f in model._meta.concrete_fields} | {f.name for f in model._meta.many_to_many}
        left_out = set(LEFT_OUT.get(label, {}))
        assert not set(fields) & left_out, label
        missing = sorted(concrete - set(fields) - left_out)
        assert not missing, f"{label}: fields neither exported nor left out on purpose: {missing}"
        assert set(fields) | left_out <= concrete, f"{label}: stale names {sorted(set(fields) | left_out - concrete)}"


def _values_at(doc: dict, path: str) -> list:
    """What ``path`` (``items[].colors[].name``, see ``wardrobe.backup.schema``) names in ``doc``:
    one value per record that holds it; an AssertionError when a record lacks the key or a list on
    the way is empty (then the path was not checked)."""
    values = [doc]
    for part in path.split("."):
        key, is_list = part.removesuffix("[]"), part.endswith("[]")
        assert all(key in v for v in values), f"{path}: no {key!r} in a record"
        values = [v[key] for v in values]
        if is_list:
            assert values and all(isinstance(v, list) for v in values), path
            values = [x for v in values for x in v]
            assert values, f"{path}: empty everywhere in the test closet"
    return values


def test_every_exported_field_is_in_a_written_export(user, person):
    from wardrobe.backup.schema import EXPORTED

    _data, _archive, doc = _export(user)
    for label, fields in EXPORTED.items():
        for name, path in fields.items():
            try:
                _values_at(doc, path)
            except AssertionError as exc:
                raise AssertionError(f"{label}.{name} -> {path}: {exc}") from None


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_docs_describe_every_key_and_the_version(user, person):
    from wardrobe.backup.schema import EXPORT_SCHEMA_VERSION

    _data, archive, doc = _export(user)
    text = DOCS.read_text(encoding="utf-8")
    undocumented = sorted(k for k in _keys(doc) if f"`{k}`" not in text)
    assert not undocumented, f"keys of items.json missing from docs/export.md: {undocumented}"
    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert folders == {"photos", "cutouts", "masks", "model_cutouts", "model_masks", "wishlist"}
    assert all(f"`{folder}/" in text for folder in folders)
    assert f"`schema_version`: {EXPORT_SCHEMA_VERSION}" in text
