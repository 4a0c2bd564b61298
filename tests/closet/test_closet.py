"""Closet services and selectors on the real PostgreSQL: review/confirm/reject, archive, wear log,
laundry, garment and profile edits, the closet filters and sorts, and a query-count bound for a
closet page of thousands of garments. No vision here (garments are written through garment_create)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts import services as account_services
from accounts.models import Profile
from accounts.selectors import profile_get
from tests.conftest import media_files
from vision.contract import Colour, GarmentInstance, Guess
from vocabulary.palette import PALETTE, hex_of
from wardrobe.closet import selectors, services
from wardrobe.closet.models import Category, Garment, GarmentColor, GarmentType, Photo, WearLog

pytestmark = pytest.mark.django_db

CLOSET, REVIEW, ARCHIVED = Garment.Status.CLOSET, Garment.Status.REVIEW, Garment.Status.ARCHIVED


# --- helpers --------------------------------------------------------------------------------------


def _photo(owner, width: int = 64, height: int = 48) -> Photo:
    """A processed photo row (no image file: these tests never read it)."""
    return Photo.objects.create(
        owner=owner,
        image=f"photos/{owner.pk}/none.jpg",
        original_filename="x.jpg",
        width=width,
        height=height,
        status=Photo.Status.DONE,
    )


def _color(name: str, fraction: float = 0.5) -> dict:
    rgb = PALETTE[name]
    return {"rgb": list(rgb), "hex": hex_of(name), "name": name, "fraction": fraction}


def _garment(
    photo,
    category: str = "shirt-blouse",
    type: str | None = "shirt",
    *,
    score: float = 0.9,
    colors=("navy",),
    guesses=None,
    status=CLOSET,
    **fields,
) -> Garment:
    """A garment through the service (real mask and cutout files), then ``fields`` set directly."""
    mask = np.zeros((photo.height, photo.width), dtype=bool)
    mask[4:20, 6:30] = True
    instance = GarmentInstance(
        box=(6, 4, 30, 20),
        mask=mask,
        category=category,
        type=type,
        score=score,
        cutout=Image.new("RGBA", (24, 16), (9, 9, 9, 255)),
        colors=[Colour(name=c, rgb=PALETTE[c], hex=hex_of(c), fraction=0.5) for c in colors],
        guesses=[Guess(**g) for g in guesses or []],
    )
    g = services.garment_create(photo=photo, instance=instance, status=status)
    if fields:
        Garment.objects.filter(pk=g.pk).update(**fields)
        g.refresh_from_db()
    return g


def _row(garment: Garment) -> dict:
    """Every column of the garment as stored now, with its colour and season rows."""
    row = Garment.objects.filter(pk=garment.pk).values().get()
    row["colors"] = list(
        GarmentColor.objects.filter(garment=garment).order_by("position").values_list("name", "hex", "fraction")
    )
    row["seasons"] = sorted(garment.seasons.values_list("slug", flat=True))
    return row


def _ids(qs) -> list[int]:
    return [g.pk for g in qs]


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def shelf(user):
    return _photo(user)


# --- garment_create / process_photo: review status and guesses -----------------------------------


def test_garment_create_keeps_colour_names_guesses_and_status(shelf):
    guesses = [
        {"category": "shirt-blouse", "type": "shirt", "score": np.float32(0.61)},
        {"category": "shirt-blouse", "type": "blouse", "score": 0.2},
    ]
    g = _garment(shelf, colors=("navy", "light blue", "navy"), guesses=guesses, status=REVIEW)
    g.refresh_from_db()
    assert g.status == REVIEW and g.laundry == "clean" and g.wear_count == 0 and g.last_worn_on is None
    assert g.color_name_list == ["navy", "light blue"]
    assert g.guesses[0] == {"category": "shirt-blouse", "type": "shirt", "score": pytest.approx(0.61)}
    assert isinstance(g.guesses[0]["score"], float) and len(g.guesses) == 2


def _fake_instance(photo, category, type, score, guesses=None):
    mask = np.zeros((photo.height, photo.width), dtype=bool)
    mask[10:40, 10:40] = True
    return GarmentInstance(
        category=category,
        type=type,
        score=score,
        detector_score=score,
        classifier_score=score,
        box=(10, 10, 40, 40),
        mask=mask,
        cutout=Image.new("RGBA", (30, 30)),
        colors=[],
        guesses=[Guess(**g) for g in guesses or [{"category": category, "type": type, "score": score}]],
    )


@pytest.mark.parametrize(
    "threshold, expected",
    [
        (0.0, [CLOSET, CLOSET, CLOSET]),
        (0.75, [REVIEW, CLOSET, CLOSET]),  # a score equal to the threshold is filed
        (0.8, [REVIEW, REVIEW, CLOSET]),
        (1.0, [REVIEW, REVIEW, REVIEW]),  # 1 sends everything to review, even a perfect score
    ],
)
def test_process_photo_files_by_the_owners_review_threshold(photo, threshold, expected):
    account_services.profile_update(user=photo.owner, review_threshold=threshold)
    scores = {"pants": 0.5, "shoe": 0.75, "hat": 1.0}
    guesses = [{"category": "pants", "type": "jeans", "score": 0.5}, {"category": "skirt", "type": None, "score": 0.3}]

    def pipeline(image):
        return [
            _fake_instance(photo, "pants", "jeans", 0.5, guesses),
            _fake_instance(photo, "shoe", "boots", 0.75),
            _fake_instance(photo, "hat", None, 1.0),
        ]

    assert services.process_photo(photo.pk, pipeline).status == Photo.Status.DONE
    by_cat = {g.category.slug: g for g in Garment.objects.filter(photo=photo).select_related("category")}
    assert [by_cat[c].status for c in scores] == expected
    assert by_cat["pants"].guesses == guesses
    assert selectors.review_count(user=photo.owner) == expected.count(REVIEW)


def test_process_photo_uses_the_default_threshold_without_a_profile(photo, settings):
    assert not Profile.objects.filter(user=photo.owner).exists()
    services.process_photo(
        photo.pk, lambda image: [_fake_instance(photo, "pants", None, 0.74), _fake_instance(photo, "shoe", None, 0.76)]
    )
    assert settings.REVIEW_THRESHOLD == 0.75
    statuses = dict(Garment.objects.filter(photo=photo).values_list("category__slug", "status"))
    assert statuses == {"pants": REVIEW, "shoe": CLOSET}


# --- confirm / reject / confirm all ---------------------------------------------------------------


def test_confirm_as_it_is(shelf):
    g = _garment(shelf, status=REVIEW)
    services.garment_confirm(garment=g)
    g.refresh_from_db()
    assert g.status == CLOSET and g.category.slug == "shirt-blouse" and g.type.slug == "shirt"


def test_confirm_with_another_guess_moves_category_and_type(shelf):
    guesses = [
        {"category": "shirt-blouse", "type": "shirt", "score": 0.5},
        {"category": "top-t-shirt-sweatshirt", "type": "t-shirt", "score": 0.3},
        {"category": "umbrella", "type": None, "score": 0.1},
    ]
    g = _garment(shelf, guesses=guesses, status=REVIEW)
    services.garment_confirm(garment=g, category=guesses[1]["category"], type=guesses[1]["type"])
    g.refresh_from_db()
    assert (g.status, g.category.slug, g.type.slug) == (CLOSET, "top-t-shirt-sweatshirt", "t-shirt")

    h = _garment(shelf, guesses=guesses, status=REVIEW)
    services.garment_confirm(garment=h, category="umbrella", type=None)
    h.refresh_from_db()
    assert (h.status, h.category.slug, h.type) == (CLOSET, "umbrella", None)


def test_confirm_with_only_a_type_takes_its_category(shelf):
    g = _garment(shelf, status=REVIEW)
    services.garment_confirm(garment=g, type="jeans")
    g.refresh_from_db()
    assert (g.status, g.category.slug, g.type.slug) == (CLOSET, "pants", "jeans")


@pytest.mark.parametrize(
    "kwargs",
    [{"category": "no-such"}, {"type": "no-such"}, {"category": "pants", "type": "sneakers"}, {"category": ""}],
)
def test_confirm_with_bad_slugs_changes_nothing(shelf, kwargs):
    g = _garment(shelf, status=REVIEW)
    before = _row(g)
    with pytest.raises(ValidationError):
        services.garment_confirm(garment=g, **kwargs)
    assert _row(g) == before
    assert g.status == REVIEW and g.category.slug == "shirt-blouse"  # the instance is reloaded


def test_confirm_leaves_an_archived_garment_archived(shelf):
    g = _garment(shelf)
    services.garment_archive(garment=g, reason="sold")
    services.garment_confirm(garment=g, type="blouse")
    g.refresh_from_db()
    assert g.status == ARCHIVED and g.type.slug == "blouse"


def test_reject_deletes_the_row_and_its_files_after_commit(shelf, media_root, django_capture_on_commit_callbacks):
    g = _garment(shelf, status=REVIEW)
    keep = _garment(shelf, status=REVIEW)
    pk, mask_path, cutout_path = g.pk, g.mask.path, g.cutout.path
    assert len(media_files(media_root)) == 4
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.garment_reject(garment=g)
    assert not Garment.objects.filter(pk=pk).exists()
    assert Path(mask_path).exists() and Path(cutout_path).exists()  # not before the commit
    assert callbacks
    for callback in callbacks:
        callback()
    assert not Path(mask_path).exists() and not Path(cutout_path).exists()
    assert sorted(media_files(media_root)) == sorted([Path(keep.mask.path), Path(keep.cutout.path)])
    assert Garment.objects.filter(pk=keep.pk, status=REVIEW).exists()


def test_reject_rolled_back_keeps_row_and_files(shelf, media_root, django_capture_on_commit_callbacks):
    g = _garment(shelf, status=REVIEW)
    pk = g.pk
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.garment_reject(garment=g)
                raise RuntimeError("abort")
    assert callbacks == []
    assert Garment.objects.filter(pk=pk).exists() and len(media_files(media_root)) == 2


def test_reject_also_deletes_wear_logs(shelf):
    g = _garment(shelf)
    services.garments_wear(garments=[g], on=_today())
    services.garment_reject(garment=g)
    assert not WearLog.objects.exists()


def test_photo_confirm_all_only_touches_that_photos_review_garments(user, shelf):
    other_photo = _photo(user)
    a = _garment(shelf, "pants", "jeans", status=REVIEW)
    b = _garment(shelf, "shoe", "boots", status=REVIEW)
    c = _garment(shelf, "hat", None)
    d = _garment(shelf, "belt", None)
    services.garment_archive(garment=d, reason="lost")
    e = _garment(other_photo, status=REVIEW)
    assert services.photo_confirm_all(photo=shelf) == 2
    status = dict(Garment.objects.values_list("pk", "status"))
    assert status == {a.pk: CLOSET, b.pk: CLOSET, c.pk: CLOSET, d.pk: ARCHIVED, e.pk: REVIEW}
    assert Garment.objects.get(pk=a.pk).type.slug == "jeans"  # as it is
    assert services.photo_confirm_all(photo=shelf) == 0


# --- archive --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["sold", "donated", "lost"])
def test_archive_reasons(shelf, reason):
    g = _garment(shelf)
    services.garment_archive(garment=g, reason=reason)
    g.refresh_from_db()
    assert g.status == ARCHIVED and g.archive_reason == reason and g.archived_at is not None
    assert _ids(selectors.garment_list(user=shelf.owner, filters={"state": "closet"})) == []
    assert _ids(selectors.garment_list(user=shelf.owner, filters={"state": "clean"})) == []
    assert _ids(selectors.garment_list(user=shelf.owner, filters={"state": "archived"})) == [g.pk]
    assert _ids(selectors.garment_list(user=shelf.owner)) == [g.pk]


@pytest.mark.parametrize("reason", ["", "stolen", None, "SOLD"])
def test_archive_rejects_other_reasons(shelf, reason):
    g = _garment(shelf)
    before = _row(g)
    with pytest.raises(ValidationError) as exc:
        services.garment_archive(garment=g, reason=reason)
    assert "reason" in exc.value.message_dict
    assert _row(g) == before


def test_archive_refuses_a_garment_in_review(shelf):
    g = _garment(shelf, status=REVIEW)
    with pytest.raises(ValidationError):
        services.garment_archive(garment=g, reason="sold")
    assert _row(g)["status"] == REVIEW and _row(g)["archive_reason"] == ""


def test_unarchive(shelf):
    g = _garment(shelf)
    services.garment_archive(garment=g, reason="donated")
    services.garment_unarchive(garment=g)
    g.refresh_from_db()
    assert g.status == CLOSET and g.archive_reason == "" and g.archived_at is None
    assert _ids(selectors.garment_list(user=shelf.owner, filters={"state": "closet"})) == [g.pk]
    assert _ids(selectors.garment_list(user=shelf.owner, filters={"state": "archived"})) == []


def test_unarchive_is_a_no_op_for_others(shelf):
    review = _garment(shelf, status=REVIEW)
    closet = _garment(shelf)
    before = (_row(review), _row(closet))
    services.garment_unarchive(garment=review)
    services.garment_unarchive(garment=closet)
    assert (_row(review), _row(closet)) == before


# --- wear log -------------------------------------------------------------------------------------


def test_wear_is_idempotent_per_day(shelf):
    g = _garment(shelf)
    today = _today()
    assert services.garments_wear(garments=[g]) == 1
    assert (g.wear_count, g.last_worn_on) == (1, today)  # the instance is refreshed
    assert services.garments_wear(garments=[g], on=today) == 0
    g.refresh_from_db()
    assert (g.wear_count, g.last_worn_on) == (1, today)
    assert WearLog.objects.filter(garment=g).count() == 1


def test_wear_the_same_garment_twice_in_one_call_counts_once(shelf):
    g = _garment(shelf)
    assert services.garments_wear(garments=[g, g], on=_today()) == 1
    g.refresh_from_db()
    assert g.wear_count == 1 and WearLog.objects.count() == 1


def test_wear_count_and_last_worn_through_wear_and_unwear(shelf):
    g = _garment(shelf)
    today = _today()
    d1, d2, d3 = today - dt.timedelta(days=10), today - dt.timedelta(days=3), today
    services.garments_wear(garments=[g], on=d2)
    services.garments_wear(garments=[g], on=d3)
    services.garments_wear(garments=[g], on=d1)  # logging an older day keeps the latest one
    g.refresh_from_db()
    assert (g.wear_count, g.last_worn_on) == (3, d3)

    assert services.garment_unwear(garment=g, on=d3) is True
    assert (g.wear_count, g.last_worn_on) == (2, d2)
    assert services.garment_unwear(garment=g, on=d3) is False  # nothing left that day
    assert services.garment_unwear(garment=g, on=today - dt.timedelta(days=100)) is False
    assert (g.wear_count, g.last_worn_on) == (2, d2)
    services.garment_unwear(garment=g, on=d1)
    services.garment_unwear(garment=g, on=d2)
    g.refresh_from_db()
    assert (g.wear_count, g.last_worn_on) == (0, None) and not WearLog.objects.exists()


def test_wear_several_garments_at_once(user, shelf):
    a, b, c = _garment(shelf), _garment(shelf, "pants", "jeans"), _garment(shelf, "shoe", "boots")
    day = _today() - dt.timedelta(days=1)
    services.garments_wear(garments=[a], on=day)
    assert services.garments_wear(garments=Garment.objects.filter(pk__in=[a.pk, b.pk, c.pk]), on=day) == 2
    assert dict(Garment.objects.values_list("pk", "wear_count")) == {a.pk: 1, b.pk: 1, c.pk: 1}
    assert set(WearLog.objects.values_list("owner_id", flat=True)) == {user.pk}


def test_wear_in_the_future_is_rejected(shelf):
    g = _garment(shelf)
    with pytest.raises(ValidationError) as exc:
        services.garments_wear(garments=[g], on=_today() + dt.timedelta(days=1))
    assert "date" in exc.value.message_dict
    assert not WearLog.objects.exists() and _row(g)["wear_count"] == 0


@pytest.mark.parametrize("status", [REVIEW, ARCHIVED])
def test_only_closet_garments_can_be_worn(shelf, status):
    ok = _garment(shelf)
    blocked = _garment(shelf, "pants", "jeans", status=REVIEW)
    if status == ARCHIVED:
        services.garment_confirm(garment=blocked)
        services.garment_archive(garment=blocked, reason="sold")
    with pytest.raises(ValidationError) as exc:
        services.garments_wear(garments=[ok, blocked], on=_today())
    assert exc.value.code == "invalid_state"
    assert not WearLog.objects.exists()  # not even the allowed one
    assert Garment.objects.filter(wear_count__gt=0).count() == 0


def test_wear_empty_selection(shelf):
    assert services.garments_wear(garments=[], on=_today()) == 0


def test_wear_list(user, other_user, shelf):
    a, b = _garment(shelf), _garment(shelf, "pants", "jeans")
    theirs = _garment(_photo(other_user))
    today = _today()
    services.garments_wear(garments=[a, b], on=today - dt.timedelta(days=2))
    services.garments_wear(garments=[a], on=today)
    services.garments_wear(garments=[theirs], on=today)
    log = list(selectors.wear_list(user=user))
    assert [w.worn_on for w in log] == [today, today - dt.timedelta(days=2), today - dt.timedelta(days=2)]
    assert all(w.garment.owner_id == user.pk for w in log)
    assert [w.worn_on for w in selectors.wear_list(user=user, garment_id=b.pk)] == [today - dt.timedelta(days=2)]
    assert list(selectors.wear_list(user=user, garment_id=theirs.pk)) == []


def test_cost_per_wear(shelf):
    g = _garment(shelf)
    assert g.cost_per_wear is None
    services.garment_update(garment=g, price=Decimal("100"), currency="USD")
    assert g.cost_per_wear == Decimal("100.00")  # never worn: the full price
    today = _today()
    for days in range(3):
        services.garments_wear(garments=[g], on=today - dt.timedelta(days=days))
    g.refresh_from_db()
    assert g.wear_count == 3 and g.cost_per_wear == Decimal("33.33")
    services.garment_update(garment=g, price=Decimal("0"))
    assert g.cost_per_wear == Decimal("0.00")


# --- laundry --------------------------------------------------------------------------------------


def test_set_laundry_and_the_laundry_states(user, shelf):
    a, b, c = _garment(shelf), _garment(shelf, "pants", "jeans"), _garment(shelf, "shoe", "boots")
    review = _garment(shelf, "hat", None, status=REVIEW)
    assert services.garments_set_laundry(garments=[a, b, review], laundry="wash") == 3
    assert set(_ids(selectors.garment_list(user=user, filters={"state": "wash"}))) == {a.pk, b.pk}  # the closet's only
    assert _ids(selectors.garment_list(user=user, filters={"state": "clean"})) == [c.pk]
    assert set(_ids(selectors.garment_list(user=user, filters={"state": "closet"}))) == {a.pk, b.pk, c.pk}
    services.garment_archive(garment=c, reason="sold")
    assert _ids(selectors.garment_list(user=user, filters={"state": "clean"})) == []
    assert services.garments_set_laundry(garments=Garment.objects.filter(pk=a.pk), laundry="clean") == 1
    assert _ids(selectors.garment_list(user=user, filters={"state": "wash"})) == [b.pk]


@pytest.mark.parametrize("laundry", ["dirty", "", None])
def test_set_laundry_rejects_other_states(shelf, laundry):
    g = _garment(shelf)
    with pytest.raises(ValidationError):
        services.garments_set_laundry(garments=[g], laundry=laundry)
    assert _row(g)["laundry"] == "clean"


# --- garment_update -------------------------------------------------------------------------------


def test_update_the_descriptive_fields(shelf):
    g = _garment(shelf)
    services.garment_update(
        garment=g,
        name="Blue oxford",
        brand="Uniqlo",
        size="M",
        material="cotton",
        price=Decimal("39.90"),
        currency="EUR",
        purchase_date=dt.date(2024, 5, 1),
        notes="Needs a button",
        picture="photo",
        laundry="wash",
    )
    row = _row(g)
    assert {
        k: row[k]
        for k in (
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
        )
    } == {
        "name": "Blue oxford",
        "brand": "Uniqlo",
        "size": "M",
        "material": "cotton",
        "price": Decimal("39.90"),
        "currency": "EUR",
        "purchase_date": dt.date(2024, 5, 1),
        "notes": "Needs a button",
        "picture": "photo",
        "laundry": "wash",
    }
    assert g.label == "Blue oxford"
    services.garment_update(garment=g, name=None, price=None, purchase_date=None)
    row = _row(g)
    assert (row["name"], row["price"], row["purchase_date"], row["brand"]) == ("", None, None, "Uniqlo")
    assert g.label == "Shirt"


def test_update_price_as_text_is_stored_as_a_decimal(shelf):
    g = _garment(shelf)
    services.garment_update(garment=g, price="12.5", currency="USD")
    assert _row(g)["price"] == Decimal("12.50")


def test_update_price_without_currency_takes_the_profiles(user, shelf):
    g = _garment(shelf)
    services.garment_update(garment=g, price=Decimal("15000"))
    assert _row(g)["currency"] == "KRW"
    account_services.profile_update(user=user, currency="GBP")
    h = _garment(shelf)
    services.garment_update(garment=h, price=Decimal("20"))
    assert _row(h)["currency"] == "GBP"
    services.garment_update(garment=h, price=Decimal("25"), currency="JPY")
    assert (_row(h)["price"], _row(h)["currency"]) == (Decimal("25"), "JPY")


def test_update_colours_keep_detected_shares(shelf):
    g = _garment(shelf, colors=("navy", "white"))
    services.garment_update(garment=g, colors=["white", "light blue", "white"])
    g.refresh_from_db()
    assert g.color_name_list == ["white", "light blue"]
    assert g.color_list[0].as_dict() == _color("white")  # the detected entry, with its share
    assert g.color_list[1].as_dict() == {
        "rgb": list(PALETTE["light blue"]),
        "hex": hex_of("light blue"),
        "name": "light blue",
        "fraction": 0.0,
    }
    services.garment_update(garment=g, colors=[])
    g.refresh_from_db()
    assert g.color_list == [] and not GarmentColor.objects.filter(garment=g).exists()


def test_update_seasons_in_canonical_order(shelf):
    g = _garment(shelf)
    services.garment_update(garment=g, seasons=["winter", "spring", "winter"])
    g.refresh_from_db()
    assert g.season_list == ["spring", "winter"]
    assert set(Garment.objects.filter(seasons="winter").values_list("pk", flat=True)) == {g.pk}  # a real relation
    services.garment_update(garment=g, seasons=[])
    assert g.season_list == [] and not g.seasons.exists()


def test_update_category_only_clears_a_type_of_another_category(shelf):
    g = _garment(shelf, "pants", "jeans")
    services.garment_update(garment=g, category="shorts")
    row = _row(g)
    assert row["category_id"] == Category.objects.get(slug="shorts").pk and row["type_id"] is None
    services.garment_update(garment=g, type="shorts")
    assert _row(g)["type_id"] == GarmentType.objects.get(slug="shorts").pk
    services.garment_update(garment=g, category="shorts")  # same category: the type stays
    assert _row(g)["type_id"] == GarmentType.objects.get(slug="shorts").pk
    services.garment_update(garment=g, type=None)
    assert _row(g)["type_id"] is None and _row(g)["category_id"] == Category.objects.get(slug="shorts").pk


def test_update_type_moves_the_garment_to_its_category(shelf):
    g = _garment(shelf, "pants", "jeans")
    services.garment_update(garment=g, type="sneakers")
    g.refresh_from_db()
    assert (g.category.slug, g.type.slug, g.section.slug) == ("shoe", "sneakers", "shoes")


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "usd", "price": Decimal("1")}, "currency"),
        ({"price": Decimal("-0.01"), "currency": "USD"}, "price"),
        ({"price": "cheap", "currency": "USD"}, "price"),
        ({"price": Decimal("12345678901.00"), "currency": "USD"}, "price"),  # 11 digits before the point
        ({"colors": ["navy", "octarine"]}, "colors"),
        ({"seasons": ["summer", "monsoon"]}, "seasons"),
        ({"category": "pants", "type": "sneakers"}, "type"),
        ({"type": "no-such-type"}, "type"),
        ({"category": "no-such-category"}, "category"),
        ({"category": None}, "category"),
        ({"picture": "drawing"}, "picture"),
        ({"laundry": "dirty"}, "laundry"),
        ({"name": "x" * 121}, "name"),
        ({"purchase_date": "yesterday"}, "purchase_date"),
        ({"wear_count": 5}, "wear_count"),
        ({"status": "archived"}, "status"),
        ({"owner": None}, "owner"),
        ({"colors_json": ["red"]}, "colors_json"),
    ],
)
def test_update_validation_leaves_the_row_unchanged(shelf, kwargs, field):
    g = _garment(shelf, colors=("navy",))
    services.garment_update(garment=g, name="Kept", price=Decimal("10"), currency="USD", seasons=["summer"])
    before = _row(g)
    # A valid change given together with the bad one must not be saved either.
    with pytest.raises(ValidationError) as exc:
        services.garment_update(garment=g, brand="Changed", **kwargs)
    assert field in exc.value.message_dict
    assert _row(g) == before
    # The instance is back to the stored values, so a later save cannot write the rejected ones.
    assert (g.brand, g.name, g.currency, g.category.slug, g.type.slug) == ("", "Kept", "USD", "shirt-blouse", "shirt")
    assert g.color_name_list == ["navy"] and g.season_list == ["summer"] and g.price == Decimal("10")


# --- profile_update -------------------------------------------------------------------------------


def test_profile_defaults_and_update(user, settings):
    profile = profile_get(user=user)
    assert (profile.language, profile.review_threshold, profile.currency) == ("", settings.REVIEW_THRESHOLD, "KRW")
    account_services.profile_update(user=user, language="ko", review_threshold=0.5, currency="EUR")
    stored = Profile.objects.get(user=user)
    assert (stored.language, stored.review_threshold, stored.currency) == ("ko", 0.5, "EUR")
    account_services.profile_update(user=user, language="", review_threshold=0)
    stored.refresh_from_db()
    assert (stored.language, stored.review_threshold, stored.currency) == ("", 0.0, "EUR")
    account_services.profile_update(user=user, review_threshold=1)
    assert Profile.objects.get(user=user).review_threshold == 1.0


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"review_threshold": 1.01}, "review_threshold"),
        ({"review_threshold": -0.1}, "review_threshold"),
        ({"review_threshold": "high"}, "review_threshold"),
        ({"review_threshold": None}, "review_threshold"),
        ({"language": "fr"}, "language"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"theme": "dark"}, "theme"),
    ],
)
def test_profile_update_validation_saves_nothing(user, kwargs, field):
    account_services.profile_update(user=user, language="en", review_threshold=0.6, currency="USD")
    with pytest.raises(ValidationError) as exc:
        account_services.profile_update(user=user, **{"language": "ko", **kwargs})
    assert field in exc.value.message_dict
    stored = Profile.objects.get(user=user)
    assert (stored.language, stored.review_threshold, stored.currency) == ("en", 0.6, "USD")
    cached = profile_get(user=user)  # the cached instance was reloaded too
    assert (cached.language, cached.review_threshold, cached.currency) == ("en", 0.6, "USD")


# --- selectors ------------------------------------------------------------------------------------


@pytest.fixture
def closet(user, other_user):
    """A small closet: four photos' worth of garments in various states, plus someone else's."""
    p1, p2 = _photo(user), _photo(user)
    g = SimpleNamespace(
        shirt=_garment(p1, "shirt-blouse", "shirt", colors=("light blue", "white")),
        jeans=_garment(p1, "pants", "jeans", colors=("denim",)),
        boots=_garment(p1, "shoe", "boots", colors=("brown",)),
        tee=_garment(p2, "top-t-shirt-sweatshirt", "t-shirt", colors=("blue", "white")),
        coat=_garment(p2, "coat", "coat", colors=("camel",)),
        hat=_garment(p2, "hat", None, colors=("black",), status=REVIEW, score=0.4),
        bag=_garment(p2, "bag-wallet", "bag", colors=("black",), status=REVIEW, score=0.6),
        old=_garment(p2, "skirt", "skirt", colors=("red",)),
    )
    services.garment_update(garment=g.shirt, name="Oxford shirt", brand="Uniqlo", seasons=["spring", "summer"])
    services.garment_update(
        garment=g.jeans,
        name="501",
        brand="Levi's",
        notes="Hem taken up at the Uniqlo store",
        seasons=["spring", "autumn", "winter"],
        laundry="wash",
    )
    services.garment_update(garment=g.tee, brand="COS", material="Uniqlo-like cotton", seasons=["summer"])
    services.garment_update(garment=g.coat, name="Camel coat", seasons=["winter"])
    services.garment_archive(garment=g.old, reason="donated")
    g.theirs = _garment(
        _photo(other_user), "shirt-blouse", "shirt", colors=("light blue",), name="Oxford shirt", brand="Uniqlo"
    )
    services.garment_update(garment=g.theirs, seasons=["spring"])
    g.p1, g.p2 = p1, p2
    return g


@pytest.mark.parametrize(
    "state, expected",
    [
        ("closet", {"shirt", "jeans", "boots", "tee", "coat"}),
        ("clean", {"shirt", "boots", "tee", "coat"}),
        ("wash", {"jeans"}),
        ("archived", {"old"}),
        ("review", {"hat", "bag"}),
        ("all", {"shirt", "jeans", "boots", "tee", "coat", "hat", "bag", "old"}),
        (None, {"shirt", "jeans", "boots", "tee", "coat", "hat", "bag", "old"}),
    ],
)
def test_garment_list_states(user, closet, state, expected):
    names = {v.pk: k for k, v in vars(closet).items() if isinstance(v, Garment)}
    assert {names[pk] for pk in _ids(selectors.garment_list(user=user, filters={"state": state}))} == expected


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"color": "white"}, {"shirt", "tee"}),
        ({"color": "blue"}, {"tee"}),  # not "light blue"
        ({"color": "light blue"}, {"shirt"}),
        ({"color": "black"}, {"hat", "bag"}),
        ({"color": "mint"}, set()),  # a colour nobody's garment has
        ({"season": "spring"}, {"shirt", "jeans"}),
        ({"season": "winter"}, {"jeans", "coat"}),
        ({"season": "summer", "state": "closet"}, {"shirt", "tee"}),
        ({"q": "uniqlo"}, {"shirt", "jeans"}),  # brand, notes; not material
        ({"q": "UNIQLO oxford"}, {"shirt"}),  # every word must appear
        ({"q": "  coat  "}, {"coat"}),
        ({"q": "501 store"}, {"jeans"}),  # name + notes
        ({"q": "cotton"}, set()),
        ({"q": ""}, {"shirt", "jeans", "boots", "tee", "coat", "hat", "bag", "old"}),
        ({"type": "jeans"}, {"jeans"}),
        ({"type": "shirt"}, {"shirt"}),
        ({"category": "shoe"}, {"boots"}),
        ({"section": "tops"}, {"shirt", "tee"}),
        ({"section": "outerwear", "state": "closet"}, {"coat"}),
        ({"section": "bottoms", "state": "clean"}, set()),
        ({"section": "bottoms", "state": "archived"}, {"old"}),
        ({"color": "white", "season": "summer", "q": "cos"}, {"tee"}),
    ],
)
def test_garment_list_filters(user, closet, filters, expected):
    names = {v.pk: k for k, v in vars(closet).items() if isinstance(v, Garment)}
    assert {names[pk] for pk in _ids(selectors.garment_list(user=user, filters={**filters}))} == expected


def test_garment_list_photo_and_ids(user, closet):
    assert set(_ids(selectors.garment_list(user=user, filters={"photo": closet.p1.pk}))) == {
        closet.shirt.pk,
        closet.jeans.pk,
        closet.boots.pk,
    }
    ids = [closet.shirt.pk, closet.hat.pk, closet.theirs.pk]
    assert set(_ids(selectors.garment_list(user=user, filters={"ids": ids}))) == {closet.shirt.pk, closet.hat.pk}
    assert _ids(selectors.garments_by_ids(user=user, ids=[])) == []
    assert set(_ids(selectors.garment_list(user=user, filters={"ids": ids, "state": "closet"}))) == {closet.shirt.pk}


def test_garment_list_is_scoped_to_the_user(user, other_user, closet):
    assert closet.theirs.pk not in _ids(selectors.garment_list(user=user))
    assert _ids(selectors.garment_list(user=other_user, filters={"q": "oxford"})) == [closet.theirs.pk]
    with pytest.raises(Garment.DoesNotExist):
        selectors.garment_get(user=user, garment_id=closet.theirs.pk)
    assert selectors.garment_get(user=user, garment_id=closet.old.pk).status == ARCHIVED


def test_garment_list_unknown_filter_values(user, closet):
    for name, value in (
        ("state", "dirty"),
        ("sort", "random"),
        ("color", "octarine"),
        ("season", "monsoon"),
        ("ids", "1,x"),
        ("photo", "0"),
    ):
        with pytest.raises(ValidationError) as exc:
            selectors.garment_list(user=user, filters={name: value})
        assert name in exc.value.message_dict
        # Not strict (the closet page): the bad value is left out, the others still apply.
        others = {"q": "501"} if name == "state" else {"state": "wash"}
        assert _ids(selectors.garment_list(user=user, filters={name: value, **others}, strict=False)) == [
            closet.jeans.pk
        ]


def test_garment_list_sorts(user, shelf):
    a, b, c, d = (_garment(shelf) for _ in range(4))  # created in this order
    today = _today()
    Garment.objects.filter(pk=a.pk).update(wear_count=5, last_worn_on=today - dt.timedelta(days=9))
    Garment.objects.filter(pk=b.pk).update(wear_count=1, last_worn_on=today)
    Garment.objects.filter(pk=c.pk).update(wear_count=5, last_worn_on=today - dt.timedelta(days=1))

    def order(sort):
        return _ids(selectors.garment_list(user=user, filters={"state": "closet", "sort": sort}))

    assert order("most-worn") == [c.pk, a.pk, b.pk, d.pk]  # ties: newest first
    assert order("least-worn") == [d.pk, b.pk, a.pk, c.pk]  # ties: oldest first
    assert order("newest") == order(None) == [d.pk, c.pk, b.pk, a.pk]
    assert order("oldest") == [a.pk, b.pk, c.pk, d.pk]
    assert order("last-worn") == [b.pk, c.pk, a.pk, d.pk]  # never worn last


def test_sort_follows_real_wears(user, shelf):
    a, b = _garment(shelf), _garment(shelf)
    today = _today()
    services.garments_wear(garments=[a, b], on=today - dt.timedelta(days=1))
    services.garments_wear(garments=[a], on=today)
    assert _ids(selectors.garment_list(user=user, filters={"sort": "most-worn"})) == [a.pk, b.pk]
    services.garment_unwear(garment=a, on=today)
    services.garment_unwear(garment=a, on=today - dt.timedelta(days=1))
    assert _ids(selectors.garment_list(user=user, filters={"sort": "most-worn"})) == [b.pk, a.pk]
    assert _ids(selectors.garment_list(user=user, filters={"sort": "least-worn"})) == [a.pk, b.pk]


def test_review_queue_and_count(user, other_user):
    older, newer = _photo(user), _photo(user)
    Photo.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    o1 = _garment(older, "pants", None, score=0.3, status=REVIEW)
    o2 = _garment(older, "shoe", None, score=0.7, status=REVIEW)
    n1 = _garment(newer, "hat", None, score=0.2, status=REVIEW)
    n2 = _garment(newer, "belt", None, score=0.6, status=REVIEW)
    _garment(newer, "coat", None, score=0.9)  # in the closet
    _garment(_photo(other_user), status=REVIEW)
    assert _ids(selectors.review_queue(user=user)) == [n2.pk, n1.pk, o2.pk, o1.pk]
    assert selectors.review_count(user=user) == 4
    services.garment_confirm(garment=n2)
    services.garment_reject(garment=o1)
    assert _ids(selectors.review_queue(user=user)) == [n1.pk, o2.pk]
    assert selectors.review_count(user=user) == 2 and selectors.review_count(user=other_user) == 1


def test_photo_list_by_ids(user, other_user):
    p1, p2, empty = _photo(user), _photo(user), _photo(user)
    theirs = _photo(other_user)
    _garment(p1, status=REVIEW)
    _garment(p1, "pants", None)
    _garment(p1, "shoe", None, status=REVIEW)
    _garment(p2, "hat", None)
    _garment(theirs, status=REVIEW)
    rows = list(selectors.photo_list(user=user, filters={"ids": [empty.pk, p2.pk, p1.pk, theirs.pk]}))
    assert [(r.pk, r.garment_count, r.review_count) for r in rows] == [(p1.pk, 3, 2), (p2.pk, 1, 0), (empty.pk, 0, 0)]


def test_color_choices_most_frequent_first(user, other_user):
    p = _photo(user)
    _garment(p, colors=("white", "navy"))
    _garment(p, colors=("white",))
    _garment(p, colors=("navy", "white", "red"))
    _garment(p, colors=())
    _garment(_photo(other_user), colors=("burgundy", "red"))
    assert selectors.color_choices(user=user) == ["white", "navy", "red"]
    assert selectors.color_choices(user=other_user) == ["burgundy", "red"]


def test_section_counts_count_the_closet(user, closet):
    sections = {s.slug: s for s in selectors.section_list_with_counts(user=user)}
    assert sections["tops"].count == 2 and sections["outerwear"].count == 1
    assert sections["accessories"].count == 0  # the hat waits for review
    assert sections["bottoms"].count == 1  # the skirt is archived
    assert [c.slug for c in sections["bottoms"].category_list] == ["pants"]


# --- a closet page of thousands of garments: a bounded number of queries ---------------------------


def test_closet_page_query_count_is_bounded(user, other_user, django_assert_max_num_queries):
    photo = _photo(user)
    cats = list(Category.objects.all())
    types = {t.category_id: t for t in GarmentType.objects.all()}
    statuses = [CLOSET] * 8 + [REVIEW, ARCHIVED]
    rows = []
    for i in range(2000):
        cat = cats[i % len(cats)]
        rows.append(
            Garment(
                owner=user,
                photo=photo,
                category=cat,
                type=types.get(cat.pk) if i % 3 else None,
                score=0.5,
                x0=0,
                y0=0,
                x1=10,
                y1=10,
                mask="garments/shared-mask.png",
                cutout="garments/shared-cutout.png",
                status=statuses[i % len(statuses)],
                wear_count=i % 37,
                price=Decimal(i % 50) if i % 2 else None,
                laundry="wash" if i % 5 == 0 else "clean",
            )
        )
    rows = Garment.objects.bulk_create(rows, batch_size=500)
    GarmentColor.objects.bulk_create(
        [GarmentColor(garment=g, name="navy", hex=hex_of("navy"), fraction=1.0) for g in rows], batch_size=500
    )
    Garment.seasons.through.objects.bulk_create(
        [Garment.seasons.through(garment_id=g.pk, season_id="summer") for i, g in enumerate(rows) if i % 4],
        batch_size=500,
    )
    their_photo = _photo(other_user)
    Garment.objects.bulk_create(
        [
            Garment(
                owner=other_user,
                photo=their_photo,
                category=cats[0],
                score=0.5,
                x0=0,
                y0=0,
                x1=1,
                y1=1,
                mask="m.png",
                cutout="c.png",
                wear_count=99,
            )
            for _ in range(50)
        ]
    )
    assert Garment.objects.filter(owner=user, status=CLOSET).count() == 1600

    # One query for the page, one each for its colours, seasons and tags (prefetched), whatever the closet holds.
    with django_assert_max_num_queries(4):
        page = list(selectors.garment_list(user=user, filters={"state": "closet", "sort": "most-worn"})[:60])
        # What a closet card shows must not query per garment.
        shown = [
            (
                g.label,
                g.kind,
                g.section.display_name,
                g.photo.width,
                g.cost_per_wear,
                g.color_name_list,
                g.season_list,
                g.cutout.name,
            )
            for g in page
        ]
    assert len(page) == len(shown) == 60
    assert all(g.owner_id == user.pk and g.status == CLOSET for g in page)
    counts = [g.wear_count for g in page]
    assert counts == sorted(counts, reverse=True) and counts[0] == 36

    with django_assert_max_num_queries(4):
        page = list(
            selectors.garment_list(
                user=user,
                filters={
                    "state": "wash",
                    "sort": "least-worn",
                    "color": "navy",
                    "season": "summer",
                    "section": "tops",
                    "q": "x",
                },
            )[:60]
        )
    with django_assert_max_num_queries(4):
        assert len(list(selectors.review_queue(user=user)[:60])) == 60
    with django_assert_max_num_queries(4):  # the closet version, then the summary's three counts (cold cache)
        assert selectors.review_count(user=user) == 200
    with django_assert_max_num_queries(1):  # the version alone: the summary comes from the cache
        assert selectors.review_count(user=user) == 200
    with django_assert_max_num_queries(3):  # the version, and the taxonomy while its cache is cold
        sections = selectors.section_list_with_counts(user=user)
    assert sum(s.count for s in sections) == 1600
    with django_assert_max_num_queries(1):  # the version alone: the taxonomy and the counts come from caches
        again = selectors.section_list_with_counts(user=user)
    assert [(s.slug, s.count, [(c.slug, c.count) for c in s.category_list]) for s in again] == [
        (s.slug, s.count, [(c.slug, c.count) for c in s.category_list]) for s in sections
    ]
    # A page of cards: the garments, and their first colours: two queries (category and type come from
    # the taxonomy cache, filled by a first page).
    selectors.garment_cards(selectors.garment_list(user=user, filters={"state": "closet"})[:1])
    with django_assert_max_num_queries(2):
        cards = selectors.garment_cards(selectors.garment_list(user=user, filters={"state": "closet"})[:48])
        shown = [(g.label, g.card_hexes, g.cutout.name, g.wear_count) for g in cards]
    assert len(shown) == 48 and all(hexes == [hex_of("navy")] for _l, hexes, _c, _w in shown)
    with django_assert_max_num_queries(1):
        assert selectors.color_choices(user=user) == ["navy"]


def test_category_counts_read_only_the_owners_garments(user, other_user):
    """Issue 18: the counts joined every user's garments to the categories (the owner check sat only
    in ``COUNT ... FILTER``), so one closet slowed as the installation grew. Now each category's
    count is a subquery on the owner's rows, and another user's garments change nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import GarmentFactory

    GarmentFactory(photo__owner=user, category="pants", type="jeans")
    before = {c.slug: c.count for c in selectors.category_list_with_counts(user=user)}
    GarmentFactory(photo__owner=other_user, category="pants", type="jeans")
    with CaptureQueriesContext(connection) as ctx:
        after = {c.slug: c.count for c in selectors.category_list_with_counts(user=user)}
    assert after == before and after["pants"] == 1
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert 'JOIN "wardrobe_garment"' not in sql and f'"owner_id" = {user.pk}' in sql
