"""Timing helpers shared by the sections: median/p95 of repeated requests, queries per request."""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

_T0 = time.perf_counter()


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the JSON result."""
    print(f"[bench {time.perf_counter() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    queries: int
    samples: int


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)]


def count_queries(call: Callable[[], object]) -> int:
    """SQL statements one call sends (captured whatever settings.DEBUG says)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def time_calls(call: Callable[[], object], *, warmup: int, repeat: int) -> Timing:
    """Median and p95 wall time of ``call`` in ms, after ``warmup`` untimed calls.

    Queries are counted on separate calls so the capture does not weigh on the
    timings; the count must be the same on every one of them.
    """
    for _ in range(warmup):
        call()
    counts = {count_queries(call) for _ in range(3)}
    if len(counts) != 1:
        raise AssertionError(f"query count varies between identical requests: {sorted(counts)}")
    gc.collect()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return Timing(
        median_ms=round(statistics.median(samples), 2),
        p95_ms=round(percentile(samples, 95), 2),
        queries=counts.pop(),
        samples=repeat,
    )


def time_alternating(
    call: Callable[[], object],
    setups: dict[str, Callable[[], None]],
    *,
    warmup: int,
    repeat: int,
    block: int = 20,
) -> dict[str, Timing]:
    """Like time_calls, for several set-ups of the same call, measured in alternating blocks.

    ``setups`` maps a name to a function that puts that set-up in place (for
    instance, points the connection at another database). Blocks of ``block``
    calls alternate between them, so a machine that gets busier or quieter during
    the run weighs on every set-up alike and the ratio between them stays fair.
    The first call after each switch is not timed (it opens the connection).
    """
    counts: dict[str, int] = {}
    for name, setup in setups.items():
        setup()
        for _ in range(warmup):
            call()
        seen = {count_queries(call) for _ in range(3)}
        if len(seen) != 1:
            raise AssertionError(f"{name}: query count varies between identical requests: {sorted(seen)}")
        counts[name] = seen.pop()
    samples: dict[str, list[float]] = {name: [] for name in setups}
    gc.collect()
    for _ in range(math.ceil(repeat / block)):
        for name, setup in setups.items():
            setup()
            call()
            for _ in range(min(block, repeat - len(samples[name]))):
                start = time.perf_counter()
                call()
                samples[name].append((time.perf_counter() - start) * 1000)
    return {
        name: Timing(
            median_ms=round(statistics.median(values), 2),
            p95_ms=round(percentile(values, 95), 2),
            queries=counts[name],
            samples=len(values),
        )
        for name, values in samples.items()
    }


BENCH_REDIS_DB = 13  # sections that start servers or workers use this Redis database, flushed around them


def free_port() -> int:
    """A TCP port nothing listens on, for a server the section starts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_redis_url() -> str:
    """REDIS_URL (default local) pointed at the benchmark's own database number."""
    import os

    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    host = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    return f"{host}/{BENCH_REDIS_DB}"
