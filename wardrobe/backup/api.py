"""``/api/me/export/``: the export as a zip download; ``/api/me/import/`` and ``/api/me/import/csv/``: the
imports (docs/import.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.security import UploadRateThrottle
from wardrobe.backup import services
from wardrobe.backup.csv_import import backup_import_csv
from wardrobe.backup.uploads import oversized_check, use_import_handler
from wardrobe.backup.views import export_response


class ZipRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/zip``; the export view answers with a file itself."""

    media_type = "application/zip"
    format = "zip"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors come through a renderer here: send them as JSON bytes.
        return renderers.JSONRenderer().render(data)


class ExportApi(APIView):
    """Everything you made here as one zip: ``photos/``, ``cutouts/``, ``masks/`` (and the model's
    own ``model_cutouts/`` and ``model_masks/`` where you edited a mask) and ``items.json``."""

    renderer_classes = [renderers.JSONRenderer, ZipRenderer]

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=(
                    "A zip: `photos/<id>.<ext>` (your stored photos), `cutouts/<item id>.png`, "
                    "`masks/<item id>.png`, `model_cutouts/` and `model_masks/` (the model's own, where you "
                    "edited a mask) and `items.json`: `schema_version` (2), `exported_at`, `app_version`, "
                    "`profile` (username, email, language, review threshold, currency), `weather` (provider "
                    "and place), `photos` (with the boxes you drew), `items` (every garment with all its "
                    "fields, warmth in clo, colours, seasons, wear dates and the archive paths of its files), "
                    "`outfits` (with their canvas layout: `item_id`, `x`, `y`, `width`, `z`), `plans` "
                    "(the calendar), `tags`, `trips` (with their packing lists) and `wishlist` (its photos in "
                    "`wishlist/<id>.<ext>`). Described key by key in docs/export.md."
                ),
            )
        }
    )
    def get(self, request):
        """Download everything of yours (only your own rows and files)."""
        return export_response(request.user)


class ImportUploadSerializer(serializers.Serializer):
    """``POST /api/me/import/`` (``multipart/form-data``): the export zip in ``archive``."""

    archive = serializers.FileField(
        help_text="A zip written by this app's export (docs/export.md), at most IMPORT_MAX_BYTES.",
        allow_empty_file=True,
    )


class ImportCsvUploadSerializer(serializers.Serializer):
    """``POST /api/me/import/csv/`` (``multipart/form-data``): ``archive`` (a zip of ``items.csv`` and
    the photos it names), or ``csv`` and the photos in ``photos`` (docs/import.md)."""

    archive = serializers.FileField(required=False, allow_empty_file=True, help_text="A zip: items.csv + photos.")
    csv = serializers.FileField(required=False, allow_empty_file=True, help_text="items.csv (UTF-8).")
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, help_text="The photos the CSV names."
    )


class ImportCountsSerializer(serializers.Serializer):
    """What an import added (0 of everything when the archive was imported before)."""

    photos = serializers.IntegerField(help_text="New photos.")
    garments = serializers.IntegerField(help_text="New garments.")
    wears = serializers.IntegerField(help_text="New days in the wear log.")
    outfits = serializers.IntegerField(help_text="New outfits, with their canvas.")
    plans = serializers.IntegerField(help_text="New days on the calendar.")
    tags = serializers.IntegerField(help_text="New tags (a tag of the same name, any case, is merged).")
    trips = serializers.IntegerField(help_text="New trips, with their packing lists.")
    wishlist = serializers.IntegerField(help_text="New wishlist items, with their photos.")
    settings = serializers.IntegerField(help_text="1: your preferences or weather settings were changed.")
    skipped = serializers.IntegerField(help_text="Records the archive could not restore (a photo without its file).")


class CsvCountsSerializer(serializers.Serializer):
    """What a CSV import added."""

    garments = serializers.IntegerField(help_text="New garments (one per row).")
    photos = serializers.IntegerField(help_text="New photos (one per row).")
    skipped = serializers.IntegerField(help_text="Rows imported before (same cells, same photo), not added again.")


_IMPORT_ERRORS = {
    400: OpenApiResponse(
        description="The archive is refused, nothing written: not a zip or broken, over IMPORT_MAX_BYTES, a zip "
        "bomb, a path leaving the archive, a file over its limit, a newer format, items.json not matching "
        "its files (`archive`: the sentence); for a CSV, the row and column at fault."
    ),
    415: OpenApiResponse(description="The body is not multipart/form-data."),
    429: OpenApiResponse(description="Too many uploads a minute (`THROTTLE_UPLOAD_RATE`)."),
}


class _ImportView(APIView):
    """The import's upload handler (archives up to ``IMPORT_MAX_BYTES``) and throttle."""

    parser_classes = [MultiPartParser]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, UploadRateThrottle]

    def initialize_request(self, request, *args, **kwargs):
        use_import_handler(request)
        return super().initialize_request(request, *args, **kwargs)


class ImportApi(_ImportView):
    """Restore an export zip into your account; importing it again adds nothing."""

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportCountsSerializer, **_IMPORT_ERRORS},
    )
    def post(self, request):
        """Import an export zip (`archive`): photos, garments with their files, wears, outfits, calendar,
        tags, trips with their packing lists, the wishlist, settings. The whole archive is checked
        first; nothing is written when it is refused."""
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            oversized_check(upload.validated_data["archive"])
            counts = services.backup_import(user=request.user, file=upload.validated_data["archive"])
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"archive": exc.messages})
        return Response(counts, status=status.HTTP_201_CREATED)


class ImportCsvApi(_ImportView):
    """Add garments from a CSV with a photo per row (docs/import.md)."""

    @extend_schema(
        request={"multipart/form-data": ImportCsvUploadSerializer},
        responses={201: CsvCountsSerializer, **_IMPORT_ERRORS},
    )
    def post(self, request):
        """Import garments from `archive` (a zip: items.csv + photos), or from `csv` and `photos`. All rows
        or none: a bad row is refused naming its row and column."""
        upload = ImportCsvUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            for file in [data.get("archive"), data.get("csv"), *data.get("photos", [])]:
                if file is not None:
                    oversized_check(file)
            counts = backup_import_csv(
                user=request.user, archive=data.get("archive"), csv_file=data.get("csv"), images=data.get("photos", [])
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"archive": exc.messages})
        return Response(counts, status=status.HTTP_201_CREATED)
