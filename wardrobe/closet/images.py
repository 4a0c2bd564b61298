"""Decoding, validating and cleaning uploaded images (pure functions, no database).

Rules for every upload:

* **Allow-list by content.** Only Pillow's JPEG (and MPO, the multi-picture JPEG of many phone
  cameras), PNG, WebP and HEIC/HEIF (pillow-heif) readers are ever run on the bytes
  (``Image.open(..., formats=...)``); the file name and the Content-Type the client sent are never
  looked at. Anything else (GIF, SVG, PDF, EPS, TIFF, BMP, AVIF, HTML, ...) is rejected before a
  single pixel is decoded.
* **Full decode.** ``Image.load()`` runs on every upload, so empty, truncated and corrupt files are
  rejected before anything is stored.
* **Size limits.** ``settings.MAX_IMAGE_PIXELS`` is Pillow's decompression-bomb limit (its
  ``DecompressionBombWarning`` is turned into an error) and is checked again by us on the header's
  size and once more after decoding (pillow-heif applies the HEIF rotation and crop only then).
  The byte limit (``settings.MAX_UPLOAD_BYTES``) is checked by ``services.photo_create``. Each
  side must be at least ``settings.MIN_IMAGE_SIDE`` pixels (default 32) and the long side at most
  ``settings.MAX_ASPECT_RATIO`` times the short one (default 10), checked on the header's size, before
  decoding.
* **Animated images** (animated WebP, APNG, multi-picture JPEG, HEIC with several pictures) are
  accepted; only the first (primary) frame is decoded and kept, as a still image.
* **Upright, 8-bit sRGB.** EXIF orientation is applied; 16-bit images are scaled to 8 bits
  (not clipped); CMYK, greyscale, 1-bit and palette images become RGB; transparent pixels are
  composited over white; an embedded ICC profile (Display P3 of recent phones, Adobe RGB, a CMYK
  press profile) is converted to sRGB with LittleCMS (so the pixel values mean the same colours to
  the vision pipeline and to a browser, which assumes sRGB once the profile is gone) and then
  dropped. A profile that names itself sRGB is not applied (no change, and it saves time); one
  LittleCMS cannot use is ignored (the pixel values are taken as sRGB).
* **Stored copy re-encoded, without metadata.** The stored file is always a fresh encode of that
  upright sRGB image: PNG uploads stay PNG (lossless), everything else becomes a JPEG at quality
  ``JPEG_QUALITY``. No EXIF (so no GPS position, camera serial or capture time), XMP, IPTC, ICC
  profile, comment or text chunk, and nothing appended after the image data, survives.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

#: Pillow format names accepted. MPO is how Pillow names a JPEG with extra pictures (read by the
#: JPEG reader).
ALLOWED_FORMATS: frozenset[str] = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF"})
#: The only Pillow readers that ever see uploaded bytes (``Image.open(formats=...)``).
OPEN_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF")
#: Quality of the stored JPEG copy (Pillow's 1..95 scale; 92 is visually lossless for photos).
JPEG_QUALITY = 92

_EXIF_ORIENTATION = 0x0112
_SRGB = ImageCms.createProfile("sRGB")
_configured = False

# Leading bytes of formats people upload by mistake, only to name them in the error message.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"%!PS", "PostScript/EPS"),
    (b"\xc5\xd0\xd3\xc6", "PostScript/EPS"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"qoif", "QOI"),
)


def configure_pillow() -> None:
    """Register the HEIF reader and set Pillow's decompression-bomb limit from settings (idempotent).

    pillow-heif is told not to collect thumbnails, depth and auxiliary pictures: we never use them.
    """
    global _configured
    if _configured:
        return
    import pillow_heif

    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    _configured = True


@dataclass(frozen=True)
class DecodedImage:
    """An uploaded image, decoded and checked.

    ``image``: the upright 8-bit sRGB image (PIL, mode ``RGB``, no metadata in ``info``);
    ``format``: Pillow's name of the uploaded format (``JPEG``, ``MPO``, ``PNG``, ``WEBP``, ``HEIF``);
    ``frames``: how many frames or pictures the upload had (only the first is kept).
    """

    image: Image.Image
    format: str
    frames: int = 1

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def _sniff_format(data: bytes) -> str | None:
    """Name of a well-known non-allowed format from its leading bytes (for the message only)."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in head:
        return "SVG"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "AVIF"
    return None


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ValidationError:
    return ValidationError(
        _("The image is too large: %(w)dx%(h)d pixels, the limit is %(limit)s pixels.")
        % {"w": width, "h": height, "limit": f"{max_pixels:,}"},
        code="too_many_pixels",
    )


def _to_8bit(img: Image.Image) -> Image.Image:
    """16- and 32-bit greyscale (modes ``I;16*``, ``I``) scaled to 8-bit ``L``; others unchanged.

    Pillow's own ``convert`` clips such values at 255 (a 16-bit photo would come out white).
    """
    if img.mode.startswith("I;16") or img.mode == "I":
        grey = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
        grey.info.pop("transparency", None)  # a 16-bit transparent value means nothing in 8 bits
        return grey
    return img


def _flatten(img: Image.Image) -> Image.Image:
    """``img`` without transparency: pixels composited over white (``RGB``), else unchanged."""
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """``img`` as 8-bit sRGB ``RGB``: through its ICC profile ``icc`` when LittleCMS can use it for
    ``img``'s mode (RGB, CMYK or greyscale profile), else by Pillow's plain conversion. An RGB image
    whose profile calls itself sRGB is not transformed (most phone JPEGs; it would cost ~0.25 s per
    12 Mpx for no visible change)."""
    if img.mode not in ("RGB", "CMYK", "L"):
        img = img.convert("RGB")  # palette, 1-bit
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if img.mode == "RGB" and "srgb" in ImageCms.getProfileDescription(source).lower():
                return img.copy()
            return ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # unusable or mismatched profile: take the pixel values as they are
    return img.convert("RGB")


def _check_shape(width: int, height: int) -> None:
    """Refuse a photo too thin to hold a garment: a side under ``settings.MIN_IMAGE_SIDE`` pixels or
    a long side more than ``settings.MAX_ASPECT_RATIO`` times the short one (a 30,000 x 10 strip
    would otherwise fail later, in the worker). Raises ``ValidationError`` (code ``bad_shape``)."""
    short, long = min(width, height), max(width, height)
    if short < settings.MIN_IMAGE_SIDE:
        raise ValidationError(
            _("The image is %(w)d x %(h)d pixels: each side must be at least %(min)d pixels.")
            % {"w": width, "h": height, "min": settings.MIN_IMAGE_SIDE},
            code="bad_shape",
        )
    if long > settings.MAX_ASPECT_RATIO * short:
        raise ValidationError(
            _("The image is %(w)d x %(h)d pixels: its long side may be at most %(ratio)s times its short side.")
            % {"w": width, "h": height, "ratio": f"{settings.MAX_ASPECT_RATIO:g}"},
            code="bad_shape",
        )


def decode_image(data: bytes, *, max_pixels: int | None = None) -> DecodedImage:
    """Fully decode image bytes and return the upright 8-bit sRGB image (see the module docstring).

    ``data``: the whole upload; ``max_pixels``: pixel limit (width x height), default
    ``settings.MAX_IMAGE_PIXELS``.
    Raises ``django.core.exceptions.ValidationError`` with a readable message and a ``code``:
    ``empty``, ``unsupported_format`` (a known non-allowed format), ``not_an_image``,
    ``too_many_pixels``, ``bad_shape`` (a side under ``settings.MIN_IMAGE_SIDE`` or an aspect ratio
    over ``settings.MAX_ASPECT_RATIO``), ``invalid`` (no pixels) or ``corrupt`` (truncated or broken data).
    """
    configure_pillow()
    max_pixels = max_pixels or settings.MAX_IMAGE_PIXELS
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
            fmt = (img.format or "").upper()
            if fmt == "HEIF" and _sniff_format(data) == "AVIF":  # a libheif with an AV1 decoder reads it
                fmt = "AVIF"
            if fmt not in ALLOWED_FORMATS:  # a reader returned something unexpected: refuse it
                raise ValidationError(
                    _("Unsupported image format %(format)s: upload JPEG, PNG, WebP or HEIC.") % {"format": fmt or "?"},
                    code="unsupported_format",
                )
            width, height = img.size
            if width < 1 or height < 1:
                raise ValidationError(_("The image has no pixels."), code="invalid")
            if width * height > max_pixels:
                raise _too_many_pixels(width, height, max_pixels)
            _check_shape(width, height)
            frames = getattr(img, "n_frames", 1)
            img.load()  # full decode of the first frame: catches truncated and corrupt files
            if img.width * img.height > max_pixels:  # HEIF transforms are applied on load
                raise _too_many_pixels(img.width, img.height, max_pixels)
            _check_shape(img.width, img.height)
            icc = img.info.get("icc_profile")
            orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
            upright = ImageOps.exif_transpose(img) if orientation in (2, 3, 4, 5, 6, 7, 8) else img
            rgb = _to_srgb(_flatten(_to_8bit(upright)), icc)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image is too large: the limit is %(limit)s pixels.") % {"limit": f"{max_pixels:,}"},
            code="too_many_pixels",
        )
    except UnidentifiedImageError:
        known = _sniff_format(data)
        if known:
            raise ValidationError(
                _("Unsupported image format %(format)s: upload JPEG, PNG, WebP or HEIC.") % {"format": known},
                code="unsupported_format",
            )
        raise ValidationError(
            _("The file is not an image, or not one in a supported format (JPEG, PNG, WebP, HEIC)."),
            code="not_an_image",
        )
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        TypeError,
        IndexError,
        KeyError,
        RuntimeError,
        MemoryError,
    ) as exc:
        raise ValidationError(
            _("The image could not be decoded (corrupt or truncated file): %(error)s")
            % {"error": " ".join(str(exc).split())[:300]},
            code="corrupt",
        )
    rgb.info.clear()  # no EXIF, XMP, ICC, comments or text chunks travel with the pixels
    return DecodedImage(image=rgb, format=fmt, frames=frames)


def encode_for_storage(decoded: DecodedImage) -> tuple[bytes, str]:
    """The bytes to store for an upload and their extension (with the dot).

    PNG uploads are stored as PNG (lossless), all others as JPEG at ``JPEG_QUALITY``; both are
    fresh encodes of ``decoded.image`` (upright, sRGB) without any metadata: no EXIF (so no GPS),
    XMP, ICC profile, comment or text chunk.
    """
    buf = io.BytesIO()
    if decoded.format == "PNG":
        decoded.image.save(buf, format="PNG", compress_level=6)
        return buf.getvalue(), ".png"
    decoded.image.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue(), ".jpg"
