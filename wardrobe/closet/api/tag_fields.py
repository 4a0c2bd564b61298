"""The ``tags`` field of a garment in the API (issue 18): tag names, read from ``garment.tags``."""

from __future__ import annotations

from rest_framework import serializers

from wardrobe.closet.services.tags import MAX_TAGS_PER_GARMENT
from wardrobe.closet.tag_models import TAG_NAME_MAX
from wardrobe.core.api.fields import FormListField


class TagNamesField(FormListField):
    """A list of tag names (each 1..40 characters, no comma; any case matches an existing tag; an
    unknown one is created when written). Read: the garment's tags, sorted case-insensitively."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "child", serializers.CharField(max_length=TAG_NAME_MAX, allow_blank=False, trim_whitespace=True)
        )
        kwargs.setdefault("max_length", MAX_TAGS_PER_GARMENT)
        kwargs.setdefault("help_text", "Tag names (your own words); an unknown name creates the tag.")
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        """The garment's tag names as ``selectors.garments_load_related`` kept them, if it did (no
        related manager is made then), else its ``tags``."""
        loaded = getattr(instance, "__dict__", {}).get("loaded_tag_names") if self.source == "tags" else None
        return loaded if loaded is not None else super().get_attribute(instance)

    def to_representation(self, data):
        if hasattr(data, "all"):
            return sorted((tag.name for tag in data.all()), key=str.casefold)
        return [str(name) for name in data]
