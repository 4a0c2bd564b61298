"""Reading an export's ``items.json`` (``docs/export.md``, versions 1 and 2) into checked records: every
value is checked the way the app checks it (the model fields' own rules: choices, lengths, ranges;
boxes inside their photo; slugs of the taxonomy, the seasons and the palette), and every reference
between records (an item's ``photo_id``, an outfit's ``item_id``, a plan's ``outfit_id``) and to the
files of the zip resolves. Nothing is written here; a fault raises ``ValidationError`` naming where
it is (``items[3].price: ...``).

Keys of ``items[]`` that ``schema.EXPORTED`` maps onto a plain field of ``Garment`` (no relation, no
file) and that no code here reads by name are checked by that field and restored as they are, so a
field added to the export later comes back without a change here.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.models import Profile
from accounts.services import PROFILE_FIELDS
from vocabulary.palette import PALETTE
from vocabulary.seasons import SEASON_SLUGS
from wardrobe.backup import schema
from wardrobe.closet.models import BoxRequest, Category, Garment, GarmentType, Photo
from wardrobe.closet.services.tags import tag_name_clean
from wardrobe.weather.models import WeatherSettings

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Garment fields read by name below (the rest of the plain fields go through :func:`_extra_fields`).
_GARMENT_NAMED = {
    "id", "owner", "photo", "category", "type", "x0", "y0", "x1", "y1", "mask", "cutout", "model_mask",
    "model_cutout", "model_box", "guesses", "seasons", "duplicate_of", "created_at", "updated_at",
    "wear_count", "last_worn_on", "archived_at",
}  # fmt: skip
_GARMENT_TEXT = ("name", "brand", "size", "material", "currency", "notes", "archive_reason")
_GARMENT_VALUES = ("status", "laundry", "picture", "score", "detector_score", "classifier_score")
_GARMENT_OPTIONAL = ("price", "purchase_date", "warmth_clo", "mask_quality", "mask_edited")


def fault(where: str, message) -> ValidationError:
    """``ValidationError`` "The archive's items.json is not valid at ``where``: ``message``"."""
    text = " ".join(message.messages) if isinstance(message, ValidationError) else str(message)
    return ValidationError(
        _("The archive's items.json is not valid at %(where)s: %(error)s") % {"where": where, "error": text},
        code="bad_manifest",
    )


def _get(record: dict, key: str, where: str, default=...):
    if key in record:
        return record[key]
    if default is ...:
        raise fault(f"{where}.{key}", _("This key is missing."))
    return default


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise fault(where, _("A list was expected."))
    return value


def _dict(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise fault(where, _("An object was expected."))
    return value


def _int(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fault(where, _("A whole number was expected."))
    return value


def _moment(value, where: str, *, required: bool = True) -> dt.datetime | None:
    if value is None and not required:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise fault(where, _("A moment with its UTC offset (ISO 8601) was expected."))
    return parsed


def _day(value, where: str, *, required: bool = True) -> dt.date | None:
    if value is None and not required:
        return None
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise fault(where, _("A day (YYYY-MM-DD) was expected."))
    return parsed


def _field(model, name: str, value, where: str, instance=None):
    """``value`` cleaned by the model field ``name`` (its type, choices, length, range)."""
    field = model._meta.get_field(name)
    if isinstance(field, (models.CharField, models.TextField)) and value is not None and not isinstance(value, str):
        raise fault(where, _("Text was expected."))
    if isinstance(field, models.FloatField) and value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fault(where, _("A number was expected."))
    if isinstance(field, models.BooleanField) and not isinstance(value, bool):
        raise fault(where, _("true or false was expected."))
    if value is None and not field.null:
        raise fault(where, _("A value is needed."))
    try:
        return field.clean(value, instance)
    except ValidationError as exc:
        raise fault(where, exc)


def _box(value, where: str, width: int, height: int) -> list[int]:
    value = _list(value, where)
    if len(value) != 4 or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise fault(where, _("[x0, y0, x1, y1] in whole pixels was expected."))
    x0, y0, x1, y1 = value
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise fault(where, _("The box is not inside its photo."))
    return value


def _seasons(value, where: str) -> list[str]:
    value = _list(value, where)
    if any(s not in SEASON_SLUGS for s in value):
        raise fault(where, _("Unknown season."))
    return list(dict.fromkeys(value))


def _tags(value, where: str) -> list[str]:
    """Tag names (``items[].tags``, when the export writes them): each checked as a tag's name."""
    out = []
    for k, name in enumerate(_list(value, where)):
        try:
            out.append(tag_name_clean(name, field="tags"))
        except ValidationError as exc:
            raise fault(f"{where}[{k}]", ValidationError(exc.messages))
    return out


def garment_files() -> dict[str, tuple[str, str, str, bool]]:
    """``items[]`` keys naming a file -> ``(Garment field, zip folder, Pillow mode it is stored in,
    whether it has its photo's size)``, from ``schema.EXPORTED``: every file field of a garment (a
    mask: 1-bit at the photo's size in ``<field>s/``; else an RGBA cutout)."""
    out = {}
    for name, path in schema.EXPORTED.get("closet.Garment", {}).items():
        if path.startswith("items[].") and isinstance(Garment._meta.get_field(name), models.FileField):
            mask = name.endswith("mask")
            out[path[len("items[].") :]] = (name, f"{name}s", "1" if mask else "RGBA", mask)
    return out


def _nested_fields() -> dict[str, list[str]]:
    """``items[]`` keys holding an object of plain ``Garment`` fields by name (``attributes``)."""
    out: dict[str, list[str]] = {}
    for name, path in schema.EXPORTED.get("closet.Garment", {}).items():
        key = path[len("items[].") :] if path.startswith("items[].") else ""
        if not key or key == name or "[" in key or "." in key or name in _GARMENT_NAMED:
            continue
        field = Garment._meta.get_field(name)
        if field.concrete and not field.is_relation and not isinstance(field, models.FileField):
            out.setdefault(key, []).append(name)
    return out


def _extra_fields() -> list[str]:
    """Plain ``Garment`` fields the export writes as ``items[].<field>`` and not read by name here."""
    out = []
    for name, path in schema.EXPORTED.get("closet.Garment", {}).items():
        if name in _GARMENT_NAMED or name in _GARMENT_TEXT + _GARMENT_VALUES + _GARMENT_OPTIONAL:
            continue
        field = Garment._meta.get_field(name)
        if path == f"items[].{name}" and field.concrete and not field.is_relation:
            if not isinstance(field, models.FileField):
                out.append(name)
    return out


def _no_constant(name: str):
    """``NaN`` and ``Infinity`` are not JSON: refused (a NaN would pass every range check)."""
    raise ValueError(f"{name} is not a number JSON allows")


def read_document(data: bytes) -> dict:
    """Parse ``items.json`` and check its version. Raises ``ValidationError`` (not JSON, not an export
    of this app, a version newer than :data:`schema.EXPORT_SCHEMA_VERSION`)."""
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationError(_("The archive's items.json is not valid JSON."), code="bad_manifest")
    if not isinstance(document, dict) or "schema_version" not in document:
        raise ValidationError(
            _("This zip is not an export of this app: items.json has no schema_version."), code="bad_manifest"
        )
    version = document["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise fault("schema_version", _("A whole number was expected."))
    if version > schema.EXPORT_SCHEMA_VERSION:
        raise ValidationError(
            _(
                "This export has format version %(version)d, newer than this app reads (%(supported)d). "
                "Update the app, then import it."
            )
            % {"version": version, "supported": schema.EXPORT_SCHEMA_VERSION},
            code="newer_version",
        )
    return document


def settings_of(document: dict) -> tuple[dict, dict]:
    """``(profile fields, weather fields)`` to restore: the preferences (language, review threshold,
    currency) and the weather settings, each checked by its model; empty dicts when absent (v1)."""
    profile = {}
    if "profile" in document:
        record = _dict(document["profile"], "profile")
        for name in sorted(PROFILE_FIELDS):
            if name in record:
                profile[name] = _field(Profile, name, record[name], f"profile.{name}")
        for name in ("first_name", "last_name", "email"):
            if record.get(name):
                profile[name] = _field(get_user_model(), name, record[name], f"profile.{name}")
    weather = {}
    if "weather" in document:
        record = _dict(document["weather"], "weather")
        for name in ("provider", "location_name", "latitude", "longitude"):
            if name in record:
                weather[name] = _field(WeatherSettings, name, record[name], f"weather.{name}")
        if (weather.get("latitude") is None) != (weather.get("longitude") is None):
            raise fault("weather", _("Give both latitude and longitude, or neither."))
    return profile, weather


def photos_of(document: dict) -> list[dict]:
    """The photos: ``{"id", "file", "original_filename", "status", "created_at", "updated_at",
    "box_requests"}`` (a ``file`` of ``None``: missing from the export, the photo is skipped)."""
    out, seen = [], set()
    for i, record in enumerate(_list(_get(document, "photos", "items.json", []), "photos")):
        where = f"photos[{i}]"
        record = _dict(record, where)
        pid = _int(_get(record, "id", where), f"{where}.id")
        if pid in seen:
            raise fault(f"{where}.id", _("The same id twice."))
        seen.add(pid)
        file = _get(record, "file", where)
        if file is not None and (not isinstance(file, str) or not file.startswith(schema.PHOTOS_DIR + "/")):
            raise fault(f"{where}.file", _("A path in photos/ was expected."))
        status = _field(Photo, "status", record.get("status", Photo.Status.DONE), f"{where}.status")
        boxes = []
        for j, box in enumerate(_list(record.get("box_requests", []), f"{where}.box_requests")):
            bw = f"{where}.box_requests[{j}]"
            box = _dict(box, bw)
            boxes.append(
                {
                    "box": _list(_get(box, "box", bw), f"{bw}.box"),
                    "status": _field(BoxRequest, "status", _get(box, "status", bw), f"{bw}.status"),
                    "item_id": box.get("item_id"),
                    "created_at": _moment(box.get("created_at"), f"{bw}.created_at", required=False),
                }
            )
        out.append(
            {
                "id": pid,
                "file": file,
                "original_filename": _field(
                    Photo, "original_filename", record.get("original_filename", ""), f"{where}.original_filename"
                ),
                "status": status,
                "created_at": _moment(record.get("uploaded_at"), f"{where}.uploaded_at", required=False),
                "updated_at": _moment(record.get("updated_at"), f"{where}.updated_at", required=False),
                "box_requests": boxes,
            }
        )
    return out


def _colors(value, where: str) -> list[dict]:
    out, names = [], set()
    for k, color in enumerate(_list(value, where)):
        cw = f"{where}[{k}]"
        color = _dict(color, cw)
        name, hex_value = color.get("name"), color.get("hex")
        if name not in PALETTE or name in names:
            raise fault(f"{cw}.name", _("Unknown colour, or the same colour twice."))
        if not isinstance(hex_value, str) or not _HEX.match(hex_value):
            raise fault(f"{cw}.hex", _("#rrggbb was expected."))
        fraction = color.get("fraction", 0.0)
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
            raise fault(f"{cw}.fraction", _("A number from 0 to 1 was expected."))
        names.add(name)
        out.append({"name": name, "hex": hex_value.lower(), "fraction": float(fraction)})
    return out


def _guesses(value, where: str) -> list[dict]:
    value = _list(value, where)
    for k, guess in enumerate(value):
        guess = _dict(guess, f"{where}[{k}]")
        if not isinstance(guess.get("category"), str) or not isinstance(guess.get("score", 0), (int, float)):
            raise fault(f"{where}[{k}]", _('{"category", "type", "score"} was expected.'))
    return value[:10]


def items_of(document: dict, photo_sizes: dict[int, tuple[int, int]]) -> list[dict]:
    """The garments, checked against their photo (``photo_sizes``: photo id -> ``(width, height)`` of
    the photos being restored; an item of a photo not in it is left out by the caller). Each: the
    ``Garment`` field values (``fields``), ``category``/``type`` rows, ``colors``, ``seasons``,
    ``worn_on`` days, ``extra_photos``, the zip paths of its files and its ``id``/``photo_id``."""
    categories = {c.slug: c for c in Category.objects.all()}
    types = {t.slug: t for t in GarmentType.objects.all()}
    extra = _extra_fields()
    out, seen = [], set()
    for i, record in enumerate(_list(_get(document, "items", "items.json", []), "items")):
        where = f"items[{i}]"
        record = _dict(record, where)
        gid = _int(_get(record, "id", where), f"{where}.id")
        if gid in seen:
            raise fault(f"{where}.id", _("The same id twice."))
        seen.add(gid)
        photo_id = _int(_get(record, "photo_id", where), f"{where}.photo_id")
        category = categories.get(_get(record, "category", where))
        if category is None:
            raise fault(f"{where}.category", _("Unknown category."))
        gtype = types.get(record.get("type") or "")
        if gtype is not None and gtype.category_id != category.pk:
            gtype = None
        size = photo_sizes.get(photo_id)
        item = {"id": gid, "photo_id": photo_id, "category": category, "type": gtype, "fields": {}}
        fields = item["fields"]
        for name in _GARMENT_TEXT:
            fields[name] = _field(Garment, name, record.get(name, ""), f"{where}.{name}")
        for name in _GARMENT_VALUES:
            if name in record:
                fields[name] = _field(Garment, name, record[name], f"{where}.{name}")
        for name in _GARMENT_OPTIONAL + tuple(extra):
            if name in record:
                fields[name] = _field(Garment, name, record[name], f"{where}.{name}")
        for key, names in _nested_fields().items():
            nested = _dict(record.get(key, {}), f"{where}.{key}")
            for name in names:
                if name in nested:
                    value = nested[name]
                    if value is None and not Garment._meta.get_field(name).null:
                        value = ""
                    fields[name] = _field(Garment, name, value, f"{where}.{key}.{name}")
        fields["archived_at"] = _moment(record.get("archived_at"), f"{where}.archived_at", required=False)
        fields["guesses"] = _guesses(record.get("guesses", []), f"{where}.guesses")
        item["colors"] = _colors(record.get("colors", []), f"{where}.colors")
        item["seasons"] = _seasons(record.get("seasons", []), f"{where}.seasons")
        item["tags"] = _tags(record.get("tags", []), f"{where}.tags")
        item["worn_on"] = sorted(
            {_day(d, f"{where}.worn_on") for d in _list(record.get("worn_on", []), f"{where}.worn_on")}
        )
        item["created_at"] = _moment(record.get("created_at"), f"{where}.created_at", required=False)
        item["updated_at"] = _moment(record.get("updated_at"), f"{where}.updated_at", required=False)
        item["extra_photos"] = [
            {
                "photo_id": _int(
                    _get(_dict(p, f"{where}.extra_photos[{k}]"), "photo_id", where),
                    f"{where}.extra_photos[{k}].photo_id",
                ),
                "box": p.get("box"),
                "created_at": _moment(p.get("created_at"), f"{where}.extra_photos[{k}].created_at", required=False),
            }
            for k, p in enumerate(_list(record.get("extra_photos", []), f"{where}.extra_photos"))
        ]
        for key, (_name, folder, _mode, _sized) in garment_files().items():
            value = record.get(key)
            if value is not None and (not isinstance(value, str) or not value.startswith(folder + "/")):
                raise fault(f"{where}.{key}", _("A path in %(folder)s/ was expected.") % {"folder": folder})
            item[key] = value
        if size is not None:
            fields["x0"], fields["y0"], fields["x1"], fields["y1"] = _box(
                _get(record, "box", where), f"{where}.box", *size
            )
            model_box = record.get("model_box")
            fields["model_box"] = None if model_box is None else _box(model_box, f"{where}.model_box", *size)
        out.append(item)
    return out
