"""Outfits: named sets of a user's garments laid out on a canvas, and the calendar of outfits
planned or worn. The tables are those of the first version of the app (``wardrobe_*``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wardrobe.closet.models import Garment, Season


class Outfit(models.Model):
    """A named set of the user's garments, laid out on a canvas (the builder), or accepted from a
    suggestion."""

    class Occasion(models.TextChoices):
        CASUAL = "casual", _("Casual")
        WORK = "work", _("Work")
        FORMAL = "formal", _("Formal")
        SPORT = "sport", _("Sport")
        PARTY = "party", _("Party")
        TRAVEL = "travel", _("Travel")
        HOME = "home", _("Home")

    class Source(models.TextChoices):
        BUILDER = "builder", _("Built")
        SUGGESTION = "suggestion", _("Suggested")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfits")
    name = models.CharField(_("name"), max_length=120)
    occasion = models.CharField(_("occasion"), max_length=16, choices=Occasion.choices, blank=True)
    seasons = models.ManyToManyField(Season, verbose_name=_("seasons"), blank=True, related_name="outfits")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.BUILDER)
    explanation = models.CharField(
        max_length=300, blank=True, help_text="Why a suggested outfit was chosen (its weather line)."
    )
    garments = models.ManyToManyField(Garment, through="OutfitItem", related_name="outfits")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "wardrobe_outfit"
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="wardrobe_ou_owner_i_5e7ca7_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def season_list(self) -> list[str]:
        """Season slugs in calendar order (prefetch ``seasons``)."""
        return [s.slug for s in sorted(self.seasons.all(), key=lambda s: s.order)]


class OutfitItem(models.Model):
    """One garment on an outfit's canvas. Positions are fractions of the canvas (0..1, origin top
    left), so the layout is independent of the size it is drawn at; ``z`` is the layer (higher on top)."""

    outfit = models.ForeignKey(Outfit, on_delete=models.CASCADE, related_name="items")
    garment = models.ForeignKey(Garment, on_delete=models.CASCADE, related_name="outfit_items")
    x = models.FloatField(default=0.5, help_text="Centre, fraction of the canvas width.")
    y = models.FloatField(default=0.5, help_text="Centre, fraction of the canvas height.")
    width = models.FloatField(default=0.4, help_text="Fraction of the canvas width.")
    z = models.SmallIntegerField(default=0)

    class Meta:
        db_table = "wardrobe_outfititem"
        ordering = ["z", "id"]
        constraints = [models.UniqueConstraint(fields=["outfit", "garment"], name="garment_once_per_outfit")]

    def __str__(self) -> str:
        return f"{self.garment} in {self.outfit}"


class OutfitPlan(models.Model):
    """An outfit on the calendar: planned for a day, or worn that day (an accepted suggestion, or a
    planned outfit marked worn)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfit_plans")
    outfit = models.ForeignKey(Outfit, on_delete=models.CASCADE, related_name="plans")
    date = models.DateField(_("date"))
    worn = models.BooleanField(_("worn"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "wardrobe_outfitplan"
        ordering = ["date", "id"]
        constraints = [models.UniqueConstraint(fields=["outfit", "date"], name="outfit_once_per_day")]
        indexes = [models.Index(fields=["owner", "date"], name="wardrobe_ou_owner_i_6a22c2_idx")]

    def __str__(self) -> str:
        return f"{self.outfit} on {self.date}"
