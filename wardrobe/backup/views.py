"""The export download of the settings page, and the import page (``/accounts/settings/import/``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accounts.security import UploadRateThrottle
from wardrobe.backup import services
from wardrobe.backup.csv_import import backup_import_csv
from wardrobe.backup.forms import CsvImportForm, ImportForm
from wardrobe.backup.uploads import oversized_check, use_import_handler


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


def _import_counts(kind: str, request) -> tuple[object, object, dict | None, str | None]:
    """Run the import a form asks for; ``(form, other form, counts, error)``."""
    if kind == "csv":
        form, other = CsvImportForm(request.POST, request.FILES), ImportForm()
    else:
        form, other = ImportForm(request.POST, request.FILES), CsvImportForm()
    if not form.is_valid():
        return form, other, None, None
    data = form.cleaned_data
    try:
        for file in [data.get("archive"), data.get("csv"), *(data.get("photos") or [])]:
            if file is not None:
                oversized_check(file)
        if kind == "csv":
            counts = backup_import_csv(
                user=request.user,
                archive=data.get("archive"),
                csv_file=data.get("csv"),
                images=data.get("photos") or [],
            )
        else:
            counts = services.backup_import(user=request.user, file=data["archive"])
    except ValidationError as exc:
        return form, other, None, " ".join(exc.messages)
    return form, other, counts, None


@csrf_protect
def _import_page(request):
    context = {"form": ImportForm(), "csv_form": CsvImportForm(), "counts": None, "error": None, "kind": None}
    status = 200
    if request.method == "POST":
        kind = "csv" if request.POST.get("kind") == "csv" else "export"
        form, other, counts, error = _import_counts(kind, request)
        forms_ = {"form": form, "csv_form": other} if kind == "export" else {"form": other, "csv_form": form}
        context.update(forms_, counts=counts, error=error, kind=kind)
        if counts is None:
            status = 400
    return render(request, "backup/import.html", context, status=status)


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """Import an export zip, or a CSV of items with photos: the forms, then the counts or the error.
    Archives up to ``IMPORT_MAX_BYTES`` (the import's upload handler, set before the body is read;
    the CSRF check comes after it); POSTs count towards the ``upload`` throttle."""
    if request.method == "POST":
        use_import_handler(request)
        if not UploadRateThrottle().allow_request(request, None):
            return render(
                request,
                "backup/import.html",
                {
                    "form": ImportForm(),
                    "csv_form": CsvImportForm(),
                    "error": gettext("Too many uploads: try again in a minute."),
                },
                status=429,
            )
    return _import_page(request)
