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
#: Filters (with the values allowed, ``None``: any) whose garments change only when garments are added,
#: removed or moved to another status or category (``ClosetVersions.counts``) or when the taxonomy
#: changes: their counts are kept under those versions (``garment_count``). ``state=clean`` or ``wash``
#: also reads the laundry state, which the counts' version does not follow.
BY_COUNTS: dict[str, frozenset | None] = {
    "section": None,
    "category": None,
    "review": None,
    "state": frozenset({"closet", "archived", "review", "all"}),
}


@dataclass(frozen=True)
class ClosetSummary:
    """One user's closet at one ``version``:

    * ``counts``: ``{(status, category_id): number of garments}``;
    * ``colors``: colour names on their garments, most frequent first (then by name);
    * ``tags``: their tag names, sorted case-insensitively;
    * ``versions``: the :class:`ClosetVersions` they were read under."""

    version: str
    counts: dict[tuple[str, int], int]
    colors: tuple[str, ...]
    tags: tuple[str, ...]
    versions: ClosetVersions | None = None

    def count(self, *, status: str) -> int:
        """The user's garments with ``status`` (``Garment.Status``)."""
        return sum(n for (s, _category_id), n in self.counts.items() if s == status)


@dataclass(frozen=True)
class ClosetVersions:
    """What :func:`closet_versions` reads: ``token`` (``"<closet>.<taxonomy>"``: changes with any
    write of the user's closet or of the shared taxonomy), ``colors``, ``tags`` and ``counts`` (change
    only with the user's colour rows, tag rows, and garments added, removed or moved to another
    status or category) and ``taxonomy`` (the shared taxonomy's alone)."""

    token: str
    colors: int
    tags: int
    counts: int
    taxonomy: int = 0


def closet_versions(*, user_id: int) -> ClosetVersions:
    """The versions of what a closet page of user ``user_id`` shows (``version_models``; 0 before
    the first write): one query. The process's taxonomy cache is emptied when the taxonomy's version
    has changed (``taxonomy_cache.taxonomy_cache_sync``), so no page is built from names older than
    the version it is kept under."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT owner_id, version, colors_version, tags_version, counts_version "
            f"FROM {ClosetVersion._meta.db_table} "
            "WHERE owner_id IN (%s, %s)",
            [SHARED, user_id],
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    taxonomy = int(found.get(SHARED, (0,))[0])
    taxonomy_cache_sync(taxonomy)
    version, colors, tags, counts = (int(v) for v in found.get(user_id, (0, 0, 0, 0)))
    return ClosetVersions(token=f"{version}.{taxonomy}", colors=colors, tags=tags, counts=counts, taxonomy=taxonomy)


def closet_version(*, user_id: int) -> str:
    """``closet_versions(user_id=...).token``: the key under which anything of the user's closet is kept."""
    return closet_versions(user_id=user_id).token


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


def garments_cached(
    *, rows: list[tuple[int, int]], parts: tuple, build: Callable[[list[int]], dict[int, T]], seconds: float
) -> list[T]:
    """One value per garment of ``rows`` (``(id, revision)`` pairs, ``Garment.revision``: one page),
    in order, each kept ``seconds`` in the cache under the garment's id and revision and ``parts``
    (what else the value depends on: the taxonomy's and tags' versions, the language, the host, ...).
    ``build(ids)`` makes the values of the garments not kept (``{id: value}``; an id it leaves out,
    a garment deleted since, is left out of the result): after an edit only the edited garments
    are built again. One ``get_many``, and one ``set_many`` when something was built."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
    keys = {pk: f"garment-{digest}:{pk}:{revision}" for pk, revision in rows}
    kept = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in kept]
    if missing:
        made = build(missing)
        cache.set_many({keys[pk]: value for pk, value in made.items()}, seconds)
        kept.update((keys[pk], value) for pk, value in made.items())
    return [kept[keys[pk]] for pk, _revision in rows if keys[pk] in kept]


def closet_summary(*, user) -> ClosetSummary:
    """The user's :class:`ClosetSummary` at their current closet version, from the cache or counted
    and cached, each under the version of what it counts (``ClosetVersions``): marking an item worn,
    say, counts nothing again, while archiving it counts the categories again but not the colours
    (the costliest of the three at 20,000 garments)."""
    versions = closet_versions(user_id=user.pk)
    builds = {
        f"closet-counts:{user.pk}:{versions.counts}": lambda: _counts(user),
        f"closet-colors:{user.pk}:{versions.colors}": lambda: _colors(user),
        f"closet-tags:{user.pk}:{versions.tags}": lambda: _tags(user),
    }
    kept = cache.get_many(list(builds))  # one round trip for the three
    made = {key: build() for key, build in builds.items() if key not in kept}
    if made:
        cache.set_many(made, CACHE_SECONDS)
    counts, colors, tags = ({**kept, **made}[key] for key in builds)
    return ClosetSummary(version=versions.token, counts=counts, colors=colors, tags=tags, versions=versions)


def _counts(user) -> dict[tuple[str, int], int]:
    rows = Garment.objects.filter(owner=user).order_by().values_list("status", "category_id").annotate(n=Count("pk"))
    return {(status, category_id): n for status, category_id, n in rows}


def _colors(user) -> tuple[str, ...]:
    return tuple(
        GarmentColor.objects.filter(garment__owner=user)
        .values("name")
        .annotate(n=Count("garment_id"))
        .order_by("-n", "name")
        .values_list("name", flat=True)
    )


def _tags(user) -> tuple[str, ...]:
    return tuple(Tag.objects.filter(owner=user).values_list("name", flat=True))  # Meta.ordering: by name, any case


def garment_count(*, user, versions: ClosetVersions, params: Mapping, count: Callable[[], int]) -> int:
    """How many of the user's garments a list filtered by ``params`` holds (its query parameters: a
    ``QueryDict`` or a ``{name: value}`` dict; empty values and ``NOT_FILTERS`` ignored), where
    ``count()`` counts it in the database.

    Cached under the user's ``versions`` (:func:`closet_versions`) and the parameters: a list that
    only filters by status, section or category (``BY_COUNTS``) under the counts' and taxonomy's
    versions, so marking an item worn or editing its colours counts nothing again; any other list
    under the whole closet version. A word search, ``q``, is always counted: it also matches the
    taxonomy's names, which an administrator may rename."""
    lists = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())
    used = sorted((k, [v for v in values if v not in (None, "")]) for k, values in lists if k not in NOT_FILTERS)
    used = [(k, values) for k, values in used if values]
    if any(k == "q" for k, _values in used):
        return count()
    by_counts = all(k in BY_COUNTS and (BY_COUNTS[k] is None or set(v) <= BY_COUNTS[k]) for k, v in used)
    version = f"c{versions.counts}.{versions.taxonomy}" if by_counts else versions.token
    digest = hashlib.sha256(repr(used).encode()).hexdigest()[:24]
    return _cached(f"closet-count:{user.pk}:{version}:{digest}", count)
