"""Garment writes: storing what the pipeline found, editing, review, archive and delete.

Errors are raised as ``django.core.exceptions.ValidationError`` (a dict keyed by field where a field
is at fault); nothing is written when one is raised.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from accounts.selectors import profile_get
from vision.contract import GarmentInstance
from vocabulary.palette import PALETTE, hex_of
from vocabulary.seasons import SEASON_SLUGS
from vocabulary.warmth import MAX_GARMENT_CLO
from wardrobe.closet.models import Category, Garment, GarmentColor, GarmentType, Photo
from wardrobe.closet.services.attributes import attributes_apply, instance_details_store
from wardrobe.closet.services.duplicates import garment_duplicate_mark
from wardrobe.closet.services.photos import load_photo_rgb
from wardrobe.closet.services.similar import garment_embedding_save, instance_rerank
from wardrobe.closet.services.tags import garment_tags_set

_UNSET: Any = object()
#: How long a garment's photo crop stays in Django's cache (seconds; ``garment_photo_crop``).
CROP_CACHE_SECONDS = 7 * 24 * 3600


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def garment_files_delete(garments: Iterable[Garment]) -> None:
    """Delete the mask and cutout files of ``garments`` (and the model's, kept for undo) now (rows
    written by a run that failed)."""
    for garment in garments:
        for field in (garment.mask, garment.cutout, garment.model_mask, garment.model_cutout, garment.stain_mask):
            if field.name:
                field.storage.delete(field.name)


def mask_is_poor(quality: float | None) -> bool:
    """Whether a mask the model rates ``quality`` (expected IoU, 0..1; None: no estimate) is likely
    broken: below ``settings.MASK_QUALITY_THRESHOLD``."""
    return quality is not None and quality < settings.MASK_QUALITY_THRESHOLD


def review_status(score: float, threshold: float) -> str:
    """``closet`` when ``score`` reaches the owner's threshold, else ``review``. A threshold of 1 sends
    everything to review, also a detection whose score rounds to 1."""
    return Garment.Status.CLOSET if score >= threshold and threshold < 1 else Garment.Status.REVIEW


def garment_create(
    *,
    photo: Photo,
    instance: GarmentInstance,
    status: str = Garment.Status.CLOSET,
    mask_edited: bool = False,
    threshold: float | None = None,
) -> Garment:
    """Store one garment of ``photo`` from a ``vision.contract.GarmentInstance``.

    ``instance.box``: ``(x0, y0, x1, y1)`` in photo pixels (clipped to the photo); ``instance.mask``:
    bool array ``(photo.height, photo.width)``, stored as a 1-bit PNG; ``instance.cutout``: RGBA PIL
    image (stored as PNG; made from the photo and the mask when None); ``instance.colors`` become
    ``GarmentColor`` rows in order (a name given twice, or outside the palette, is left out);
    ``instance.guesses`` are kept as JSON. ``status``: ``closet`` or ``review``. An unknown type
    slug, or a type of another category, is stored as no type. ``instance.mask_quality`` is kept;
    when it is poor (:func:`mask_is_poor`) the garment waits for review whatever ``status`` says,
    and its ``picture`` is the original photo, so the closet never shows a likely-broken cutout.
    ``mask_edited``: the mask came from a person (a box they drew), see ``Garment.mask_edited``.
    Issue 16: the guesses are first re-ranked by the owner's own garments (``similar.instance_rerank``,
    the best becoming category, type and score); ``threshold`` given (the owner's review threshold,
    0..1): ``status`` is decided by it on that score (:func:`review_status`). ``instance.embedding``
    is stored (``GarmentEmbedding``), and a garment that very likely repeats one the owner has
    already is marked ``duplicate_of`` it and sent to review (``duplicates.garment_duplicate_mark``).
    Issue 17: ``instance.attributes`` that apply to the category and ``instance.stain`` are stored
    (``attributes.instance_details_store``); with ``threshold``, a value scored below it sends the
    garment to review. Raises ``ValidationError`` for an unknown category slug or a mask of the wrong shape.
    Call inside a transaction; the files written are referenced by the returned row.
    """
    instance = instance_rerank(owner_id=photo.owner_id, instance=instance, photo_id=photo.pk)
    if threshold is not None:
        status = review_status(float(instance.score), threshold)
    category = Category.objects.select_related("section").filter(slug=instance.category).first()
    if category is None:
        raise ValidationError(f"Unknown category {instance.category!r}.", code="unknown_category")
    garment_type = None
    if instance.type:
        garment_type = GarmentType.objects.filter(slug=instance.type, category=category).first()
    mask = np.asarray(instance.mask).astype(bool)
    if mask.shape != (photo.height, photo.width):
        raise ValidationError(
            f"Mask shape {mask.shape} does not match the photo ({photo.height}, {photo.width}).", code="bad_mask"
        )
    x0, y0, x1, y1 = (int(v) for v in instance.box)
    x0, x1 = sorted((max(0, min(x0, photo.width)), max(0, min(x1, photo.width))))
    y0, y1 = sorted((max(0, min(y0, photo.height)), max(0, min(y1, photo.height))))
    cutout = instance.cutout
    if cutout is None:
        cutout = load_photo_rgb(photo).crop((x0, y0, x1, y1)).convert("RGBA")
        cutout.putalpha(Image.fromarray((mask[y0:y1, x0:x1] * 255).astype(np.uint8)))

    garment = Garment(
        owner_id=photo.owner_id,
        photo=photo,
        category=category,
        type=garment_type,
        score=float(instance.score),
        detector_score=float(instance.detector_score),
        classifier_score=float(instance.classifier_score),
        x0=x0,
        y0=y0,
        x1=x1,
        y1=y1,
        guesses=[g.as_dict() for g in instance.guesses],
        status=status,
        mask_quality=None if instance.mask_quality is None else float(instance.mask_quality),
        mask_edited=mask_edited,
    )
    if mask_is_poor(instance.mask_quality):
        garment.status, garment.picture = Garment.Status.REVIEW, Garment.Picture.PHOTO
    mask_png = _png_bytes(Image.fromarray(mask.astype(np.uint8) * 255, mode="L").convert("1"))
    garment.mask.save("mask.png", ContentFile(mask_png), save=False)
    try:
        garment.cutout.save("cutout.png", ContentFile(_png_bytes(cutout.convert("RGBA"))), save=False)
        if instance_details_store(garment=garment, instance=instance, threshold=threshold):
            garment.status = Garment.Status.REVIEW  # an unsure attribute is reviewed like an unsure category
        with transaction.atomic():
            garment.save()
            colors = {c.name: c for c in reversed(instance.colors) if c.name in PALETTE}  # first of each name
            GarmentColor.objects.bulk_create(
                GarmentColor(garment=garment, position=i, name=c.name, hex=c.hex, fraction=float(c.fraction))
                for i, c in enumerate(sorted(colors.values(), key=instance.colors.index))
            )
            garment_embedding_save(garment=garment, vector=instance.embedding)
            garment_duplicate_mark(garment=garment, vector=instance.embedding)
    except Exception:
        garment_files_delete([garment])
        raise
    return garment


def _resolve_kind(garment: Garment, category: Any, type: Any) -> tuple[Category, GarmentType | None]:
    """The (category, type) a garment gets from optional ``category`` / ``type`` slugs; see garment_update."""
    new_category = garment.category
    new_type = garment.type
    if category is not _UNSET:
        if not category:
            raise ValidationError({"category": _("A garment needs a category.")})
        new_category = Category.objects.filter(slug=category).first()
        if new_category is None:
            raise ValidationError({"category": _("Unknown category %(slug)s.") % {"slug": category}})
        if type is _UNSET and new_type is not None and new_type.category_id != new_category.pk:
            new_type = None
    if type is not _UNSET:
        if type is None or type == "":
            new_type = None
        else:
            new_type = GarmentType.objects.select_related("category").filter(slug=type).first()
            if new_type is None:
                raise ValidationError({"type": _("Unknown type %(slug)s.") % {"slug": type}})
            if category is not _UNSET and new_type.category_id != new_category.pk:
                raise ValidationError(
                    {
                        "type": _("The type %(type)s is not a kind of %(category)s.")
                        % {"type": new_type.display_name, "category": new_category.display_name}
                    }
                )
            new_category = new_type.category
    return new_category, new_type


def _colors_from_names(garment: Garment, names: list[str]) -> list[GarmentColor]:
    """Unsaved colour rows for palette ``names`` in order; a colour the model found keeps its
    measured hex and share, one the owner added gets the palette's value and share 0."""
    unknown = [n for n in names if n not in PALETTE]
    if unknown:
        raise ValidationError({"colors": [_("Unknown colour %(name)s.") % {"name": unknown[0]}]})
    detected = {c.name: c for c in garment.colors.all()}
    rows = []
    for position, name in enumerate(dict.fromkeys(names)):
        found = detected.get(name)
        rows.append(
            GarmentColor(
                garment=garment,
                position=position,
                name=name,
                hex=found.hex if found else hex_of(name),
                fraction=found.fraction if found else 0.0,
            )
        )
    return rows


#: Fields ``garment_update`` copies as they are (validated by the model).
EDITABLE_FIELDS = (
    "name",
    "brand",
    "size",
    "material",
    "price",
    "currency",
    "purchase_date",
    "notes",
    "picture",
    "laundry",
    "warmth_clo",
)


def garment_update(
    *,
    garment: Garment,
    category: str | None = _UNSET,
    type: str | None = _UNSET,
    colors: list[str] = _UNSET,
    seasons: list[str] = _UNSET,
    tags: list[str] = _UNSET,
    attributes: dict[str, str | None] = _UNSET,
    **fields: Any,
) -> Garment:
    """Edit a garment; only the arguments given change.

    * ``category`` / ``type``: slugs. ``type`` set: the garment moves to the type's category (a
      ``category`` given too must be that one); ``type=None`` clears it; only ``category``: a type
      of another category is cleared.
    * ``colors``: colour names of ``vocabulary.palette.PALETTE`` (detected entries keep their shares).
    * ``seasons``: season slugs (``vocabulary.seasons``).
    * ``tags``: tag names replacing its tags (``services.tags.garment_tags_set``: unknown ones are created).
    * ``attributes``: ``{name: value slug or None}`` (issue 17, ``attributes.attributes_apply``: only
      those that apply to its category, then confirmed); a new category clears those that no longer apply.
    * ``name``, ``brand``, ``size``, ``material`` (str), ``price`` (Decimal >= 0 or None),
      ``currency`` (ISO 4217 code of ``settings.CURRENCIES`` or ""), ``purchase_date`` (date or None),
      ``notes`` (str), ``picture`` (``cutout`` | ``photo``), ``laundry`` (``clean`` | ``wash``),
      ``warmth_clo`` (clo, 0..``vocabulary.warmth.MAX_GARMENT_CLO``, or None: the default of its
      type or category).
    Raises ``ValidationError`` (dict keyed by field) for unknown fields, slugs or bad values; then
    nothing is saved and the instance is reloaded.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    try:
        garment.category, garment.type = _resolve_kind(garment, category, type)
        attributes_apply(garment=garment, attributes=None if attributes is _UNSET else attributes)
        color_rows = _colors_from_names(garment, list(colors or [])) if colors is not _UNSET else None
        if seasons is not _UNSET:
            bad = [v for v in seasons or [] if v not in SEASON_SLUGS]
            if bad:
                raise ValidationError({"seasons": [_("Unknown season %(name)s.") % {"name": bad[0]}]})
        if fields.get("currency") and fields["currency"] not in settings.CURRENCIES:
            raise ValidationError(
                {"currency": [_("Choose one of %(list)s.") % {"list": ", ".join(settings.CURRENCIES)}]}
            )
        if fields.get("warmth_clo") is not None:
            try:
                fields["warmth_clo"] = round(float(fields["warmth_clo"]), 2)
            except (TypeError, ValueError):
                fields["warmth_clo"] = -1.0
            if not 0 <= fields["warmth_clo"] <= MAX_GARMENT_CLO:  # also NaN
                raise ValidationError(
                    {"warmth_clo": [_("Give a warmth between 0 and %(max)s clo.") % {"max": MAX_GARMENT_CLO}]}
                )
        for name, value in fields.items():
            setattr(
                garment, name, "" if value is None and name not in ("price", "purchase_date", "warmth_clo") else value
            )
        if garment.price is not None and not garment.currency:
            garment.currency = profile_get(user=garment.owner).currency
        garment.full_clean(exclude=["owner", "photo", "mask", "cutout"], validate_unique=False)
    except ValidationError:
        garment.refresh_from_db()
        raise
    with transaction.atomic():
        garment.save()
        if color_rows is not None:
            garment.colors.all().delete()
            GarmentColor.objects.bulk_create(color_rows)
        if seasons is not _UNSET:
            garment.seasons.set([v for v in SEASON_SLUGS if v in (seasons or [])])
        if tags is not _UNSET:
            garment_tags_set(garment=garment, names=tags or [])
    return garment


def garment_confirm(
    *, garment: Garment, category: str | None = _UNSET, type: str | None = _UNSET, attributes: dict = _UNSET
) -> Garment:
    """Accept a detection into the closet, optionally as another category/type (slugs, as in
    :func:`garment_update`; e.g. one of ``garment.guesses``) and with ``attributes`` fixed; the
    attribute values it keeps count as confirmed. Raises ``ValidationError`` for bad slugs."""
    with transaction.atomic():
        garment_update(garment=garment, category=category, type=type, attributes=attributes)
        attributes_apply(garment=garment, attributes=None, confirm_all=True)
        if garment.status == Garment.Status.REVIEW:
            garment.status = Garment.Status.CLOSET
        garment.save(update_fields=["status", "attributes_confirmed", "updated_at"])
    return garment


def garment_reject(*, garment: Garment) -> None:
    """A false detection: delete it and its files (once the transaction commits)."""
    garment.delete()


def photo_confirm_all(*, photo: Photo) -> int:
    """Accept every garment of ``photo`` still waiting for review as it is. Returns how many."""
    return Garment.objects.filter(photo=photo, status=Garment.Status.REVIEW).update(
        status=Garment.Status.CLOSET, updated_at=timezone.now()
    )


def garment_archive(*, garment: Garment, reason: str) -> Garment:
    """Take a garment out of the closet as ``sold``, ``donated`` or ``lost``; it stays findable under
    the archived filter. Raises ``ValidationError`` for another reason or a garment still in review."""
    if reason not in Garment.ArchiveReason.values:
        raise ValidationError({"reason": [_("Choose sold, donated or lost.")]})
    if garment.status == Garment.Status.REVIEW:
        raise ValidationError(_("Review this garment before archiving it."), code="invalid_state")
    garment.status = Garment.Status.ARCHIVED
    garment.archive_reason = reason
    garment.archived_at = timezone.now()
    garment.save(update_fields=["status", "archive_reason", "archived_at", "updated_at"])
    return garment


def garment_unarchive(*, garment: Garment) -> Garment:
    """Put an archived garment back in the closet (no-op for others)."""
    if garment.status == Garment.Status.ARCHIVED:
        garment.status = Garment.Status.CLOSET
        garment.archive_reason = ""
        garment.archived_at = None
        garment.save(update_fields=["status", "archive_reason", "archived_at", "updated_at"])
    return garment


def garment_delete(*, garment: Garment) -> None:
    """Delete a garment and (once the transaction commits) its mask and cutout files."""
    garment.delete()


def garment_photo_crop(*, garment: Garment, max_side: int = 800, margin: float = 0.05) -> bytes:
    """JPEG bytes of the garment's photo cropped to its box widened by ``margin`` (a fraction of the
    box's size on each side), downscaled so that the long side is at most ``max_side`` pixels.

    Cached in Django's default cache for :data:`CROP_CACHE_SECONDS`, keyed by a hash of the photo's
    stored file name (a photo's content never changes; the name is random, so the key cannot be
    guessed), the box, ``max_side`` and ``margin``: a new box is a new key, and a crop is drawn once
    per size however often the item page and the outfit pictures ask for it. Raises ``OSError`` when
    the photo's file is missing, ``ValidationError`` when it cannot be decoded (nothing is cached then)."""
    parts = (garment.photo.image.name, garment.x0, garment.y0, garment.x1, garment.y1, max_side, margin)
    key = "garment-crop:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    data = cache.get(key)
    if data is None:
        data = _photo_crop(garment, max_side, margin)
        cache.set(key, data, CROP_CACHE_SECONDS)
    return data


def _photo_crop(garment: Garment, max_side: int, margin: float) -> bytes:
    """The JPEG of :func:`garment_photo_crop`, drawn from the stored photo (no cache)."""
    image = load_photo_rgb(garment.photo)
    dx, dy = round(garment.box_width * margin), round(garment.box_height * margin)
    crop = image.crop(
        (
            max(0, garment.x0 - dx),
            max(0, garment.y0 - dy),
            min(image.width, garment.x1 + dx),
            min(image.height, garment.y1 + dy),
        )
    )
    crop.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    crop.save(buf, format="JPEG", quality=85)
    return buf.getvalue()
