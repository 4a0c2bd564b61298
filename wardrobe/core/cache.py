"""A Redis cache that fails open: while Redis is unreachable the cache answers as if empty.

What the app keeps in ``CACHES`` can be lost without harm: the throttle counters, weather answers and
outfit pictures (sessions and the login lockout live in the database). So a Redis outage must not
turn every request into a 500: :class:`FailOpenRedisCache` is Django's ``RedisCache`` whose reads
answer as a miss and whose writes do nothing while Redis cannot be reached, with a warning in the
log. After a failure it leaves Redis alone for ``retry_after`` seconds (an option, default
:data:`RETRY_AFTER`), so a Redis that hangs costs one time-out per process and interval, not one per
cache call; then it tries again, and once Redis answers the cache works as before.

``wardrobe/settings.py`` passes its ``CACHES`` entry through :func:`fail_open`, which swaps in this
backend for ``CACHE_URL=redis://...`` and sets short socket time-outs unless the URL gives its own
(``?socket_timeout=2``).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

#: Django's backend that :func:`fail_open` replaces, and its replacement.
REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
FAIL_OPEN_BACKEND = "wardrobe.core.cache.FailOpenRedisCache"
#: Seconds without trying Redis after a failure.
RETRY_AFTER = 5.0
#: Socket options set unless the cache URL gives them: wait at most this long for Redis (seconds).
DEFAULT_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}

#: Redis location -> ``time.monotonic()`` until which it is left alone (shared by a process's threads).
_down_until: dict[str, float] = {}
_lock = threading.Lock()


def fail_open(config: dict) -> dict:
    """A ``CACHES`` entry with Django's ``RedisCache`` replaced by :class:`FailOpenRedisCache` (with
    :data:`DEFAULT_OPTIONS` under the entry's own ``OPTIONS``); any other backend is returned as is."""
    if config.get("BACKEND") != REDIS_BACKEND:
        return config
    return {**config, "BACKEND": FAIL_OPEN_BACKEND, "OPTIONS": {**DEFAULT_OPTIONS, **config.get("OPTIONS", {})}}


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's ``RedisCacheClient`` that makes one ``redis.Redis`` client per connection pool and
    keeps it, instead of a new one for each cache call: building a client copies redis-py's table of
    about 170 response callbacks, 0.3-0.5 ms of CPU per call, several calls per page (issue 18 point
    10). A ``redis.Redis`` client is safe to share between threads (it takes a connection from its
    pool for each command)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        """The kept ``redis.Redis`` client of the pool that ``write`` selects (made on first use)."""
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:  # as Django's _get_connection_pool, for this index
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients.setdefault(index, self._client(connection_pool=self._pools[index]))
        return client


class _Unavailable(Exception):
    """Redis could not be reached (now, or a moment ago)."""


class FailOpenRedisCache(RedisCache):
    """Django's ``RedisCache``; while Redis is unreachable (any ``redis.RedisError``) reads are misses
    (``get`` gives the default, ``get_many`` ``{}``, ``has_key`` ``False``, ``incr`` raises
    ``ValueError`` as for a missing key), writes and deletes do nothing, and a warning is logged.

    Option ``retry_after`` (seconds, default :data:`RETRY_AFTER`): how long to leave Redis alone
    after a failure. The other options go to redis-py's connection pool, as for ``RedisCache``.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._location = ",".join(self._servers)

    def validate_key(self, key: str) -> None:
        """Nothing to check: Django's base class warns about keys that memcached would refuse (over
        250 characters, spaces or control characters), looking at each character in Python: 0.17 ms
        for the 50 keys of a page of cards (issue 18 point 10). Redis takes any key."""

    def _call(self, method, *args, **kwargs):
        """``method(*args, **kwargs)``, or :class:`_Unavailable` while Redis is down."""
        if _down_until.get(self._location, 0.0) > time.monotonic():
            raise _Unavailable
        try:
            result = method(*args, **kwargs)
        except RedisError as exc:
            with _lock:
                _down_until[self._location] = time.monotonic() + self.retry_after
            log.warning(
                "Cache at %s unreachable (%s: %s): answering as an empty cache, next try in %g s.",
                self._location,
                type(exc).__name__,
                exc,
                self.retry_after,
            )
            raise _Unavailable from exc
        if self._location in _down_until:
            with _lock:
                if _down_until.pop(self._location, None) is not None:
                    log.warning("Cache at %s reachable again.", self._location)
        return result

    def get(self, key, default=None, version=None):
        """The cached value, or ``default`` (also while Redis is down)."""
        try:
            return self._call(super().get, key, default, version)
        except _Unavailable:
            return default

    def get_many(self, keys, version=None):
        """The cached values by key (``{}`` while Redis is down)."""
        try:
            return self._call(super().get_many, keys, version)
        except _Unavailable:
            return {}

    def has_key(self, key, version=None):
        """Whether ``key`` is cached (``False`` while Redis is down)."""
        try:
            return self._call(super().has_key, key, version)
        except _Unavailable:
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Cache ``value`` unless ``key`` is cached; whether it was stored (``False`` while Redis is down)."""
        try:
            return self._call(super().add, key, value, timeout, version)
        except _Unavailable:
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Cache ``value`` (nothing while Redis is down)."""
        try:
            self._call(super().set, key, value, timeout, version)
        except _Unavailable:
            pass

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Cache every value; the keys that could not be stored (all of them while Redis is down)."""
        try:
            return self._call(super().set_many, data, timeout, version)
        except _Unavailable:
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        """Give ``key`` a new time-out; whether it was cached (``False`` while Redis is down)."""
        try:
            return self._call(super().touch, key, timeout, version)
        except _Unavailable:
            return False

    def delete(self, key, version=None):
        """Forget ``key``; whether it was cached (``False`` while Redis is down)."""
        try:
            return self._call(super().delete, key, version)
        except _Unavailable:
            return False

    def delete_many(self, keys, version=None):
        """Forget these keys (nothing while Redis is down)."""
        try:
            self._call(super().delete_many, keys, version)
        except _Unavailable:
            pass

    def incr(self, key, delta=1, version=None):
        """Add ``delta`` to a cached number; ``ValueError`` when it is not cached (or Redis is down)."""
        try:
            return self._call(super().incr, key, delta, version)
        except _Unavailable:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from None

    def clear(self):
        """Empty the cache's Redis database (nothing while Redis is down)."""
        try:
            return self._call(super().clear)
        except _Unavailable:
            return False
