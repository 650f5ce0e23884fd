#!/usr/bin/env python
"""`make bench`: run the benchmarks and print one JSON object, a section per benchmark.

    .venv/bin/python tests/bench/run.py [--only NAME] [--keep-db]

Uses the PostgreSQL server named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/shala) but never that database: it drops and
creates ``<name>_bench``, migrates it, and each section seeds its own data there
(the tables are flushed between sections; a section may also make copies of it,
``<name>_bench_<suffix>``). All of them are dropped at the end unless --keep-db,
and dropped before being made again on the next run. Progress goes to stderr;
stdout carries only the JSON.
See docs/BENCHMARKS.md.

A new benchmark is a function returning a dict of figures, added to SECTIONS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[2]


if TYPE_CHECKING:
    from tests.bench.db import BenchDatabase


def _timetable(db: BenchDatabase) -> dict:
    from tests.bench import timetable

    return timetable.run(db)


def _booking_http(db: BenchDatabase) -> dict:
    from tests.bench import booking_http

    return booking_http.run(db)


def _notifications(db: BenchDatabase) -> dict:
    from tests.bench import notifications

    return notifications.run(db)


def _waitlist(db: BenchDatabase) -> dict:
    from tests.bench import waitlist

    return waitlist.run(db)


def _slots(db: BenchDatabase) -> dict:
    from tests.bench import slots

    return slots.run(db)


def _reports(db: BenchDatabase) -> dict:
    from tests.bench import reports

    return reports.run(db)


def _login(db: BenchDatabase) -> dict:
    from tests.bench import login

    return login.run(db)


def _payments(db: BenchDatabase) -> dict:
    from tests.bench import payments

    return payments.run(db)


def _api(db: BenchDatabase) -> dict:
    from tests.bench import api

    return api.run(db)


# name -> section. Each runs after django.setup(), connected to the migrated benchmark
# database with its tables flushed, and returns its figures (a JSON-able dict).
SECTIONS: dict[str, Callable[[BenchDatabase], dict]] = {
    "timetable": _timetable,
    "booking_http": _booking_http,
    "notifications": _notifications,
    "waitlist": _waitlist,
    "slots": _slots,
    "login": _login,
    "reports": _reports,
    "payments": _payments,
    "api": _api,
}


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), help="run one section")
    parser.add_argument("--keep-db", action="store_true", help="leave the <name>_bench database for inspection")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.bench.db import BenchDatabaseError, from_environment
    from tests.bench.measure import log

    try:
        bench_db = from_environment()
        log(f"using database {bench_db.name!r} (DATABASE_URL names {bench_db.source_name!r}, left untouched)")
        bench_db.recreate()
    except BenchDatabaseError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2

    os.environ["DATABASE_URL"] = bench_db.url
    os.environ["DEBUG"] = "false"
    # As in production, DEBUG off needs a key; one per run, shared with the servers it starts.
    os.environ.setdefault("SECRET_KEY", f"shala-bench-{secrets.token_urlsafe(48)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    names = [args.only] if args.only else list(SECTIONS)
    results: dict[str, dict] = {}
    try:
        # Anything a library prints must not end up in the JSON.
        with contextlib.redirect_stdout(sys.stderr):
            import django
            from django.core.management import call_command

            django.setup()
            log("migrating")
            call_command("migrate", verbosity=0, interactive=False)
            for i, name in enumerate(names):
                if i:
                    call_command("flush", verbosity=0, interactive=False)
                log(f"section {name}")
                results[name] = SECTIONS[name](bench_db)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep_db:
            log(f"kept database {bench_db.name!r}")
        else:
            bench_db.drop()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
