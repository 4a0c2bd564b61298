"""OpenAPI helpers: choice fields documented as an enum component with a fixed name.

drf-spectacular names enums after the field (``status`` -> ``StatusEnum``) and warns when one name
covers several choice sets (photo and garment ``status``) or one choice set gets several names
(``archive_reason`` and ``reason``). :class:`NamedChoiceField` names its enum explicitly instead.
"""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from rest_framework import serializers


class NamedChoiceField(serializers.ChoiceField):
    """A ``ChoiceField`` whose values are documented as the schema component ``enum_name``."""

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


def _register(auto_schema, name: str, schema: dict) -> dict:
    component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
    auto_schema.registry.register_on_missing(component)
    return component.ref


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    """Maps :class:`NamedChoiceField` to a ``$ref`` to its enum (``oneOf`` with ``BlankEnum`` when blank
    is allowed, as drf-spectacular does for its own enums)."""

    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field: NamedChoiceField = self.target
        choices = {k: v for k, v in field.choices.items() if k not in ("", None)}
        ref = _register(auto_schema, field.enum_name, {
            "enum": list(choices), "type": "string", "description": build_choice_description_list(choices.items())})
        if not field.allow_blank:
            return ref
        return {"oneOf": [ref, _register(auto_schema, "BlankEnum", {"enum": [""]})]}
