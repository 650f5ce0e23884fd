"""PostgreSQL lock and statement timeouts, per connection, and how to recognise them.

Why: without them one row lock held elsewhere (a long admin transaction, a stuck
worker) makes every booking of that class wait until gunicorn kills the worker (a 500
after 30 s), and a few such requests take the whole site down with them. Web
connections give up on a lock after ``DB_LOCK_TIMEOUT`` and on a statement after
``DB_STATEMENT_TIMEOUT``; Celery workers have longer limits of their own
(``use_worker_timeouts``, called when a worker starts). ``config.middleware`` turns the
two errors into "busy, try again" (409) and "try again" (503) pages.

The limits travel as libpq startup options (``-c name=value``), so they cost no round
trip; behind a PgBouncer in transaction mode set them on the database role instead
and set the variables to 0 (docs/deployment.md, "Timeouts and limits").
"""

from __future__ import annotations

import re

# SQLSTATEs (PostgreSQL appendix A): lock_not_available is what lock_timeout (and NOWAIT)
# raise; query_canceled is what statement_timeout raises (also an explicit cancel).
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
# deadlock_detected and serialization_failure: PostgreSQL aborted this transaction so that
# another could go on; running it again normally works (config.db_retry does, once).
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"

_OURS = re.compile(r"\s*-c\s*(lock_timeout|statement_timeout)=\S+")


def postgres_options(options: str, *, lock_timeout: float, statement_timeout: float) -> str:
    """``options`` (libpq's, e.g. from DATABASE_URL) with our two limits, in seconds, put in.

    Earlier values of the two are replaced, anything else is kept; 0 leaves a limit
    to the server (the role's or database's setting; PostgreSQL's default is none).
    """
    kept = _OURS.sub("", options or "").strip()
    ours = [
        f"-c {name}={round(seconds * 1000)}"
        for name, seconds in (("lock_timeout", lock_timeout), ("statement_timeout", statement_timeout))
        if seconds > 0
    ]
    return " ".join([kept, *ours] if kept else ours)


def use_worker_timeouts() -> None:
    """Switch this process's database connections to the workers' limits.

    Called once when a Celery worker starts (``celeryd_init``), before its pool forks
    or starts threads, so every connection the tasks open afterwards carries them.
    """
    from django.conf import settings
    from django.db import connections

    if not settings.IS_POSTGRES:
        return
    lock, statement = settings.DB_WORKER_LOCK_TIMEOUT, settings.DB_WORKER_STATEMENT_TIMEOUT
    db = settings.DATABASES["default"]
    options = db.setdefault("OPTIONS", {})
    options["options"] = postgres_options(options.get("options", ""), lock_timeout=lock, statement_timeout=statement)
    connections.close_all()  # one opened before now would keep the web limits


def timeout_kind(exc: BaseException) -> str | None:
    """``"lock"`` or ``"statement"`` when ``exc`` is one of our timeouts, ``"conflict"`` for a
    deadlock or serialization failure, else None.

    Django wraps the driver's error in its own ``OperationalError``; the SQLSTATE is
    on the driver's error (``__cause__``). Read by name, so SQLite needs no psycopg.
    """
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return None
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate == LOCK_NOT_AVAILABLE:
        return "lock"
    if sqlstate == QUERY_CANCELED:
        return "statement"
    if sqlstate in (DEADLOCK_DETECTED, SERIALIZATION_FAILURE):
        return "conflict"
    return None
