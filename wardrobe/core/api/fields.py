"""Serializer fields and body rules shared by every room's API."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.utils import html


class StrictFloatField(serializers.FloatField):
    """A ``FloatField`` that refuses JSON ``true`` / ``false`` (Python's ``float(True)`` is 1.0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class FormListField(serializers.ListField):
    """A ``ListField`` that can be emptied from a form body too: there a list is the field repeated,
    so an empty list cannot be sent; one empty value (``seasons=``) stands for it."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.getlist(self.field_name) == [""]:
            return []
        return super().get_value(dictionary)


class FormSlugField(serializers.SlugField):
    """A ``SlugField`` that refuses an empty value in a form body too: DRF reads ``name=`` of an
    optional form field as "not given", so ``category=`` would silently change nothing; here it is the
    same 400 (``This field may not be blank.``) as in JSON. With ``allow_null``, ``name=`` is null."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return None if self.allow_null else ""
        return super().get_value(dictionary)


class QueryBooleanField(serializers.BooleanField):
    """A boolean query parameter: ``true`` or ``false``, as OpenAPI writes one (not DRF's other
    spellings such as ``1``, ``yes`` or ``null``)."""

    def to_internal_value(self, data):
        if data not in ("true", "false", True, False):
            self.fail("invalid", input=data)
        return data in ("true", True)


def check_patch_body(serializer: serializers.Serializer, attrs: dict, empty_message: str) -> None:
    """The rules of a PATCH body: no unknown field (a misspelt or read-only name would otherwise be
    ignored silently) and at least one field. Raises ``ValidationError`` (``non_field_errors``).
    A serializer using it sets ``strict_body = True``, which the schema documents as
    ``additionalProperties: false`` and ``minProperties: 1`` (``wardrobe.core.api.schema.AutoSchema``)."""
    unknown = sorted(set(serializer.initial_data) - set(serializer.fields))
    if unknown:
        raise serializers.ValidationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
    if not attrs:
        raise serializers.ValidationError(empty_message)


#: A path that ``iri_to_uri`` (in ``build_absolute_uri``) leaves as it is.
_PLAIN_PATH = re.compile(r"/(?!/)[A-Za-z0-9/_.~=&?%-]*")


def absolute_url(serializer: serializers.Serializer, url: str) -> str:
    """``url`` made absolute with the serializer's ``request`` (as given), for ``*_url`` fields.

    A path (``/...``, ASCII) gets the request's ``scheme://host`` found once per serializer tree and
    kept in its context: ``build_absolute_uri`` checks the host and quotes the URL each time, about
    15 microseconds, three times per garment of a list (issue 18 point 10). Anything else goes
    through ``build_absolute_uri``."""
    request = serializer.context.get("request")
    if request is None:
        return url
    if _PLAIN_PATH.fullmatch(url):
        context = serializer.context
        if "_absolute_url_root" not in context:
            context["_absolute_url_root"] = request.build_absolute_uri("/")[:-1]
        return context["_absolute_url_root"] + url
    return request.build_absolute_uri(url)


class FilterListOnlyMixin:
    """For a viewset with ``filter_backends``: its FilterSet filters the ``list`` action only, so a
    detail route (``GET /api/garments/7/?state=archived``) or a detail action is never narrowed by
    list filters. Document such an action with ``@extend_schema(filters=False)``."""

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if getattr(self, "action", None) == "list" else queryset
