"""API of care labels: ``POST /api/garments/{id}/label/`` reads a label photo (nothing is saved),
``POST /api/garments/{id}/label/confirm/`` saves the fields the person confirmed. Thin: the services
in ``care.services`` do the work."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from vision.label_parse import FIBRES
from wardrobe.care import services
from wardrobe.closet import selectors
from wardrobe.closet.api.serializers import GarmentSerializer
from wardrobe.closet.models import Garment

NOT_YOURS = OpenApiResponse(description="Not one of your garments.")


class ReaderDown(exceptions.APIException):
    """503: the OCR engine is not installed on the server."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "label_reader_unavailable"


class FibreSerializer(serializers.Serializer):
    """One fibre of a composition."""

    fibre = serializers.ChoiceField(choices=list(FIBRES), help_text="Canonical English fibre name.")
    percent = serializers.FloatField(
        min_value=0, max_value=100, allow_null=True, help_text="Share in per cent; null when the label gives none."
    )


class LabelUploadSerializer(serializers.Serializer):
    """Body of ``POST /api/garments/{id}/label/`` (``multipart/form-data``)."""

    image = serializers.FileField(
        allow_empty_file=True,
        help_text="A photo of the care label: JPEG, PNG, WebP or HEIC, at most MAX_UPLOAD_BYTES bytes.",
    )


class LabelFieldsSerializer(serializers.Serializer):
    """What the label says (``POST /api/garments/{id}/label/``); nothing is saved yet."""

    text = serializers.CharField(help_text="The text read, lines joined by a newline.")
    composition = FibreSerializer(many=True, help_text="The shell fabric (겉감), in label order.")
    lining = FibreSerializer(many=True, help_text="The lining (안감), if the label names one.")
    size = serializers.CharField(allow_blank=True)
    country = serializers.CharField(allow_blank=True, help_text="Country of manufacture, canonical English name.")
    care = serializers.CharField(allow_blank=True, help_text="The care instructions, one per line.")
    readable = serializers.BooleanField(help_text="false: no text was found on the photo.")
    message = serializers.CharField(allow_blank=True, help_text="A sentence for the person when nothing was read.")


class LabelConfirmSerializer(serializers.Serializer):
    """Body of ``POST /api/garments/{id}/label/confirm/``: the fields as the person confirmed them."""

    composition = FibreSerializer(many=True, required=False, default=list)
    lining = FibreSerializer(many=True, required=False, default=list)
    size = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    country = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_COUNTRY)
    care = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_CARE)


def _garment(request, garment_id: int) -> Garment:
    try:
        return selectors.garment_get(user=request.user, garment_id=garment_id)
    except Garment.DoesNotExist:
        raise exceptions.NotFound(_("No such garment."))


class LabelReadApi(APIView):
    """Read a care label."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="garments_label_read",
        tags=["garments"],
        request={"multipart/form-data": LabelUploadSerializer},
        responses={
            200: LabelFieldsSerializer,
            400: OpenApiResponse(description="No file, an empty file, not an image, or one too big (``image``)."),
            404: NOT_YOURS,
            503: OpenApiResponse(description="The label reader (OCR) is not available on this server."),
        },
    )
    def post(self, request, garment_id: int):
        """Read the care label on a photo: composition (canonical fibres and percentages), size,
        country of manufacture and care instructions. Nothing is saved: send what the person confirms
        to ``label/confirm/``. A photo without readable text answers 200 with ``readable`` false."""
        garment = _garment(request, garment_id)
        body = LabelUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            fields = services.care_label_read(garment=garment, uploaded_file=body.validated_data["image"])
        except services.LabelReaderUnavailable:
            raise ReaderDown(_("The label reader is not available on this server."))
        except DjangoValidationError as exc:  # a bad file: keyed by the field, as a serializer error is
            raise exceptions.ValidationError({"image": exc.messages})
        message = (
            ""
            if fields.readable
            else _("No text could be read on this photo. Try a sharper, closer photo of the label.")
        )
        return Response(LabelFieldsSerializer({**fields.as_dict(), "message": message}).data)


class LabelConfirmApi(APIView):
    """Save a care label's fields."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="garments_label_confirm",
        tags=["garments"],
        request=LabelConfirmSerializer,
        responses={
            200: GarmentSerializer,
            400: OpenApiResponse(description="An unknown fibre, a bad percentage or a field too long."),
            404: NOT_YOURS,
        },
    )
    def post(self, request, garment_id: int):
        """Save the confirmed fields: the composition to the garment's ``material``, the size to its
        ``size``, the country and care instructions to its ``notes`` (lines ``Made in:`` and ``Care:``)."""
        garment = _garment(request, garment_id)
        body = LabelConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.care_label_confirm(garment=garment, **body.validated_data)
        garment = selectors.garment_get(user=request.user, garment_id=garment.pk)
        return Response(GarmentSerializer(garment, context={"request": request}).data)
