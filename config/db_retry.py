"""Run a service's transaction once more when PostgreSQL aborted it for a deadlock or a
serialization failure.

Why: the one lock order (bookings.services) leaves no deadlock we know of, but the
database has the last word (a foreign-key or unique-index wait, an admin edit, a path
added later): it aborts one of the two transactions and the other goes on, so the
loser's second try nearly always works. Once only: a conflict that comes back is real
contention, and ``config.middleware`` shows the 409 "busy, please try again" page for
it (a task lets the error reach Celery). Only the outermost transaction is retried: a
service called inside another's (a waitlist promotion inside a cancellation) lets the
error through to the caller that owns the transaction.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection

from config.db_timeouts import timeout_kind

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_running = threading.local()  # inside a retried action: services it calls do not retry on their own


def retry_on_conflict(action: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service whose whole transaction may run twice (it starts no work outside it)."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block or getattr(_running, "active", False):
            return action(*args, **kwargs)
        _running.active = True
        try:
            try:
                return action(*args, **kwargs)
            except OperationalError as exc:
                if timeout_kind(exc) != "conflict":
                    raise
                log.warning("%s: %s; running it again once.", action.__qualname__, exc)
            return action(*args, **kwargs)
        finally:
            _running.active = False

    return run
