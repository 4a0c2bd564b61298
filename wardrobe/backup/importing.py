"""The import of an export zip, first half: the whole archive checked before anything is written.

:func:`archive_check` opens the zip (``archive.open_archive``: size, members, paths, zip bombs),
reads ``items.json`` (``manifest``: version, every value, every reference), and decodes every
picture it names (``pictures``: photos by content, masks at their photo's size). What it returns,
an :class:`ImportPlan`, is what ``restore.backup_restore`` writes in one transaction.

A photo whose file the export left out (``file`` null: missing from the old server's storage)
cannot be shown, so it is skipped with its garments; so is a garment without its mask or cutout.
Both are counted in ``skipped``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wardrobe.backup import archive as zips
from wardrobe.backup import manifest, manifest_extras, manifest_outfits, pictures, schema


@dataclass
class ImportPlan:
    """A checked archive: its open zip and the records to restore (``manifest``'s and
    ``manifest_extras``' shapes, each photo and wishlist photo with its ``checked``
    :class:`pictures.CheckedPhoto`, each garment with ``clean`` flags of its files), ``skipped``
    records that cannot be restored."""

    archive: zipfile.ZipFile
    profile: dict
    weather: dict
    photos: list[dict]
    items: list[dict]
    outfits: list[dict]
    plans: list[dict]
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    trips: list[dict] = field(default_factory=list)
    wishlist: list[dict] = field(default_factory=list)


def _check_photos(archive: zipfile.ZipFile, photos: list[dict]) -> tuple[list[dict], int]:
    kept, skipped = [], 0
    for photo in photos:
        if photo["file"] is None:
            skipped += 1
            continue
        name = zips.member_name(photo["file"], folder=schema.PHOTOS_DIR)
        photo["checked"] = pictures.check_photo(zips.read_member(archive, name), name)
        for j, box in enumerate(photo["box_requests"]):
            where = f"photos[{len(kept) + skipped}].box_requests[{j}].box"
            box["box"] = manifest._box(box["box"], where, photo["checked"].width, photo["checked"].height)
        kept.append(photo)
    return kept, skipped


def _check_items(archive: zipfile.ZipFile, items: list[dict], sizes: dict) -> tuple[list[dict], int]:
    kept, skipped = [], 0
    for i, item in enumerate(items):
        size = sizes.get(item["photo_id"])
        if size is None or not item["mask_file"] or not item["cutout_file"]:
            skipped += 1
            continue
        item["clean"] = {}
        for key, (_name, folder, _mode, photo_sized) in manifest.garment_files().items():
            if item[key] is None:
                continue
            name = zips.member_name(item[key], folder=folder)
            data = zips.read_member(archive, name)
            item["clean"][key] = pictures.check_png(data, name, size=size if photo_sized else None)
        extra = []
        seen = set()
        for k, other in enumerate(item["extra_photos"]):
            other_size = sizes.get(other["photo_id"])
            if other_size is None or other["photo_id"] in seen:
                continue  # its photo was skipped, or named twice
            seen.add(other["photo_id"])
            other["box"] = manifest._box(other["box"], f"items[{i}].extra_photos[{k}].box", *other_size)
            extra.append(other)
        item["extra_photos"] = extra
        kept.append(item)
    return kept, skipped


def _check_references(plan: ImportPlan, photo_ids: set, all_item_ids: set) -> None:
    """Every reference resolves (else the manifest does not match); references to records that are
    skipped are dropped."""
    item_ids = {item["id"] for item in plan.items}
    for i, item in enumerate(plan.items):
        if item["photo_id"] not in photo_ids:
            raise manifest.fault(f"items[{i}].photo_id", _("No photo has this id."))
    for photo in plan.photos:
        for box in photo["box_requests"]:
            if box["item_id"] is not None and box["item_id"] not in all_item_ids:
                raise manifest.fault("photos[].box_requests[].item_id", _("No item has this id."))
            if box["item_id"] not in item_ids:
                box["item_id"] = None
    outfit_ids = set()
    for i, outfit in enumerate(plan.outfits):
        outfit_ids.add(outfit["id"])
        garments = [e["item_id"] for e in outfit["items"]]
        if len(set(garments)) != len(garments):
            raise manifest.fault(f"outfits[{i}].items", _("An item is on the canvas twice."))
        if any(g not in all_item_ids for g in garments):
            raise manifest.fault(f"outfits[{i}].items", _("No item has this id."))
        outfit["items"] = [e for e in outfit["items"] if e["item_id"] in item_ids]
    days = set()
    for i, entry in enumerate(plan.plans):
        if entry["outfit_id"] not in outfit_ids:
            raise manifest.fault(f"plans[{i}].outfit_id", _("No outfit has this id."))
        key = (entry["outfit_id"], entry["date"])
        if key in days:
            raise manifest.fault(f"plans[{i}]", _("The same outfit twice on one day."))
        days.add(key)
    for i, trip in enumerate(plan.trips):
        if any(e["item_id"] not in all_item_ids for e in trip["packing"]):
            raise manifest.fault(f"trips[{i}].packing", _("No item has this id."))
        if any(o not in outfit_ids for o in trip["outfit_ids"]):
            raise manifest.fault(f"trips[{i}].outfit_ids", _("No outfit has this id."))
        trip["packing"] = [e for e in trip["packing"] if e["item_id"] in item_ids]


def _check_wishlist(archive: zipfile.ZipFile, wishlist: list[dict]) -> list[dict]:
    """Each wishlist item's photo decoded in full (``checked``, as a photo's); an item whose photo
    the export left out (``photo_file`` null) comes back without one."""
    for item in wishlist:
        item["checked"] = None
        if item["photo_file"] is not None:
            name = zips.member_name(item["photo_file"], folder=schema.WISHLIST_DIR)
            item["checked"] = pictures.check_photo(zips.read_member(archive, name), name)
    return wishlist


def archive_check(file) -> ImportPlan:
    """Check an uploaded export zip in full (see the module's docstring) and return what to restore.

    ``file``: a binary file (an ``UploadedFile``), seekable. The returned plan holds the open zip;
    the caller closes ``plan.archive``. Raises ``ValidationError`` with a sentence in the active
    language naming what is wrong (and where, for a fault of ``items.json``); the zip is closed then.
    """
    archive = zips.open_archive(file)
    try:
        if schema.EXPORT_DOCUMENT not in archive.namelist():
            raise not_an_export()
        document = manifest.read_document(zips.read_member(archive, schema.EXPORT_DOCUMENT, zips.MAX_DOCUMENT_BYTES))
        profile, weather = manifest.settings_of(document)
        photos = manifest.photos_of(document)
        all_photo_ids = {p["id"] for p in photos}
        photos, skipped_photos = _check_photos(archive, photos)
        sizes = {p["id"]: (p["checked"].width, p["checked"].height) for p in photos}
        items = manifest.items_of(document, sizes)
        for i, item in enumerate(items):
            if item["photo_id"] not in all_photo_ids:
                raise manifest.fault(f"items[{i}].photo_id", _("No photo has this id."))
        all_item_ids = {item["id"] for item in items}
        items, skipped_items = _check_items(archive, items, sizes)
        plan = ImportPlan(
            archive=archive,
            profile=profile,
            weather=weather,
            photos=photos,
            items=items,
            outfits=manifest_outfits.outfits_of(document),
            plans=manifest_outfits.plans_of(document),
            skipped=skipped_photos + skipped_items,
            tags=manifest_extras.tags_of(document),
            trips=manifest_extras.trips_of(document),
            wishlist=_check_wishlist(archive, manifest_extras.wishlist_of(document)),
        )
        _check_references(plan, set(sizes), all_item_ids)
    except BaseException:
        archive.close()
        raise
    return plan


def not_an_export() -> ValidationError:
    """The refusal of a zip without ``items.json``."""
    return ValidationError(_("This zip is not an export of this app: it has no items.json."), code="bad_manifest")
