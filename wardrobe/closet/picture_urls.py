"""Versioned URLs of the closet's owner-checked files: a photo, a garment's mask, cutout and picture.

The files are sent with ``Cache-Control: private, max-age=3600`` (``wardrobe.core.media``), so a URL
that stayed the same after its content changed would show the old picture for up to an hour. Each
URL here ends in ``?v=<version>``, a short hash of what decides the content:

* photo: its stored file's name (a photo's content never changes);
* mask, cutout: the stored file's name. Every new mask or cutout is written under a new random name
  (``models.garment_mask_upload_to``), so a new content is a new name, and an undo that brings back
  the model's file brings back its URL (whose copy in a cache is right again);
* picture: the choice (cutout or photo) and the cutout's name, or the photo and the garment's box.

The views ignore ``v``; it only makes a browser (or a client) fetch a changed file at once. A hash
is used rather than the name itself, which never reaches the client.
"""

from __future__ import annotations

import functools
import hashlib

from django.urls import get_script_prefix, get_urlconf, reverse

from wardrobe.closet.models import Garment, Photo


def version(*parts) -> str:
    """A 12-hex-digit version of ``parts`` (their ``str`` joined)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:12]


#: An id no row has, put in a reversed URL to find where the id goes.
_MARKER = 2_147_000_111


@functools.lru_cache(maxsize=128)
def _pattern(name: str, prefix: str, urlconf) -> str:
    return reverse(name, args=[_MARKER], urlconf=urlconf).replace(str(_MARKER), "{}")


def object_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL whose one argument is an integer id, reversed once per
    name (and script prefix and URL conf) and formatted after: a page of 48 cards reversed two URLs
    each, about 2 ms of CPU (issue 18 point 10)."""
    return _pattern(name, get_script_prefix(), get_urlconf()).format(int(pk))


def _versioned(name: str, pk: int, *parts) -> str:
    return f"{object_url(name, pk)}?v={version(*parts)}"


def photo_image_url(photo: Photo) -> str:
    """``/media/photos/<id>/image?v=...``: the stored photo."""
    return _versioned("closet:photo-image", photo.pk, photo.image.name)


def garment_mask_url(garment: Garment) -> str:
    """``/media/garments/<id>/mask.png?v=...``: the garment's mask (photo pixels)."""
    return _versioned("closet:garment-mask", garment.pk, garment.mask.name)


def garment_cutout_url(garment: Garment) -> str:
    """``/media/garments/<id>/cutout.png?v=...``: the garment's transparent cutout."""
    return _versioned("closet:garment-cutout", garment.pk, garment.cutout.name)


def garment_picture_url(garment: Garment) -> str:
    """``/media/garments/<id>/picture?v=...``: the picture its owner chose (cutout, or the photo
    cropped to its box)."""
    if garment.picture == Garment.Picture.PHOTO:
        parts = ("photo", garment.photo_id, garment.x0, garment.y0, garment.x1, garment.y1)
    else:
        parts = ("cutout", garment.cutout.name)
    return _versioned("closet:garment-picture", garment.pk, *parts)


def garment_stain_mask_url(garment: Garment) -> str:
    """``/media/garments/<id>/stain-mask.png?v=...``: the stain's 1-bit mask (photo pixels), issue 17."""
    return _versioned("closet:garment-stain-mask", garment.pk, garment.stain_mask.name)


def garment_stain_outline_url(garment: Garment) -> str:
    """``/media/garments/<id>/stain.png?v=...``: the stain outlined on a transparent PNG of the same
    region and proportions as the item's picture (:func:`garment_picture_url`), to lay over it."""
    parts = (garment.stain_mask.name, garment.picture, garment.x0, garment.y0, garment.x1, garment.y1)
    return _versioned("closet:garment-stain", garment.pk, *parts)
