"""Closet reads. Every selector is scoped to one user; nothing here returns another user's rows.
List filters are ``django-filter`` FilterSets (:mod:`wardrobe.closet.filters`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from vision.contract import Guess
from vision.similarity import cosine_matrix
from wardrobe.closet.filters import GarmentFilter, PhotoFilter
from wardrobe.closet.models import BoxRequest, Category, Garment, GarmentColor, GarmentType, Photo, Section, WearLog
from wardrobe.closet.similar_models import (
    GarmentEmbedding,
    GarmentPhoto,
    current_embedding_version,
    vector_from_bytes,
)
from wardrobe.closet.summary_selectors import ClosetSummary, closet_summary
from wardrobe.closet.tag_models import Tag
from wardrobe.closet.taxonomy_cache import taxonomy_cached


def photo_list(*, user, filters: Mapping | None = None) -> QuerySet[Photo]:
    """The user's photos, newest first, with ``garment_count`` annotated; ``filters``: see
    ``PhotoFilter`` (``ids``: only those, oldest id first, with ``review_count`` too)."""
    qs = (
        Photo.objects.filter(owner=user)
        .annotate(garment_count=Count("garments"))
        .prefetch_related(
            Prefetch(  # "You already own this" (issue 16): the upload status shows both pictures
                "garments",
                queryset=Garment.objects.filter(duplicate_of__isnull=False).select_related("duplicate_of"),
                to_attr="duplicate_garments",
            )
        )
        .order_by("-created_at", "-id")
    )
    return PhotoFilter(filters, queryset=qs).qs if filters else qs


def photo_get(*, user, photo_id: int) -> Photo:
    """One of the user's photos. Raises ``Photo.DoesNotExist`` for a missing or someone else's photo."""
    return Photo.objects.get(owner=user, pk=photo_id)


def box_requests_of(*, user, photo_id: int, limit: int = 10) -> list[BoxRequest]:
    """The latest boxes the user drew on their photo ``photo_id`` to add a garment, newest first
    (what the photo page polls); none for someone else's photo."""
    return list(BoxRequest.objects.filter(photo__owner=user, photo_id=photo_id).order_by("-created_at", "-pk")[:limit])


def garments_of(*, user) -> QuerySet[Garment]:
    """All the user's garments with what a page or the API shows of each loaded (category, section,
    type, photo, colours, seasons), newest first: the base of every garment list."""
    return (
        Garment.objects.filter(owner=user)
        .select_related("category__section", "type", "photo")
        .prefetch_related(Prefetch("colors", queryset=GarmentColor.objects.order_by("position")), "seasons", "tags")
        .order_by("-created_at", "-id")
    )


def garment_list(*, user, filters: Mapping | None = None, strict: bool = True) -> QuerySet[Garment]:
    """The user's garments, filtered and sorted by ``GarmentFilter`` (section, category, type,
    colour, season, state, words, photo, review, ids, sort). An invalid filter value raises
    ``ValidationError`` (its messages keyed by filter), or with ``strict=False`` is left out.
    The closet queries use the ``(owner, status, -created_at)`` and ``(owner, status, wear_count)``
    indexes, so a page stays fast with thousands of garments."""
    filterset = GarmentFilter(filters or {}, queryset=garments_of(user=user))
    if strict and not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


#: The fields a garment card reads (``cards.garment_card_html``), the only ones :func:`garment_cards` loads.
CARD_FIELDS = (
    "id", "owner_id", "name", "brand", "status", "archive_reason", "wear_count", "laundry",
    "picture", "photo_id", "x0", "y0", "x1", "y1", "cutout", "category_id", "type_id",
)  # fmt: skip


def garment_card_rows(garments: QuerySet[Garment]) -> list[tuple[tuple, tuple[str, ...]]]:
    """``garments`` (a filtered, sliced queryset: one page) read for a grid of cards, in order: one
    ``(values, hexes)`` per garment, ``values`` its ``CARD_FIELDS`` (a garment has about 60 columns;
    loading them all took three times the CPU) and ``hexes`` the hex codes (``"#rrggbb"``) of its
    first three colours, read for the whole page in one query of ``(garment, position, hex)`` rows
    rather than a prefetch (which builds a related manager per garment). Two queries, no model
    instance."""
    return garment_card_rows_from_values(
        list(garments.select_related(None).prefetch_related(None).values_list(*CARD_FIELDS))
    )


def garment_card_rows_from_values(rows: list[tuple]) -> list[tuple[tuple, tuple[str, ...]]]:
    """:func:`garment_card_rows` of garments whose ``CARD_FIELDS`` values (``rows``) were read
    already: their first three colours' hex codes read in one query."""
    hexes: dict[int, list[str]] = {row[0]: [] for row in rows}
    colors = (
        GarmentColor.objects.filter(garment_id__in=list(hexes), position__lt=3)
        .order_by("garment_id", "position")
        .values_list("garment_id", "hex")
    )
    for garment_id, hex_code in colors:
        hexes[garment_id].append(hex_code)
    return [(row, tuple(hexes[row[0]])) for row in rows]


def garment_cards_from_rows(rows: list[tuple[tuple, tuple[str, ...]]]) -> list[Garment]:
    """Garments (``CARD_FIELDS`` loaded, as ``.only()`` would) from :func:`garment_card_rows`, each
    with ``card_hexes`` set and its ``category`` and ``type`` the rows of the process's taxonomy
    cache (shared: not to be changed; a row missing there is read when used). No query."""
    categories, types = _taxonomy_by_id()
    db = Garment.objects.db
    names = [f.attname for f in Garment._meta.concrete_fields if f.attname in CARD_FIELDS]
    order = [CARD_FIELDS.index(name) for name in names]
    page = []
    for values, hexes in rows:
        garment = Garment.from_db(db, CARD_FIELDS, [values[i] for i in order])  # model field order
        if garment.category_id in categories:  # a row newer than the cache (another process's edit) is read when used
            Garment.category.field.set_cached_value(garment, categories[garment.category_id])
        if garment.type_id in types:
            Garment.type.field.set_cached_value(garment, types[garment.type_id])
        garment.card_hexes = list(hexes)
        page.append(garment)
    return page


def garment_cards(garments: QuerySet[Garment]) -> list[Garment]:
    """``garments`` (a filtered, sliced queryset: one page) read for a grid of cards
    (:func:`garment_card_rows`, :func:`garment_cards_from_rows`): two queries, no join."""
    return garment_cards_from_rows(garment_card_rows(garments))


def _taxonomy_by_id() -> tuple[dict[int, Category], dict[int, GarmentType]]:
    """``({category id: category}, {type id: type})`` from the process's taxonomy cache."""

    def build():
        return {c.pk: c for c in Category.objects.all()}, {t.pk: t for t in type_list()}

    return taxonomy_cached("taxonomy_by_id", build)


#: ``GarmentColor``'s fields, in the model's order (``garments_load_related`` builds rows from them).
COLOR_FIELDS = ["id", "garment_id", "position", "name", "hex", "fraction"]


def garments_load_related(garments: list[Garment]) -> list[Garment]:
    """Read the colours, seasons and tag names of ``garments`` (one page, loaded without
    ``prefetch_related``) in three queries and keep them on each garment: ``loaded_colors``
    (``GarmentColor`` rows by position), ``loaded_seasons`` (slugs in calendar order) and
    ``loaded_tag_names`` (sorted case-insensitively), which ``color_list``, ``season_list`` and the
    API's ``tags`` read. A prefetch builds a related manager per garment and relation: on a page of
    50 this takes half the CPU (issue 18 point 10). Returns ``garments``."""
    ids = [g.pk for g in garments]
    colors: dict[int, list[GarmentColor]] = {pk: [] for pk in ids}
    seasons: dict[int, list[tuple[int, str]]] = {pk: [] for pk in ids}
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    # One query (UNION ALL) rather than three: each is a round trip to the database, whose cost the
    # web process pays in CPU as well (issue 18 point 10). Rows: (kind, garment, id, number, text, hex, fraction).
    color_rows = (
        GarmentColor.objects.filter(garment_id__in=ids)
        .order_by()
        .values_list(Value(0), "garment_id", "id", "position", "name", "hex", "fraction")
    )
    season_rows = (
        Garment.seasons.through.objects.filter(garment_id__in=ids)
        .order_by()
        .values_list(Value(1), "garment_id", "id", "season__order", "season__slug", Value(""), Value(0.0))
    )
    tag_rows = (
        Tag.garments.through.objects.filter(garment_id__in=ids)
        .order_by()
        .values_list(Value(2), "garment_id", "id", Value(0), "tag__name", Value(""), Value(0.0))
    )
    for kind, garment_id, pk, number, text, hex_code, fraction in color_rows.union(season_rows, tag_rows, all=True):
        if kind == 0:
            values = [pk, garment_id, number, text, hex_code, fraction]  # the model's field order
            colors[garment_id].append(GarmentColor.from_db(GarmentColor.objects.db, COLOR_FIELDS, values))
        elif kind == 1:
            seasons[garment_id].append((number, text))
        else:
            tags[garment_id].append(text)
    for found in colors.values():
        found.sort(key=lambda color: color.position)
    for g in garments:
        g.loaded_colors = colors[g.pk]
        g.loaded_seasons = [slug for _order, slug in sorted(seasons[g.pk])]
        g.loaded_tag_names = sorted(tags[g.pk], key=str.casefold)
    return garments


def garments_by_ids(*, user, ids: list[int]) -> QuerySet[Garment]:
    """The user's garments among ``ids`` (others' ids are left out), newest first."""
    return garments_of(user=user).filter(pk__in=ids)


def garment_get(*, user, garment_id: int) -> Garment:
    """One of the user's garments. Raises ``Garment.DoesNotExist`` for a missing or someone else's garment."""
    return garments_of(user=user).get(pk=garment_id)


def review_queue(*, user) -> QuerySet[Garment]:
    """The user's garments waiting for review, grouped by photo (newest photo first), best score first."""
    return (
        garments_of(user=user)
        .filter(status=Garment.Status.REVIEW)
        .order_by("-photo__created_at", "photo_id", "-score", "id")
    )


def review_count(*, user, summary: ClosetSummary | None = None) -> int:
    """How many of the user's garments wait for review (from the closet ``summary``, read when not given)."""
    return (summary or closet_summary(user=user)).count(status=Garment.Status.REVIEW)


def wear_list(*, user, garment_id: int | None = None) -> QuerySet[WearLog]:
    """The user's wear log, most recent day first, optionally for one garment."""
    qs = WearLog.objects.filter(owner=user).select_related("garment")
    if garment_id is not None:
        qs = qs.filter(garment_id=garment_id)
    return qs


def color_choices(*, user, summary: ClosetSummary | None = None) -> list[str]:
    """Colour names found on the user's garments, most frequent first (the closet ``summary``,
    read when not given)."""
    return list((summary or closet_summary(user=user)).colors)


def category_list_with_counts(*, user, status: str | None = Garment.Status.CLOSET) -> QuerySet[Category]:
    """All categories in taxonomy order, each with ``count``: the number of the user's garments in
    it with ``status`` (default: in the closet; ``None`` counts every garment).

    Counted by one correlated subquery per category on the ``(owner, category)`` index, so only this
    user's garments are read: joining every garment to the categories made one closet slower as
    the whole installation grew (issue 18)."""
    mine = Garment.objects.filter(owner=user, category=OuterRef("pk"))
    if status:
        mine = mine.filter(status=status)
    counted = mine.order_by().values("category").annotate(n=Count("pk")).values("n")
    return (
        Category.objects.select_related("section")
        .annotate(count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
        .order_by("section__order", "order", "name")
    )


def section_list_with_counts(*, user, summary: ClosetSummary | None = None) -> list[Section]:
    """All sections in order, each with ``count`` (the user's garments in the closet) and
    ``category_list`` (its categories with the user's ``count``, only those with at least one).

    The counts come from the closet ``summary`` (read when not given: cached per closet version,
    :mod:`wardrobe.closet.summary_selectors`); the sections and categories from the process's
    taxonomy cache (:mod:`wardrobe.closet.taxonomy_cache`), copied before the counts are set on them."""
    summary = summary or closet_summary(user=user)
    counts = {c: n for (status, c), n in summary.counts.items() if status == Garment.Status.CLOSET}
    sections = []
    for cached_section, cached_categories in taxonomy_cached("sections", _sections_with_categories):
        section = copy.copy(cached_section)
        section.category_list = []
        for cached in cached_categories:
            if counts.get(cached.pk):
                category = copy.copy(cached)
                category.count = counts[cached.pk]
                section.category_list.append(category)
        section.count = sum(c.count for c in section.category_list)
        sections.append(section)
    return sections


def _sections_with_categories() -> list[tuple[Section, list[Category]]]:
    """``[(section, [its categories])]`` in taxonomy order (what :func:`section_list_with_counts` caches)."""
    categories = list(Category.objects.order_by("section__order", "order", "name"))
    return [(s, [c for c in categories if c.section_id == s.pk]) for s in Section.objects.all()]


def type_list() -> list[GarmentType]:
    """All garment types with their category, in taxonomy order (from the process's taxonomy cache:
    shared, not to be changed)."""
    return taxonomy_cached("types", lambda: list(GarmentType.objects.select_related("category")))


def category_choices() -> QuerySet[Category]:
    """All categories with their section and types, in taxonomy order (for the kind pickers)."""
    return Category.objects.select_related("section").prefetch_related(
        Prefetch("types", queryset=GarmentType.objects.order_by("order", "name"))
    )


def kind_names() -> dict[tuple[str, str], str]:
    """``{("category", slug): name, ("type", slug): name}`` in English (templates translate them)."""
    names = {("category", slug): name for slug, name in Category.objects.values_list("slug", "name")}
    names.update({("type", slug): name for slug, name in GarmentType.objects.values_list("slug", "name")})
    return names


# --- "You already own this" (issue 16): appearance vectors of the user's garments -------------------

#: How many of the owner's garments re-rank the model's guesses for a new one (the latest first).
RERANK_NEIGHBOURS = 500
#: Statuses of the garments a person owns (similar items, matches, duplicates).
OWNED = (Garment.Status.CLOSET, Garment.Status.REVIEW)


def garment_vectors(*, user, garments: QuerySet[Garment] | None = None) -> tuple[list[int], np.ndarray]:
    """``(ids, matrix)``: the ids of the user's garments (``garments``, default those in the closet)
    that have an appearance vector of the current embedding version, and their vectors as float32
    (n, D) rows, unit norm (``(0, 0)`` when none)."""
    version = current_embedding_version()
    qs = (garments if garments is not None else Garment.objects.filter(status=Garment.Status.CLOSET)).filter(
        owner=user, embedding__model_version=version
    )
    rows = list(
        GarmentEmbedding.objects.filter(garment__in=qs.values("pk"), model_version=version).values_list(
            "garment_id", "vector"
        )
    )
    if not rows:
        return [], np.zeros((0, 0), np.float32)
    return [pk for pk, _v in rows], np.stack([vector_from_bytes(v) for _pk, v in rows])


def garment_vector(*, garment: Garment) -> np.ndarray | None:
    """The garment's appearance vector, float32 (D,), or None when it has none of the current
    embedding version."""
    row = (
        GarmentEmbedding.objects.filter(garment=garment, model_version=current_embedding_version())
        .values_list("vector", flat=True)
        .first()
    )
    return None if row is None else vector_from_bytes(row)


def garments_ranked(*, user, vector: np.ndarray, exclude: tuple[int, ...] = (), limit: int = 6) -> list[dict]:
    """The user's garments in the closet closest to ``vector`` (float (D,), unit norm) by cosine
    similarity: ``[{"id", "similarity"}]`` best first, at most ``limit``, ids in ``exclude`` left out.
    Similarity is rounded to 4 decimals, in [-1, 1]."""
    ids, matrix = garment_vectors(user=user)
    keep = [i for i, pk in enumerate(ids) if pk not in exclude]
    if not keep:
        return []
    scores = cosine_matrix(np.asarray(vector, np.float32)[None, :], matrix[keep])[0]
    order = np.argsort(-scores, kind="stable")[:limit]
    return [{"id": ids[keep[i]], "similarity": round(float(scores[i]), 4)} for i in order]


def garment_similar(*, user, garment: Garment, limit: int = 6) -> list[dict]:
    """The user's items in the closet most like their ``garment`` (not itself): see
    :func:`garments_ranked`; ``[]`` when the garment has no appearance vector."""
    vector = garment_vector(garment=garment)
    return [] if vector is None else garments_ranked(user=user, vector=vector, exclude=(garment.pk,), limit=limit)


def _guesses(stored) -> list[Guess]:
    """``Garment.guesses`` (JSON) as :class:`vision.contract.Guess` (entries without a category left out)."""
    return [
        Guess(g["category"], g.get("type"), float(g.get("score") or 0.0))
        for g in stored or []
        if isinstance(g, dict) and g.get("category")
    ]


def rerank_neighbours(
    *, user_id: int, exclude_photo_id: int | None = None, limit: int = RERANK_NEIGHBOURS
) -> list[tuple[np.ndarray, str, str | None, list[Guess]]]:
    """The ``neighbours`` of ``vision.similarity.personal_rerank`` for user ``user_id``: (vector,
    category slug, type slug or None, the model's guesses when it came) of their latest ``limit``
    garments in the closet or archived (confirmed by them, corrected, or filed by the model and
    kept), newest change first, none of photo ``exclude_photo_id``."""
    rows = (
        GarmentEmbedding.objects.filter(
            garment__owner_id=user_id,
            garment__status__in=[Garment.Status.CLOSET, Garment.Status.ARCHIVED],
            model_version=current_embedding_version(),
        )
        .exclude(garment__photo_id=exclude_photo_id)
        .order_by("-garment__updated_at", "-garment_id")
        .values_list("vector", "garment__category__slug", "garment__type__slug", "garment__guesses")[:limit]
    )
    return [(vector_from_bytes(v), category, type_slug, _guesses(guesses)) for v, category, type_slug, guesses in rows]


def extra_photos_of(*, user, garment_id: int) -> QuerySet[GarmentPhoto]:
    """The other photos of the user's garment ``garment_id`` (added by "It's the same"), oldest first."""
    return GarmentPhoto.objects.filter(garment__owner=user, garment_id=garment_id).select_related("photo")
