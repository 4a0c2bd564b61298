"""The pictures of an archive being imported: each one decoded in full and checked before anything is
written, and stored byte for byte when it is clean, else re-encoded.

* **Photos** go through ``closet.images.decode_image`` (JPEG / PNG / WebP / HEIC by content, the
  pixel limit, full decode); the app's own stored photos are a metadata-free JPEG or PNG, so an
  export's photo is *clean* (:func:`is_clean`: a JPEG with only the JFIF header and image segments,
  or a PNG with only its image chunks, nothing after the end) and is stored as it is (the round trip
  keeps the bytes). Anything else (EXIF, XMP, an ICC profile, text chunks, bytes appended after the
  image) is re-encoded by ``closet.images.encode_for_storage`` like an upload.
* **Masks** (1-bit PNG at the photo's size) and **cutouts** (RGBA PNG) are opened by Pillow's PNG
  reader only, decoded in full, and a mask must have its photo's size; an unclean one is re-encoded
  (``1`` mode for a mask, ``RGBA`` for a cutout).
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

from vision.similarity import photo_phash
from wardrobe.closet.images import configure_pillow, decode_image, encode_for_storage

#: JPEG markers a clean file may hold: SOF0-2, DHT, DQT, DRI, SOS, APP0 (JFIF), RST0-7.
_JPEG_OK = {0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xDA, 0xE0} | set(range(0xD0, 0xD8))
#: PNG chunks a clean file may hold (no text, time, profile or EXIF chunk).
_PNG_OK = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo of the archive, checked: ``width`` x ``height`` pixels, its perceptual hash
    (``Photo.phash``, 16 hex digits), the extension it is stored with and whether its own bytes are
    stored (``clean``) or a re-encode."""

    width: int
    height: int
    phash: str
    extension: str
    clean: bool


def _clean_jpeg(data: bytes) -> bool:
    """Whether ``data`` is a JPEG of image segments and a JFIF header only, ending at its EOI."""
    if not data.startswith(b"\xff\xd8"):
        return False
    pos, end = 2, len(data)
    while pos + 2 <= end:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xD9:
            return pos + 2 == end
        if marker not in _JPEG_OK or pos + 4 > end:
            return False
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker == 0xE0 and data[pos + 4 : pos + 9] != b"JFIF\x00":
            return False
        pos += 2 + length
        if marker == 0xDA:  # entropy-coded data up to the next marker that is not a stuffed 0 or RST
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:
                    return False
                nxt = data[pos + 1]
                if nxt == 0 or 0xD0 <= nxt <= 0xD7:
                    pos += 2
                    continue
                break
    return False


def _clean_png(data: bytes) -> bool:
    """Whether ``data`` is a PNG of image chunks only, ending at its IEND."""
    if not data.startswith(_PNG_SIGNATURE):
        return False
    pos, end = len(_PNG_SIGNATURE), len(data)
    while pos + 12 <= end:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind not in _PNG_OK:
            return False
        pos += 12 + length
        if kind == b"IEND":
            return pos == end
    return False


def is_clean(data: bytes) -> bool:
    """Whether image bytes hold nothing but the picture (see the module's docstring)."""
    return _clean_jpeg(data) or _clean_png(data)


def check_photo(data: bytes, name: str) -> CheckedPhoto:
    """Decode a photo of the archive in full (``closet.images.decode_image``, at full size, which must
    be at most ``settings.MAX_IMAGE_PIXELS``). Raises ``ValidationError`` naming the file."""
    try:
        decoded = decode_image(data)
    except ValidationError as exc:
        raise ValidationError(
            _("%(name)s: %(error)s") % {"name": name, "error": " ".join(exc.messages)}, code="bad_image"
        )
    clean = decoded.format in ("JPEG", "PNG") and is_clean(data)
    extension = ".png" if decoded.format == "PNG" else ".jpg"  # as encode_for_storage names a re-encode
    return CheckedPhoto(
        width=decoded.width,
        height=decoded.height,
        phash=f"{photo_phash(decoded.image):016x}",
        extension=extension,
        clean=clean,
    )


def photo_bytes(data: bytes, checked: CheckedPhoto) -> bytes:
    """What to store for a photo checked by :func:`check_photo`: its own bytes when clean, else a
    re-encode without metadata."""
    return data if checked.clean else encode_for_storage(decode_image(data))[0]


def _open_png(data: bytes, name: str) -> Image.Image:
    configure_pillow()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=("PNG",))
            if img.width * img.height > settings.MAX_IMAGE_PIXELS:
                raise ValidationError("too many pixels")
            img.load()
    except Exception:
        raise ValidationError(_("%(name)s is not a PNG picture, or it is damaged.") % {"name": name}, code="bad_image")
    return img


def check_png(data: bytes, name: str, *, size: tuple[int, int] | None = None) -> bool:
    """Decode a mask or cutout of the archive in full (PNG only, at most ``MAX_IMAGE_PIXELS``);
    ``size``: the ``(width, height)`` it must have (a mask: its photo's). Returns whether its bytes
    are clean (:func:`is_clean`). Raises ``ValidationError`` naming the file."""
    img = _open_png(data, name)
    if size is not None and img.size != tuple(size):
        raise ValidationError(
            _("%(name)s is %(w)d x %(h)d pixels, but its photo is %(pw)d x %(ph)d.")
            % {"name": name, "w": img.width, "h": img.height, "pw": size[0], "ph": size[1]},
            code="bad_manifest",
        )
    return is_clean(data)


def png_bytes(data: bytes, name: str, *, mode: str, clean: bool) -> bytes:
    """What to store for a mask (``mode="1"``) or cutout (``"RGBA"``): its own bytes when clean,
    else a re-encode in that mode without metadata."""
    if clean:
        return data
    img = _open_png(data, name).convert(mode)
    img.info.clear()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
