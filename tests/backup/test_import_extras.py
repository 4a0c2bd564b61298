"""The import of an export's tags, trips with their packing lists and wishlist (docs/import.md): they
come back into a fresh account, tags merged by name (any case) with the account's own, the packing
lists and planned outfits pointing at the account's new rows, the wishlist photos byte for byte;
importing twice adds none of them; a malformed record is a 400 naming it, and nothing is written.

Alice's account is the one of ``test_export_complete.person``."""

from __future__ import annotations

import pytest

from tests.backup.test_export_complete import _export
from tests.backup.test_import import _counts, _post, _read, _rewritten
from tests.conftest import media_files
from tests.factories import UserFactory
from wardrobe.closet.models import Garment, Tag
from wardrobe.closet.services.tags import tag_create
from wardrobe.packing.models import Trip
from wardrobe.wishlist.models import WishlistItem

pytestmark = pytest.mark.django_db


def _trip(trip: Trip) -> tuple:
    """A trip without ids: its fields, packing list by garment name, planned outfits by name."""
    return (
        trip.name,
        trip.location_name,
        trip.latitude,
        trip.longitude,
        trip.start_date,
        trip.end_date,
        trip.activities,
        trip.created_at,
        [(p.garment.name, p.role, p.proposed, p.packed) for p in trip.items.select_related("garment").order_by("pk")],
        sorted(o.name for o in trip.outfits.all()),
    )


def _wishes(user) -> list[tuple]:
    fields = ("name", "link", "price", "currency", "category_id", "type_id", "notes", "colors", "created_at")
    return [
        (*(getattr(w, f) for f in fields), _read(w.photo) if w.photo else None)
        for w in WishlistItem.objects.filter(owner=user).order_by("created_at")
    ]


def test_tags_trips_and_the_wishlist_survive_the_round_trip_and_twice_adds_none(user, person, media_root):
    data, _archive, _doc = _export(user)
    carol = UserFactory(username="carol")
    tag_create(owner=carol, name="WORK")  # hers already, without a colour
    r = _post(carol, data)
    assert r.status_code == 201, r.content
    assert (r.json()["tags"], r.json()["trips"], r.json()["wishlist"]) == (1, 1, 2)

    # Tags: "Work" merged into her "WORK" (which takes its colour), "Stripes" created.
    assert sorted((t.name, t.color) for t in Tag.objects.filter(owner=carol)) == [
        ("Stripes", ""),
        ("WORK", "#1e90ff"),
    ]
    tags = {g.name: sorted(t.name for t in g.tags.all()) for g in Garment.objects.filter(owner=carol)}
    assert tags["Breton tee"] == ["Stripes", "WORK"] and tags["Raw denim"] == ["WORK"] and tags["Wool coat"] == []
    # The trip: the same, its lines and outfit now Carol's rows.
    (trip,) = Trip.objects.filter(owner=carol)
    assert _trip(trip) == _trip(person["trip"])
    assert {p.garment.owner_id for p in trip.items.select_related("garment")} == {carol.pk}
    assert {o.owner_id for o in trip.outfits.all()} == {carol.pk}
    # The wishlist: every field, the photo byte for byte, stored under her own folder.
    assert _wishes(carol) == _wishes(user)
    wish = WishlistItem.objects.get(owner=carol, name="Striped scarf")
    assert wish.photo.name.startswith(f"wishlist/{carol.pk}/") and wish.updated_at == person["wish"].updated_at

    before, files = _counts(), media_files(media_root)
    again = _post(carol, data)
    assert again.status_code == 201
    assert (again.json()["tags"], again.json()["trips"], again.json()["wishlist"]) == (0, 0, 0)
    assert _counts() == before and media_files(media_root) == files


def test_an_export_without_them_still_imports(user, person):
    def older(doc):
        for key in ("tags", "trips", "wishlist"):
            del doc[key]
        for item in doc["items"]:
            del item["tags"]

    r = _post(UserFactory(username="carol"), _rewritten(_export(user)[0], older))
    assert r.status_code == 201, r.content
    assert (r.json()["garments"], r.json()["tags"], r.json()["trips"], r.json()["wishlist"]) == (4, 0, 0, 0)


def _set(path: str, value):
    """An edit of items.json setting ``value`` at ``path`` (keys and list indexes)."""

    def edit(doc):
        *parents, last = path
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value

    return edit


MALFORMED = {
    "tag name with a comma": (("tags", 0, "name"), "a,b", "tags[0].name"),
    "tag colour": (("tags", 0, "color"), "blue", "tags[0].color"),
    "tags not a list": (("tags",), {"name": "x"}, "tags"),
    "trip without a place": (("trips", 0, "location_name"), "", "trips[0].location_name"),
    "trip latitude": (("trips", 0, "latitude"), 123.0, "trips[0].latitude"),
    "trip day": (("trips", 0, "start_date"), "7 December", "trips[0].start_date"),
    "trip activity": (("trips", 0, "activities"), ["skydiving"], "trips[0].activities"),
    "trip outfit": (("trips", 0, "outfit_ids"), [987654], "trips[0].outfit_ids"),
    "packing role": (("trips", 0, "packing", 0, "role"), "hat", "trips[0].packing[0].role"),
    "packing packed": (("trips", 0, "packing", 0, "packed"), "yes", "trips[0].packing[0].packed"),
    "wish without a name": (("wishlist", 0, "name"), None, "wishlist[0].name"),
    "wish price": (("wishlist", 0, "price"), "-3", "wishlist[0].price"),
    "wish currency": (("wishlist", 0, "currency"), "XYZ", "wishlist[0].currency"),
    "wish kind": (("wishlist", 0, "category"), "pants", "wishlist[0].type"),
    "wish photo outside its folder": (("wishlist", 0, "photo_file"), "photos/1.jpg", "wishlist[0].photo_file"),
    "wish id twice": (("wishlist", 1, "id"), "same", "wishlist[1].id"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_tag_trip_or_wish_is_refused_and_nothing_is_written(user, person, media_root, case):
    path, value, where = MALFORMED[case]
    data, _archive, doc = _export(user)
    if value == "same":
        value = doc["wishlist"][0]["id"]
    carol = UserFactory(username="carol")
    before, files = _counts(), media_files(media_root)
    r = _post(carol, _rewritten(data, _set(path, value)))
    assert r.status_code == 400, r.content
    message = r.json()["archive"][0]
    assert f"items.json is not valid at {where}:" in message, message
    assert _counts() == before and media_files(media_root) == files
