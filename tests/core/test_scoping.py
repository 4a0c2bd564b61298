"""User B never sees user A's photos, garments or files (pages and API): 404s and no leaks in lists."""

import pytest
from django.urls import reverse

from tests.factories import GarmentFactory

pytestmark = pytest.mark.django_db


def test_api_other_user_gets_404(other_api, photo, garment):
    for url in [f"/api/photos/{photo.pk}/", f"/api/garments/{garment.pk}/"]:
        assert other_api.get(url).status_code == 404
    assert other_api.patch(f"/api/garments/{garment.pk}/", {"category": "pants"}, format="json").status_code == 404
    assert other_api.delete(f"/api/garments/{garment.pk}/").status_code == 404
    assert other_api.delete(f"/api/photos/{photo.pk}/").status_code == 404
    garment.refresh_from_db()
    assert garment.category.slug == "shirt-blouse"


def test_api_lists_do_not_leak(other_api, photo, garment):
    assert other_api.get("/api/photos/").json()["count"] == 0
    assert other_api.get("/api/garments/").json()["count"] == 0
    assert other_api.get(f"/api/garments/?photo={photo.pk}").json()["count"] == 0
    assert all(c["count"] == 0 for c in other_api.get("/api/categories/").json())


def test_files_are_owner_only(client, api, user, other_user, photo, garment):
    urls = [
        reverse("closet:photo-image", args=[photo.pk]),
        reverse("closet:garment-mask", args=[garment.pk]),
        reverse("closet:garment-cutout", args=[garment.pk]),
    ]
    for url in urls:
        assert api.get(url).status_code == 200  # owner, token auth
    client.force_login(other_user)
    for url in urls:
        assert client.get(url).status_code == 404
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page


def test_pages_other_user_gets_404(client, other_user, photo, garment):
    client.force_login(other_user)
    assert client.get(reverse("closet:photo-detail", args=[photo.pk])).status_code == 404
    assert client.get(reverse("closet:garment-detail", args=[garment.pk])).status_code == 404
    assert (
        client.post(reverse("closet:garment-detail", args=[garment.pk]), {"category": "pants", "type": ""}).status_code
        == 404
    )
    assert client.post(reverse("closet:garment-delete", args=[garment.pk])).status_code == 404
    assert client.post(reverse("closet:photo-delete", args=[photo.pk])).status_code == 404
    closet = client.get(reverse("closet:closet")).content.decode()
    assert f"/garments/{garment.pk}/" not in closet
    photos = client.get(reverse("closet:photo-list")).content.decode()
    assert f"/photos/{photo.pk}/" not in photos


def test_media_root_is_not_publicly_served(client, photo):
    assert client.get("/media/" + photo.image.name).status_code == 404


def test_pages_render_for_owner(client, user, photo, garment):
    GarmentFactory(photo=photo, category="shoe", type="sneakers")
    client.force_login(user)
    closet = client.get(reverse("closet:closet"))
    assert closet.status_code == 200 and b"Sneakers" in closet.content and b"Shirt" in closet.content
    filtered = client.get(reverse("closet:closet") + "?section=shoes").content.decode()
    assert "Sneakers" in filtered and f"/garments/{garment.pk}/" not in filtered
    page = client.get(reverse("closet:photo-detail", args=[photo.pk]))
    assert page.status_code == 200 and b'http-equiv="refresh"' in page.content  # pending: auto refresh
    detail = client.get(reverse("closet:garment-detail", args=[garment.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "mask.png" in body and "cutout.png" in body and "navy" in body and "#1e2850" in body
    assert client.get(reverse("closet:upload")).status_code == 200
    assert client.get(reverse("closet:photo-list")).status_code == 200


def test_garment_edit_page(client, user, garment):
    client.force_login(user)
    url = reverse("closet:garment-detail", args=[garment.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'value="shirt-blouse:shirt" selected' in page.content  # the select shows what the garment is
    base = {
        "kind": "pants:jeans",
        "picture": "photo",
        "laundry": "wash",
        "name": "Raw denim",
        "brand": "Levi's",
        "colors": ["navy", "denim"],
        "seasons": ["winter", "autumn"],
        "price": "89.50",
        "currency": "USD",
        "purchase_date": "2025-03-01",
        "notes": "hem taken up",
    }
    assert client.post(url, base).status_code == 302
    garment.refresh_from_db()
    assert (garment.category.slug, garment.type.slug) == ("pants", "jeans")
    assert (garment.name, garment.brand, str(garment.price), garment.currency) == (
        "Raw denim",
        "Levi's",
        "89.50",
        "USD",
    )
    assert garment.color_name_list == ["navy", "denim"] and garment.season_list == ["autumn", "winter"]
    assert (garment.picture, garment.laundry, garment.notes) == ("photo", "wash", "hem taken up")
    assert client.get(reverse("closet:garment-picture", args=[garment.pk]))["Content-Type"] == "image/jpeg"
    # A category and a type that disagree, a negative price, an unknown colour: 400, nothing saved.
    for bad in ({"kind": "skirt:jeans"}, {"price": "-3"}, {"colors": ["sky"]}, {"kind": "nonsense"}):
        r = client.post(url, {**base, "name": "changed", **bad})
        assert r.status_code == 400, bad
        garment.refresh_from_db()
        assert garment.name == "Raw denim" and garment.category.slug == "pants"


def test_admin_pages(admin_client, photo, garment):
    assert admin_client.get("/admin/closet/photo/").status_code == 200
    assert admin_client.get("/admin/closet/garment/?category__id__exact=1").status_code == 200
    assert admin_client.get(f"/admin/closet/garment/{garment.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/closet/photo/{photo.pk}/image/").status_code == 200
    assert admin_client.get(f"/admin/closet/garment/{garment.pk}/cutout/").status_code == 200
    assert admin_client.get("/admin/closet/category/").status_code == 200


def test_files_with_tokens(api, other_api, garment):
    url = reverse("closet:garment-cutout", args=[garment.pk])
    assert api.get(url).status_code == 200
    assert other_api.get(url).status_code == 404
    from rest_framework.test import APIClient

    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get(url).status_code == 401


@pytest.mark.django_db
def test_admin_closet_pages(admin_client, garment):
    from wardrobe.closet import services

    services.garments_wear(garments=[garment])
    for url in (
        "/admin/closet/garment/?status__exact=closet",
        "/admin/closet/wearlog/",
        "/admin/accounts/profile/",
        f"/admin/closet/garment/{garment.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
