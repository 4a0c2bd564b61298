"""Upload hardening: a corpus of good, odd and hostile uploads, each sent through BOTH upload entry
points, the REST API (``POST /api/photos/``, token auth) and the web upload form (a browser-like
client: session, CSRF token checked).

Every input is built here from a real fixture photo or from bytes (no binary fixtures). For each
case and entry point the test asserts the status (never a 5xx) and a readable message; a rejected
upload must leave no ``Photo`` row and no file under MEDIA_ROOT; an accepted one must be stored
under ``photos/<owner id>/<random>.<jpg|png>`` as a fresh, upright encode without EXIF (no GPS),
XMP, ICC profile, comments or trailing bytes, whose pixels look right.

The markdown table of outcomes for the closing note: ``python -m bench.upload_corpus``.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from tests.conftest import encode, fixture_photos, media_files
from wardrobe.closet.models import Photo

pytestmark = pytest.mark.django_db

API_URL = "/api/photos/"
BOUNDARY = "----wardrobeCorpusBoundary7MA4YWxkTrZu0gW"
RED = (255, 0, 0)


# --- building inputs -------------------------------------------------------------------------------


@cache
def base_photo() -> Image.Image:
    """A real fixture photo (RGB) with a pure red 48x48 marker in its top-left corner, so that a
    rotation shows where that corner went."""
    with Image.open(fixture_photos()[0]) as img:
        rgb = img.convert("RGB")
    rgb.paste(RED, (0, 0, 48, 48))
    return rgb


@cache
def photo_bytes(fmt: str = "JPEG", **kwargs) -> bytes:
    """``base_photo()`` encoded as ``fmt`` (JPEG at quality 90 unless told); cached."""
    if fmt == "JPEG":
        kwargs.setdefault("quality", 90)
    return encode(base_photo(), fmt, **kwargs)


def gps_exif(orientation: int | None = None) -> bytes:
    """EXIF with a GPS position (Seoul), a camera make and, optionally, an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 40.0)}
    if orientation:
        exif[0x0112] = orientation
    return exif.tobytes()


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width: int, height: int, bit_depth: int, color_type: int, rows: bytes | None = None) -> bytes:
    """A PNG written by hand (what Pillow cannot write: 16-bit RGB, or a lying header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(rows if rows is not None else b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def png_16bit_grey_gradient() -> bytes:
    """256x32, 16-bit greyscale, column x has value x * 257 (0 .. 65535)."""
    row = b"\x00" + b"".join(struct.pack(">H", x * 257) for x in range(256))
    return raw_png(256, 32, 16, 0, row * 32)


def png_16bit_rgb() -> bytes:
    """64x32, 16-bit RGB, every pixel (60000, 30000, 1000): (234, 117, 3) in 8 bits."""
    row = b"\x00" + struct.pack(">HHH", 60000, 30000, 1000) * 64
    return raw_png(64, 32, 16, 2, row * 32)


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at home, 37.5N 127E")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta><gps>37.5,127.0</gps></x:xmpmeta>")
    return encode(base_photo(), "PNG", pnginfo=info, exif=gps_exif(orientation=8))


def jpeg_with_everything() -> bytes:
    """EXIF (GPS, make), XMP, a comment, an sRGB ICC profile: all must be gone from the stored copy."""
    return photo_bytes(
        "JPEG",
        exif=gps_exif(),
        xmp=b"<x:xmpmeta><gps>37.5,127.0</gps></x:xmpmeta>",
        comment=b"my flat, 37.5N 127E",
        icc_profile=srgb_icc(),
    )


def jpeg_segment_offset(data: bytes, marker: bytes) -> int:
    pos = data.find(marker)
    assert pos > 0, marker
    return pos


def jpeg_corrupt_huffman() -> bytes:
    data = bytearray(photo_bytes())
    dht = jpeg_segment_offset(bytes(data), b"\xff\xc4")
    data[dht + 5 : dht + 21] = b"\xff" * 16  # code counts that no Huffman table can have
    return bytes(data)


def jpeg_zero_components() -> bytes:
    data = bytearray(photo_bytes())
    sof = jpeg_segment_offset(bytes(data), b"\xff\xc0")
    data[sof + 9] = 0
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose frame header claims ``width`` x ``height``."""
    data = bytearray(photo_bytes())
    sof = jpeg_segment_offset(bytes(data), b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_scan_garbage() -> bytes:
    data = bytearray(photo_bytes())
    sos = jpeg_segment_offset(bytes(data), b"\xff\xda")
    data[sos + 200 : sos + 400] = b"\x55" * 200
    return bytes(data)


def png_corrupt_idat() -> bytes:
    data = bytearray(photo_bytes("PNG"))
    idat = data.find(b"IDAT")
    data[idat + 100 : idat + 200] = b"\x00" * 100
    return bytes(data)


def png_bad_header_crc() -> bytes:
    data = bytearray(photo_bytes("PNG"))
    data[29] ^= 0xFF  # IHDR's CRC
    return bytes(data)


def gif_bomb() -> bytes:
    """A GIF whose logical screen claims 65535x65535 pixels, with a 1x1 picture inside."""
    return (
        b"GIF89a"
        + struct.pack("<HH", 65535, 65535)
        + b"\x80\x00\x00"
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x2c"
        + struct.pack("<HHHH", 0, 0, 1, 1)
        + b"\x00"
        + b"\x02\x02\x44\x01\x00"
        + b"\x3b"
    )


def animated(fmt: str) -> bytes:
    first = Image.new("RGB", (120, 80), (0, 0, 255))
    second = Image.new("RGB", (120, 80), (255, 255, 0))
    return encode(first, fmt, save_all=True, append_images=[second], duration=100, loop=0)


def mpo() -> bytes:
    buf = io.BytesIO()
    base_photo().save(buf, format="MPO", save_all=True, append_images=[base_photo().resize((64, 48))])
    return buf.getvalue()


def palette_png_with_transparency() -> bytes:
    img = Image.new("P", (64, 32), 0)
    img.putpalette([0, 255, 0, 255, 0, 0] + [0, 0, 0] * 254)  # index 0 green (transparent), 1 red
    img.paste(1, (32, 0, 64, 32))
    return encode(img, "PNG", transparency=0)


def la_png() -> bytes:
    img = Image.new("LA", (64, 32), (0, 0))
    img.paste((50, 255), (32, 0, 64, 32))
    return encode(img, "PNG")


def rgba_png() -> bytes:
    return encode(Image.new("RGBA", (64, 32), (255, 0, 0, 128)), "PNG")


def one_bit_png() -> bytes:
    img = Image.new("1", (64, 32), 0)
    img.paste(1, (32, 0, 64, 32))
    return encode(img, "PNG")


def cmyk_jpeg() -> bytes:
    return encode(base_photo().convert("CMYK"), "JPEG", quality=95)


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" '
    b'height="100" onload="alert(1)"><rect width="100" height="100" fill="red"/></svg>'
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


# --- the corpus --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One multipart part: a file (``filename`` not None) or a plain field."""

    data: bytes
    filename: str | None = "photo.jpg"
    content_type: str = "image/jpeg"
    field: str | None = None  # None: the upload field of the entry point (image / images)
    disposition: str | None = None  # a hand-written Content-Disposition, for odd names


@dataclass(frozen=True)
class Case:
    id: str
    what: str
    parts: Callable[[], list[Part]] | None = None
    raw: Callable[[], tuple[bytes, str]] | None = None  # a non-multipart body: (bytes, content type)
    api: int = 202
    form: int = 302
    message: str = ""  # expected (lower-case) in the API's message when rejected
    form_message: str | None = None  # in the form's message, when different (None: same as message)
    stored: int | None = None  # photos stored on acceptance (default: one per file part)
    settings: dict = field(default_factory=dict)
    check: Callable[[Image.Image, Photo], None] | None = None  # more checks on an accepted photo

    @property
    def rejected(self) -> bool:
        return self.api >= 400 and self.form >= 400


def one(
    data: bytes | Callable[[], bytes], name: str = "photo.jpg", ctype: str = "image/jpeg", **kw
) -> Callable[[], list[Part]]:
    return lambda: [Part(data() if callable(data) else data, name, ctype, **kw)]


# Checks of accepted photos ---------------------------------------------------------------------------


def near(pixel, expected, tolerance: int = 12) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(pixel, expected))


def marker_at(corner: str) -> Callable[[Image.Image, Photo], None]:
    """The red marker (top-left of the source) must be in ``corner`` of the stored, upright image."""

    def check(img: Image.Image, photo: Photo) -> None:
        w, h = img.size
        points = {
            "top-left": (20, 20),
            "top-right": (w - 21, 20),
            "bottom-left": (20, h - 21),
            "bottom-right": (w - 21, h - 21),
        }
        for name, xy in points.items():
            assert near(img.getpixel(xy), RED, 40) == (name == corner), (name, img.getpixel(xy))

    return check


def size_is(width: int, height: int, then: Callable | None = None) -> Callable[[Image.Image, Photo], None]:
    def check(img: Image.Image, photo: Photo) -> None:
        assert img.size == (width, height) == (photo.width, photo.height)
        if then:
            then(img, photo)

    return check


def pixels(*expected: tuple[tuple[int, int], tuple[int, int, int], int]) -> Callable[[Image.Image, Photo], None]:
    def check(img: Image.Image, photo: Photo) -> None:
        for xy, colour, tolerance in expected:
            assert near(img.getpixel(xy), colour, tolerance), (xy, img.getpixel(xy), colour)

    return check


def same_as_base(tolerance: float = 6.0) -> Callable[[Image.Image, Photo], None]:
    """Mean absolute difference from the source photo, per channel, at most ``tolerance``."""

    def check(img: Image.Image, photo: Photo) -> None:
        import numpy as np

        assert img.size == base_photo().size
        diff = np.abs(np.asarray(img, dtype=np.int16) - np.asarray(base_photo(), dtype=np.int16)).mean()
        assert diff <= tolerance, diff
        marker_at("top-left")(img, photo)

    return check


def original_name_is(expected: str) -> Callable[[Image.Image, Photo], None]:
    def check(img: Image.Image, photo: Photo) -> None:
        assert photo.original_filename == expected

    return check


def clean_name(img: Image.Image, photo: Photo) -> None:
    name = photo.original_filename
    assert name and len(name) <= 255 and all(ch.isprintable() for ch in name) and "/" not in name


W, H = base_photo().size


CASES: list[Case] = [
    # --- rejected: not an image, or not an allowed one ---
    Case("empty-file", "0-byte file named .jpg", one(b"", "empty.jpg"), api=400, form=400, message="empty"),
    Case(
        "text-as-jpg",
        "plain text renamed .jpg",
        one(b"just some notes, not a photo\n" * 40, "notes.jpg"),
        api=400,
        form=400,
        message="not an image",
    ),
    Case(
        "html-as-png",
        "an HTML page named .png, Content-Type image/png",
        one(HTML, "page.png", "image/png"),
        api=400,
        form=400,
        message="not an image",
    ),
    Case(
        "png-header-then-html",
        "the PNG signature followed by HTML",
        one(b"\x89PNG\r\n\x1a\n" + HTML, "x.png", "image/png"),
        api=400,
        form=400,
        message="corrupt",
    ),
    Case(
        "svg",
        "SVG with a script (named .jpg)",
        one(SVG, "vector.jpg"),
        api=400,
        form=400,
        message="unsupported image format svg",
    ),
    Case("pdf", "PDF named .jpg", one(PDF, "doc.jpg"), api=400, form=400, message="unsupported image format pdf"),
    Case(
        "eps",
        "EPS (PostScript, never handed to Ghostscript)",
        one(lambda: photo_bytes("EPS"), "art.eps"),
        api=400,
        form=400,
        message="unsupported image format postscript/eps",
    ),
    Case(
        "gif",
        "a still GIF",
        one(lambda: photo_bytes("GIF"), "still.gif", "image/gif"),
        api=400,
        form=400,
        message="unsupported image format gif",
    ),
    Case(
        "gif-animated",
        "an animated GIF",
        one(lambda: animated("GIF"), "anim.gif", "image/gif"),
        api=400,
        form=400,
        message="unsupported image format gif",
    ),
    Case(
        "gif-bomb",
        "GIF claiming a 65535x65535 screen",
        one(gif_bomb, "bomb.gif", "image/gif"),
        api=400,
        form=400,
        message="unsupported image format gif",
    ),
    Case(
        "bmp",
        "BMP named .jpg",
        one(lambda: photo_bytes("BMP")),
        api=400,
        form=400,
        message="unsupported image format bmp",
    ),
    Case(
        "tiff",
        "TIFF named .jpg",
        one(lambda: photo_bytes("TIFF")),
        api=400,
        form=400,
        message="unsupported image format tiff",
    ),
    Case(
        "avif",
        "AVIF (not on the allow-list)",
        one(lambda: photo_bytes("AVIF"), "a.avif", "image/avif"),
        api=400,
        form=400,
        message="unsupported image format avif",
    ),
    # --- rejected: broken ---
    Case(
        "jpeg-truncated",
        "JPEG cut in half",
        one(lambda: photo_bytes()[: len(photo_bytes()) // 2]),
        api=400,
        form=400,
        message="cut off",
    ),
    Case(
        "jpeg-header-only",
        "the first 600 bytes of a JPEG",
        one(lambda: photo_bytes()[:600]),
        api=400,
        form=400,
        message="cut off",
    ),
    Case(
        "jpeg-corrupt-huffman",
        "JPEG with an impossible Huffman table",
        one(jpeg_corrupt_huffman),
        api=400,
        form=400,
        message="corrupt",
    ),
    Case(
        "jpeg-corrupt-frame",
        "JPEG whose frame header has 0 components",
        one(jpeg_zero_components),
        api=400,
        form=400,
        message="not an image",
    ),
    Case(
        "png-truncated",
        "PNG cut in half",
        one(lambda: photo_bytes("PNG")[: len(photo_bytes("PNG")) // 2], "a.png", "image/png"),
        api=400,
        form=400,
        message="cut off",
    ),
    Case(
        "png-corrupt-idat",
        "PNG with zeroed compressed data",
        one(png_corrupt_idat, "a.png", "image/png"),
        api=400,
        form=400,
        message="corrupt",
    ),
    Case(
        "png-bad-crc",
        "PNG with a wrong header checksum",
        one(png_bad_header_crc, "a.png", "image/png"),
        api=400,
        form=400,
        message="not an image",
    ),
    Case(
        "png-zero-size",
        "PNG header claiming 0x0 pixels",
        one(lambda: raw_png(0, 0, 8, 2), "a.png", "image/png"),
        api=400,
        form=400,
        message="not an image",
    ),
    Case(
        "heic-truncated",
        "HEIC cut in half",
        one(lambda: photo_bytes("HEIF")[: len(photo_bytes("HEIF")) // 2], "a.heic", "image/heic"),
        api=400,
        form=400,
        message="corrupt",
    ),
    # --- rejected: too large ---
    Case(
        "png-bomb-header",
        "PNG header claiming 30000x30000 (900 Mpx)",
        one(lambda: raw_png(30000, 30000, 8, 2), "bomb.png", "image/png"),
        api=400,
        form=400,
        message="too large",
    ),
    Case(
        "jpeg-huge-header",
        "real JPEG whose header claims 60000x60000",
        one(lambda: jpeg_claiming(60000, 60000)),
        api=400,
        form=400,
        message="too large",
    ),
    Case(
        "jpeg-over-pixel-limit",
        "real JPEG over MAX_IMAGE_PIXELS=100000",
        one(photo_bytes),
        api=400,
        form=400,
        message="too large",
        settings={"MAX_IMAGE_PIXELS": 100_000},
    ),
    Case(
        "heic-over-pixel-limit",
        "real HEIC over MAX_IMAGE_PIXELS=100000",
        one(lambda: photo_bytes("HEIF"), "a.heic", "image/heic"),
        api=400,
        form=400,
        message="too large",
        settings={"MAX_IMAGE_PIXELS": 100_000},
    ),
    Case(
        "over-byte-limit",
        "real JPEG over MAX_UPLOAD_BYTES=10000",
        one(photo_bytes),
        api=400,
        form=400,
        message="too big",
        settings={"MAX_UPLOAD_BYTES": 10_000},
    ),
    Case(
        "over-byte-limit-on-disk",
        "the same, streamed to a temporary file (FILE_UPLOAD_MAX_MEMORY_SIZE=1024)",
        one(photo_bytes),
        api=400,
        form=400,
        message="too big",
        settings={"MAX_UPLOAD_BYTES": 10_000, "FILE_UPLOAD_MAX_MEMORY_SIZE": 1024},
    ),
    # --- rejected: the request's shape ---
    Case(
        "no-file",
        "multipart body with a text field and no file",
        lambda: [Part(b"hello", filename=None, field="note")],
        api=400,
        form=400,
        message="no file was submitted",
        form_message="choose at least one photo",
    ),
    Case(
        "empty-multipart",
        "multipart body with no parts at all",
        lambda: [],
        api=400,
        form=400,
        message="no file was submitted",
        form_message="choose at least one photo",
    ),
    Case(
        "field-not-a-file",
        "the file field sent as text",
        lambda: [Part(b"photo.jpg", filename=None)],
        api=400,
        form=400,
        message="not a file",
        form_message="choose at least one photo",
    ),
    Case(
        "empty-filename",
        'a file part with filename="" (the parser takes it for a text field)',
        one(photo_bytes, ""),
        api=400,
        form=400,
        message="not a file",
        form_message="choose at least one photo",
    ),
    Case(
        "json-body",
        "a JSON body instead of multipart",
        raw=lambda: (b'{"image": "aGVsbG8="}', "application/json"),
        api=415,
        form=400,
        message="unsupported media type",
        form_message="choose at least one photo",
    ),
    Case(
        "two-files-one-field",
        "two images in one field (the form takes several, the API one)",
        lambda: [Part(photo_bytes(), "a.jpg"), Part(photo_bytes("PNG"), "b.png", "image/png")],
        api=400,
        form=302,
        message="one image per request",
        stored=2,
    ),
    Case(
        "too-many-files",
        "3 files over DATA_UPLOAD_MAX_NUMBER_FILES=2",
        lambda: [Part(photo_bytes(), f"{i}.jpg") for i in range(3)],
        api=400,
        form=400,
        message="one image per request",
        form_message="bad request",
        settings={"DATA_UPLOAD_MAX_NUMBER_FILES": 2, "MAX_UPLOAD_FILES": 2},
    ),
    Case(
        "oversized-fields",
        "a good image plus a 5000-byte text field over DATA_UPLOAD_MAX_MEMORY_SIZE=1000",
        lambda: [Part(b"x" * 5000, filename=None, field="note"), Part(photo_bytes())],
        api=400,
        form=400,
        message="request is too big",
        form_message="bad request",
        settings={"DATA_UPLOAD_MAX_MEMORY_SIZE": 1000},
    ),
    # --- accepted: metadata stripped, orientation applied ---
    Case("jpeg-plain", "the fixture photo as JPEG", one(photo_bytes), check=same_as_base()),
    Case(
        "jpeg-all-metadata",
        "JPEG with EXIF GPS, XMP, a comment and an sRGB ICC profile",
        one(jpeg_with_everything),
        check=same_as_base(),
    ),
    Case(
        "jpeg-exif-rotated",
        "JPEG with EXIF orientation 6 (90° clockwise) and GPS",
        one(lambda: photo_bytes(exif=gps_exif(orientation=6))),
        check=size_is(H, W, marker_at("top-right")),
    ),
    Case(
        "png-exif-rotated",
        "PNG with eXIf orientation 8 (90° anticlockwise), GPS, tEXt and XMP",
        one(png_with_metadata, "a.png", "image/png"),
        check=size_is(H, W, marker_at("bottom-left")),
    ),
    Case(
        "webp-exif-rotated",
        "WebP with EXIF orientation 3 (180°) and GPS",
        one(lambda: photo_bytes("WEBP", quality=95, exif=gps_exif(orientation=3)), "a.webp", "image/webp"),
        check=size_is(W, H, marker_at("bottom-right")),
    ),
    Case(
        "heic-exif-rotated",
        "HEIC with orientation 6 and GPS",
        one(lambda: photo_bytes("HEIF", quality=95, exif=gps_exif(orientation=6)), "a.heic", "image/heic"),
        check=size_is(H, W, marker_at("top-right")),
    ),
    Case(
        "jpeg-garbage-icc",
        "JPEG with a garbage ICC profile (ignored)",
        one(lambda: photo_bytes(icc_profile=b"not a profile" * 20)),
        check=same_as_base(),
    ),
    Case("jpeg-polyglot", "JPEG with an HTML page appended", one(lambda: photo_bytes() + HTML), check=same_as_base()),
    Case(
        "jpeg-scan-garbage",
        "JPEG with garbage inside its scan data (libjpeg recovers: a valid image)",
        one(jpeg_scan_garbage),
        check=size_is(W, H),
    ),
    Case("mpo", "multi-picture JPEG (phone cameras): the first picture", one(mpo), check=same_as_base()),
    # --- accepted: odd pixel formats, converted correctly ---
    Case(
        "png-16bit-grey",
        "16-bit greyscale gradient PNG (scaled, not clipped)",
        one(png_16bit_grey_gradient, "g16.png", "image/png"),
        check=size_is(
            256, 32, pixels(((0, 8), (0, 0, 0), 1), ((128, 8), (128, 128, 128), 1), ((255, 8), (255, 255, 255), 1))
        ),
    ),
    Case(
        "png-16bit-rgb",
        "16-bit RGB PNG",
        one(png_16bit_rgb, "rgb16.png", "image/png"),
        check=pixels(((10, 10), (234, 117, 3), 1)),
    ),
    Case("jpeg-cmyk", "CMYK JPEG", one(cmyk_jpeg), check=same_as_base(8.0)),
    Case(
        "jpeg-greyscale",
        "greyscale JPEG",
        one(lambda: encode(base_photo().convert("L"), "JPEG")),
        check=lambda img, photo: pixels(((300, 300), (img.getpixel((300, 300))[0],) * 3, 2))(img, photo),
    ),
    Case(
        "png-palette-transparent",
        "palette PNG with a transparent colour (over white)",
        one(palette_png_with_transparency, "p.png", "image/png"),
        check=pixels(((5, 5), (255, 255, 255), 0), ((50, 5), RED, 0)),
    ),
    Case(
        "png-la",
        "greyscale + alpha PNG",
        one(la_png, "la.png", "image/png"),
        check=pixels(((5, 5), (255, 255, 255), 0), ((50, 5), (50, 50, 50), 0)),
    ),
    Case(
        "png-rgba",
        "half-transparent red RGBA PNG",
        one(rgba_png, "rgba.png", "image/png"),
        check=pixels(((5, 5), (255, 127, 127), 1)),
    ),
    Case(
        "png-1bit",
        "1-bit PNG",
        one(one_bit_png, "bw.png", "image/png"),
        check=pixels(((5, 5), (0, 0, 0), 0), ((50, 5), (255, 255, 255), 0)),
    ),
    Case(
        "png-1x1",
        "a 1x1 PNG: too small to hold a garment (MIN_IMAGE_SIDE)",
        one(lambda: encode(Image.new("RGB", (1, 1), RED), "PNG"), "dot.png", "image/png"),
        api=400,
        form=400,
        message="at least 32 pixels",
    ),
    Case(
        "png-strip",
        "a 3,000 x 100 PNG strip (MAX_ASPECT_RATIO; issue 15, defect 7)",
        one(lambda: encode(Image.new("L", (3_000, 100), 200), "PNG"), "strip.png", "image/png"),
        api=400,
        form=400,
        message="at most 10 times",
    ),
    Case(
        "webp-animated",
        "animated WebP: its first frame, as a still image",
        one(lambda: animated("WEBP"), "anim.webp", "image/webp"),
        check=size_is(120, 80, pixels(((60, 40), (0, 0, 255), 16))),
    ),
    Case(
        "apng",
        "animated PNG: its first frame",
        one(lambda: animated("PNG"), "anim.png", "image/png"),
        check=size_is(120, 80, pixels(((60, 40), (0, 0, 255), 0))),
    ),
    # --- accepted: names and types the client made up ---
    Case(
        "png-named-jpg",
        "PNG bytes named .jpg, Content-Type image/gif (stored as .png)",
        one(lambda: photo_bytes("PNG"), "photo.jpg", "image/gif"),
        check=lambda img, photo: (same_as_base(0)(img, photo), photo.image.name.endswith(".png")),
    ),
    Case(
        "no-extension",
        "JPEG named without an extension, application/octet-stream",
        one(photo_bytes, "photo", "application/octet-stream"),
        check=same_as_base(),
    ),
    Case(
        "path-name",
        "file name ../../etc/passwd.jpg",
        one(photo_bytes, "../../etc/passwd.jpg"),
        check=original_name_is("passwd.jpg"),
    ),
    Case(
        "windows-path-name",
        r"file name C:\Users\x\..\evil.jpg",
        one(photo_bytes, "C:\\Users\\x\\..\\evil.jpg"),
        check=original_name_is("evil.jpg"),
    ),
    Case(
        "unicode-name",
        "file name in Korean with an emoji",
        one(photo_bytes, "셔츠 사진 👕.jpg"),
        check=original_name_is("셔츠 사진 👕.jpg"),
    ),
    Case(
        "long-name",
        "a 300-character file name (kept cut to 255, extension kept)",
        one(photo_bytes, "a" * 300 + ".jpg"),
        check=lambda img, photo: (clean_name(img, photo), original_name_is("a" * 251 + ".jpg")(img, photo)),
    ),
    Case(
        "name-over-header-limit",
        "a 2000-character file name (over Django's 1 KiB part-header limit)",
        one(photo_bytes, "a" * 2000 + ".jpg"),
        api=400,
        form=400,
        message="header size exceeded",
        form_message="bad request",
    ),
    Case(
        "control-chars-name",
        "file name with NUL, newline and tab (RFC 2231 filename*)",
        one(photo_bytes, "x", disposition="form-data; name=\"{field}\"; filename*=UTF-8''a%00b%0Ac%09d.jpg"),
        check=lambda img, photo: (clean_name(img, photo), original_name_is("abcd.jpg")(img, photo)),
    ),
]

assert len(CASES) >= 25 and len({c.id for c in CASES}) == len(CASES)


# --- sending -----------------------------------------------------------------------------------------


def multipart(parts: list[Part], file_field: str, extra: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body written by hand, so that names and parts are exactly as given."""
    out = io.BytesIO()
    for name, value in (extra or {}).items():
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for p in parts:
        name = p.field or file_field
        out.write(f"--{BOUNDARY}\r\n".encode())
        if p.filename is None:
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        else:
            disposition = (
                p.disposition.replace("{field}", name)
                if p.disposition
                else f'form-data; name="{name}"; filename="{p.filename}"'
            )
            out.write(f"Content-Disposition: {disposition}\r\nContent-Type: {p.content_type}\r\n\r\n".encode())
        out.write(p.data + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={BOUNDARY}"


@dataclass
class Outcome:
    status: int
    message: str


def page_text(content: bytes) -> str:
    """The readable text of an HTML error page: its first heading, else all its text."""
    html = content.decode(errors="replace")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", heading.group(1) if heading else html).split())


def flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in flatten(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in flatten(v)]
    return [str(value)]


def send_api(api, case: Case) -> Outcome:
    if case.raw:
        body, ctype = case.raw()
    else:
        body, ctype = multipart(case.parts(), "image")
    r = api.generic("POST", API_URL, body, content_type=ctype)
    if r.status_code < 400:
        return Outcome(r.status_code, "")
    if r.get("Content-Type", "").startswith("application/json"):
        return Outcome(r.status_code, " ".join(flatten(r.json())))
    return Outcome(r.status_code, page_text(r.content))


def send_form(user, case: Case) -> Outcome:
    """Like a browser: logged in, the page fetched first, its CSRF token sent back (and checked)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse("closet:upload")
    token = client.get(url).context["csrf_token"]
    if case.raw:
        body, ctype = case.raw()
    else:
        body, ctype = multipart(case.parts(), "images", {"csrfmiddlewaretoken": str(token)})
    r = client.generic("POST", url, body, content_type=ctype, HTTP_X_CSRFTOKEN=str(token))
    if r.status_code in (301, 302, 303):
        return Outcome(r.status_code, "")
    ctx = r.context
    if ctx is not None and ("results" in ctx or "form" in ctx):
        errors = [x["error"] for x in ctx.get("results") or [] if "error" in x]
        errors += flatten(ctx["form"].errors) if ctx.get("form") is not None else []
        return Outcome(r.status_code, " ".join(errors))
    return Outcome(r.status_code, page_text(r.content))


# --- checking ----------------------------------------------------------------------------------------

STORED_NAME = r"photos/{owner}/[0-9a-f]{{32}}\.(jpg|png)"


def jpeg_markers(data: bytes) -> list[int]:
    """Markers of a JPEG's header segments, from SOI up to the first SOS."""
    assert data[:2] == b"\xff\xd8"
    pos, markers = 2, []
    while pos < len(data):
        assert data[pos] == 0xFF, pos
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return markers


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kinds.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    assert pos == len(data), "bytes after IEND"
    return kinds


def assert_clean_stored_file(photo: Photo, owner) -> Image.Image:
    """The stored copy: random name under the owner's folder, decodes, no metadata at all."""
    assert re.fullmatch(STORED_NAME.format(owner=owner.pk), photo.image.name), photo.image.name
    data = Path(photo.image.path).read_bytes()
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.format == ("PNG" if photo.image.name.endswith(".png") else "JPEG")
    assert img.mode == "RGB"
    assert len(img.getexif()) == 0, dict(img.getexif())
    assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Comment"} & set(img.info), img.info
    if img.format == "JPEG":
        markers = jpeg_markers(data)
        # APP1 (EXIF/XMP), APP2 (ICC/MPF), APP13 (IPTC), COM: none; only JFIF's APP0 may be there.
        assert not {0xE1, 0xE2, 0xED, 0xFE} & set(markers), [hex(m) for m in markers]
        assert data.endswith(b"\xff\xd9") and b"<script" not in data and b"xmpmeta" not in data
    else:
        assert set(png_chunks(data)) <= {b"IHDR", b"IDAT", b"IEND"}, png_chunks(data)
    assert img.size == (photo.width, photo.height)
    return img


RESULTS: dict[tuple[str, str], Outcome] = {}


@pytest.fixture
def user(django_user_model):
    """As conftest's, without a password: hashing one for each of the many cases is slow."""
    return django_user_model.objects.create_user(username="alice")


@pytest.fixture(scope="module", autouse=True)
def markdown_table():
    """Writes the table of outcomes to the file named by $UPLOAD_CORPUS_TABLE (``bench.upload_corpus``)."""
    yield
    path = os.environ.get("UPLOAD_CORPUS_TABLE")
    if not path:
        return
    lines = [
        "| case | input | expected (API / form) | API status | form status | message (API; form if different) |",
        "|---|---|---|---|---|---|",
    ]
    for case in CASES:
        api, form = RESULTS.get((case.id, "api")), RESULTS.get((case.id, "form"))
        messages = "; ".join(dict.fromkeys(o.message for o in (api, form) if o and o.message))
        messages = " ".join(messages.replace("|", "/").split())
        lines.append(
            f"| {case.id} | {case.what} | {case.api} / {case.form} | {api.status if api else '-'} | "
            f"{form.status if form else '-'} | {messages} |"
        )
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


#: What a library's or Python's error text looks like (``OSError: ...``, PIL's "broken data stream").
RAW_ERROR = re.compile(r"\w+(Error|Exception)\b|errno|broken data stream|cannot identify|image file is|Traceback")


@pytest.mark.parametrize("channel", ["api", "form"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_upload_corpus(case: Case, channel: str, user, api, media_root, settings):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    outcome = send_api(api, case) if channel == "api" else send_form(user, case)
    RESULTS[(case.id, channel)] = outcome
    expected = case.api if channel == "api" else case.form

    assert outcome.status < 500
    assert outcome.status == expected, (outcome.status, outcome.message)
    photos = list(Photo.objects.all())
    if expected >= 400:
        wanted = case.form_message if channel == "form" and case.form_message is not None else case.message
        assert wanted and wanted in outcome.message.lower(), outcome.message
        # A sentence for a person, never a decoder's or Python's error text (issue 15, defect 7).
        assert not RAW_ERROR.search(outcome.message), outcome.message
        assert photos == [] and media_files(media_root) == []
        return
    files_sent = len(case.parts()) if case.parts else 1
    assert len(photos) == (case.stored or files_sent) and len(media_files(media_root)) == len(photos)
    stored = []
    for photo in photos:
        assert photo.owner == user and photo.status == Photo.Status.PENDING
        img = assert_clean_stored_file(photo, user)
        if case.check and len(photos) == 1:
            case.check(img, photo)
        stored.append(f"{img.format} {img.width}x{img.height}")
    outcome.message = "stored: " + ", ".join(stored)
