"""An installation of the first version (one app labelled ``wardrobe``, seasons and colours as strings,
the weather place in the profile) migrates to the rooms without losing a row, on PostgreSQL.

Django's ``MigrationExecutor`` takes the test database back to the first version's last migrations
(so every migration since is also run backwards), the test writes rows in every table through the
historical models of that time, then migrates forward and reads them back through the new ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIRST_VERSION = [
    ("wardrobe", "0005_outfits_warmth"),
    ("accounts", "0002_profile_location"),
    ("closet", None),
    ("outfits", None),
    ("weather", None),
]
LATEST = [
    ("wardrobe", "0006_hand_over_to_closet_and_outfits"),
    ("closet", "0003_choices_and_limits_declared_once"),
    ("outfits", "0002_seasons_as_rows"),
    ("weather", "0001_initial"),
    ("accounts", "0003_weather_settings_moved"),
]
MOVED = {
    "closet": ["section", "category", "garmenttype", "photo", "garment", "wearlog"],
    "outfits": ["outfit", "outfititem", "outfitplan"],
}
COLORS = [
    [
        {"rgb": [30, 40, 80], "hex": "#1e2850", "name": "navy", "fraction": 0.7},
        {"rgb": [245, 245, 242], "hex": "#f5f5f2", "name": "white", "fraction": 0.3},
    ],
    [{"rgb": [200, 30, 40], "hex": "#c81e28", "name": "red", "fraction": 1.0}],
    [],
]
SEASONS = [",spring,autumn,", ",winter,", ""]


def _first_version_rows(apps) -> dict:
    """Rows in every table of the first version, written with its historical models."""
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("accounts", "Profile")
    Token = apps.get_model("authtoken", "Token")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Category = apps.get_model("wardrobe", "Category")
    GarmentType = apps.get_model("wardrobe", "GarmentType")
    Photo = apps.get_model("wardrobe", "Photo")
    Garment = apps.get_model("wardrobe", "Garment")
    WearLog = apps.get_model("wardrobe", "WearLog")
    Outfit = apps.get_model("wardrobe", "Outfit")
    OutfitItem = apps.get_model("wardrobe", "OutfitItem")
    OutfitPlan = apps.get_model("wardrobe", "OutfitPlan")

    alice = User.objects.create(username="alice", password="!")
    bob = User.objects.create(username="bob", password="!")
    Profile.objects.create(
        user=alice,
        language="ko",
        review_threshold=0.6,
        currency="USD",
        location_name="Seoul, South Korea",
        latitude=37.566,
        longitude=126.9784,
        weather_provider="open-meteo",
    )
    Profile.objects.create(user=bob, weather_provider="manual")
    Token.objects.create(user=alice, key="a" * 40)
    # The content types of the time (created by post_migrate in a real installation) and a staff
    # permission on one of them.
    types = {
        model: ContentType.objects.get_or_create(app_label="wardrobe", model=model)[0]
        for models_ in MOVED.values()
        for model in models_
    }
    permission, _ = Permission.objects.get_or_create(
        codename="view_garment", content_type=types["garment"], defaults={"name": "Can view garment"}
    )
    alice.user_permissions.add(permission)

    photo = Photo.objects.create(
        owner=alice, image="photos/1/a.jpg", original_filename="a.jpg", width=400, height=533, status="done", attempts=1
    )
    Photo.objects.create(owner=bob, image="photos/2/b.jpg", width=10, height=10, status="pending")
    shirt = Category.objects.get(slug="shirt-blouse")
    garments = []
    for i, (colors, seasons) in enumerate(zip(COLORS, SEASONS)):
        names = [c["name"] for c in colors]
        garments.append(
            Garment.objects.create(
                owner=alice,
                photo=photo,
                category=shirt,
                type=GarmentType.objects.get(slug="shirt"),
                score=0.9 - i / 10,
                detector_score=0.9,
                classifier_score=0.8,
                x0=1,
                y0=2,
                x1=30,
                y1=40,
                mask=f"garments/1/{i}-mask.png",
                cutout=f"garments/1/{i}-cutout.png",
                colors=colors,
                color_names="," + ",".join(names) + "," if names else "",
                guesses=[{"category": "shirt-blouse", "type": "shirt", "score": 0.9}],
                seasons=seasons,
                status=["closet", "review", "archived"][i],
                name=f"shirt {i}",
                price=Decimal("12.50"),
                currency="USD",
                warmth_clo=0.3 if i == 0 else None,
                wear_count=1 if i == 0 else 0,
            )
        )
    WearLog.objects.create(owner=alice, garment=garments[0], worn_on=dt.date(2026, 1, 2))
    outfit = Outfit.objects.create(owner=alice, name="Monday", occasion="work", seasons=",spring,winter,")
    OutfitItem.objects.create(outfit=outfit, garment=garments[0], x=0.4, y=0.3, width=0.5, z=2)
    OutfitPlan.objects.create(owner=alice, outfit=outfit, date=dt.date(2026, 1, 3), worn=True)
    Outfit.objects.create(owner=alice, name="No seasons", seasons="")
    return {
        "users": User.objects.count(),
        "photos": Photo.objects.count(),
        "garments": [g.pk for g in garments],
        "outfit": outfit.pk,
        "permission": permission.pk,
        "types": {m: t.pk for m, t in types.items()},
    }


@pytest.fixture
def migrate_to():
    """``migrate_to(targets)`` migrates the test database (forwards or backwards) and returns the
    historical apps of that state; afterwards the database goes back to the latest migrations."""

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        return executor.migrate(targets).apps

    yield migrate
    call_command("migrate", verbosity=0)


def test_a_first_version_database_migrates_with_every_row(migrate_to):
    before = _first_version_rows(migrate_to(FIRST_VERSION))
    apps = migrate_to(LATEST)

    User = apps.get_model("auth", "User")
    Garment = apps.get_model("closet", "Garment")
    assert User.objects.count() == before["users"]
    assert apps.get_model("closet", "Photo").objects.count() == before["photos"]
    assert apps.get_model("closet", "Category").objects.count() == 27
    assert apps.get_model("closet", "GarmentType").objects.count() == 51
    assert list(apps.get_model("closet", "Season").objects.values_list("slug", flat=True)) == [
        "spring",
        "summer",
        "autumn",
        "winter",
    ]

    # Garments keep their ids and every field; colours and seasons became rows.
    garments = {g.pk: g for g in Garment.objects.filter(pk__in=before["garments"])}
    assert len(garments) == 3
    GarmentColor = apps.get_model("closet", "GarmentColor")
    for pk, colors, seasons in zip(before["garments"], COLORS, SEASONS):
        g = garments[pk]
        assert (g.name, g.price, g.currency, g.guesses[0]["type"]) == (
            f"shirt {before['garments'].index(pk)}",
            Decimal("12.50"),
            "USD",
            "shirt",
        )
        rows = list(GarmentColor.objects.filter(garment=g).order_by("position").values_list("name", "hex", "fraction"))
        assert rows == [(c["name"], c["hex"], c["fraction"]) for c in colors]
        assert sorted(g.seasons.values_list("slug", flat=True)) == sorted(v for v in seasons.split(",") if v)
    assert garments[before["garments"][0]].warmth_clo == 0.3
    assert [garments[pk].status for pk in before["garments"]] == ["closet", "review", "archived"]
    assert list(Garment.objects.filter(colors__name="navy").values_list("pk", flat=True)) == [before["garments"][0]]
    assert list(Garment.objects.filter(seasons="winter").values_list("pk", flat=True)) == [before["garments"][1]]

    # The wear log, outfits with their seasons and canvas, the calendar.
    assert apps.get_model("closet", "WearLog").objects.get().worn_on == dt.date(2026, 1, 2)
    Outfit = apps.get_model("outfits", "Outfit")
    outfit = Outfit.objects.get(pk=before["outfit"])
    assert sorted(outfit.seasons.values_list("slug", flat=True)) == ["spring", "winter"]
    item = apps.get_model("outfits", "OutfitItem").objects.get(outfit=outfit)
    assert (item.garment_id, item.x, item.y, item.width, item.z) == (before["garments"][0], 0.4, 0.3, 0.5, 2)
    assert apps.get_model("outfits", "OutfitPlan").objects.get(outfit=outfit).worn is True
    assert not Outfit.objects.get(name="No seasons").seasons.exists()

    # The weather place moved out of the profile; the profile keeps the rest.
    alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
    WeatherSettings = apps.get_model("weather", "WeatherSettings")
    place = WeatherSettings.objects.get(user=alice)
    assert (place.provider, place.location_name, place.latitude, place.longitude) == (
        "open-meteo",
        "Seoul, South Korea",
        37.566,
        126.9784,
    )
    assert WeatherSettings.objects.get(user=bob).provider == "manual"
    profile = apps.get_model("accounts", "Profile").objects.get(user=alice)
    assert (profile.language, profile.review_threshold, profile.currency) == ("ko", 0.6, "USD")
    assert not hasattr(profile, "latitude")
    assert apps.get_model("authtoken", "Token").objects.get(user=alice).key == "a" * 40

    # Content types followed their models: permissions and admin history still point at them.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models_ in MOVED.items():
        for model in models_:
            assert ContentType.objects.get(pk=before["types"][model]).app_label == app_label
    assert not ContentType.objects.filter(app_label="wardrobe").exists()
    permission = apps.get_model("auth", "Permission").objects.get(pk=before["permission"])
    assert (permission.content_type.app_label, permission.content_type.model) == ("closet", "garment")
    assert alice.user_permissions.filter(pk=permission.pk).exists()


def test_the_tables_keep_their_names():
    """Moved models keep the first version's tables, so nothing is copied."""
    from django.apps import apps

    for app_label, models_ in MOVED.items():
        for model in models_:
            assert apps.get_model(app_label, model)._meta.db_table == f"wardrobe_{model}"
