"""The benchmark's own PostgreSQL database, derived from DATABASE_URL.

Nothing here imports Django: this runs before ``django.setup()`` so the settings
read the derived URL. The database named by DATABASE_URL is never written to; the
benchmark works in ``<name>_bench``, dropped and created afresh on every run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

import environ
import psycopg
from psycopg import sql

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shala"
SUFFIX = "_bench"


class BenchDatabaseError(RuntimeError):
    """DATABASE_URL does not name a PostgreSQL database the benchmark can use."""


@dataclass
class BenchDatabase:
    source_name: str  # the database DATABASE_URL names; never touched
    name: str  # the benchmark's own database
    url: str  # DATABASE_URL rewritten to point at ``name``
    conninfo: dict  # psycopg keyword arguments for the maintenance database
    copies: list[str] = field(default_factory=list)  # made by copy(), dropped with the rest

    @classmethod
    def from_url(cls, url: str) -> BenchDatabase:
        config = environ.Env.db_url_config(url)
        engine = config.get("ENGINE", "")
        if not engine.endswith(("postgresql", "postgis")):
            raise BenchDatabaseError(
                f"make bench needs PostgreSQL, but DATABASE_URL names {engine or 'an unknown engine'!r}. "
                f"Set DATABASE_URL=postgres://user:password@host:5432/shala (default {DEFAULT_DATABASE_URL})."
            )
        parts = urlsplit(url)
        source = unquote(parts.path.lstrip("/"))
        if not source or "/" in source:
            raise BenchDatabaseError(f"DATABASE_URL has no database name: {url!r}")
        name = f"{source}{SUFFIX}"
        if len(name.encode()) > 63:
            raise BenchDatabaseError(f"Database name {name!r} is longer than PostgreSQL allows (63 bytes).")
        conninfo = {
            "host": config.get("HOST") or None,
            "port": config.get("PORT") or None,
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
            **{k: v for k, v in (config.get("OPTIONS") or {}).items() if isinstance(v, str | int)},
        }
        bench_url = urlunsplit(parts._replace(path=f"/{name}"))
        return cls(source_name=source, name=name, url=bench_url, conninfo={k: v for k, v in conninfo.items() if v})

    def _maintenance(self) -> psycopg.Connection:
        last_error: Exception | None = None
        for dbname in ("postgres", "template1"):
            try:
                return psycopg.connect(dbname=dbname, autocommit=True, connect_timeout=10, **self.conninfo)
            except psycopg.OperationalError as exc:
                last_error = exc
        raise BenchDatabaseError(f"Cannot reach PostgreSQL with DATABASE_URL's server settings: {last_error}")

    def recreate(self) -> None:
        try:
            with self._maintenance() as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        except psycopg.Error as exc:
            raise BenchDatabaseError(f"Cannot drop and create database {self.name!r} (needs CREATEDB): {exc}") from exc

    def copy(self, suffix: str) -> str:
        """A copy of the benchmark database as it is now, named ``<name>_<suffix>``.

        PostgreSQL copies a template database only while nobody is connected to it:
        close Django's connection first.
        """
        name = f"{self.name}_{suffix}"
        with self._maintenance() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(self.name))
            )
        if name not in self.copies:
            self.copies.append(name)
        return name

    def drop(self) -> None:
        with self._maintenance() as conn:
            for name in [*self.copies, self.name]:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def from_environment() -> BenchDatabase:
    return BenchDatabase.from_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
