"""Readiness checks for /readyz: can this process reach the database, the cache and the broker?

Each check makes a real round trip and raises if it cannot. The cache check goes
around config.cache.DegradingRedisCache's guard (which turns errors into misses),
so it reports Redis as it is, not as the pages experience it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from config.cache import DegradingRedisCache

log = logging.getLogger(__name__)


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict[str, Any]:
    cache = caches["default"]
    if not isinstance(cache, DegradingRedisCache):
        return {"backend": "local memory"}  # no server to lose (no REDIS_URL)
    cache.round_trip()
    return {"this_process": cache.outage.snapshot()}


def check_broker() -> dict[str, Any]:
    from config.celery import app

    connect, answer = settings.BROKER_CONNECT_TIMEOUT, settings.BROKER_SOCKET_TIMEOUT
    options = {"socket_connect_timeout": connect, "socket_timeout": answer}  # Redis; other transports ignore them
    with app.connection_for_write(connect_timeout=connect, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=connect + answer)
        return {"transport": conn.transport_cls}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def readiness() -> dict[str, Any]:
    """Every check's outcome, and the names of those that failed under ``down``.

    Only the kind of error is reported (the page is public); the full error is logged.
    """
    checks: dict[str, Any] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            result = {"ok": True, **check()}
        except Exception as error:
            log.warning("Readiness check %s failed: %s: %s", name, type(error).__name__, error)
            result = {"ok": False, "error": type(error).__name__}
            if name == "cache" and isinstance(caches["default"], DegradingRedisCache):
                result["this_process"] = caches["default"].outage.snapshot()
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        checks[name] = result
    down = [name for name, result in checks.items() if not result["ok"]]
    return {"status": "unavailable" if down else "ok", "down": down, "checks": checks}
