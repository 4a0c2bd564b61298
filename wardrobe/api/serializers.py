"""API representations. Serializers only shape data; writes go through ``wardrobe.services``."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wardrobe.models import Category, Garment, Photo


class ColorSerializer(serializers.Serializer):
    rgb = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=255), min_length=3, max_length=3)
    hex = serializers.CharField()
    name = serializers.CharField()
    fraction = serializers.FloatField()


class GarmentSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    type = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    section = serializers.SerializerMethodField()
    bbox = serializers.ListField(child=serializers.IntegerField(), min_length=4, max_length=4, read_only=True,
                                 help_text="[x0, y0, x1, y1] in original-photo pixels.")
    mask_url = serializers.SerializerMethodField()
    cutout_url = serializers.SerializerMethodField()
    colors = ColorSerializer(many=True, read_only=True)

    class Meta:
        model = Garment
        fields = ["id", "photo", "category", "type", "section", "score", "detector_score", "classifier_score",
                  "bbox", "mask_url", "cutout_url", "colors", "created_at"]
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


class GarmentUpdateSerializer(serializers.Serializer):
    """PATCH body: ``category`` and/or ``type`` by slug (``type`` may be null)."""

    category = serializers.SlugField(required=False)
    type = serializers.SlugField(required=False, allow_null=True)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give 'category' and/or 'type'.")
        return attrs


class PhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "status", "error", "original_filename", "width", "height", "processing_seconds",
                  "image_url", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, obj: Photo) -> str:
        url = reverse("wardrobe:photo-image", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PhotoDetailSerializer(PhotoSerializer):
    garments = GarmentSerializer(many=True, read_only=True)

    class Meta(PhotoSerializer.Meta):
        fields = PhotoSerializer.Meta.fields + ["garments"]
        read_only_fields = fields


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG, WebP or HEIC image.", allow_empty_file=True)


class PhotoCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class CategorySerializer(serializers.ModelSerializer):
    section = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    count = serializers.IntegerField(read_only=True, help_text="The requesting user's garments in this category.")

    class Meta:
        model = Category
        fields = ["slug", "name", "section", "count"]
        read_only_fields = fields
