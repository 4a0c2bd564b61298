"""Closet writes. Views, the API and the worker tasks call these names; the modules hold them by topic:
:mod:`.photos` (uploads, the queue, the sweeper), :mod:`.processing` (a photo into garments),
:mod:`.garments` (edit, review, archive, delete), :mod:`.wear` (wear log, laundry), :mod:`.export`."""

from wardrobe.closet.services.export import closet_export_open, closet_export_write
from wardrobe.closet.services.garments import (
    garment_archive,
    garment_confirm,
    garment_create,
    garment_delete,
    garment_photo_crop,
    garment_reject,
    garment_unarchive,
    garment_update,
    photo_confirm_all,
)
from wardrobe.closet.services.photos import (
    load_photo_rgb,
    photo_create,
    photo_delete,
    photo_enqueue,
    photo_mark_failed,
    photo_requeue,
    photos_sweep,
)
from wardrobe.closet.services.processing import process_photo
from wardrobe.closet.services.wear import garment_unwear, garments_set_laundry, garments_wear

__all__ = [
    "closet_export_open",
    "closet_export_write",
    "garment_archive",
    "garment_confirm",
    "garment_create",
    "garment_delete",
    "garment_photo_crop",
    "garment_reject",
    "garment_unarchive",
    "garment_update",
    "garment_unwear",
    "garments_set_laundry",
    "garments_wear",
    "load_photo_rgb",
    "photo_confirm_all",
    "photo_create",
    "photo_delete",
    "photo_enqueue",
    "photo_mark_failed",
    "photo_requeue",
    "photos_sweep",
    "process_photo",
]
