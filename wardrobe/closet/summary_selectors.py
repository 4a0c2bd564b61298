"""What a closet page counts, read once per closet version (issue 18 point 10: the closet opens in
the same time at 500 and at 20,000 garments).

Counting a user's garments per category, their colours and their tags reads every one of their
garments: 10-17 ms of database time at 20,000 garments on each request. These counts change only
when the closet does, so they are kept in Django's cache (``CACHES``, Redis in production) under the
user's closet version (:class:`~wardrobe.closet.version_models.ClosetVersion`), which database
triggers change on every write of a garment, colour, season, tag or tag link, however it was made.
A request reads the version (one primary-key lookup), then the cached summary; after any write the
version differs and the summary is counted again. A summary read inside a transaction that is
later rolled back is kept under a version no one will read again (the version of a rolled-back
write is never handed out twice).

When the cache cannot be reached (``FailOpenRedisCache``: a miss), everything is counted from the
database as before, so a cache outage makes the page slower, never wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from wardrobe.closet.models import Garment, GarmentColor
from wardrobe.closet.tag_models import Tag
from wardrobe.closet.version_models import ClosetVersion

#: Seconds a summary or a count stays in the cache (a newer version replaces it sooner).
CACHE_SECONDS = 600
#: Parameters that do not change which garments a list holds (left out of a count's cache key).
NOT_FILTERS = frozenset({"sort", "page", "page_size", "format"})


@dataclass(frozen=True)
class ClosetSummary:
    """One user's closet at one ``version``:

    * ``counts``: ``{(status, category_id): number of garments}``;
    * ``colors``: colour names on their garments, most frequent first (then by name);
    * ``tags``: their tag names, sorted case-insensitively."""

    version: int
    counts: dict[tuple[str, int], int]
    colors: tuple[str, ...]
    tags: tuple[str, ...]

    def count(self, *, status: str) -> int:
        """The user's garments with ``status`` (``Garment.Status``)."""
        return sum(n for (s, _category_id), n in self.counts.items() if s == status)


def closet_version(*, user_id: int) -> int:
    """The closet version of user ``user_id`` (0 before their first garment or tag): one
    primary-key lookup."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {ClosetVersion._meta.db_table} WHERE owner_id = %s", [user_id])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _cached(key: str, build: Callable[[], object]) -> object:
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    return value


def closet_summary(*, user) -> ClosetSummary:
    """The user's :class:`ClosetSummary` at their current closet version: from the cache, or
    counted (three grouped queries over their own rows) and cached."""
    version = closet_version(user_id=user.pk)
    return _cached(f"closet-summary:{user.pk}:{version}", lambda: _summary_build(user, version))


def _summary_build(user, version: int) -> ClosetSummary:
    rows = Garment.objects.filter(owner=user).order_by().values_list("status", "category_id").annotate(n=Count("pk"))
    colors = (
        GarmentColor.objects.filter(garment__owner=user)
        .values("name")
        .annotate(n=Count("garment_id"))
        .order_by("-n", "name")
        .values_list("name", flat=True)
    )
    tags = Tag.objects.filter(owner=user).values_list("name", flat=True)  # Meta.ordering: by name, any case
    return ClosetSummary(
        version=version,
        counts={(status, category_id): n for status, category_id, n in rows},
        colors=tuple(colors),
        tags=tuple(tags),
    )


def garment_count(*, user, version: int, params: Mapping, count: Callable[[], int]) -> int:
    """How many of the user's garments a list filtered by ``params`` holds (its query parameters: a
    ``QueryDict`` or a ``{name: value}`` dict; empty values and ``NOT_FILTERS`` ignored), where
    ``count()`` counts it in the database.

    Cached under the closet ``version`` (:func:`closet_version`) and the parameters (a word search,
    ``q``, is always counted: it also matches the taxonomy's names, which an administrator may
    rename)."""
    lists = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())
    used = sorted((k, [v for v in values if v not in (None, "")]) for k, values in lists if k not in NOT_FILTERS)
    used = [(k, values) for k, values in used if values]
    if any(k == "q" for k, _values in used):
        return count()
    digest = hashlib.sha256(repr(used).encode()).hexdigest()[:24]
    return _cached(f"closet-count:{user.pk}:{version}:{digest}", count)
