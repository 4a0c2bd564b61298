"""API shapes, PATCH rules, deletes, categories, schema/docs."""

from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import media_files
from tests.factories import GarmentFactory
from wardrobe.closet.models import Category, Garment, GarmentType, Photo, Section

pytestmark = pytest.mark.django_db


def test_taxonomy_is_seeded():
    from vision import taxonomy

    assert Section.objects.count() == len(taxonomy.SECTIONS)
    assert Category.objects.count() == len(taxonomy.CATEGORIES)
    assert GarmentType.objects.count() == len(taxonomy.TYPES)
    assert GarmentType.objects.get(slug="jeans").category.slug == "pants"
    assert Category.objects.get(slug="shoe").section.slug == "shoes"


def test_photo_detail_shape(api, photo, garment):
    r = api.get(f"/api/photos/{photo.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert {"id", "status", "error", "garments"} <= set(body)
    assert body["id"] == photo.pk and body["status"] == "pending" and body["error"] == ""
    assert [g["id"] for g in body["garments"]] == [garment.pk]


def test_photo_list_is_paginated_and_own(api, photo):
    body = api.get("/api/photos/").json()
    assert body["count"] == 1 and body["results"][0]["id"] == photo.pk


def test_garment_shape(api, photo, garment):
    r = api.get("/api/garments/")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 1
    g = body["results"][0]
    assert g["id"] == garment.pk and g["photo"] == photo.pk
    assert g["category"] == "shirt-blouse" and g["type"] == "shirt" and g["section"] == "tops"
    assert g["score"] == pytest.approx(0.9)
    assert g["bbox"] == [photo.width // 4, photo.height // 4, 3 * photo.width // 4, 3 * photo.height // 4]
    assert g["mask_url"].startswith(f"http://testserver/media/garments/{garment.pk}/mask.png?v=")  # versioned
    assert g["cutout_url"].startswith(f"http://testserver/media/garments/{garment.pk}/cutout.png?v=")
    assert g["colors"] == [{"rgb": [30, 40, 80], "hex": "#1e2850", "name": "navy", "fraction": 1.0}]
    # The URLs serve the files to the owner.
    mask = api.get(g["mask_url"])
    assert mask.status_code == 200 and mask["Content-Type"] == "image/png"
    img = Image.open(Path(garment.mask.path))
    assert img.mode == "1" and img.size == (photo.width, photo.height)
    cutout = Image.open(Path(garment.cutout.path))
    assert cutout.mode == "RGBA"


def test_garment_filters(api, photo):
    GarmentFactory(photo=photo, category="shirt-blouse", type="shirt")
    GarmentFactory(photo=photo, category="pants", type="jeans")
    GarmentFactory(photo=photo, category="shoe", type="sneakers")
    assert api.get("/api/garments/?category=pants").json()["count"] == 1
    assert api.get("/api/garments/?section=bottoms").json()["count"] == 1
    assert api.get("/api/garments/?section=tops").json()["count"] == 1
    assert api.get("/api/garments/?section=bags").json()["count"] == 0
    assert api.get(f"/api/garments/?photo={photo.pk}").json()["count"] == 3


def test_categories_counts(api, other_user, photo):
    GarmentFactory(photo=photo, category="pants", type="jeans")
    GarmentFactory(photo=photo, category="pants", type=None)
    rows = {c["slug"]: c for c in api.get("/api/categories/").json()}
    assert len(rows) == 27
    assert rows["pants"] == {"slug": "pants", "name": "Pants", "section": "bottoms", "count": 2}
    assert rows["shoe"]["count"] == 0


def test_patch_category_clears_foreign_type(api, garment):
    r = api.patch(f"/api/garments/{garment.pk}/", {"category": "pants"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["category"] == "pants" and r.json()["type"] is None and r.json()["section"] == "bottoms"


def test_patch_type_moves_category(api, garment):
    r = api.patch(f"/api/garments/{garment.pk}/", {"type": "sneakers"}, format="json")
    assert r.status_code == 200
    assert (r.json()["category"], r.json()["type"], r.json()["section"]) == ("shoe", "sneakers", "shoes")


def test_patch_both_consistent(api, garment):
    r = api.patch(f"/api/garments/{garment.pk}/", {"category": "pants", "type": "jeans"}, format="json")
    assert r.status_code == 200 and (r.json()["category"], r.json()["type"]) == ("pants", "jeans")


def test_patch_type_null(api, garment):
    r = api.patch(f"/api/garments/{garment.pk}/", {"type": None}, format="json")
    assert r.status_code == 200 and r.json()["type"] is None and r.json()["category"] == "shirt-blouse"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"category": "pants", "type": "sneakers"}, "type"),
        ({"category": "no-such-category"}, "category"),
        ({"type": "no-such-type"}, "type"),
        ({}, "non_field_errors"),
    ],
)
def test_patch_validation(api, garment, payload, field):
    r = api.patch(f"/api/garments/{garment.pk}/", payload, format="json")
    assert r.status_code == 400
    assert field in r.json()
    garment.refresh_from_db()
    assert (garment.category.slug, garment.type.slug) == ("shirt-blouse", "shirt")


def test_put_not_allowed(api, garment):
    assert api.put(f"/api/garments/{garment.pk}/", {"category": "pants"}, format="json").status_code == 405


def test_delete_garment_removes_files(api, garment, media_root, django_capture_on_commit_callbacks):
    paths = [Path(garment.mask.path), Path(garment.cutout.path)]
    assert all(p.exists() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.delete(f"/api/garments/{garment.pk}/")
    assert r.status_code == 204
    assert not Garment.objects.filter(pk=garment.pk).exists()
    assert not any(p.exists() for p in paths)


def test_delete_photo_removes_garments_and_files(api, photo, garment, media_root, django_capture_on_commit_callbacks):
    assert len(media_files(media_root)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        r = api.delete(f"/api/photos/{photo.pk}/")
    assert r.status_code == 204
    assert not Photo.objects.exists() and not Garment.objects.exists()
    assert media_files(media_root) == []


def test_schema_and_docs(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200 and b"/api/garments/" in r.content
    r = client.get("/api/docs/")
    assert r.status_code == 200 and b"swagger-ui" in r.content
