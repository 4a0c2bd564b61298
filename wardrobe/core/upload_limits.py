"""Request-size limits enforced by the app itself, with or without nginx in front.

Two guards, both from settings read at request time:

* :class:`RequestSizeLimitMiddleware` (``MIDDLEWARE``) answers **413** from the announced
  ``Content-Length`` when it is over ``MAX_REQUEST_BYTES``, before a byte of the body is read:
  ``{"detail": sentence}`` under ``/api/``, the page ``413.html`` elsewhere, in the user's language.
* :class:`LimitedUploadHandler` (``FILE_UPLOAD_HANDLERS``, in place of Django's memory and
  temporary-file handlers) stores each uploaded file as they do (in memory when the whole body is
  at most ``FILE_UPLOAD_MAX_MEMORY_SIZE``, else a temporary file under ``FILE_UPLOAD_TEMP_DIR`` /
  ``TMPDIR``) but never more than ``MAX_UPLOAD_BYTES`` of one file: at the limit it deletes what it
  stored, reads the rest of that file to nothing and hands over an :class:`OversizedUpload` of the
  file's real size, which the upload service refuses with its usual message ("The file is too big:
  ... bytes, the limit is ... bytes.") and which raises that message as a ``ValidationError`` when
  read. It also counts every file byte it receives and stops reading the body past
  ``MAX_REQUEST_BYTES`` (:class:`RequestBodyTooLarge`; the middleware turns it into the same 413).

Django reads at most ``Content-Length`` bytes of a body and none of a body without one (chunked), so
the middleware's check bounds what the handler can ever receive; the handler's count is the second
line for a server that would hand over more.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wardrobe.core.api.exceptions import is_api

#: Set on the request by :class:`LimitedUploadHandler` when the body went over ``MAX_REQUEST_BYTES``.
OVER_LIMIT_ATTRIBUTE = "_request_body_over_limit"


def max_request_bytes() -> int:
    """``settings.MAX_REQUEST_BYTES``: the most bytes one request body may hold (int, bytes)."""
    return int(settings.MAX_REQUEST_BYTES)


def announced_length(request: HttpRequest) -> int:
    """The request's ``Content-Length`` in bytes; 0 when absent or not a number (Django then reads no
    body at all)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def too_large_message() -> str:
    """The sentence of a 413, in the active language, naming both limits in bytes."""
    return _(
        "The request is too big: one request may hold at most %(limit)s bytes, and each file at most "
        "%(file_limit)s bytes."
    ) % {"limit": f"{max_request_bytes():,}", "file_limit": f"{settings.MAX_UPLOAD_BYTES:,}"}


def too_large_response(request: HttpRequest) -> HttpResponse:
    """The 413 answer: ``{"detail": sentence}`` under ``/api/``, the page ``413.html`` elsewhere
    (standalone, no database query). No ``Connection`` header (WSGI forbids hop-by-hop headers):
    the server closes the connection of a body left unread (gunicorn's sync workers close every
    connection; its threaded workers drain at most 64 KiB of it first)."""
    message = too_large_message()
    if is_api(request):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


class RequestSizeLimitMiddleware:
    """Answers 413 to a request whose ``Content-Length`` is over ``MAX_REQUEST_BYTES`` without reading
    its body, and to one whose body :class:`LimitedUploadHandler` stopped reading at that cap.

    It reads no body itself, so it may stand anywhere before the first middleware that does
    (``CsrfViewMiddleware`` reads a form's body in ``process_view``, after every ``__call__``); it
    stands after the language and security middleware so that its answer has their headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if announced_length(request) > max_request_bytes():
            return too_large_response(request)
        response = self.get_response(request)
        if getattr(request, OVER_LIMIT_ATTRIBUTE, False):
            return too_large_response(request)
        return response


class RequestBodyTooLarge(RequestDataTooBig):
    """Raised by :class:`LimitedUploadHandler` past ``MAX_REQUEST_BYTES``. A ``RequestDataTooBig``, so
    whatever sees it first answers 400 (Django's ``handler400``, DRF's error handler) and the body is
    not parsed again; :class:`RequestSizeLimitMiddleware` then answers 413 instead."""


class OversizedUpload(UploadedFile):
    """A file the client sent with more than ``MAX_UPLOAD_BYTES``; none of its bytes were kept.

    ``size`` is the real size in bytes (every byte was counted), so a check of ``size`` against the
    limit refuses it first; reading it raises ``ValidationError`` (code ``too_big``) with the upload
    service's message, so code that reads a file without looking at its size refuses it too."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)

    def error(self) -> ValidationError:
        """The refusal, in the active language: the message of ``closet.services.photo_create``."""
        return ValidationError(
            _("The file is too big: %(size)s bytes, the limit is %(limit)s bytes.")
            % {"size": f"{self.size:,}", "limit": f"{settings.MAX_UPLOAD_BYTES:,}"},
            code="too_big",
        )

    def read(self, *args, **kwargs):
        """Raises ``ValidationError`` (:meth:`error`): there are no bytes to read."""
        raise self.error()

    def readline(self, *args, **kwargs):
        """Raises ``ValidationError`` (:meth:`error`)."""
        raise self.error()

    def chunks(self, chunk_size=None):
        """Raises ``ValidationError`` (:meth:`error`)."""
        raise self.error()

    def __iter__(self):
        raise self.error()

    def open(self, mode=None):
        """Raises ``ValidationError`` (:meth:`error`)."""
        raise self.error()


class LimitedUploadHandler(FileUploadHandler):
    """Django's memory / temporary-file upload handlers in one, capped (see the module's docstring).

    Per file: at most ``MAX_UPLOAD_BYTES`` bytes are ever stored; a longer file becomes an
    :class:`OversizedUpload` and its stored part is deleted when the limit is crossed. Per request: at
    most ``MAX_REQUEST_BYTES`` file bytes are read, then :class:`RequestBodyTooLarge` is raised (after
    deleting the current file and marking the request for :class:`RequestSizeLimitMiddleware`)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.in_memory = False
        self.received = 0  # file bytes of the whole request
        self.size = 0  # bytes of the current file
        self.oversized = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        """Chooses memory or a temporary file for the whole body, as Django does; refuses a body
        announced over ``MAX_REQUEST_BYTES`` (when the middleware is not installed)."""
        self.in_memory = content_length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        if content_length > max_request_bytes():
            self._refuse()
        return None

    def new_file(self, *args, **kwargs):
        """A file part starts (Django's arguments: field name, file name, content type, ...): a fresh
        ``BytesIO`` or ``TemporaryUploadedFile`` to store it in."""
        super().new_file(*args, **kwargs)
        self.size = 0
        self.oversized = False
        if self.in_memory:
            self.file = io.BytesIO()
        else:
            self.file = TemporaryUploadedFile(
                self.file_name, self.content_type, 0, self.charset, self.content_type_extra
            )

    def receive_data_chunk(self, raw_data, start):
        """Store ``raw_data`` (bytes of the current file) unless the file is over ``MAX_UPLOAD_BYTES``;
        returns None (no other handler gets the bytes). Raises :class:`RequestBodyTooLarge` once the
        request's file bytes pass ``MAX_REQUEST_BYTES``."""
        self.received += len(raw_data)
        if self.received > max_request_bytes():
            self._discard()
            self._refuse()
        self.size += len(raw_data)
        if not self.oversized:
            if self.size > settings.MAX_UPLOAD_BYTES:
                self.oversized = True
                self._discard()
            else:
                self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        """The uploaded file (``file_size`` bytes): an ``InMemoryUploadedFile``, a
        ``TemporaryUploadedFile``, or an :class:`OversizedUpload` of its real size."""
        if self.oversized:
            return OversizedUpload(self.file_name, self.content_type, self.size, self.charset, self.content_type_extra)
        self.file.seek(0)
        if self.in_memory:
            return InMemoryUploadedFile(
                file=self.file,
                field_name=self.field_name,
                name=self.file_name,
                content_type=self.content_type,
                size=file_size,
                charset=self.charset,
                content_type_extra=self.content_type_extra,
            )
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        """The body ended inside a file: delete what was stored of it."""
        self._discard()

    def _discard(self) -> None:
        """Close (for a temporary file: delete) what is stored of the current file."""
        stored = getattr(self, "file", None)
        if stored is not None:
            stored.close()
        self.file = io.BytesIO()

    def _refuse(self):
        if self.request is not None:
            setattr(self.request, OVER_LIMIT_ATTRIBUTE, True)
        raise RequestBodyTooLarge(f"Request body over MAX_REQUEST_BYTES ({max_request_bytes()} bytes).")
