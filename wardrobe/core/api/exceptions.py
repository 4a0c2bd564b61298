"""API errors: every answer under ``/api/`` is JSON, errors included.

:func:`exception_handler` is DRF's handler for the API views, plus Django's ``ValidationError`` (raised
by services) and a body over Django's upload limits as 400s, and a ``ValidationError`` that carries a
``retry_after`` (a limit that frees up with time, e.g. the closet's photos waiting) as a 429. The
root URLconf's ``handler400``,
``handler403``, ``handler404`` and ``handler500`` (:func:`bad_request`, :func:`permission_denied`,
:func:`not_found`, :func:`server_error`) answer what escapes the views (an unhandled exception, a
database outage, an error in a middleware, a URL matching no route): ``{"detail": message}`` under
``/api/``, Django's error pages elsewhere. They run with ``DEBUG`` off, as in production.
"""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

#: Django's refusals of a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, ``..._NUMBER_FIELDS``, ``..._NUMBER_FILES``.
_TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _too_large_message(exception) -> str:
    if isinstance(exception, RequestDataTooBig):
        return _("The request body is too large.")
    return _("The request has too many fields or files.")


class TryLater(exceptions.APIException):
    """``429 {"detail": sentence, "code": code}`` with ``Retry-After: wait`` (whole seconds): a limit that
    is not a request rate (those are DRF's throttles) and frees up with time."""

    status_code = 429
    default_code = "try_later"

    def __init__(self, detail: str, *, wait: int, code: str = "try_later"):
        super().__init__({"detail": detail, "code": code})
        self.wait = wait  # DRF's handler sends it as Retry-After


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the API (its path is under ``/api/``)."""
    return request.path_info.startswith("/api/")


def exception_handler(exc, context):
    """DRF's handler, plus ``django.core.exceptions.ValidationError`` -> 400 with its messages (one
    with a ``retry_after`` attribute, seconds: :class:`TryLater`, a 429 with ``Retry-After``) and a
    body over Django's upload limits -> ``400 {"detail": ...}``. Anything else DRF does not handle is
    raised on, to :func:`server_error`."""
    if isinstance(exc, DjangoValidationError) and getattr(exc, "retry_after", None):
        exc = TryLater(
            " ".join(exc.messages), wait=int(exc.retry_after), code=getattr(exc, "code", None) or "try_later"
        )
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, _TOO_LARGE):
        exc = exceptions.ParseError(_too_large_message(exc))
    return drf_exception_handler(exc, context)


def bad_request(request, exception):
    """``handler400``: a request Django refused (a body over its limits, a suspicious operation)."""
    if is_api(request):
        message = _too_large_message(exception) if isinstance(exception, _TOO_LARGE) else _("Bad request")
        return JsonResponse({"detail": message}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """``handler403``: ``PermissionDenied`` raised outside DRF's views."""
    if is_api(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return defaults.permission_denied(request, exception)


def not_found(request, exception):
    """``handler404``: a URL under ``/api/`` that matches no route (e.g. ``/api/garments/abc/``) gets
    ``404 {"detail": ...}`` like the API's other errors; pages get Django's 404 page."""
    if is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


#: Seconds a client is asked to wait (``Retry-After``) while the database cannot be reached.
OUTAGE_RETRY_AFTER_S = 30


def server_error(request):
    """``handler500``: an unhandled exception; Django has logged it. The database out of reach
    (``OperationalError`` / ``InterfaceError``, e.g. PostgreSQL restarting) is a ``503`` with
    ``Retry-After`` (:data:`OUTAGE_RETRY_AFTER_S`) and a sentence; anything else a ``500``. The
    answer touches no database: JSON under ``/api/``, a template rendered without context elsewhere."""
    outage = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))
    if outage:
        message = _("The closet cannot be reached right now. Try again in a minute.")
        if is_api(request):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER_S)
        return response
    if is_api(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    return defaults.server_error(request)
