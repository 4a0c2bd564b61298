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
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from wardrobe.closet.models import Garment, GarmentColor
from wardrobe.closet.tag_models import Tag
from wardrobe.closet.taxonomy_cache import taxonomy_cache_sync
from wardrobe.closet.version_models import SHARED, ClosetVersion

T = TypeVar("T")

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

    version: str
    counts: dict[tuple[str, int], int]
    colors: tuple[str, ...]
    tags: tuple[str, ...]

    def count(self, *, status: str) -> int:
        """The user's garments with ``status`` (``Garment.Status``)."""
        return sum(n for (s, _category_id), n in self.counts.items() if s == status)


def closet_version(*, user_id: int) -> str:
    """The version of what a closet page of user ``user_id`` shows, ``"<closet>.<taxonomy>"``: their
    closet version and the shared taxonomy's (``version_models``; 0 before the first write). One
    query; the process's taxonomy cache is emptied when the taxonomy's version has changed
    (``taxonomy_cache.taxonomy_cache_sync``), so no page is built from names older than the version
    it is kept under."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT owner_id, version FROM {ClosetVersion._meta.db_table} WHERE owner_id IN (%s, %s)",
            [SHARED, user_id],
        )
        found = dict(cursor.fetchall())
    taxonomy = int(found.get(SHARED, 0))
    taxonomy_cache_sync(taxonomy)
    return f"{int(found.get(user_id, 0))}.{taxonomy}"


def _cached(key: str, build: Callable[[], T], seconds: float = CACHE_SECONDS) -> T:
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value


def closet_cached(*, user, version: str, name: str, parts: tuple, build: Callable[[], T], seconds: float) -> T:
    """``build()``, kept ``seconds`` in the cache under the user's closet ``version``, ``name`` and
    ``parts`` (what else the value depends on: the language, the address, ...). ``build`` must read
    only what the closet version covers (the user's garments, colours, seasons, tags, and the shared
    taxonomy) and what ``parts`` name. A value of ``None`` is not kept (it is built again each time)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
    return _cached(f"closet-{name}:{user.pk}:{version}:{digest}", build, seconds)


def closet_summary(*, user) -> ClosetSummary:
    """The user's :class:`ClosetSummary` at their current closet version: from the cache, or
    counted (three grouped queries over their own rows) and cached."""
    version = closet_version(user_id=user.pk)
    return _cached(f"closet-summary:{user.pk}:{version}", lambda: _summary_build(user, version))


def _summary_build(user, version: str) -> ClosetSummary:
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


def garment_count(*, user, version: str, params: Mapping, count: Callable[[], int]) -> int:
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
