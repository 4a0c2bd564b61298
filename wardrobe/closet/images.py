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
* **Downscaled to the working size.** An image whose long side is over ``settings.MAX_PHOTO_SIDE``
  (default 2048 pixels; 0: never) is scaled down before any other work (colour conversion,
  rotation, encoding), so that its long side is at most ``MAX_PHOTO_SIDE`` and at least
  ``MIN_SIDE_FRACTION`` (2/3) of it: a JPEG is decoded at 1/2, 1/4 or 1/8 of its size straight away
  (Pillow's ``draft``, libjpeg's DCT scaling: a 12-megapixel phone photo of 4,032 x 3,024 comes out
  2,016 x 1,512 at a quarter of the memory and time); any image still too big is reduced by a
  whole factor (``Image.reduce``: block means) when that lands in the range, else resampled with
  Lanczos to exactly ``MAX_PHOTO_SIDE`` (a 1-bit, palette or transparent image first becomes 8-bit
  greyscale, RGB or RGBA, so it is averaged rather than picked pixel by pixel). Only this copy is
  stored; the original upload is not kept. The vision pipeline works at most at 640 pixels (the
  detector's ``WORK_SIZE``) and the pages at most at 1,200, so 2048 keeps a margin for cutouts,
  crops and zooming in on the photo page. ``decode_image`` without ``max_side`` (the worker
  reading a stored photo) does not downscale.
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
import logging
import math
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, UnidentifiedImageError

#: Pillow format names accepted. MPO is how Pillow names a JPEG with extra pictures (read by the
#: JPEG reader).
ALLOWED_FORMATS: frozenset[str] = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF"})
#: The only Pillow readers that ever see uploaded bytes (``Image.open(formats=...)``).
OPEN_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF")
#: Quality of the stored JPEG copy (Pillow's 1..95 scale; 92 is visually lossless for photos).
JPEG_QUALITY = 92
#: A downscaled upload's long side is at least this fraction of ``max_side`` (and at most ``max_side``):
#: the room that lets a whole-factor reduction (libjpeg's 1/2, 1/4, 1/8 scaling, ``Image.reduce``)
#: replace a resample of the full image, five to ten times dearer (a 4,032 x 3,024 phone photo:
#: decoded at 1/2, 2,016 x 1,512, in 0.02 s; resampled to 2,048 x 1,536 in 0.2 s more). 2/3 lets the
#: common camera sizes land there: 6,000 x 4,000 at 1/4 (1,500 x 1,000), 5,472 x 3,648 at 1/4.
MIN_SIDE_FRACTION = 2 / 3

_EXIF_ORIENTATION = 0x0112
#: EXIF orientation -> the transpose that makes the picture upright (as ``ImageOps.exif_transpose``).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
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

logger = logging.getLogger(__name__)


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
    ``frames``: how many frames or pictures the upload had (only the first is kept);
    ``source_size``: ``(width, height)`` in pixels of the image as uploaded, before any downscaling
    (upright; ``None`` when not known).
    """

    image: Image.Image
    format: str
    frames: int = 1
    source_size: tuple[int, int] | None = None

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


def _target_size(width: int, height: int, max_side: int) -> tuple[int, int] | None:
    """``(w, h)`` in pixels of a ``width`` x ``height`` image scaled so that its long side is
    ``max_side`` (aspect ratio kept, each side at least 1), or ``None`` when it already fits (or
    ``max_side`` is 0: no limit)."""
    if not max_side or max(width, height) <= max_side:
        return None
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _draft(img: Image.Image, fmt: str, max_side: int) -> None:
    """Ask the JPEG decoder (``fmt`` ``JPEG`` or ``MPO``) to decode ``img`` at 1/2, 1/4 or 1/8 of its
    size: the smallest of those scales whose long side is still at least ``MIN_SIDE_FRACTION`` x
    ``max_side`` (libjpeg's DCT scaling; ``img.size`` changes at once). Must run before ``load()``.
    Other formats, or an image that fits: nothing."""
    if fmt in ("JPEG", "MPO") and _target_size(img.width, img.height, max_side):
        scale = max_side * MIN_SIDE_FRACTION / max(img.size)
        img.draft(None, (max(1, math.ceil(img.width * scale)), max(1, math.ceil(img.height * scale))))


def _shrink(img: Image.Image, max_side: int) -> Image.Image:
    """``img`` (decoded, 8-bit) with its long side brought down to at most ``max_side`` pixels, or
    unchanged when it fits. The cheap way when it lands at ``MIN_SIDE_FRACTION`` x ``max_side`` or
    more: ``reduce`` by a whole factor (each output pixel the mean of a k x k block); else a Lanczos
    resample to exactly ``max_side``. A 1-bit image becomes ``L``, a palette one ``RGB``, one with
    transparency (a palette entry or colour key, ``PA``) ``RGBA`` first, so that pixels are averaged
    rather than picked and transparency survives as alpha (premultiplied while averaging)."""
    target = _target_size(img.width, img.height, max_side)
    if target is None:
        return img
    if "transparency" in img.info or img.mode == "PA":
        img = img.convert("RGBA")
    elif img.mode in ("1", "P"):
        img = img.convert("L" if img.mode == "1" else "RGB")
    long = max(img.size)
    factor = math.ceil(long / max_side)
    if long / factor >= max_side * MIN_SIDE_FRACTION:
        premultiplied = {"RGBA": "RGBa", "LA": "La"}.get(img.mode)
        if premultiplied:
            return img.convert(premultiplied).reduce(factor).convert(img.mode)
        return img.reduce(factor)
    return img.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)


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


def decode_image(data: bytes, *, max_pixels: int | None = None, max_side: int = 0) -> DecodedImage:
    """Fully decode image bytes and return the upright 8-bit sRGB image (see the module docstring).

    ``data``: the whole upload; ``max_pixels``: pixel limit (width x height), default
    ``settings.MAX_IMAGE_PIXELS``, checked on the full size the file declares (also when it is
    then decoded smaller); ``max_side``: the long side in pixels the image is scaled down to when it
    is longer (``photo_create`` passes ``settings.MAX_PHOTO_SIDE``), default 0: kept at full size.
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
            _draft(img, fmt, max_side)  # a big JPEG: decoded at 1/2, 1/4 or 1/8 of its size
            drafted = img.size != (width, height) and fmt in ("JPEG", "MPO")
            img.load()  # full decode of the first frame: catches truncated and corrupt files
            if not drafted:  # HEIF transforms are applied on load
                if img.width * img.height > max_pixels:
                    raise _too_many_pixels(img.width, img.height, max_pixels)
                _check_shape(img.width, img.height)
                width, height = img.size
            icc = img.info.get("icc_profile")
            orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
            small = _shrink(_to_8bit(img), max_side)  # before any per-pixel work
            upright = small.transpose(_UPRIGHT[orientation]) if orientation in _UPRIGHT else small
            rgb = _to_srgb(_flatten(upright), icc)
            if orientation in (5, 6, 7, 8):
                width, height = height, width
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
        logger.info("upload not decoded: %s: %s", type(exc).__name__, " ".join(str(exc).split())[:300])
        raise ValidationError(
            _(
                "The image could not be decoded: the file is corrupt or cut off. Export it again from "
                "your phone or gallery and upload that copy."
            ),
            code="corrupt",
        )
    rgb.info.clear()  # no EXIF, XMP, ICC, comments or text chunks travel with the pixels
    return DecodedImage(image=rgb, format=fmt, frames=frames, source_size=(width, height))


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
