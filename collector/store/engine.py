"""Engines for the store: SQLite tuned for a single collector (WAL), PostgreSQL via psycopg 3."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_MS = 10_000

# WAL: readers (web UI, evaluation) never block the ingest and the ingest never blocks them.
# synchronous=FULL: every commit is fsynced before it returns, so a batch answered 200 survives
# a power cut (NORMAL may lose the last commits, and the agent, told they were stored, would
# never send them again; the cost is measured in docs/ingest.md, "Durability").
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",  # 64 MiB per connection
    "PRAGMA mmap_size=268435456",  # 256 MiB: scans read the file without copying it
    "PRAGMA wal_autocheckpoint=16384",  # 64 MiB of WAL between checkpoints: fewer fsyncs
)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; ``postgresql://`` means psycopg 3, as ``postgresql+psycopg://``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(url, in_memory=parsed.database in (None, "", ":memory:"))
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    # synchronous_commit on for the collector's sessions, whatever the server's default says: a
    # batch answered 200 is on disk (off would lose the last commits of a crash, acknowledged).
    durable = {"options": "-c synchronous_commit=on"}
    return create_engine(
        parsed, pool_pre_ping=True, pool_size=8, max_overflow=8, connect_args=durable
    )


def _sqlite(url: str, *, in_memory: bool) -> Engine:
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:  # one shared connection, or every checkout would see its own empty database
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _on_connect)
    return engine


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma).fetchall()
    finally:
        cursor.close()
