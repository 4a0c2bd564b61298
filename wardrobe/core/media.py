"""Private files: the owner-checked views hand stored files to the client through django-sendfile2,
and they authenticate with DRF's own authentication classes (session or ``Authorization: Token``).

There is no public ``MEDIA_URL``: a room's media view looks the row up for ``request.user`` (another
user's id is a 404) and calls :func:`send_private_file`.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django_sendfile import sendfile
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

#: Browsers may keep a private copy for an hour; shared caches (proxies, CDNs) must not keep one.
PRIVATE_MEDIA_CACHE = {"private": True, "max_age": 3600}
#: View decorator setting that policy (``Cache-Control: private, max-age=3600``).
private_media_cache = cache_control(**PRIVATE_MEDIA_CACHE)


class PrivateMediaView(APIView):
    """Base of the owner-checked file views (GET only).

    Authentication is DRF's: ``TokenAuthentication`` (API clients following ``*_url`` fields; a bad
    token is a 401) or ``SessionAuthentication`` (the browser). A request with no credentials at all
    is sent to the login page, as the other pages do. Errors other than that are DRF's JSON answers.
    """

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    throttle_classes: list = []  # files are fetched by the dozen on every closet page
    schema = None  # files, not API resources: not in the OpenAPI schema
    http_method_names = ["get", "head", "options"]

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated) and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


def send_private_file(request, field, content_type: str, download_name: str) -> HttpResponse:
    """Hand the file of ``field`` (a ``FieldFile`` under ``MEDIA_ROOT``) to the client; the caller has
    already checked that ``request.user`` owns the row.

    Goes through django-sendfile2's ``SENDFILE_BACKEND``: the simple backend (development) sends the
    bytes from Django with an ETag and Last-Modified (a conditional request gets a 304); the nginx
    backend (production) sends only an ``X-Accel-Redirect`` header under ``SENDFILE_URL`` and nginx's
    ``internal`` location sends the file (with byte ranges). ``content_type`` is the MIME type sent;
    ``download_name`` the ``Content-Disposition: inline`` file name, so the random storage name never
    reaches the client. Cache policy: :data:`private_media_cache`.
    Raises ``Http404`` when the row has no file or the file is missing.
    """
    if not field or not field.name:
        raise Http404("File missing.")
    response = sendfile(
        getattr(request, "_request", request), field.name, mimetype=content_type, attachment_filename=download_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, **PRIVATE_MEDIA_CACHE)
    return response


def file_response(field, content_type: str | None = None) -> FileResponse:
    """Stream a stored file from Django (the admin's thumbnails, for staff). Raises ``Http404`` when the
    row has no file or the file is missing."""
    if not field or not field.name or not field.storage.exists(field.name):
        raise Http404("File missing.")
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, **PRIVATE_MEDIA_CACHE)
    return response
