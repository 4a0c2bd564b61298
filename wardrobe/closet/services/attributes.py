"""A garment's attributes and stain (issue 17): storing what the ``attributes`` and ``stain`` stages
found (``garment_create`` calls :func:`instance_details_store`), a person's edits (``garment_update``
and ``garment_confirm`` call :func:`attributes_apply`), and what a person does about a stain
(:func:`garment_stain_wash`, :func:`garment_stain_dismiss`).

A model value whose score is below the owner's review threshold and that no person confirmed is
*unsure* (``GarmentDetails.unsure_attributes``): the garment waits for review, like a garment whose
category scored low, and the review card asks for that attribute.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from PIL import Image, ImageFilter

from vision.contract import GarmentInstance
from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTES
from wardrobe.closet.models import Garment


def _mask_png(mask: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255, mode="L").convert("1").save(buf, format="PNG")
    return buf.getvalue()


def instance_details_store(*, garment: Garment, instance: GarmentInstance, threshold: float | None) -> bool:
    """Copy ``instance.attributes`` and ``instance.stain`` onto the unsaved ``garment`` (its category
    set), writing the stain mask's file (1-bit PNG at the photo's resolution; the caller deletes it
    when the row is not saved, ``garments.garment_files_delete``).

    Only the attributes that apply to the garment's category (``Attribute.applies``) with a value of
    the vocabulary are kept; each keeps its score (``attribute_scores``). A stain mask of another shape
    than the photo's is left out (the finding is kept). Returns whether a kept value scored below
    ``threshold`` (the owner's review threshold, 0..1; None: no threshold, never unsure here)."""
    unsure = False
    scores = {}
    for name, found in (instance.attributes or {}).items():
        attribute = ATTRIBUTE_BY_NAME.get(name)
        if attribute is None or not attribute.applies(garment.category.slug) or found.value not in attribute.slugs:
            continue
        setattr(garment, name, found.value)
        scores[name] = round(float(found.score), 4)
        unsure = unsure or (threshold is not None and scores[name] < threshold)
    garment.attribute_scores = scores
    stain = instance.stain
    if stain is not None:
        garment.stain_found = bool(stain.found)
        garment.stain_area = float(stain.area)
        garment.stain_score = float(stain.score)
        mask = None if stain.mask is None else np.asarray(stain.mask).astype(bool)
        if stain.found and mask is not None and mask.shape == (garment.photo.height, garment.photo.width):
            garment.stain_mask.save("stain.png", ContentFile(_mask_png(mask)), save=False)
    return unsure


def attributes_check(category: str, attributes: Mapping[str, str | None]) -> dict[str, str]:
    """``attributes`` (``{name: value slug, or "" / None: unknown}``) checked for a garment of
    ``category`` (a category slug). Returns them with None as "". Raises ``ValidationError`` keyed
    ``attributes`` naming an unknown attribute, a value not among its slugs, or a value given for an
    attribute that does not apply to the category."""
    cleaned = {}
    for name, value in attributes.items():
        attribute = ATTRIBUTE_BY_NAME.get(name)
        if attribute is None:
            raise ValidationError(
                {"attributes": [_("Unknown attribute %(name)s.") % {"name": name}]}, code="unknown_attribute"
            )
        value = value or ""
        if value and value not in attribute.slugs:
            raise ValidationError(
                {
                    "attributes": [
                        _("%(value)s is not a value of %(name)s; choose one of %(values)s.")
                        % {"value": value, "name": name, "values": ", ".join(attribute.slugs)}
                    ]
                },
                code="invalid_choice",
            )
        if value and not attribute.applies(category):
            raise ValidationError(
                {
                    "attributes": [
                        _("%(name)s does not apply to a garment of this category.") % {"name": gettext(attribute.label)}
                    ]
                },
                code="not_applicable",
            )
        cleaned[name] = value
    return cleaned


def attributes_apply(*, garment: Garment, attributes: Mapping[str, str | None] | None, confirm_all: bool = False):
    """Set a person's ``attributes`` (``{name: slug or "" / None}``, checked by :func:`attributes_check`
    against the garment's current category) on the unsaved ``garment`` and mark them confirmed; then
    clear the values (and scores) of attributes that no longer apply to its category. ``confirm_all``:
    the person confirmed every value shown (a review). Raises ``ValidationError`` as
    :func:`attributes_check`; the caller saves the row (nothing is saved here)."""
    cleaned = attributes_check(garment.category.slug, attributes or {})
    confirmed = set(garment.attributes_confirmed or [])
    scores = dict(garment.attribute_scores or {})
    for name, value in cleaned.items():
        if value != getattr(garment, name):  # no longer the model's value: its score goes
            scores.pop(name, None)
        setattr(garment, name, value)
        confirmed.add(name)
    if confirm_all:
        confirmed |= set(garment.attribute_values)
    for attribute in ATTRIBUTES:
        if not attribute.applies(garment.category.slug):
            setattr(garment, attribute.name, "")
            scores.pop(attribute.name, None)
            confirmed.discard(attribute.name)
    garment.attribute_scores = scores
    garment.attributes_confirmed = sorted(confirmed)


def garment_stain_wash(*, garment: Garment) -> Garment:
    """Put in the wash: the garment's laundry becomes ``wash`` and its stain is handled (``washed``:
    no longer outlined). Works on any garment (also one without a stain)."""
    with transaction.atomic():
        garment.laundry = Garment.Laundry.WASH
        if garment.stain_found:
            garment.stain_handled = Garment.StainHandled.WASHED
        garment.updated_at = timezone.now()
        garment.save(update_fields=["laundry", "stain_handled", "updated_at"])
    return garment


def garment_stain_dismiss(*, garment: Garment) -> Garment:
    """Not a stain: the found stain is no longer outlined (``stain_handled = dismissed``); the
    model's finding and mask stay for the record. A garment without a found stain is left as it is
    (nothing to dismiss; asking twice is harmless)."""
    if not garment.stain_found:
        return garment
    garment.stain_handled = Garment.StainHandled.DISMISSED
    garment.save(update_fields=["stain_handled", "updated_at"])
    return garment


def garment_stain_outline(*, garment: Garment, max_side: int = 800) -> bytes:
    """A transparent PNG of the garment's box (``x0, y0, x1, y1``: the region and proportions of its
    cutout), scaled so that its long side is at most ``max_side`` pixels, with the stain's outline
    drawn in opaque red (about 1/120 of the long side wide, at least 2 pixels) and its inside tinted
    translucent red: laid over the cutout, it shows where the stain is. Raises ``FileNotFoundError``
    when the garment has no stain mask, ``OSError`` when its file cannot be read."""
    if not garment.stain_mask.name:
        raise FileNotFoundError("no stain mask")
    with garment.stain_mask.open("rb") as fh:
        mask = Image.open(fh).convert("L")
        mask.load()
    region = mask.crop((garment.x0, garment.y0, max(garment.x1, garment.x0 + 1), max(garment.y1, garment.y0 + 1)))
    region.thumbnail((max_side, max_side), Image.Resampling.NEAREST)
    inside = np.asarray(region) > 127
    width = max(2, round(max(region.size) / 120)) | 1  # odd, for the filters
    grown = np.asarray(region.filter(ImageFilter.MaxFilter(width))) > 127
    shrunk = np.asarray(region.filter(ImageFilter.MinFilter(width))) > 127
    rgba = np.zeros((*inside.shape, 4), np.uint8)
    rgba[inside] = (220, 30, 70, 70)
    rgba[grown & ~shrunk] = (220, 30, 70, 255)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG")
    return buf.getvalue()
