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
        # Keep test keys away from a developer's running instance: own database number.
        base = settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL.count("/") > 2 else settings.REDIS_URL
        settings.CACHES["default"]["LOCATION"] = f"{base}/15"
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

    cache.clear()
    yield
