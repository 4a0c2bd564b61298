"""The "You already own this" part of a photo in the API (issue 16): its new garments that very
likely repeat one the owner has already, each with both pictures, for the upload status."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wardrobe.closet import picture_urls
from wardrobe.closet.models import Garment, Photo
from wardrobe.core.api.fields import absolute_url


class DuplicatePairSerializer(serializers.Serializer):
    """A new garment of the photo and the owner's garment it very likely repeats."""

    garment = serializers.IntegerField(source="pk", help_text="The new garment (waiting for review).")
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", help_text="Your garment it likely is.")
    picture_url = serializers.SerializerMethodField()
    duplicate_picture_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(help_text="The new garment's picture."))
    def get_picture_url(self, obj: Garment) -> str:
        return absolute_url(self, picture_urls.garment_picture_url(obj))

    @extend_schema_field(serializers.URLField(help_text="The picture of the garment you own."))
    def get_duplicate_picture_url(self, obj: Garment) -> str:
        return absolute_url(self, picture_urls.garment_picture_url(obj.duplicate_of))


@extend_schema_field(
    DuplicatePairSerializer(
        many=True, help_text="Its new garments that very likely are garments you own already (answer in review)."
    )
)
class PhotoDuplicatesField(serializers.Field):
    """Read-only: the photo's garments marked ``duplicate_of`` another (``duplicate_garments`` when
    the selector prefetched it, else one query)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, photo: Photo) -> list[dict]:
        garments = getattr(photo, "duplicate_garments", None)
        if garments is None:
            garments = Garment.objects.filter(photo=photo, duplicate_of__isnull=False).select_related("duplicate_of")
        return DuplicatePairSerializer(garments, many=True, context=self.context).data
