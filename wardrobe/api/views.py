"""REST API views: thin wrappers over selectors (reads) and services (writes), all scoped to request.user."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from wardrobe import selectors, services
from wardrobe.api import serializers as s
from wardrobe.models import Garment, Photo


class PhotoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                   viewsets.GenericViewSet):
    """Your photos. Upload one image per request; processing happens in the background."""

    parser_classes = [MultiPartParser, FormParser]
    queryset = Photo.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = selectors.photo_list(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("garments__category__section", "garments__type")
        return qs

    def get_serializer_class(self):
        return s.PhotoDetailSerializer if self.action == "retrieve" else s.PhotoSerializer

    @extend_schema(request=s.PhotoUploadSerializer, responses={202: s.PhotoCreatedSerializer})
    def create(self, request, *args, **kwargs):
        upload = s.PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        photo = services.photo_create(owner=request.user, uploaded_file=upload.validated_data["image"])
        return Response({"id": photo.pk, "status": photo.status}, status=status.HTTP_202_ACCEPTED)

    def perform_destroy(self, instance: Photo) -> None:
        services.photo_delete(photo=instance)


@extend_schema(parameters=[
    OpenApiParameter("category", OpenApiTypes.STR, description="Category slug"),
    OpenApiParameter("section", OpenApiTypes.STR, description="Section slug"),
    OpenApiParameter("photo", OpenApiTypes.INT, description="Photo id"),
])
class GarmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                     mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your garments. PATCH changes ``category`` and/or ``type`` (slugs)."""

    serializer_class = s.GarmentSerializer
    queryset = Garment.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "delete", "head", "options"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        params = self.request.query_params
        photo = params.get("photo")
        if photo is not None and not photo.isdigit():
            raise Http404
        return selectors.garment_list(user=self.request.user, section=params.get("section") or None,
                                      category=params.get("category") or None,
                                      photo_id=int(photo) if photo else None)

    @extend_schema(request=s.GarmentUpdateSerializer, responses=s.GarmentSerializer)
    def partial_update(self, request, *args, **kwargs):
        garment: Garment = self.get_object()
        body = s.GarmentUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        garment = services.garment_update(garment=garment, **body.validated_data)
        return Response(s.GarmentSerializer(garment, context=self.get_serializer_context()).data)

    def perform_destroy(self, instance: Garment) -> None:
        services.garment_delete(garment=instance)


class CategoryListView(generics.ListAPIView):
    """All categories with the number of your garments in each."""

    serializer_class = s.CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.category_list_with_counts(user=self.request.user)
