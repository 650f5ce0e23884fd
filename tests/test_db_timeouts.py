"""The lock and statement timeouts every connection carries (config/db_timeouts.py).

Web connections get DB_LOCK_TIMEOUT and DB_STATEMENT_TIMEOUT; a real ``celery worker``
(the default prefork pool of docs/deployment.md, and the threads pool of Procfile.dev)
gets DB_WORKER_LOCK_TIMEOUT and DB_WORKER_STATEMENT_TIMEOUT; SQLite gets neither. The
pages that turn the timeouts into 409/503 are tested in tests/bookings/test_lock_timeout_pages.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.test import RequestFactory

from config.celery import app
from config.db_timeouts import postgres_options, timeout_kind
from config.middleware import DatabaseTimeoutMiddleware

ROOT = Path(__file__).resolve().parent.parent


def _limits(conn) -> dict[str, int]:
    """lock_timeout and statement_timeout of a connection, in milliseconds (0 = none)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name IN ('lock_timeout', 'statement_timeout')")
        return {name: int(ms) for name, ms in cursor.fetchall()}


# --- the options string ----------------------------------------------------------------------------


def test_the_limits_become_libpq_options_in_milliseconds():
    web = postgres_options("", lock_timeout=3, statement_timeout=10)
    assert web == "-c lock_timeout=3000 -c statement_timeout=10000"
    assert postgres_options("", lock_timeout=0.25, statement_timeout=0) == "-c lock_timeout=250"
    assert postgres_options("", lock_timeout=0, statement_timeout=0) == ""


def test_options_from_the_database_url_are_kept_and_earlier_limits_replaced():
    given = "-c search_path=shala -c lock_timeout=1 -c statement_timeout=2"
    assert postgres_options(given, lock_timeout=5, statement_timeout=60) == (
        "-c search_path=shala -c lock_timeout=5000 -c statement_timeout=60000"
    )


# --- web connections --------------------------------------------------------------------------------


def _fresh_connection_limits() -> dict[str, int]:
    fresh = connections.create_connection("default")
    try:
        return _limits(fresh)
    finally:
        fresh.close()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_fresh_web_connection_has_the_configured_limits():
    assert _fresh_connection_limits() == {
        "lock_timeout": round(settings.DB_LOCK_TIMEOUT * 1000),
        "statement_timeout": round(settings.DB_STATEMENT_TIMEOUT * 1000),
    }
    assert (settings.DB_LOCK_TIMEOUT, settings.DB_STATEMENT_TIMEOUT) == (3.0, 10.0)  # the documented defaults


def test_sqlite_gets_no_postgres_options():
    code = "from django.conf import settings; print(repr(settings.DATABASES['default'].get('OPTIONS', {})))"
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:", "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "lock_timeout" not in out.stdout and "transaction_mode" in out.stdout


# --- a real worker ----------------------------------------------------------------------------------


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("pool", ["prefork", "threads"])
def test_a_celery_workers_connections_have_the_workers_limits(pool, tmp_path):
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must name the Redis this suite runs against")
    queue = f"probe-{uuid.uuid4().hex}"  # this worker alone, nothing left over from other tests
    report = tmp_path / "limits.json"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "DB_WORKER_LOCK_TIMEOUT": "7",
        "DB_WORKER_STATEMENT_TIMEOUT": "77",
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), "-A", "config", "worker", "--pool", pool, "--concurrency", "1", "-Q", queue]
    command += ["--include", "tests.db_timeout_probe", "--loglevel", "WARNING", "--hostname", f"{queue}@%h"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # send_task never is
        try:
            with app.connection_for_write(settings.REDIS_URL) as broker:
                app.send_task("tests.db_timeout_probe", args=[str(report)], queue=queue, connection=broker)
        finally:
            app.conf.task_always_eager = eager
        deadline = time.monotonic() + 60
        while not report.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            output = worker.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            output = worker.communicate()[0].decode(errors="replace")
    assert report.exists(), output[-3000:]
    assert json.loads(report.read_text()) == {"lock_timeout": 7000, "statement_timeout": 77000}
    # This (web) process keeps the web limits.
    assert _fresh_connection_limits() == {"lock_timeout": 3000, "statement_timeout": 10000}


# --- which errors become pages ------------------------------------------------------------------------


def _wrapped(cause: Exception) -> OperationalError:
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as exc:
        return exc


def test_only_timeouts_deadlocks_and_serialization_failures_are_recognised():
    assert timeout_kind(_wrapped(psycopg.errors.LockNotAvailable("lock timeout"))) == "lock"
    assert timeout_kind(_wrapped(psycopg.errors.QueryCanceled("statement timeout"))) == "statement"
    assert timeout_kind(_wrapped(psycopg.errors.DeadlockDetected("deadlock"))) == "conflict"
    assert timeout_kind(_wrapped(psycopg.errors.SerializationFailure("could not serialize"))) == "conflict"
    assert timeout_kind(psycopg.errors.DeadlockDetected("not wrapped by Django")) is None
    assert timeout_kind(_wrapped(psycopg.OperationalError("server closed the connection"))) is None
    assert timeout_kind(psycopg.errors.LockNotAvailable("not wrapped by Django")) is None
    assert timeout_kind(ValueError("no")) is None


def test_other_database_errors_stay_server_errors():
    """The middleware answers for the two timeouts only; anything else goes on to the 500 handler."""
    middleware = DatabaseTimeoutMiddleware(lambda request: None)
    request = RequestFactory().post("/classes/1/book/")
    assert middleware.process_exception(request, _wrapped(psycopg.OperationalError("connection lost"))) is None
    assert middleware.process_exception(request, RuntimeError("bug")) is None
