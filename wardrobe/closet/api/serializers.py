"""API representations of the closet. Serializers only shape and check data; writes go through
``wardrobe.closet.services``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vocabulary.palette import COLOR_NAMES
from vocabulary.seasons import SEASONS
from vocabulary.warmth import MAX_GARMENT_CLO
from wardrobe.closet import picture_urls, selectors
from wardrobe.closet.api.attribute_fields import GARMENT_DETAIL_FIELDS, AttributesWriteFields, GarmentDetailsFields
from wardrobe.closet.api.pairs import PhotoDuplicatesField
from wardrobe.closet.api.tag_fields import TagNamesField
from wardrobe.closet.failures import HELP as FAILURE_HELP
from wardrobe.closet.filters import MAX_IDS
from wardrobe.closet.models import BoxRequest, Category, Garment, Photo, WearLog
from wardrobe.closet.services.garments import mask_is_poor
from wardrobe.core.api.fast import FastReadMixin
from wardrobe.core.api.fields import FormListField, FormSlugField, StrictFloatField, absolute_url, check_patch_body
from wardrobe.core.api.schema import NamedChoiceField
from wardrobe.core.choices import currency_choices


class ColorSerializer(serializers.Serializer):
    """One colour of a garment, as detected (or chosen by its owner: then ``fraction`` is 0); reads
    ``GarmentColor`` rows."""

    rgb = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=255), min_length=3, max_length=3)
    hex = serializers.CharField()
    name = serializers.CharField()
    fraction = serializers.FloatField()


class GuessSerializer(serializers.Serializer):
    """One of the model's top guesses for a garment."""

    category = serializers.CharField(help_text="Category slug.")
    type = serializers.CharField(allow_null=True, help_text="Type slug, or null.")
    score = serializers.FloatField(help_text="0..1")


class GarmentSerializer(FastReadMixin, GarmentDetailsFields, serializers.ModelSerializer):
    """A garment as the API shows it (read-only; attributes and stain: ``GarmentDetailsFields``;
    serialized by ``FastReadMixin``: the same output, quicker for long lists)."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    type = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    section = serializers.SerializerMethodField()
    bbox = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=4,
        max_length=4,
        read_only=True,
        help_text="[x0, y0, x1, y1] in original-photo pixels.",
    )
    mask_url = serializers.SerializerMethodField()
    cutout_url = serializers.SerializerMethodField()
    picture_url = serializers.SerializerMethodField()
    mask_quality = serializers.FloatField(
        read_only=True, allow_null=True, help_text="The model's estimate of its mask's IoU, 0..1; null: none."
    )
    mask_poor = serializers.SerializerMethodField()
    mask_edited = serializers.BooleanField(read_only=True, help_text="The mask shown is a person's work.")
    mask_undo = serializers.SerializerMethodField()
    colors = ColorSerializer(source="color_list", many=True, read_only=True)
    guesses = GuessSerializer(
        many=True, read_only=True, help_text="The model's top guesses, best first (at most three)."
    )
    seasons = serializers.ListField(
        child=serializers.ChoiceField(choices=SEASONS), source="season_list", read_only=True, help_text="Season slugs."
    )
    tags = TagNamesField(read_only=True, help_text="Your tags on it, by name.")
    status = NamedChoiceField(
        enum_name="GarmentStatusEnum",
        choices=Garment.Status.choices,
        read_only=True,
        help_text="review: waiting for review; closet; archived.",
    )
    archive_reason = NamedChoiceField(
        enum_name="ArchiveReasonEnum",
        choices=Garment.ArchiveReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty unless archived.",
    )
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    currency = NamedChoiceField(
        enum_name="CurrencyEnum",
        choices=currency_choices(),
        allow_blank=True,
        read_only=True,
        help_text="ISO 4217 code of the price; empty without a price.",
    )
    cost_per_wear = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="price / max(wear_count, 1); null without a price.",
    )
    warmth = serializers.FloatField(
        read_only=True,
        help_text=(
            "Warmth in clo used for outfits: warmth_clo when set, else the default of its type or category "
            "(ISO 9920 / ASHRAE 55 garment tables)."
        ),
    )
    warmth_clo = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Your own warmth for this item in clo; null: the default."
    )

    class Meta:
        model = Garment
        fields = [
            "id",
            "photo",
            "status",
            "archive_reason",
            "archived_at",
            "category",
            "type",
            "section",
            "score",
            "detector_score",
            "classifier_score",
            "guesses",
            "bbox",
            "mask_url",
            "cutout_url",
            "picture",
            "picture_url",
            "mask_quality",
            "mask_poor",
            "mask_edited",
            "mask_undo",
            "duplicate_of",
            "colors",
            "name",
            "brand",
            "size",
            "material",
            "seasons",
            "tags",
            "price",
            "currency",
            "cost_per_wear",
            "purchase_date",
            "notes",
            "laundry",
            "warmth",
            "warmth_clo",
            "wear_count",
            "last_worn_on",
            "created_at",
            "updated_at",
        ] + GARMENT_DETAIL_FIELDS
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_section(self, obj: Garment) -> str:
        return obj.category.section.slug

    @extend_schema_field(serializers.URLField(help_text="Changes whenever the mask does (``?v=``)."))
    def get_mask_url(self, obj: Garment) -> str:
        return absolute_url(self, picture_urls.garment_mask_url(obj))

    @extend_schema_field(serializers.URLField(help_text="Changes whenever the cutout does (``?v=``)."))
    def get_cutout_url(self, obj: Garment) -> str:
        return absolute_url(self, picture_urls.garment_cutout_url(obj))

    @extend_schema_field(serializers.URLField(help_text="The picture the owner chose (cutout or photo)."))
    def get_picture_url(self, obj: Garment) -> str:
        return absolute_url(self, picture_urls.garment_picture_url(obj))

    @extend_schema_field(serializers.BooleanField(help_text="The model's mask likely is poor (see mask_quality)."))
    def get_mask_poor(self, obj: Garment) -> bool:
        return mask_is_poor(obj.mask_quality) and not obj.mask_edited

    @extend_schema_field(serializers.BooleanField(help_text="DELETE .../mask/ can bring the model's mask back."))
    def get_mask_undo(self, obj: Garment) -> bool:
        return bool(obj.model_mask.name)


class GarmentKindSerializer(AttributesWriteFields, serializers.Serializer):
    """``category`` and/or ``type`` by slug (``type`` may be null), ``attributes``; see ``services.garment_update``."""

    category = FormSlugField(required=False)
    type = FormSlugField(required=False, allow_null=True)


class GarmentUpdateSerializer(GarmentKindSerializer):
    """PATCH body: any of the editable fields; only those given change."""

    strict_body = True

    colors = FormListField(
        child=serializers.ChoiceField(choices=COLOR_NAMES),
        required=False,
        max_length=len(COLOR_NAMES),
        help_text="Colour names (in a form body, one empty value: none).",
    )
    seasons = FormListField(
        child=serializers.ChoiceField(choices=SEASONS),
        required=False,
        max_length=len(SEASONS),
        help_text="Season slugs (in a form body, one empty value: none).",
    )
    tags = TagNamesField(required=False, help_text="Tag names replacing its tags; unknown ones are created.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    brand = serializers.CharField(required=False, allow_blank=True, max_length=120)
    size = serializers.CharField(required=False, allow_blank=True, max_length=40)
    material = serializers.CharField(required=False, allow_blank=True, max_length=120)
    price = serializers.DecimalField(
        required=False, allow_null=True, max_digits=12, decimal_places=2, min_value=0, help_text="Null clears it."
    )
    currency = serializers.ChoiceField(
        choices=currency_choices(),
        required=False,
        allow_blank=True,
        help_text="ISO 4217 code; empty with a price: your default currency.",
    )
    purchase_date = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, trim_whitespace=False)
    picture = serializers.ChoiceField(choices=Garment.Picture.choices, required=False)
    laundry = serializers.ChoiceField(choices=Garment.Laundry.choices, required=False)
    warmth_clo = StrictFloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MAX_GARMENT_CLO,
        help_text=f"Warmth in clo, 0..{MAX_GARMENT_CLO:g}; null: the default of its type or category.",
    )

    def validate(self, attrs):
        check_patch_body(self, attrs, _("Give at least one field to change."))
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
    error = serializers.CharField(source="failure_message", read_only=True, help_text=FAILURE_HELP)
    image_url = serializers.SerializerMethodField()
    garment_count = serializers.IntegerField(read_only=True, help_text="Garments found in it.")
    review_count = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Its garments waiting for review; given when the list is filtered by ids, else null.",
    )
    duplicates = PhotoDuplicatesField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "status",
            "error",
            "original_filename",
            "width",
            "height",
            "processing_seconds",
            "image_url",
            "garment_count",
            "review_count",
            "duplicates",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, obj: Photo) -> str:
        return absolute_url(self, picture_urls.photo_image_url(obj))


class BoxRequestSerializer(serializers.ModelSerializer):
    """A box drawn on a photo to add a garment the model missed, and how far the worker got."""

    status = NamedChoiceField(
        enum_name="BoxRequestStatusEnum",
        choices=BoxRequest.Status.choices,
        read_only=True,
        help_text="pending: waiting for the worker; done: ``garment`` is the new garment; failed: see ``error``.",
    )
    box = serializers.ListField(child=serializers.IntegerField(), read_only=True, help_text="[x0, y0, x1, y1]")
    error = serializers.CharField(source="failure_message", read_only=True, help_text=FAILURE_HELP)

    class Meta:
        model = BoxRequest
        fields = ["id", "photo", "box", "status", "error", "garment", "created_at"]
        read_only_fields = fields


class PhotoDetailSerializer(PhotoSerializer):
    """A photo with its garments and the latest boxes drawn on it to add one."""

    garments = GarmentSerializer(many=True, read_only=True)
    box_requests = serializers.SerializerMethodField()

    class Meta(PhotoSerializer.Meta):
        fields = PhotoSerializer.Meta.fields + ["garments", "box_requests"]
        read_only_fields = fields

    @extend_schema_field(BoxRequestSerializer(many=True))
    def get_box_requests(self, obj: Photo) -> list[dict]:
        requests = selectors.box_requests_of(user=obj.owner, photo_id=obj.pk)
        return BoxRequestSerializer(requests, many=True).data


class PhotoUploadSerializer(serializers.Serializer):
    """Upload body (``multipart/form-data``): exactly one image file in the field ``image``.

    Only the shape is checked here (a file is there, and only one); the content is checked by
    ``services.photo_create``, which never trusts the file name or Content-Type.
    """

    image = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC image (one per request).", allow_empty_file=True)

    def to_internal_value(self, data):
        if hasattr(data, "getlist") and len(data.getlist("image")) > 1:
            raise serializers.ValidationError(
                {"image": [_("Send one image per request, not %(n)d.") % {"n": len(data.getlist("image"))}]}
            )
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
