"""The export's writer: everything a person made here as one zip, written in one pass.

The format is :mod:`wardrobe.backup.schema`, described key by key in ``docs/export.md``. Records
refer to each other by the ids they carry in the file (an item's ``photo_id``, an outfit item's
``item_id``, a plan's ``outfit_id``) and to the files by their paths in the zip, so the archive can
be read back without the server it came from.
"""

from __future__ import annotations

import json
import logging
import posixpath
import shutil
import tempfile
import time
import zipfile
from typing import IO, BinaryIO

from django.conf import settings
from django.utils import timezone

from accounts.models import Profile
from vocabulary.attributes import ATTRIBUTES
from wardrobe.backup import export_extras, schema
from wardrobe.backup.importing import archive_check
from wardrobe.backup.restore import backup_restore
from wardrobe.closet.models import BoxRequest, Garment, GarmentColor, GarmentPhoto, Photo, WearLog
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan
from wardrobe.weather.models import WeatherSettings

log = logging.getLogger(__name__)

#: Zip members up to this size stay in memory while an export is written; beyond, a temporary file.
EXPORT_SPOOL_BYTES = 16 * 1024 * 1024
#: Rows read from the database at a time.
CHUNK = 200


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _member(zf: zipfile.ZipFile, field, arcname: str) -> str | None:
    """Copy the stored file of ``field`` into ``zf`` as ``arcname`` (no recompression: JPEG and PNG
    are compressed already), in 1 MiB chunks. Returns ``arcname``, or None when the row has no file
    or the file is missing from storage (logged; the export goes on)."""
    if not field or not field.name:
        return None
    try:
        source = field.storage.open(field.name, "rb")
    except FileNotFoundError:
        log.warning("Export: %s is missing from storage.", field.name)
        return None
    with source, zf.open(zipfile.ZipInfo(arcname, date_time=time.localtime()[:6]), "w") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return arcname


def _grouped(pairs) -> dict:
    """``{key: [value, ...]}`` of ``(key, value)`` pairs, in their order."""
    out: dict = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _profile(user) -> dict:
    """The account (never its password hash nor a token) and its preferences; the defaults when the
    person never saved any (nothing is written)."""
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    return {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _iso(user.date_joined),
        "language": profile.language,
        "review_threshold": profile.review_threshold,
        "currency": profile.currency,
        "mix_patterns": profile.mix_patterns,
    }


def _weather(user) -> dict:
    """The weather settings; the defaults when the person never saved any (nothing is written)."""
    place = WeatherSettings.objects.filter(user=user).first() or WeatherSettings(user=user)
    return {
        "provider": place.provider,
        "location_name": place.location_name,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def _photos(zf: zipfile.ZipFile, user) -> list[dict]:
    """The photos, their files into ``photos/``, each with the boxes the person drew on it."""
    boxes = _grouped(
        (b.photo_id, {"box": b.box, "status": b.status, "item_id": b.garment_id, "created_at": _iso(b.created_at)})
        for b in BoxRequest.objects.filter(photo__owner=user)
        .order_by("photo_id", "id")
        .only("photo_id", "box", "status", "garment_id", "created_at")
    )
    out = []
    for photo in Photo.objects.filter(owner=user).order_by("id").iterator(chunk_size=CHUNK):
        ext = posixpath.splitext(photo.image.name)[1].lower() or ".bin"
        out.append(
            {
                "id": photo.pk,
                "file": _member(zf, photo.image, f"{schema.PHOTOS_DIR}/{photo.pk}{ext}"),
                "original_filename": photo.original_filename,
                "width": photo.width,
                "height": photo.height,
                "status": photo.status,
                "uploaded_at": _iso(photo.created_at),
                "updated_at": _iso(photo.updated_at),
                "box_requests": boxes.get(photo.pk, []),
            }
        )
    return out


def _items(zf: zipfile.ZipFile, user, photo_files: dict[int, str | None]) -> list[dict]:
    """Every garment (in the closet, to review or archived), its files into ``cutouts/``,
    ``masks/`` and, for an edited mask, the model's into ``model_cutouts/`` and ``model_masks/``."""
    worn = _grouped(
        (g, day.isoformat())
        for g, day in WearLog.objects.filter(owner=user).order_by("worn_on", "id").values_list("garment_id", "worn_on")
    )
    colors = _grouped(
        (c.garment_id, {"name": c.name, "hex": c.hex, "rgb": c.rgb, "fraction": c.fraction})
        for c in GarmentColor.objects.filter(garment__owner=user).order_by("garment_id", "position")
    )
    seasons = _grouped(
        Garment.seasons.through.objects.filter(garment__owner=user)
        .order_by("garment_id", "season__order")
        .values_list("garment_id", "season_id")
    )
    extra_photos = _grouped(
        (p.garment_id, {"photo_id": p.photo_id, "box": p.box, "created_at": _iso(p.created_at)})
        for p in GarmentPhoto.objects.filter(garment__owner=user).order_by("garment_id", "created_at", "id")
    )
    tags = export_extras.item_tags(user)
    out = []
    garments = Garment.objects.filter(owner=user).select_related("category__section", "type").order_by("id")
    for g in garments.iterator(chunk_size=CHUNK):
        out.append(
            {
                "id": g.pk,
                "photo_id": g.photo_id,
                "section": g.category.section.slug,
                "category": g.category.slug,
                "type": g.type.slug if g.type_id else None,
                "kind": g.type.name if g.type_id else g.category.name,
                "colors": colors.get(g.pk, []),
                "name": g.name,
                "brand": g.brand,
                "size": g.size,
                "material": g.material,
                "seasons": seasons.get(g.pk, []),
                "tags": tags.get(g.pk, []),
                "price": str(g.price) if g.price is not None else None,
                "currency": g.currency,
                "purchase_date": _iso(g.purchase_date),
                "notes": g.notes,
                "status": g.status,
                "archive_reason": g.archive_reason,
                "archived_at": _iso(g.archived_at),
                "laundry": g.laundry,
                "picture": g.picture,
                "warmth_clo": g.warmth_clo,
                "warmth": g.warmth,
                "wear_count": g.wear_count,
                "last_worn_on": _iso(g.last_worn_on),
                "worn_on": worn.get(g.pk, []),
                "box": g.bbox,
                "score": g.score,
                "detector_score": g.detector_score,
                "classifier_score": g.classifier_score,
                "guesses": g.guesses,
                "mask_quality": g.mask_quality,
                "mask_edited": g.mask_edited,
                "model_box": g.model_box,
                "photo_file": photo_files.get(g.photo_id),
                "extra_photos": extra_photos.get(g.pk, []),
                "cutout_file": _member(zf, g.cutout, f"{schema.CUTOUTS_DIR}/{g.pk}.png"),
                "mask_file": _member(zf, g.mask, f"{schema.MASKS_DIR}/{g.pk}.png"),
                "model_cutout_file": _member(zf, g.model_cutout, f"{schema.MODEL_CUTOUTS_DIR}/{g.pk}.png"),
                "model_mask_file": _member(zf, g.model_mask, f"{schema.MODEL_MASKS_DIR}/{g.pk}.png"),
                # Issue 17: attributes (null: unknown or not asked of its category) and the stain.
                "attributes": {a.name: getattr(g, a.name) or None for a in ATTRIBUTES},
                "attribute_scores": g.attribute_scores,
                "attributes_confirmed": g.attributes_confirmed,
                "stain_found": g.stain_found,
                "stain_area": g.stain_area,
                "stain_score": g.stain_score,
                "stain_handled": g.stain_handled,
                "stain_mask_file": _member(zf, g.stain_mask, f"{schema.STAIN_MASKS_DIR}/{g.pk}.png"),
                "created_at": _iso(g.created_at),
                "updated_at": _iso(g.updated_at),
            }
        )
    return out


def _outfits(user) -> list[dict]:
    """The outfits with their canvas: each garment on it by ``item_id``, lowest layer first."""
    layout = _grouped(
        (i.outfit_id, {"item_id": i.garment_id, "x": i.x, "y": i.y, "width": i.width, "z": i.z})
        for i in OutfitItem.objects.filter(outfit__owner=user, garment__owner=user).order_by("outfit_id", "z", "id")
    )
    seasons = _grouped(
        Outfit.seasons.through.objects.filter(outfit__owner=user)
        .order_by("outfit_id", "season__order")
        .values_list("outfit_id", "season_id")
    )
    return [
        {
            "id": o.pk,
            "name": o.name,
            "occasion": o.occasion,
            "seasons": seasons.get(o.pk, []),
            "source": o.source,
            "explanation": o.explanation,
            "items": layout.get(o.pk, []),
            "created_at": _iso(o.created_at),
            "updated_at": _iso(o.updated_at),
        }
        for o in Outfit.objects.filter(owner=user).order_by("id").iterator(chunk_size=CHUNK)
    ]


def _plans(user) -> list[dict]:
    """The calendar: one record per outfit and day, oldest day first."""
    return [
        {"id": p.pk, "outfit_id": p.outfit_id, "date": _iso(p.date), "worn": p.worn, "created_at": _iso(p.created_at)}
        for p in OutfitPlan.objects.filter(owner=user, outfit__owner=user).order_by("date", "id")
    ]


def backup_export_write(*, user, out: BinaryIO) -> dict:
    """Write everything ``user`` made here as a zip archive to ``out`` (a binary file opened for
    writing, seekable or not): only their own rows and files, never their password hash or tokens.

    The zip (format :data:`~wardrobe.backup.schema.EXPORT_SCHEMA_VERSION`, every key in
    ``docs/export.md``):

    * ``photos/<photo id>.<ext>``: the stored photos (``.jpg`` / ``.png``), byte for byte;
    * ``cutouts/<item id>.png`` (RGBA, cropped to the box), ``masks/<item id>.png`` (1-bit, photo
      resolution) and, for a mask the person edited, the model's own in ``model_cutouts/`` and
      ``model_masks/``;
    * ``wishlist/<wishlist item id>.<ext>``: the wishlist items' photos, byte for byte;
    * ``items.json`` (UTF-8 JSON): ``schema_version``, ``exported_at``, ``app_version``,
      ``username``, ``profile``, ``weather``, ``photos``, ``items``, ``outfits``, ``plans``,
      ``tags``, ``trips`` (with their packing lists) and ``wishlist``.

    Dates are ISO 8601 (``YYYY-MM-DD``; times with their UTC offset), prices decimal strings,
    warmth in clo, canvas positions and sizes fractions of the canvas (0..1), boxes
    ``[x0, y0, x1, y1]`` in photo pixels. Files are copied in 1 MiB chunks and rows read
    :data:`CHUNK` at a time, so memory holds the JSON document but no file.

    Returns:
        the ``items.json`` document (a dict).
    Raises:
        nothing of its own: a file missing from storage is logged and its path is null. A storage or
        database error (``OSError``, ``django.db.DatabaseError``) propagates; ``out`` then holds an
        unfinished zip.
    """
    document: dict = {
        "schema_version": schema.EXPORT_SCHEMA_VERSION,
        "exported_at": _iso(timezone.now()),
        "app_version": settings.SPECTACULAR_SETTINGS.get("VERSION", ""),
        "username": user.get_username(),
        "profile": _profile(user),
        "weather": _weather(user),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        document["photos"] = _photos(zf, user)
        document["items"] = _items(zf, user, {p["id"]: p["file"] for p in document["photos"]})
        document["outfits"] = _outfits(user)
        document["plans"] = _plans(user)
        document["tags"] = export_extras.tags_of(user)
        document["trips"] = export_extras.trips_of(user)
        document["wishlist"] = export_extras.wishlist_of(zf, user, _member)
        zf.writestr(
            zipfile.ZipInfo(schema.EXPORT_DOCUMENT, date_time=time.localtime()[:6]),
            json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return document


def backup_export_open(*, user) -> IO[bytes]:
    """:func:`backup_export_write` into a temporary file (in memory up to
    :data:`EXPORT_SPOOL_BYTES`, then on disk), rewound and open for reading; the caller closes it
    (a ``FileResponse`` does), which deletes it. Raises what :func:`backup_export_write` raises
    (the temporary file closed first)."""
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES, mode="w+b")
    try:
        backup_export_write(user=user, out=spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def backup_import(*, user, file) -> dict[str, int]:
    """Restore an export zip (``file``: an uploaded binary file, seekable) into ``user``'s account.

    The whole archive is checked first (``importing.archive_check``: not a zip or broken, over
    ``settings.IMPORT_MAX_BYTES``, a zip bomb, a path leaving the archive, a member over its limit,
    a newer format, ``items.json`` not matching the files or not valid, a picture that does not
    decode); then ``restore.backup_restore`` writes it in one transaction. Importing the same
    archive again adds nothing.

    Returns the counts added: ``{"photos", "garments", "wears", "outfits", "plans", "tags", "trips",
    "wishlist", "settings", "skipped"}``. Raises ``ValidationError`` (a sentence in the active
    language); then nothing is written.
    """
    plan = archive_check(file)
    try:
        return backup_restore(user=user, plan=plan)
    finally:
        plan.archive.close()
