"""Django's Redis cache, keeping one client per connection pool, and surviving Redis going away.

Django's RedisCacheClient builds a new ``redis.Redis`` for every cache call, and
building one sets up its response-callback table (a few hundred dict writes): about
0.4 ms each, several times per request. A ``redis.Redis`` is thread-safe (each
command takes a connection from the pool), so one per pool serves every thread.

The cache holds nothing PostgreSQL does not (sessions are written through to the
database, the timetable and policies are rebuilt from it), so when Redis cannot be
reached ``DegradingRedisCache`` answers as an empty cache would and the site carries
on from the database: see docs/deployment.md, "When a dependency is down".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

log = logging.getLogger(__name__)

# What "Redis is not there" looks like: refused or dropped connections, no answer
# within the socket timeout, a server still loading its data, a replica promoted
# badly (read-only), or one out of memory. Anything else (a bug of ours) still raises.
UNAVAILABLE: tuple[type[Exception], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
)
# Keys written while Redis was away, remembered for deletion when it answers again;
# past this many, every key under the cache's prefix is deleted instead.
MAX_UNSURE_KEYS = 10_000
# One warning when an outage starts, then at most one summary per this many seconds.
LOG_EVERY_SECONDS = 60.0
_DELETE_CHUNK = 500


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class PooledRedisCache(RedisCache):
    """Django's Redis cache with one client per pool; raises when Redis cannot be reached."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient


@dataclass
class Outage:
    """What one process knows about its Redis being away, shared by its threads.

    Django builds a cache backend per thread; the breaker and the counters are per
    process (per server and key prefix), so one failed call spares every thread the
    timeout, and /readyz reads the same numbers whichever thread answers it.
    """

    retry_after: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    down: bool = False  # read without the lock on every call: one attribute load
    retry_at: float = 0.0  # monotonic time after which the next call tries Redis again
    down_since: float = 0.0
    recovering: bool = False  # one thread at a time tries Redis again
    outages: int = 0  # how many times Redis went away (healthy -> down)
    errors: int = 0  # calls that tried Redis and failed
    skipped: int = 0  # calls answered as a miss without trying, while the breaker was open
    unsure: set[str] = field(default_factory=set)
    unsure_overflow: bool = False
    last_error: str = ""
    _logged_at: float = float("-inf")
    _unlogged: int = 0

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.errors += 1
            self.last_error = type(error).__name__
            self.retry_at = now + self.retry_after
            if not self.down:
                self.down, self.down_since = True, now
                self.outages += 1
                self._logged_at, self._unlogged = now, 0
                log.warning(
                    "Redis cache unreachable (%s: %s): answering from the database, retrying every %g s.",
                    type(error).__name__,
                    error,
                    self.retry_after,
                )
            elif now - self._logged_at >= LOG_EVERY_SECONDS:
                log.warning(
                    "Redis cache still unreachable after %.0f s (%s); %d calls failed or skipped since last said.",
                    now - self.down_since,
                    type(error).__name__,
                    self._unlogged + 1,
                )
                self._logged_at, self._unlogged = now, 0
            else:
                self._unlogged += 1

    def skip(self) -> None:
        with self.lock:
            self.skipped += 1
            self._unlogged += 1

    def remember(self, keys: Iterable[str]) -> None:
        """Keys this process meant to write but could not: what Redis may hold for them is stale."""
        with self.lock:
            if self.unsure_overflow:
                return
            self.unsure.update(keys)
            if len(self.unsure) > MAX_UNSURE_KEYS:
                self.unsure.clear()
                self.unsure_overflow = True

    def remember_everything(self) -> None:
        with self.lock:
            self.unsure.clear()
            self.unsure_overflow = True

    def snapshot(self) -> dict[str, Any]:
        """The counters, for /readyz."""
        with self.lock:
            return {
                "skipping_redis": self.down,
                "outages": self.outages,
                "failed_calls": self.errors,
                "skipped_calls": self.skipped,
                "keys_to_forget": len(self.unsure) if not self.unsure_overflow else "all",
            }


_outages: dict[tuple[str, str], Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(server: str, prefix: str, retry_after: float) -> Outage:
    with _outages_lock:
        outage = _outages.get((server, prefix))
        if outage is None:
            outage = _outages[(server, prefix)] = Outage(retry_after=retry_after)
        return outage


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class DegradingRedisCache(PooledRedisCache):
    """The cache backend to name in settings.CACHES: a Redis outage is a cache miss, not a 500.

    When a call cannot reach Redis (``UNAVAILABLE``) it answers as Django's DummyCache
    would: ``get`` the default, ``get_many`` ``{}``, ``add`` True (nothing was there),
    ``set`` nothing, ``delete``/``touch``/``has_key`` False, ``incr`` ValueError (no such
    key). The error is logged (once per outage, then a summary a minute) and counted.
    After a failure the cache does not try Redis again for ``RETRY_AFTER`` seconds
    (OPTIONS, default 5), so a request pays the socket timeout at most once.

    Recovery: every key this process meant to write (set, add, delete, incr, touch)
    while Redis was away may hold a stale value there: a session since logged out, a
    timetable version token that should have been renewed. Before the first call
    after an outage answers, those keys are deleted (all keys under the prefix if
    there were too many to remember), so nothing written before the outage outlives
    a change made during it. This process's memory is all it has: see
    docs/deployment.md for what that does not cover, and config.sessions for the bound.
    """

    def __init__(self, server, params) -> None:
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("RETRY_AFTER", 5.0))
        super().__init__(server, {**params, "OPTIONS": options})
        self.outage = _outage_for(str(server), self.key_prefix, retry_after)

    # --- the guard ----------------------------------------------------------------

    def _guarded(self, call: Callable[[], Any], fallback: Any, writes: Callable[[], list[str]] | None = None) -> Any:
        outage = self.outage
        if outage.down and not self._recovered():
            outage.skip()
            if writes:
                outage.remember(writes())
            return fallback
        try:
            return call()
        except UNAVAILABLE as error:
            outage.failed(error)
            if writes:
                outage.remember(writes())
            return fallback

    def _recovered(self) -> bool:
        """Whether Redis answers again, after forgetting what went stale; False while the breaker is open."""
        outage = self.outage
        with outage.lock:
            if time.monotonic() < outage.retry_at or outage.recovering:
                return False  # too early, or another thread is trying right now
            outage.recovering = True
        try:
            return self._forget_stale_keys()
        finally:
            outage.recovering = False

    def _forget_stale_keys(self) -> bool:
        outage = self.outage
        forgotten = 0
        client = self._cache.get_client(write=True)
        # Threads skipping writes meanwhile add keys: go again until none arrived (a few rounds at most).
        for _round in range(3):
            with outage.lock:
                keys, everything = list(outage.unsure), outage.unsure_overflow
            try:
                if everything:
                    forgotten += self._delete_under_prefix(client)
                for start in range(0, len(keys), _DELETE_CHUNK):
                    forgotten += client.delete(*keys[start : start + _DELETE_CHUNK])
                if not keys and not everything:
                    client.ping()  # nothing to forget: still prove Redis answers
            except UNAVAILABLE as error:
                outage.failed(error)
                return False
            with outage.lock:
                outage.unsure.difference_update(keys)
                if everything:
                    outage.unsure_overflow = False
                if outage.unsure or outage.unsure_overflow:
                    continue
                outage.down = False
                down_for = time.monotonic() - outage.down_since
            log.warning("Redis cache answers again after %.0f s; %d stale key(s) deleted there.", down_for, forgotten)
            return True
        return True  # still catching up: the next call deletes the rest first (down stays set)

    def _delete_under_prefix(self, client) -> int:
        # Never FLUSHDB: the Celery broker may share this Redis database.
        count = 0
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{_glob_escape(self.key_prefix)}:*", count=1000):
            batch.append(key)
            if len(batch) >= _DELETE_CHUNK:
                count += client.delete(*batch)
                batch.clear()
        if batch:
            count += client.delete(*batch)
        return count

    def _keys(self, keys: Iterable[Any], version: int | None) -> Callable[[], list[str]]:
        return lambda: [self.make_key(k, version=version) for k in keys]

    def round_trip(self, key: str = "readyz") -> None:
        """Write, read and delete one key in Redis itself, raising if it cannot: for /readyz.

        Bypasses the guard and the breaker, so it tells the truth even while the cache
        is answering misses.
        """
        client = self._cache.get_client(write=True)
        full_key = self.make_key(f"shala:{key}:{time.monotonic_ns()}")
        client.set(full_key, b"1", ex=10)
        if client.get(full_key) != b"1":
            raise redis_errors.ConnectionError("Redis did not return the value just written")
        client.delete(full_key)

    # --- Django's cache API -------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._guarded(lambda: parent.add(key, value, timeout, version), True, self._keys([key], version))

    def get(self, key, default=None, version=None):
        parent = super()
        return self._guarded(lambda: parent.get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._guarded(lambda: parent.set(key, value, timeout, version), None, self._keys([key], version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._guarded(lambda: parent.touch(key, timeout, version), False, self._keys([key], version))

    def delete(self, key, version=None):
        parent = super()
        return self._guarded(lambda: parent.delete(key, version), False, self._keys([key], version))

    def get_many(self, keys, version=None):
        parent = super()
        return self._guarded(lambda: parent.get_many(keys, version), {})

    def has_key(self, key, version=None):
        parent = super()
        return self._guarded(lambda: parent.has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        parent = super()
        missing = object()
        result = self._guarded(lambda: parent.incr(key, delta, version), missing, self._keys([key], version))
        if result is missing:
            raise ValueError(f"Key '{key}' not found.")  # as an empty cache answers
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        keys = list(data)
        return self._guarded(lambda: parent.set_many(data, timeout, version), keys, self._keys(keys, version))

    def delete_many(self, keys, version=None):
        parent = super()
        keys = list(keys)
        return self._guarded(lambda: parent.delete_many(keys, version), None, self._keys(keys, version))

    def clear(self):
        parent = super()
        result = self._guarded(parent.clear, False)
        if result is False:
            self.outage.remember_everything()
        return result
