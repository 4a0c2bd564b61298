"""An in-process cache of what the pages build from the shared taxonomy (sections, categories,
types): lists that every closet page needs and that change only when an administrator edits the
vocabulary (issue 18 point 10: a closet page opens in <= 15 ms of web CPU).

Entries are kept per name and active language for ``TTL_SECONDS``. A save or delete of a section,
category or type clears the whole cache of the process that made it at once (``apps.ready``
connects :func:`taxonomy_cache_clear`); other web processes see the edit within ``TTL_SECONDS``.
Cached values are shared between requests: callers must not change them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.utils import translation

T = TypeVar("T")

#: Seconds an entry is served before it is built again (an administrator's edit of the vocabulary
#: shows in the other web processes after at most this long).
TTL_SECONDS = 60.0

_entries: dict[tuple[str, str | None], tuple[float, object]] = {}
_version_seen: int | None = None
_lock = threading.Lock()


def taxonomy_cached(name: str, build: Callable[[], T]) -> T:
    """``build()``'s value for ``name`` in the active language, built at most once per
    ``TTL_SECONDS`` per process (see the module docstring)."""
    key = (name, translation.get_language())
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and now - entry[0] < TTL_SECONDS:
        return entry[1]  # type: ignore[return-value]
    value = build()
    with _lock:
        _entries[key] = (now, value)
    return value


def taxonomy_cache_sync(version: int) -> None:
    """Forget every entry when the shared taxonomy's ``version`` (read from the database:
    ``summary_selectors.closet_version``) differs from the one seen last: another process's edit
    of the vocabulary then shows at once on the pages that read the version, not after ``TTL_SECONDS``."""
    global _version_seen
    if version != _version_seen:
        with _lock:
            _entries.clear()
            _version_seen = version


def taxonomy_cache_clear(**_signal_kwargs) -> None:
    """Forget every entry (a signal receiver: ``post_save`` / ``post_delete`` of the taxonomy)."""
    with _lock:
        _entries.clear()
