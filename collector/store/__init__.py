"""The collector's event store: SQLAlchemy over SQLite (WAL, the embedded default) or PostgreSQL.

Every other part of the collector uses the store through :class:`Store` only; the tables are in
``schema.py``, the SQL that must be fast in ``queries.py``, the Alembic migrations in
``migrations/`` (run by :meth:`Store.open`).

    store = Store.open("sqlite:////var/lib/sansang/collector.db")   # migrates to the newest schema
    result = store.insert_events(site, journal_id, events, received_at)   # idempotent
    for event in store.iter_events(since, until, kinds): ...          # by site, wall time, seq
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from collector.events import EventIn, StoredEvent
from collector.findings import Finding
from collector.incidents.model import AlertSignal, Incident, IncidentNote, Intake
from collector.periods import Month, MonthFindings
from collector.store import handovers as handover_rows
from collector.store import incident_alerts, queries
from collector.store import incidents as incident_rows
from collector.store import migrate as migrations
from collector.store import months as month_rows
from collector.store import readiness as readiness_rows
from collector.store import reports as report_rows
from collector.store.contiguous import InsertResult, SeqConflict, insert
from collector.store.handovers import HandoverEntry
from collector.store.incident_alerts import Receipt
from collector.store.migrate import SchemaError
from collector.store.months import MonthEntry
from collector.store.readiness import ReadinessEdit
from collector.store.reports import ReportRecord
from collector.store.schema import audit_log, events, journals, notes, survey_points
from collector.survey import SurveyPoint
from sansang.handover import HandoverRecord

__all__ = [
    "AuditEntry",
    "HandoverEntry",
    "InsertResult",
    "JournalCursor",
    "MonthEntry",
    "Note",
    "ReadinessEdit",
    "Receipt",
    "ReportRecord",
    "SchemaError",
    "SeqConflict",
    "Store",
]

STREAM_CHUNK = 5000  # rows fetched at a time by iter_events


@dataclass(frozen=True)
class JournalCursor:
    """How far the collector has the journal ``journal_id`` of ``site``."""

    site: str
    journal_id: str
    last_seq: int  # the contiguous seq: held without a hole up to it (0: none); resume after it
    received_at: float | None  # when the newest batch of it arrived (Unix seconds)
    highest_seq: int = 0  # the highest seq stored (above last_seq when there are holes)


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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect (``sqlite:///PATH`` or ``postgresql+psycopg://...``) and bring the schema to
        the newest migration unless ``migrate`` is false (then an old schema is an error)."""
        from collector.store.engine import make_engine

        engine = make_engine(url)
        try:
            queries.dialect_insert(engine.dialect.name, events)  # refuse other databases early
            if migrate:
                migrations.upgrade(engine)
            migrations.check(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # --- ingest ----------------------------------------------------------------------------------
    def insert_events(
        self,
        site: str,
        journal_id: str,
        events: Sequence[EventIn],
        received_at: float,
        *,
        first_seq: int | None = None,
        ahead_limit: int | None = None,
    ) -> InsertResult:
        """Store a batch in one transaction and move the journal's contiguous cursor
        (:mod:`collector.store.contiguous`): (site, journal_id, seq) already present with the
        same content is ignored, with other content raises :class:`SeqConflict` (nothing
        stored); ``first_seq`` is the oldest seq the sender's journal still holds; an event more
        than ``ahead_limit`` seqs beyond the cursor is not stored (None: no limit)."""
        with self.engine.begin() as conn:
            return insert(
                conn,
                site,
                journal_id,
                events,
                received_at,
                first_seq=first_seq,
                ahead_limit=ahead_limit,
            )

    _CURSOR_COLUMNS = (
        journals.c.site,
        journals.c.journal_id,
        journals.c.contiguous_seq,
        journals.c.received_at,
        journals.c.last_seq,
    )

    @staticmethod
    def _cursor(row: Sequence[Any]) -> JournalCursor:
        return JournalCursor(row[0], row[1], int(row[2]), row[3], int(row[4]))

    def cursor(self, site: str, journal_id: str) -> JournalCursor:
        stmt = select(*self._CURSOR_COLUMNS).where(
            journals.c.site == site, journals.c.journal_id == journal_id
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return JournalCursor(site, journal_id, 0, None)
        return self._cursor(row)

    def cursors(self) -> list[JournalCursor]:
        """Every journal of every site the store has events of."""
        stmt = select(*self._CURSOR_COLUMNS).order_by(journals.c.site, journals.c.journal_id)
        with self.engine.connect() as conn:
            return [self._cursor(r) for r in conn.execute(stmt)]

    def latest_cursor(self, site: str) -> JournalCursor | None:
        """The journal of ``site`` that received a batch last (where a pull resumes)."""
        stmt = (
            select(*self._CURSOR_COLUMNS)
            .where(journals.c.site == site)
            .order_by(journals.c.received_at.desc(), journals.c.last_seq.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            r = conn.execute(stmt).first()
        return None if r is None else self._cursor(r)

    def sites(self) -> list[str]:
        """Every site the store has events of."""
        with self.engine.connect() as conn:
            return self._sites(conn)

    @staticmethod
    def _sites(conn: Connection) -> list[str]:
        return list(conn.execute(queries.DISTINCT_SITES).scalars())

    # --- reading ---------------------------------------------------------------------------------
    def iter_events(
        self,
        since: float,
        until: float,
        kinds: Collection[str] | None = None,
        sites: Collection[str] | None = None,
    ) -> Iterator[StoredEvent]:
        """Events with ``since <= wall_time < until``, ordered by site, wall time, seq; streamed
        (server-side cursor / chunks), never the whole table in memory.

        SQLite: one index range per site (``events_site_time``), the same plan for a day or a
        year and no sort of the whole window; PostgreSQL: one query on a server-side cursor."""
        if (kinds is not None and not kinds) or (sites is not None and not sites):
            return
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                stmt = queries.window(since, until, kinds, sites)
                for chunk in queries.stream(conn, stmt, STREAM_CHUNK):
                    yield from queries.to_events(chunk)
                return
            for site in sorted(set(sites)) if sites is not None else self._sites(conn):
                stmt = queries.site_window(site, since, until, kinds)
                for chunk in queries.stream(conn, stmt, STREAM_CHUNK):
                    yield from queries.to_events(chunk)

    def state_before(
        self, since: float, kinds: Collection[str], sites: Collection[str] | None = None
    ) -> list[StoredEvent]:
        """For each (site, kind, subject): the newest event before ``since`` (the state at the
        start of a window)."""
        if not kinds or (sites is not None and not sites):
            return []
        with self.engine.connect() as conn:
            return list(queries.to_events(conn.execute(queries.newest_before(since, kinds, sites))))

    def site_events(
        self,
        site: str,
        since: float,
        until: float,
        kinds: Collection[str] | None = None,
        limit: int = 1000,
    ) -> list[StoredEvent]:
        """A site's events in the span, newest first (the site page's timeline)."""
        stmt = (
            queries.site_window(site, since, until, kinds)
            .order_by(None)
            .order_by(events.c.wall_time.desc(), events.c.seq.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(queries.to_events(conn.execute(stmt)))

    def count_events(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar_one())

    # --- coverage survey --------------------------------------------------------------------
    def add_survey_points(self, points: Sequence[SurveyPoint]) -> int:
        """Add points; one already there (same time, place and label) is not added twice.
        Returns how many were new."""
        if not points:
            return 0
        rows = [dataclasses.asdict(p) for p in points]  # its fields are the table's columns
        stmt: Any = queries.dialect_insert(self.dialect, survey_points)
        stmt = stmt.on_conflict_do_nothing().returning(survey_points.c.id)
        with self.engine.begin() as conn:
            return len(conn.execute(stmt, rows).all())

    def survey_points(self, since: float, until: float) -> list[SurveyPoint]:
        cols = [c for c in survey_points.c if c.name != "id"]
        stmt = (
            select(*cols)
            .where(survey_points.c.wall_time >= since, survey_points.c.wall_time < until)
            .order_by(survey_points.c.wall_time, survey_points.c.id)
        )
        with self.engine.connect() as conn:
            return [SurveyPoint(**row._asdict()) for row in conn.execute(stmt)]

    # --- findings kept per month (collector.evaluate.months) -----------------------------
    def save_month(self, findings: MonthFindings) -> None:
        """Keep one month's evaluation, replacing what was kept of that month."""
        month_rows.save(self.engine, findings)

    def month(self, month: Month) -> MonthFindings | None:
        """The month's kept evaluation, every finding as it was saved; None: none kept."""
        return month_rows.load(self.engine, month)

    def months(self) -> list[Month]:
        """The months kept, newest first."""
        return [e.month for e in month_rows.entries(self.engine)]

    def month_entries(self) -> list[MonthEntry]:
        """The months kept, newest first, without their findings (when, window, versions)."""
        return month_rows.entries(self.engine)

    def site_months(self, site: str, months: Collection[Month]) -> dict[Month, list[Finding]]:
        """A site's kept findings in each of ``months`` (the site page's trend)."""
        return month_rows.site_findings(self.engine, site, months)

    def month_tallies(self, months: Collection[Month]) -> dict[Month, dict[str, Counter[str]]]:
        """Per month and target, the sites' kept findings counted by status (the board's trend)."""
        return month_rows.tallies(self.engine, months)

    # --- people's writes ---------------------------------------------------------------------
    def add_note(self, site: str, author: str, text: str, at: float) -> Note:
        stmt = (
            notes.insert().values(site=site, author=author, text=text, at=at).returning(notes.c.id)
        )
        with self.engine.begin() as conn:
            note_id = int(conn.execute(stmt).scalar_one())
        return Note(note_id, site, at, author, text)

    def notes(self, site: str, limit: int = 100) -> list[Note]:
        stmt = (
            select(notes.c.id, notes.c.site, notes.c.at, notes.c.author, notes.c.text)
            .where(notes.c.site == site)
            .order_by(notes.c.at.desc(), notes.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [Note(*row) for row in conn.execute(stmt)]

    def add_handover(
        self, record: HandoverRecord, author: str, at: float
    ) -> tuple[HandoverEntry, bool]:
        """Keep a verified handover record with its note on the site; (entry, False) when the
        site already has this record (:mod:`collector.store.handovers`)."""
        return handover_rows.add(self.engine, record, author, at)

    def handover(self, site: str, content_hash: str) -> tuple[HandoverEntry, str] | None:
        """A kept handover record and its JSON text."""
        return handover_rows.get(self.engine, site, content_hash)

    def handovers(self, site: str, limit: int = 50) -> list[HandoverEntry]:
        """The site's handover records, newest first."""
        return handover_rows.listed(self.engine, site, limit)

    def audit(self, entry: AuditEntry) -> None:
        """Append to the audit log (every write through the API, and who made it)."""
        values = {
            "at": entry.at,
            "actor": entry.actor,
            "role": entry.role,
            "action": entry.action,
            "target": entry.target,
            "details": queries.dumps(entry.details),
        }
        with self.engine.begin() as conn:
            conn.execute(audit_log.insert().values(**values))

    # --- readiness edited in the web UI (collector.inventory.overlay) -------------------------
    def add_readiness_edit(self, edit: ReadinessEdit) -> ReadinessEdit:
        """Keep an edit (a new row: nothing is ever overwritten); returns it with its id."""
        return readiness_rows.add(self.engine, edit)

    def readiness_edits(self) -> list[ReadinessEdit]:
        """Every readiness edit, oldest first (the order the overlay applies them in)."""
        return readiness_rows.listed(self.engine)

    # --- reports written (collector.report.archive) ----------------------------------------
    def add_report(self, record: ReportRecord) -> ReportRecord:
        """Keep a written report's row; returns it with its id."""
        return report_rows.add(self.engine, record)

    def reports(
        self, month: str | None = None, fmt: str | None = None, scope: str | None = None
    ) -> list[ReportRecord]:
        """The reports written (of ``month``, ``fmt``, ``scope`` when given), oldest first."""
        return report_rows.listed(self.engine, month, fmt, scope)

    # --- incidents (collector.incidents; the rows' rules: collector.store.incidents) ---------
    def receive_alerts(self, signals: Sequence[AlertSignal], now: float) -> Receipt:
        """Open, join, reopen and restore incidents from Alertmanager's alerts (one
        transaction; a repeated notification changes nothing: collector.store.incident_alerts)."""
        return incident_alerts.receive(self.engine, signals, now)

    def open_incident_by_hand(self, **fields: Any) -> int:
        """An incident a person records (:func:`collector.store.incidents.open_by_hand`)."""
        return incident_rows.open_by_hand(self.engine, **fields)

    def incident(self, incident_id: int) -> Incident | None:
        """With its alerts and notes."""
        return incident_rows.get(self.engine, incident_id)

    def incidents(self, **filters: Any) -> list[Incident]:
        """Open first, then newest (:func:`collector.store.incidents.listed`'s filters)."""
        return incident_rows.listed(self.engine, **filters)

    def incidents_touching(self, start: float, end: float) -> list[Incident]:
        """The sites' incidents that matter to an evaluation window (SEC-EARLY)."""
        return incident_rows.touching(self.engine, start, end)

    def incident_intake(self) -> Intake | None:
        """When Alertmanager's webhook was first and last heard from (None: never)."""
        return incident_rows.intake(self.engine)

    def import_incidents(
        self, records: Sequence[incident_rows.ImportedIncident], *, by: str, now: float
    ) -> incident_rows.ImportResult:
        """Incidents kept elsewhere first, with their own times, all or none; the same import
        twice adds nothing (:func:`collector.store.incidents.import_incidents`)."""
        return incident_rows.import_incidents(self.engine, records, by=by, now=now)

    def incident_intake_heard(self, first_at: float, last_at: float, count: int) -> None:
        """Alertmanager's notifications received elsewhere, from ``first_at`` to ``last_at``
        (the simulated province's history; :func:`collector.store.incidents.heard`)."""
        incident_rows.heard(self.engine, first_at, last_at, count)

    def acknowledge_incident(self, incident_id: int, by: str, at: float) -> bool:
        return incident_rows.acknowledge(self.engine, incident_id, by, at)

    def restore_incident(self, incident_id: int, by: str, at: float) -> bool:
        return incident_rows.restore(self.engine, incident_id, by, at)

    def report_incident(self, incident_id: int, by: str, at: float, ref: str) -> bool:
        return incident_rows.report(self.engine, incident_id, by, at, ref)

    def add_incident_note(
        self, incident_id: int, author: str, text: str, at: float
    ) -> IncidentNote:
        return incident_rows.add_note(self.engine, incident_id, author, text, at)

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        cols = [audit_log.c[n] for n in ("at", "actor", "role", "action", "target", "details")]
        stmt = select(*cols).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [
                AuditEntry(at, actor, role, action, target, json.loads(details))
                for at, actor, role, action, target, details in conn.execute(stmt)
            ]
