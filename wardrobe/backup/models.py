"""What an import brought in, so that importing the same archive again adds nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportedObject(models.Model):
    """One record of an imported archive and the row it became: ``kind`` (``photo``, ``garment``,
    ``outfit``, ``plan``, ``csv``, ``trip``, ``wishlist``), ``source_key`` (the record's id and
    creation moment in the export, ``"<id>@<created_at>"``, which no other record of any export
    repeats; for a CSV row, the SHA-256 of its cells and its photo's bytes) and ``target_id``, the
    primary key of the row it became in the owner's account. A record whose row still exists is not imported again."""

    class Kind(models.TextChoices):
        PHOTO = "photo"
        GARMENT = "garment"
        OUTFIT = "outfit"
        PLAN = "plan"
        CSV = "csv"
        TRIP = "trip"
        WISHLIST = "wishlist"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source_key = models.CharField(max_length=100)
    target_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "kind", "source_key"], name="imported_object_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_key} -> {self.target_id}"
