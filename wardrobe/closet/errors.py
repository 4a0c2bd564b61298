"""Errors of the closet that callers act on: the processing errors the worker tasks retry, and the
upload limit the API answers with a 429. No model import, so the task module can use them at import
time."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError

#: Errors worth a retry with backoff (the database went away for a moment); anything else ends the
#: photo as ``failed``.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


class PhotoBacklogFull(ValidationError):
    """The owner already has ``settings.MAX_PENDING_PHOTOS`` photos waiting for the worker (``pending``
    or ``processing``): nothing more of theirs is queued until some are done.

    A ``ValidationError`` (code ``too_many_pending``), so a page shows its sentence like any other;
    ``retry_after``: whole seconds worth waiting before trying again. The API answers it with ``429``
    and ``Retry-After`` (``wardrobe.core.api.exceptions.exception_handler`` maps any
    ``ValidationError`` that carries a ``retry_after``).
    """

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, code="too_many_pending")
        self.retry_after = retry_after
