"""The wishlist (issue 18): items with a checked, re-encoded photo and its dominant colours, http(s)
links only, prices, kinds; the owned items most like each (same kind, close colours, no model); the
API (``/api/wishlist/``), the page, the owner-only photo, and no torch in the web process."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from tests.conftest import REPO, media_files, upload
from tests.factories import GarmentFactory, PhotoFactory, fixture_jpeg
from wardrobe.wishlist import selectors, services
from wardrobe.wishlist.models import WishlistItem
from wardrobe.wishlist.similar import Candidate, color_score, rank

pytestmark = pytest.mark.django_db


def _exif_jpeg() -> bytes:
    """The t-shirt fixture with an EXIF block (camera and GPS tags) that must not be stored."""
    img = Image.open(io.BytesIO(fixture_jpeg("clothing_tshirt.jpg")))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()


@pytest.fixture
def owned(user):
    """The user's closet: a light-grey t-shirt, blue jeans, a red dress; one t-shirt archived."""
    photo = PhotoFactory(owner=user)
    tee = GarmentFactory(photo=photo, category="top-t-shirt-sweatshirt", type="t-shirt", colors=("light grey",))
    jeans = GarmentFactory(photo=photo, category="pants", type="jeans", colors=("blue",))
    dress = GarmentFactory(photo=photo, category="dress", type=None, colors=("red",))
    gone = GarmentFactory(photo=photo, category="top-t-shirt-sweatshirt", type="t-shirt", colors=("light grey",))
    from wardrobe.closet import services as closet_services

    closet_services.garment_archive(garment=gone, reason="sold")
    return tee, jeans, dress, gone


def test_create_with_a_real_photo_stores_a_clean_copy_and_its_colours(user, media_root):
    item = services.wishlist_item_create(
        owner=user,
        name="  Grey tee ",
        photo=upload("tee.jpg", _exif_jpeg()),
        link="https://shop.example/tee?id=1",
        price=Decimal("19.90"),
        type="t-shirt",
        notes="size M",
    )
    assert item.name == "Grey tee" and item.category.slug == "top-t-shirt-sweatshirt" and item.type.slug == "t-shirt"
    assert item.currency  # the owner's default currency with a price
    assert item.photo.name.startswith(f"wishlist/{user.pk}/") and item.photo.name.endswith(".jpg")
    with item.photo.open("rb") as fh:
        stored = Image.open(io.BytesIO(fh.read()))
        assert stored.format == "JPEG" and not stored.getexif()
    assert item.colors and item.colors[0]["name"] == "light grey"
    assert abs(sum(c["fraction"] for c in item.colors) - 1) < 1e-3


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"photo": upload("x.jpg", b"not an image at all")}, "photo"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "ftp://example.com/x"}, "link"),
        ({"category": "pants", "type": "t-shirt"}, "type"),
        ({"category": "no-such"}, "category"),
        ({"price": Decimal("-1")}, "price"),
        ({"currency": "XXX", "price": Decimal("1")}, "currency"),
        ({"name": ""}, "name"),
        ({"notes": "x" * 4001}, "notes"),
    ],
)
def test_bad_values_store_nothing(user, media_root, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.wishlist_item_create(owner=user, **{"name": "Boots", **kwargs})
    assert field in exc.value.message_dict
    assert not WishlistItem.objects.exists() and media_files(media_root) == []


def test_update_replaces_and_removes_the_photo_and_delete_removes_the_file(
    user, media_root, django_capture_on_commit_callbacks
):
    item = services.wishlist_item_create(
        owner=user, name="Dress", photo=upload("d.jpg", fixture_jpeg("clothing_dress.jpg"))
    )
    first = item.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        services.wishlist_item_update(
            item=item, photo=upload("t.jpg", fixture_jpeg("clothing_tshirt.jpg")), price=Decimal("5")
        )
    assert item.photo.name != first and not (media_root / first).exists() and item.price == Decimal("5")
    with pytest.raises(ValidationError):
        services.wishlist_item_update(item=item, link="mailto:a@b.c")
    assert item.link == ""
    with django_capture_on_commit_callbacks(execute=True):
        services.wishlist_item_update(item=item, photo=None)
    assert not item.photo and item.colors == [] and media_files(media_root / "wishlist") == []
    item = services.wishlist_item_create(
        owner=user, name="Again", photo=upload("t.jpg", fixture_jpeg("clothing_tshirt.jpg"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.wishlist_item_delete(item=item)
    assert media_files(media_root / "wishlist") == []


def test_similar_owned_items_same_kind_and_colour_first(user, owned, other_user):
    tee, jeans, dress, gone = owned
    GarmentFactory(
        photo=PhotoFactory(owner=other_user), category="top-t-shirt-sweatshirt", type="t-shirt", colors=("light grey",)
    )
    wish = services.wishlist_item_create(
        owner=user, name="Tee", type="t-shirt", photo=upload("t.jpg", fixture_jpeg("clothing_tshirt.jpg"))
    )
    found = selectors.wishlist_similar(user=user, items=[wish])[wish.pk]
    assert [g.pk for g, _s in found][0] == tee.pk
    assert gone.pk not in [g.pk for g, _s in found]  # archived: not owned any more
    assert all(g.owner_id == user.pk for g, _s in found)
    assert found[0][1] > 0.8 and all(a >= b for (_g, a), (_h, b) in zip(found, found[1:]))
    # No kind, only the photo: colour alone, the grey t-shirt is still closest.
    by_colour = services.wishlist_item_create(
        owner=user, name="?", photo=upload("t.jpg", fixture_jpeg("clothing_tshirt.jpg"))
    )
    assert selectors.wishlist_similar(user=user, items=[by_colour])[by_colour.pk][0][0].pk == tee.pk
    # A kind and no photo: the jeans for jeans; nothing at all without kind and photo.
    wants_jeans = services.wishlist_item_create(owner=user, name="Jeans", type="jeans")
    assert [g.pk for g, _ in selectors.wishlist_similar(user=user, items=[wants_jeans])[wants_jeans.pk]] == [jeans.pk]
    bare = services.wishlist_item_create(owner=user, name="Something")
    assert selectors.wishlist_similar(user=user, items=[bare])[bare.pk] == []


def test_rank_and_colour_score_by_hand():
    grey, red = "#cbc8c2", "#c0392b"
    assert color_score([{"hex": grey, "fraction": 1}], [grey]) == pytest.approx(1.0)
    assert color_score([{"hex": grey, "fraction": 1}], [red]) < 0.3
    assert color_score([], [grey]) == 0.0
    cands = [
        Candidate(1, 10, None, 100, (red,)),
        Candidate(2, 10, 5, 100, (grey,)),
        Candidate(3, 11, None, 100, (grey,)),
    ]
    ranked = rank(cands, colors=[{"hex": grey, "fraction": 1}], category_id=10, type_id=5, section_id=100, limit=2)
    assert [pk for pk, _ in ranked] == [2, 3]
    assert ranked[0][1] == pytest.approx(1.0)


def test_api_crud_photo_and_scoping(api, other_api, user, owned, client, media_root):
    r = api.post(
        "/api/wishlist/",
        {
            "name": "Tee",
            "type": "t-shirt",
            "price": "25.00",
            "link": "https://shop.example/t",
            "photo": upload("t.jpg", fixture_jpeg("clothing_tshirt.jpg")),
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["category"] == "top-t-shirt-sweatshirt" and body["type"] == "t-shirt" and body["price"] == "25.00"
    assert body["similar"][0]["id"] == owned[0].pk and body["colors"][0]["name"] == "light grey"
    photo = body["photo_url"]
    assert api.get(photo).status_code == 200
    assert other_api.get(photo).status_code == 404
    item_id = body["id"]
    assert [i["id"] for i in api.get("/api/wishlist/").json()["results"]] == [item_id]
    assert other_api.get("/api/wishlist/").json()["results"] == []
    for method in ("get", "patch", "delete"):
        assert getattr(other_api, method)(f"/api/wishlist/{item_id}/", {"name": "x"}, format="json").status_code == 404
    r = api.patch(f"/api/wishlist/{item_id}/", {"notes": "wait for the sale", "photo": None}, format="json")
    assert r.status_code == 200 and r.json()["photo_url"] is None and r.json()["notes"] == "wait for the sale"
    assert api.patch(f"/api/wishlist/{item_id}/", {"link": "javascript:alert(1)"}, format="json").status_code == 400
    assert api.patch(f"/api/wishlist/{item_id}/", {"nme": "x"}, format="json").status_code == 400
    assert (
        api.post("/api/wishlist/", {"name": "x", "photo": upload("x.jpg", b"nope")}, format="multipart").status_code
        == 400
    )
    assert api.post("/api/wishlist/", {"name": "x", "link": "ftp://a.b/c"}, format="json").status_code == 400
    assert api.delete(f"/api/wishlist/{item_id}/").status_code == 204
    assert not WishlistItem.objects.exists()


def test_page_adds_lists_edits_and_deletes(client, user, other_user, owned):
    client.force_login(user)
    assert client.get("/wishlist/").status_code == 200
    r = client.post(
        "/wishlist/",
        {
            "name": "Linen tee",
            "kind": "top-t-shirt-sweatshirt:t-shirt",
            "link": "https://shop.example/linen",
            "photo": upload("t.jpg", fixture_jpeg("clothing_tshirt.jpg")),
        },
    )
    assert r.status_code == 302
    item = WishlistItem.objects.get()
    html = client.get("/wishlist/").content.decode()
    assert "Linen tee" in html and f"/garments/{owned[0].pk}/" in html and f"/wishlist/{item.pk}/photo" in html
    assert client.post("/wishlist/", {"name": "Bad", "link": "javascript:alert(1)"}).status_code == 400
    r = client.post(f"/wishlist/{item.pk}/", {"name": "Linen tee", "kind": "", "price": "30", "remove_photo": "1"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.price == Decimal("30") and not item.photo and item.category is None
    client.force_login(other_user)
    assert client.get(f"/wishlist/{item.pk}/").status_code == 404
    assert client.post(f"/wishlist/{item.pk}/delete/").status_code == 404
    assert client.get(f"/wishlist/{item.pk}/photo").status_code == 404
    client.force_login(user)
    client.post(f"/wishlist/{item.pk}/delete/")
    assert not WishlistItem.objects.exists()


def test_the_web_side_of_the_wishlist_loads_no_torch():
    code = (
        "import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'wardrobe.settings');"
        "os.environ.setdefault('SECRET_KEY', 'x'); django.setup();"
        "import wardrobe.wishlist.api, wardrobe.wishlist.views, wardrobe.wishlist.services;"
        "from PIL import Image; from wardrobe.wishlist.similar import photo_colors;"
        "photo_colors(Image.open('tests/fixtures/clothing_tshirt.jpg'));"
        "assert 'torch' not in sys.modules, 'torch loaded'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)
