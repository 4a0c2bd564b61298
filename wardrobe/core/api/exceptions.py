"""API errors: the DRF exception handler that turns Django's ``ValidationError`` (raised by services)
into a 400, and Django's 404 handler, which answers JSON under ``/api/`` as DRF does."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Like DRF's handler, plus ``django.core.exceptions.ValidationError`` -> 400 with its messages."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    return drf_exception_handler(exc, context)


def not_found(request, exception):
    """``handler404`` (used when ``DEBUG`` is off): a URL under ``/api/`` that matches no route (e.g.
    ``/api/garments/abc/``) gets ``404 {"detail": ...}`` like the API's other errors; pages get
    Django's 404 page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
