"""API representations of outfits, calendar entries and the month calendar. Shape and range checks
only; the rules (your garments, in the closet, on the canvas) are ``wardrobe.outfits.services``'s."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vocabulary.seasons import SEASONS
from wardrobe.closet.picture_urls import garment_picture_url
from wardrobe.core.api.fields import StrictFloatField, absolute_url, check_patch_body
from wardrobe.core.api.schema import NamedChoiceField
from wardrobe.outfits import render as outfit_render
from wardrobe.outfits import selectors, services
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan

#: Largest id a path or body may carry (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1


def _season_list_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=SEASONS), max_length=len(SEASONS), help_text="Season slugs.", **kwargs
    )


class OutfitItemInputSerializer(serializers.Serializer):
    """One garment on the canvas. Positions are fractions of the canvas (origin top left); an item
    without them gets its section's default place."""

    garment = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of one of your garments in the closet (not archived)."
    )
    x = StrictFloatField(min_value=0.0, max_value=1.0, required=False, help_text="Centre, fraction of the width.")
    y = StrictFloatField(min_value=0.0, max_value=1.0, required=False, help_text="Centre, fraction of the height.")
    width = StrictFloatField(
        min_value=0.05,
        max_value=1.0,
        required=False,
        help_text="Drawn width, fraction of the canvas width (the height keeps the picture's aspect ratio).",
    )
    z = serializers.IntegerField(
        min_value=-1000, max_value=1000, required=False, help_text="Layer: higher is drawn on top."
    )


class OutfitItemSerializer(serializers.ModelSerializer):
    """One garment of an outfit, where it sits on the canvas, and its warmth."""

    garment = serializers.IntegerField(source="garment_id", read_only=True)
    label = serializers.CharField(source="garment.label", read_only=True)
    section = serializers.CharField(source="garment.category.section.slug", read_only=True)
    warmth_clo = serializers.FloatField(source="garment.warmth", read_only=True, help_text="clo")
    picture_url = serializers.SerializerMethodField()

    class Meta:
        model = OutfitItem
        fields = ["garment", "label", "section", "warmth_clo", "picture_url", "x", "y", "width", "z"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_picture_url(self, obj: OutfitItem) -> str:
        return absolute_url(self, garment_picture_url(obj.garment))


class OutfitSerializer(serializers.ModelSerializer):
    """An outfit with its canvas layout (bottom layer first), its warmth and its rendered picture."""

    occasion = NamedChoiceField(
        enum_name="OccasionEnum",
        choices=Outfit.Occasion.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty: not set.",
    )
    seasons = _season_list_field(source="season_list", read_only=True)
    source = NamedChoiceField(
        enum_name="OutfitSourceEnum",
        choices=Outfit.Source.choices,
        read_only=True,
        help_text="builder: composed on the canvas; suggestion: an accepted suggestion.",
    )
    items = serializers.SerializerMethodField()
    warmth_clo = serializers.SerializerMethodField(help_text="Sum of the items' warmth, in clo (ASHRAE 55 / ISO 9920).")
    image_url = serializers.SerializerMethodField(
        help_text=f"The outfit drawn as a PNG, {outfit_render.CANVAS_WIDTH} x "
        f"{outfit_render.canvas_size()[1]} pixels (?width= for another size)."
    )

    class Meta:
        model = Outfit
        fields = [
            "id",
            "name",
            "occasion",
            "seasons",
            "source",
            "explanation",
            "items",
            "warmth_clo",
            "image_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OutfitItemSerializer(many=True))
    def get_items(self, obj: Outfit) -> list[dict]:
        return OutfitItemSerializer(selectors.outfit_items(obj), many=True, context=self.context).data

    @extend_schema_field(serializers.FloatField())
    def get_warmth_clo(self, obj: Outfit) -> float:
        return selectors.outfit_clo(obj)

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, obj: Outfit) -> str:
        return absolute_url(self, reverse("api-outfit-image", args=[obj.pk]))


class OutfitWriteSerializer(serializers.Serializer):
    """Body of create (POST) and replace (PUT): ``name`` and ``items`` required. PATCH: any field;
    ``items`` replaces the whole layout."""

    strict_body = True

    name = serializers.CharField(max_length=120)
    occasion = NamedChoiceField(
        enum_name="OccasionEnum",
        choices=Outfit.Occasion.choices,
        allow_blank=True,
        required=False,
        help_text="Empty: not set.",
    )
    seasons = _season_list_field(required=False)
    items = OutfitItemInputSerializer(many=True, allow_empty=False, max_length=services.MAX_ITEMS)

    def validate(self, attrs):
        check_patch_body(self, attrs, _("Give at least one field to change."))
        return attrs


class OutfitPlanSerializer(serializers.ModelSerializer):
    """An outfit on the calendar: planned for a day, or worn that day."""

    outfit = serializers.IntegerField(source="outfit_id", read_only=True)
    outfit_name = serializers.CharField(source="outfit.name", read_only=True)
    image_url = serializers.SerializerMethodField(help_text="The outfit's picture (PNG).")

    class Meta:
        model = OutfitPlan
        fields = ["id", "outfit", "outfit_name", "date", "worn", "image_url", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, obj: OutfitPlan) -> str:
        return absolute_url(self, reverse("api-outfit-image", args=[obj.outfit_id]))


class PlanCreateSerializer(serializers.Serializer):
    """Body of ``plan``: the day."""

    date = serializers.DateField(help_text="ISO date.")


class WearOutfitSerializer(serializers.Serializer):
    """Body of ``wear``: the day (default today)."""

    date = serializers.DateField(required=False, help_text="ISO date; default today. Not in the future.")


class ImageQuerySerializer(serializers.Serializer):
    """Query parameters of the outfit picture."""

    width = serializers.IntegerField(
        required=False, min_value=outfit_render.MIN_WIDTH, max_value=outfit_render.MAX_WIDTH
    )


class MonthQuerySerializer(serializers.Serializer):
    """Query parameters of the calendar: ``month`` as ``YYYY-MM`` (default this month)."""

    month = serializers.CharField(required=False, allow_blank=True, max_length=7)

    def validate_month(self, value):
        from django.core.exceptions import ValidationError

        try:
            return selectors.parse_month(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages)


class CalendarWearSerializer(serializers.Serializer):
    """A garment worn that day (the wear log)."""

    garment = serializers.IntegerField(source="garment_id")
    label = serializers.CharField(source="garment.label")
    picture_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField())
    def get_picture_url(self, obj) -> str:
        return absolute_url(self, garment_picture_url(obj.garment))


class CalendarDaySerializer(serializers.Serializer):
    """One day: the garments worn and the outfits planned or worn."""

    date = serializers.DateField()
    wears = CalendarWearSerializer(many=True)
    plans = OutfitPlanSerializer(many=True)


class CalendarSerializer(serializers.Serializer):
    """A month of the calendar, every day of it in order."""

    month = serializers.CharField(help_text="YYYY-MM")
    days = CalendarDaySerializer(many=True)
