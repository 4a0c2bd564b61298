"""The export's records beyond the closet, outfits and calendar: the person's tags, their trips with
the packing lists, and their wishlist with its photos (``docs/export.md``: ``tags``, ``trips``,
``wishlist``; the fields of each in :mod:`wardrobe.backup.schema`). Called by
``services.backup_export_write``, which gives the zip and the function that copies a stored file
into it; records refer to items and outfits by the ids ``items[]`` and ``outfits[]`` carry.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable

from django.db.models.functions import Lower

from wardrobe.backup import schema
from wardrobe.closet.models import Tag
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.wishlist.models import WishlistItem

#: ``(zip, file field, path in the zip) -> the path, or None when the row has no file``.
Member = Callable[[zipfile.ZipFile, object, str], "str | None"]


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _grouped(pairs) -> dict:
    out: dict = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def item_tags(user) -> dict[int, list[str]]:
    """``garment id -> [tag name, ...]``: the tags of each of ``user``'s garments, by name
    (case-insensitively, as the tags list them)."""
    through = Tag.garments.through
    return _grouped(
        through.objects.filter(tag__owner=user, garment__owner=user)
        .order_by("garment_id", Lower("tag__name"), "tag_id")
        .values_list("garment_id", "tag__name")
    )


def tags_of(user) -> list[dict]:
    """Every tag of ``user``: ``{"name", "color" ("#rrggbb" or ""), "created_at"}``, by name."""
    return [
        {"name": t.name, "color": t.color, "created_at": _iso(t.created_at)}
        for t in Tag.objects.filter(owner=user).order_by(Lower("name"), "id")
    ]


def trips_of(user) -> list[dict]:
    """Every trip of ``user``, oldest id first: its place (``location_name``, ``latitude``,
    ``longitude`` in degrees), days (``start_date`` .. ``end_date``, both included), ``activities``
    (slugs), the outfits planned for it (``outfit_ids``: ``outfits[].id``) and its packing list
    (``packing``: ``{"item_id", "role", "proposed", "packed"}``, in the order it was made)."""
    packing = _grouped(
        (p.trip_id, {"item_id": p.garment_id, "role": p.role, "proposed": p.proposed, "packed": p.packed})
        for p in PackingItem.objects.filter(trip__owner=user, garment__owner=user).order_by("trip_id", "id")
    )
    outfits = _grouped(
        Trip.outfits.through.objects.filter(trip__owner=user, outfit__owner=user)
        .order_by("trip_id", "outfit_id")
        .values_list("trip_id", "outfit_id")
    )
    return [
        {
            "id": t.pk,
            "name": t.name,
            "location_name": t.location_name,
            "latitude": t.latitude,
            "longitude": t.longitude,
            "start_date": _iso(t.start_date),
            "end_date": _iso(t.end_date),
            "activities": list(t.activities or []),
            "outfit_ids": outfits.get(t.pk, []),
            "packing": packing.get(t.pk, []),
            "created_at": _iso(t.created_at),
        }
        for t in Trip.objects.filter(owner=user).order_by("id")
    ]


def wishlist_of(zf: zipfile.ZipFile, user, member: Member) -> list[dict]:
    """Every wishlist item of ``user``, oldest id first, its photo copied by ``member`` into
    ``wishlist/<id>.<ext>`` (``photo_file``: that path, or None without a photo or when it is
    missing from storage); the price a decimal string, the kind by slugs."""
    out = []
    items = WishlistItem.objects.filter(owner=user).select_related("category", "type").order_by("id")
    for w in items.iterator(chunk_size=200):
        ext = (posixpath.splitext(w.photo.name)[1].lower() or ".jpg") if w.photo else ""
        out.append(
            {
                "id": w.pk,
                "name": w.name,
                "photo_file": member(zf, w.photo, f"{schema.WISHLIST_DIR}/{w.pk}{ext}") if w.photo else None,
                "colors": w.colors or [],
                "link": w.link,
                "price": str(w.price) if w.price is not None else None,
                "currency": w.currency,
                "category": w.category.slug if w.category_id else None,
                "type": w.type.slug if w.type_id else None,
                "notes": w.notes,
                "created_at": _iso(w.created_at),
                "updated_at": _iso(w.updated_at),
            }
        )
    return out
