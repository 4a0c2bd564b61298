"""Wishlist API: ``/api/wishlist/`` (list, add, show, edit, delete), each item with the most similar
items of your closet (``similar``). Thin: the services write, the selectors read."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from wardrobe.closet import picture_urls
from wardrobe.core.api.fields import FormSlugField, absolute_url, check_patch_body
from wardrobe.core.api.schema import NamedChoiceField
from wardrobe.core.choices import currency_choices
from wardrobe.wishlist import selectors, services
from wardrobe.wishlist.models import LINK_MAX, NAME_MAX, NOTES_MAX, WishlistItem
from wardrobe.wishlist.views import photo_url


class SimilarOwnedSerializer(serializers.Serializer):
    """One of your closet items like the wished one."""

    id = serializers.IntegerField(help_text="Garment id.")
    label = serializers.CharField(help_text="Its name, or its type or category.")
    picture_url = serializers.URLField()
    score = serializers.FloatField(
        help_text="0..1: 0.6 x same kind (type 1, category 0.7, section 0.3) + 0.4 x colour."
    )


class WishlistColorSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Palette colour name.")
    hex = serializers.CharField(help_text="#rrggbb")
    fraction = serializers.FloatField(help_text="Share among the photo's colours, 0..1.")


class WishlistItemSerializer(serializers.ModelSerializer):
    """A wishlist item as the API shows it."""

    photo_url = serializers.SerializerMethodField()
    colors = WishlistColorSerializer(many=True, read_only=True, help_text="The photo's dominant colours.")
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    type = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    link = serializers.CharField(read_only=True, help_text="An http or https URL, or empty.")
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)
    currency = NamedChoiceField(
        enum_name="CurrencyEnum",
        choices=currency_choices(),
        allow_blank=True,
        read_only=True,
        help_text="ISO 4217 code of the price; empty without a price.",
    )
    similar = serializers.SerializerMethodField()

    class Meta:
        model = WishlistItem
        fields = [
            "id",
            "name",
            "photo_url",
            "colors",
            "link",
            "price",
            "currency",
            "category",
            "type",
            "notes",
            "similar",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="Its photo (yours only); null: none."))
    def get_photo_url(self, obj: WishlistItem) -> str | None:
        return absolute_url(self, photo_url(obj)) if obj.photo.name else None

    @extend_schema_field(SimilarOwnedSerializer(many=True, help_text="At most 4 of your closet items, best first."))
    def get_similar(self, obj: WishlistItem) -> list[dict]:
        found = self.context.get("similar", {}).get(obj.pk)
        if found is None:
            found = selectors.wishlist_similar(user=obj.owner, items=[obj]).get(obj.pk, [])
        return [
            {
                "id": g.pk,
                "label": g.label,
                "picture_url": absolute_url(self, picture_urls.garment_picture_url(g)),
                "score": score,
            }
            for g, score in found
        ]


class WishlistWriteSerializer(serializers.Serializer):
    """Body of an add (``name`` required) or an edit (PATCH: only the fields given change)."""

    name = serializers.CharField(max_length=NAME_MAX)
    photo = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=True,
        help_text="JPEG, PNG, WebP or HEIC image (multipart); checked and re-encoded. PATCH with null removes it.",
    )
    link = serializers.URLField(max_length=LINK_MAX, required=False, allow_blank=True, help_text="http or https.")
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    currency = serializers.ChoiceField(
        choices=currency_choices(), required=False, allow_blank=True, help_text="Empty with a price: your currency."
    )
    category = FormSlugField(required=False, allow_null=True, help_text="Category slug (optional).")
    type = FormSlugField(required=False, allow_null=True, help_text="Type slug (optional; gives its category).")
    notes = serializers.CharField(max_length=NOTES_MAX, required=False, allow_blank=True, trim_whitespace=False)

    def validate_link(self, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError(_("Give an http or https link."))
        return value


class WishlistPatchSerializer(WishlistWriteSerializer):
    """PATCH body: any of the fields; only those given change."""

    strict_body = True

    name = serializers.CharField(max_length=NAME_MAX, required=False)

    def validate(self, attrs):
        check_patch_body(self, attrs, _("Give at least one field to change."))
        return attrs


NOT_FOUND = OpenApiResponse(description="Not one of your wishlist items.")


class WishlistViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your wishlist: things you want (photo, link, price, notes), each with the most similar items
    you own already (same kind and close colours; no model runs on the photo)."""

    serializer_class = WishlistItemSerializer
    queryset = WishlistItem.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return selectors.wishlist_list(user=self.request.user)

    def _answer(self, items, many: bool = False, code: int = status.HTTP_200_OK) -> Response:
        rows = list(items) if many else [items]
        context = {
            **self.get_serializer_context(),
            "similar": selectors.wishlist_similar(user=self.request.user, items=rows),
        }
        return Response(
            WishlistItemSerializer(items if many else rows[0], many=many, context=context).data, status=code
        )

    def list(self, request, *args, **kwargs):
        """Your wishlist, newest first, each item with ``similar``."""
        page = self.paginate_queryset(self.get_queryset())
        if page is not None:
            context = {
                **self.get_serializer_context(),
                "similar": selectors.wishlist_similar(user=request.user, items=page),
            }
            return self.get_paginated_response(WishlistItemSerializer(page, many=True, context=context).data)
        return self._answer(self.get_queryset(), many=True)

    def retrieve(self, request, *args, **kwargs):
        """One wishlist item with ``similar``."""
        return self._answer(self.get_object())

    @extend_schema(
        request={"multipart/form-data": WishlistWriteSerializer, "application/json": WishlistWriteSerializer},
        responses={201: WishlistItemSerializer, 400: OpenApiResponse(description="A bad value or photo.")},
    )
    def create(self, request, *args, **kwargs):
        """Add something you want."""
        body = WishlistWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.wishlist_item_create(owner=request.user, **body.validated_data)
        return self._answer(selectors.wishlist_get(user=request.user, item_id=item.pk), code=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": WishlistPatchSerializer, "application/json": WishlistPatchSerializer},
        responses={200: WishlistItemSerializer, 404: NOT_FOUND},
    )
    def partial_update(self, request, *args, **kwargs):
        """Change any field; only those given change."""
        item = self.get_object()
        body = WishlistPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.wishlist_item_update(item=item, **body.validated_data)
        return self._answer(selectors.wishlist_get(user=request.user, item_id=item.pk))

    def perform_destroy(self, instance: WishlistItem) -> None:
        services.wishlist_item_delete(item=instance)
