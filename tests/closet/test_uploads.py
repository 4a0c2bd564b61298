"""Upload validation: bad input is a 400 with a message and writes nothing; good formats are accepted."""

import io
import struct
import zlib

import pytest
from django.urls import reverse
from PIL import Image

from tests.conftest import encode, media_files, sample_image, upload
from wardrobe.closet.models import Photo

pytestmark = pytest.mark.django_db


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def bad_inputs(jpeg: bytes):
    return {
        "empty": ("empty.jpg", b"", "empty"),
        "text-named-jpg": ("notes.jpg", b"this is plain text, not a photo\n" * 20, "not an image"),
        "truncated-jpeg": ("cut.jpg", jpeg[: len(jpeg) // 2], "cut off"),
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


@pytest.mark.parametrize("size", [(30_000, 10), (10, 30_000), (65_000, 1), (20, 400), (331, 33)])
def test_api_rejects_strips_and_slivers(api, media_root, size):
    """Issue 15, defect 7: such images were accepted, then failed in the worker with a raw
    ``ValueError``. Refused at upload with a sentence; nothing stored."""
    data = encode(Image.new("L", size, 200), "PNG")
    r = api.post("/api/photos/", {"image": upload("strip.png", data, "image/png")}, format="multipart")
    assert r.status_code == 400, r.content
    message = str(r.json())
    assert f"{size[0]} x {size[1]} pixels" in message and ("at least 32" in message or "at most 10 times" in message)
    assert Photo.objects.count() == 0 and media_files(media_root) == []


def test_strip_refused_in_korean(api, media_root):
    data = encode(Image.new("L", (100, 3_000), 200), "PNG")
    r = api.post(
        "/api/photos/", {"image": upload("s.png", data, "image/png")}, format="multipart", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert r.status_code == 400 and "짧은 변의 10배" in str(r.json())


def test_api_accepts_the_limits_of_shape(api, media_root, django_capture_on_commit_callbacks):
    data = encode(Image.new("RGB", (320, 32), (120, 30, 30)), "PNG")
    r = api.post("/api/photos/", {"image": upload("wide.png", data, "image/png")}, format="multipart")
    assert r.status_code == 202, r.content


def test_api_rejects_file_over_byte_limit(api, settings, jpeg_bytes, media_root):
    settings.MAX_UPLOAD_BYTES = len(jpeg_bytes) - 1
    r = api.post("/api/photos/", {"image": upload("a.jpg", jpeg_bytes)}, format="multipart")
    assert r.status_code == 400 and "too big" in str(r.json())
    assert Photo.objects.count() == 0 and media_files(media_root) == []


def test_api_missing_field(api):
    r = api.post("/api/photos/", {}, format="multipart")
    assert r.status_code == 400 and "image" in r.json()


@pytest.mark.parametrize(
    "fmt,name,ctype",
    [
        ("JPEG", "a.jpg", "image/jpeg"),
        ("PNG", "a.png", "image/png"),
        ("WEBP", "a.webp", "image/webp"),
        ("HEIF", "a.heic", "image/heic"),
    ],
)
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
    # A fresh encode: PNG stays PNG (lossless), WebP and HEIC become browser-friendly JPEGs.
    assert stored.format == ("PNG" if fmt == "PNG" else "JPEG")
    assert photo.image.name.endswith(".png" if fmt == "PNG" else ".jpg")


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
    files = [
        upload("good.jpg", jpeg_bytes),
        upload("bad.jpg", b"nope"),
        upload("png.png", encode(sample_image(), "PNG")),
    ]
    r = client.post(reverse("closet:upload"), {"images": files})
    assert r.status_code == 400
    body = r.content.decode()
    assert "bad.jpg" in body and "not an image" in body
    assert Photo.objects.filter(owner=user).count() == 2
    assert len(media_files(media_root)) == 2


def test_upload_page_all_good_redirects(client, user, jpeg_bytes):
    client.force_login(user)
    r = client.post(reverse("closet:upload"), {"images": [upload("a.jpg", jpeg_bytes), upload("b.jpg", jpeg_bytes)]})
    assert r.status_code == 302
    assert Photo.objects.filter(owner=user).count() == 2


def test_upload_page_bad_only_writes_nothing(client, user, media_root):
    client.force_login(user)
    r = client.post(reverse("closet:upload"), {"images": [upload("zero.jpg", b"")]})
    assert r.status_code == 400
    assert "empty" in r.content.decode()
    assert Photo.objects.count() == 0 and media_files(media_root) == []


def _icc_rgb_profile(red_xyz, green_xyz, blue_xyz) -> bytes:
    """A minimal ICC v2 RGB display profile (matrix/TRC, gamma 2.2) with the given D50 primaries."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"  # 2.2 as u8Fixed8, padded
    tags = [
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(*red_xyz)),
        (b"gXYZ", xyz(*green_xyz)),
        (b"bXYZ", xyz(*blue_xyz)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
        (b"desc", b"desc\0\0\0\0" + struct.pack(">I", 5) + b"test\0" + b"\0" * 79),
    ]
    offset, table, blob = 128 + 4 + 12 * len(tags), b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(blob), len(data))
        blob += data
    size = offset + len(blob)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + b"\0" * 4
        + xyz(0.9642, 1.0, 0.8249)[8:]
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + blob


# sRGB's primaries adapted to D50 (what an sRGB ICC profile holds).
SRGB_RED, SRGB_GREEN, SRGB_BLUE = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)


def test_icc_profile_is_applied_then_dropped(api, media_root):
    """The stored pixels are sRGB: a profile whose "red" channel is sRGB green turns (255, 0, 0) green,
    and the profile itself is not stored (nor used twice)."""
    from PIL import ImageCms

    swapped = _icc_rgb_profile(SRGB_GREEN, SRGB_RED, SRGB_BLUE)
    ImageCms.ImageCmsProfile(io.BytesIO(swapped))  # LittleCMS accepts it
    img = Image.new("RGB", (64, 64), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 32, 64))
    r = api.post(
        "/api/photos/",
        {"image": upload("p.png", encode(img, "PNG", icc_profile=swapped), "image/png")},
        format="multipart",
    )
    assert r.status_code == 202, r.content
    stored = Image.open(Photo.objects.get(pk=r.json()["id"]).image.path)
    assert "icc_profile" not in stored.info
    g = stored.getpixel((48, 32))
    assert g[1] > 200 and g[0] < 60 and g[2] < 60, g  # red in that profile is green in sRGB
    b = stored.getpixel((16, 32))
    assert b[2] > 200 and b[0] < 60 and b[1] < 60, b  # blue is blue in both


def test_photo_create_cleans_the_original_name(user, jpeg_bytes, media_root):
    """A file name with NUL and control characters (possible from any caller of the service, not only
    Django's multipart parser, which strips them) is stored printable: PostgreSQL refuses NUL."""
    from wardrobe.closet import services

    f = upload("../x/shirt\x00\x07 blue\n.jpg", jpeg_bytes)
    photo = services.photo_create(owner=user, uploaded_file=f)
    photo.refresh_from_db()
    assert photo.original_filename == "shirt blue.jpg"
    assert photo.image.name.startswith(f"photos/{user.pk}/") and "shirt" not in photo.image.name


def test_stored_copy_has_no_gps_even_when_upright(api, media_root):
    """An upright JPEG with EXIF GPS used to be stored as uploaded; now it is re-encoded without EXIF."""
    from PIL import ExifTags

    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 40.0)}
    data = encode(sample_image(), "JPEG", quality=90, exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    r = api.post("/api/photos/", {"image": upload("gps.jpg", data)}, format="multipart")
    assert r.status_code == 202, r.content
    path = Photo.objects.get(pk=r.json()["id"]).image.path
    stored = Image.open(path)
    assert len(stored.getexif()) == 0 and "exif" not in stored.info
    assert b"Exif\0\0" not in open(path, "rb").read()


def test_upload_page_post_without_files_is_a_400(client, user, media_root):
    client.force_login(user)
    r = client.post(reverse("closet:upload"), {})
    assert r.status_code == 400
    assert "Choose at least one photo" in r.content.decode()
    assert Photo.objects.count() == 0
