"""An outfit's picture, drawn on the server with Pillow (for the outfit pages, sharing and the API).

Sizes and units:

* The canvas is ``width`` x ``width * 4 / 3`` pixels (3:4, the builder's aspect ratio; default
  :data:`CANVAS_WIDTH` = 600, so 600 x 800), filled with :data:`BACKGROUND` (opaque RGB).
* Each ``OutfitItem`` is drawn with its centre at ``(x * W, y * H)`` pixels (``x``, ``y``: fractions
  of the canvas, origin top left) and a drawn width of ``item.width * W`` pixels; the height keeps the
  picture's aspect ratio (at most :data:`MAX_HEIGHT_FACTOR` canvas heights). Parts off the canvas
  are clipped.
* Items are drawn in layer order: ``z`` ascending, then id, so the highest ``z`` is on top.
* The picture of a garment is the one its owner chose: the transparent cutout (RGBA PNG), or with
  ``picture == "photo"`` the photo cropped to the garment's box (``closet.services.garment_photo_crop``,
  opaque). A garment whose file is missing or unreadable is left out (logged), never an error.

``outfit_png`` caches the PNG bytes in Django's default cache, keyed by :func:`picture_key` (the
outfit's id, ``updated_at``, the width and every item's garment, picture choice, cutout, box and
place), so an edit, a garment switched between cutout and photo, a refined cutout or a deleted
garment gives a new picture. It draws only the widths of :data:`WIDTHS`: any other width a client asks
for is rounded up to the next of them (:func:`snap_width`), so a picture is drawn at most
``len(WIDTHS)`` times per version of the outfit, and the cache cannot be filled with one outfit drawn
at every width. The photo crops it draws from are cached too (``closet.services.garment_photo_crop``).
"""

from __future__ import annotations

import hashlib
import io
import logging

from django.core.cache import cache
from PIL import Image

from wardrobe.closet import services as closet_services
from wardrobe.closet.models import Garment
from wardrobe.outfits.models import Outfit, OutfitItem

logger = logging.getLogger(__name__)

#: Default canvas width in pixels; the height is 4/3 of the width.
CANVAS_WIDTH = 600
#: Widths a client may ask for (pixels).
MIN_WIDTH, MAX_WIDTH = 60, 1200
#: The widths drawn and cached (pixels): the calendar's, the list's, the page's and twice that.
WIDTHS = (120, 300, 600, 1200)
#: The canvas colour (RGB): the app's page background, a neutral warm grey.
BACKGROUND = (246, 245, 242)
#: A very tall picture is drawn at most this many canvas heights tall (its width shrinks to match).
MAX_HEIGHT_FACTOR = 2
#: How long a rendered picture stays in the cache (seconds).
CACHE_SECONDS = 7 * 24 * 3600


def snap_width(width: int) -> int:
    """The smallest of :data:`WIDTHS` at least ``width`` pixels (``MAX_WIDTH`` for a wider one).
    Raises ``ValueError`` for a width outside ``MIN_WIDTH``..``MAX_WIDTH``."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be {MIN_WIDTH}..{MAX_WIDTH} pixels, not {width}")
    return next((w for w in WIDTHS if w >= width), WIDTHS[-1])


def canvas_size(width: int = CANVAS_WIDTH) -> tuple[int, int]:
    """``(width, height)`` in pixels of a canvas ``width`` pixels wide (3:4)."""
    return width, round(width * 4 / 3)


def _items(outfit: Outfit) -> list[OutfitItem]:
    """The outfit's items, bottom layer first, with their garments (prefetched ones when there are)."""
    if "items" in getattr(outfit, "_prefetched_objects_cache", {}):
        items = list(outfit.items.all())
    else:
        items = list(outfit.items.select_related("garment"))
    return sorted(items, key=lambda item: (item.z, item.pk or 0))


def _picture(garment: Garment) -> Image.Image | None:
    """The garment's picture as RGBA, or None when its file is missing or unreadable."""
    try:
        if garment.picture == Garment.Picture.PHOTO:
            data = closet_services.garment_photo_crop(garment=garment, max_side=MAX_WIDTH)
        else:
            if not garment.cutout or not garment.cutout.name:
                return None
            with garment.cutout.open("rb") as fh:
                data = fh.read()
        with Image.open(io.BytesIO(data)) as img:
            return img.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        logger.warning("outfit picture: garment %s left out (%s)", garment.pk, exc)
        return None


def render_outfit(outfit: Outfit, *, width: int = CANVAS_WIDTH) -> bytes:
    """PNG bytes of ``outfit`` drawn on a ``width`` x ``width * 4 / 3`` pixel canvas (see the module
    docstring for the placement rules). Raises ``ValueError`` for a width outside
    ``MIN_WIDTH``..``MAX_WIDTH``."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be {MIN_WIDTH}..{MAX_WIDTH} pixels, not {width}")
    cw, ch = canvas_size(width)
    canvas = Image.new("RGB", (cw, ch), BACKGROUND)
    for item in _items(outfit):
        picture = _picture(item.garment)
        if picture is None or picture.width == 0 or picture.height == 0:
            continue
        w = max(1, round(item.width * cw))
        h = max(1, round(picture.height * w / picture.width))
        if h > MAX_HEIGHT_FACTOR * ch:
            h = MAX_HEIGHT_FACTOR * ch
            w = max(1, round(picture.width * h / picture.height))
        picture = picture.resize((w, h), Image.Resampling.LANCZOS)
        left, top = round(item.x * cw - w / 2), round(item.y * ch - h / 2)
        canvas.paste(picture, (left, top), picture)  # the alpha channel is the mask; clipped at the edges
    buf = io.BytesIO()
    canvas.save(buf, format="PNG")
    return buf.getvalue()


def picture_key(outfit: Outfit, *, width: int = CANVAS_WIDTH) -> str:
    """A short hex digest naming the picture ``render_outfit(outfit, width=width)`` draws (the cache
    key and the HTTP ETag)."""
    parts = [str(outfit.pk), outfit.updated_at.isoformat() if outfit.updated_at else "", str(width)]
    parts += [
        f"{i.pk}:{i.garment_id}:{i.garment.picture}:{i.garment.cutout.name}:{i.x}:{i.y}:{i.width}:{i.z}"
        f":{i.garment.photo_id}:{i.garment.x0}:{i.garment.y0}:{i.garment.x1}:{i.garment.y1}"
        for i in _items(outfit)
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def outfit_png(outfit: Outfit, *, width: int = CANVAS_WIDTH) -> tuple[bytes, str]:
    """``(PNG bytes, key)`` of the outfit's picture ``snap_width(width)`` pixels wide, from the cache
    when drawn before (see ``render_outfit``; ``key`` is :func:`picture_key`). Raises ``ValueError``
    for a width outside ``MIN_WIDTH``..``MAX_WIDTH``."""
    width = snap_width(width)
    key = picture_key(outfit, width=width)
    data = cache.get(f"outfit-png:{key}")
    if data is None:
        data = render_outfit(outfit, width=width)
        cache.set(f"outfit-png:{key}", data, CACHE_SECONDS)
    return data, key
