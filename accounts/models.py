"""Per-user preferences."""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_review_threshold() -> float:
    return settings.REVIEW_THRESHOLD


class Profile(models.Model):
    """A user's settings: interface language and the review threshold of new detections."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
                                help_text=_("Empty: the browser's language."))
    review_threshold = models.FloatField(
        _("review threshold"), default=default_review_threshold,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("New garments whose confidence is below this wait in the review queue; "
                    "0 files everything directly, 1 sends everything to review."))
    currency = models.CharField(_("default currency"), max_length=3, default="KRW")
    # Weather for outfit suggestions: set by the user (a city looked up by name, or coordinates),
    # never guessed from the IP address.
    location_name = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True,
                                 validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)])
    longitude = models.FloatField(_("longitude"), null=True, blank=True,
                                  validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)])
    weather_provider = models.CharField(
        _("weather"), max_length=16, default="open-meteo",
        choices=[("open-meteo", _("Forecast from Open-Meteo")), ("manual", _("I type it in"))])

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"Profile of {self.user}"
