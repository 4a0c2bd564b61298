"""The export: a zip of the user's photos, cutouts, masks and items.json that matches the database and
the stored files, and holds nothing of anyone else (what it holds beyond the closet:
``test_export_complete.py``)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import encode, fixture_photos, upload
from tests.factories import GarmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


def _photo_bytes(path, fmt: str = "JPEG") -> bytes:
    from PIL import Image

    with Image.open(path) as img:
        return encode(img.convert("RGB"), fmt)


@pytest.fixture
def closets(user, other_user):
    """Alice: two photos (a JPEG and a PNG) with three garments, edited, worn, one archived.
    Bob: one photo with one garment. Returns ``{user: [garments]}``."""
    from wardrobe.closet import services

    photos = fixture_photos()
    assert len(photos) >= 3, "the tests need the committed fixture photos"
    p1 = services.photo_create(owner=user, uploaded_file=upload("front door.jpg", _photo_bytes(photos[0])))
    p2 = services.photo_create(
        owner=user, uploaded_file=upload("shelf.png", _photo_bytes(photos[1], "PNG"), "image/png")
    )
    shirt = GarmentFactory(photo=p1)
    jeans = GarmentFactory(photo=p1, category="pants", type="jeans")
    coat = GarmentFactory(photo=p2, category="coat", type=None)
    services.garment_update(
        garment=shirt,
        name="Oxford shirt",
        brand="Uniqlo",
        size="M",
        material="cotton",
        seasons=["spring", "autumn"],
        price=Decimal("39.90"),
        currency="USD",
        purchase_date=dt.date(2025, 3, 14),
        notes="Iron on low — 면 100%",
        laundry="wash",
    )
    services.garments_wear(garments=[shirt, jeans], on=dt.date(2026, 1, 5))
    services.garments_wear(garments=[shirt], on=dt.date(2026, 1, 9))
    services.garment_archive(garment=coat, reason="donated")
    bob_photo = services.photo_create(owner=other_user, uploaded_file=upload("bob.jpg", _photo_bytes(photos[2])))
    bob_garment = GarmentFactory(photo=bob_photo)
    services.garment_update(garment=bob_garment, name="Bob's secret shirt")
    return {user: [shirt, jeans, coat], other_user: [bob_garment]}


def _read(field) -> bytes:
    with field.storage.open(field.name, "rb") as f:
        return f.read()


def _check_archive(data: bytes, owner) -> dict:
    """Unzip ``data`` and check it against the database and the stored files of ``owner``; returns items.json."""
    from wardrobe.closet.models import Garment, Photo, WearLog

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = set(archive.namelist())
    photos = list(Photo.objects.filter(owner=owner).order_by("id"))
    garments = list(Garment.objects.filter(owner=owner).select_related("category__section", "type").order_by("id"))
    expected_photo_files = {p.pk: f"photos/{p.pk}.{p.image.name.rsplit('.', 1)[-1]}" for p in photos}
    expected = (
        {"items.json"}
        | set(expected_photo_files.values())
        | {f"cutouts/{g.pk}.png" for g in garments}
        | {f"masks/{g.pk}.png" for g in garments}
        | {f"model_cutouts/{g.pk}.png" for g in garments if g.model_cutout}
        | {f"model_masks/{g.pk}.png" for g in garments if g.model_mask}
    )
    assert names == expected
    for p in photos:
        assert archive.read(expected_photo_files[p.pk]) == _read(p.image)
    for g in garments:
        assert archive.read(f"cutouts/{g.pk}.png") == _read(g.cutout)
        assert archive.read(f"masks/{g.pk}.png") == _read(g.mask)

    doc = json.loads(archive.read("items.json").decode("utf-8"))
    assert doc["schema_version"] == 2 and doc["username"] == owner.username == doc["profile"]["username"]
    assert [p["id"] for p in doc["photos"]] == [p.pk for p in photos]
    for entry, p in zip(doc["photos"], photos):
        assert entry == {
            "id": p.pk,
            "file": expected_photo_files[p.pk],
            "original_filename": p.original_filename,
            "width": p.width,
            "height": p.height,
            "status": p.status,
            "uploaded_at": p.created_at.isoformat(),
            "updated_at": p.updated_at.isoformat(),
            "box_requests": [],
        }
    assert [i["id"] for i in doc["items"]] == [g.pk for g in garments]
    for item, g in zip(doc["items"], garments):
        wears = [
            w.isoformat()
            for w in WearLog.objects.filter(garment=g).order_by("worn_on").values_list("worn_on", flat=True)
        ]
        assert item["worn_on"] == wears and item["wear_count"] == g.wear_count == len(wears)
        assert item["photo_id"] == g.photo_id and item["photo_file"] == expected_photo_files[g.photo_id]
        assert item["cutout_file"] == f"cutouts/{g.pk}.png" and item["mask_file"] == f"masks/{g.pk}.png"
        assert item["category"] == g.category.slug and item["section"] == g.category.section.slug
        assert item["type"] == (g.type.slug if g.type else None)
        assert [c["name"] for c in item["colors"]] == [c.name for c in g.color_list]
        assert [c["hex"] for c in item["colors"]] == [c.hex for c in g.color_list]
        for field in (
            "name",
            "brand",
            "size",
            "material",
            "currency",
            "notes",
            "status",
            "archive_reason",
            "laundry",
            "picture",
        ):
            assert item[field] == getattr(g, field), field
        assert item["seasons"] == g.season_list
        assert item["price"] == (str(g.price) if g.price is not None else None)
        assert item["purchase_date"] == (g.purchase_date.isoformat() if g.purchase_date else None)
        assert item["last_worn_on"] == (g.last_worn_on.isoformat() if g.last_worn_on else None)
        assert item["archived_at"] == (g.archived_at.isoformat() if g.archived_at else None)
        assert item["box"] == [g.x0, g.y0, g.x1, g.y1]
    return doc


def test_api_export_matches_the_database_and_files(api, user, other_user, closets):
    r = api.get("/api/me/export/")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/zip"
    assert (
        r["Content-Disposition"].startswith("attachment;") and f"wardrobe-{user.username}-" in r["Content-Disposition"]
    )
    data = b"".join(r.streaming_content)
    assert int(r["Content-Length"]) == len(data)
    doc = _check_archive(data, user)
    shirt, jeans, coat = closets[user]
    by_id = {i["id"]: i for i in doc["items"]}
    # The edited values, spelled out (not just read back from the same rows).
    assert by_id[shirt.pk]["name"] == "Oxford shirt" and by_id[shirt.pk]["price"] == "39.90"
    assert by_id[shirt.pk]["seasons"] == ["spring", "autumn"] and by_id[shirt.pk]["purchase_date"] == "2025-03-14"
    assert by_id[shirt.pk]["worn_on"] == ["2026-01-05", "2026-01-09"] and by_id[shirt.pk]["laundry"] == "wash"
    assert by_id[shirt.pk]["notes"] == "Iron on low — 면 100%"
    assert by_id[jeans.pk]["worn_on"] == ["2026-01-05"] and by_id[jeans.pk]["type"] == "jeans"
    assert by_id[coat.pk]["status"] == "archived" and by_id[coat.pk]["archive_reason"] == "donated"
    assert {p["original_filename"] for p in doc["photos"]} == {"front door.jpg", "shelf.png"}
    assert {p["file"].rsplit(".", 1)[-1] for p in doc["photos"]} == {"jpg", "png"}
    # Nothing of Bob's: not his ids, his name, nor his photo's bytes.
    bob_garment = closets[other_user][0]
    assert bob_garment.pk not in by_id and b"Bob's secret shirt" not in data
    assert _read(bob_garment.photo.image) not in data


def test_the_other_user_gets_only_theirs(other_api, other_user, closets):
    data = b"".join(other_api.get("/api/me/export/").streaming_content)
    doc = _check_archive(data, other_user)
    assert [i["name"] for i in doc["items"]] == ["Bob's secret shirt"]


def test_export_of_an_empty_closet(api, user):
    r = api.get("/api/me/export/", HTTP_ACCEPT="application/zip")
    assert r.status_code == 200
    doc = _check_archive(b"".join(r.streaming_content), user)
    assert doc["photos"] == [] and doc["items"] == [] and doc["outfits"] == [] and doc["plans"] == []
    # Never saved settings read as the defaults, and reading them writes nothing.
    assert doc["profile"]["currency"] == "KRW" and doc["profile"]["language"] == ""
    assert doc["weather"] == {"provider": "open-meteo", "location_name": "", "latitude": None, "longitude": None}
    from wardrobe.weather.models import WeatherSettings

    assert not WeatherSettings.objects.filter(user=user).exists()


def test_export_page_link_and_download(client, user, closets):
    assert client.get(reverse("backup:export")).status_code == 302  # login first
    client.force_login(user)
    assert reverse("backup:export").encode() in client.get(reverse("preferences:settings")).content
    r = client.get(reverse("backup:export"))
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert r["Cache-Control"] == "private, no-store"
    _check_archive(b"".join(r.streaming_content), user)


def test_export_skips_a_missing_file(api, user, closets):
    shirt = closets[user][0]
    shirt.cutout.storage.delete(shirt.cutout.name)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(api.get("/api/me/export/").streaming_content)))
    item = next(i for i in json.loads(archive.read("items.json"))["items"] if i["id"] == shirt.pk)
    assert item["cutout_file"] is None and f"cutouts/{shirt.pk}.png" not in archive.namelist()
    assert archive.read(f"masks/{shirt.pk}.png") == _read(shirt.mask)


def test_export_needs_authentication():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/me/export/").status_code == 401


def test_export_writes_through_a_spooled_file(user, closets, monkeypatch):
    """A closet larger than the spool limit goes to a temporary file, not memory, and reads back whole."""
    from wardrobe.backup import services

    monkeypatch.setattr(services, "EXPORT_SPOOL_BYTES", 1024)
    spool = services.backup_export_open(user=user)
    try:
        assert spool._rolled  # on disk
        _check_archive(spool.read(), user)
    finally:
        spool.close()
