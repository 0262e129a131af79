"""Statements and row conversions of the store (SQLAlchemy Core; no ORM: rows become
:class:`StoredEvent` straight from tuples)."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Select, bindparam, case, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter

from collector.events import EventIn, StoredEvent
from collector.store.schema import events, journals
from collector.store.unreadable import unreadable

EVENT_COLUMNS = (
    events.c.site,
    events.c.journal_id,
    events.c.seq,
    events.c.boot_id,
    events.c.wall_time,
    events.c.monotonic_ns,
    events.c.kind,
    events.c.subject,
    events.c.state,
    events.c.value,
    events.c.details,
)

_loads = orjson.loads
_json_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(value: object) -> str:
    """Compact JSON text; orjson's speed, json's reach (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return _json_dumps(value)


def dialect_insert(dialect: str, table: Any) -> Insert:
    """``INSERT`` that understands ``ON CONFLICT`` on SQLite and PostgreSQL."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database '{dialect}': use sqlite or postgresql")


# SQLite: executemany of plain tuples, straight to the driver (SQLAlchemy's per-row parameter
# processing would cost a quarter of the insert).
_SQLITE_INSERT = (
    "INSERT INTO events (site, journal_id, seq, boot_id, wall_time, monotonic_ns, kind, subject,"
    " state, value, details, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (site, journal_id, seq) DO NOTHING"
)


def _sqlite_rows(
    site: str, journal_id: str, batch: Sequence[EventIn], received_at: float
) -> list[tuple[Any, ...]]:
    return [
        (
            site,
            journal_id,
            e.seq,
            e.boot_id,
            e.wall_time_unix,
            e.monotonic_ns,
            e.kind,
            e.subject,
            e.state,
            e.value,
            dumps(e.details) if e.details else "{}",
            received_at,
        )
        for e in batch
    ]


# PostgreSQL: the batch as one JSON document, one statement (json_to_recordset parses it in C;
# psycopg's text arrays would escape every element in Python: a third of the speed).  The json
# type keeps the text of ``details`` as sent, so ``::text`` stores it unchanged.
_PG_INSERT = text(
    """
    INSERT INTO events (site, journal_id, received_at,
                        seq, boot_id, wall_time, monotonic_ns, kind, subject, state, value, details)
    SELECT :site, :journal_id, :received_at, r.seq, r.boot_id, r.wall_time, r.monotonic_ns,
           r.kind, r.subject, r.state, r.value, r.details::text
    FROM json_to_recordset(CAST(:batch AS json))
         AS r(seq bigint, boot_id varchar, wall_time float8, monotonic_ns bigint, kind varchar,
              subject varchar, state varchar, value float8, details json)
    ON CONFLICT (site, journal_id, seq) DO NOTHING
    """
)


def insert_batch(
    conn: Connection,
    site: str,
    journal_id: str,
    batch: Sequence[EventIn],
    received_at: float,
) -> int:
    """Insert ignoring (site, journal_id, seq) already there; returns how many were new."""
    for e in batch:
        if e.site != site:
            raise ValueError(f"event seq {e.seq} is of site '{e.site}', the batch of '{site}'")
    if not batch:
        return 0
    if conn.dialect.name == "postgresql":
        document = dumps(
            [
                {
                    "seq": e.seq,
                    "boot_id": e.boot_id,
                    "wall_time": e.wall_time_unix,
                    "monotonic_ns": e.monotonic_ns,
                    "kind": e.kind,
                    "subject": e.subject,
                    "state": e.state,
                    "value": e.value,
                    "details": e.details,
                }
                for e in batch
            ]
        )
        params = {
            "site": site,
            "journal_id": journal_id,
            "received_at": received_at,
            "batch": document,
        }
        return int(conn.execute(_PG_INSERT, params).rowcount)
    rows = _sqlite_rows(site, journal_id, batch, received_at)
    # sqlite3 sums the changes of executemany: the rows ignored as duplicates count 0
    return int(conn.exec_driver_sql(_SQLITE_INSERT, rows).rowcount)


# The statements of every batch, built once with bound parameters (``site``, ``journal_id``...):
# building them per batch cost more than running them.
_SITE: BindParameter[str] = bindparam("site")
_JOURNAL: BindParameter[str] = bindparam("journal_id")
_OF_JOURNAL = (events.c.site == _SITE, events.c.journal_id == _JOURNAL)


@functools.cache
def upsert_journal(dialect: str) -> Any:
    """The journal's cursor (``last_seq``, ``contiguous_seq``, ``received_at``), never moved
    backwards (two batches may commit in either order)."""
    stmt: Any = dialect_insert(dialect, journals).values(
        site=_SITE,
        journal_id=_JOURNAL,
        last_seq=bindparam("last_seq"),
        contiguous_seq=bindparam("contiguous_seq"),
        received_at=bindparam("received_at"),
    )
    return stmt.on_conflict_do_update(
        index_elements=["site", "journal_id"],
        set_={
            "last_seq": _greater(journals.c.last_seq, stmt.excluded.last_seq),
            "contiguous_seq": _greater(journals.c.contiguous_seq, stmt.excluded.contiguous_seq),
            "received_at": stmt.excluded.received_at,
        },
    )


def _greater(stored: Any, new: Any) -> Any:
    return case((stored > new, stored), else_=new)


# One batch of a journal at a time (taken first in the batch's transaction): a batch reads the
# cursor, stores its events and computes the run without a hole from what it sees, so two
# batches of one journal in flight together would each miss the other's uncommitted events and
# the cursor would stop short of both (seen on PostgreSQL: 390 of 400 events contiguous).
# PostgreSQL: a transaction-scoped advisory lock on the journal's name (other journals go on in
# parallel). SQLite: an UPDATE, even of no row, takes the database's write lock until commit
# (one writer at a time anyway; this only moves the wait before the cursor is read).
_PG_LOCK_JOURNAL = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_SQLITE_LOCK_JOURNAL = text(
    "UPDATE journals SET site = site WHERE site = :site AND journal_id = :journal_id"
)


def lock_journal(conn: Connection, site: str, journal_id: str) -> None:
    """Wait until no other transaction stores a batch of this journal, and hold it until commit."""
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_LOCK_JOURNAL, {"key": f"sansang.journal\x1f{site}\x1f{journal_id}"})
    else:
        conn.execute(_SQLITE_LOCK_JOURNAL, {"site": site, "journal_id": journal_id})


# ``(contiguous_seq, last_seq)`` of one journal.
JOURNAL_ROW = select(journals.c.contiguous_seq, journals.c.last_seq).where(
    journals.c.site == _SITE, journals.c.journal_id == _JOURNAL
)
MAX_SEQ = select(func.max(events.c.seq)).where(*_OF_JOURNAL)
HAS_SEQ = select(events.c.seq).where(*_OF_JOURNAL, events.c.seq == bindparam("seq"))


def _run_end() -> Select[Any]:
    successor = events.alias("successor")
    has_successor = (
        select(successor.c.seq)
        .where(
            successor.c.site == events.c.site,
            successor.c.journal_id == events.c.journal_id,
            successor.c.seq == events.c.seq + 1,
        )
        .exists()
    )
    return (
        select(events.c.seq)
        .where(*_OF_JOURNAL, events.c.seq > bindparam("after"), ~has_successor)
        .order_by(events.c.seq)
        .limit(1)
    )


# The first seq above ``after`` without a successor: where the run from ``after + 1`` ends (the
# primary key walked in order from ``after``, stopping at the first hole; its cost is the run's
# new length, never the journal's).
RUN_END = _run_end()

STORED_CONTENT = EVENT_COLUMNS[2:]  # an event's columns but its site and journal
# What the store holds of one journal between two seqs (a range of the primary key).
STORED_RANGE = select(*STORED_CONTENT).where(
    *_OF_JOURNAL, events.c.seq >= bindparam("low"), events.c.seq <= bindparam("high")
)


def same_content(row: Sequence[Any], event: EventIn) -> bool:
    """Whether a stored row of :data:`STORED_CONTENT` is ``event`` as sent again."""
    _, boot_id, wall, mono, kind, subject, state, value, details = row
    try:
        stored_details = _loads(details)
    except ValueError:
        return False
    return (boot_id, wall, mono, kind, subject, state, value, stored_details) == (
        event.boot_id,
        event.wall_time_unix,
        event.monotonic_ns,
        event.kind,
        event.subject,
        event.state,
        event.value,
        event.details,
    )


# The sites of ``events`` by a loose index scan: one index probe per site, not one per event.
DISTINCT_SITES = text(
    "WITH RECURSIVE s(site) AS ("
    " SELECT min(site) FROM events"
    " UNION ALL SELECT (SELECT min(site) FROM events WHERE events.site > s.site)"
    " FROM s WHERE s.site IS NOT NULL"
    ") SELECT site FROM s WHERE site IS NOT NULL"
)


def site_window(
    site: str, since: float, until: float, kinds: Collection[str] | None
) -> Select[Any]:
    """One site's events in the span, by wall time then seq: a range of ``events_site_time``."""
    stmt = (
        select(*EVENT_COLUMNS)
        .where(events.c.site == site, events.c.wall_time >= since, events.c.wall_time < until)
        .order_by(events.c.wall_time, events.c.seq)
    )
    if kinds is not None:
        stmt = stmt.where(events.c.kind.in_(list(kinds)))
    return stmt


def window(
    since: float, until: float, kinds: Collection[str] | None, sites: Collection[str] | None
) -> Select[Any]:
    """Every site's events in the span, by site, wall time, seq (PostgreSQL's planner picks the
    index or a sort by its statistics)."""
    stmt = (
        select(*EVENT_COLUMNS)
        .where(events.c.wall_time >= since, events.c.wall_time < until)
        .order_by(events.c.site, events.c.wall_time, events.c.seq)
    )
    if kinds is not None:
        stmt = stmt.where(events.c.kind.in_(list(kinds)))
    if sites is not None:
        stmt = stmt.where(events.c.site.in_(list(sites)))
    return stmt


def stream(conn: Connection, stmt: Select[Any], chunk: int) -> Iterator[Sequence[Any]]:
    """The rows of ``stmt`` in chunks, straight from the driver: SQLAlchemy's Row wrapping costs
    as much as the scan itself over millions of events.  PostgreSQL: a server-side cursor."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args: Any = (
        tuple(params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else params
    )
    dbapi: Any = conn.connection.dbapi_connection
    server_side = conn.dialect.name == "postgresql"
    cursor = dbapi.cursor(name="sansang_stream") if server_side else dbapi.cursor()
    try:
        cursor.execute(compiled.string, args)
        while rows := cursor.fetchmany(chunk):
            yield rows
    finally:
        cursor.close()


def newest_before(
    since: float, kinds: Collection[str], sites: Collection[str] | None
) -> Select[Any]:
    """For each (site, kind, subject) its newest event before ``since``."""
    rank = (
        func.row_number()
        .over(
            partition_by=(events.c.site, events.c.kind, events.c.subject),
            order_by=(events.c.wall_time.desc(), events.c.seq.desc()),
        )
        .label("rank")
    )
    inner = select(*EVENT_COLUMNS, rank).where(
        events.c.wall_time < since, events.c.kind.in_(list(kinds))
    )
    if sites is not None:
        inner = inner.where(events.c.site.in_(list(sites)))
    ranked = inner.subquery()
    cols = [ranked.c[c.name] for c in EVENT_COLUMNS]
    return (
        select(*cols)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.site, ranked.c.wall_time, ranked.c.seq)
    )


def to_events(rows: Iterable[Sequence[Any]]) -> Iterator[StoredEvent]:
    """Rows of :data:`EVENT_COLUMNS` as events (details parsed from JSON text).  A row whose
    details are not a JSON object does not stop the rows after it: its details raise when read
    (:mod:`collector.store.unreadable`)."""
    new, loads = StoredEvent, _loads
    for site, jid, seq, boot, wall, mono, kind, subj, state, value, d in rows:
        if d == "{}":
            details = {}
        else:
            try:
                details = loads(d)
            except ValueError:  # orjson.JSONDecodeError, also for a value that is not text
                details = unreadable(site, jid, seq, "not JSON")
            else:
                if type(details) is not dict:
                    details = unreadable(site, jid, seq, "not a JSON object")
        yield new(site, jid, seq, boot, wall, mono, kind, subj, state, value, details)
