"""Seasons and colours become rows the database can filter and count.

* ``Season``: the four seasons (a frozen copy of ``vocabulary.seasons`` of the time), and
  ``Garment.seasons`` a many-to-many relation to it, instead of the string ``",spring,autumn,"``;
* ``GarmentColor``: one row per colour of a garment (name, measured hex, share, position), instead
  of the JSON list ``Garment.colors`` and its denormalised copy ``Garment.color_names``.

Existing values are copied over, then the old columns are dropped.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

#: (slug, name), calendar order: frozen here so later edits of the vocabulary change nothing.
SEASONS = [("spring", "Spring"), ("summer", "Summer"), ("autumn", "Autumn"), ("winter", "Winter")]
#: Palette colour names of the time (``vocabulary.palette``): colours stored under other names are dropped.
PALETTE = {
    "black": (20, 20, 22),
    "charcoal": (60, 62, 66),
    "grey": (128, 128, 128),
    "light grey": (190, 190, 192),
    "white": (245, 245, 242),
    "cream": (240, 230, 205),
    "beige": (215, 195, 160),
    "khaki": (170, 155, 110),
    "camel": (190, 145, 90),
    "tan": (200, 160, 120),
    "brown": (110, 70, 40),
    "dark brown": (65, 40, 25),
    "navy": (30, 40, 80),
    "blue": (40, 80, 180),
    "denim": (75, 100, 140),
    "light blue": (150, 190, 230),
    "teal": (0, 120, 120),
    "turquoise": (60, 200, 200),
    "green": (40, 140, 60),
    "dark green": (25, 70, 40),
    "olive": (110, 110, 50),
    "mint": (170, 230, 190),
    "yellow": (240, 215, 50),
    "mustard": (200, 160, 40),
    "orange": (235, 120, 40),
    "coral": (245, 125, 105),
    "red": (200, 30, 40),
    "burgundy": (110, 20, 40),
    "pink": (240, 170, 190),
    "hot pink": (230, 60, 140),
    "purple": (110, 50, 140),
    "lavender": (190, 170, 220),
}


def _hex(color: dict) -> str:
    value = str(color.get("hex") or "")
    if len(value) == 7 and value.startswith("#"):
        return value.lower()
    rgb = color.get("rgb") or PALETTE[color["name"]]
    return "#%02x%02x%02x" % tuple(int(v) for v in rgb[:3])


def forwards(apps, schema_editor):
    Season = apps.get_model("closet", "Season")
    Garment = apps.get_model("closet", "Garment")
    GarmentColor = apps.get_model("closet", "GarmentColor")
    for order, (slug, name) in enumerate(SEASONS):
        Season.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    through = Garment.seasons.through
    season_rows, color_rows = [], []
    for garment_id, seasons, colors in Garment.objects.values_list("id", "seasons_text", "colors_json").iterator():
        for slug in dict.fromkeys(v for v in (seasons or "").split(",") if v in dict(SEASONS)):
            season_rows.append(through(garment_id=garment_id, season_id=slug))
        seen = set()
        for color in colors or []:
            if not isinstance(color, dict) or color.get("name") not in PALETTE or color["name"] in seen:
                continue
            seen.add(color["name"])
            color_rows.append(
                GarmentColor(
                    garment_id=garment_id,
                    position=len(seen) - 1,
                    name=color["name"],
                    hex=_hex(color),
                    fraction=float(color.get("fraction") or 0.0),
                )
            )
        if len(season_rows) + len(color_rows) > 5000:
            through.objects.bulk_create(season_rows)
            GarmentColor.objects.bulk_create(color_rows)
            season_rows, color_rows = [], []
    through.objects.bulk_create(season_rows)
    GarmentColor.objects.bulk_create(color_rows)


def backwards(apps, schema_editor):
    Garment = apps.get_model("closet", "Garment")
    GarmentColor = apps.get_model("closet", "GarmentColor")
    order = [slug for slug, _ in SEASONS]
    seasons: dict[int, list[str]] = {}
    for garment_id, slug in Garment.seasons.through.objects.values_list("garment_id", "season_id"):
        seasons.setdefault(garment_id, []).append(slug)
    colors: dict[int, list[dict]] = {}
    for row in GarmentColor.objects.order_by("garment_id", "position"):
        h = row.hex.lstrip("#")
        colors.setdefault(row.garment_id, []).append(
            {
                "rgb": [int(h[i : i + 2], 16) for i in (0, 2, 4)],
                "hex": row.hex,
                "name": row.name,
                "fraction": row.fraction,
            }
        )
    for garment in Garment.objects.all():
        chosen = [s for s in order if s in seasons.get(garment.pk, [])]
        garment.seasons_text = "," + ",".join(chosen) + "," if chosen else ""
        garment.colors_json = colors.get(garment.pk, [])
        names = [c["name"] for c in garment.colors_json]
        garment.color_names = "," + ",".join(names) + "," if names else ""
        garment.save(update_fields=["seasons_text", "colors_json", "color_names"])


class Migration(migrations.Migration):
    dependencies = [("closet", "0001_adopt_tables")]

    operations = [
        migrations.CreateModel(
            name="Season",
            fields=[
                ("slug", models.SlugField(max_length=16, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=40)),
                ("order", models.PositiveSmallIntegerField(default=0)),
            ],
            options={"ordering": ["order"]},
        ),
        migrations.RenameField("garment", "seasons", "seasons_text"),
        migrations.RenameField("garment", "colors", "colors_json"),
        migrations.AddField(
            model_name="garment",
            name="seasons",
            field=models.ManyToManyField(
                blank=True, related_name="garments", to="closet.season", verbose_name="seasons"
            ),
        ),
        migrations.CreateModel(
            name="GarmentColor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("name", models.CharField(choices=[(n, n) for n in PALETTE], max_length=32)),
                ("hex", models.CharField(max_length=7)),
                (
                    "fraction",
                    models.FloatField(
                        default=0.0,
                        validators=[
                            django.core.validators.MinValueValidator(0.0),
                            django.core.validators.MaxValueValidator(1.0),
                        ],
                    ),
                ),
                (
                    "garment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="colors", to="closet.garment"
                    ),
                ),
            ],
            options={
                "ordering": ["garment", "position"],
                "indexes": [models.Index(fields=["name", "garment"], name="garmentcolor_name_idx")],
                "constraints": [models.UniqueConstraint(fields=("garment", "name"), name="colour_once_per_garment")],
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField("garment", "seasons_text"),
        migrations.RemoveField("garment", "colors_json"),
        migrations.RemoveField("garment", "color_names"),
    ]
