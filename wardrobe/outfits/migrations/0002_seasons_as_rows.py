"""An outfit's seasons become a many-to-many relation to ``closet.Season`` instead of the string
``",spring,autumn,"``; existing values are copied over, then the old column is dropped."""

from django.db import migrations, models

SEASONS = ["spring", "summer", "autumn", "winter"]


def forwards(apps, schema_editor):
    Outfit = apps.get_model("outfits", "Outfit")
    through = Outfit.seasons.through
    through.objects.bulk_create(
        through(outfit_id=outfit_id, season_id=slug)
        for outfit_id, text in Outfit.objects.values_list("id", "seasons_text").iterator()
        for slug in dict.fromkeys(v for v in (text or "").split(",") if v in SEASONS)
    )


def backwards(apps, schema_editor):
    Outfit = apps.get_model("outfits", "Outfit")
    seasons: dict[int, list[str]] = {}
    for outfit_id, slug in Outfit.seasons.through.objects.values_list("outfit_id", "season_id"):
        seasons.setdefault(outfit_id, []).append(slug)
    for outfit in Outfit.objects.all():
        chosen = [s for s in SEASONS if s in seasons.get(outfit.pk, [])]
        outfit.seasons_text = "," + ",".join(chosen) + "," if chosen else ""
        outfit.save(update_fields=["seasons_text"])


class Migration(migrations.Migration):
    dependencies = [("outfits", "0001_adopt_tables"), ("closet", "0002_seasons_and_colours_as_rows")]

    operations = [
        migrations.RenameField("outfit", "seasons", "seasons_text"),
        migrations.AddField(
            model_name="outfit",
            name="seasons",
            field=models.ManyToManyField(
                blank=True, related_name="outfits", to="closet.season", verbose_name="seasons"
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField("outfit", "seasons_text"),
    ]
