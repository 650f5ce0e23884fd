"""The Redis cache backends: one client per connection pool, and a Redis outage as a cache miss."""

import logging
import os
import time
import uuid

import pytest
import redis

from config.cache import DegradingRedisCache, PooledRedisCache
from tests.redis_server import RedisServer


def _cache() -> PooledRedisCache:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return PooledRedisCache(url, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})


def test_it_reuses_one_client_per_pool():
    cache = _cache()
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)


def test_it_stores_reads_and_increments_like_djangos_backend():
    cache = _cache()
    cache.set("greeting", {"hello": "world"}, 30)
    cache.set("count", 1, 30)
    assert cache.get("greeting") == {"hello": "world"}
    assert cache.incr("count") == 2
    cache.delete_many(["greeting", "count"])
    assert cache.get("greeting") is None


# --- DegradingRedisCache: Redis away is a miss -------------------------------------------


@pytest.fixture
def server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _degrading(server: RedisServer, retry_after: float = 0.2, prefix: str | None = None) -> DegradingRedisCache:
    return DegradingRedisCache(
        server.url(),
        {
            "KEY_PREFIX": prefix or f"test-cache-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0, "RETRY_AFTER": retry_after},
        },
    )


def test_with_redis_down_every_call_answers_as_an_empty_cache_would(server):
    cache = _degrading(server)
    cache.set("kept", 1, 30)
    server.stop()
    assert cache.get("kept") is None
    assert cache.get("kept", "fallback") == "fallback"
    assert cache.get_many(["kept", "other"]) == {}
    assert cache.add("new", 1, 30) is True  # nothing was there, as in Django's DummyCache
    assert cache.set("kept", 2, 30) is None
    assert cache.set_many({"a": 1, "b": 2}, 30) == ["a", "b"]  # the keys not stored
    assert cache.delete("kept") is False
    assert cache.delete_many(["a", "b"]) is None
    assert cache.touch("kept", 30) is False
    assert cache.has_key("kept") is False
    assert "kept" not in cache
    assert cache.get_or_set("computed", lambda: "from the database") == "from the database"
    with pytest.raises(ValueError):
        cache.incr("kept")
    with pytest.raises(ValueError):
        cache.decr("kept")
    assert cache.clear() is False


def test_an_outage_is_logged_once_and_counted(server, caplog):
    cache = _degrading(server, retry_after=0)  # every call tries, and fails
    server.stop()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for _ in range(50):
            cache.get("anything")
    assert len(caplog.records) == 1
    assert "unreachable" in caplog.records[0].getMessage()
    counts = cache.outage.snapshot()
    assert (counts["outages"], counts["failed_calls"], counts["skipping_redis"]) == (1, 50, True)


def test_after_a_failure_it_skips_redis_for_a_while(server):
    cache = _degrading(server, retry_after=30)
    with server.frozen():
        started = time.monotonic()
        cache.get("a")  # waits for the socket timeout
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(100):
            cache.get("a")
        rest = time.monotonic() - started
    assert 0.9 < first < 2.0, first
    assert rest < 0.1, rest
    assert cache.outage.snapshot()["skipped_calls"] == 100


def test_when_redis_returns_what_was_written_meanwhile_is_deleted_there_first(server):
    cache = _degrading(server)
    for key in ("session", "version", "untouched"):
        cache.set(key, "before the outage", 300)
    with server.frozen():  # Redis keeps its data, nobody reaches it
        # The first call times out (a command sent to a frozen Redis still runs when it
        # thaws); the ones after it are not sent at all.
        cache.get("session")
        cache.delete("session")  # a log-out
        cache.set("version", "renewed", 300)  # a version token renewed
    assert server.client().get(cache.make_key("session")) is not None  # stale, for now
    time.sleep(0.3)
    assert cache.get("session") is None
    assert cache.get("version") is None
    assert cache.get("untouched") == "before the outage"
    assert cache.outage.snapshot()["skipping_redis"] is False


def test_past_too_many_keys_it_deletes_everything_under_its_prefix_and_nothing_else(server, monkeypatch):
    monkeypatch.setattr("config.cache.MAX_UNSURE_KEYS", 3)
    cache = _degrading(server, prefix="mine")
    cache.set("old", "before the outage", 300)
    neighbour = server.client()
    neighbour.set("celery", "a queued task")  # e.g. the broker, in the same database
    neighbour.set("theirs:1:old", "another site's cache")
    server.stop()
    server.start()  # e.g. restored from a snapshot: the old entries are back
    for name in ("celery", "theirs:1:old"):
        server.client().set(name, "kept")
    server.client().set(cache.make_key("old"), "from the snapshot")
    with server.frozen():
        for n in range(5):
            cache.set(f"k{n}", n, 300)
    time.sleep(0.3)
    assert cache.get("old") is None
    assert server.client().get("celery") == b"kept"
    assert server.client().get("theirs:1:old") == b"kept"


def test_the_readiness_round_trip_raises_while_the_cache_answers_misses(server):
    cache = _degrading(server)
    cache.round_trip()
    server.stop()
    assert cache.get("x") is None
    with pytest.raises(redis.ConnectionError):
        cache.round_trip()
