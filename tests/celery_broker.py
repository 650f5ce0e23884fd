"""Pointing Celery at another broker in a test, for real.

Celery keeps its connection and producer pools once made, so changing
``app.conf.broker_url`` alone leaves publishing to the broker of whichever test
published first: drop the pools, and the next publish opens new ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from config.celery import app


def drop_broker_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Publish to ``url`` inside the block, to the configured broker again after it."""
    saved = app.conf.broker_url
    app.conf.broker_url = url
    drop_broker_connections()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        drop_broker_connections()
