"""Wishlist reads, scoped to one user: their items, one item, and the owned items most like each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import QuerySet

from wardrobe.closet import selectors as closet_selectors
from wardrobe.closet.models import Garment, GarmentColor
from wardrobe.wishlist import similar
from wardrobe.wishlist.models import WishlistItem

#: How many of the owner's closet items (the newest) the similar-items ranking reads.
MAX_CANDIDATES = 2000
#: Similar owned items shown per wishlist item.
SIMILAR_LIMIT = 4


def wishlist_list(*, user) -> QuerySet[WishlistItem]:
    """The user's wishlist, newest first, with category, section and type loaded."""
    return WishlistItem.objects.filter(owner=user).select_related("category__section", "type")


def wishlist_get(*, user, item_id: int) -> WishlistItem:
    """One of the user's wishlist items. Raises ``WishlistItem.DoesNotExist`` for a missing or
    someone else's item."""
    return wishlist_list(user=user).get(pk=item_id)


def _candidates(user) -> list[similar.Candidate]:
    rows = list(
        Garment.objects.filter(owner=user, status=Garment.Status.CLOSET)
        .order_by("-created_at", "-id")
        .values_list("pk", "category_id", "type_id", "category__section_id")[:MAX_CANDIDATES]
    )
    colors: dict[int, list[str]] = defaultdict(list)
    for garment_id, hex_value in (
        GarmentColor.objects.filter(garment_id__in=[r[0] for r in rows])
        .order_by("garment_id", "position")
        .values_list("garment_id", "hex")
    ):
        colors[garment_id].append(hex_value)
    return [similar.Candidate(pk, cat, typ, sec, tuple(colors.get(pk, ()))) for pk, cat, typ, sec in rows]


def wishlist_similar(
    *, user, items: Sequence[WishlistItem], limit: int = SIMILAR_LIMIT
) -> dict[int, list[tuple[Garment, float]]]:
    """For each of ``items`` (the user's), the ``limit`` items in the user's closet most like it
    (``wishlist.similar.rank``: same kind and close colours), best first, as ``(garment, score)``
    with score in 0..1. One read of the closet for all items; ``{}`` when the closet is empty."""
    candidates = _candidates(user) if items else []
    if not candidates:
        return {item.pk: [] for item in items}
    ranked = {
        item.pk: similar.rank(
            candidates,
            colors=item.colors or [],
            category_id=item.category_id,
            type_id=item.type_id,
            section_id=item.category.section_id if item.category_id else None,
            limit=limit,
        )
        for item in items
    }
    ids = {pk for rows in ranked.values() for pk, _score in rows}
    garments = {g.pk: g for g in closet_selectors.garments_by_ids(user=user, ids=list(ids))}
    return {
        item_id: [(garments[pk], score) for pk, score in rows if pk in garments] for item_id, rows in ranked.items()
    }
