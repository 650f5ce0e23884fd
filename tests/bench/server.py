"""A gunicorn server on the benchmark database, for the sections that measure over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_gunicorn(port: int, env: dict[str, str], *, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn (gthread) on 127.0.0.1:port with ``env`` over ours; returns once /healthz answers."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=sys.stderr,
        stderr=sys.stderr,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, and wait for it."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def cpu_seconds(proc: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by the server: its master and workers, threads included.

    A per-request cost that other work on the machine does not inflate, unlike a rate.
    Linux only (/proc); the workers share the master's process group.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == proc.pid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
