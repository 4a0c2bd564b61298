"""Closet tags (issue 18): a person's own words for their garments ("work", "gift from mum"), many per
garment. A tag's name is unique per owner whatever its case ("Work" and "work" are one tag).

``Tag.garments`` is the garment <-> tag many-to-many; a garment reads its tags as ``garment.tags``.
Refers to ``closet.Garment`` by name (``closet.models`` imports this module so that Django finds it).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

#: The longest tag name (characters).
TAG_NAME_MAX = 40
#: The most tags one person may have.
MAX_TAGS_PER_OWNER = 500
#: ``#rrggbb`` (lower or upper case), or empty.
TAG_COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class Tag(models.Model):
    """One of a person's tags: ``name`` (at most :data:`TAG_NAME_MAX` characters, unique per owner
    case-insensitively), an optional ``color`` (``#rrggbb``) and the garments it is on."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("tag"), max_length=TAG_NAME_MAX)
    color = models.CharField(
        _("colour"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(TAG_COLOR_PATTERN, _("Give a colour as #rrggbb."))],
    )
    garments = models.ManyToManyField("closet.Garment", related_name="tags", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [Lower("name"), "id"]
        constraints = [models.UniqueConstraint("owner", Lower("name"), name="tag_name_once_per_owner")]

    def __str__(self) -> str:
        return self.name
