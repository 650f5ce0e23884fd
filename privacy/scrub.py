"""Find and replace a person's identifiers in every text column of every table.

Erasure anonymises the rows it knows (privacy.erasure); this sweeps the rest, where an
e-mail address, a phone number or a name was copied as text: a message's stored context,
an audit event's actor name, a login attempt's user name. E-mail and phone are unique, so
they are replaced everywhere; a name only when it is specific enough (two words, or eight
letters) - "Ana" must not be cut out of every other Ana's rows. The tables below are left
alone: the access log is append-only by law of the database, and the user row is rewritten
by erasure itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.apps import apps
from django.db import connection

SKIP_TABLES = frozenset({"privacy_accesslogentry", "django_migrations"})
TEXT_TYPES = frozenset({"character varying", "text", "jsonb", "json"})
REPLACEMENT = "[erased]"


def specific_name(name: str) -> bool:
    name = name.strip()
    return len(name.split()) >= 2 or len(name) >= 8


def text_columns() -> Iterator[tuple[str, str, str]]:
    """(table, column, data type) of every text-like column of every model's table."""
    tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ANY(%s) ORDER BY table_name, ordinal_position",
            [tables],
        )
        for table, column, data_type in cursor.fetchall():
            if data_type in TEXT_TYPES:
                yield table, column, data_type


def _literal_forms(value: str) -> list[str]:
    """The value as text, and as it appears inside JSON (quotes and backslashes escaped)."""
    forms = [value, json.dumps(value, ensure_ascii=False)[1:-1]]
    return list(dict.fromkeys(f for f in forms if f))


def replace_everywhere(values: list[str]) -> int:
    """Replace each value in every text column (but the skipped tables); the number of rows changed."""
    needles = [form for v in values if v for form in _literal_forms(v)]
    if not needles:
        return 0
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in text_columns():
        if table not in SKIP_TABLES:
            by_table.setdefault(table, []).append((column, data_type))
    changed = 0
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, columns in by_table.items():
            sets, wheres, params_set, params_where = [], [], [], []
            for column, data_type in columns:
                expr = f"{qn(column)}::text" if data_type in ("jsonb", "json") else qn(column)
                for needle in needles:
                    expr = f"replace({expr}, %s, %s)"
                    params_set += [needle, REPLACEMENT]
                cast = f"::{data_type}" if data_type in ("jsonb", "json") else ""
                sets.append(f"{qn(column)} = ({expr}){cast}")
                text = f"{qn(column)}::text"
                wheres.append(" OR ".join(f"strpos({text}, %s) > 0" for _ in needles))
                params_where += needles
            cursor.execute(
                f"UPDATE {qn(table)} SET {', '.join(sets)} WHERE {' OR '.join(f'({w})' for w in wheres)}",
                params_set + params_where,
            )
            changed += cursor.rowcount
    return changed


def rows_mentioning(value: str) -> list[tuple[str, str, int]]:
    """(table, column, rows) where ``value`` still appears: what the erasure test asserts is empty."""
    found = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column, _type in text_columns():
            cursor.execute(
                f"SELECT count(*) FROM {qn(table)} WHERE strpos(lower({qn(column)}::text), lower(%s)) > 0", [value]
            )
            count = cursor.fetchone()[0]
            if count:
                found.append((table, column, count))
    return found
