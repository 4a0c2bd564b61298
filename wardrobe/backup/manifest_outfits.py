"""Reading an export's outfits and calendar (``items.json``'s ``outfits`` and ``plans``): checked as
:mod:`wardrobe.backup.manifest` checks the rest (the models' own rules, every value's type), the
references between them resolved by ``importing``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wardrobe.backup.manifest import _day, _dict, _field, _get, _int, _list, _moment, _seasons, fault
from wardrobe.outfits.models import Outfit, OutfitItem


def outfits_of(document: dict) -> list[dict]:
    """The outfits: ``{"id", "fields", "seasons", "items": [{"item_id", "x", "y", "width", "z"}],
    "created_at", "updated_at"}``."""
    out, seen = [], set()
    for i, record in enumerate(_list(document.get("outfits", []), "outfits")):
        where = f"outfits[{i}]"
        record = _dict(record, where)
        oid = _int(_get(record, "id", where), f"{where}.id")
        if oid in seen:
            raise fault(f"{where}.id", _("The same id twice."))
        seen.add(oid)
        fields = {
            name: _field(Outfit, name, record.get(name, default), f"{where}.{name}")
            for name, default in (("name", ""), ("occasion", ""), ("source", "builder"), ("explanation", ""))
        }
        layout = []
        for k, entry in enumerate(_list(record.get("items", []), f"{where}.items")):
            ew = f"{where}.items[{k}]"
            entry = _dict(entry, ew)
            layout.append(
                {
                    "item_id": _int(_get(entry, "item_id", ew), f"{ew}.item_id"),
                    **{
                        n: _field(OutfitItem, n, entry.get(n, d), f"{ew}.{n}")
                        for n, d in (("x", 0.5), ("y", 0.5), ("width", 0.4))
                    },
                    "z": _int(entry.get("z", 0), f"{ew}.z"),
                }
            )
        out.append(
            {
                "id": oid,
                "fields": fields,
                "seasons": _seasons(record.get("seasons", []), f"{where}.seasons"),
                "items": layout,
                "created_at": _moment(record.get("created_at"), f"{where}.created_at", required=False),
                "updated_at": _moment(record.get("updated_at"), f"{where}.updated_at", required=False),
            }
        )
    return out


def plans_of(document: dict) -> list[dict]:
    """The calendar: ``{"id", "outfit_id", "date", "worn", "created_at"}``."""
    out, seen = [], set()
    for i, record in enumerate(_list(document.get("plans", []), "plans")):
        where = f"plans[{i}]"
        record = _dict(record, where)
        if _get(record, "id", where) in seen:
            raise fault(f"{where}.id", _("The same id twice."))
        seen.add(record["id"])
        worn = record.get("worn", False)
        if not isinstance(worn, bool):
            raise fault(f"{where}.worn", _("true or false was expected."))
        out.append(
            {
                "id": _int(_get(record, "id", where), f"{where}.id"),
                "outfit_id": _int(_get(record, "outfit_id", where), f"{where}.outfit_id"),
                "date": _day(_get(record, "date", where), f"{where}.date"),
                "worn": worn,
                "created_at": _moment(record.get("created_at"), f"{where}.created_at", required=False),
            }
        )
    return out
