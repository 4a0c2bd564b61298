"""Errors of the closet's processing that callers (the worker tasks) act on. No model import, so the
task module can use them at import time."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

#: Errors worth a retry with backoff (the database went away for a moment); anything else ends the
#: photo as ``failed``.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
