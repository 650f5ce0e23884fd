"""Pointing Celery at another broker in a test, for real.

Celery keeps its connection and producer pools once made, so changing
``app.conf.broker_url`` alone leaves publishing to the broker of whichever test
published first: drop the pools, and the next publish opens new ones. The pools
are kombu's process-wide ones, keyed by broker URL: closing one and leaving it in
kombu's registry would hand the next user of that URL a closed pool ("Acquire on
closed pool"), so they are reset there too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kombu import pools

from config.celery import app


def drop_broker_connections() -> None:
    pools.reset()
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
