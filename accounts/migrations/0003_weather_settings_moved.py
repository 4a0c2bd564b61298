"""The weather place and provider left the profile for ``weather.WeatherSettings`` (copied by that
app's first migration, which runs before this one)."""

from django.db import migrations, models

import wardrobe.core.choices


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_profile_location"), ("weather", "0001_initial")]

    operations = [
        migrations.RemoveField("profile", "location_name"),
        migrations.RemoveField("profile", "latitude"),
        migrations.RemoveField("profile", "longitude"),
        migrations.RemoveField("profile", "weather_provider"),
        migrations.AlterField(
            model_name="profile",
            name="currency",
            field=models.CharField(
                choices=wardrobe.core.choices.currency_choices,
                default="KRW",
                max_length=3,
                verbose_name="default currency",
            ),
        ),
    ]
