"""Tags and bulk edit in the API (issue 18): ``/api/tags/`` (your tags: list, create, rename or
recolour, delete) and ``POST /api/garments/bulk/`` (one change to many garments, all or nothing)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from vocabulary.seasons import SEASONS
from wardrobe.closet import tag_selectors
from wardrobe.closet.api.serializers import IdListField
from wardrobe.closet.api.tag_fields import TagNamesField
from wardrobe.closet.models import Garment
from wardrobe.closet.services import bulk as bulk_services
from wardrobe.closet.services import tags as tag_services
from wardrobe.closet.tag_models import TAG_COLOR_PATTERN, TAG_NAME_MAX, Tag
from wardrobe.core.api.fields import FormSlugField
from wardrobe.core.api.schema import NamedChoiceField


class TagSerializer(serializers.ModelSerializer):
    """One of your tags and how many of your garments carry it."""

    name = serializers.CharField(max_length=TAG_NAME_MAX, help_text="Unique among your tags whatever the case.")
    color = serializers.RegexField(
        TAG_COLOR_PATTERN, required=False, allow_blank=True, help_text="#rrggbb, or empty: none."
    )
    garment_count = serializers.IntegerField(read_only=True, help_text="Your garments with this tag.")

    class Meta:
        model = Tag
        fields = ["id", "name", "color", "garment_count", "created_at"]
        read_only_fields = ["id", "garment_count", "created_at"]


class TagUpdateSerializer(serializers.Serializer):
    """PATCH body of a tag: a new ``name`` and/or ``color``."""

    strict_body = True

    name = serializers.CharField(max_length=TAG_NAME_MAX, required=False)
    color = serializers.RegexField(TAG_COLOR_PATTERN, required=False, allow_blank=True)

    def validate(self, attrs):
        from wardrobe.core.api.fields import check_patch_body

        check_patch_body(self, attrs, _("Give at least one field to change."))
        return attrs


class TagViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your tags (your own words for your garments): list, create, rename or recolour, delete. A
    garment's tags are set by name through ``PATCH /api/garments/{id}/`` (``tags``)."""

    serializer_class = TagSerializer
    queryset = Tag.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = None

    def get_queryset(self):
        return tag_selectors.tag_list(user=self.request.user)

    @extend_schema(responses={201: TagSerializer, 400: OpenApiResponse(description="A bad or taken name.")})
    def create(self, request, *args, **kwargs):
        """Create a tag (``name`` unique among yours whatever the case)."""
        body = TagSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tag = tag_services.tag_create(owner=request.user, **body.validated_data)
        tag = tag_selectors.tag_get(user=request.user, tag_id=tag.pk)
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TagUpdateSerializer, responses={200: TagSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Rename or recolour a tag; the garments keep it."""
        tag = self.get_object()
        body = TagUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tag_services.tag_update(tag=tag, **body.validated_data)
        return Response(TagSerializer(tag_selectors.tag_get(user=request.user, tag_id=tag.pk)).data)

    def perform_destroy(self, instance: Tag) -> None:
        tag_services.tag_delete(tag=instance)


class BulkSetSerializer(serializers.Serializer):
    """What to set on every garment of a bulk edit (each optional, at least one; no other field)."""

    strict_body = True  # documented as additionalProperties: false, minProperties: 1

    seasons = serializers.ListField(
        child=serializers.ChoiceField(choices=SEASONS),
        required=False,
        max_length=len(SEASONS),
        help_text="Season slugs that replace each garment's seasons ([]: none).",
    )
    brand = serializers.CharField(required=False, allow_blank=True, max_length=120, help_text='"" clears it.')
    laundry = serializers.ChoiceField(choices=Garment.Laundry.choices, required=False)
    category = FormSlugField(required=False, help_text="Category slug (clears the types of other categories).")
    type = FormSlugField(
        required=False, allow_null=True, help_text="Type slug (the garments move to its category); null: no type."
    )
    archive = NamedChoiceField(
        enum_name="ArchiveReasonEnum",
        choices=Garment.ArchiveReason.choices,
        required=False,
        help_text="Archive them as sold, donated or lost (none may wait for review).",
    )

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
        if isinstance(data, dict) and not data:
            raise serializers.ValidationError(_("Choose at least one change."))
        return super().to_internal_value(data)


class GarmentBulkSerializer(serializers.Serializer):
    """Body of ``POST /api/garments/bulk/``: your garments' ids and the changes (at least one)."""

    strict_body = True

    ids = IdListField(help_text="Ids of your garments (at most 200).")
    set = BulkSetSerializer(required=False, help_text="Fields set on every garment.")  # noqa: A003
    add_tags = TagNamesField(required=False, help_text="Tags added to every garment (unknown names are created).")
    remove_tags = TagNamesField(required=False, help_text="Tags taken off every garment (unknown names: ignored).")

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
        if not (attrs.get("set") or attrs.get("add_tags") or attrs.get("remove_tags")):
            raise serializers.ValidationError(_("Choose at least one change."))
        return attrs


class BulkEditResultSerializer(serializers.Serializer):
    """Answer of a bulk edit."""

    changed = serializers.IntegerField(help_text="Garments changed.")


class GarmentBulkView(APIView):
    """Bulk edit of a closet selection."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="garments_bulk_edit",
        request=GarmentBulkSerializer,
        responses={
            200: BulkEditResultSerializer,
            400: OpenApiResponse(
                description="An id that is not one of your garments, an invalid value (an unknown season, a type "
                "of another category, ...) or a garment to archive still waiting for review; nothing changed."
            ),
        },
    )
    def post(self, request):
        """Set seasons, brand, laundry state, category/type or archive, and add or remove tags, on up
        to 200 of your garments at once; all or nothing."""
        body = GarmentBulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        changes = dict(data.get("set") or {})
        for key in ("add_tags", "remove_tags"):
            if data.get(key):
                changes[key] = data[key]
        changed = bulk_services.garments_bulk_update(user=request.user, ids=data["ids"], changes=changes)
        return Response({"changed": changed})
