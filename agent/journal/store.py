"""The site journal: an append-only SQLite database (WAL mode) of every state change.

- Durable: ``append`` returns only after the event is committed with ``synchronous=FULL``, so an
  event it returned survives ``kill -9`` and a power cut.
- Ordered: ``seq`` comes from SQLite's AUTOINCREMENT and is never reused, even after pruning.
- Clock-safe: each event carries wall time, the monotonic clock and the boot id.
- Bounded: events older than ``retention_seconds`` are removed, and the oldest are removed while
  the journal is larger than ``max_bytes``.  A reader that must not lose events (the push client)
  sets a floor with :meth:`Journal.hold`: events after it are kept past both limits, up to a hard
  ceiling of size beyond which the oldest go anyway.
- Never blocks the agent on a bad disk: when a write fails (full disk, I/O error) the event waits
  in memory, is counted, and is written first at the next successful write.  A failure streak is
  logged once when it starts and once when it ends, not once per event.
- Identified: ``journal_id`` (random, made when the file is created) tells a reader that the file
  was replaced and sequence numbers started again; :meth:`Journal.begin_epoch` gives a file that
  went back (restored from an older copy) a new one from a seq on.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent import clock
from sansang.events import SCHEMA_VERSION, Event

if TYPE_CHECKING:
    from agent.config import JournalConfig

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
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, seq);
"""
_PENDING_LIMIT = 100_000  # beyond this the oldest pending events are dropped and counted
_PRUNE_EVERY = 200  # appends between two size checks
_WAL_SIZE_LIMIT = 1024 * 1024  # the WAL file is truncated to at most this after a checkpoint
_MIN_CHECKPOINT_PAGES = 16
_NO_FLOOR = 2**63 - 1  # SQLite's largest integer: every seq is at or below it
EPOCH_KEY = "epoch_first_seq"  # meta: the first seq of the current journal_id


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
    details_json: str  # serialised at append time: a bad value cannot poison the queue


@dataclass(frozen=True)
class Page:
    """One page of the journal and its bounds, read in one transaction."""

    events: list[Event]
    first_seq: int  # oldest kept event; last_seq + 1 when none is kept
    last_seq: int  # highest seq ever assigned (0 for a new journal)


class Journal:
    @classmethod
    def from_config(cls, config: JournalConfig, *, boot_id: str | None = None) -> Journal:
        """The journal the config's ``journal:`` section describes: the agent, ``agent
        speedtest`` and ``agent diagnose`` open it alike.  OSError when it cannot be opened."""
        return cls(
            config.path,
            boot_id=boot_id if boot_id is not None else clock.boot_id(),
            retention_seconds=config.retention,
            max_bytes=config.max_size_mib * 1024 * 1024,
        )

    def __init__(
        self,
        path: Path,
        *,
        boot_id: str,
        retention_seconds: float = 90 * 86400.0,
        max_bytes: int = 256 * 1024 * 1024,
        wall: Callable[[], float] = clock.wall,
        monotonic_ns: Callable[[], int] = clock.monotonic_ns,
        durable: bool = True,
    ) -> None:
        self.path = path
        self.boot_id = boot_id
        self.retention_seconds = retention_seconds
        self.max_bytes = max_bytes
        self._wall = wall
        self._monotonic_ns = monotonic_ns
        # False only for the simulator's journals: commits without fsync (WAL, synchronous=NORMAL)
        self._durable = durable
        self._lock = threading.Lock()
        self._pending: deque[_Pending] = deque()
        self._since_prune = 0
        self._failing = False
        self.stats = JournalStats()
        self.keep_after: int | None = None  # events after this seq survive retention and the cap
        self.keep_ceiling_bytes = max_bytes  # ... until the journal is this large
        path.parent.mkdir(parents=True, exist_ok=True)
        self.set_aside: Path | None = None  # where an unreadable journal was moved at open
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as err:
            # A power cut on a bad SD card can leave a file SQLite cannot read.  The agent must
            # keep recording: move the file aside (for a later look), start a new journal, and
            # say so in it (kind "journal_reset").
            self.set_aside = _set_aside(path)
            log.error("journal %s is unreadable (%s); moved to %s", path, err, self.set_aside)
            self._db = self._open()
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?), ('journal_id', ?)",
            (str(SCHEMA_VERSION), str(uuid.uuid4())),
        )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'journal_id'").fetchone()
        self.journal_id: str = row[0]
        epoch = self._db.execute("SELECT value FROM meta WHERE key = ?", (EPOCH_KEY,)).fetchone()
        # The first seq of the current journal_id: 1, or where the last epoch began.
        self.epoch_first_seq: int = int(epoch[0]) if epoch and epoch[0].isdigit() else 1
        # Newest seq, kept in memory so a scrape never waits for the lock behind a commit.
        self.newest_seq: int = self._last_seq_locked()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # effective only on a new file
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={'FULL' if self._durable else 'NORMAL'}")
            db.executescript(_SCHEMA)
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check}")
            self._bound_wal(db)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _bound_wal(self, db: sqlite3.Connection) -> None:
        """Keep the WAL file small beside the size cap: checkpoint after about a quarter of the
        cap (at most SQLite's default 1000 pages) and truncate the file after a checkpoint."""
        page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
        quarter = self.max_bytes // 4
        pages = max(_MIN_CHECKPOINT_PAGES, min(1000, quarter // page_size))
        db.execute(f"PRAGMA wal_autocheckpoint={pages}")
        db.execute(f"PRAGMA journal_size_limit={min(_WAL_SIZE_LIMIT, quarter)}")

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
        details_json = _details_json(details or {})
        if value is not None and not math.isfinite(value):
            value = None  # unknown is absent, and strict JSON has no NaN
        with self._lock:  # clocks read under the lock: seq order is monotonic-clock order
            item = _Pending(
                self._wall(), self._monotonic_ns(), kind, subject, state, value, details_json
            )
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
        try:
            written = self._insert_pending_locked()
        except sqlite3.Error as err:
            self._rollback()
            self.stats.write_errors += 1
            if not self._failing:
                log.warning("journal write failed (%s); events wait in memory and are retried", err)
            self._failing = True
            return []
        if self._failing:
            log.warning("journal writes work again; %d waiting event(s) written", len(written))
            self._failing = False
        self._pending.clear()
        self.newest_seq = written[-1].seq
        self.stats.appended += len(written)
        return written

    def _insert_pending_locked(self) -> list[Event]:
        """Insert every pending event in one transaction, oldest first."""
        written: list[Event] = []
        self._db.execute("BEGIN IMMEDIATE")
        for p in self._pending:
            row = (
                self.boot_id, p.wall_time, p.monotonic_ns, p.kind, p.subject, p.state, p.value
            )  # fmt: skip
            seq = self._db.execute(
                "INSERT INTO events (schema, boot_id, wall_time, monotonic_ns, kind, subject,"
                " state, value, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (SCHEMA_VERSION, *row, p.details_json),
            ).lastrowid
            assert seq is not None
            written.append(Event(seq, *row, json.loads(p.details_json)))
        self._db.execute("COMMIT")
        return written

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            log.debug("rollback after a failed write failed too (no transaction was open)")

    def begin_epoch(self, reason: str, first_seq: int) -> str:
        """Give the journal a new ``journal_id`` from ``first_seq`` on, and journal it
        (``journal_reset``).  For a journal that went back (restored from an older copy): its
        seqs from ``first_seq`` are new events the collector holds other ones under, so they go
        under a new id and both histories are kept.  Returns the new id."""
        previous, new_id = self.journal_id, str(uuid.uuid4())
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (("journal_id", new_id), (EPOCH_KEY, str(first_seq))),
                )
            except sqlite3.Error:
                self._rollback()
                raise
            self._db.execute("COMMIT")
            self.journal_id, self.epoch_first_seq = new_id, first_seq
        log.warning("journal %s becomes %s from seq %d (%s)", previous, new_id, first_seq, reason)
        details = {"reason": reason, "previous_journal_id": previous, "first_seq": first_seq}
        self.append("journal_reset", "journal", details=details)
        return new_id

    # --- bounds ----------------------------------------------------------------------------------
    def _maybe_prune_locked(self) -> None:
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self._prune_locked()

    def prune(self) -> int:
        """Apply retention and the size cap now; returns how many events were removed."""
        with self._lock:
            return self._prune_locked()

    def hold(self, after: int, ceiling_bytes: int) -> None:
        """Keep the events with ``seq > after`` past retention and the size cap, until the
        journal uses ``ceiling_bytes`` (the push client's floor: events the collector has not
        acknowledged).  The hold is in memory; its owner sets it again at every start."""
        with self._lock:
            self.keep_after = after
            self.keep_ceiling_bytes = max(ceiling_bytes, self.max_bytes)

    def _prune_locked(self) -> int:
        self._since_prune = 0
        removed = 0
        floor = self.keep_after
        try:
            # Old by the wall clock, unless the monotonic clock of this boot says otherwise: a
            # wall clock stepped years ahead must not empty the journal.
            cutoff = self._wall() - self.retention_seconds
            mono_cutoff = self._monotonic_ns() - int(self.retention_seconds * 1e9)
            # Events after the floor are held back (without a floor, none is).
            limit = _NO_FLOOR if floor is None else floor
            removed += self._db.execute(
                "DELETE FROM events WHERE wall_time < ? AND NOT (boot_id = ? AND monotonic_ns > ?)"
                " AND seq <= ?",
                (cutoff, self.boot_id, mono_cutoff, limit),
            ).rowcount
            while self._used_bytes_locked() > self.max_bytes:
                dropped = self._drop_oldest_locked(floor)
                if not dropped:
                    break
                removed += dropped
            unsent = 0
            while floor is not None and self._used_bytes_locked() > self.keep_ceiling_bytes:
                dropped = self._drop_oldest_locked(None)  # the hard ceiling: held events go too
                if not dropped:
                    break
                unsent += dropped
            if unsent:
                log.warning(
                    "journal above %d bytes: %d event(s) not yet acknowledged removed",
                    self.keep_ceiling_bytes,
                    unsent,
                )
            removed += unsent
            if removed:
                # sqlite3_exec steps it to the end; execute() would free a single page.
                self._db.executescript("PRAGMA incremental_vacuum;")
                # Give the space back on disk now, not at the next automatic checkpoint.
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as err:
            self.stats.write_errors += 1
            log.warning("journal pruning failed: %s", err)
        self.stats.pruned += removed
        return removed

    def _drop_oldest_locked(self, floor: int | None) -> int:
        """Remove about a tenth of the events with ``seq <= floor`` (any event when None), oldest
        first, never the newest event; returns how many went."""
        limit = _NO_FLOOR if floor is None else floor
        total = int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        held = self._db.execute("SELECT COUNT(*) FROM events WHERE seq <= ?", (limit,))
        count = min(int(held.fetchone()[0]), total - 1)
        if count <= 0:
            return 0
        return int(
            self._db.execute(
                "DELETE FROM events WHERE seq IN"
                " (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)",
                (limit, max(1, count // 10)),
            ).rowcount
        )

    def _used_bytes_locked(self) -> int:
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * page_size)

    # --- reading ---------------------------------------------------------------------------------
    _SELECT = (
        "SELECT seq, boot_id, wall_time, monotonic_ns, kind, subject, state, value, details, schema"
        " FROM events"
    )

    def read(self, after: int = 0, limit: int = 1000) -> list[Event]:
        """Up to ``limit`` events with ``seq > after``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"{self._SELECT} WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        return [_event(r) for r in rows]

    def page(self, after: int, limit: int) -> Page:
        """:meth:`read` plus the journal's bounds, consistent with each other (one snapshot)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                rows = self._db.execute(
                    f"{self._SELECT} WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
                ).fetchall()
                last = self._last_seq_locked()
                first = self._first_seq_locked(last)
            finally:
                self._db.execute("COMMIT")
        return Page([_event(r) for r in rows], first, last)

    def tail(self, count: int) -> list[Event]:
        """The newest ``count`` events, oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"{self._SELECT} ORDER BY seq DESC LIMIT ?", (count,)
            ).fetchall()
        return [_event(r) for r in reversed(rows)]

    def of_kinds(self, kinds: Sequence[str], since_wall: float) -> list[Event]:
        """Events of these kinds written at or after ``since_wall``, oldest first."""
        marks = ",".join("?" * len(kinds))
        with self._lock:
            rows = self._db.execute(
                f"{self._SELECT} WHERE kind IN ({marks}) AND wall_time >= ? ORDER BY seq",
                (*kinds, since_wall),
            ).fetchall()
        return [_event(r) for r in rows]

    def newest_of_kind(self, kind: str) -> Event | None:
        with self._lock:
            row = self._db.execute(
                f"{self._SELECT} WHERE kind = ? ORDER BY seq DESC LIMIT 1", (kind,)
            ).fetchone()
        return _event(row) if row else None

    def sum_detail(self, kind: str, key: str, since_wall: float) -> float:
        """Sum of the number ``details[key]`` over events of ``kind`` written at or after
        ``since_wall`` (absent or non-numeric values count 0); e.g. the data the throughput tests
        used this month."""
        with self._lock:
            row = self._db.execute(
                "SELECT TOTAL(json_extract(details, ?)) FROM events"
                " WHERE kind = ? AND wall_time >= ?",
                (f"$.{key}", kind, since_wall),
            ).fetchone()
        return float(row[0])

    def of_kind_after(self, kind: str, after: int, limit: int = 1000) -> list[Event]:
        """Up to ``limit`` events of ``kind`` with ``seq > after``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"{self._SELECT} WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?",
                (kind, after, limit),
            ).fetchall()
        return [_event(r) for r in rows]

    def newest_of(self, kind: str, subject: str, state: str | None = None) -> Event | None:
        """The newest event of ``kind`` about ``subject`` (in ``state`` when given)."""
        where, args = "kind = ? AND subject = ?", [kind, subject]
        if state is not None:
            where, args = f"{where} AND state = ?", [*args, state]
        with self._lock:
            row = self._db.execute(
                f"{self._SELECT} WHERE {where} ORDER BY seq DESC LIMIT 1", args
            ).fetchone()
        return _event(row) if row else None

    def newest_of_other_boot(self) -> Event | None:
        """The newest event written in another boot of the host than this one."""
        with self._lock:
            row = self._db.execute(
                f"{self._SELECT} WHERE boot_id != ? ORDER BY seq DESC LIMIT 1", (self.boot_id,)
            ).fetchone()
        return _event(row) if row else None

    def last_seq(self) -> int:
        """The highest seq ever assigned, even when that event was pruned since (0: none yet)."""
        with self._lock:
            return self._last_seq_locked()

    def first_seq(self) -> int:
        """The oldest seq still kept; ``last_seq() + 1`` when the journal keeps no event."""
        with self._lock:
            return self._first_seq_locked(self._last_seq_locked())

    def _last_seq_locked(self) -> int:
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return int(row[0]) if row else 0

    def _first_seq_locked(self, last: int) -> int:
        row = self._db.execute("SELECT MIN(seq) FROM events").fetchone()
        return int(row[0]) if row[0] is not None else last + 1

    def pending(self) -> int:
        return len(self._pending)

    def read_meta(self, key: str) -> str | None:
        """A value its owner keeps with the journal (e.g. the push client's acknowledged seq)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def write_meta(self, key: str, value: str) -> None:
        """Commit ``key = value`` durably; raises :class:`sqlite3.Error` when it cannot."""
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def used_bytes(self) -> int:
        """Bytes of the database in use (pages not on the free list): what the size cap limits."""
        with self._lock:
            return self._used_bytes_locked()

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


def _set_aside(path: Path) -> Path:
    """Rename an unreadable journal (and its WAL and shared-memory files) out of the way."""
    target = path.with_name(f"{path.name}.unreadable-{int(clock.wall())}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{target}{suffix}"))
    return target


def _event(row: tuple[Any, ...]) -> Event:
    return Event(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], json.loads(row[8]), row[9]
    )


def _details_json(details: dict[str, Any]) -> str:
    """Strict JSON (readers in other languages reject NaN): non-finite numbers become null, and
    values JSON cannot hold become their text."""
    try:
        return json.dumps(details, ensure_ascii=False, sort_keys=True, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(_finite(details), ensure_ascii=False, sort_keys=True, default=str)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
