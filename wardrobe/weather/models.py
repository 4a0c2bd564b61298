"""A user's weather settings: their place (never guessed from their address) and where the weather
comes from (a provider of ``wardrobe.weather.providers``)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wardrobe.weather.providers import DEFAULT_PROVIDER, provider_choices


class WeatherSettings(models.Model):
    """Where the user is, as a place looked up by name or coordinates they typed (both or neither),
    and the provider of their forecast."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weather_settings")
    provider = models.CharField(_("weather"), max_length=16, default=DEFAULT_PROVIDER, choices=provider_choices)
    location_name = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)],
        help_text="Degrees, north positive.",
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)],
        help_text="Degrees, east positive.",
    )

    class Meta:
        verbose_name = _("weather settings")
        verbose_name_plural = _("weather settings")

    def __str__(self) -> str:
        return f"Weather settings of {self.user}"

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None
