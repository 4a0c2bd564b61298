"""Decoding and validating uploaded images (pure functions, no database).

Every upload is fully decoded (``Image.load()``), so empty, truncated, non-image and oversized files
are rejected before anything is stored. Accepted formats: JPEG, PNG, WebP, HEIC/HEIF.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# MPO is how Pillow names a JPEG with extra pictures (many phone cameras write them).
ALLOWED_FORMATS: dict[str, str] = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp",
                                   "HEIF": ".heic"}
# Formats browsers display and that need no re-encoding when they are already upright.
_STORE_AS_IS = {"JPEG", "MPO", "PNG", "WEBP"}

_EXIF_ORIENTATION = 0x0112
_configured = False


def configure_pillow() -> None:
    """Register the HEIF opener and set Pillow's decompression-bomb limit from settings (idempotent)."""
    global _configured
    if _configured:
        return
    import pillow_heif

    pillow_heif.register_heif_opener()
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    _configured = True


@dataclass(frozen=True)
class DecodedImage:
    """An uploaded image, decoded and checked.

    ``image``: upright (EXIF orientation applied) PIL image in RGB; ``format``: Pillow's format name;
    ``content``: the bytes to store (the upload itself when it was upright and browser-friendly,
    else an upright JPEG); ``extension``: file extension for ``content``, with the dot.
    """

    image: Image.Image
    format: str
    content: bytes
    extension: str

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB copy of ``img``; transparent pixels are composited over white."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def decode_image(data: bytes, *, max_pixels: int | None = None) -> DecodedImage:
    """Fully decode image bytes and return an upright RGB image.

    ``max_pixels`` defaults to ``settings.MAX_IMAGE_PIXELS``.
    Raises ``django.core.exceptions.ValidationError`` with a readable message when the data is
    empty, not an image, of an unsupported format, truncated/corrupt, or larger than the pixel limit.
    """
    configure_pillow()
    max_pixels = max_pixels or settings.MAX_IMAGE_PIXELS
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            fmt = (img.format or "").upper()
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Unsupported image format %(format)s: upload JPEG, PNG, WebP or HEIC.") % {
                        "format": fmt or "?"},
                    code="unsupported_format")
            width, height = img.size
            if width < 1 or height < 1:
                raise ValidationError(_("The image has no pixels."), code="invalid")
            if width * height > max_pixels:
                raise ValidationError(
                    _("The image is too large: %(w)dx%(h)d pixels, the limit is %(limit)s pixels.") % {
                        "w": width, "h": height, "limit": f"{max_pixels:,}"},
                    code="too_many_pixels")
            img.load()  # full decode: catches truncated and corrupt files
            orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
            rotated = orientation in (2, 3, 4, 5, 6, 7, 8)
            upright = ImageOps.exif_transpose(img) if rotated else img
            rgb = _to_rgb(upright)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image is too large: the limit is %(limit)s pixels.") % {"limit": f"{max_pixels:,}"},
            code="too_many_pixels")
    except UnidentifiedImageError:
        raise ValidationError(_("The file is not an image, or not one in a supported format "
                                "(JPEG, PNG, WebP, HEIC)."), code="not_an_image")
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, KeyError, RuntimeError) as exc:
        raise ValidationError(_("The image could not be decoded (corrupt or truncated file): %(error)s") % {
                                  "error": exc},
                              code="corrupt")

    if fmt in _STORE_AS_IS and not rotated:
        content, extension = data, ALLOWED_FORMATS[fmt]
    else:
        buf = io.BytesIO()
        rgb.save(buf, format="JPEG", quality=92)
        content, extension = buf.getvalue(), ".jpg"
    return DecodedImage(image=rgb, format=fmt, content=content, extension=extension)
