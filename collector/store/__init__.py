"""The collector's event store: SQLAlchemy over SQLite (WAL, the embedded default) or PostgreSQL.

CONTRACT (the lead wrote the signatures; the store's helper fills in the bodies, the schema in
``schema.py`` and the Alembic migrations in ``migrations/``).  Everyone else codes against these
methods only.

    store = Store.open("sqlite:////var/lib/sansang/collector.db")   # migrates to the newest schema
    result = store.insert_events(site, journal_id, events)            # idempotent
    for event in store.iter_events(since, until, kinds): ...          # by site, wall time, seq
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from collector.evaluate.model import SurveyPoint
from collector.events import EventIn, StoredEvent


@dataclass(frozen=True)
class InsertResult:
    accepted: int  # newly stored
    duplicates: int  # already there (same site, journal_id, seq): ignored, not an error


@dataclass(frozen=True)
class JournalCursor:
    """How far the collector has the journal ``journal_id`` of ``site``."""

    site: str
    journal_id: str
    last_seq: int  # highest seq stored (0: none)
    received_at: float | None  # when the newest batch of it arrived (Unix seconds)


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str  # token name
    role: str
    action: str  # e.g. "note.create", "drill.record", "inventory.reload"
    target: str  # what it acted on, e.g. a site key
    details: dict[str, Any]


@dataclass(frozen=True)
class Note:
    """A technician's or reviewer's note on a site (field visit, diagnosis)."""

    id: int
    site: str
    at: float
    author: str
    text: str


class Store:
    """One database; thread-safe (one SQLAlchemy engine, a connection per call)."""

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect (``sqlite:///PATH`` or ``postgresql+psycopg://...``) and bring the schema to
        the newest migration unless ``migrate`` is false (then an old schema is an error)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # --- ingest ----------------------------------------------------------------------------------
    def insert_events(
        self, site: str, journal_id: str, events: Sequence[EventIn], received_at: float
    ) -> InsertResult:
        """Store a batch in one transaction; (site, journal_id, seq) already present is ignored."""
        raise NotImplementedError

    def cursor(self, site: str, journal_id: str) -> JournalCursor:
        raise NotImplementedError

    def cursors(self) -> list[JournalCursor]:
        """Every journal of every site the store has events of."""
        raise NotImplementedError

    # --- reading ---------------------------------------------------------------------------------
    def iter_events(
        self,
        since: float,
        until: float,
        kinds: Collection[str] | None = None,
        sites: Collection[str] | None = None,
    ) -> Iterator[StoredEvent]:
        """Events with ``since <= wall_time < until``, ordered by site, wall time, seq; streamed
        (server-side cursor / chunks), never the whole table in memory."""
        raise NotImplementedError

    def state_before(
        self, since: float, kinds: Collection[str], sites: Collection[str] | None = None
    ) -> list[StoredEvent]:
        """For each (site, kind, subject): the newest event before ``since`` (the state at the
        start of a window)."""
        raise NotImplementedError

    def site_events(
        self,
        site: str,
        since: float,
        until: float,
        kinds: Collection[str] | None = None,
        limit: int = 1000,
    ) -> list[StoredEvent]:
        """A site's events in the span, newest first (the site page's timeline)."""
        raise NotImplementedError

    def count_events(self) -> int:
        raise NotImplementedError

    # --- coverage survey --------------------------------------------------------------------
    def add_survey_points(self, points: Sequence[SurveyPoint]) -> int:
        raise NotImplementedError

    def survey_points(self, since: float, until: float) -> list[SurveyPoint]:
        raise NotImplementedError

    # --- people's writes ---------------------------------------------------------------------
    def add_note(self, site: str, author: str, text: str, at: float) -> Note:
        raise NotImplementedError

    def notes(self, site: str, limit: int = 100) -> list[Note]:
        raise NotImplementedError

    def audit(self, entry: AuditEntry) -> None:
        """Append to the audit log (every write through the API, and who made it)."""
        raise NotImplementedError

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        raise NotImplementedError
