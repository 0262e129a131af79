"""Incidents kept (tables ``incidents``, ``incident_notes``, ``incident_intake``; migration
0007): what people do with them (record one by hand, acknowledge, restore, report, annotate),
importing those kept elsewhere first with their own times (:func:`import_incidents`: a paper
register, the simulated province's history) and reading them back
(:mod:`collector.incidents.model`).  How Alertmanager's alerts open and restore them:
:mod:`collector.store.incident_alerts`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError

from collector.incidents.model import (
    INCIDENT_KINDS,
    PROVINCE_WIDE_KINDS,
    SEVERITIES,
    Incident,
    IncidentAlert,
    IncidentNote,
    Intake,
    incident_key,
)
from collector.store.schema import incident_alerts, incident_intake, incident_notes, incidents

ALERTMANAGER = "alertmanager"  # restored_by / opened_by of what the alerts did
SANSANG = "sansang"  # the author of the notes the collector writes itself
LIST_LIMIT = 1000

_COLUMNS = (
    "id",
    "key",
    "site",
    "kind",
    "subject",
    "alertname",
    "fingerprint",
    "severity",
    "summary",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "acknowledged_by",
    "restored_at",
    "restored_by",
    "reported_at",
    "reported_by",
    "report_ref",
    "opened_by",
)
SELECT = select(*(incidents.c[name] for name in _COLUMNS))  # an incident's row, no children


def to_incident(row: Any) -> Incident:
    """A row of :data:`SELECT` as the model's incident (without its alerts and notes)."""
    return Incident(**row._asdict())


# --- by people ---------------------------------------------------------------------------------


def open_by_hand(
    engine: Engine,
    *,
    key: str,
    site: str | None,
    kind: str,
    severity: str,
    summary: str,
    started_at: float,
    by: str,
    now: float,
) -> int:
    """An incident a person records (a cyberattack seen on site): no alert joins it.  The same
    record sent twice (a form submitted twice: same kind, site, start and person, so the same
    ``key``) is the incident already recorded while it is open."""
    values = {
        "key": key,
        "open_key": key,
        "site": site,
        "kind": kind,
        "subject": "",
        "alertname": "",
        "fingerprint": "",
        "severity": severity,
        "summary": summary,
        "started_at": started_at,
        "detected_at": max(now, started_at),
        "opened_by": by,
    }
    try:
        with engine.begin() as conn:
            stmt = incidents.insert().values(**values).returning(incidents.c.id)
            return int(conn.execute(stmt).scalar_one())
    except IntegrityError:
        with engine.connect() as conn:
            found = conn.execute(
                select(incidents.c.id).where(incidents.c.open_key == key)
            ).scalar_one_or_none()
        if found is None:
            raise
        return int(found)


def acknowledge(engine: Engine, incident_id: int, by: str, at: float) -> bool:
    """Set who took it on, once; False when it already was (or there is no such incident)."""
    return _set_once(
        engine, incident_id, "acknowledged_at", {"acknowledged_at": at, "acknowledged_by": by}
    )


def restore(engine: Engine, incident_id: int, by: str, at: float) -> bool:
    """A person records the restore; False when it already was restored."""
    return _set_once(
        engine,
        incident_id,
        "restored_at",
        {"restored_at": at, "restored_by": by, "open_key": None},
    )


def report(engine: Engine, incident_id: int, by: str, at: float, ref: str) -> bool:
    """The report sent (số công văn / biên bản ``ref``); False when it already was."""
    return _set_once(
        engine,
        incident_id,
        "reported_at",
        {"reported_at": at, "reported_by": by, "report_ref": ref},
    )


def _set_once(engine: Engine, incident_id: int, column: str, values: dict[str, Any]) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            update(incidents)
            .where(incidents.c.id == incident_id, incidents.c[column].is_(None))
            .values(**values)
        )
        return bool(done.rowcount)


def add_note(engine: Engine, incident_id: int, author: str, text: str, at: float) -> IncidentNote:
    with engine.begin() as conn:
        return note_in(conn, incident_id, author, text, at)


def note_in(conn: Connection, incident_id: int, author: str, text: str, at: float) -> IncidentNote:
    stmt = (
        incident_notes.insert()
        .values(incident_id=incident_id, at=at, author=author, text=text)
        .returning(incident_notes.c.id)
    )
    note_id = int(conn.execute(stmt).scalar_one())
    return IncidentNote(note_id, incident_id, at, author, text)


# --- imported: incidents kept elsewhere first ---------------------------------------------------

IMPORT_SOURCE = "import"  # the key prefix of an imported incident that has no alert
IMPORT_MAX_AGE = 5 * 366 * 86400.0  # an incident older than this is not believed (a typo)
IMPORT_SKEW = 60.0  # a time may lie this far ahead of ``now`` (clocks apart)
SUMMARY_MAX = 300


@dataclass(frozen=True)
class ImportedIncident:
    """An incident with its own times, kept elsewhere before the collector heard of it: a
    province's paper register (sổ theo dõi sự cố) of the months before sansang, or the simulated
    province's history (``simulate.incidents``), whose alerts happened before the collector
    started.  Alertmanager's webhook cannot carry them: it makes the receipt the detection.

    ``alerts``: the Alertmanager alerts that made it, when known (fingerprint and start), so a
    later notification of one of them (a re-send, its end) finds this incident; none for a
    register's entry (then nothing ever joins it).  ``notes``: ``(at, author, text)``."""

    site: str | None
    kind: str
    summary: str
    started_at: float
    detected_at: float
    subject: str = ""
    severity: str = "warning"
    alerts: tuple[IncidentAlert, ...] = ()
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    restored_at: float | None = None
    restored_by: str | None = None
    reported_at: float | None = None
    reported_by: str | None = None
    report_ref: str | None = None
    notes: tuple[tuple[float, str, str], ...] = ()


@dataclass(frozen=True)
class ImportResult:
    added: list[int]  # the new incidents' ids, in the records' order
    existing: list[int]  # records already imported (the same import run again): their ids


def import_key(record: ImportedIncident, by: str) -> str:
    """The incident's key: its alerts' (kind, site, subject), so that Alertmanager's later
    notifications of the same failure join it; a register's entry has its own."""
    if record.alerts:
        return incident_key(record.kind, record.site, record.subject)
    seed = f"{record.kind}|{record.site or ''}|{record.subject}|{record.started_at!r}|{by}"
    return f"{IMPORT_SOURCE}|{hashlib.sha256(seed.encode()).hexdigest()[:16]}"


def check_imported(records: Sequence[ImportedIncident], now: float) -> list[str]:
    """Every problem of ``records`` (``records[i].field: what``); empty: all can be kept.  An
    absurd time is refused, not corrected: a register's typo (a year off, a restore before the
    start) would otherwise stand in SEC-EARLY's findings as a fact."""
    problems: list[str] = []
    for i, r in enumerate(records):
        where = f"records[{i}]"

        def bad(field: str, what: str, where: str = where) -> None:
            problems.append(f"{where}.{field}: {what}")

        if r.kind not in INCIDENT_KINDS:
            bad("kind", f"not an incident kind: {r.kind!r}")
        if r.site is None and r.kind not in PROVINCE_WIDE_KINDS:
            bad("site", "missing (only a central outage belongs to no site)")
        if r.severity not in SEVERITIES:
            bad("severity", f"expected one of {', '.join(SEVERITIES)}")
        if not r.summary.strip() or len(r.summary) > SUMMARY_MAX:
            bad("summary", f"expected 1 to {SUMMARY_MAX} characters")
        times = {
            "started_at": r.started_at,
            "detected_at": r.detected_at,
            "acknowledged_at": r.acknowledged_at,
            "restored_at": r.restored_at,
            "reported_at": r.reported_at,
        }
        for field, t in times.items():
            if t is None:
                continue
            if not math.isfinite(t) or t > now + IMPORT_SKEW:
                bad(field, "not a time, or in the future")
            elif t < now - IMPORT_MAX_AGE:
                bad(field, "more than five years ago")
            elif t < r.started_at:
                bad(field, "before the incident started")
        for field, at, who in (
            ("acknowledged_by", r.acknowledged_at, r.acknowledged_by),
            ("restored_by", r.restored_at, r.restored_by),
            ("reported_by", r.reported_at, r.reported_by),
        ):
            if (at is None) != (who is None):
                bad(field, "given with its time, and only then")
        if (r.reported_at is None) != (r.report_ref is None) or r.report_ref == "":
            bad("report_ref", "the report's reference, given with reported_at, and only then")
        for j, a in enumerate(r.alerts):
            at_alert = f"{where}.alerts[{j}]"
            ends = a.ends_at if a.ends_at is not None else a.starts_at
            if not all(math.isfinite(t) for t in (a.starts_at, ends, a.received_at)):
                bad("starts_at", "not a time", at_alert)
            elif a.starts_at < r.started_at or ends < a.starts_at or a.received_at > now:
                bad("starts_at", "before the incident, after its end, or ahead", at_alert)
            if a.ends_at is None and r.restored_at is not None:
                bad("ends_at", "a restored incident's alerts have ended", at_alert)
        for j, (at, _author, text) in enumerate(r.notes):
            if not math.isfinite(at) or at < r.started_at or at > now + IMPORT_SKEW or not text:
                bad(f"notes[{j}]", "a note's time within the incident, and its text")
    return problems


def import_incidents(
    engine: Engine, records: Sequence[ImportedIncident], *, by: str, now: float
) -> ImportResult:
    """Keep ``records`` with their own times, ``opened_by`` = ``by`` (who imported them: the
    simulator writes "mô phỏng"), all or none in one transaction.  Run twice, the second run
    adds nothing: a record is known by its key and start.  Raises ValueError listing every
    problem (:func:`check_imported`), and when an open record meets an open incident of the same
    alerts' key (Alertmanager opened it meanwhile: two open incidents of one key cannot be)."""
    problems = check_imported(records, now)
    if problems:
        raise ValueError("; ".join(problems))
    result = ImportResult([], [])
    try:
        with engine.begin() as conn:
            for record in records:
                key = import_key(record, by)
                found = conn.execute(
                    select(incidents.c.id).where(
                        incidents.c.key == key, incidents.c.started_at == record.started_at
                    )
                ).scalar_one_or_none()
                if found is not None:
                    result.existing.append(int(found))
                    continue
                result.added.append(_insert_imported(conn, record, key, by))
    except IntegrityError as err:
        raise ValueError(
            f"an open record meets an incident of the same kind and site already open: {err.orig}"
        ) from None
    return result


def _insert_imported(conn: Connection, r: ImportedIncident, key: str, by: str) -> int:
    first = min(r.alerts, key=lambda a: a.starts_at) if r.alerts else None
    values: dict[str, Any] = {
        "key": key,
        "open_key": key if r.restored_at is None else None,
        "site": r.site,
        "kind": r.kind,
        "subject": r.subject,
        "alertname": first.alertname if first else "",
        "fingerprint": first.fingerprint if first else "",
        "severity": r.severity,
        "summary": r.summary,
        "started_at": r.started_at,
        "detected_at": r.detected_at,
        "acknowledged_at": r.acknowledged_at,
        "acknowledged_by": r.acknowledged_by,
        "restored_at": r.restored_at,
        "restored_by": r.restored_by,
        "reported_at": r.reported_at,
        "reported_by": r.reported_by,
        "report_ref": r.report_ref,
        "opened_by": by,
    }
    new_id = int(
        conn.execute(incidents.insert().values(**values).returning(incidents.c.id)).scalar_one()
    )
    for a in r.alerts:
        conn.execute(
            incident_alerts.insert().values(
                fingerprint=a.fingerprint,
                starts_at=a.starts_at,
                incident_id=new_id,
                alertname=a.alertname,
                severity=a.severity,
                ends_at=a.ends_at,
                received_at=a.received_at,
            )
        )
    for at, author, text in r.notes:
        note_in(conn, new_id, author, text, at)
    return new_id


def heard(
    engine: Engine, first_at: float, last_at: float, count: int, source: str = ALERTMANAGER
) -> None:
    """The intake heard ``count`` notifications from ``first_at`` to ``last_at``, received
    elsewhere (the simulated province's history: its Alertmanager posted while the collector was
    not yet there): its first moment moves back, its newest forward, never the other way."""
    if not (math.isfinite(first_at) and first_at <= last_at) or count < 1:
        raise ValueError(f"heard: {first_at!r}..{last_at!r}, {count} notifications")
    with engine.begin() as conn:
        done = conn.execute(
            update(incident_intake)
            .where(incident_intake.c.source == source)
            .values(
                first_at=case(
                    (incident_intake.c.first_at > first_at, first_at),
                    else_=incident_intake.c.first_at,
                ),
                last_at=case(
                    (incident_intake.c.last_at < last_at, last_at),
                    else_=incident_intake.c.last_at,
                ),
                notifications=incident_intake.c.notifications + count,
            )
        )
        if done.rowcount == 0:
            row = {"source": source, "first_at": first_at, "last_at": last_at}
            conn.execute(incident_intake.insert().values(**row, notifications=count))


# --- reading -----------------------------------------------------------------------------------


def get(engine: Engine, incident_id: int) -> Incident | None:
    """The incident with its alerts and notes (oldest first)."""
    with engine.connect() as conn:
        row = conn.execute(SELECT.where(incidents.c.id == incident_id)).first()
        if row is None:
            return None
        alerts = conn.execute(
            select(
                incident_alerts.c.fingerprint,
                incident_alerts.c.alertname,
                incident_alerts.c.starts_at,
                incident_alerts.c.ends_at,
                incident_alerts.c.severity,
                incident_alerts.c.received_at,
            )
            .where(incident_alerts.c.incident_id == incident_id)
            .order_by(incident_alerts.c.starts_at, incident_alerts.c.fingerprint)
        ).all()
        notes = conn.execute(
            select(
                incident_notes.c.id,
                incident_notes.c.incident_id,
                incident_notes.c.at,
                incident_notes.c.author,
                incident_notes.c.text,
            )
            .where(incident_notes.c.incident_id == incident_id)
            .order_by(incident_notes.c.at, incident_notes.c.id)
        ).all()
    found = to_incident(row)
    return Incident(
        **{name: getattr(found, name) for name in _COLUMNS},
        alerts=tuple(IncidentAlert(*a) for a in alerts),
        notes=tuple(IncidentNote(*n) for n in notes),
    )


def listed(
    engine: Engine,
    *,
    open_only: bool = False,
    sites: Collection[str] | None = None,
    province_wide: bool = True,
    since: float | None = None,
    limit: int = LIST_LIMIT,
) -> list[Incident]:
    """Open ones first, then the newest first.  ``sites``: only these sites' (None: every
    site's), with the province-wide ones when ``province_wide``; ``since``: started since then,
    or still open."""
    stmt = SELECT
    if open_only:
        stmt = stmt.where(incidents.c.restored_at.is_(None))
    if sites is not None:
        chosen = incidents.c.site.in_(sorted(sites))
        stmt = stmt.where(or_(chosen, incidents.c.site.is_(None)) if province_wide else chosen)
    elif not province_wide:
        stmt = stmt.where(incidents.c.site.is_not(None))
    if since is not None:
        stmt = stmt.where(or_(incidents.c.started_at >= since, incidents.c.restored_at.is_(None)))
    first = case((incidents.c.restored_at.is_(None), 0), else_=1)
    stmt = stmt.order_by(first, incidents.c.started_at.desc(), incidents.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [to_incident(r) for r in conn.execute(stmt)]


def touching(engine: Engine, start: float, end: float) -> list[Incident]:
    """The sites' incidents that matter to a window (SEC-EARLY): started before its end, and
    not both restored and reported before its start."""
    settled_before = and_(
        incidents.c.restored_at.is_not(None),
        incidents.c.restored_at < start,
        incidents.c.reported_at.is_not(None),
        incidents.c.reported_at < start,
    )
    stmt = SELECT.where(
        incidents.c.site.is_not(None),
        incidents.c.started_at < end,
        ~settled_before,
    ).order_by(incidents.c.site, incidents.c.started_at, incidents.c.id)
    with engine.connect() as conn:
        return [to_incident(r) for r in conn.execute(stmt)]


def intake(engine: Engine, source: str = ALERTMANAGER) -> Intake | None:
    stmt = select(incident_intake.c.first_at, incident_intake.c.last_at).where(
        incident_intake.c.source == source
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    return None if row is None else Intake(row.first_at, row.last_at)
