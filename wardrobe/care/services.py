"""Care labels: read a photo of a garment's care label (OCR, ``vision.read_label``) and save what the
person confirmed onto the garment.

Where the confirmed fields live (no model of this room's own): the composition goes to the garment's
``material`` (``cotton 60%, polyester 40%; lining: polyester 100%``), the size to its ``size``, and the
country of manufacture and the care instructions to two lines of its ``notes``, ``Made in: ...`` and
``Care: ...`` (replaced on the next confirmation, the rest of the notes left alone). So the fields
show on the item page, can be edited there, and travel with the export, without a table of their own.
The label photo itself is read and dropped: it is never stored.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from vision.label_parse import FIBRES, LabelFields, composition_text
from vision.read_label import OCRTimeout, OCRUnavailable, read_label
from wardrobe.closet.images import decode_image
from wardrobe.closet.models import Garment
from wardrobe.closet.services.photos import upload_bytes

logger = logging.getLogger(__name__)

#: Seconds Tesseract may take on one label before the read is given up (it runs in the web process).
OCR_TIMEOUT_S = 15.0
#: Long side, in pixels, a label photo is scaled down to when decoded (``vision.read_label`` works at 1,600).
LABEL_SIDE = 2048
#: Prefixes of the two lines of ``Garment.notes`` this room writes (and replaces).
COUNTRY_PREFIX = "Made in: "
CARE_PREFIX = "Care: "
MAX_COUNTRY = 80
MAX_CARE = 1000


class LabelReaderUnavailable(Exception):
    """The OCR engine (Tesseract) is not installed on the server: a 503, not the person's fault."""


def care_label_read(*, garment: Garment, uploaded_file: UploadedFile) -> LabelFields:
    """Read the care label in ``uploaded_file`` (a photo of the label of ``garment``, which the caller
    has already checked belongs to the person). Nothing is saved.

    The upload goes through the closet's checks first (``upload_bytes``: at most
    ``settings.MAX_UPLOAD_BYTES``; ``decode_image``: by content, JPEG/PNG/WebP/HEIC, at most
    ``settings.MAX_IMAGE_PIXELS``, scaled down to ``LABEL_SIDE``), then Tesseract reads it (at most
    ``OCR_TIMEOUT_S`` seconds) and ``vision.label_parse`` finds the fields. Returns the
    ``LabelFields``; ``readable`` False when no text was found (not an error).
    Raises ``ValidationError`` (empty, too big, not an image, corrupt, ``timeout``) and
    :class:`LabelReaderUnavailable` (no Tesseract on the server).
    """
    data = upload_bytes(uploaded_file)
    decoded = decode_image(data, max_side=min(LABEL_SIDE, settings.MAX_PHOTO_SIDE or LABEL_SIDE))
    try:
        return read_label(decoded.image, timeout_s=OCR_TIMEOUT_S)
    except OCRTimeout:
        raise ValidationError(
            _("Reading the label took too long. Try a closer photo of the label alone."), code="timeout"
        )
    except OCRUnavailable as exc:
        logger.error("care label not read: %s", exc)
        raise LabelReaderUnavailable(str(exc))


def _check_composition(items: list[dict], what: str) -> list[dict]:
    out = []
    for item in items or []:
        fibre = str(item.get("fibre", "")).strip().lower()
        percent = item.get("percent")
        if fibre not in FIBRES:
            raise ValidationError(
                _("Unknown fibre %(fibre)s in the %(what)s: use one of %(names)s.")
                % {"fibre": fibre or "?", "what": what, "names": ", ".join(FIBRES)},
                code="unknown_fibre",
            )
        if percent is not None and not (0 <= float(percent) <= 100):
            raise ValidationError(_("A percentage is between 0 and 100."), code="bad_percent")
        out.append({"fibre": fibre, "percent": percent})
    return out


def _notes_with(notes: str, country: str, care: str) -> str:
    """``notes`` with its ``Made in:`` and ``Care:`` lines replaced by these (dropped when empty)."""
    kept = [line for line in notes.splitlines() if not line.startswith((COUNTRY_PREFIX, CARE_PREFIX))]
    while kept and not kept[-1].strip():
        kept.pop()
    added = []
    if country:
        added.append(COUNTRY_PREFIX + country)
    if care:
        added.append(CARE_PREFIX + "; ".join(line.strip() for line in care.splitlines() if line.strip()))
    return "\n".join(kept + ([""] if kept and added else []) + added)


def care_label_confirm(
    *,
    garment: Garment,
    composition: list[dict],
    lining: list[dict] | None = None,
    size: str = "",
    country: str = "",
    care: str = "",
) -> Garment:
    """Save a care label's fields, as the person confirmed them, onto ``garment`` (see the module
    docstring for where each goes). ``composition`` / ``lining``: ``[{"fibre": canonical name (a key of
    ``vision.label_parse.FIBRES``), "percent": 0-100 or None}]``; empty leaves ``material`` as it was.
    ``size`` (at most 40 characters), ``country`` (80), ``care`` (1,000; lines): empty leaves the
    garment's value as it was. Returns the garment, saved. Raises ``ValidationError`` (unknown fibre,
    bad percentage, a field too long); then nothing is changed."""
    composition = _check_composition(composition, _("composition"))
    lining = _check_composition(lining or [], _("lining"))
    size, country, care = size.strip(), country.strip(), care.strip()
    material = composition_text(composition, lining) if composition else garment.material
    limits = (
        (material, Garment._meta.get_field("material").max_length, _("composition")),
        (size, Garment._meta.get_field("size").max_length, _("size")),
        (country, MAX_COUNTRY, _("country")),
        (care, MAX_CARE, _("care")),
    )
    for value, limit, name in limits:
        if len(value) > limit:
            raise ValidationError(
                _("The %(name)s is too long: at most %(limit)d characters.") % {"name": name, "limit": limit},
                code="too_long",
            )
    with transaction.atomic():
        garment = Garment.objects.select_for_update().get(pk=garment.pk)
        notes = _notes_with(garment.notes, country, care) if (country or care) else garment.notes
        if len(notes) > Garment._meta.get_field("notes").max_length:
            raise ValidationError(_("The notes would grow too long: shorten the care text."), code="too_long")
        garment.material = material
        garment.size = size or garment.size
        garment.notes = notes
        garment.save(update_fields=["material", "size", "notes", "updated_at"])
    return garment
