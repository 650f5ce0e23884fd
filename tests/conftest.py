"""Test-wide setup: fast hashing, a clean cache, and the PostgreSQL-only contract.

Tests marked ``postgres`` need PostgreSQL (exclusion constraints, row locks). On
SQLite they are skipped and counted; with SHALA_REQUIRE_POSTGRES=1 (set by .ci/run)
the run fails if the database is not PostgreSQL or any of them was skipped.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

REQUIRE_POSTGRES = os.environ.get("SHALA_REQUIRE_POSTGRES") == "1"
_pg_skipped: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if settings.REDIS_URL:
        # Keys of this run only, so parallel runs (and a running dev server) sharing
        # one Redis never clear each other's rate limits or sessions.
        settings.CACHES["default"]["KEY_PREFIX"] = f"shala-test-{os.getpid()}"
    if REQUIRE_POSTGRES and not settings.IS_POSTGRES:
        raise pytest.UsageError("SHALA_REQUIRE_POSTGRES=1 but DATABASE_URL does not name PostgreSQL.")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
            _pg_skipped.append(item.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    db = "PostgreSQL" if settings.IS_POSTGRES else "SQLite"
    terminalreporter.write_line(f"database: {db}; PostgreSQL-only tests skipped: {len(_pg_skipped)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REQUIRE_POSTGRES and _pg_skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and lockouts live in the cache: every test starts without them."""
    from django.core.cache import cache

    if settings.REDIS_URL:
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield
