"""Items from a CSV with photos (issue 18, point 6; docs/import.md): each row a confirmed garment of
its real fixture photo, re-encoded like an upload; a bad row refused naming its row and column with
nothing written; the same rows again add nothing."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import api_client_for, media_files
from tests.factories import fixture_jpeg
from wardrobe.closet.models import Garment, Photo

pytestmark = pytest.mark.django_db

GOOD = (
    "name,category,type,colors,seasons,brand,size,material,price,currency,purchase_date,notes,tags,photo\n"
    "Raw denim,pants,jeans,navy,autumn;winter,Levi's,32/32,cotton,89.00,USD,2025-10-01,Inside out,work;Jean,jeans.jpg\n"
    'Breton tee,Top / t-shirt / sweatshirt,T-shirt,white;navy,spring;summer,,M,,25,EUR,,"Soft, 면 100%",,tee.jpg\n'
)


def _zip(csv_text: str, photos: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("items.csv", csv_text.encode("utf-8"))
        for name, data in photos.items():
            zf.writestr(name, data)
    return buf.getvalue()


PHOTOS = {"jeans.jpg": fixture_jpeg("clothing_pants.jpg"), "tee.jpg": fixture_jpeg("clothing_tshirt.jpg")}


def _post_zip(user, data: bytes, **extra):
    return api_client_for(user).post(
        "/api/me/import/csv/",
        {"archive": SimpleUploadedFile("items.zip", data, "application/zip")},
        format="multipart",
        **extra,
    )


def test_a_zip_of_items_csv_and_photos(user):
    r = _post_zip(user, _zip(GOOD, PHOTOS))
    assert r.status_code == 201, r.content
    assert r.json() == {"garments": 2, "photos": 2, "skipped": 0}
    jeans, tee = Garment.objects.filter(owner=user).select_related("category", "type", "photo").order_by("id")
    assert (jeans.name, jeans.category.slug, jeans.type.slug, jeans.status) == ("Raw denim", "pants", "jeans", "closet")
    assert (jeans.brand, jeans.size, jeans.material, jeans.price, jeans.currency) == (
        "Levi's", "32/32", "cotton", Decimal("89.00"), "USD"
    )  # fmt: skip
    assert jeans.purchase_date.isoformat() == "2025-10-01" and jeans.notes == "Inside out"
    assert jeans.season_list == ["autumn", "winter"] and jeans.color_name_list == ["navy"]
    assert sorted(t.name for t in jeans.tags.all()) == ["Jean", "work"] and not tee.tags.exists()
    assert (tee.category.slug, tee.type.slug, tee.notes) == ("top-t-shirt-sweatshirt", "t-shirt", "Soft, 면 100%")
    assert tee.color_name_list == ["white", "navy"] and tee.price == Decimal("25.00")
    # The photo was checked and re-encoded like an upload: a clean JPEG of the fixture's picture.
    from PIL import Image

    for g, name in ((jeans, "jeans.jpg"), (tee, "tee.jpg")):
        with g.photo.image.open("rb") as f:
            stored = f.read()
        assert stored != PHOTOS[name] and stored[:2] == b"\xff\xd8" and b"Exif" not in stored[:200]
        with Image.open(io.BytesIO(PHOTOS[name])) as original:
            assert (g.photo.width, g.photo.height) == original.size
        assert (g.x0, g.y0, g.x1, g.y1) == (0, 0, g.photo.width, g.photo.height)
        assert g.photo.status == Photo.Status.DONE and g.photo.original_filename == name
        with Image.open(g.mask.open("rb")) as mask:
            assert mask.size == (g.photo.width, g.photo.height) and mask.getextrema() == (255, 255)


def test_a_csv_and_its_photos_uploaded_beside_it_and_twice_adds_nothing(user, media_root):
    api = api_client_for(user)

    def post():
        return api.post(
            "/api/me/import/csv/",
            {
                "csv": SimpleUploadedFile("items.csv", GOOD.encode(), "text/csv"),
                "photos": [SimpleUploadedFile(n, d, "image/jpeg") for n, d in PHOTOS.items()],
            },
            format="multipart",
        )

    assert post().json() == {"garments": 2, "photos": 2, "skipped": 0}
    files = media_files(media_root)
    assert post().json() == {"garments": 0, "photos": 0, "skipped": 2}
    assert Garment.objects.filter(owner=user).count() == 2 and media_files(media_root) == files


@pytest.mark.parametrize(
    "csv_text, words",
    [
        (GOOD.replace("25,EUR", "lots,EUR"), "Row 3, column price"),
        (GOOD.replace("autumn;winter", "autumn;monsoon"), "Row 2, column seasons"),
        (GOOD.replace("Top / t-shirt / sweatshirt", "spacesuit"), "Row 3, column category"),
        (GOOD.replace("tee.jpg", "missing.jpg"), "Row 3, column photo"),
        (GOOD.replace("2025-10-01", "2025-13-45"), "Row 2, column purchase_date"),
        (GOOD.replace(",USD,", ",XYZ,"), "Row 2, column currency"),
        ("name,colour\nx,y\n", "category and photo"),
    ],
)
def test_a_bad_row_is_refused_and_nothing_is_written(user, media_root, csv_text, words):
    r = _post_zip(user, _zip(csv_text, PHOTOS))
    assert r.status_code == 400
    assert words in " ".join(r.json()["archive"]), r.json()
    assert not Garment.objects.filter(owner=user).exists() and not Photo.objects.exists()
    assert media_files(media_root) == []


def test_a_row_whose_photo_is_not_an_image_names_the_row(user, media_root):
    r = _post_zip(user, _zip(GOOD, {**PHOTOS, "tee.jpg": b"%PDF-1.4 not a photo"}))
    assert r.status_code == 400 and "Row 3, column photo" in r.json()["archive"][0]
    assert not Photo.objects.exists() and media_files(media_root) == []


def test_the_row_error_in_korean(user):
    r = _post_zip(user, _zip(GOOD.replace("25,EUR", "lots,EUR"), PHOTOS), HTTP_ACCEPT_LANGUAGE="ko")
    assert r.status_code == 400 and r.json()["archive"][0].startswith("3행, price 열")
