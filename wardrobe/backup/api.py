"""``/api/me/export/``: the export as a zip download."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.views import APIView

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
                    "`outfits` (with their canvas layout: `item_id`, `x`, `y`, `width`, `z`) and `plans` "
                    "(the calendar). Described key by key in docs/export.md."
                ),
            )
        }
    )
    def get(self, request):
        """Download everything of yours (only your own rows and files)."""
        return export_response(request.user)
