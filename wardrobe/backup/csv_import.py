"""Items from a spreadsheet: a CSV (``items.csv``, columns in ``docs/import.md``) with a photo per row,
either in one zip or as a CSV file and the photos uploaded beside it.

Each row becomes a garment **in the closet, as confirmed** (not through the vision pipeline): its
photo is checked and re-encoded like any upload (``closet.images``: content allow-list, full decode,
scaled to ``MAX_PHOTO_SIDE``, no metadata) and the whole photo is the garment (box and mask cover it,
the cutout is the photo; ``picture`` ``photo``). Category and type are slugs or English names of the
taxonomy, colours palette names, seasons season slugs, several separated by ``;`` (or ``,`` / ``|``).

All or nothing: every row is checked (values, photo) before anything is written, and the first
fault is refused naming its row (the line of the file, the header being line 1) and column.
A row imported before (the same cells and the same photo bytes) is not imported again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from contextlib import ExitStack

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from vision.similarity import photo_phash
from vocabulary.palette import PALETTE, hex_of
from vocabulary.seasons import SEASON_SLUGS
from wardrobe.backup import archive as zips
from wardrobe.backup.models import ImportedObject
from wardrobe.closet.images import decode_image, encode_for_storage
from wardrobe.closet.models import Category, Garment, GarmentColor, GarmentType, Photo
from wardrobe.closet.services.photos import upload_bytes
from wardrobe.closet.services.tags import garment_tags_set, tag_name_clean

#: The CSV inside a zip.
CSV_NAME = "items.csv"
#: Columns: header -> Garment field (``None``: read by the code).
COLUMNS = {
    "name": "name",
    "category": None,
    "type": None,
    "colors": None,
    "seasons": None,
    "brand": "brand",
    "size": "size",
    "material": "material",
    "price": "price",
    "currency": "currency",
    "purchase_date": "purchase_date",
    "notes": "notes",
    "tags": None,
    "photo": None,
}
#: The most rows one file may hold.
MAX_ROWS = 2000
_SPLIT = re.compile(r"[;,|]")


def _fault(line: int, column: str, message) -> ValidationError:
    text = " ".join(message.messages) if isinstance(message, ValidationError) else str(message)
    return ValidationError(
        _("Row %(row)d, column %(column)s: %(error)s") % {"row": line, "column": column, "error": text},
        code="bad_row",
    )


def _rows(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The CSV file is not UTF-8 text."), code="bad_csv")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        rows = [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise ValidationError(_("The CSV file could not be read: %(error)s") % {"error": exc}, code="bad_csv")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or "category" not in header or "photo" not in header:
        raise ValidationError(
            _("The CSV header must name the columns %(columns)s (category and photo at least); unknown: %(unknown)s")
            % {"columns": ", ".join(COLUMNS), "unknown": ", ".join(unknown) or "-"},
            code="bad_csv",
        )
    if not rows:
        raise ValidationError(_("The CSV file has no rows."), code="bad_csv")
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            _("The CSV file has %(n)d rows, the limit is %(limit)d.") % {"n": len(rows), "limit": MAX_ROWS},
            code="bad_csv",
        )
    return rows


def _names(value: str) -> list[str]:
    return [v.strip().lower() for v in _SPLIT.split(value) if v.strip()]


def _kind(row: dict, line: int) -> tuple[Category, GarmentType | None]:
    wanted = row.get("category", "").lower()
    category = next((c for c in Category.objects.all() if wanted in (c.slug, c.name.lower())), None)
    if category is None:
        raise _fault(line, "category", _("Unknown category %(value)r.") % {"value": row.get("category", "")})
    gtype = None
    if row.get("type"):
        wanted = row["type"].lower()
        gtype = next((t for t in category.types.all() if wanted in (t.slug, t.name.lower())), None)
        if gtype is None:
            raise _fault(line, "type", _("Unknown type %(value)r for this category.") % {"value": row["type"]})
    return category, gtype


def _check_row(row: dict, line: int, photos) -> dict:
    """A row checked: ``{"fields", "category", "type", "colors", "seasons", "filename", "key"}``;
    ``photos``: a file name -> bytes function (None: no such file). The photo is decoded in full
    to check it, then let go (it is decoded again when written: memory holds one photo at a time)."""
    category, gtype = _kind(row, line)
    fields = {}
    for column, name in COLUMNS.items():
        if name is None:
            continue
        field = Garment._meta.get_field(name)
        value = row.get(column, "")
        if value == "" and field.null:
            value = None
        try:
            fields[name] = field.clean(value, None)
        except ValidationError as exc:
            raise _fault(line, column, exc)
    colors = _names(row.get("colors", ""))
    bad = [c for c in colors if c not in PALETTE]
    if bad:
        raise _fault(line, "colors", _("Unknown colour %(value)r.") % {"value": bad[0]})
    seasons = _names(row.get("seasons", ""))
    bad = [s for s in seasons if s not in SEASON_SLUGS]
    if bad:
        raise _fault(line, "seasons", _("Unknown season %(value)r.") % {"value": bad[0]})
    tags = []
    for tag in _SPLIT.split(row.get("tags", "")):
        if tag.strip():
            try:
                tags.append(tag_name_clean(tag, field="tags"))
            except ValidationError as exc:
                raise _fault(line, "tags", ValidationError(exc.messages))
    name = row.get("photo", "")
    if not name:
        raise _fault(line, "photo", _("Each row needs its photo's file name."))
    try:
        data = photos(name)
        if data is None:
            raise ValidationError(_("No file named %(value)r was sent.") % {"value": name})
        decode_image(data, max_side=settings.MAX_PHOTO_SIDE)
    except ValidationError as exc:
        raise _fault(line, "photo", exc)
    cells = "\x1f".join(f"{k}={row.get(k, '')}" for k in COLUMNS)
    key = hashlib.sha256(cells.encode() + hashlib.sha256(data).digest()).hexdigest()
    return {
        "fields": fields,
        "category": category,
        "type": gtype,
        "colors": list(dict.fromkeys(colors)),
        "seasons": list(dict.fromkeys(seasons)),
        "tags": tags,
        "filename": name,
        "key": key,
    }


def _write(user, row: dict, data: bytes, written: list) -> Garment:
    decoded = decode_image(data, max_side=settings.MAX_PHOTO_SIDE)
    content, extension = encode_for_storage(decoded)
    photo = Photo(
        owner=user,
        original_filename=row["filename"][:255],
        width=decoded.width,
        height=decoded.height,
        status=Photo.Status.DONE,
        phash=f"{photo_phash(decoded.image):016x}",
    )
    photo.image.save(f"upload{extension}", ContentFile(content), save=False)
    written.append(photo.image)
    photo.save()
    garment = Garment(
        owner=user,
        photo=photo,
        category=row["category"],
        type=row["type"],
        score=1.0,
        detector_score=1.0,
        classifier_score=1.0,
        x0=0,
        y0=0,
        x1=decoded.width,
        y1=decoded.height,
        status=Garment.Status.CLOSET,
        picture=Garment.Picture.PHOTO,
        **row["fields"],
    )
    mask = Image.fromarray(np.full((decoded.height, decoded.width), 255, dtype=np.uint8)).convert("1")
    for field, img in ((garment.mask, mask), (garment.cutout, decoded.image.convert("RGBA"))):
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        field.save("picture.png", ContentFile(buf.getvalue()), save=False)
        written.append(field)
    garment.save()
    GarmentColor.objects.bulk_create(
        GarmentColor(garment=garment, position=i, name=c, hex=hex_of(c), fraction=0.0)
        for i, c in enumerate(row["colors"])
    )
    Garment.seasons.through.objects.bulk_create(
        Garment.seasons.through(garment=garment, season_id=s) for s in row["seasons"]
    )
    if row["tags"]:
        garment_tags_set(garment=garment, names=row["tags"])
    return garment


def _sources(stack: ExitStack, *, archive=None, csv_file=None, images=()):
    """The CSV's bytes and a function ``file name -> bytes or None`` giving the photos, from a zip
    (kept open on ``stack``, read one member at a time) or from uploaded files."""
    if archive is not None:
        zf = stack.enter_context(zips.open_archive(archive))
        if CSV_NAME not in zf.namelist():
            raise ValidationError(_("The zip has no items.csv."), code="bad_csv")
        members = set(zf.namelist())

        def photo(name: str) -> bytes | None:
            return zips.read_member(zf, zips.member_name(name)) if name in members else None

        return zips.read_member(zf, CSV_NAME, zips.MAX_DOCUMENT_BYTES), photo
    if csv_file is None:
        raise ValidationError(
            _("Send a zip with items.csv and the photos, or a CSV file and its photos."), code="required"
        )
    if csv_file.size > zips.MAX_DOCUMENT_BYTES:
        raise ValidationError(_("The CSV file is too big."), code="too_big")
    uploads = {image.name.replace("\\", "/").rsplit("/", 1)[-1]: image for image in images}

    def photo(name: str) -> bytes | None:
        return upload_bytes(uploads[name]) if name in uploads else None

    return csv_file.read(), photo


def backup_import_csv(*, user, archive=None, csv_file=None, images=()) -> dict[str, int]:
    """Import garments from a CSV with photos (see the module's docstring): ``archive`` (a zip with
    ``items.csv`` and the photos it names), or ``csv_file`` and ``images`` (uploaded files, matched
    to the ``photo`` column by file name).

    Returns ``{"garments": new garments, "photos": new photos, "skipped": rows imported before}``.
    Raises ``ValidationError`` naming the row and column at fault (or the archive's fault); then
    nothing is written.
    """
    with ExitStack() as stack:
        data, photos = _sources(stack, archive=archive, csv_file=csv_file, images=images)
        rows = [_check_row(row, line, photos) for line, row in enumerate(_rows(data), start=2)]
        return _write_all(user, rows, photos)


def _write_all(user, rows: list[dict], photos) -> dict[str, int]:
    done = set(
        ImportedObject.objects.filter(owner=user, kind=ImportedObject.Kind.CSV).values_list("source_key", flat=True)
    )
    written: list = []
    created = skipped = 0
    try:
        with transaction.atomic():
            for row in rows:
                if row["key"] in done:
                    skipped += 1
                    continue
                done.add(row["key"])
                garment = _write(user, row, photos(row["filename"]), written)
                ImportedObject.objects.create(
                    owner=user, kind=ImportedObject.Kind.CSV, source_key=row["key"], target_id=garment.pk
                )
                created += 1
    except BaseException:
        for field in written:
            field.storage.delete(field.name)
        raise
    return {"garments": created, "photos": created, "skipped": skipped}
