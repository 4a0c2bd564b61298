"""Wardrobe data: the taxonomy (sections, categories, types), photos and the garments found in them."""
from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models


class Section(models.Model):
    """A closet section (tops, bottoms, shoes, ...)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A garment category, the detector's class (Fashionpedia apparel categories)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="categories")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section__order", "order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class GarmentType(models.Model):
    """A finer name inside one category (jeans inside pants, sneakers inside shoe)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="types")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category__order", "order", "name"]

    def __str__(self) -> str:
        return self.name


def _owner_path(prefix: str, owner_id: int, filename: str, suffix: str = "") -> str:
    ext = PurePosixPath(filename).suffix.lower() or ".bin"
    return f"{prefix}/{owner_id}/{uuid.uuid4().hex}{suffix}{ext}"


def photo_upload_to(instance: "Photo", filename: str) -> str:
    """``photos/<owner id>/<random uuid>.<ext>``: owner-specific and unguessable."""
    return _owner_path("photos", instance.owner_id, filename)


def garment_mask_upload_to(instance: "Garment", filename: str) -> str:
    """``garments/<owner id>/<random uuid>-mask.png``."""
    return _owner_path("garments", instance.owner_id, filename, "-mask")


def garment_cutout_upload_to(instance: "Garment", filename: str) -> str:
    """``garments/<owner id>/<random uuid>-cutout.png``."""
    return _owner_path("garments", instance.owner_id, filename, "-cutout")


class Photo(models.Model):
    """An uploaded photo and the state of its processing."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_upload_to, max_length=255)
    original_filename = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    processing_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"Photo {self.pk} ({self.original_filename or 'unnamed'})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Garment(models.Model):
    """One garment found in a photo: box and mask in photo pixels, a transparent cutout, colours."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="garments")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="garments")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="garments")
    type = models.ForeignKey(GarmentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="garments")
    score = models.FloatField(help_text="Combined confidence, 0..1.")
    detector_score = models.FloatField(default=0.0)
    classifier_score = models.FloatField(default=0.0)
    x0 = models.PositiveIntegerField()
    y0 = models.PositiveIntegerField()
    x1 = models.PositiveIntegerField()
    y1 = models.PositiveIntegerField()
    mask = models.FileField(upload_to=garment_mask_upload_to, max_length=255,
                            help_text="1-bit PNG at the photo's resolution.")
    cutout = models.FileField(upload_to=garment_cutout_upload_to, max_length=255,
                              help_text="RGBA PNG cropped to the box.")
    colors = models.JSONField(default=list, blank=True,
                              help_text='List of {"rgb": [r,g,b], "hex": "#rrggbb", "name": str, "fraction": float}.')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "category"])]

    def __str__(self) -> str:
        return f"{self.category} #{self.pk}"

    @property
    def bbox(self) -> list[int]:
        """``[x0, y0, x1, y1]`` in original-photo pixels."""
        return [self.x0, self.y0, self.x1, self.y1]

    @property
    def box_width(self) -> int:
        return self.x1 - self.x0

    @property
    def box_height(self) -> int:
        return self.y1 - self.y0

    @property
    def section(self) -> Section:
        return self.category.section

    @property
    def label(self) -> str:
        return self.type.name if self.type_id else self.category.name
