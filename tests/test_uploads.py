"""Upload validation: bad input is a 400 with a message and writes nothing; good formats are accepted."""
import io
import struct
import zlib

import pytest
from django.urls import reverse
from PIL import Image

from tests.conftest import encode, media_files, sample_image, upload
from wardrobe.models import Photo

pytestmark = pytest.mark.django_db


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def bad_inputs(jpeg: bytes):
    return {
        "empty": ("empty.jpg", b"", "empty"),
        "text-named-jpg": ("notes.jpg", b"this is plain text, not a photo\n" * 20, "not an image"),
        "truncated-jpeg": ("cut.jpg", jpeg[: len(jpeg) // 2], "truncated"),
        "bomb-header": ("bomb.png", png_header_claiming(30000, 30000), "too large"),
        "gif": ("anim.gif", encode(sample_image(), "GIF"), "Unsupported image format GIF"),
    }


@pytest.mark.parametrize("case", ["empty", "text-named-jpg", "truncated-jpeg", "bomb-header", "gif"])
def test_api_rejects_bad_input(api, jpeg_bytes, media_root, case):
    name, data, message = bad_inputs(jpeg_bytes)[case]
    r = api.post("/api/photos/", {"image": upload(name, data)}, format="multipart")
    assert r.status_code == 400, r.content
    assert message.lower() in str(r.json()).lower()
    assert Photo.objects.count() == 0
    assert media_files(media_root) == []


def test_api_rejects_real_image_over_pixel_limit(api, settings, media_root):
    settings.MAX_IMAGE_PIXELS = 100 * 100
    data = encode(Image.new("RGB", (200, 200), (10, 20, 30)), "PNG")
    r = api.post("/api/photos/", {"image": upload("big.png", data, "image/png")}, format="multipart")
    assert r.status_code == 400 and "too large" in str(r.json())
    assert Photo.objects.count() == 0 and media_files(media_root) == []


def test_api_rejects_file_over_byte_limit(api, settings, jpeg_bytes, media_root):
    settings.MAX_UPLOAD_BYTES = len(jpeg_bytes) - 1
    r = api.post("/api/photos/", {"image": upload("a.jpg", jpeg_bytes)}, format="multipart")
    assert r.status_code == 400 and "too big" in str(r.json())
    assert Photo.objects.count() == 0 and media_files(media_root) == []


def test_api_missing_field(api):
    r = api.post("/api/photos/", {}, format="multipart")
    assert r.status_code == 400 and "image" in r.json()


@pytest.mark.parametrize("fmt,name,ctype", [
    ("JPEG", "a.jpg", "image/jpeg"),
    ("PNG", "a.png", "image/png"),
    ("WEBP", "a.webp", "image/webp"),
    ("HEIF", "a.heic", "image/heic"),
])
def test_api_accepts_formats(api, user, media_root, django_capture_on_commit_callbacks, fmt, name, ctype):
    img = sample_image()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = api.post("/api/photos/", {"image": upload(name, encode(img, fmt), ctype)}, format="multipart")
    assert r.status_code == 202, r.content
    body = r.json()
    assert set(body) == {"id", "status"} and body["status"] == "pending"
    photo = Photo.objects.get(pk=body["id"])
    assert photo.owner == user and (photo.width, photo.height) == img.size
    assert photo.original_filename == name
    assert photo.image.name.startswith(f"photos/{user.pk}/")
    assert len(media_files(media_root)) == 1
    assert len(callbacks) == 1  # the processing task is queued once the upload commits
    stored = Image.open(photo.image.path)
    stored.load()
    assert stored.format in ("JPEG", "PNG", "WEBP")  # HEIC is stored as a browser-friendly JPEG


def test_multi_picture_jpeg_is_accepted(api, media_root):
    img = sample_image()
    buf = io.BytesIO()
    img.save(buf, format="MPO", save_all=True, append_images=[img.resize((64, 48))])
    r = api.post("/api/photos/", {"image": upload("phone.jpg", buf.getvalue())}, format="multipart")
    assert r.status_code == 202, r.content
    assert Photo.objects.get(pk=r.json()["id"]).image.name.endswith(".jpg")


def test_exif_orientation_is_applied(api, media_root):
    img = Image.new("RGB", (300, 100), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    data = encode(img, "JPEG", exif=exif.tobytes())
    r = api.post("/api/photos/", {"image": upload("rot.jpg", data)}, format="multipart")
    assert r.status_code == 202
    photo = Photo.objects.get(pk=r.json()["id"])
    assert (photo.width, photo.height) == (100, 300)
    stored = Image.open(photo.image.path)
    assert stored.size == (100, 300) and stored.getexif().get(0x0112, 1) == 1


def test_upload_page_multiple_files_with_per_file_errors(client, user, jpeg_bytes, media_root):
    client.force_login(user)
    files = [upload("good.jpg", jpeg_bytes), upload("bad.jpg", b"nope"), upload("png.png", encode(sample_image(), "PNG"))]
    r = client.post(reverse("wardrobe:upload"), {"images": files})
    assert r.status_code == 400
    body = r.content.decode()
    assert "bad.jpg" in body and "not an image" in body
    assert Photo.objects.filter(owner=user).count() == 2
    assert len(media_files(media_root)) == 2


def test_upload_page_all_good_redirects(client, user, jpeg_bytes):
    client.force_login(user)
    r = client.post(reverse("wardrobe:upload"), {"images": [upload("a.jpg", jpeg_bytes), upload("b.jpg", jpeg_bytes)]})
    assert r.status_code == 302
    assert Photo.objects.filter(owner=user).count() == 2


def test_upload_page_bad_only_writes_nothing(client, user, media_root):
    client.force_login(user)
    r = client.post(reverse("wardrobe:upload"), {"images": [upload("zero.jpg", b"")]})
    assert r.status_code == 400
    assert "empty" in r.content.decode()
    assert Photo.objects.count() == 0 and media_files(media_root) == []
