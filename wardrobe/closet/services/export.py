"""The closet export: a zip of the user's photos, cutouts, masks and ``items.json``."""

from __future__ import annotations

import json
import logging
import posixpath
import shutil
import tempfile
import time
import zipfile
from typing import IO, BinaryIO

from django.utils import timezone

from wardrobe.closet.models import Garment, GarmentColor, Photo, WearLog

log = logging.getLogger(__name__)


#: Version of ``items.json`` in a closet export; raised when a field changes meaning or goes away.
EXPORT_SCHEMA_VERSION = 1
#: Zip members up to this size stay in memory while an export is written; beyond, a temporary file.
EXPORT_SPOOL_BYTES = 16 * 1024 * 1024


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _export_member(zf: zipfile.ZipFile, field, arcname: str) -> str | None:
    """Copy the stored file of ``field`` into ``zf`` as ``arcname`` (no recompression: JPEG and PNG
    are compressed already), in chunks. Returns ``arcname``, or None when the row has no file or
    the file is missing (logged; the export goes on)."""
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


def closet_export_write(*, user, out: BinaryIO) -> dict:
    """Write ``user``'s closet as a zip archive to ``out`` (a binary file opened for writing;
    seekable or not), only their own rows and files:

    * ``photos/<photo id>.<ext>``: the stored photos (``.jpg`` / ``.png``),
    * ``cutouts/<garment id>.png`` (RGBA, cropped to the box) and ``masks/<garment id>.png``
      (1-bit, photo resolution),
    * ``items.json`` (UTF-8): ``schema_version`` (:data:`EXPORT_SCHEMA_VERSION`), ``exported_at``,
      ``username``, ``photos`` (``id``, ``file``, ``original_filename``, ``width``, ``height`` in
      pixels, ``status``, ``uploaded_at``) and ``items``, one per garment: ``id``, ``photo_id``,
      ``section`` / ``category`` / ``type`` (slugs), ``kind`` (English name), ``colors``
      (``[{"name", "hex", "rgb", "fraction"}]``), ``name``, ``brand``, ``size``, ``material``,
      ``seasons`` (slugs), ``price`` (decimal string or null), ``currency``, ``purchase_date``,
      ``notes``, ``status``, ``archive_reason``, ``archived_at``, ``laundry``, ``wear_count``,
      ``last_worn_on``, ``worn_on`` (every wear-log date, oldest first), ``box`` (``[x0, y0, x1,
      y1]`` photo pixels), ``score``, ``picture``, ``photo_file``, ``cutout_file``, ``mask_file``
      (archive paths, null when the file is missing), ``created_at``, ``updated_at``.

    Files are copied in 1 MiB chunks, so memory stays small whatever the closet's size.
    Dates are ISO 8601 (times in UTC). Returns the ``items.json`` document.
    """
    worn: dict[int, list[str]] = {}
    for garment_id, worn_on in (
        WearLog.objects.filter(owner=user).order_by("worn_on", "id").values_list("garment_id", "worn_on")
    ):
        worn.setdefault(garment_id, []).append(worn_on.isoformat())
    colors: dict[int, list[dict]] = {}
    for row in GarmentColor.objects.filter(garment__owner=user).order_by("garment_id", "position"):
        colors.setdefault(row.garment_id, []).append(row.as_dict())
    seasons: dict[int, list[str]] = {}
    for garment_id, slug in (
        Garment.seasons.through.objects.filter(garment__owner=user)
        .order_by("garment_id", "season__order")
        .values_list("garment_id", "season_id")
    ):
        seasons.setdefault(garment_id, []).append(slug)
    document: dict = {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "exported_at": _iso(timezone.now()),
        "username": user.get_username(),
        "photos": [],
        "items": [],
    }
    photo_files: dict[int, str | None] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for photo in Photo.objects.filter(owner=user).order_by("id").iterator(chunk_size=200):
            ext = posixpath.splitext(photo.image.name)[1].lower() or ".bin"
            photo_files[photo.pk] = _export_member(zf, photo.image, f"photos/{photo.pk}{ext}")
            document["photos"].append(
                {
                    "id": photo.pk,
                    "file": photo_files[photo.pk],
                    "original_filename": photo.original_filename,
                    "width": photo.width,
                    "height": photo.height,
                    "status": photo.status,
                    "uploaded_at": _iso(photo.created_at),
                }
            )
        garments = (
            Garment.objects.filter(owner=user)
            .select_related("category__section", "type")
            .order_by("id")
            .iterator(chunk_size=200)
        )
        for g in garments:
            document["items"].append(
                {
                    "id": g.pk,
                    "photo_id": g.photo_id,
                    "section": g.category.section.slug,
                    "category": g.category.slug,
                    "type": g.type.slug if g.type_id else None,
                    "kind": g.type.name if g.type_id else g.category.name,
                    "colors": [{k: c[k] for k in ("name", "hex", "rgb", "fraction")} for c in colors.get(g.pk, [])],
                    "name": g.name,
                    "brand": g.brand,
                    "size": g.size,
                    "material": g.material,
                    "seasons": seasons.get(g.pk, []),
                    "price": str(g.price) if g.price is not None else None,
                    "currency": g.currency,
                    "purchase_date": _iso(g.purchase_date),
                    "notes": g.notes,
                    "status": g.status,
                    "archive_reason": g.archive_reason,
                    "archived_at": _iso(g.archived_at),
                    "laundry": g.laundry,
                    "wear_count": g.wear_count,
                    "last_worn_on": _iso(g.last_worn_on),
                    "worn_on": worn.get(g.pk, []),
                    "box": g.bbox,
                    "score": g.score,
                    "picture": g.picture,
                    "photo_file": photo_files.get(g.photo_id),
                    "cutout_file": _export_member(zf, g.cutout, f"cutouts/{g.pk}.png"),
                    "mask_file": _export_member(zf, g.mask, f"masks/{g.pk}.png"),
                    "created_at": _iso(g.created_at),
                    "updated_at": _iso(g.updated_at),
                }
            )
        zf.writestr(
            zipfile.ZipInfo("items.json", date_time=time.localtime()[:6]),
            json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return document


def closet_export_open(*, user) -> IO[bytes]:
    """:func:`closet_export_write` into a temporary file (in memory up to
    :data:`EXPORT_SPOOL_BYTES`, then on disk), rewound and open for reading; the caller closes it
    (a ``FileResponse`` does), which deletes it."""
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES, mode="w+b")
    try:
        closet_export_write(user=user, out=spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
