"""The site journal: an append-only SQLite database (WAL mode) of every state change.

- Durable: ``append`` returns only after the event is committed with ``synchronous=FULL``, so an
  event it returned survives ``kill -9`` and a power cut.
- Ordered: ``seq`` comes from SQLite's AUTOINCREMENT and is never reused, even after pruning.
- Clock-safe: each event carries wall time, the monotonic clock and the boot id.
- Bounded: events older than ``retention_seconds`` are removed, and the oldest are removed while
  the journal is larger than ``max_bytes``.
- Never blocks the agent on a bad disk: when a write fails (full disk, I/O error) the event waits
  in memory, is counted, and is written first at the next successful write.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent import clock
from agent.events import SCHEMA_VERSION, Event

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    schema INTEGER NOT NULL,
    boot_id TEXT NOT NULL,
    wall_time REAL NOT NULL,
    monotonic_ns INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT,
    value REAL,
    details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_wall_time ON events (wall_time);
"""
_PENDING_LIMIT = 100_000  # beyond this the oldest pending events are dropped and counted
_PRUNE_EVERY = 200  # appends between two size checks


@dataclass
class JournalStats:
    appended: int = 0
    pruned: int = 0
    write_errors: int = 0
    dropped: int = 0


@dataclass(frozen=True)
class _Pending:
    wall_time: float
    monotonic_ns: int
    kind: str
    subject: str
    state: str | None
    value: float | None
    details: dict[str, Any]


class Journal:
    def __init__(
        self,
        path: Path,
        *,
        boot_id: str,
        retention_seconds: float = 90 * 86400.0,
        max_bytes: int = 256 * 1024 * 1024,
        wall: Callable[[], float] = clock.wall,
        monotonic_ns: Callable[[], int] = clock.monotonic_ns,
    ) -> None:
        self.path = path
        self.boot_id = boot_id
        self.retention_seconds = retention_seconds
        self.max_bytes = max_bytes
        self._wall = wall
        self._monotonic_ns = monotonic_ns
        self._lock = threading.Lock()
        self._pending: deque[_Pending] = deque()
        self._since_prune = 0
        self.stats = JournalStats()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # effective only on a new file
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
        )

    # --- writing ---------------------------------------------------------------------------------
    def append(
        self,
        kind: str,
        subject: str,
        state: str | None = None,
        value: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> Event | None:
        """Commit one event and return it; None when it could not be written yet (it waits in
        memory and is written first by the next successful append or :meth:`flush`)."""
        item = _Pending(
            self._wall(), self._monotonic_ns(), kind, subject, state, value, dict(details or {})
        )
        with self._lock:
            self._pending.append(item)
            if len(self._pending) > _PENDING_LIMIT:
                self._pending.popleft()
                self.stats.dropped += 1
            written = self._flush_locked()
            self._maybe_prune_locked()
        # The new event was last in the queue, so it is the last one written.
        return written[-1] if written else None

    def flush(self) -> int:
        """Write events waiting in memory; returns how many were written."""
        with self._lock:
            return len(self._flush_locked())

    def _flush_locked(self) -> list[Event]:
        if not self._pending:
            return []
        written: list[Event] = []
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for p in self._pending:
                cursor = self._db.execute(
                    "INSERT INTO events (schema, boot_id, wall_time, monotonic_ns, kind, subject,"
                    " state, value, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        SCHEMA_VERSION,
                        self.boot_id,
                        p.wall_time,
                        p.monotonic_ns,
                        p.kind,
                        p.subject,
                        p.state,
                        p.value,
                        json.dumps(p.details, ensure_ascii=False, sort_keys=True),
                    ),
                )
                seq = cursor.lastrowid
                assert seq is not None
                written.append(
                    Event(seq, self.boot_id, p.wall_time, p.monotonic_ns, p.kind, p.subject,
                          p.state, p.value, p.details)
                )
            self._db.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback()
            self.stats.write_errors += 1
            log.warning(
                "journal write failed (%s); %d event(s) wait in memory", err, len(self._pending)
            )
            return []
        self._pending.clear()
        self.stats.appended += len(written)
        return written

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            log.debug("rollback after a failed write failed too (no transaction was open)")

    # --- bounds ----------------------------------------------------------------------------------
    def _maybe_prune_locked(self) -> None:
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self._prune_locked()

    def prune(self) -> int:
        """Apply retention and the size cap now; returns how many events were removed."""
        with self._lock:
            return self._prune_locked()

    def _prune_locked(self) -> int:
        self._since_prune = 0
        removed = 0
        try:
            cutoff = self._wall() - self.retention_seconds
            removed += self._db.execute("DELETE FROM events WHERE wall_time < ?", (cutoff,)).rowcount
            while self._used_bytes_locked() > self.max_bytes:
                count = self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
                if count <= 1:
                    break
                batch = max(1, count // 10)
                removed += self._db.execute(
                    "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?)",
                    (batch,),
                ).rowcount
            if removed:
                self._db.execute("PRAGMA incremental_vacuum")
        except sqlite3.Error as err:
            self.stats.write_errors += 1
            log.warning("journal pruning failed: %s", err)
        self.stats.pruned += removed
        return removed

    def _used_bytes_locked(self) -> int:
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * page_size)

    # --- reading ---------------------------------------------------------------------------------
    def read(self, after: int = 0, limit: int = 1000) -> list[Event]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, boot_id, wall_time, monotonic_ns, kind, subject, state, value,"
                " details, schema FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [
            Event(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]), r[9])
            for r in rows
        ]

    def tail(self, count: int) -> list[Event]:
        """The newest ``count`` events, oldest first."""
        last = self.last_seq()
        return self.read(after=max(0, last - count), limit=count)

    def last_seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def first_seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MIN(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def pending(self) -> int:
        return len(self._pending)

    def size_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += Path(f"{self.path}{suffix}").stat().st_size
            except OSError:
                continue
        return total

    def close(self) -> None:
        with self._lock:
            self._flush_locked()
            self._db.close()

