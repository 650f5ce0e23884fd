"""Test-wide setup: fast hashing, a clean cache, and the PostgreSQL-only contract.

Tests marked ``postgres`` need PostgreSQL (exclusion constraints, row locks). On
SQLite they are skipped and counted; with SHALA_REQUIRE_POSTGRES=1 (set by .ci/run)
the run fails if the database is not PostgreSQL or any of them was skipped.

``--clock`` (or SHALA_TEST_CLOCK) starts every test at one chosen instant, the clock
ticking from there, so a test that quietly depends on the hour, the weekday or a
daylight-saving change fails on every machine, not only at 01:18 UTC. `.ci/run` runs
the suite at several such instants.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.conf import settings

REQUIRE_POSTGRES = os.environ.get("SHALA_REQUIRE_POSTGRES") == "1"
_pg_skipped: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=os.environ.get("SHALA_TEST_CLOCK", ""),
        help="start every test at this UTC instant: 2026-03-29T00:30, or HH:MM for today at that time",
    )


def parse_clock(value: str, *, today: date | None = None) -> datetime:
    """``HH:MM`` is today (UTC) at that time; anything else is an ISO instant, UTC unless it says."""
    if len(value) <= 5:
        return datetime.combine(today or datetime.now(UTC).date(), time.fromisoformat(value), UTC)
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def pytest_report_header(config: pytest.Config) -> str:
    value = config.getoption("--clock")
    return f"clock: every test starts at {parse_clock(value).isoformat()}" if value else "clock: real time"


def _compile_catalogues() -> None:
    """Compile a translation catalogue whose .mo is missing or older than its .po.

    ``make install`` builds them (they are not committed); this keeps a bare ``pytest``
    after editing a .po from testing yesterday's Spanish. msgfmt is GNU gettext's.
    """
    for po in (settings.BASE_DIR / "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check", f"--output-file={mo}", str(po)], check=True)


def pytest_configure(config: pytest.Config) -> None:
    _compile_catalogues()
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
def _pinned_clock(request: pytest.FixtureRequest):
    """With ``--clock``, travel to that instant for the test; the clock keeps ticking."""
    value = request.config.getoption("--clock")
    if not value:
        yield
        return
    with time_machine.travel(parse_clock(value), tick=True):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in English, whatever the last one's pages spoke.

    LocaleMiddleware (and the profile's language) activate a language for the thread and
    nothing switches it back after a test client's request: a Spanish page would leave a
    later test's service messages in Spanish.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _broker_not_paused():
    """A test that saw the broker down must not leave later tests' deliveries to the sweep."""
    from notifications.services import publish_pause

    publish_pause.reset()
    yield
    publish_pause.reset()


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
