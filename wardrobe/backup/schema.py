"""The export's format: its version, the names inside the zip, and where every field of a person's
data goes in ``items.json`` (or why it stays out). ``docs/export.md`` describes each key;
``tests/backup/test_export_complete.py`` checks that every concrete field of every model holding a
person's data is in :data:`EXPORTED` or :data:`LEFT_OUT`, and that each path of :data:`EXPORTED`
is in a written export, so a field added later cannot be missed silently.

Paths: ``profile.language`` is key ``language`` of the object ``profile``; ``items[].warmth_clo``
is key ``warmth_clo`` of every record of the list ``items``; a path ending in ``[]`` is the list
itself (a row that becomes a record of it, or its position in it).
"""

from __future__ import annotations

#: Version of ``items.json``: raised when a key changes meaning or goes away (2: the whole account,
#: not only the closet: profile, weather settings, outfits with their canvas, the calendar, every
#: garment field). Added keys keep the version (tags, trips with their packing lists and the wishlist
#: were added so).
EXPORT_SCHEMA_VERSION = 2
#: The JSON document inside the zip (the name of version 1, so one reader finds both).
EXPORT_DOCUMENT = "items.json"
#: Folders of the zip: ``<folder>/<id>.<ext>`` (the photo's id, or the item's id for the others).
PHOTOS_DIR = "photos"
CUTOUTS_DIR = "cutouts"
MASKS_DIR = "masks"
MODEL_CUTOUTS_DIR = "model_cutouts"
MODEL_MASKS_DIR = "model_masks"
STAIN_MASKS_DIR = "stain_masks"  # issue 17: the stain's mask, ``stain_masks/<item id>.png``
WISHLIST_DIR = "wishlist"  # a wishlist item's photo, ``wishlist/<wishlist item id>.<ext>``

_OWNER = "the export is one person's: every record in it is theirs"
_FAILURE = "why processing failed (``closet.failures``): processing internals, not the person's work"
_ROW_ID = "the server's row key; the record is found by its place in its parent"

#: ``model label -> {field name: path in items.json}`` for every field that is exported.
EXPORTED: dict[str, dict[str, str]] = {
    "auth.User": {
        "username": "profile.username",
        "first_name": "profile.first_name",
        "last_name": "profile.last_name",
        "email": "profile.email",
        "date_joined": "profile.date_joined",
    },
    "accounts.Profile": {
        "user": "profile",
        "language": "profile.language",
        "review_threshold": "profile.review_threshold",
        "currency": "profile.currency",
        "mix_patterns": "profile.mix_patterns",  # issue 17
    },
    "weather.WeatherSettings": {
        "user": "weather",
        "provider": "weather.provider",
        "location_name": "weather.location_name",
        "latitude": "weather.latitude",
        "longitude": "weather.longitude",
    },
    "closet.Photo": {
        "id": "photos[].id",
        "image": "photos[].file",
        "original_filename": "photos[].original_filename",
        "width": "photos[].width",
        "height": "photos[].height",
        "status": "photos[].status",
        "created_at": "photos[].uploaded_at",
        "updated_at": "photos[].updated_at",
    },
    "closet.BoxRequest": {
        "photo": "photos[].box_requests[]",
        "box": "photos[].box_requests[].box",
        "status": "photos[].box_requests[].status",
        "garment": "photos[].box_requests[].item_id",
        "created_at": "photos[].box_requests[].created_at",
    },
    "closet.Garment": {
        "id": "items[].id",
        "photo": "items[].photo_id",
        "category": "items[].category",
        "type": "items[].type",
        "score": "items[].score",
        "detector_score": "items[].detector_score",
        "classifier_score": "items[].classifier_score",
        "x0": "items[].box",
        "y0": "items[].box",
        "x1": "items[].box",
        "y1": "items[].box",
        "mask": "items[].mask_file",
        "cutout": "items[].cutout_file",
        "guesses": "items[].guesses",
        "mask_quality": "items[].mask_quality",
        "mask_edited": "items[].mask_edited",
        "model_mask": "items[].model_mask_file",
        "model_cutout": "items[].model_cutout_file",
        "model_box": "items[].model_box",
        "status": "items[].status",
        "archive_reason": "items[].archive_reason",
        "archived_at": "items[].archived_at",
        "name": "items[].name",
        "brand": "items[].brand",
        "size": "items[].size",
        "material": "items[].material",
        "seasons": "items[].seasons",
        "price": "items[].price",
        "currency": "items[].currency",
        "purchase_date": "items[].purchase_date",
        "notes": "items[].notes",
        "picture": "items[].picture",
        "laundry": "items[].laundry",
        "warmth_clo": "items[].warmth_clo",
        "wear_count": "items[].wear_count",
        "last_worn_on": "items[].last_worn_on",
        "created_at": "items[].created_at",
        "updated_at": "items[].updated_at",
        # Issue 17: attributes (one object of every attribute) and the stain stage's finding.
        "pattern": "items[].attributes",
        "sleeve": "items[].attributes",
        "neckline": "items[].attributes",
        "fit": "items[].attributes",
        "wash": "items[].attributes",
        "damage": "items[].attributes",
        "attribute_scores": "items[].attribute_scores",
        "attributes_confirmed": "items[].attributes_confirmed",
        "stain_found": "items[].stain_found",
        "stain_area": "items[].stain_area",
        "stain_score": "items[].stain_score",
        "stain_mask": "items[].stain_mask_file",
        "stain_handled": "items[].stain_handled",
    },
    "closet.GarmentPhoto": {
        "garment": "items[].extra_photos[]",
        "photo": "items[].extra_photos[].photo_id",
        "box": "items[].extra_photos[].box",
        "created_at": "items[].extra_photos[].created_at",
    },
    "closet.GarmentColor": {
        "garment": "items[].colors[]",
        "position": "items[].colors[]",
        "name": "items[].colors[].name",
        "hex": "items[].colors[].hex",
        "fraction": "items[].colors[].fraction",
    },
    "closet.WearLog": {
        "garment": "items[].worn_on",
        "worn_on": "items[].worn_on",
    },
    "outfits.Outfit": {
        "id": "outfits[].id",
        "name": "outfits[].name",
        "occasion": "outfits[].occasion",
        "seasons": "outfits[].seasons",
        "source": "outfits[].source",
        "explanation": "outfits[].explanation",
        "garments": "outfits[].items[]",
        "created_at": "outfits[].created_at",
        "updated_at": "outfits[].updated_at",
    },
    "outfits.OutfitItem": {
        "outfit": "outfits[].items[]",
        "garment": "outfits[].items[].item_id",
        "x": "outfits[].items[].x",
        "y": "outfits[].items[].y",
        "width": "outfits[].items[].width",
        "z": "outfits[].items[].z",
    },
    "outfits.OutfitPlan": {
        "id": "plans[].id",
        "outfit": "plans[].outfit_id",
        "date": "plans[].date",
        "worn": "plans[].worn",
        "created_at": "plans[].created_at",
    },
    "closet.Tag": {
        "name": "tags[].name",
        "color": "tags[].color",
        "created_at": "tags[].created_at",
        "garments": "items[].tags",
    },
    "packing.Trip": {
        "id": "trips[].id",
        "name": "trips[].name",
        "location_name": "trips[].location_name",
        "latitude": "trips[].latitude",
        "longitude": "trips[].longitude",
        "start_date": "trips[].start_date",
        "end_date": "trips[].end_date",
        "activities": "trips[].activities",
        "outfits": "trips[].outfit_ids",
        "created_at": "trips[].created_at",
    },
    "packing.PackingItem": {
        "trip": "trips[].packing[]",
        "garment": "trips[].packing[].item_id",
        "role": "trips[].packing[].role",
        "proposed": "trips[].packing[].proposed",
        "packed": "trips[].packing[].packed",
    },
    "wishlist.WishlistItem": {
        "id": "wishlist[].id",
        "name": "wishlist[].name",
        "photo": "wishlist[].photo_file",
        "colors": "wishlist[].colors",
        "link": "wishlist[].link",
        "price": "wishlist[].price",
        "currency": "wishlist[].currency",
        "category": "wishlist[].category",
        "type": "wishlist[].type",
        "notes": "wishlist[].notes",
        "created_at": "wishlist[].created_at",
        "updated_at": "wishlist[].updated_at",
    },
}

#: ``model label -> {field name: why it stays out}`` for the fields of the models above that do not.
LEFT_OUT: dict[str, dict[str, str]] = {
    "auth.User": {
        "id": "the server's row key; the username names the account",
        "password": "a password hash never leaves the server",
        "last_login": "sign-in bookkeeping, not something the person made",
        "is_superuser": "the server's permissions, not the person's data",
        "is_staff": "the server's permissions, not the person's data",
        "is_active": "the server's permissions, not the person's data",
        "groups": "the server's permissions, not the person's data",
        "user_permissions": "the server's permissions, not the person's data",
    },
    "accounts.Profile": {"id": "one per person: the profile object"},
    "weather.WeatherSettings": {"id": "one per person: the weather object"},
    "closet.Photo": {
        "owner": _OWNER,
        "error": "technical detail of a failure, for administrators only",
        "error_code": _FAILURE,
        "error_params": _FAILURE,
        "processing_seconds": "processing internals",
        "attempts": "processing internals",
        "enqueued_at": "processing internals",
        "processing_started_at": "processing internals",
        "phash": "derived from the photo's file, which is exported",
    },
    "closet.BoxRequest": {
        "id": _ROW_ID,
        "error": "technical detail of a failure, for administrators only",
        "error_code": _FAILURE,
        "error_params": _FAILURE,
    },
    "closet.Garment": {
        "owner": _OWNER,
        "duplicate_of": "a question waiting for the person's answer in the review queue (issue 16)",
        "revision": "a cache key written by the database (version_models.GarmentRevision), not the person's data",
    },
    "closet.GarmentColor": {"id": _ROW_ID},
    "closet.GarmentPhoto": {"id": _ROW_ID},
    "closet.WearLog": {
        "id": "a wear is its item and its day",
        "owner": _OWNER,
        "created_at": "when the wear was written down, bookkeeping",
    },
    "outfits.Outfit": {"owner": _OWNER},
    "outfits.OutfitItem": {"id": "an outfit holds an item once: the item's id names it"},
    "outfits.OutfitPlan": {"owner": _OWNER},
    "closet.Tag": {"id": "a tag is named by its name, unique per person whatever its case", "owner": _OWNER},
    "packing.Trip": {"owner": _OWNER},
    "packing.PackingItem": {"id": "a trip lists an item once: the item's id names it"},
    "wishlist.WishlistItem": {"owner": _OWNER},
}

#: ``model label -> why none of it is exported``: the other models of the project's apps, and those
#: of other apps that point at a user.
NOT_PERSONAL: dict[str, str] = {
    "closet.Section": "the shared taxonomy: an item names its section by slug",
    "closet.Category": "the shared taxonomy: an item names its category by slug (its default clo: `warmth`)",
    "closet.GarmentType": "the shared taxonomy: an item names its type by slug (its default clo: `warmth`)",
    "closet.Season": "the fixed seasons: named by slug",
    "closet.GarmentEmbedding": "derived by the model from an item's photo and mask (manage.py garments_embed)",
    "closet.MatchRequest": "transient: deleted as soon as its answer is given, never kept",
    "closet.ClosetVersion": "a cache key written by database triggers on every change of the closet",
    "authtoken.Token": "a credential: never exported",
    "admin.LogEntry": "the administrators' log",
    "backup.ImportedObject": "bookkeeping of imports: which record of an archive became which row",
}
