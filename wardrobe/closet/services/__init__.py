"""Closet writes. Views, the API and the worker tasks call these names; the modules hold them by topic:
:mod:`.photos` (uploads, the queue, the sweeper), :mod:`.processing` (a photo into garments),
:mod:`.garments` (edit, review, archive, delete), :mod:`.wear` (wear log, laundry), and the fixes a
person makes: :mod:`.masks` (refine a cutout with strokes, undo, merge two garments),
:mod:`.boxes` (add a garment the model missed), :mod:`.rerun` (run a photo again); "You already own
this" (issue 16): :mod:`.duplicates` (a new garment repeating one owned, the owner's choice) and
:mod:`.similar` (appearance vectors, personal re-ranking, "Do I own something like this?"). The export of a
person's data lives in ``wardrobe.backup``."""

from wardrobe.closet.services.attributes import garment_stain_dismiss, garment_stain_outline, garment_stain_wash
from wardrobe.closet.services.boxes import box_request_fail, box_request_process, photo_box_request
from wardrobe.closet.services.bulk import garments_bulk_update
from wardrobe.closet.services.duplicates import garment_duplicate_mark, garment_duplicate_resolve
from wardrobe.closet.services.embeddings import garments_embed, garments_embed_stale
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
from wardrobe.closet.services.masks import (
    garment_mask_recut,
    garment_mask_refine,
    garment_mask_reset,
    garments_merge,
    stroke_mask_decode,
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
from wardrobe.closet.services.rerun import photo_rerun
from wardrobe.closet.services.similar import (
    MatchUnavailable,
    closet_match,
    garment_embedding_save,
    instance_rerank,
    match_request_fail,
    match_request_process,
    match_requests_sweep,
)
from wardrobe.closet.services.tags import garment_tags_set, tag_create, tag_delete, tag_rename, tag_update
from wardrobe.closet.services.wear import garment_unwear, garments_set_laundry, garments_wear

__all__ = [
    "garment_stain_dismiss",
    "garment_stain_outline",
    "garment_stain_wash",
    "garment_tags_set",
    "garments_bulk_update",
    "tag_create",
    "tag_delete",
    "tag_rename",
    "tag_update",
    "MatchUnavailable",
    "closet_match",
    "garments_embed",
    "garments_embed_stale",
    "garment_duplicate_mark",
    "garment_duplicate_resolve",
    "garment_embedding_save",
    "instance_rerank",
    "match_request_fail",
    "match_request_process",
    "match_requests_sweep",
    "box_request_fail",
    "box_request_process",
    "garment_mask_recut",
    "garment_mask_refine",
    "garment_mask_reset",
    "garments_merge",
    "photo_box_request",
    "photo_rerun",
    "stroke_mask_decode",
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
