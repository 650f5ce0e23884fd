"""Sessions read from the cache and written through to the database, trusted in the cache for minutes only.

Django's ``cached_db`` keeps a session in the cache for as long as the session
lives (two weeks). The database is the truth: a log-out deletes the row. Should the
cache miss that delete (Redis away at that moment, and the process that knew died
before it could forget the key, or Redis restored from an older snapshot), the old
entry would let the session's cookie back in until it expired. Capping how long an
entry lives in the cache (SESSION_CACHE_TIMEOUT, default five minutes) bounds that
to minutes, at the price of one session query per visitor every five minutes.

With the cache unreachable (config.cache.DegradingRedisCache) every read misses
and the session comes from the database, so nobody is logged out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache.backends.base import BaseCache


class _CappedTimeouts:
    """The session cache, with every entry's lifetime capped at ``cap`` seconds."""

    def __init__(self, cache: BaseCache, cap: int) -> None:
        self._cache, self._cap = cache, cap

    def _timeout(self, timeout) -> float:
        # cached_db passes the session's remaining age in seconds; anything else gets the cap.
        return min(timeout, self._cap) if isinstance(timeout, int | float) else self._cap

    def set(self, key, value, timeout=None, version=None):
        return self._cache.set(key, value, self._timeout(timeout), version=version)

    async def aset(self, key, value, timeout=None, version=None):
        return await self._cache.aset(key, value, self._timeout(timeout), version=version)

    def __contains__(self, key) -> bool:
        return key in self._cache

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def __str__(self) -> str:
        return str(self._cache)


class SessionStore(CachedDBStore):
    """The session engine named in settings.SESSION_ENGINE."""

    # Django's cache, then the capped proxy around it: duck-typed, as Django's own code uses it.
    _cache: Any

    def __init__(self, session_key=None) -> None:
        super().__init__(session_key)
        self._cache = _CappedTimeouts(self._cache, settings.SESSION_CACHE_TIMEOUT)
