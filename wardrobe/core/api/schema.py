"""OpenAPI helpers: the error answers of every operation, and choice fields documented as an enum
component with a fixed name.

:class:`AutoSchema` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) documents the 4xx answers DRF gives
on its own (invalid input, not signed in, CSRF, not found, unsupported media type, throttled) and
what DRF really accepts (text without NUL, decimals that are numbers, strict PATCH bodies, empty
query values), so a client (and the schemathesis fuzzing in ``tests/test_fuzz_api.py``) can rely
on the schema.

drf-spectacular names enums after the field (``status`` -> ``StatusEnum``) and warns when one name
covers several choice sets (photo and garment ``status``) or one choice set gets several names
(``archive_reason`` and ``reason``). :class:`NamedChoiceField` names its enum explicitly instead.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from rest_framework import serializers

#: ``{"detail": message}``: the body of DRF's errors other than invalid input.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in the user's language."}},
    "required": ["detail"],
}
#: The body of a 400: each invalid field (``non_field_errors`` for the whole body, ``detail`` for a
#: malformed body) -> its messages; a list or nested field gives an object by index / sub-field.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field name (`non_field_errors`: the body as a whole; `detail`: a body that could not be "
    "parsed) -> list of messages, or an object by index / sub-field for list and nested fields.",
    "additionalProperties": {},
}


def text_pattern(*, blank: bool = True) -> str:
    """The ``pattern`` of a DRF ``CharField`` input: no NUL character (DRF refuses those, PostgreSQL
    cannot store them); ``blank=False``: also something besides whitespace (DRF trims it, then refuses
    an empty value)."""
    return r"^[^\x00]*$" if blank else r"^[^\x00]*[^\s\x00][^\x00]*$"


#: Query parameters whose bad values give a 404 rather than a 400 (DRF: a page out of range, an
#: unknown ``format``).
_NOT_FOUND_QUERY_PARAMETERS = {"page", "format"}
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


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
        ref = _register(
            auto_schema,
            field.enum_name,
            {"enum": list(choices), "type": "string", "description": build_choice_description_list(choices.items())},
        )
        if not field.allow_blank:
            return ref
        return {"oneOf": [ref, _register(auto_schema, "BlankEnum", {"enum": [""]})]}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the error answers DRF itself gives (those an operation documents
    already keep their description; a missing body schema is filled in):

    * 400 (:data:`VALIDATION_ERROR_SCHEMA`) with a request body or query parameters;
    * 401 when the operation needs a signed-in user, 403 for its unsafe methods (session cookie
      without the CSRF token);
    * 404 with path parameters (not one of yours), pages or ``format``;
    * 415 with a request body (another content type); 429 when the view is throttled.

    Optional query parameters get ``allowEmptyValue``: DRF reads ``?x=`` as no ``x``. Text inputs get
    :func:`text_pattern`; decimals a pattern that needs a digit; bodies of serializers with
    ``strict_body`` (``fields.check_patch_body``) are required, with ``minProperties: 1`` and
    ``additionalProperties: false``.

    Every documented 4xx gets a body schema: :data:`VALIDATION_ERROR_SCHEMA` for 400, else
    :data:`ERROR_SCHEMA`.
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                # DRF reads an empty optional query value as absent (serializer fields, page, format).
                parameter["allowEmptyValue"] = True
        responses = operation.setdefault("responses", {})
        for code, description in self._error_responses(operation):
            responses.setdefault(str(code), {"description": description})
        for code, response in responses.items():
            if code.startswith("4") and "content" not in response:
                name, schema = (
                    ("ValidationError", VALIDATION_ERROR_SCHEMA) if code == "400" else ("Error", ERROR_SCHEMA)
                )
                response["content"] = {"application/json": {"schema": _register(self, name, schema)}}
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema and field.max_whole_digits:
            # drf-spectacular's pattern also matches "", "-" and "."; DRF wants a number, and no sign
            # when the minimum is 0 or more.
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            whole, places = field.max_whole_digits, field.decimal_places
            schema["pattern"] = rf"^{sign}(?:[0-9]{{1,{whole}}}(?:\.[0-9]{{0,{places}}})?|\.[0-9]{{1,{places}}})$"
        elif (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not {"pattern", "format", "enum"} & set(schema)
        ):
            schema["pattern"] = text_pattern(blank=field.allow_blank or not field.trim_whitespace)
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "strict_body", False):  # check_patch_body
            schema.update(additionalProperties=False, minProperties=1)
        return schema

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body is not None and getattr(self.get_request_serializer(), "strict_body", False):
            body["required"] = True  # check_patch_body: an empty PATCH is refused
        return body

    def _error_responses(self, operation: dict):
        """``(status code, description)`` of the errors DRF may give for this operation."""
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        has_body = "requestBody" in operation
        if has_body or query - _NOT_FOUND_QUERY_PARAMETERS:
            yield 400, "Invalid input (see the messages)."
        security = operation.get("security")
        if security and all(security):  # `{}` in the list: also open to anonymous users
            yield 401, "Not signed in: no or an invalid `Authorization: Token <key>` (or session)."
            if self.method in _UNSAFE_METHODS and any("cookieAuth" in s for s in security):
                yield 403, "Signed in by the session cookie without a valid CSRF token."
        if any(p["in"] == "path" for p in parameters) or query & _NOT_FOUND_QUERY_PARAMETERS:
            yield 404, "Not found: not one of yours, no such page, or an unknown `format`."
        if has_body:
            yield 415, "Unsupported Content-Type of the request body."
        if getattr(self.view, "throttle_classes", None):
            yield 429, "Too many requests: wait `Retry-After` seconds."
