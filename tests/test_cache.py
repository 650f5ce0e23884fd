"""The Redis cache backend keeps one client per connection pool and still works."""

import os
import uuid

from config.cache import PooledRedisCache


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
