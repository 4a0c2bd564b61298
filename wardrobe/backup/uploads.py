"""The upload handler of the import: an archive may hold up to ``settings.IMPORT_MAX_BYTES``, more than
the ``MAX_UPLOAD_BYTES`` of one photo, so the import's views put :class:`ImportUploadHandler` in
place of ``core.upload_limits.LimitedUploadHandler`` before the body is read. It is that handler with
the per-file limit raised to ``IMPORT_MAX_BYTES``; ``MAX_REQUEST_BYTES`` still bounds the request."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wardrobe.core.upload_limits import LimitedUploadHandler, OversizedUpload, max_request_bytes


class OversizedArchive(OversizedUpload):
    """An archive over ``IMPORT_MAX_BYTES``: none of its bytes kept, ``size`` its real size."""

    def error(self) -> ValidationError:
        return ValidationError(
            _("The archive is too big: %(size)s bytes, the limit is %(limit)s bytes.")
            % {"size": f"{self.size:,}", "limit": f"{settings.IMPORT_MAX_BYTES:,}"},
            code="too_big",
        )


class ImportUploadHandler(LimitedUploadHandler):
    """``LimitedUploadHandler`` keeping up to ``IMPORT_MAX_BYTES`` of each file (else an
    :class:`OversizedArchive` of its real size)."""

    def receive_data_chunk(self, raw_data, start):
        """Store ``raw_data`` unless the file is over ``IMPORT_MAX_BYTES``; the request's cap as the
        parent's."""
        self.received += len(raw_data)
        if self.received > max_request_bytes():
            self._discard()
            self._refuse()
        self.size += len(raw_data)
        if not self.oversized:
            if self.size > settings.IMPORT_MAX_BYTES:
                self.oversized = True
                self._discard()
            else:
                self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        """The uploaded file, or an :class:`OversizedArchive` of its real size."""
        if self.oversized:
            return OversizedArchive(self.file_name, self.content_type, self.size, self.charset, self.content_type_extra)
        return super().file_complete(file_size)


def use_import_handler(request) -> None:
    """Put :class:`ImportUploadHandler` in place of the request's upload handlers (before its body
    is read)."""
    request.upload_handlers = [ImportUploadHandler(request)]


def oversized_check(file) -> None:
    """Raise the file's ``ValidationError`` when it is an :class:`OversizedUpload` (no bytes kept)."""
    if isinstance(file, OversizedUpload):
        raise file.error()
