"""A task a test's real Celery worker loads with ``--include``: it reports the database
limits its own connection has (tests/test_db_timeouts.py). Not part of the application."""

import json
from pathlib import Path

from django.db import connection

from config.celery import app


@app.task(name="tests.db_timeout_probe", ignore_result=True)
def db_timeout_probe(path: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name IN ('lock_timeout', 'statement_timeout')")
        Path(path).write_text(json.dumps({name: int(ms) for name, ms in cursor.fetchall()}))
