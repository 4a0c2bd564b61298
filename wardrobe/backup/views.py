"""The export download of the settings page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from wardrobe.backup import services


def export_filename(user) -> str:
    """``wardrobe-<username>-<YYYY-MM-DD>.zip``: the download name of an export."""
    return f"wardrobe-{user.get_username()}-{timezone.localdate().isoformat()}.zip"


def export_response(user) -> FileResponse:
    """``user``'s export (``services.backup_export_open``) as a zip download, never cached."""
    response = FileResponse(
        services.backup_export_open(user=user),
        as_attachment=True,
        filename=export_filename(user),
        content_type="application/zip",
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def export(request):
    """Download everything you made here: photos, cutouts, masks and ``items.json`` in one zip."""
    return export_response(request.user)
