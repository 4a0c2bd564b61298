"""Per-user preferences, as plain values: accounts knows what they are, not how the rooms use them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wardrobe.core.choices import currency_choices


def default_review_threshold() -> float:
    return settings.REVIEW_THRESHOLD


class Profile(models.Model):
    """A user's settings: interface language, the review threshold of new detections, the
    default currency of prices and whether outfit suggestions may mix patterns."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the browser's language."),
    )
    review_threshold = models.FloatField(
        _("review threshold"),
        default=default_review_threshold,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_(
            "New garments whose confidence is below this wait in the review queue; "
            "0 files everything directly, 1 sends everything to review."
        ),
    )
    currency = models.CharField(_("default currency"), max_length=3, default="KRW", choices=currency_choices)
    mix_patterns = models.BooleanField(
        _("mix patterns"),
        default=False,
        help_text=_("Outfit suggestions may put several patterned pieces together (else at most one)."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"Profile of {self.user}"
