"""A trip and its packing list."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Trip(models.Model):
    """A trip: where (a place looked up by name, as for the home location), when (``start_date`` to
    ``end_date``, both included) and what for (``activities``: slugs of ``packing.rules.ACTIVITIES``)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trips")
    name = models.CharField(_("name"), max_length=120)
    location_name = models.CharField(_("place"), max_length=200)
    latitude = models.FloatField(validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)])
    longitude = models.FloatField(validators=[MinValueValidator(-180.0), MaxValueValidator(180.0)])
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    activities = models.JSONField(_("activities"), default=list, blank=True)
    # The outfits planned on the calendar for the trip's days (replaced when planned again).
    outfits = models.ManyToManyField("outfits.Outfit", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["owner", "-start_date"], name="packing_trip_owner_start")]

    def __str__(self) -> str:
        return self.name

    @property
    def days(self) -> int:
        """The trip's length in days, both ends included."""
        return (self.end_date - self.start_date).days + 1


class PackingItem(models.Model):
    """One line of a trip's packing list: a garment of the closet in a ``role`` (an outfit role of
    ``vocabulary.roles``), ``proposed`` by the rules or added by the person, ticked off once
    ``packed``."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="items")
    garment = models.ForeignKey("closet.Garment", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16)
    proposed = models.BooleanField(default=True)
    packed = models.BooleanField(_("packed"), default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["trip", "garment"], name="packing_item_once_per_trip")]

    def __str__(self) -> str:
        return f"{self.garment_id} for trip {self.trip_id}"
