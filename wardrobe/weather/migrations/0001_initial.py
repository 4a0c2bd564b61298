"""Weather settings get a table of their own: the place and provider move out of the account's
profile (``accounts_profile``), values copied over."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import wardrobe.weather.providers


def forwards(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    WeatherSettings = apps.get_model("weather", "WeatherSettings")
    WeatherSettings.objects.bulk_create(
        WeatherSettings(
            user_id=p.user_id,
            provider=p.weather_provider or "open-meteo",
            location_name=p.location_name,
            latitude=p.latitude,
            longitude=p.longitude,
        )
        for p in Profile.objects.all().iterator()
    )


def backwards(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    WeatherSettings = apps.get_model("weather", "WeatherSettings")
    for w in WeatherSettings.objects.all():
        Profile.objects.filter(user_id=w.user_id).update(
            weather_provider=w.provider, location_name=w.location_name, latitude=w.latitude, longitude=w.longitude
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_profile_location"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WeatherSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "provider",
                    models.CharField(
                        choices=wardrobe.weather.providers.provider_choices,
                        default="open-meteo",
                        max_length=16,
                        verbose_name="weather",
                    ),
                ),
                ("location_name", models.CharField(blank=True, max_length=200, verbose_name="location")),
                (
                    "latitude",
                    models.FloatField(
                        blank=True,
                        help_text="Degrees, north positive.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(-90.0),
                            django.core.validators.MaxValueValidator(90.0),
                        ],
                        verbose_name="latitude",
                    ),
                ),
                (
                    "longitude",
                    models.FloatField(
                        blank=True,
                        help_text="Degrees, east positive.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(-180.0),
                            django.core.validators.MaxValueValidator(180.0),
                        ],
                        verbose_name="longitude",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="weather_settings",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "weather settings", "verbose_name_plural": "weather settings"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
