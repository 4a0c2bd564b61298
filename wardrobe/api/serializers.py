"""API representations. Serializers only shape and check data; writes go through ``wardrobe.services``."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from vision.colors import PALETTE
from wardrobe import selectors
from wardrobe.api.schema import NamedChoiceField
from wardrobe.models import Category, Garment, Photo, WearLog

#: Most ids one bulk request or one ``?ids=`` filter may name.
MAX_IDS = 200


class ColorSerializer(serializers.Serializer):
    """One colour of a garment, as detected (or chosen by its owner: then ``fraction`` is 0)."""

    rgb = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=255), min_length=3, max_length=3)
    hex = serializers.CharField()
    name = serializers.CharField()
    fraction = serializers.FloatField()


class GuessSerializer(serializers.Serializer):
    """One of the model's top guesses for a garment."""

    category = serializers.CharField(help_text="Category slug.")
    type = serializers.CharField(allow_null=True, help_text="Type slug, or null.")
    score = serializers.FloatField(help_text="0..1")


class GarmentSerializer(serializers.ModelSerializer):
    """A garment as the API shows it (read-only)."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    type = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    section = serializers.SerializerMethodField()
    bbox = serializers.ListField(child=serializers.IntegerField(), min_length=4, max_length=4, read_only=True,
                                 help_text="[x0, y0, x1, y1] in original-photo pixels.")
    mask_url = serializers.SerializerMethodField()
    cutout_url = serializers.SerializerMethodField()
    picture_url = serializers.SerializerMethodField()
    colors = ColorSerializer(many=True, read_only=True)
    guesses = GuessSerializer(many=True, read_only=True,
                              help_text="The model's top guesses, best first (at most three).")
    seasons = serializers.ListField(child=serializers.ChoiceField(choices=Garment.Season.choices),
                                    source="season_list", read_only=True, help_text="Season slugs.")
    status = NamedChoiceField(enum_name="GarmentStatusEnum", choices=Garment.Status.choices, read_only=True,
                              help_text="review: waiting for review; closet; archived.")
    archive_reason = NamedChoiceField(enum_name="ArchiveReasonEnum", choices=Garment.ArchiveReason.choices,
                                      allow_blank=True, read_only=True, help_text="Empty unless archived.")
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    cost_per_wear = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True,
        help_text="price / max(wear_count, 1); null without a price.")
    warmth = serializers.FloatField(read_only=True, help_text=(
        "Warmth in clo used for outfits: warmth_clo when set, else the default of its type or category "
        "(ISO 9920 / ASHRAE 55 garment tables)."))
    warmth_clo = serializers.FloatField(read_only=True, allow_null=True,
                                        help_text="Your own warmth for this item in clo; null: the default.")

    class Meta:
        model = Garment
        fields = ["id", "photo", "status", "archive_reason", "archived_at", "category", "type", "section",
                  "score", "detector_score", "classifier_score", "guesses", "bbox", "mask_url", "cutout_url",
                  "picture", "picture_url", "colors", "name", "brand", "size", "material", "seasons", "price",
                  "currency", "cost_per_wear", "purchase_date", "notes", "laundry", "warmth", "warmth_clo",
                  "wear_count", "last_worn_on", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_section(self, obj: Garment) -> str:
        return obj.category.section.slug

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(serializers.URLField())
    def get_mask_url(self, obj: Garment) -> str:
        return self._absolute(reverse("wardrobe:garment-mask", args=[obj.pk]))

    @extend_schema_field(serializers.URLField())
    def get_cutout_url(self, obj: Garment) -> str:
        return self._absolute(reverse("wardrobe:garment-cutout", args=[obj.pk]))

    @extend_schema_field(serializers.URLField(help_text="The picture the owner chose (cutout or photo)."))
    def get_picture_url(self, obj: Garment) -> str:
        return self._absolute(reverse("wardrobe:garment-picture", args=[obj.pk]))


class GarmentKindSerializer(serializers.Serializer):
    """``category`` and/or ``type`` by slug (``type`` may be null); see ``services.garment_update``."""

    category = serializers.SlugField(required=False)
    type = serializers.SlugField(required=False, allow_null=True)


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
    ``additionalProperties: false`` and ``minProperties: 1`` (``wardrobe.api.schema.AutoSchema``)."""
    unknown = sorted(set(serializer.initial_data) - set(serializer.fields))
    if unknown:
        raise serializers.ValidationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
    if not attrs:
        raise serializers.ValidationError(empty_message)


class GarmentUpdateSerializer(GarmentKindSerializer):
    """PATCH body: any of the editable fields; only those given change."""

    strict_body = True

    colors = FormListField(child=serializers.ChoiceField(choices=list(PALETTE)), required=False,
                           max_length=len(PALETTE), help_text="Colour names (in a form body, one empty value: none).")
    seasons = FormListField(child=serializers.ChoiceField(choices=Garment.Season.choices), required=False,
                            max_length=len(Garment.Season.values),
                            help_text="Season slugs (in a form body, one empty value: none).")
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    brand = serializers.CharField(required=False, allow_blank=True, max_length=120)
    size = serializers.CharField(required=False, allow_blank=True, max_length=40)
    material = serializers.CharField(required=False, allow_blank=True, max_length=120)
    price = serializers.DecimalField(required=False, allow_null=True, max_digits=12, decimal_places=2,
                                     min_value=0, help_text="Null clears it.")
    currency = serializers.ChoiceField(choices=settings.CURRENCIES, required=False, allow_blank=True,
                                       help_text="ISO 4217 code; empty with a price: your default currency.")
    purchase_date = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, trim_whitespace=False)
    picture = serializers.ChoiceField(choices=Garment.Picture.choices, required=False)
    laundry = serializers.ChoiceField(choices=Garment.Laundry.choices, required=False)
    warmth_clo = StrictFloatField(required=False, allow_null=True, min_value=0, max_value=3,
                                  help_text="Warmth in clo, 0..3; null: the default of its type or category.")

    def validate(self, attrs):
        check_patch_body(self, attrs, _("Give at least one field to change."))
        return attrs


class GarmentFilterSerializer(serializers.Serializer):
    """Query parameters of the garment list (checked before the selector sees them)."""

    section = serializers.SlugField(required=False, help_text="Section slug.")
    category = serializers.SlugField(required=False, help_text="Category slug.")
    type = serializers.SlugField(required=False, help_text="Type slug.")
    color = serializers.ChoiceField(choices=list(PALETTE), required=False, help_text="Colour name, e.g. navy.",
                                    error_messages={"invalid_choice": "Unknown colour \"{input}\"."})
    season = serializers.ChoiceField(choices=Garment.Season.choices, required=False,
                                     error_messages={"invalid_choice": "Unknown season \"{input}\"; choose one of "
                                                     + ", ".join(Garment.Season.values) + "."})
    state = serializers.ChoiceField(choices=selectors.STATES, required=False,
                                    error_messages={"invalid_choice": "Unknown state \"{input}\"; choose one of "
                                                    + ", ".join(selectors.STATES) + "."})
    q = serializers.CharField(required=False, allow_blank=True, max_length=200,
                              help_text="Words in the name, brand or notes; empty: no search.")
    sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False,
                                   error_messages={"invalid_choice": "Unknown sort \"{input}\"; choose one of "
                                                   + ", ".join(selectors.SORTS) + "."})
    photo = serializers.IntegerField(required=False, min_value=1, help_text="Photo id.")
    review = QueryBooleanField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        review, state = attrs.get("review"), attrs.get("state")
        if review is True and state not in (None, "review", "all"):
            raise serializers.ValidationError({"review": [f"review=true contradicts state={state}."]})
        if review is False and state == "review":
            raise serializers.ValidationError({"review": ["review=false contradicts state=review."]})
        return attrs


class IdListField(serializers.ListField):
    """A non-empty list of garment ids."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_IDS, **kwargs)


class WearSerializer(serializers.Serializer):
    """Body of ``wear``: the day (default today)."""

    date = serializers.DateField(required=False, help_text="ISO date; default today. Not in the future.")


class UnwearSerializer(serializers.Serializer):
    """Body of ``unwear``: the day whose wear to remove."""

    date = serializers.DateField(help_text="ISO date.")


class BulkWearSerializer(WearSerializer):
    """Body of the bulk ``wear``: ids of your garments in the closet, and the day."""

    ids = IdListField()


class BulkLaundrySerializer(serializers.Serializer):
    """Body of the bulk ``laundry``: ids of your garments and the laundry state."""

    ids = IdListField()
    laundry = serializers.ChoiceField(choices=Garment.Laundry.choices)


class ArchiveSerializer(serializers.Serializer):
    """Body of ``archive``."""

    reason = NamedChoiceField(enum_name="ArchiveReasonEnum", choices=Garment.ArchiveReason.choices)


class BulkResultSerializer(serializers.Serializer):
    """Answer of a bulk action: how many rows changed and the garments as they are now."""

    changed = serializers.IntegerField(help_text="New wear-log rows (wear) or garments updated (laundry).")
    garments = GarmentSerializer(many=True)


class WearLogSerializer(serializers.ModelSerializer):
    """One day a garment was worn."""

    date = serializers.DateField(source="worn_on", read_only=True)

    class Meta:
        model = WearLog
        fields = ["date", "created_at"]
        read_only_fields = fields


class PhotoSerializer(serializers.ModelSerializer):
    """A photo and its processing state."""

    status = NamedChoiceField(enum_name="PhotoStatusEnum", choices=Photo.Status.choices, read_only=True)
    image_url = serializers.SerializerMethodField()
    garment_count = serializers.IntegerField(read_only=True, help_text="Garments found in it.")
    review_count = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="Its garments waiting for review; given when the list is filtered by ids, else null.")

    class Meta:
        model = Photo
        fields = ["id", "status", "error", "original_filename", "width", "height", "processing_seconds",
                  "image_url", "garment_count", "review_count", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, obj: Photo) -> str:
        url = reverse("wardrobe:photo-image", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PhotoDetailSerializer(PhotoSerializer):
    """A photo with its garments."""

    garments = GarmentSerializer(many=True, read_only=True)

    class Meta(PhotoSerializer.Meta):
        fields = PhotoSerializer.Meta.fields + ["garments"]
        read_only_fields = fields


class PhotoUploadSerializer(serializers.Serializer):
    """Upload body (``multipart/form-data``): exactly one image file in the field ``image``.

    Only the shape is checked here (a file is there, and only one); the content is checked by
    ``services.photo_create``, which never trusts the file name or Content-Type.
    """

    image = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC image (one per request).",
                                  allow_empty_file=True)

    def to_internal_value(self, data):
        if hasattr(data, "getlist") and len(data.getlist("image")) > 1:
            raise serializers.ValidationError(
                {"image": [_("Send one image per request, not %(n)d.") % {
                    "n": len(data.getlist("image"))}]})
        return super().to_internal_value(data)


class PhotoCreatedSerializer(serializers.Serializer):
    """Answer of an upload."""

    id = serializers.IntegerField()
    status = serializers.CharField()


class PhotoConfirmedSerializer(serializers.Serializer):
    """Answer of ``confirm-all``."""

    confirmed = serializers.IntegerField(help_text="Garments moved from review to the closet.")


class CategorySerializer(serializers.ModelSerializer):
    """A category with the requesting user's garment count."""

    section = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    count = serializers.IntegerField(read_only=True, help_text="The requesting user's garments in this category.")

    class Meta:
        model = Category
        fields = ["slug", "name", "section", "count"]
        read_only_fields = fields
