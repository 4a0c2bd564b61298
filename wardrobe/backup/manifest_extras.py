"""Reading an export's tags, trips and wishlist (``items.json``'s ``tags``, ``trips`` and ``wishlist``,
``docs/export.md``): checked as :mod:`wardrobe.backup.manifest` checks the rest (the models' own rules,
every value's type, the services' rules: a tag's name, a trip's days and activities, a wishlist
item's kind), each fault a ``ValidationError`` naming where it is (``trips[0].end_date: ...``).
Nothing is written here; the references to ``items[]``, ``outfits[]`` and the zip's files are
resolved by ``importing``. An export without these keys (written before they were added) has none.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vocabulary.roles import ROLES
from wardrobe.backup import schema
from wardrobe.backup.manifest import _colors, _day, _dict, _field, _get, _int, _list, _moment, fault
from wardrobe.closet.models import Category, GarmentType, Tag
from wardrobe.closet.services.tags import tag_name_clean
from wardrobe.closet.tag_models import TAG_COLOR_PATTERN
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.packing.rules import ACTIVITIES, MAX_TRIP_DAYS
from wardrobe.wishlist.models import NOTES_MAX, WishlistItem

#: The roles a packing list's line may have: an outfit role, or ``other`` (a garment of none).
PACKING_ROLES = frozenset(ROLES) | {"other"}


def _bool(record: dict, key: str, where: str, default: bool) -> bool:
    value = record.get(key, default)
    if not isinstance(value, bool):
        raise fault(f"{where}.{key}", _("true or false was expected."))
    return value


def _id(record: dict, where: str, seen: set) -> int:
    """The record's ``id``: a whole number, not seen before in its list (added to ``seen``)."""
    rid = _int(_get(record, "id", where), f"{where}.id")
    if rid in seen:
        raise fault(f"{where}.id", _("The same id twice."))
    seen.add(rid)
    return rid


def tags_of(document: dict) -> list[dict]:
    """The tags: ``{"name" (cleaned as a tag's name), "color" ("#rrggbb" lower case, or ""),
    "created_at"}``; a name twice (any case) is a fault."""
    out, seen = [], set()
    for i, record in enumerate(_list(document.get("tags", []), "tags")):
        where = f"tags[{i}]"
        record = _dict(record, where)
        try:
            name = tag_name_clean(_get(record, "name", where), field="name")
        except ValidationError as exc:
            raise fault(f"{where}.name", ValidationError(exc.messages))
        if name.casefold() in seen:
            raise fault(f"{where}.name", _("The same tag twice."))
        seen.add(name.casefold())
        color = _field(Tag, "color", record.get("color", ""), f"{where}.color")
        if color and not re.fullmatch(TAG_COLOR_PATTERN, color):
            raise fault(f"{where}.color", _("#rrggbb was expected."))
        created = _moment(record.get("created_at"), f"{where}.created_at", required=False)
        out.append({"name": name, "color": color.lower(), "created_at": created})
    return out


def _packing(value, where: str) -> list[dict]:
    """A trip's packing list: ``{"item_id", "role", "proposed", "packed"}``, an item once."""
    out, items = [], set()
    for k, entry in enumerate(_list(value, where)):
        ew = f"{where}[{k}]"
        entry = _dict(entry, ew)
        item_id = _int(_get(entry, "item_id", ew), f"{ew}.item_id")
        if item_id in items:
            raise fault(f"{ew}.item_id", _("The same item twice on one list."))
        items.add(item_id)
        role = _field(PackingItem, "role", _get(entry, "role", ew), f"{ew}.role")
        if role not in PACKING_ROLES:
            raise fault(f"{ew}.role", _("Unknown role."))
        out.append(
            {
                "item_id": item_id,
                "role": role,
                "proposed": _bool(entry, "proposed", ew, True),
                "packed": _bool(entry, "packed", ew, False),
            }
        )
    return out


def trips_of(document: dict) -> list[dict]:
    """The trips: ``{"id", "fields" (Trip's name, location_name, latitude, longitude, start_date,
    end_date, activities), "outfit_ids", "packing", "created_at"}``. Faults: a value the model
    refuses, a missing place, ``end_date`` before ``start_date`` or more than
    ``packing.rules.MAX_TRIP_DAYS`` days, an unknown activity, an unknown role."""
    slugs = [slug for slug, _label in ACTIVITIES]
    out, seen = [], set()
    for i, record in enumerate(_list(document.get("trips", []), "trips")):
        where = f"trips[{i}]"
        record = _dict(record, where)
        tid = _id(record, where, seen)
        fields = {
            name: _field(Trip, name, _get(record, name, where), f"{where}.{name}")
            for name in ("name", "location_name", "latitude", "longitude")
        }
        start = _day(_get(record, "start_date", where), f"{where}.start_date")
        end = _day(_get(record, "end_date", where), f"{where}.end_date")
        if end < start:
            raise fault(f"{where}.end_date", _("The trip cannot end before it starts."))
        if (end - start).days + 1 > MAX_TRIP_DAYS:
            raise fault(f"{where}.end_date", _("A trip lasts at most %(n)d days.") % {"n": MAX_TRIP_DAYS})
        activities = _list(record.get("activities", []), f"{where}.activities")
        if any(a not in slugs for a in activities):
            raise fault(f"{where}.activities", _("Unknown activity."))
        fields.update(start_date=start, end_date=end, activities=[s for s in slugs if s in activities])
        outfit_ids = [
            _int(o, f"{where}.outfit_ids[{k}]")
            for k, o in enumerate(_list(record.get("outfit_ids", []), f"{where}.outfit_ids"))
        ]
        out.append(
            {
                "id": tid,
                "fields": fields,
                "outfit_ids": list(dict.fromkeys(outfit_ids)),
                "packing": _packing(record.get("packing", []), f"{where}.packing"),
                "created_at": _moment(record.get("created_at"), f"{where}.created_at", required=False),
            }
        )
    return out


def _kind(record: dict, where: str, categories: dict, types: dict) -> tuple:
    """``(Category or None, GarmentType or None)`` of a wishlist item's slugs; a type alone gives
    its category. Faults: an unknown slug, a type of another category."""
    category = record.get("category")
    gtype = record.get("type")
    cat = typ = None
    if category is not None:
        cat = categories.get(category) if isinstance(category, str) else None
        if cat is None:
            raise fault(f"{where}.category", _("Unknown category."))
    if gtype is not None:
        typ = types.get(gtype) if isinstance(gtype, str) else None
        if typ is None:
            raise fault(f"{where}.type", _("Unknown type."))
        if cat is not None and typ.category_id != cat.pk:
            raise fault(f"{where}.type", _("The type is not a kind of the category."))
        cat = cat or typ.category
    return cat, typ


def wishlist_of(document: dict) -> list[dict]:
    """The wishlist: ``{"id", "fields" (WishlistItem's name, link, price, currency, notes, colors,
    category, type), "photo_file" (a path in ``wishlist/``, or None), "created_at",
    "updated_at"}``. Faults: a value the model refuses (a link that is not http or https, a negative
    price, an unknown currency, notes over ``NOTES_MAX`` characters), an unknown colour or kind."""
    categories = {c.slug: c for c in Category.objects.all()}
    types = {t.slug: t for t in GarmentType.objects.select_related("category")}
    out, seen = [], set()
    for i, record in enumerate(_list(document.get("wishlist", []), "wishlist")):
        where = f"wishlist[{i}]"
        record = _dict(record, where)
        wid = _id(record, where, seen)
        fields = {"name": _field(WishlistItem, "name", _get(record, "name", where), f"{where}.name")}
        for name in ("link", "currency", "notes"):
            fields[name] = _field(WishlistItem, name, record.get(name, ""), f"{where}.{name}")
        if len(fields["notes"]) > NOTES_MAX:
            raise fault(f"{where}.notes", _("At most %(n)d characters.") % {"n": NOTES_MAX})
        price = record.get("price")
        if price is not None and (isinstance(price, bool) or not isinstance(price, (str, int, float))):
            raise fault(f"{where}.price", _("A decimal number was expected."))
        fields["price"] = _field(WishlistItem, "price", price, f"{where}.price")
        fields["currency"] = fields["currency"] if fields["price"] is not None else ""
        fields["colors"] = _colors(record.get("colors", []), f"{where}.colors")
        fields["category"], fields["type"] = _kind(record, where, categories, types)
        photo = record.get("photo_file")
        if photo is not None and (not isinstance(photo, str) or not photo.startswith(schema.WISHLIST_DIR + "/")):
            raise fault(
                f"{where}.photo_file", _("A path in %(folder)s/ was expected.") % {"folder": schema.WISHLIST_DIR}
            )
        out.append(
            {
                "id": wid,
                "fields": fields,
                "photo_file": photo,
                "created_at": _moment(record.get("created_at"), f"{where}.created_at", required=False),
                "updated_at": _moment(record.get("updated_at"), f"{where}.updated_at", required=False),
            }
        )
    return out
