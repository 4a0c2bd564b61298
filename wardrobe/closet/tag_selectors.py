"""Tag reads (issue 18), scoped to one user: their tags with garment counts, one tag, their tag names."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from wardrobe.closet.tag_models import Tag


def tag_list(*, user) -> QuerySet[Tag]:
    """The user's tags, by name whatever the case, each with ``garment_count`` (their garments with it)."""
    return Tag.objects.filter(owner=user).annotate(garment_count=Count("garments"))


def tag_get(*, user, tag_id: int) -> Tag:
    """One of the user's tags with ``garment_count``. Raises ``Tag.DoesNotExist`` for a missing or
    someone else's tag."""
    return tag_list(user=user).get(pk=tag_id)


def tag_names(*, user) -> list[str]:
    """The names of the user's tags, sorted case-insensitively (the item page's suggestions)."""
    return list(Tag.objects.filter(owner=user).values_list("name", flat=True))
