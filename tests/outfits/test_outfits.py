"""Outfits (issue 6, items 1 and 5): the services and selectors, the builder, list and outfit pages,
the picture drawn on the server, the month calendar, and their API. Real PostgreSQL, real files:
garments are written through ``services.garment_create`` with cutouts of known colours and sizes,
so the rendered PNG can be checked pixel by pixel."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from tests.conftest import encode, fixture_photos, upload
from vision.contract import GarmentInstance
from vocabulary.roles import DEFAULT_PLACES
from wardrobe.closet import services
from wardrobe.closet.models import Garment, WearLog
from wardrobe.outfits import render as outfit_render
from wardrobe.outfits import selectors as outfit_selectors
from wardrobe.outfits import services as outfit_services
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan

pytestmark = pytest.mark.django_db

RED, BLUE, GREEN = (220, 20, 30), (20, 40, 210), (30, 170, 60)


# --- helpers ----------------------------------------------------------------------------------------


def _photo(owner, color=(200, 200, 200), size=(400, 300)):
    """A real stored photo (a PNG of one colour, through the upload service)."""
    data = encode(Image.new("RGB", size, color), "PNG")
    return services.photo_create(owner=owner, uploaded_file=upload("p.png", data, "image/png"))


def _garment(photo, color=RED, cutout_size=(100, 200), category="shirt-blouse", type_slug="shirt", **fields) -> Garment:
    """A closet garment whose cutout is ``cutout_size`` pixels of one opaque ``color``, with a
    transparent 10-pixel frame (so the alpha channel matters)."""
    w, h = cutout_size
    cutout = Image.new("RGBA", (w + 20, h + 20), (0, 0, 0, 0))
    cutout.paste(Image.new("RGBA", (w, h), (*color, 255)), (10, 10))
    box = (50, 40, 50 + min(w, 300), 40 + min(h, 240))
    mask = np.zeros((photo.height, photo.width), dtype=bool)
    mask[box[1] : box[3], box[0] : box[2]] = True
    g = services.garment_create(
        photo=photo,
        instance=GarmentInstance(box=box, mask=mask, category=category, type=type_slug, score=0.9, cutout=cutout),
    )
    if fields:
        Garment.objects.filter(pk=g.pk).update(**fields)
        g.refresh_from_db()
    return g


@pytest.fixture
def closet(user):
    """Alice's closet: a red shirt, blue jeans (in the wash), green sneakers, a coat, an archived
    skirt and a shirt still waiting for review."""
    photo = _photo(user)
    return {
        "shirt": _garment(photo, RED, (100, 200)),
        "jeans": _garment(photo, BLUE, (100, 100), "pants", "jeans", laundry=Garment.Laundry.WASH),
        "shoes": _garment(photo, GREEN, (80, 40), "shoe", "sneakers"),
        "coat": _garment(photo, (120, 90, 40), (120, 160), "coat", None),
        "archived": _garment(photo, (0, 0, 0), (50, 50), "skirt", None, status=Garment.Status.ARCHIVED),
        "review": _garment(photo, (255, 255, 0), (50, 50), status=Garment.Status.REVIEW),
    }


@pytest.fixture
def bob_garment(other_user):
    return _garment(_photo(other_user), (200, 0, 200), (60, 60))


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def bob_browser(other_user):
    c = Client()
    c.force_login(other_user)
    return c


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        return np.asarray(img.convert("RGB")).astype(int)


def _bbox_of(pixels: np.ndarray, color) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), exclusive end, of the pixels close to ``color``."""
    close = np.abs(pixels - np.array(color)).sum(axis=2) < 40
    ys, xs = np.nonzero(close)
    assert len(xs), f"no pixel of {color}"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _outfit(user, closet, **kw) -> Outfit:
    items = kw.pop(
        "items",
        [
            {"garment": closet["shirt"].pk, "x": 0.25, "y": 0.25, "width": 0.3, "z": 0},
            {"garment": closet["jeans"].pk, "x": 0.75, "y": 0.75, "width": 0.2, "z": 1},
        ],
    )
    return outfit_services.outfit_create(owner=user, name=kw.pop("name", "Office Monday"), items=items, **kw)


# --- services and selectors ----------------------------------------------------------------------------


def test_create_stores_the_layout_and_defaults_by_section(user, closet):
    outfit = outfit_services.outfit_create(
        owner=user,
        name="  Rainy day  ",
        occasion="work",
        seasons=["winter", "autumn"],
        items=[
            {"garment": closet["shirt"].pk, "x": 0.4, "y": 0.3, "width": 0.5, "z": 2},
            {"garment": closet["shoes"].pk},
        ],
    )
    assert outfit.name == "Rainy day" and outfit.occasion == "work"
    assert outfit.season_list == ["autumn", "winter"]  # stored in the calendar's order
    rows = {i.garment_id: (i.x, i.y, i.width, i.z) for i in outfit.items.all()}
    assert rows[closet["shirt"].pk] == (0.4, 0.3, 0.5, 2)
    assert rows[closet["shoes"].pk] == DEFAULT_PLACES["shoes"]


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"occasion": "funeral"}, "occasion"),
        ({"seasons": ["monsoon"]}, "seasons"),
        ({"items": []}, "items"),
        ({"items": "1,2"}, "items"),
        ({"items": [{"x": 0.5}]}, "items"),
        ({"items": [{"garment": "abc"}]}, "items"),
        ({"items": [{"garment": True}]}, "items"),
        ({"items": [{"garment": 10**12}]}, "items"),
        ({"items": [{"garment": "SHIRT", "x": 1.5}]}, "items"),
        ({"items": [{"garment": "SHIRT", "y": -0.1}]}, "items"),
        ({"items": [{"garment": "SHIRT", "width": 0.01}]}, "items"),
        ({"items": [{"garment": "SHIRT", "x": "left"}]}, "items"),
        ({"items": [{"garment": "SHIRT", "x": float("nan")}]}, "items"),
        ({"items": [{"garment": "SHIRT"}, {"garment": "SHIRT"}]}, "items"),
        ({"items": [{"garment": "ARCHIVED"}]}, "items"),
        ({"items": [{"garment": "REVIEW"}]}, "items"),
        ({"items": [{"garment": "BOB"}]}, "items"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(user, closet, bob_garment, bad, field):
    ids = {
        "SHIRT": closet["shirt"].pk,
        "ARCHIVED": closet["archived"].pk,
        "REVIEW": closet["review"].pk,
        "BOB": bob_garment.pk,
    }
    kwargs = {"name": "Fine", "items": [{"garment": closet["shirt"].pk}], **bad}
    if isinstance(kwargs["items"], list):
        kwargs["items"] = [
            {**i, "garment": ids.get(i.get("garment"), i.get("garment"))} if "garment" in i else i
            for i in kwargs["items"]
        ]
    with pytest.raises(ValidationError) as exc:
        outfit_services.outfit_create(owner=user, **kwargs)
    assert list(exc.value.message_dict) == [field]
    assert not Outfit.objects.exists() and not OutfitItem.objects.exists()


def test_update_replaces_the_layout_and_only_what_is_given(user, closet):
    outfit = _outfit(user, closet, occasion="work", seasons=["spring"])
    before = outfit.updated_at
    outfit_services.outfit_update(
        outfit=outfit,
        items=[
            {"garment": closet["coat"].pk, "x": 0.5, "y": 0.4, "width": 0.6, "z": 5},
            {"garment": closet["shirt"].pk, "x": 0.1, "y": 0.9, "width": 0.2, "z": -1},
        ],
    )
    outfit.refresh_from_db()
    assert outfit.name == "Office Monday" and outfit.occasion == "work" and outfit.season_list == ["spring"]
    assert sorted((i.garment_id, i.x, i.y, i.width, i.z) for i in OutfitItem.objects.filter(outfit=outfit)) == sorted(
        [(closet["coat"].pk, 0.5, 0.4, 0.6, 5), (closet["shirt"].pk, 0.1, 0.9, 0.2, -1)]
    )
    assert outfit.updated_at > before
    outfit_services.outfit_update(outfit=outfit, name="Renamed", occasion="", seasons=[])
    outfit.refresh_from_db()
    assert (outfit.name, outfit.occasion, outfit.season_list) == ("Renamed", "", [])
    assert OutfitItem.objects.filter(outfit=outfit).count() == 2


def test_update_with_a_bad_layout_changes_nothing(user, closet, bob_garment):
    outfit = _outfit(user, closet)
    layout = sorted(OutfitItem.objects.filter(outfit=outfit).values_list("garment_id", "x", "y", "width", "z"))
    for items in ([{"garment": bob_garment.pk}], [{"garment": closet["coat"].pk, "x": 2}], []):
        with pytest.raises(ValidationError):
            outfit_services.outfit_update(outfit=outfit, name="Should not stick", items=items)
    outfit.refresh_from_db()
    assert outfit.name == "Office Monday"
    assert sorted(OutfitItem.objects.filter(outfit=outfit).values_list("garment_id", "x", "y", "width", "z")) == layout


def test_delete_keeps_the_garments_and_their_wears(user, closet):
    outfit = _outfit(user, closet)
    outfit_services.outfit_wear(outfit=outfit)
    assert WearLog.objects.filter(owner=user).count() == 2
    outfit_services.outfit_delete(outfit=outfit)
    assert not Outfit.objects.exists() and not OutfitPlan.objects.exists() and not OutfitItem.objects.exists()
    assert WearLog.objects.filter(owner=user).count() == 2
    assert Garment.objects.filter(pk=closet["shirt"].pk).exists()


def test_warmth_is_the_sum_of_the_items(user, closet):
    outfit = _outfit(
        user,
        closet,
        items=[{"garment": g.pk} for g in (closet["shirt"], closet["jeans"], closet["shoes"], closet["coat"])],
    )
    Garment.objects.filter(pk=closet["coat"].pk).update(warmth_clo=0.77)  # a user's override counts
    expected = round(sum(Garment.objects.get(pk=closet[k].pk).warmth for k in ("shirt", "jeans", "shoes", "coat")), 2)
    assert expected == round(0.25 + 0.24 + 0.02 + 0.77, 2)  # shirt, jeans, sneakers (wardrobe.warmth) + override
    assert outfit_selectors.outfit_clo(outfit_selectors.outfit_get(user=user, outfit_id=outfit.pk)) == expected


def test_plan_set_worn_logs_each_garment_once(user, closet):
    outfit = _outfit(user, closet)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    plan = outfit_services.plan_create(owner=user, outfit=outfit, date=yesterday)
    assert not plan.worn and not WearLog.objects.exists()
    outfit_services.plan_set_worn(plan=plan)
    outfit_services.plan_set_worn(plan=plan)  # twice: nothing more
    plan.refresh_from_db()
    assert plan.worn
    assert sorted(WearLog.objects.values_list("garment_id", "worn_on")) == sorted(
        [(closet["shirt"].pk, yesterday), (closet["jeans"].pk, yesterday)]
    )
    assert Garment.objects.get(pk=closet["shirt"].pk).wear_count == 1


def test_plan_set_worn_refuses_the_future_and_archived_garments(user, closet):
    outfit = _outfit(user, closet)
    tomorrow = outfit_services.plan_create(owner=user, outfit=outfit, date=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        outfit_services.plan_set_worn(plan=tomorrow)
    services.garment_archive(garment=closet["jeans"], reason="sold")
    today = outfit_services.plan_create(owner=user, outfit=outfit, date=timezone.localdate())
    with pytest.raises(ValidationError):
        outfit_services.plan_set_worn(plan=today)
    with pytest.raises(ValidationError):
        outfit_services.outfit_wear(outfit=outfit)
    assert not WearLog.objects.exists()
    assert not OutfitPlan.objects.filter(worn=True).exists()


def test_plan_create_refuses_another_users_outfit(user, other_user, closet):
    with pytest.raises(ValidationError):
        outfit_services.plan_create(owner=other_user, outfit=_outfit(user, closet), date=timezone.localdate())
    assert not OutfitPlan.objects.exists()


def test_calendar_month_groups_wears_and_plans_by_day(user, other_user, closet):
    today = timezone.localdate()
    first = today.replace(day=1)
    outfit = _outfit(user, closet)
    services.garments_wear(garments=[closet["shoes"]], on=first)
    outfit_services.outfit_wear(outfit=outfit, on=first)
    later = first + dt.timedelta(days=27)
    outfit_services.plan_create(owner=user, outfit=outfit, date=later)
    # Another user's wears that day do not show.
    bob_g = _garment(_photo(other_user), (1, 2, 3), (10, 10))
    services.garments_wear(garments=[bob_g], on=first)

    cal = outfit_selectors.calendar_month(user=user, year=first.year, month=first.month)
    assert [d.date for d in cal.days] == [
        first + dt.timedelta(days=i) for i in range(calendar.monthrange(first.year, first.month)[1])
    ]
    day1 = cal.days[0]
    assert {w.garment_id for w in day1.wears} == {closet["shoes"].pk, closet["shirt"].pk, closet["jeans"].pk}
    assert [(p.outfit_id, p.worn) for p in day1.plans] == [(outfit.pk, True)]
    assert [w.garment_id for w in day1.loose_wears] == [closet["shoes"].pk]  # the rest came with the outfit
    assert [(p.outfit_id, p.worn) for p in cal.days[27].plans] == [(outfit.pk, False)]
    assert all(not d.plans and not d.wears for d in cal.days[1:27])
    weeks = cal.weeks
    assert all(len(w) == 7 for w in weeks)
    assert weeks[0][first.weekday()].date == first and all(d is None for d in weeks[0][: first.weekday()])


@pytest.mark.parametrize(
    "value", ["2025-13", "2025-00", "25-06", "2025-6", "abcd-ef", "1899-12", "2025-06\n", "２０２５-06", "2025-06-01"]
)
def test_parse_month_refuses_malformed_values(value):
    with pytest.raises(ValidationError):
        outfit_selectors.parse_month(value)


def test_parse_month():
    assert outfit_selectors.parse_month("2024-02") == (2024, 2)
    today = timezone.localdate()
    assert outfit_selectors.parse_month("") == (today.year, today.month)


# --- the picture ------------------------------------------------------------------------------------------


def test_render_places_each_garment_where_the_layout_says(user, closet):
    outfit = _outfit(user, closet)  # shirt (red 100x200 in a 120x220 cutout) and jeans (blue 100x100)
    pixels = _decode(outfit_render.render_outfit(outfit))
    assert pixels.shape == (800, 600, 3)
    assert tuple(pixels[5, 5]) == outfit_render.BACKGROUND
    # Shirt: drawn 0.3 * 600 = 180 px wide (cutout 120 -> x1.5), centred at (150, 200): its red part
    # (100x200 of the 120x220 cutout) is 150x300 px centred there.
    x0, y0, x1, y1 = _bbox_of(pixels, RED)
    assert abs(x0 - 75) <= 2 and abs(x1 - 225) <= 2 and abs(y0 - 50) <= 2 and abs(y1 - 350) <= 2
    # Jeans: 0.2 * 600 = 120 px wide (cutout 120 -> x1), red part 100x100 centred at (450, 600).
    x0, y0, x1, y1 = _bbox_of(pixels, BLUE)
    assert abs(x0 - 400) <= 2 and abs(x1 - 500) <= 2 and abs(y0 - 550) <= 2 and abs(y1 - 650) <= 2
    # The transparent frame of the cutouts lets the background through.
    assert tuple(pixels[200, 150 - 85]) == outfit_render.BACKGROUND


def test_render_other_widths_keep_3_to_4(user, closet):
    outfit = _outfit(user, closet)
    pixels = _decode(outfit_render.render_outfit(outfit, width=300))
    assert pixels.shape == (400, 300, 3)
    x0, y0, x1, y1 = _bbox_of(pixels, BLUE)
    assert abs((x0 + x1) / 2 - 225) <= 2 and abs((y0 + y1) / 2 - 300) <= 2
    with pytest.raises(ValueError):
        outfit_render.render_outfit(outfit, width=10_000)


def test_render_z_order_the_top_item_wins_the_overlap(user, closet):
    shirt, jeans = closet["shirt"].pk, closet["jeans"].pk
    outfit = _outfit(
        user,
        closet,
        items=[
            {"garment": shirt, "x": 0.5, "y": 0.5, "width": 0.5, "z": 0},
            {"garment": jeans, "x": 0.5, "y": 0.5, "width": 0.3, "z": 1},
        ],
    )
    centre = tuple(_decode(outfit_render.outfit_png(outfit)[0])[400, 300])
    assert np.abs(np.array(centre) - BLUE).sum() < 15
    outfit_services.outfit_update(
        outfit=outfit,
        items=[
            {"garment": shirt, "x": 0.5, "y": 0.5, "width": 0.5, "z": 3},
            {"garment": jeans, "x": 0.5, "y": 0.5, "width": 0.3, "z": 1},
        ],
    )
    outfit = outfit_selectors.outfit_get(user=user, outfit_id=outfit.pk)
    centre = tuple(_decode(outfit_render.outfit_png(outfit)[0])[400, 300])  # a new key: not the cached picture
    assert np.abs(np.array(centre) - RED).sum() < 15


def test_render_uses_the_photo_crop_when_chosen(user):
    """A real photo: the item drawn is the photo cropped to the garment's box (the picture the owner
    chose), scaled to the item's width."""
    path = fixture_photos()[0]
    photo = services.photo_create(owner=user, uploaded_file=upload(path.name, path.read_bytes()))
    garment = _garment(photo, RED, (100, 100))
    services.garment_update(garment=garment, picture=Garment.Picture.PHOTO)
    outfit = outfit_services.outfit_create(
        owner=user, name="Photo", items=[{"garment": garment.pk, "x": 0.5, "y": 0.5, "width": 0.5, "z": 0}]
    )
    pixels = _decode(outfit_render.render_outfit(outfit))
    with Image.open(io.BytesIO(services.garment_photo_crop(garment=garment, max_side=1200))) as crop:
        w = 300
        h = round(crop.height * w / crop.width)
        expected = np.asarray(crop.convert("RGB").resize((w, h), Image.Resampling.LANCZOS)).astype(int)
    top, left = round(400 - h / 2), 150
    drawn = pixels[top : top + h, left : left + w]
    assert drawn.shape == expected.shape
    assert np.abs(drawn - expected).mean() < 3
    assert (np.abs(pixels - np.array(RED)).sum(axis=2) < 40).sum() < 100  # not the red cutout


def test_render_leaves_out_a_garment_whose_file_is_gone(user, closet):
    outfit = _outfit(user, closet)
    closet["shirt"].cutout.storage.delete(closet["shirt"].cutout.name)
    pixels = _decode(outfit_render.render_outfit(outfit))
    assert (np.abs(pixels - np.array(RED)).sum(axis=2) < 40).sum() == 0
    _bbox_of(pixels, BLUE)


def test_picture_page_is_private_cached_and_conditional(browser, bob_browser, user, closet):
    outfit = _outfit(user, closet)
    url = reverse("outfits:outfit-image", args=[outfit.pk])
    r = browser.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["Cache-Control"] == "private, max-age=3600" and r["X-Content-Type-Options"] == "nosniff"
    assert _decode(r.content).shape == (800, 600, 3)
    again = browser.get(url, HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304 and again.content == b""
    # Widths are rounded up to one of render.WIDTHS (120, 300, 600, 1200): 150 is drawn 300 wide.
    assert _decode(browser.get(url + "?width=150").content).shape == (400, 300, 3)
    assert _decode(browser.get(url + "?width=300").content).shape == (400, 300, 3)
    for bad in ("5", "abc", "99999", "-1", "1.5"):
        assert browser.get(url + "?width=" + bad).status_code == 400
    assert bob_browser.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    # An edit changes the ETag (the old picture is not served again).
    outfit_services.outfit_update(outfit=outfit, items=[{"garment": closet["coat"].pk}])
    assert browser.get(url, HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 200


# --- pages --------------------------------------------------------------------------------------------------


def test_builder_offers_closet_items_clean_and_in_the_wash_only(browser, closet, bob_garment):
    r = browser.get(reverse("outfits:outfit-new"))
    assert r.status_code == 200
    html = r.content.decode()
    for key in ("shirt", "jeans", "shoes", "coat"):
        assert f'id="pick-{closet[key].pk}"' in html, key
    for g in (closet["archived"], closet["review"], bob_garment):
        assert f'id="pick-{g.pk}"' not in html
    assert 'name="items_json"' in html and "js/outfits.js" in html
    data = json.loads(html.split('id="outfit-builder-data" type="application/json">')[1].split("</script>")[0])
    assert data["items"] == [] and data["places"]["shoes"] == list(DEFAULT_PLACES["shoes"])


def test_builder_post_saves_the_canvas_layout(browser, user, closet):
    layout = [
        {"garment": closet["shirt"].pk, "x": 0.3, "y": 0.2, "width": 0.4, "z": 0},
        {"garment": closet["jeans"].pk, "x": 0.6, "y": 0.7, "width": 0.35, "z": 1},
    ]
    r = browser.post(
        reverse("outfits:outfit-new"),
        {"name": "Date night", "occasion": "party", "seasons": ["summer", "spring"], "items_json": json.dumps(layout)},
    )
    outfit = Outfit.objects.get(owner=user)
    assert r.status_code == 302 and r["Location"] == reverse("outfits:outfit-detail", args=[outfit.pk])
    assert (outfit.name, outfit.occasion, outfit.season_list, outfit.source) == (
        "Date night",
        "party",
        ["spring", "summer"],
        "builder",
    )
    assert sorted(OutfitItem.objects.filter(outfit=outfit).values_list("garment_id", "x", "y", "width", "z")) == sorted(
        (i["garment"], i["x"], i["y"], i["width"], i["z"]) for i in layout
    )


def test_builder_without_javascript_saves_the_ticked_items(browser, user, closet):
    r = browser.post(
        reverse("outfits:outfit-new"), {"name": "Plain", "garment": [closet["shirt"].pk, closet["shoes"].pk]}
    )
    assert r.status_code == 302
    items = {i.garment_id: (i.x, i.y, i.width, i.z) for i in Outfit.objects.get(owner=user).items.all()}
    assert items == {closet["shirt"].pk: DEFAULT_PLACES["tops"], closet["shoes"].pk: DEFAULT_PLACES["shoes"]}


@pytest.mark.parametrize(
    "post, message",
    [
        ({"name": "", "items_json": '[{"garment": SHIRT}]'}, "This field is required."),
        ({"name": "x", "items_json": '[{"garment": BOB}]'}, "No such garment in your closet"),
        ({"name": "x", "items_json": '[{"garment": ARCHIVED}]'}, "is not in your closet (archived or waiting"),
        ({"name": "x", "items_json": '[{"garment": SHIRT, "x": 1.7}]'}, "Positions must lie on the canvas"),
        ({"name": "x", "items_json": '[{"garment": SHIRT, "width": "big"}]'}, "Positions must be numbers"),
        ({"name": "x", "items_json": "[]"}, "An outfit needs at least one garment"),
        ({"name": "x", "items_json": "{not json"}, "The layout could not be read"),
        ({"name": "x", "items_json": '{"garment": SHIRT}'}, "The layout could not be read"),
        ({"name": "x"}, "An outfit needs at least one garment"),
        ({"name": "x", "garment": ["BOB"]}, "No such garment in your closet"),
        ({"name": "x", "items_json": '[{"garment": SHIRT}]', "occasion": "funeral"}, "Select a valid choice"),
        ({"name": "x", "items_json": '[{"garment": SHIRT}]', "seasons": ["monsoon"]}, "Select a valid choice"),
    ],
)
def test_builder_shows_errors_with_a_400_and_saves_nothing(browser, closet, bob_garment, post, message):
    ids = {"SHIRT": closet["shirt"].pk, "BOB": bob_garment.pk, "ARCHIVED": closet["archived"].pk}

    def sub(v):
        if isinstance(v, list):
            return [sub(x) for x in v]
        for k, pk in ids.items():
            v = v.replace(k, str(pk))
        return v

    r = browser.post(reverse("outfits:outfit-new"), {k: sub(v) for k, v in post.items()})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'role="alert"' in html and message in html, html[html.find("builder-errors") :][:600]
    assert not Outfit.objects.exists()
    # Another user's garment never reaches the page, not even its picture URL.
    assert reverse("closet:garment-picture", args=[bob_garment.pk]) not in html


def test_builder_error_keeps_the_canvas(browser, closet):
    layout = [{"garment": closet["shirt"].pk, "x": 0.3, "y": 0.2, "width": 0.4, "z": 0}]
    r = browser.post(reverse("outfits:outfit-new"), {"name": "", "items_json": json.dumps(layout)})
    assert r.status_code == 400
    data = json.loads(
        r.content.decode().split('id="outfit-builder-data" type="application/json">')[1].split("</script>")[0]
    )
    assert [(i["garment"], i["x"], i["y"], i["width"]) for i in data["items"]] == [(closet["shirt"].pk, 0.3, 0.2, 0.4)]


def test_edit_page_shows_and_replaces_the_layout(browser, user, closet):
    outfit = _outfit(user, closet, occasion="work", seasons=["winter"])
    url = reverse("outfits:outfit-edit", args=[outfit.pk])
    html = browser.get(url).content.decode()
    data = json.loads(html.split('id="outfit-builder-data" type="application/json">')[1].split("</script>")[0])
    assert sorted(i["garment"] for i in data["items"]) == sorted([closet["shirt"].pk, closet["jeans"].pk])
    assert 'value="Office Monday"' in html and 'value="winter" id="id_seasons_3" checked' in html
    layout = [{"garment": closet["coat"].pk, "x": 0.5, "y": 0.5, "width": 0.7, "z": 0}]
    r = browser.post(url, {"name": "Office Tuesday", "occasion": "work", "items_json": json.dumps(layout)})
    assert r.status_code == 302
    outfit.refresh_from_db()
    assert outfit.name == "Office Tuesday" and outfit.season_list == []
    assert list(OutfitItem.objects.filter(outfit=outfit).values_list("garment_id", "width")) == [
        (closet["coat"].pk, 0.7)
    ]


def test_outfit_list_cards_and_filters(browser, user, closet):
    work = _outfit(user, closet, name="Work look", occasion="work", seasons=["winter"])
    party = _outfit(
        user, closet, name="Party look", occasion="party", seasons=["summer"], items=[{"garment": closet["shoes"].pk}]
    )
    html = browser.get(reverse("outfits:outfit-list")).content.decode()
    for o in (work, party):
        assert reverse("outfits:outfit-image", args=[o.pk]) in html and o.name in html
    expected = f"{outfit_selectors.outfit_clo(outfit_selectors.outfit_get(user=work.owner, outfit_id=work.pk)):.2f} clo"
    assert expected in html
    only_work = browser.get(reverse("outfits:outfit-list") + "?occasion=work").content.decode()
    assert "Work look" in only_work and "Party look" not in only_work
    only_summer = browser.get(reverse("outfits:outfit-list") + "?season=summer").content.decode()
    assert "Party look" in only_summer and "Work look" not in only_summer
    # Unknown filter values are ignored, never a 500.
    assert browser.get(reverse("outfits:outfit-list") + "?occasion=zzz&season=%00&page=abc").status_code == 200


def test_outfit_page_shows_items_warmth_and_actions(browser, user, closet):
    outfit = _outfit(user, closet, items=[{"garment": closet[k].pk} for k in ("shirt", "jeans", "coat")])
    html = browser.get(reverse("outfits:outfit-detail", args=[outfit.pk])).content.decode()
    total = sum(Garment.objects.get(pk=closet[k].pk).warmth for k in ("shirt", "jeans", "coat"))
    assert f'id="outfit-warmth">{total:.2f} clo' in html
    for k in ("shirt", "jeans", "coat"):
        assert reverse("closet:garment-detail", args=[closet[k].pk]) in html
    for name in ("outfit-wear", "outfit-plan", "outfit-delete", "outfit-edit", "outfit-image"):
        assert reverse(f"outfits:{name}", args=[outfit.pk]) in html


def test_wear_today_plan_and_delete_from_the_outfit_page(browser, user, closet):
    outfit = _outfit(user, closet)
    today = timezone.localdate()
    r = browser.post(reverse("outfits:outfit-wear", args=[outfit.pk]))
    assert r.status_code == 302
    assert sorted(WearLog.objects.filter(worn_on=today).values_list("garment_id", flat=True)) == sorted(
        [closet["shirt"].pk, closet["jeans"].pk]
    )
    assert OutfitPlan.objects.get(outfit=outfit, date=today).worn
    assert "Worn today" in browser.get(reverse("outfits:outfit-detail", args=[outfit.pk])).content.decode()

    later = today + dt.timedelta(days=3)
    browser.post(reverse("outfits:outfit-plan", args=[outfit.pk]), {"date": later.isoformat()})
    assert not OutfitPlan.objects.get(outfit=outfit, date=later).worn
    r = browser.post(reverse("outfits:outfit-plan", args=[outfit.pk]), {"date": "not a date"}, follow=True)
    assert r.status_code == 200 and "Enter a valid date." in r.content.decode()

    r = browser.post(reverse("outfits:outfit-delete", args=[outfit.pk]))
    assert r.status_code == 302 and not Outfit.objects.filter(pk=outfit.pk).exists()
    assert WearLog.objects.filter(worn_on=today).count() == 2


def test_calendar_month_shows_wears_plans_and_today(browser, user, closet):
    today = timezone.localdate()
    first = today.replace(day=1)
    outfit = _outfit(user, closet, name="Worn outfit")
    planned = _outfit(user, closet, name="Planned outfit", items=[{"garment": closet["coat"].pk}])
    services.garments_wear(garments=[closet["shoes"]], on=first)
    outfit_services.outfit_wear(outfit=outfit, on=first)
    future = today + dt.timedelta(days=1)
    plan = outfit_services.plan_create(owner=user, outfit=planned, date=future)
    r = browser.get(reverse("outfits:calendar") + f"?month={future:%Y-%m}")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-plan="{plan.pk}"' in html and reverse("outfits:plan-delete", args=[plan.pk]) in html
    assert reverse("outfits:plan-worn", args=[plan.pk]) not in html  # a future plan cannot be worn yet
    if future.month == today.month:
        assert 'aria-current="date"' in html
        assert reverse("closet:garment-picture", args=[closet["shoes"].pk]) in html  # a loose wear
        assert reverse("outfits:outfit-image", args=[outfit.pk]) in html
    prev_month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    cur = browser.get(reverse("outfits:calendar")).content.decode()
    assert f'href="?month={prev_month}"' in cur and 'aria-current="date"' in cur
    assert reverse("closet:garment-picture", args=[closet["shoes"].pk]) in cur
    assert reverse("outfits:outfit-image", args=[outfit.pk]) in cur
    # The shirt and jeans came with the outfit: shown as the outfit, not again as loose garments.
    assert reverse("closet:garment-picture", args=[closet["shirt"].pk]) not in cur
    assert '<th scope="col"><abbr title="Monday">Mon</abbr></th>' in cur


def test_calendar_is_localized(browser, user):
    browser.post(reverse("accounts:language"), {"language": "ko"})
    html = browser.get(reverse("outfits:calendar") + "?month=2025-06").content.decode()
    with translation.override("ko"):
        assert translation.gettext("Mon") in html and "2025년 6월" in html


@pytest.mark.parametrize("month", ["2025-13", "abc", "2025-6", "0000-01", "9999-01", "2025-06%0A"])
def test_calendar_bad_month_is_a_400_with_a_message(browser, month):
    r = browser.get(reverse("outfits:calendar") + "?month=" + month)
    assert r.status_code == 400
    assert "Give the month as YYYY-MM" in r.content.decode()


def test_calendar_plan_remove_and_mark_worn(browser, user, closet, bob_browser):
    outfit = _outfit(user, closet)
    today = timezone.localdate()
    r = browser.post(reverse("outfits:calendar-plan"), {"outfit": outfit.pk, "date": today.isoformat()})
    assert r.status_code == 302 and r["Location"] == reverse("outfits:calendar") + f"?month={today:%Y-%m}"
    plan = OutfitPlan.objects.get(outfit=outfit, date=today)
    html = browser.get(r["Location"]).content.decode()
    assert reverse("outfits:plan-worn", args=[plan.pk]) in html
    r = browser.post(reverse("outfits:plan-worn", args=[plan.pk]))
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.worn and WearLog.objects.filter(worn_on=today).count() == 2
    later = outfit_services.plan_create(owner=user, outfit=outfit, date=today + dt.timedelta(days=2))
    browser.post(reverse("outfits:plan-worn", args=[later.pk]))  # the future: refused with a message
    later.refresh_from_db()
    assert not later.worn
    assert browser.post(reverse("outfits:plan-delete", args=[later.pk])).status_code == 302
    assert not OutfitPlan.objects.filter(pk=later.pk).exists()
    # Bob cannot plan Alice's outfit (400, nothing written), nor touch her plans (404).
    bob_outfit_count = OutfitPlan.objects.count()
    r = bob_browser.post(reverse("outfits:calendar-plan"), {"outfit": outfit.pk, "date": today.isoformat()})
    assert r.status_code == 400 and "Choose one of your outfits." in r.content.decode()
    assert OutfitPlan.objects.count() == bob_outfit_count
    for name in ("plan-worn", "plan-delete"):
        assert bob_browser.post(reverse(f"outfits:{name}", args=[plan.pk])).status_code == 404


@pytest.mark.parametrize(
    "post",
    [
        {"outfit": "", "date": "2025-01-01"},
        {"outfit": "abc", "date": "2025-01-01"},
        {"outfit": "OUTFIT", "date": "tomorrow"},
        {"outfit": "OUTFIT", "date": "2025-02-30"},
        {},
    ],
)
def test_calendar_plan_bad_input_is_a_400(browser, user, closet, post):
    outfit = _outfit(user, closet)
    data = {k: (str(outfit.pk) if v == "OUTFIT" else v) for k, v in post.items()}
    r = browser.post(reverse("outfits:calendar-plan"), data)
    assert r.status_code == 400 and 'class="errorlist' in r.content.decode()
    assert not OutfitPlan.objects.exists()


def test_other_users_get_404_on_every_outfit_page(bob_browser, user, closet):
    outfit = _outfit(user, closet)
    plan = outfit_services.plan_create(owner=user, outfit=outfit, date=timezone.localdate())
    for name in ("outfit-detail", "outfit-edit", "outfit-image"):
        assert bob_browser.get(reverse(f"outfits:{name}", args=[outfit.pk])).status_code == 404, name
    for name in ("outfit-edit", "outfit-delete", "outfit-plan", "outfit-wear"):
        r = bob_browser.post(reverse(f"outfits:{name}", args=[outfit.pk]), {"name": "x", "date": "2025-01-01"})
        assert r.status_code == 404, name
    for name in ("plan-delete", "plan-worn"):
        assert bob_browser.post(reverse(f"outfits:{name}", args=[plan.pk])).status_code == 404, name
    assert Outfit.objects.get(pk=outfit.pk).name == "Office Monday" and OutfitPlan.objects.count() == 1
    assert not WearLog.objects.exists()
    for url in (reverse("outfits:outfit-list"), reverse("outfits:calendar")):
        html = bob_browser.get(url).content.decode()
        assert "Office Monday" not in html and reverse("outfits:outfit-image", args=[outfit.pk]) not in html


# --- API ------------------------------------------------------------------------------------------------------


def test_api_create_retrieve_update_delete(api, user, closet):
    body = {
        "name": "API look",
        "occasion": "casual",
        "seasons": ["summer"],
        "items": [
            {"garment": closet["shirt"].pk, "x": 0.5, "y": 0.3, "width": 0.4, "z": 1},
            {"garment": closet["shoes"].pk},
        ],
    }
    r = api.post("/api/outfits/", body, format="json")
    assert r.status_code == 201, r.content
    data = r.json()
    outfit = Outfit.objects.get(pk=data["id"])
    assert data["name"] == "API look" and data["seasons"] == ["summer"] and data["source"] == "builder"
    assert (
        data["warmth_clo"]
        == outfit_selectors.outfit_clo(outfit_selectors.outfit_get(user=outfit.owner, outfit_id=outfit.pk))
        == round(closet["shirt"].warmth + closet["shoes"].warmth, 2)
    )
    assert sum(i["warmth_clo"] for i in data["items"]) == pytest.approx(data["warmth_clo"])
    assert [i["garment"] for i in data["items"]] == [closet["shoes"].pk, closet["shirt"].pk]  # bottom layer first
    assert data["items"][1] | {"picture_url": None} == {
        "garment": closet["shirt"].pk,
        "label": closet["shirt"].label,
        "section": "tops",
        "warmth_clo": closet["shirt"].warmth,
        "picture_url": None,
        "x": 0.5,
        "y": 0.3,
        "width": 0.4,
        "z": 1,
    }
    assert data["image_url"].endswith(f"/api/outfits/{outfit.pk}/image.png")

    assert api.get(f"/api/outfits/{outfit.pk}/").json() == data
    r = api.patch(f"/api/outfits/{outfit.pk}/", {"name": "Renamed"}, format="json")
    assert r.status_code == 200 and r.json()["name"] == "Renamed" and len(r.json()["items"]) == 2
    r = api.put(
        f"/api/outfits/{outfit.pk}/", {"name": "Replaced", "items": [{"garment": closet["coat"].pk}]}, format="json"
    )
    assert r.status_code == 200
    assert (r.json()["occasion"], r.json()["seasons"], [i["garment"] for i in r.json()["items"]]) == (
        "",
        [],
        [closet["coat"].pk],
    )
    listed = api.get("/api/outfits/").json()
    assert [o["id"] for o in listed["results"]] == [outfit.pk]
    assert api.delete(f"/api/outfits/{outfit.pk}/").status_code == 204
    assert not Outfit.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "", "items": [{"garment": "SHIRT"}]}, "name"),
        ({"items": [{"garment": "SHIRT"}]}, "name"),
        ({"name": "x", "items": []}, "items"),
        ({"name": "x"}, "items"),
        ({"name": "x", "items": [{"garment": "BOB"}]}, "items"),
        ({"name": "x", "items": [{"garment": "ARCHIVED"}]}, "items"),
        ({"name": "x", "items": [{"garment": "SHIRT", "x": 1.01}]}, "items"),
        ({"name": "x", "items": [{"garment": "SHIRT", "width": 0}]}, "items"),
        ({"name": "x", "items": [{"garment": "SHIRT", "x": True}]}, "items"),
        ({"name": "x", "items": [{"garment": 2**40}]}, "items"),
        ({"name": "x", "items": [{"garment": "SHIRT"}, {"garment": "SHIRT"}]}, "items"),
        ({"name": "x", "items": [{"garment": "SHIRT"}], "occasion": "funeral"}, "occasion"),
        ({"name": "x", "items": [{"garment": "SHIRT"}], "seasons": ["monsoon"]}, "seasons"),
        ({"name": "x", "items": [{"garment": "SHIRT"}], "colour": "red"}, "non_field_errors"),
        ({"name": "x", "items": "SHIRT"}, "items"),
    ],
)
def test_api_bad_input_is_a_400_with_messages(api, closet, bob_garment, body, field):
    ids = {"SHIRT": closet["shirt"].pk, "BOB": bob_garment.pk, "ARCHIVED": closet["archived"].pk}
    body = json.loads(json.dumps(body))
    for item in body.get("items", []) if isinstance(body.get("items"), list) else []:
        item["garment"] = ids.get(item["garment"], item["garment"])
    r = api.post("/api/outfits/", body, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json() and r.json()[field]
    assert not Outfit.objects.exists()


def test_api_update_errors_and_patch_rules(api, user, closet, bob_garment):
    outfit = _outfit(user, closet)
    url = f"/api/outfits/{outfit.pk}/"
    assert api.patch(url, {}, format="json").status_code == 400
    assert api.patch(url, {"items": [{"garment": bob_garment.pk}]}, format="json").status_code == 400
    assert api.put(url, {"name": "Only a name"}, format="json").status_code == 400
    assert api.patch(url, "name=x", content_type="application/x-www-form-urlencoded").status_code == 415
    outfit.refresh_from_db()
    assert outfit.name == "Office Monday" and outfit.items.count() == 2


def test_api_list_filters(api, user, closet):
    work = _outfit(user, closet, name="Work", occasion="work", seasons=["autumn"])
    _outfit(user, closet, name="Home", occasion="home")
    assert [o["id"] for o in api.get("/api/outfits/?occasion=work").json()["results"]] == [work.pk]
    assert [o["id"] for o in api.get("/api/outfits/?season=autumn").json()["results"]] == [work.pk]
    assert api.get("/api/outfits/?occasion=funeral").status_code == 400
    assert api.get("/api/outfits/?season=monsoon").status_code == 400


def test_api_image(api, other_api, user, closet):
    outfit = _outfit(user, closet)
    url = f"/api/outfits/{outfit.pk}/image.png"
    for accept in ("*/*", "image/png", "application/json"):
        r = api.get(url, HTTP_ACCEPT=accept)
        assert r.status_code == 200 and r["Content-Type"] == "image/png", accept
        assert r["Cache-Control"].startswith("private")
    assert _decode(api.get(url + "?width=300").content).shape == (400, 300, 3)
    x0, y0, x1, y1 = _bbox_of(_decode(api.get(url).content), RED)
    assert abs((x0 + x1) / 2 - 150) <= 2 and abs((y0 + y1) / 2 - 200) <= 2
    r = api.get(url + "?width=2", HTTP_ACCEPT="image/png")
    assert r.status_code == 400 and "width" in r.json()
    for client in (other_api,):
        r = client.get(url, HTTP_ACCEPT="image/png")
        assert r.status_code == 404 and r["Content-Type"] == "application/json"
    assert api.get(f"/api/outfits/{outfit.pk + 1000}/image.png").status_code == 404


def test_api_plans_worn_and_calendar(api, user, closet):
    outfit = _outfit(user, closet)
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    r = api.post(f"/api/outfits/{outfit.pk}/plan/", {"date": tomorrow.isoformat()}, format="json")
    assert r.status_code == 201
    future = r.json()
    assert (future["outfit"], future["date"], future["worn"], future["outfit_name"]) == (
        outfit.pk,
        tomorrow.isoformat(),
        False,
        "Office Monday",
    )
    r = api.post(f"/api/plans/{future['id']}/worn/")
    assert r.status_code == 400 and not WearLog.objects.exists()

    today_plan = api.post(f"/api/outfits/{outfit.pk}/plan/", {"date": today.isoformat()}, format="json").json()
    r = api.post(f"/api/plans/{today_plan['id']}/worn/")
    assert r.status_code == 200 and r.json()["worn"] is True
    assert sorted(WearLog.objects.filter(worn_on=today).values_list("garment_id", flat=True)) == sorted(
        [closet["shirt"].pk, closet["jeans"].pk]
    )

    listed = api.get(f"/api/plans/?from={today.isoformat()}&to={today.isoformat()}").json()["results"]
    assert [p["id"] for p in listed] == [today_plan["id"]]
    assert len(api.get("/api/plans/").json()["results"]) == 2
    assert api.get("/api/plans/?from=2025-02-01&to=2025-01-01").json()["results"] == []  # an empty range
    assert api.get("/api/plans/?from=yesterday").status_code == 400

    r = api.get(f"/api/calendar/?month={today:%Y-%m}")
    assert r.status_code == 200
    cal = r.json()
    assert cal["month"] == f"{today:%Y-%m}"
    assert len(cal["days"]) == calendar.monthrange(today.year, today.month)[1]
    day = cal["days"][today.day - 1]
    assert day["date"] == today.isoformat()
    assert sorted(w["garment"] for w in day["wears"]) == sorted([closet["shirt"].pk, closet["jeans"].pk])
    assert [(p["id"], p["worn"]) for p in day["plans"]] == [(today_plan["id"], True)]
    for bad in ("2025-13", "june", "2025-1", "1800-01"):
        r = api.get(f"/api/calendar/?month={bad}")
        assert r.status_code == 400 and "month" in r.json(), bad
    assert api.get("/api/calendar/").json()["month"] == f"{today:%Y-%m}"

    assert api.delete(f"/api/plans/{future['id']}/").status_code == 204
    assert not OutfitPlan.objects.filter(pk=future["id"]).exists()
    assert api.post(f"/api/outfits/{outfit.pk}/plan/", {"date": "soon"}, format="json").status_code == 400


def test_api_wear_outfit(api, user, closet):
    outfit = _outfit(user, closet)
    r = api.post(f"/api/outfits/{outfit.pk}/wear/", {}, format="json")
    assert r.status_code == 200 and r.json()["worn"] and WearLog.objects.count() == 2
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = api.post(f"/api/outfits/{outfit.pk}/wear/", {"date": tomorrow.isoformat()}, format="json")
    assert r.status_code == 400 and not OutfitPlan.objects.filter(date=tomorrow).exists()


def test_api_other_user_gets_404_everywhere(api, other_api, user, closet):
    outfit = _outfit(user, closet)
    plan = outfit_services.plan_create(owner=user, outfit=outfit, date=timezone.localdate())
    o, p = f"/api/outfits/{outfit.pk}", f"/api/plans/{plan.pk}"
    calls = [
        ("get", f"{o}/"),
        ("patch", f"{o}/"),
        ("put", f"{o}/"),
        ("delete", f"{o}/"),
        ("get", f"{o}/image.png"),
        ("post", f"{o}/plan/"),
        ("post", f"{o}/wear/"),
        ("get", f"{p}/"),
        ("delete", f"{p}/"),
        ("post", f"{p}/worn/"),
    ]
    for method, url in calls:
        r = getattr(other_api, method)(
            url,
            {"name": "x", "date": timezone.localdate().isoformat(), "items": [{"garment": closet["shirt"].pk}]},
            format="json",
        )
        assert r.status_code == 404, (method, url, r.status_code)
    assert other_api.get("/api/outfits/").json()["results"] == []
    assert other_api.get("/api/plans/").json()["results"] == []
    assert all(not d["plans"] for d in other_api.get("/api/calendar/").json()["days"])
    assert Outfit.objects.get(pk=outfit.pk).name == "Office Monday" and not WearLog.objects.exists()
    assert OutfitPlan.objects.filter(pk=plan.pk, worn=False).exists()
