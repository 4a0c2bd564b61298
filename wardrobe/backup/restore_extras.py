"""The import's writes beyond the closet, outfits and calendar: tags, trips with their packing lists,
the wishlist with its photos. Called by ``restore.backup_restore`` inside its transaction, with its
bookkeeping (``known``: which records of the archive the account holds already, see ``restore``) and
the id mappings of the garments and outfits it restored.

* **Tags** merge by name with the account's own, whatever the case: a tag the account has keeps its
  name (and its colour, taking the archive's only when it has none); the others are created. So a
  tag is never added twice, and the items' tags (``items[].tags``) find them by name.
* **Trips** come back with their place, days, activities, packing list (each line's garment mapped
  through the garments restored; a line of a skipped garment is dropped) and the outfits planned for
  them; **wishlist items** with every field and their photo. Each is recorded as an
  ``ImportedObject`` (``trip``, ``wishlist``), so importing the archive again adds none of them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from wardrobe.backup import archive as zips
from wardrobe.backup import pictures
from wardrobe.backup.models import ImportedObject
from wardrobe.closet.models import Tag
from wardrobe.closet.tag_models import MAX_TAGS_PER_OWNER
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.wishlist.models import WishlistItem


def _moments(model, pk: int, record: dict, names: tuple[str, ...] = ("created_at",)) -> None:
    """The export's moments (``names``) onto the new row (``auto_now``/``auto_now_add`` set now)."""
    moments = {k: record[k] for k in names if record.get(k) is not None}
    if moments:
        model.objects.filter(pk=pk).update(**moments)


def tags_restore(*, user, tags: list[dict]) -> int:
    """Create the archive's tags (``manifest_extras.tags_of``) that ``user`` lacks (by name, any
    case); give a colour to a tag of theirs without one. Returns how many were created. Raises
    ``ValidationError`` past ``MAX_TAGS_PER_OWNER`` tags (before creating any)."""
    existing = {t.name.casefold(): t for t in Tag.objects.filter(owner=user)}
    missing = [t for t in tags if t["name"].casefold() not in existing]
    if len(existing) + len(missing) > MAX_TAGS_PER_OWNER:
        raise ValidationError(_("You can have at most %(n)d tags.") % {"n": MAX_TAGS_PER_OWNER}, code="too_many_tags")
    for record in tags:
        tag = existing.get(record["name"].casefold())
        if tag is None:
            tag = Tag.objects.create(owner=user, name=record["name"], color=record["color"])
            _moments(Tag, tag.pk, record)
        elif record["color"] and not tag.color:
            Tag.objects.filter(pk=tag.pk).update(color=record["color"])
    return len(missing)


def trips_restore(*, user, trips: list[dict], known, garments: dict[int, int], outfits: dict[int, int]) -> int:
    """Create the trips of the archive (``manifest_extras.trips_of``) not imported before, with their
    packing lists and planned outfits (``garments``, ``outfits``: export id -> the account's pk).
    Returns how many were created."""
    created = 0
    known.load(ImportedObject.Kind.TRIP, Trip, trips)
    for record in trips:
        if known.find(ImportedObject.Kind.TRIP, record) is not None:
            continue
        trip = Trip.objects.create(owner=user, **record["fields"])
        PackingItem.objects.bulk_create(
            PackingItem(
                trip=trip,
                garment_id=garments[e["item_id"]],
                role=e["role"],
                proposed=e["proposed"],
                packed=e["packed"],
            )
            for e in record["packing"]
        )
        trip.outfits.set([outfits[o] for o in record["outfit_ids"]])
        _moments(Trip, trip.pk, record)
        known.remember(ImportedObject.Kind.TRIP, record, trip.pk)
        created += 1
    return created


def wishlist_restore(*, user, plan, known, written: list) -> int:
    """Create the wishlist items of ``plan`` (``importing.ImportPlan``: ``wishlist``, each photo
    checked) not imported before, their photos stored as ``pictures.photo_bytes`` gives them (each
    file appended to ``written``, for the caller to delete when the import fails). Returns how many
    were created."""
    created = 0
    known.load(ImportedObject.Kind.WISHLIST, WishlistItem, plan.wishlist)
    for record in plan.wishlist:
        if known.find(ImportedObject.Kind.WISHLIST, record) is not None:
            continue
        item = WishlistItem(owner=user, **record["fields"])
        checked = record["checked"]
        if checked is not None:
            content = pictures.photo_bytes(zips.read_member(plan.archive, record["photo_file"]), checked)
            item.photo.save(f"wish{checked.extension}", ContentFile(content), save=False)
            written.append(item.photo)
        item.save()
        _moments(WishlistItem, item.pk, record, ("created_at", "updated_at"))
        known.remember(ImportedObject.Kind.WISHLIST, record, item.pk)
        created += 1
    return created
