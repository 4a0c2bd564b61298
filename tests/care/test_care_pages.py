"""The care-label page (``/garments/{id}/label/``), reached from the item page: upload, see the fields
in an editable form, confirm; on the real PostgreSQL with real Tesseract."""

from __future__ import annotations

import shutil

import pytest
from django.urls import reverse

from tests.care.helpers import blank_jpeg, label_jpeg
from tests.conftest import upload
from wardrobe.closet.models import Garment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="apt-get install tesseract-ocr tesseract-ocr-kor"),
]


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_item_page_links_to_the_label_page(logged_in, garment):
    page = logged_in.get(reverse("closet:garment-detail", args=[garment.pk])).content.decode()
    assert reverse("care:label", args=[garment.pk]) in page
    r = logged_in.get(reverse("care:label", args=[garment.pk]))
    assert r.status_code == 200 and b'enctype="multipart/form-data"' in r.content


def test_upload_shows_the_fields_then_confirm_saves_them(logged_in, garment):
    r = logged_in.post(reverse("care:label", args=[garment.pk]), {"image": upload("label.jpg", label_jpeg(0))})
    assert r.status_code == 200
    form = r.context["fields_form"]
    assert form.initial["composition"] == "acrylic 55%, polyester 45%"
    assert form.initial["country"] == "South Korea"
    assert Garment.objects.get(pk=garment.pk).material == ""  # nothing saved yet
    r = logged_in.post(
        reverse("care:label-confirm", args=[garment.pk]),
        {
            "composition": "아크릴 55% 폴리에스터 45%",
            "lining": "",
            "size": "105",
            "country": "South Korea",
            "care": "DRY CLEAN ONLY",
        },
    )
    assert r.status_code == 302 and r.url == reverse("closet:garment-detail", args=[garment.pk])
    g = Garment.objects.get(pk=garment.pk)
    assert (g.material, g.size) == ("acrylic 55%, polyester 45%", "105")
    assert g.notes.endswith("Made in: South Korea\nCare: DRY CLEAN ONLY")


def test_a_photo_without_text_gives_a_plain_message(logged_in, garment):
    r = logged_in.post(
        reverse("care:label", args=[garment.pk]), {"image": upload("fabric.jpg", blank_jpeg())}, follow=True
    )
    assert r.status_code == 200 and r.context["fields_form"] is None
    assert "No text could be read" in r.content.decode()


@pytest.mark.parametrize("data", [b"", b"plain text, not a picture"])
def test_a_bad_photo_is_a_400_with_a_message(logged_in, garment, data):
    r = logged_in.post(reverse("care:label", args=[garment.pk]), {"image": upload("x.jpg", data)})
    assert r.status_code == 400
    assert 'id="label-photo-error"' in r.content.decode()


def test_a_composition_that_names_no_fibre_is_refused(logged_in, garment):
    r = logged_in.post(reverse("care:label-confirm", args=[garment.pk]), {"composition": "magic stuff"})
    assert r.status_code == 400 and "cotton 60%" in r.content.decode()
    assert Garment.objects.get(pk=garment.pk).material == ""


def test_another_users_garment_is_a_404(client, other_user, garment):
    client.force_login(other_user)
    assert client.get(reverse("care:label", args=[garment.pk])).status_code == 404
    assert (
        client.post(reverse("care:label", args=[garment.pk]), {"image": upload("l.jpg", label_jpeg(0))}).status_code
        == 404
    )
    assert client.post(reverse("care:label-confirm", args=[garment.pk]), {"size": "XL"}).status_code == 404
    assert Garment.objects.get(pk=garment.pk).size == ""


def test_the_page_in_korean(logged_in, garment):
    logged_in.post(reverse("accounts:language"), {"language": "ko"})
    page = logged_in.get(reverse("care:label", args=[garment.pk])).content.decode()
    assert "케어 라벨 읽기" in page and "라벨 읽기" in page
    r = logged_in.post(reverse("care:label", args=[garment.pk]), {"image": upload("x.jpg", b"")})
    assert r.status_code == 400 and "빈 파일" in r.content.decode()
