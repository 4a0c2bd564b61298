"""The API of "You already own this" (issue 16): a garment's similar items, the owner's answer for
a garment marked ``duplicate_of`` another, and "Do I own something like this?". The two garment
actions are mixed into ``GarmentViewSet`` (``closet.api.views``); ``ClosetMatchView`` is
``POST /api/closet/match/``. Thin: ``closet.selectors`` and ``closet.services.duplicates`` /
``.similar`` do the work."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.security import UploadRateThrottle
from wardrobe.closet import selectors, services
from wardrobe.closet.api import serializers as s

NOT_FOUND = OpenApiResponse(description="Not one of your garments.")


class SimilarItemSerializer(serializers.Serializer):
    """One of your items and how alike it is."""

    id = serializers.IntegerField(help_text="Your garment (in the closet).")
    similarity = serializers.FloatField(help_text="Cosine similarity of the two appearance vectors, -1..1.")


class DuplicateChoiceSerializer(serializers.Serializer):
    """Body of ``POST /api/garments/{id}/duplicate/``."""

    same = serializers.BooleanField(
        help_text="true: it's the same (its photo joins your item, this garment goes); false: keep both."
    )


class MatchUploadSerializer(serializers.Serializer):
    """Body of ``POST /api/closet/match/`` (``multipart/form-data``): one image in ``image``."""

    image = serializers.FileField(
        help_text="JPEG, PNG, WebP or HEIC photo; nothing of it is kept.", allow_empty_file=True
    )

    def to_internal_value(self, data):
        if hasattr(data, "getlist") and len(data.getlist("image")) > 1:
            raise serializers.ValidationError({"image": [_("Send one image per request.")]})
        return super().to_internal_value(data)


class MatchAnswerSerializer(serializers.Serializer):
    """Answer of ``POST /api/closet/match/``."""

    found = serializers.IntegerField(help_text="Garments found in the photo (0: none, so no match).")
    matches = SimilarItemSerializer(many=True, help_text="At most 6 of your items, most alike first.")


class GarmentSimilarActions:
    """``GarmentViewSet`` actions: similar items, the duplicate choice."""

    @extend_schema(request=None, responses={200: SimilarItemSerializer(many=True), 404: NOT_FOUND}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def similar(self, request, pk=None):
        """Your items in the closet most like this one: at most 6, best first (``[]`` while this one
        has no appearance vector)."""
        garment = self.get_object()
        return Response(selectors.garment_similar(user=request.user, garment=garment))

    @extend_schema(
        request=DuplicateChoiceSerializer,
        responses={
            200: s.GarmentSerializer,
            400: OpenApiResponse(description="This garment is not marked as one you own already."),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """Answer "You already own this" for a garment marked ``duplicate_of``: ``same`` true: its photo
        is added to your item, this garment is removed, and the answer is your item; false: keep both
        (``duplicate_of`` cleared), the answer is this garment."""
        garment = self.get_object()
        same = self._body(DuplicateChoiceSerializer)["same"]
        return self._garment_response(services.garment_duplicate_resolve(garment=garment, same=same))


class ClosetMatchView(APIView):
    """ "Do I own something like this?" for a photo, e.g. one taken in a shop."""

    parser_classes = [MultiPartParser]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, UploadRateThrottle]

    @extend_schema(
        operation_id="closet_match",
        request={"multipart/form-data": MatchUploadSerializer},
        responses={
            200: MatchAnswerSerializer,
            400: OpenApiResponse(description="Not exactly one file in ``image``, or not an acceptable image."),
            415: OpenApiResponse(description="The body is not multipart/form-data."),
            503: OpenApiResponse(
                description="No worker could look at the photo in time (``MATCH_WAIT_SECONDS``); nothing was "
                "kept. Try again after ``Retry-After`` seconds."
            ),
        },
    )
    def post(self, request):
        """Your items in the closet most like the garment(s) in the photo: a worker looks at it while
        the request waits (at most ``MATCH_WAIT_SECONDS``); the photo is deleted afterwards."""
        body = MatchUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            answer = services.closet_match(owner=request.user, uploaded_file=body.validated_data["image"])
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"image": exc.messages})
        except services.MatchUnavailable as exc:
            response = Response({"detail": str(exc), "code": "match_unavailable"}, status=503)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return Response(answer)
