"""Wishlist data: one row per thing a person wants.

Its photo (optional) is checked and re-encoded like a closet photo (``closet/images.py``) and stored
under ``wishlist/<owner id>/<random>.<ext>``; it is served to its owner only. ``colors`` keeps the
photo's dominant colours (``vision.colors``, computed in the web process: no model, no torch), which
with the chosen category and type find the most similar items owned (``wishlist.similar``).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wardrobe.core.choices import currency_choices

#: The longest link (characters).
LINK_MAX = 500
NAME_MAX = 120
NOTES_MAX = 4000


def wishlist_photo_upload_to(instance: WishlistItem, filename: str) -> str:
    """``wishlist/<owner id>/<random uuid>.<ext>``: owner-specific and unguessable."""
    ext = PurePosixPath(filename).suffix.lower() or ".jpg"
    return f"wishlist/{instance.owner_id}/{uuid.uuid4().hex}{ext}"


class WishlistItem(models.Model):
    """Something a person wants: ``name``, an optional photo (with its dominant ``colors``: a list of
    ``{"name", "hex", "fraction"}``, largest share first), a ``link`` (http or https), a ``price``
    and its ``currency``, what it is (``category`` / ``type``, optional) and ``notes``."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items")
    name = models.CharField(_("name"), max_length=NAME_MAX)
    photo = models.FileField(_("photo"), upload_to=wishlist_photo_upload_to, max_length=255, blank=True)
    colors = models.JSONField(default=list, blank=True, help_text="Dominant colours of the photo, largest first.")
    link = models.URLField(
        _("link"), max_length=LINK_MAX, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True, choices=currency_choices)
    category = models.ForeignKey(
        "closet.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    type = models.ForeignKey(
        "closet.GarmentType", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("type")
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="wishlist_owner_created_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        """Type or category name in the active language; "" when not given."""
        if self.type_id:
            return self.type.display_name
        return self.category.display_name if self.category_id else ""
