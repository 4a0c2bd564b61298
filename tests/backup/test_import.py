"""The import of an export zip (issue 18, point 6): the round trip through ``GET /api/me/export/`` and
``POST /api/me/import/`` into a fresh account gives the same items, pictures (the same bytes), wears,
outfits and calendar; importing twice duplicates nothing; a broken, hostile or foreign archive is a
400 with a sentence and leaves every row and media file as it was.

Alice's account is the one of ``test_export_complete.person`` (real fixture photos through the real
services: an edited mask, a drawn box, an extra photo, wears, two outfits, three calendar days)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.backup.test_export_complete import _export
from tests.conftest import api_client_for, media_files
from tests.factories import UserFactory, fixture_jpeg
from wardrobe.closet.models import BoxRequest, Garment, GarmentColor, GarmentPhoto, Photo, WearLog
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan

pytestmark = pytest.mark.django_db


def _read(field) -> bytes:
    with field.storage.open(field.name, "rb") as f:
        return f.read()


def _post(user, data: bytes, name: str = "export.zip", **extra):
    return api_client_for(user).post(
        "/api/me/import/", {"archive": SimpleUploadedFile(name, data, "application/zip")}, format="multipart", **extra
    )


def _counts() -> dict:
    from wardrobe.backup.models import ImportedObject
    from wardrobe.closet.models import Tag
    from wardrobe.packing.models import PackingItem, Trip
    from wardrobe.wishlist.models import WishlistItem

    models = (Photo, Garment, GarmentColor, GarmentPhoto, WearLog, BoxRequest, Outfit, OutfitItem, OutfitPlan)
    out = {m.__name__: m.objects.count() for m in (*models, Tag, Trip, PackingItem, WishlistItem)}
    out["ImportedObject"] = ImportedObject.objects.count()
    out["seasons"] = Garment.seasons.through.objects.count()
    out["item tags"] = Tag.garments.through.objects.count()
    out["trip outfits"] = Trip.outfits.through.objects.count()
    return out


def _closet(user) -> list[dict]:
    """Everything of ``user``'s closet that the round trip must keep, without ids, in a stable order."""
    out = []
    for g in Garment.objects.filter(owner=user).select_related("category", "type", "photo").order_by("created_at"):
        out.append(
            {
                "photo": _read(g.photo.image),
                "photo_meta": (g.photo.original_filename, g.photo.width, g.photo.height, g.photo.created_at),
                "mask": _read(g.mask),
                "cutout": _read(g.cutout),
                "model_mask": _read(g.model_mask) if g.model_mask else None,
                "model_cutout": _read(g.model_cutout) if g.model_cutout else None,
                "stain_mask": _read(g.stain_mask) if g.stain_mask else None,
                "extra_photos": [(_read(p.photo.image), p.box) for p in g.extra_photos.select_related("photo")],
                "wears": list(WearLog.objects.filter(garment=g).order_by("worn_on").values_list("worn_on", flat=True)),
                "colors": [(c.name, c.hex, c.fraction) for c in g.colors.order_by("position")],
                "seasons": g.season_list,
                **{
                    f: getattr(g, f)
                    for f in (
                        "category_id", "type_id", "score", "detector_score", "classifier_score", "x0", "y0", "x1",
                        "y1", "guesses", "mask_quality", "mask_edited", "model_box", "status", "archive_reason",
                        "archived_at", "name", "brand", "size", "material", "price", "currency", "purchase_date",
                        "notes", "picture", "laundry", "warmth_clo", "wear_count", "last_worn_on", "created_at",
                        "pattern", "sleeve", "attributes_confirmed", "attribute_scores", "stain_found", "stain_area",
                        "stain_score",
                    )
                },
            }
        )  # fmt: skip
    return out


def _outfits(user) -> list[tuple]:
    return [
        (
            o.name,
            o.occasion,
            o.source,
            o.season_list,
            o.created_at,
            [(i.garment.name, i.garment.created_at, i.x, i.y, i.width, i.z) for i in o.items.select_related("garment")],
            sorted((p.date, p.worn) for p in o.plans.all()),
        )
        for o in Outfit.objects.filter(owner=user).order_by("created_at")
    ]


def test_round_trip_into_a_fresh_account(user, person):
    BoxRequest.objects.filter(photo__owner=user).update(status="done", garment=person["coat"])
    # Issue 17's fields: attributes, the person's confirmations, a stain with its mask.
    tee = person["tee"]
    tee.stain_mask.save("stain.png", ContentFile(_read(tee.mask)), save=False)
    Garment.objects.filter(pk=tee.pk).update(
        pattern="striped",
        sleeve="short",
        attributes_confirmed=["pattern"],
        attribute_scores={"pattern": {"striped": 0.8}},
        stain_found=True,
        stain_area=0.05,
        stain_score=0.9,
        stain_mask=tee.stain_mask.name,
    )
    data, _archive, doc = _export(user)
    carol = UserFactory(username="carol")
    r = _post(carol, data)
    assert r.status_code == 201, r.content
    assert r.json() == {
        **{"photos": 4, "garments": 4, "wears": 4, "outfits": 2, "plans": 3, "settings": 1, "skipped": 0},
        **{"tags": 2, "trips": 1, "wishlist": 2},
    }
    mine, theirs = _closet(user), _closet(carol)
    assert len(mine) == len(theirs) == 4
    for a, b in zip(mine, theirs):
        assert [k for k in a if a[k] != b.get(k)] == [], a["name"]
    assert _outfits(carol) == _outfits(user)
    box = BoxRequest.objects.get(photo__owner=carol)
    mine = BoxRequest.objects.get(photo__owner=user)
    assert (box.box, box.status, box.created_at, box.garment.name) == (mine.box, "done", mine.created_at, "Wool coat")
    assert box.garment.owner == carol
    carol.refresh_from_db()
    assert (carol.profile.language, carol.profile.review_threshold, carol.profile.currency) == ("ko", 0.7, "USD")
    tee_copy = Garment.objects.get(owner=carol, name="Breton tee")
    assert (tee_copy.pattern, tee_copy.stain_found, _read(tee_copy.stain_mask)) == (
        "striped",
        True,
        _read(tee.stain_mask),
    )
    assert (carol.email, carol.first_name) == ("alice@example.org", "Alice")
    assert carol.weather_settings.location_name == "Seoul, South Korea" and carol.weather_settings.latitude == 37.5665
    # Carol's own export says the same as Alice's, but for the ids and the account.
    _data, _a, again = _export(carol)
    strip = ("id", "photo_id", "item_id", "outfit_id", "outfit_ids", "file", "updated_at")

    def _plain(value):
        if isinstance(value, dict):
            return {k: _plain(v) for k, v in value.items() if k not in strip and not k.endswith("_file")}
        if isinstance(value, list):
            return [_plain(v) for v in value]
        return value

    for key in ("photos", "items", "outfits", "plans", "tags", "trips", "wishlist"):
        assert len(again[key]) == len(doc[key])
        for new, old in zip(_plain(again[key]), _plain(doc[key])):
            assert [k for k in old if old[k] != new.get(k)] == [], key


def test_importing_twice_adds_nothing(user, person, media_root):
    data, _archive, _doc = _export(user)
    carol = UserFactory(username="carol")
    assert _post(carol, data).status_code == 201
    before, files = _counts(), media_files(media_root)
    r = _post(carol, data)
    assert r.status_code == 201
    kinds = ("photos", "garments", "wears", "outfits", "plans", "tags", "trips", "wishlist", "settings", "skipped")
    assert r.json() == dict.fromkeys(kinds, 0)
    assert _counts() == before and media_files(media_root) == files


def test_an_export_imported_back_into_its_own_account_adds_nothing(user, person, media_root):
    data, _archive, _doc = _export(user)
    before, files = _counts(), media_files(media_root)
    r = _post(user, data)
    assert r.status_code == 201
    assert r.json()["garments"] == 0 and r.json()["photos"] == 0 and r.json()["outfits"] == 0
    assert {k: v for k, v in _counts().items() if k != "ImportedObject"} == {
        k: v for k, v in before.items() if k != "ImportedObject"
    }
    assert media_files(media_root) == files


def test_a_later_export_adds_only_what_is_new(user, person):
    from tests.factories import GarmentFactory, PhotoFactory

    carol = UserFactory(username="carol")
    assert _post(carol, _export(user)[0]).status_code == 201
    GarmentFactory(
        photo=PhotoFactory(owner=user, image=fixture_jpeg("clothing_dress.jpg")), category="dress", type=None
    )
    r = _post(carol, _export(user)[0])
    assert r.status_code == 201 and r.json()["garments"] == 1 and r.json()["photos"] == 1
    assert Garment.objects.filter(owner=carol).count() == Garment.objects.filter(owner=user).count()


# --- archives that are refused --------------------------------------------------------------------


def _zip(members: dict[str, bytes], *, compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, content in members.items():
            zf.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return buf.getvalue()


def _rewritten(data: bytes, edit) -> bytes:
    """The export ``data`` with ``edit(document)`` applied to its items.json."""
    src = zipfile.ZipFile(io.BytesIO(data))
    members = {n: src.read(n) for n in src.namelist()}
    doc = json.loads(members["items.json"])
    edit(doc)
    members["items.json"] = json.dumps(doc).encode()
    return _zip(members)


def _with_member(data: bytes, name: str, content: bytes, **info) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in src.namelist():
            zf.writestr(n, src.read(n))
        zi = zipfile.ZipInfo(name)
        for k, v in info.items():
            setattr(zi, k, v)
        zf.writestr(zi, content)
    return buf.getvalue()


def _bomb(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n in src.namelist():
            zf.writestr(n, src.read(n))
        zf.writestr("photos/bomb.jpg", b"\0" * (40 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)
    assert len(buf.getvalue()) < len(data) + 200_000  # a small zip expanding to 40 MiB
    return buf.getvalue()


def _symlink(data: bytes) -> bytes:
    return _with_member(data, "photos/link.jpg", b"/etc/passwd", create_system=3, external_attr=(0o120777 << 16))


def _point_first_photo(data: bytes, name: str) -> bytes:
    return _rewritten(data, lambda d: d["photos"][0].update(file=name))


BAD = {
    "broken zip": (lambda data: data[: len(data) // 2], "not a zip archive"),
    "not a zip": (lambda data: fixture_jpeg(), "not a zip archive"),
    "zip bomb": (_bomb, "zip bomb"),
    "dot-dot path": (lambda data: _with_member(data, "../../evil.txt", b"x"), "leaves the archive"),
    "absolute path": (lambda data: _with_member(data, "/etc/evil.txt", b"x"), "leaves the archive"),
    "symlink": (_symlink, "leaves the archive"),
    "manifest path escaping": (lambda data: _point_first_photo(data, "photos/../../x.jpg"), "leaves the archive"),
    "newer schema version": (lambda data: _rewritten(data, lambda d: d.update(schema_version=99)), "newer"),
    "missing file": (lambda data: _point_first_photo(data, "photos/nope.jpg"), "not in the archive"),
    "no items.json": (lambda data: _zip({"photos/1.jpg": fixture_jpeg()}), "not an export"),
    "NaN": (lambda data: _rewritten(data, lambda d: d["items"][0].update(warmth_clo=float("nan"))), "not valid JSON"),
    "bad value": (lambda data: _rewritten(data, lambda d: d["items"][1].update(price="lots")), "items[1].price"),
    "unknown outfit item": (
        lambda data: _rewritten(data, lambda d: d["outfits"][0]["items"][0].update(item_id=987654)),
        "outfits[0].items",
    ),
    "bad trip dates": (
        lambda data: _rewritten(data, lambda d: d["trips"][0].update(end_date="2026-12-01")),
        "trips[0].end_date",
    ),
    "unknown packing item": (
        lambda data: _rewritten(data, lambda d: d["trips"][0]["packing"][0].update(item_id=987654)),
        "trips[0].packing",
    ),
    "bad wishlist link": (
        lambda data: _rewritten(data, lambda d: d["wishlist"][0].update(link="javascript:alert(1)")),
        "wishlist[0].link",
    ),
    "missing wishlist photo": (
        lambda data: _rewritten(data, lambda d: d["wishlist"][0].update(photo_file="wishlist/nope.jpg")),
        "not in the archive",
    ),
    "not an image": (
        lambda data: _rewritten(
            _with_member(data, "photos/fake.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            lambda d: d["photos"][0].update(file="photos/fake.jpg"),
        ),
        "photos/fake.jpg",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_archive_is_refused_and_nothing_is_written(user, person, media_root, case):
    data, _archive, _doc = _export(user)
    carol = UserFactory(username="carol")
    make, words = BAD[case]
    before, files = _counts(), media_files(media_root)
    r = _post(carol, make(data))
    assert r.status_code == 400, r.content
    message = " ".join(r.json()["archive"])
    assert words in message, message
    assert _counts() == before and media_files(media_root) == files
    from accounts.selectors import profile_get

    carol.refresh_from_db()
    assert carol.email == "" and profile_get(user=carol).currency == "KRW"


def test_an_archive_over_the_size_limit_is_refused(user, person, media_root, settings):
    data, _archive, _doc = _export(user)
    settings.IMPORT_MAX_BYTES = len(data) - 1
    before, files = _counts(), media_files(media_root)
    r = _post(UserFactory(username="carol"), data)
    assert r.status_code == 400
    assert "too big" in " ".join(r.json()["archive"]) and f"{len(data):,}" in " ".join(r.json()["archive"])
    assert _counts() == before and media_files(media_root) == files


def test_a_picture_over_the_file_limit_is_refused(user, person, media_root, settings):
    data, archive, _doc = _export(user)
    biggest = max(archive.infolist(), key=lambda i: i.file_size)
    settings.MAX_UPLOAD_BYTES = biggest.file_size - 1
    before, files = _counts(), media_files(media_root)
    r = _post(UserFactory(username="carol"), data)
    assert r.status_code == 400
    assert f"{biggest.filename} is too big" in " ".join(r.json()["archive"])
    assert _counts() == before and media_files(media_root) == files


def test_a_failure_while_writing_leaves_no_row_and_no_file(user, person, media_root, monkeypatch):
    from wardrobe.backup import restore

    data, _archive, _doc = _export(user)
    carol = UserFactory(username="carol")
    before, files = _counts(), media_files(media_root)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(restore, "_outfits", broken)  # after every photo and garment file was written
    with pytest.raises(OSError):
        _post(carol, data)
    assert _counts() == before and media_files(media_root) == files


def test_the_refusal_is_in_korean(user, person):
    data, _archive, _doc = _export(user)
    r = _post(UserFactory(username="carol"), data[:100], HTTP_ACCEPT_LANGUAGE="ko")
    assert r.status_code == 400
    assert "zip" in r.json()["archive"][0] and any("\uac00" <= ch <= "\ud7a3" for ch in r.json()["archive"][0])


def test_import_needs_authentication_and_is_in_the_schema(client):
    from rest_framework.test import APIClient

    assert APIClient().post("/api/me/import/", {}, format="multipart").status_code == 401
    schema = client.get("/api/schema/?format=json").json()
    post = schema["paths"]["/api/me/import/"]["post"]
    assert "201" in post["responses"] and "multipart/form-data" in post["requestBody"]["content"]
    assert "/api/me/import/csv/" in schema["paths"]


def test_an_archive_larger_than_one_photo_upload_is_taken(user, person, settings):
    """The import's upload handler keeps up to IMPORT_MAX_BYTES of the archive, not the
    MAX_UPLOAD_BYTES of one photo (which still bounds each picture inside)."""
    data, archive, _doc = _export(user)
    settings.MAX_UPLOAD_BYTES = max(i.file_size for i in archive.infolist())
    assert len(data) > 2 * settings.MAX_UPLOAD_BYTES
    r = _post(UserFactory(username="carol"), data)
    assert r.status_code == 201 and r.json()["garments"] == 4


def test_tags_of_an_item_come_back_when_the_export_names_them(user, person):
    data = _rewritten(_export(user)[0], lambda d: d["items"][0].update(tags=["work", "Favourite"]))
    carol = UserFactory(username="carol")
    assert _post(carol, data).status_code == 201
    tee = Garment.objects.get(owner=carol, name="Breton tee")
    assert sorted(t.name for t in tee.tags.all()) == ["Favourite", "Work"]  # "work": the archive's tag "Work"
    bad = _rewritten(_export(user)[0], lambda d: d["items"][0].update(tags=["a,b"]))
    r = _post(UserFactory(username="dave"), bad)
    assert r.status_code == 400 and "items[0].tags[0]" in r.json()["archive"][0]


def test_too_many_members_are_refused_from_the_end_record(user, person, media_root, monkeypatch):
    from wardrobe.backup import archive as zips

    data, archive, _doc = _export(user)
    monkeypatch.setattr(zips, "MAX_ENTRIES", len(archive.infolist()) - 1)
    opened = []
    monkeypatch.setattr(zips.zipfile, "ZipFile", lambda *a, **k: opened.append(a) or pytest.fail("read the directory"))
    before, files = _counts(), media_files(media_root)
    r = _post(UserFactory(username="carol"), data)
    assert r.status_code == 400 and f"holds {len(archive.infolist())} files" in r.json()["archive"][0]
    assert not opened and _counts() == before and media_files(media_root) == files
