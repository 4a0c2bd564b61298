"""Fixing a garment's mask by hand: refine it with "keep" / "erase" strokes, undo that, merge two
garments into one.

The mask is recomputed here, in the web process, by ``vision.refine.refine_mask`` (GrabCut: NumPy
and OpenCV, no torch, about a second). A new mask always comes with a new cutout (the photo cropped
to the mask's box, transparent outside the mask: the rule of ``vision.stages.cutout``) and box,
written under new random file names (so their URLs change, see ``wardrobe.closet.picture_urls``).

The first time a garment's mask is edited, the model's mask, cutout and box move to ``model_mask``,
``model_cutout`` and ``model_box``; :func:`garment_mask_reset` brings them back (undo). Files of an
edit that is replaced or undone are deleted once the transaction commits. ``mask_edited`` is true
while the mask shown is a person's work.

Errors are raised as ``django.core.exceptions.ValidationError`` (keyed by field where a field is at
fault); nothing is written when one is raised.
"""

from __future__ import annotations

import io

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from vision.refine import RefineError, check_box, recut_in_box, refine_mask
from wardrobe.closet.models import BoxRequest, Garment, GarmentColor
from wardrobe.closet.services.boxes import MIN_BOX_SIDE, box_error
from wardrobe.closet.services.garments import mask_is_poor
from wardrobe.closet.services.photos import load_photo_rgb

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def stroke_mask_decode(data: bytes | None, *, width: int, height: int, field: str) -> np.ndarray | None:
    """The bool (height, width) stroke mask of a PNG the page painted: a pixel is painted where its
    alpha is at least 128 (an image with alpha, as a transparent canvas gives), else where its grey
    level is at least 128 (white strokes on black).

    Args:
        data: the PNG's bytes; None or empty: no strokes of this kind (returns None).
        width, height: the photo's size in pixels; the PNG must be exactly that size.
        field: the body field the bytes came in (``keep`` or ``erase``), which errors are keyed by.
    Raises:
        ValidationError: ``{field: [message]}`` for bytes that are not a decodable PNG or a PNG of
            another size (checked on its header, before any pixel is decoded).
    """
    if not data:
        return None
    if not data.startswith(PNG_SIGNATURE):
        raise ValidationError({field: [_("Send the strokes as a PNG image.")]}, code="not_png")
    try:
        with Image.open(io.BytesIO(data), formats=("PNG",)) as img:
            if img.size != (width, height):
                raise ValidationError(
                    {
                        field: [
                            _("The strokes are %(w)d × %(h)d pixels; the photo is %(pw)d × %(ph)d.")
                            % {"w": img.width, "h": img.height, "pw": width, "ph": height}
                        ]
                    },
                    code="bad_size",
                )
            img.load()
            if "A" in img.getbands() or "transparency" in img.info:
                painted = np.asarray(img.convert("RGBA"))[..., 3] >= 128
            else:
                painted = np.asarray(img.convert("L")) >= 128
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({field: [_("The strokes image could not be read as a PNG.")]}, code="bad_png")
    return painted


def garment_mask_array(garment: Garment) -> np.ndarray:
    """The garment's stored mask as bool (photo height, photo width)."""
    with garment.mask.open("rb") as fh, Image.open(fh) as img:
        return np.asarray(img.convert("L")) >= 128


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the true pixels of a non-empty bool mask, x1/y1 exclusive."""
    ys, xs = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1


def cutout_of(image: Image.Image, mask: np.ndarray, box: tuple[int, int, int, int]) -> Image.Image:
    """RGBA crop of ``image`` to ``box``, alpha 255 inside bool ``mask`` (the photo's size), 0 outside."""
    x0, y0, x1, y1 = box
    out = image.crop(box).convert("RGBA")
    out.putalpha(Image.fromarray((mask[y0:y1, x0:x1] * 255).astype(np.uint8)))
    return out


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _lock(garment: Garment) -> None:
    """Lock the garment's row (inside a transaction) and reload it; a ValidationError if it is gone."""
    if not Garment.objects.select_for_update().filter(pk=garment.pk).exists():
        raise ValidationError(_("This garment no longer exists."), code="gone")
    garment.refresh_from_db()


def _save_mask(garment: Garment, mask: np.ndarray, image: Image.Image, colors: list[GarmentColor] | None = None):
    """Write ``mask`` (bool, photo size, not empty), its cutout and box onto the locked ``garment``
    as a person's edit, keeping the model's files on the first edit; ``colors``: new colour rows.
    A poor model mask's photo picture becomes the cutout again. Call inside a transaction."""
    box = mask_box(mask)
    replaced = [garment.mask.name, garment.cutout.name] if garment.model_mask.name else []
    if not garment.model_mask.name:
        garment.model_mask, garment.model_cutout, garment.model_box = (
            garment.mask.name,
            garment.cutout.name,
            garment.bbox,
        )
    mask_png = _png(Image.fromarray(mask.astype(np.uint8) * 255, mode="L").convert("1"))
    written = []
    try:
        garment.mask.save("mask.png", ContentFile(mask_png), save=False)
        written.append(garment.mask.name)
        garment.cutout.save("cutout.png", ContentFile(_png(cutout_of(image, mask, box))), save=False)
        written.append(garment.cutout.name)
        garment.x0, garment.y0, garment.x1, garment.y1 = box
        garment.mask_edited = True
        if garment.picture == Garment.Picture.PHOTO and mask_is_poor(garment.mask_quality):
            garment.picture = Garment.Picture.CUTOUT
        with transaction.atomic():
            garment.save()
            if colors is not None:
                garment.colors.all().delete()
                GarmentColor.objects.bulk_create(colors)
    except Exception:
        for name in written:
            garment.mask.storage.delete(name)
        raise
    storage = garment.mask.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in replaced])


def garment_mask_refine(*, garment: Garment, keep: np.ndarray | None, erase: np.ndarray | None) -> Garment:
    """Recompute the garment's mask from the person's strokes: GrabCut seeded by the current mask,
    ``keep`` pixels garment for sure, ``erase`` pixels background for sure
    (``vision.refine.refine_mask``); then a new cutout and box (see the module docstring). If its
    picture was the photo because the model's mask looked poor, it becomes the cutout again.

    Args:
        garment: the garment (the caller checked its owner).
        keep, erase: bool (photo height, photo width) stroke masks (see :func:`stroke_mask_decode`),
            or None for no strokes of that kind.
    Returns:
        the garment, saved.
    Raises:
        ValidationError: no stroke at all, a stroke mask of another size, or strokes that leave
            nothing of the garment; nothing changed then.
    """
    photo = garment.photo
    if not any(m is not None and m.any() for m in (keep, erase)):
        raise ValidationError(_("Paint at least one stroke to keep or to erase."), code="empty_strokes")
    for field, m in (("keep", keep), ("erase", erase)):
        if m is not None and m.shape != (photo.height, photo.width):
            raise ValidationError(
                {
                    field: [
                        _("The strokes must be the photo's size, %(w)d × %(h)d pixels.")
                        % {"w": photo.width, "h": photo.height}
                    ]
                }
            )
    image = load_photo_rgb(photo)
    with transaction.atomic():
        _lock(garment)
        try:
            mask = refine_mask(np.asarray(image), prior=garment_mask_array(garment), keep=keep, erase=erase)
        except RefineError as exc:  # sizes are checked above; kept as a 400, never a 500
            raise ValidationError(str(exc), code="refine")
        if not mask.any():
            raise ValidationError(_("Nothing of the garment would be left: erase less."), code="empty_mask")
        _save_mask(garment, mask, image)
    return garment


def garment_mask_recut(*, garment: Garment, box) -> Garment:
    """Cut the garment out again inside a box the person drew around it: GrabCut started from the
    current mask inside the box, every pixel of the box decided again (``vision.refine.recut_in_box``:
    for a cutout that is wrong all over, where strokes would take many rounds); then a new cutout and
    box, kept as a person's edit (undo brings the model's back).

    Args:
        garment: the garment (the caller checked its owner).
        box: (x0, y0, x1, y1) in photo pixels, x1/y1 exclusive (numbers; rounded to whole pixels).
    Returns:
        the garment, saved.
    Raises:
        ValidationError: ``{"box": [message]}`` when the box is not four numbers, lies partly outside
            the photo or is under ``MIN_BOX_SIDE`` pixels on a side, or when nothing in it could be
            cut out; nothing changed then.
    """
    photo = garment.photo
    try:
        checked = check_box(box, photo.width, photo.height, min_side=MIN_BOX_SIDE)
    except (RefineError, OverflowError):  # OverflowError: an infinite coordinate
        raise ValidationError({"box": [box_error(box, photo.width, photo.height)]}, code="bad_box")
    image = load_photo_rgb(photo)
    with transaction.atomic():
        _lock(garment)
        mask = recut_in_box(np.asarray(image), garment_mask_array(garment), checked)
        if not mask.any():
            raise ValidationError(
                {"box": [_("Nothing in the box could be cut out: draw it around the garment.")]}, code="empty_mask"
            )
        _save_mask(garment, mask, image)
    return garment


def garment_mask_reset(*, garment: Garment) -> Garment:
    """Undo the edits of a garment's mask: the model's mask, cutout and box again (the edited files
    are deleted once the transaction commits). ``mask_edited`` becomes false, except for a garment
    made from a box the person drew (its first mask already was their work). A garment whose
    model's mask looks poor shows the original photo again.

    Raises ``ValidationError`` when the mask was never edited (nothing to undo).
    """
    with transaction.atomic():
        _lock(garment)
        if not garment.model_mask.name:
            raise ValidationError(_("This cutout has not been edited: there is nothing to undo."), code="not_edited")
        replaced = [garment.mask.name, garment.cutout.name]
        garment.mask, garment.cutout = garment.model_mask.name, garment.model_cutout.name
        garment.x0, garment.y0, garment.x1, garment.y1 = garment.model_box
        garment.model_mask, garment.model_cutout, garment.model_box = "", "", None
        garment.mask_edited = BoxRequest.objects.filter(garment=garment).exists()
        if mask_is_poor(garment.mask_quality):
            garment.picture = Garment.Picture.PHOTO
        garment.save()
        storage = garment.mask.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in replaced])
    return garment


def _merged_colors(garment: Garment, other: Garment, area: int, other_area: int) -> list[GarmentColor] | None:
    """Unsaved colour rows of the union of two garments: each colour's share weighted by its
    garment's mask area (the measured hex of the larger part). None (the first garment's colours stay)
    when the first's colours were picked by its owner (share 0) or either has none."""
    first, second = garment.color_list, other.color_list
    if not first or not second or any(c.fraction <= 0 for c in first):
        return None
    weights: dict[str, list] = {}
    for colors, pixels in ((first, area), (second, other_area)):
        for c in colors:
            w = c.fraction * pixels
            entry = weights.setdefault(c.name, [0.0, c.hex, 0.0])
            entry[0] += w
            if w > entry[2]:
                entry[1], entry[2] = c.hex, w
    total = sum(w for w, _, _ in weights.values()) or 1.0
    ranked = sorted(weights.items(), key=lambda kv: -kv[1][0])[: max(len(first), len(second))]
    return [
        GarmentColor(garment=garment, position=i, name=name, hex=hex_, fraction=round(w / total, 4))
        for i, (name, (w, hex_, _)) in enumerate(ranked)
    ]


def garments_merge(*, garment: Garment, other: Garment) -> Garment:
    """Unite ``other`` into ``garment`` (a pair of shoes found as two): the union of their masks, its
    box and cutout, colours weighted by area (see :func:`_merged_colors`); ``garment`` keeps its
    name, kind, status and other fields, and its model's mask for undo (which brings back only its
    own part). ``other`` is deleted with its files.

    Raises ``ValidationError`` (``{"other": [...]}``) when ``other`` is the same garment, another
    owner's, or of another photo; nothing changed then.
    """
    if other.pk == garment.pk:
        raise ValidationError({"other": [_("Choose another garment to merge with.")]}, code="same")
    if other.owner_id != garment.owner_id or other.photo_id != garment.photo_id:
        raise ValidationError({"other": [_("Only garments of the same photo can be merged.")]}, code="other_photo")
    image = load_photo_rgb(garment.photo)
    with transaction.atomic():
        for g in sorted((garment, other), key=lambda g: g.pk):  # one order: two merges cannot deadlock
            _lock(g)
        mine, theirs = garment_mask_array(garment), garment_mask_array(other)
        colors = _merged_colors(garment, other, int(mine.sum()), int(theirs.sum()))
        _save_mask(garment, mine | theirs, image, colors)
        other.delete()
    return garment
