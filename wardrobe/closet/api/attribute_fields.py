"""The API's view of a garment's attributes and stain (issue 17): the read fields mixed into
``GarmentSerializer`` (``attributes``, ``attribute_scores``, ``attributes_unsure``, ``stain``), the
attribute fields of the PATCH and confirm bodies (the ``stain`` actions: ``closet.api.stain``)."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.selectors import profile_get
from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTES
from wardrobe.closet import picture_urls
from wardrobe.core.api.fields import absolute_url

#: The fields this module adds to ``GarmentSerializer.Meta.fields``.
GARMENT_DETAIL_FIELDS = ["attributes", "attribute_scores", "attributes_unsure", "stain"]

_ATTRIBUTES_SCHEMA = {
    "type": "object",
    "properties": {
        a.name: {"type": "string", "enum": a.slugs, "nullable": True, "description": a.label} for a in ATTRIBUTES
    },
    "additionalProperties": False,
}


@extend_schema_field(_ATTRIBUTES_SCHEMA)
class AttributesField(serializers.Field):
    """``{attribute name: value slug}`` (read-only): the attributes that apply to the garment's
    category, null where unknown. Written as flat fields (``AttributesWriteFields``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, garment):
        return {name: getattr(garment, name) or None for name in garment.applicable_attributes()}


class StainSerializer(serializers.Serializer):
    """What the stain stage found on a garment and what its owner did about it."""

    found = serializers.BooleanField(source="stain_found", help_text="The model reported a stain.")
    area = serializers.FloatField(
        source="stain_area", allow_null=True, help_text="The stain's share of the garment's pixels, 0..1."
    )
    score = serializers.FloatField(source="stain_score", allow_null=True, help_text="The model's confidence, 0..1.")
    handled = serializers.ChoiceField(
        source="stain_handled",
        choices=["", "washed", "dismissed"],
        help_text="Empty: not handled yet; washed: put in the wash; dismissed: not a stain.",
    )
    shown = serializers.BooleanField(
        source="stain_shown", help_text="Found and not handled: the item page outlines it."
    )
    mask_url = serializers.SerializerMethodField()
    outline_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="1-bit PNG at the photo's resolution."))
    def get_mask_url(self, garment) -> str | None:
        return absolute_url(self, picture_urls.garment_stain_mask_url(garment)) if garment.stain_mask.name else None

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text="The stain outlined on a transparent PNG of the cutout's box.")
    )
    def get_outline_url(self, garment) -> str | None:
        if not garment.stain_mask.name:
            return None
        return absolute_url(self, picture_urls.garment_stain_outline_url(garment))


class GarmentDetailsFields(serializers.Serializer):
    """The read-only attribute and stain fields of ``GarmentSerializer``."""

    attributes = AttributesField(read_only=True)
    attribute_scores = serializers.DictField(
        child=serializers.FloatField(),
        read_only=True,
        help_text="The model's score (0..1) of each attribute value it found; none for a value you set.",
    )
    attributes_unsure = serializers.SerializerMethodField()
    stain = StainSerializer(source="*", read_only=True)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="Attributes whose model value scored below your review threshold and that nobody confirmed.",
        )
    )
    def get_attributes_unsure(self, garment) -> list[str]:
        request = self.context.get("request")
        user = request.user if request is not None and request.user.is_authenticated else garment.owner
        return garment.unsure_attributes(profile_get(user=user).review_threshold)


def _invalid_choice(name: str) -> str:
    """The message of a value that is not one of attribute ``name``'s slugs, in the active language
    (``{input}``: DRF puts the value there)."""
    slugs = ATTRIBUTE_BY_NAME[name].slugs
    return _("%(value)s is not a value of %(name)s; choose one of %(values)s.") % {
        "value": "{input}",
        "name": name,
        "values": ", ".join(slugs),
    }


def _write_field(name: str) -> serializers.ChoiceField:
    attribute = ATTRIBUTE_BY_NAME[name]
    return serializers.ChoiceField(
        choices=attribute.slugs,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=f"{attribute.label}; null or empty: unknown. Only if it applies to the garment's category.",
        error_messages={"invalid_choice": lazy(_invalid_choice, str)(name)},
    )


class AttributesWriteFields(serializers.Serializer):
    """The attribute fields of a PATCH or confirm body (``pattern``, ``sleeve``, ``neckline``, ``fit``,
    ``wash``, ``damage``: a value slug, or null / "" to clear), gathered into the service's
    ``attributes``; a value given counts as confirmed. An attribute that does not apply to the
    garment's category is a 400 keyed ``attributes`` (``services.attributes.attributes_check``)."""

    pattern = _write_field("pattern")
    sleeve = _write_field("sleeve")
    neckline = _write_field("neckline")
    fit = _write_field("fit")
    wash = _write_field("wash")
    damage = _write_field("damage")

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        given = {a.name: values.pop(a.name) for a in ATTRIBUTES if a.name in values}
        if given:
            values["attributes"] = given
        return values
