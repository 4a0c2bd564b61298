"""Wardrobe reads. Every selector is scoped to one user; nothing here returns another user's rows."""
from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from wardrobe.models import Category, Garment, GarmentType, Photo, Section


def photo_list(*, user) -> QuerySet[Photo]:
    """The user's photos, newest first, with ``garment_count`` annotated."""
    return (Photo.objects.filter(owner=user).annotate(garment_count=Count("garments"))
            .order_by("-created_at", "-id"))


def photo_get(*, user, photo_id: int) -> Photo:
    """One of the user's photos. Raises ``Photo.DoesNotExist`` for a missing or someone else's photo."""
    return Photo.objects.get(owner=user, pk=photo_id)


def garment_list(*, user, section: str | None = None, category: str | None = None,
                 photo_id: int | None = None) -> QuerySet[Garment]:
    """The user's garments, newest first, optionally filtered by section slug, category slug or photo id."""
    qs = Garment.objects.filter(owner=user).select_related("category__section", "type", "photo")
    if section:
        qs = qs.filter(category__section__slug=section)
    if category:
        qs = qs.filter(category__slug=category)
    if photo_id is not None:
        qs = qs.filter(photo_id=photo_id)
    return qs


def garment_get(*, user, garment_id: int) -> Garment:
    """One of the user's garments. Raises ``Garment.DoesNotExist`` for a missing or someone else's garment."""
    return garment_list(user=user).get(pk=garment_id)


def category_list_with_counts(*, user) -> QuerySet[Category]:
    """All categories in taxonomy order, each with ``count``: the number of the user's garments in it."""
    return Category.objects.select_related("section").annotate(
        count=Count("garments", filter=Q(garments__owner=user))).order_by("section__order", "order", "name")


def section_list_with_counts(*, user) -> list[Section]:
    """All sections in order, each with ``count`` (the user's garments) and ``category_list``
    (its categories with the user's ``count``, only those with at least one garment)."""
    categories = list(category_list_with_counts(user=user))
    sections = list(Section.objects.all())
    for section in sections:
        section.category_list = [c for c in categories if c.section_id == section.pk and c.count]
        section.count = sum(c.count for c in categories if c.section_id == section.pk)
    return sections


def type_list() -> QuerySet[GarmentType]:
    """All garment types with their category, in taxonomy order."""
    return GarmentType.objects.select_related("category")


def category_choices() -> QuerySet[Category]:
    """All categories with their section, in taxonomy order (for forms)."""
    return Category.objects.select_related("section").prefetch_related(
        Prefetch("types", queryset=GarmentType.objects.order_by("order", "name")))
