"""`make run`'s processes, run for real: web, Celery worker and beat under honcho.

Each test starts `make serve` (what `make run` ends with, without install, migrate and
seed) on a free port, SQLite and the file-system broker in a temporary VAR_DIR, waits
until the site answers and worker and beat are up, stops it the way a person would
(Ctrl-C to the terminal's process group, or `kill` to make), and checks that every
process it started is gone within seconds and stopped once, without a crash.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent  # the virtualenv running these tests
START_TIMEOUT = 25.0
STOP_TIMEOUT = 10.0  # honcho SIGKILLs what is left 5 s after its SIGTERM

# Settings the dev processes must not inherit from the test run (PostgreSQL, Redis, the
# test settings and their throwaway key: `make run` works on a machine that has no key).
CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SITE_URL",
    "EMAIL_URL",
    "DEBUG",
    "VAR_DIR",
    "SECRET_KEY",
    "DJANGO_SETTINGS_MODULE",
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


@dataclass
class DevRun:
    make: subprocess.Popen
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_up(self) -> None:
        """The site answers /healthz, the worker is ready and beat has started."""
        deadline = time.monotonic() + START_TIMEOUT
        answered = False
        while time.monotonic() < deadline:
            assert self.make.poll() is None, f"make exited early:\n{self.output()}"
            if not answered:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                        answered = response.status == 200
                except OSError:
                    pass
            out = self.output()
            if answered and " ready." in out and "beat: Starting" in out:
                return
            time.sleep(0.2)
        pytest.fail(f"not up within {START_TIMEOUT} s (site answered: {answered}):\n{self.output()}")

    def processes(self) -> dict[str, list[int]]:
        """The supervised processes by role, each with its own children (reloader, pool)."""
        roles: dict[str, list[int]] = {"web": [], "worker": [], "beat": []}
        for pid in _descendants(self.make.pid):
            cmd = _cmdline(pid)
            if "manage.py runserver" in cmd:
                roles["web"].append(pid)
            elif "celery" in cmd and " worker" in cmd:
                roles["worker"].append(pid)
            elif "celery" in cmd and " beat" in cmd:
                roles["beat"].append(pid)
        return roles


@pytest.fixture
def dev_run(tmp_path: Path) -> Iterator[DevRun]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["VAR_DIR"] = str(tmp_path / "var")  # SQLite file, broker folders, mail: all in here
    log = tmp_path / "make.log"
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"VENV={VENV}", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    run = DevRun(make=make, port=port, log=log)
    started: list[int] = []
    try:
        run.wait_until_up()
        started = _descendants(make.pid)
        yield run
    finally:
        # Whatever the outcome, nothing this test started outlives it.
        for pid in [make.pid, *started, *_descendants(make.pid)]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        make.wait(timeout=10)


def _assert_stops_cleanly(run: DevRun, send) -> None:
    roles = run.processes()
    assert all(roles.values()), f"not all three started: {roles}\n{run.output()}"
    everything = _descendants(run.make.pid)

    send()
    run.make.wait(timeout=STOP_TIMEOUT)
    deadline = time.monotonic() + 3
    while any(_alive(pid) for pid in everything) and time.monotonic() < deadline:
        time.sleep(0.1)

    left = {pid: _cmdline(pid) for pid in everything if _alive(pid)}
    out = run.output()
    assert not left, f"still running after the stop: {left}\n{out}"
    assert run.make.returncode != -signal.SIGSEGV and "Segmentation fault" not in out, out
    assert "RecursionError" not in out, out
    assert out.count("Warm shutdown") <= 1, out  # the worker says it once, not thousands of times
    assert "No hostname was supplied" not in out, out  # the broker URL names its (only) host


def test_it_gives_every_process_the_site_url_of_its_host_and_port_and_stops_them_on_ctrl_c(dev_run: DevRun) -> None:
    # One start serves both checks: starting the three processes is what takes the time.
    expected = (f"http://127.0.0.1:{dev_run.port}", "devmail://", "true")
    seen = {
        role: tuple(_environ(pids[0]).get(name) for name in ("SITE_URL", "EMAIL_URL", "DEBUG"))
        for role, pids in dev_run.processes().items()
        if pids
    }
    assert seen == {"web": expected, "worker": expected, "beat": expected}

    # Ctrl-C in a terminal signals the whole foreground process group: make and honcho.
    _assert_stops_cleanly(dev_run, lambda: os.killpg(dev_run.make.pid, signal.SIGINT))


def test_it_stops_web_worker_and_beat_on_sigterm_to_make(dev_run: DevRun) -> None:
    _assert_stops_cleanly(dev_run, lambda: dev_run.make.send_signal(signal.SIGTERM))
