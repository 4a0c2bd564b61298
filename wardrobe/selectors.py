"""Wardrobe reads. Every selector is scoped to one user; nothing here returns another user's rows."""
from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, QuerySet

from wardrobe.models import Category, Garment, GarmentType, Photo, Section, WearLog


def photo_list(*, user) -> QuerySet[Photo]:
    """The user's photos, newest first, with ``garment_count`` annotated."""
    return (Photo.objects.filter(owner=user).annotate(garment_count=Count("garments"))
            .order_by("-created_at", "-id"))


def photo_list_by_ids(*, user, ids: list[int]) -> QuerySet[Photo]:
    """The user's photos among ``ids`` (others' ids are ignored), with ``garment_count`` and
    ``review_count`` annotated: what the upload page polls."""
    return (Photo.objects.filter(owner=user, pk__in=ids)
            .annotate(garment_count=Count("garments"),
                      review_count=Count("garments", filter=Q(garments__status=Garment.Status.REVIEW)))
            .order_by("id"))


def photo_get(*, user, photo_id: int) -> Photo:
    """One of the user's photos. Raises ``Photo.DoesNotExist`` for a missing or someone else's photo."""
    return Photo.objects.get(owner=user, pk=photo_id)


#: Closet filter ``state`` values: which garments a list shows.
STATES = ("closet", "clean", "wash", "archived", "review", "all")
#: Closet sort orders: name -> ORDER BY.
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "most-worn": ("-wear_count", "-created_at", "-id"),
    "least-worn": ("wear_count", "created_at", "id"),
    "last-worn": (F("last_worn_on").desc(nulls_last=True), "-id"),
}


def garment_list(*, user, section: str | None = None, category: str | None = None,
                 type: str | None = None, color: str | None = None, season: str | None = None,
                 state: str | None = None, q: str | None = None, sort: str | None = None,
                 photo_id: int | None = None, ids: list[int] | None = None) -> QuerySet[Garment]:
    """The user's garments, filtered and sorted.

    Filters (all optional): ``section`` / ``category`` / ``type`` slugs; ``color`` a colour name;
    ``season`` a season slug; ``state`` one of :data:`STATES` (``closet``: confirmed and not archived,
    ``clean`` / ``wash``: those of the closet in that laundry state, ``archived``, ``review``: waiting
    for review, ``all``; default ``all``); ``q`` words that must each appear in the name, brand or
    notes (case-insensitive); ``photo_id``; ``ids``. ``sort``: a key of :data:`SORTS` (default
    newest). Unknown ``state`` / ``sort`` values raise ``ValueError``.
    The closet queries use the ``(owner, status, -created_at)`` and ``(owner, status, wear_count)``
    indexes, so a page stays fast with thousands of garments.
    """
    qs = Garment.objects.filter(owner=user).select_related("category__section", "type", "photo")
    state = state or "all"
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    if state in ("closet", "clean", "wash"):
        qs = qs.filter(status=Garment.Status.CLOSET)
        if state != "closet":
            qs = qs.filter(laundry=state)
    elif state == "archived":
        qs = qs.filter(status=Garment.Status.ARCHIVED)
    elif state == "review":
        qs = qs.filter(status=Garment.Status.REVIEW)
    if section:
        qs = qs.filter(category__section__slug=section)
    if category:
        qs = qs.filter(category__slug=category)
    if type:
        qs = qs.filter(type__slug=type)
    if color:
        qs = qs.filter(color_names__contains=f",{color},")
    if season:
        qs = qs.filter(seasons__contains=f",{season},")
    for word in (q or "").split()[:8]:
        qs = qs.filter(Q(name__icontains=word) | Q(brand__icontains=word) | Q(notes__icontains=word))
    if photo_id is not None:
        qs = qs.filter(photo_id=photo_id)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    sort = sort or "newest"
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    return qs.order_by(*SORTS[sort])


def review_queue(*, user) -> QuerySet[Garment]:
    """The user's garments waiting for review, grouped by photo (newest photo first), best score first."""
    return (Garment.objects.filter(owner=user, status=Garment.Status.REVIEW)
            .select_related("category__section", "type", "photo")
            .order_by("-photo__created_at", "photo_id", "-score", "id"))


def review_count(*, user) -> int:
    """How many of the user's garments wait for review."""
    return Garment.objects.filter(owner=user, status=Garment.Status.REVIEW).count()


def wear_list(*, user, garment_id: int | None = None) -> QuerySet[WearLog]:
    """The user's wear log, most recent day first, optionally for one garment."""
    qs = WearLog.objects.filter(owner=user).select_related("garment")
    if garment_id is not None:
        qs = qs.filter(garment_id=garment_id)
    return qs


def color_choices(*, user) -> list[str]:
    """Colour names found on the user's closet garments, most frequent first."""
    counts: dict[str, int] = {}
    for names in Garment.objects.filter(owner=user).exclude(color_names="").values_list("color_names", flat=True):
        for name in names.split(","):
            if name:
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: (-counts[n], n))


def garment_get(*, user, garment_id: int) -> Garment:
    """One of the user's garments. Raises ``Garment.DoesNotExist`` for a missing or someone else's garment."""
    return garment_list(user=user).get(pk=garment_id)


def category_list_with_counts(*, user, status: str = Garment.Status.CLOSET) -> QuerySet[Category]:
    """All categories in taxonomy order, each with ``count``: the number of the user's garments in
    it with ``status`` (default: in the closet; ``None`` counts every garment)."""
    cond = Q(garments__owner=user)
    if status:
        cond &= Q(garments__status=status)
    return Category.objects.select_related("section").annotate(
        count=Count("garments", filter=cond)).order_by("section__order", "order", "name")


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


def kind_names() -> dict[tuple[str, str], str]:
    """``{("category", slug): name, ("type", slug): name}`` in English (templates translate them)."""
    names = {("category", slug): name for slug, name in Category.objects.values_list("slug", "name")}
    names.update({("type", slug): name for slug, name in GarmentType.objects.values_list("slug", "name")})
    return names
