"""``POST /api/garments/{id}/label/`` (read; nothing saved) and ``.../label/confirm/`` (save), on the
real PostgreSQL, with real Tesseract on rendered labels."""

from __future__ import annotations

import shutil

import pytest

from tests.care.helpers import blank_jpeg, label_jpeg
from tests.conftest import encode, upload
from wardrobe.closet.models import Garment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="apt-get install tesseract-ocr tesseract-ocr-kor"),
]


def _read(api, garment, data: bytes, name: str = "label.jpg"):
    return api.post(f"/api/garments/{garment.pk}/label/", {"image": upload(name, data)}, format="multipart")


def _state(garment) -> tuple:
    g = Garment.objects.get(pk=garment.pk)
    return g.material, g.size, g.notes, g.updated_at


def test_read_returns_the_fields_and_saves_nothing(api, garment):
    before = _state(garment)
    r = _read(api, garment, label_jpeg(0))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["composition"] == [{"fibre": "acrylic", "percent": 55.0}, {"fibre": "polyester", "percent": 45.0}]
    assert body["country"] == "South Korea" and body["readable"] is True and body["message"] == ""
    assert "TUMBLE DRY LOW" in body["care"] and "ACRYLIC" in body["text"]
    assert _state(garment) == before


def test_a_photo_without_text_is_a_plain_message(api, garment):
    r = _read(api, garment, blank_jpeg())
    assert r.status_code == 200
    assert r.json()["readable"] is False and r.json()["composition"] == []
    assert "No text could be read" in r.json()["message"]


def test_confirm_saves_onto_the_garment(api, garment):
    garment.notes = "Bought in Seoul."
    garment.save(update_fields=["notes"])
    body = {
        "composition": [{"fibre": "cotton", "percent": 60}, {"fibre": "polyester", "percent": 40}],
        "lining": [{"fibre": "polyester", "percent": 100}],
        "size": "M",
        "country": "Vietnam",
        "care": "MACHINE WASH COLD\nDO NOT BLEACH",
    }
    r = api.post(f"/api/garments/{garment.pk}/label/confirm/", body, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["material"] == "cotton 60%, polyester 40%; lining: polyester 100%" and r.json()["size"] == "M"
    g = Garment.objects.get(pk=garment.pk)
    assert g.notes == "Bought in Seoul.\n\nMade in: Vietnam\nCare: MACHINE WASH COLD; DO NOT BLEACH"
    # Again: the two lines are replaced, not added twice.
    body.update(country="China", care="HAND WASH")
    assert api.post(f"/api/garments/{garment.pk}/label/confirm/", body, format="json").status_code == 200
    assert Garment.objects.get(pk=garment.pk).notes == "Bought in Seoul.\n\nMade in: China\nCare: HAND WASH"


@pytest.mark.parametrize(
    "body",
    [
        {"composition": [{"fibre": "unobtainium", "percent": 100}]},
        {"composition": [{"fibre": "cotton", "percent": 140}]},
        {"size": "x" * 41},
        {"care": "x" * 1001},
        {"composition": "cotton"},
    ],
)
def test_confirm_refuses_bad_fields_and_changes_nothing(api, garment, body):
    before = _state(garment)
    r = api.post(f"/api/garments/{garment.pk}/label/confirm/", body, format="json")
    assert r.status_code == 400 and r.json()
    assert _state(garment) == before


def _huge_png() -> bytes:
    from PIL import Image

    return encode(Image.new("L", (9000, 9000), 255), "PNG")


@pytest.mark.parametrize(
    "name, data, settings_patch, code",
    [
        ("empty.jpg", b"", {}, "empty"),
        ("notes.txt", b"this is not an image at all", {}, "not_an_image"),
        ("label.gif", b"GIF89a" + b"\0" * 64, {}, "unsupported_format"),
        ("big.jpg", None, {"MAX_UPLOAD_BYTES": 2_000}, "too_big"),
        ("huge.png", "huge", {"MAX_IMAGE_PIXELS": 50_000_000}, "too_many_pixels"),
    ],
)
def test_a_bad_photo_is_a_400_with_a_message(api, garment, settings, name, data, settings_patch, code):
    for key, value in settings_patch.items():
        setattr(settings, key, value)
    if data is None:
        data = label_jpeg(0)
    elif data == "huge":
        data = _huge_png()
    before = _state(garment)
    r = _read(api, garment, data, name)
    assert r.status_code == 400, r.content
    assert r.json()["image"][0], code  # a sentence for the person
    assert _state(garment) == before


def test_no_file_is_a_400(api, garment):
    r = api.post(f"/api/garments/{garment.pk}/label/", {}, format="multipart")
    assert r.status_code == 400 and "image" in r.json()


def test_another_users_garment_is_a_404(other_api, garment):
    before = _state(garment)
    assert _read(other_api, garment, label_jpeg(0)).status_code == 404
    r = other_api.post(f"/api/garments/{garment.pk}/label/confirm/", {"size": "XL"}, format="json")
    assert r.status_code == 404
    assert _state(garment) == before


def test_anonymous_is_refused(client, garment):
    r = client.post(f"/api/garments/{garment.pk}/label/confirm/", {"size": "XL"}, content_type="application/json")
    assert r.status_code in (401, 403)


def test_the_schema_documents_both_endpoints(api):
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    read = paths["/api/garments/{garment_id}/label/"]["post"]
    assert {"200", "400", "404"} <= set(read["responses"]) and "multipart/form-data" in read["requestBody"]["content"]
    assert {"200", "400", "404"} <= set(paths["/api/garments/{garment_id}/label/confirm/"]["post"]["responses"])


def test_no_ocr_on_the_server_is_a_503_on_the_api_and_a_message_on_the_page(api, client, user, garment, monkeypatch):
    from vision.read_label import OCRUnavailable
    from wardrobe.care import services

    def missing(*args, **kwargs):
        raise OCRUnavailable("tesseract is not installed")

    monkeypatch.setattr(services, "read_label", missing)
    r = _read(api, garment, label_jpeg(0))
    assert r.status_code == 503 and r.json()["detail"]
    client.force_login(user)
    r = client.post(f"/garments/{garment.pk}/label/", {"image": upload("l.jpg", label_jpeg(0))})
    assert r.status_code == 503 and "not available" in r.content.decode()
