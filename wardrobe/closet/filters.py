"""List filters of the closet (django-filter): the same FilterSets serve the pages, the API and the
API's OpenAPI parameters."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from vocabulary.palette import COLOR_NAMES
from vocabulary.seasons import SEASONS
from wardrobe.closet.attribute_filters import GarmentAttributeFilters
from wardrobe.closet.attribute_names import attribute_values_matching
from wardrobe.closet.models import Garment, Photo
from wardrobe.closet.names import taxonomy_names_matching

#: Most ids one ``ids`` filter (or one bulk request) may name.
MAX_IDS = 200

#: ``state`` values: which garments a list shows.
STATES = {
    "closet": _("In the closet"),
    "clean": _("Clean"),
    "wash": _("In the wash"),
    "archived": _("Archived"),
    "review": _("To review"),
    "all": _("Everything"),
}
#: Sort orders: name -> (label, ORDER BY).
SORTS = {
    "newest": (_("Newest"), ("-created_at", "-id")),
    "oldest": (_("Oldest"), ("created_at", "id")),
    "most-worn": (_("Most worn"), ("-wear_count", "-created_at", "-id")),
    "least-worn": (_("Least worn"), ("wear_count", "created_at", "id")),
    "last-worn": (_("Recently worn"), (F("last_worn_on").desc(nulls_last=True), "-id")),
}
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


def _unknown(what: str, values) -> dict:
    """The ``invalid_choice`` message of a choice filter: names the value and the choices."""
    return {
        "invalid_choice": _("Unknown %(what)s “%%(value)s”; choose one of %(values)s.")
        % {"what": what, "values": ", ".join(str(v) for v in values)}
    }


@extend_schema_field({"type": "string", "pattern": SLUG_PATTERN})
class SlugFilter(django_filters.CharFilter):
    """A slug (letters, digits, ``-``, ``_``), as ``forms.SlugField`` checks it."""

    field_class = forms.SlugField


@extend_schema_field({"type": "integer", "minimum": 1})
class IdFilter(django_filters.NumberFilter):
    """A positive id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "maxLength": 200, "pattern": r"^[^\x00]*$"})
class WordsFilter(django_filters.CharFilter):
    """Free text, at most 200 characters, no NUL (PostgreSQL cannot store one)."""


class IdsField(forms.CharField):
    """Comma-separated positive ids (``1,2,3``; the parameter may also repeat), at most ``MAX_IDS``."""

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        parts = [p.strip() for p in str(value or "").split(",") if p.strip()]
        ids = []
        for part in parts:
            if not (part.isascii() and part.isdigit()) or int(part) < 1:  # not "²", which int() refuses
                raise forms.ValidationError(_("Not an id: %(value)s."), params={"value": part}, code="invalid")
            ids.append(int(part))
        if len(ids) > MAX_IDS:
            raise forms.ValidationError(_("At most %(n)d ids."), params={"n": MAX_IDS}, code="max_ids")
        return list(dict.fromkeys(ids))


class IdsWidget(forms.TextInput):
    """Reads every value of a repeated parameter (``?ids=1,2&ids=3``)."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return ",".join(data.getlist(name)) or None
        return data.get(name)


@extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": MAX_IDS})
class IdsFilter(django_filters.Filter):
    field_class = IdsField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", IdsWidget)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(pk__in=value) if value else qs


class StrictBooleanField(forms.Field):
    """``true`` or ``false``, as OpenAPI writes a boolean (not ``1``, ``yes`` or ``maybe``); empty: not given."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", True):
            return True
        if value in ("false", False):
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def strict_boolean_filter(help_text: str, **kwargs) -> StrictBooleanFilter:
    """A :class:`StrictBooleanFilter` documented in the OpenAPI schema as a boolean with
    ``help_text`` as its description (a schema given by ``extend_schema_field`` replaces the one
    drf-spectacular builds, description included, so each filter gets a class of its own)."""
    schema = {**build_basic_type(OpenApiTypes.BOOL), "description": help_text}
    documented = extend_schema_field(schema)(type("StrictBooleanFilter", (StrictBooleanFilter,), {}))
    return documented(help_text=help_text, **kwargs)


class GarmentFilterForm(forms.Form):
    """Refuses contradictory ``review`` and ``state`` values."""

    def clean(self):
        data = super().clean()
        review, state = data.get("review"), data.get("state")
        if review is True and state not in (None, "", "review", "all"):
            raise forms.ValidationError(
                {
                    "review": forms.ValidationError(
                        _("review=true contradicts state=%(state)s."), params={"state": state}
                    )
                }
            )
        if review is False and state == "review":
            raise forms.ValidationError({"review": _("review=false contradicts state=review.")})
        return data


class GarmentFilter(GarmentAttributeFilters):
    """Filters of a garment list; all optional, combined with AND (the attributes' filters come from
    ``GarmentAttributeFilters``)."""

    section = SlugFilter(field_name="category__section__slug", help_text="Section slug.")
    category = SlugFilter(field_name="category__slug", help_text="Category slug.")
    type = SlugFilter(field_name="type__slug", help_text="Type slug.")
    color = django_filters.ChoiceFilter(
        field_name="colors__name",
        choices=[(n, n) for n in COLOR_NAMES],
        help_text="Colour name, e.g. navy.",
        error_messages={"invalid_choice": _("Unknown colour “%(value)s”.")},
    )
    season = django_filters.ChoiceFilter(
        field_name="seasons",
        choices=SEASONS,
        help_text="Season slug.",
        error_messages=_unknown("season", [s for s, _n in SEASONS]),
    )
    state = django_filters.ChoiceFilter(
        method="filter_state",
        choices=list(STATES.items()),
        error_messages=_unknown("state", STATES),
        help_text=(
            "closet: confirmed and not archived; clean / wash: those of the closet in that laundry state; "
            "archived; review: waiting for review; all (default)."
        ),
    )
    q = WordsFilter(
        method="filter_words",
        max_length=200,
        help_text=(
            "Words that must each appear in the name, brand or notes, or in the name of the garment's section, "
            "category or type, or of one of its attribute values, in English or Korean (jacket, 재킷; striped "
            "shirt, 줄무늬 셔츠)."
        ),
    )
    photo = IdFilter(field_name="photo_id", help_text="Photo id.")
    review = strict_boolean_filter(
        "true: only garments waiting for review (as state=review); false: none waiting for review.",
        method="filter_review",
    )
    ids = IdsFilter(help_text="Comma-separated garment ids.")
    stained = strict_boolean_filter(  # issue 17
        "true: a stain was found and not handled yet; false: none shown.", method="filter_stained"
    )
    tag = WordsFilter(  # issue 18
        field_name="tags__name", lookup_expr="iexact", max_length=200, help_text="One of your tags, any case."
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=[(k, v[0]) for k, v in SORTS.items()],
        error_messages=_unknown("sort", SORTS),
        help_text="Order (default newest).",
    )

    class Meta:
        model = Garment
        fields: list[str] = []
        form = GarmentFilterForm

    #: Form classes built by ``get_form_class``, per active language (labels are translated).
    _form_classes: dict[str | None, type[forms.Form]] = {}

    def get_form_class(self):
        """django-filter's form class, built once per language and process: building it makes a
        form field per filter (about 1 ms of CPU a request); the filters are the same for every
        instance (none depends on the request)."""
        language = translation.get_language()
        if language not in self._form_classes:
            self._form_classes[language] = super().get_form_class()
        return self._form_classes[language]

    def filter_state(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value in ("closet", "clean", "wash"):
            qs = qs.filter(status=Garment.Status.CLOSET)
            return qs if value == "closet" else qs.filter(laundry=value)
        if value == "archived":
            return qs.filter(status=Garment.Status.ARCHIVED)
        if value == "review":
            return qs.filter(status=Garment.Status.REVIEW)
        return qs

    def filter_words(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Each word (at most 8) must appear in the name, brand or notes, or name the garment's section,
        category or type in any language of the app (``names.taxonomy_names_matching``)."""
        for word in (value or "").split()[:8]:
            found = Q(name__icontains=word) | Q(brand__icontains=word) | Q(notes__icontains=word)
            kinds = taxonomy_names_matching(word)
            if kinds:
                found |= Q(category__name__in=kinds) | Q(type__name__in=kinds) | Q(category__section__name__in=kinds)
            for attribute, value in attribute_values_matching(word):  # issue 17: "striped", "줄무늬"
                found |= Q(**{attribute: value})
            qs = qs.filter(found)
        return qs

    def filter_stained(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        shown = Q(stain_found=True, stain_handled="") & ~Q(stain_mask="")
        return qs if value is None else qs.filter(shown) if value else qs.exclude(shown)

    def filter_review(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is True:
            return qs.filter(status=Garment.Status.REVIEW)
        if value is False:
            return qs.exclude(status=Garment.Status.REVIEW)
        return qs

    def filter_sort(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.order_by(*SORTS[value][1]) if value else qs


class PhotoFilter(django_filters.FilterSet):
    """``ids``: only these photos of yours, oldest id first, with ``review_count`` (what the upload
    page polls); others' ids are left out."""

    ids = IdsFilter(
        method="filter_ids",
        help_text=(
            "Comma-separated photo ids (e.g. 1,2,3): only those of your photos, oldest id first, with "
            "review_count filled in (what the upload page polls). Others' ids are ignored."
        ),
    )

    class Meta:
        model = Photo
        fields: list[str] = []

    def filter_ids(self, qs: QuerySet, name: str, value: list[int]) -> QuerySet:
        from django.db.models import Count

        return (
            qs.filter(pk__in=value)
            .annotate(review_count=Count("garments", filter=Q(garments__status=Garment.Status.REVIEW)))
            .order_by("id")
        )
