"""The API of the fixes a person makes to what the model found ("fix it in seconds"): add a garment
it missed by drawing a box, run a photo again, refine a cutout with strokes or cut it out again in a
box and undo that, merge two garments. Mixed into ``PhotoViewSet`` and ``GarmentViewSet``
(``closet.api.views``); thin: the services in ``closet.services.boxes``, ``.rerun`` and ``.masks`` do
the work."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from wardrobe.closet import selectors, services
from wardrobe.closet.api import serializers as s
from wardrobe.closet.queue import QueueUnavailable

DATA_URL_PREFIX = "data:image/png;base64,"
NOT_YOURS = "Not one of your {}."


class QueueDown(exceptions.APIException):
    """503: the workers' queue (the broker) cannot be reached."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"


# --- bodies ------------------------------------------------------------------------------------------


class DrawnBoxSerializer(serializers.Serializer):
    """Body of ``POST /api/photos/{id}/garments/``: the box drawn around the missed garment."""

    box = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="[x0, y0, x1, y1] in photo pixels (x1/y1 exclusive); inside the photo, 8 pixels a side or more.",
    )


class StrokeImageField(serializers.Field):
    """A stroke mask as PNG bytes: an uploaded file (multipart) or a ``data:image/png;base64,...`` URL."""

    default_error_messages = {
        "invalid": gettext_lazy("Send a PNG file or a data:image/png;base64 URL."),
        "too_big": gettext_lazy("The strokes image is too big."),
    }

    def to_internal_value(self, data) -> bytes:
        limit = settings.MAX_UPLOAD_BYTES
        if hasattr(data, "read"):
            content = data.read(limit + 1)
        elif isinstance(data, str) and data.startswith(DATA_URL_PREFIX):
            if len(data) > 4 * limit // 3 + len(DATA_URL_PREFIX) + 4:
                self.fail("too_big")
            try:
                content = base64.b64decode(data[len(DATA_URL_PREFIX) :], validate=True)
            except (binascii.Error, ValueError):
                self.fail("invalid")
        else:
            self.fail("invalid")
        if len(content) > limit:
            self.fail("too_big")
        return content

    def to_representation(self, value):
        return None


class StrokesSerializer(serializers.Serializer):
    """Body of ``POST /api/garments/{id}/mask/``: ``keep`` and/or ``erase``, PNGs of the photo's size."""

    keep = StrokeImageField(required=False, allow_null=True)
    erase = StrokeImageField(required=False, allow_null=True)


class StrokesUploadSerializer(serializers.Serializer):
    """``multipart/form-data`` form of the strokes (for the schema)."""

    keep = serializers.FileField(
        required=False, help_text="PNG of the photo's exact size: painted (alpha >= 128) pixels are garment for sure."
    )
    erase = serializers.FileField(required=False, help_text="PNG of the photo's size: painted pixels are background.")


class StrokesDataUrlSerializer(serializers.Serializer):
    """``application/json`` form of the strokes (for the schema)."""

    keep = serializers.CharField(required=False, help_text="data:image/png;base64,... (see the multipart form).")
    erase = serializers.CharField(required=False, help_text="data:image/png;base64,...")


class MergeSerializer(serializers.Serializer):
    """Body of ``POST /api/garments/{id}/merge/``."""

    other = serializers.IntegerField(
        min_value=1, help_text="Id of your garment of the same photo to merge into this one."
    )


class RerunSerializer(serializers.Serializer):
    """Answer of ``POST /api/photos/{id}/rerun/``."""

    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending: poll the photo until it is done.")
    queued = serializers.BooleanField(help_text="false: the queue is down; the photo waits for it (the sweeper).")


# --- actions -----------------------------------------------------------------------------------------


class PhotoFixActions:
    """``PhotoViewSet`` actions: add a garment by box, run again."""

    @extend_schema(
        request=DrawnBoxSerializer,
        responses={
            202: s.BoxRequestSerializer,
            400: OpenApiResponse(description="The box is outside the photo or too small (``box``)."),
            404: OpenApiResponse(description=NOT_YOURS.format("photos")),
            503: OpenApiResponse(description="The workers' queue cannot be reached; nothing was kept, try later."),
        },
    )
    @action(
        detail=True, methods=["post"], url_path="garments", parser_classes=[JSONParser, FormParser, MultiPartParser]
    )
    def add_garment(self, request, pk=None):
        """Add a garment the model missed: a worker cuts out what is inside ``box`` and files it in the
        review queue. Poll ``GET /api/photos/{id}/`` (``box_requests``, then ``garments``)."""
        photo = self.get_object()
        body = DrawnBoxSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            box_request = services.photo_box_request(photo=photo, box=body.validated_data["box"])
        except QueueUnavailable:
            raise QueueDown(_("The garment finder cannot be reached right now. Try again in a minute."))
        return Response(s.BoxRequestSerializer(box_request).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            202: RerunSerializer,
            400: OpenApiResponse(description="The photo is being analysed already."),
            404: OpenApiResponse(description=NOT_YOURS.format("photos")),
            429: OpenApiResponse(
                description="`MAX_PENDING_PHOTOS` of your photos are waiting to be analysed already "
                "(`code` `too_many_pending`): wait `Retry-After` seconds."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        """Run the photo again with the current models. Garments you confirmed or worked on stay as
        they are; the others are replaced by the new results. Poll the photo's ``status``."""
        photo = services.photo_rerun(photo=self.get_object())
        return Response(
            {"id": photo.pk, "status": photo.status, "queued": photo.enqueued_at is not None},
            status=status.HTTP_202_ACCEPTED,
        )


class GarmentFixActions:
    """``GarmentViewSet`` actions: refine the mask, cut it out again in a box, undo; merge."""

    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": StrokesUploadSerializer, "application/json": StrokesDataUrlSerializer},
        responses={
            200: s.GarmentSerializer,
            400: OpenApiResponse(description="No stroke, a stroke image that is not a PNG of the photo's size."),
            404: OpenApiResponse(description=NOT_YOURS.format("garments")),
        },
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={
            200: s.GarmentSerializer,
            400: OpenApiResponse(description="The mask was never edited: nothing to undo."),
            404: OpenApiResponse(description=NOT_YOURS.format("garments")),
        },
    )
    @action(detail=True, methods=["post", "delete"], parser_classes=[MultiPartParser, JSONParser])
    def mask(self, request, pk=None):
        """POST: refine the cutout with your strokes (``keep``: surely garment, ``erase``: surely not);
        the mask, cutout and box are recomputed at once. DELETE: undo, the model's mask again."""
        garment = self.get_object()
        if request.method == "DELETE":
            return self._garment_response(services.garment_mask_reset(garment=garment))
        body = StrokesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        size = {"width": garment.photo.width, "height": garment.photo.height}
        keep, erase = (
            services.stroke_mask_decode(body.validated_data.get(name), field=name, **size) for name in ("keep", "erase")
        )
        return self._garment_response(services.garment_mask_refine(garment=garment, keep=keep, erase=erase))

    @extend_schema(
        request=DrawnBoxSerializer,
        responses={
            200: s.GarmentSerializer,
            400: OpenApiResponse(description="The box is outside the photo, too small, or holds nothing to cut out."),
            404: OpenApiResponse(description=NOT_YOURS.format("garments")),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def recut(self, request, pk=None):
        """Cut the garment out again inside ``box``, drawn around it: for a cutout wrong all over. The
        mask, cutout and box are recomputed at once; ``DELETE /mask/`` undoes it like strokes."""
        garment = self.get_object()
        box = self._body(DrawnBoxSerializer)["box"]
        return self._garment_response(services.garment_mask_recut(garment=garment, box=box))

    @extend_schema(
        request=MergeSerializer,
        responses={
            200: s.GarmentSerializer,
            400: OpenApiResponse(description="``other`` is this garment or one of another photo."),
            404: OpenApiResponse(description="This or ``other`` is not one of your garments."),
        },
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge ``other`` into this garment (a pair found as two): one mask, box, cutout and colours;
        ``other`` is deleted."""
        garment = self.get_object()
        other_id = self._body(MergeSerializer)["other"]
        other = selectors.garments_by_ids(user=request.user, ids=[other_id]).first()
        if other is None:
            raise exceptions.NotFound(_("No such garment: %(id)s.") % {"id": other_id})
        return self._garment_response(services.garments_merge(garment=garment, other=other))
