"""Packing reads, always scoped to one user."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from wardrobe.packing.models import PackingItem, Trip


def trips_of(*, user) -> QuerySet[Trip]:
    """The user's trips, latest start first, each with ``n_items`` and ``n_packed`` counted by the
    database."""
    return Trip.objects.filter(owner=user).annotate(
        n_items=Count("items"), n_packed=Count("items", filter=Q(items__packed=True))
    )


def trip_get(*, user, pk: int) -> Trip:
    """One of the user's trips. Raises ``Trip.DoesNotExist`` for another user's or a missing one."""
    return Trip.objects.get(owner=user, pk=pk)


def packing_items_of(*, trip: Trip) -> QuerySet[PackingItem]:
    """The trip's packing list with each garment's category, type and photo loaded."""
    return (
        PackingItem.objects.filter(trip=trip)
        .select_related("garment__category__section", "garment__type", "garment__photo")
        .prefetch_related("garment__colors")
        .order_by("pk")
    )
