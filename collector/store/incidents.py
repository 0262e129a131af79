"""Incidents kept (tables ``incidents``, ``incident_notes``, ``incident_intake``; migration
0007): what people do with them (record one by hand, acknowledge, restore, report, annotate) and
reading them back (:mod:`collector.incidents.model`).  How Alertmanager's alerts open and restore
them: :mod:`collector.store.incident_alerts`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError

from collector.incidents.model import (
    Incident,
    IncidentAlert,
    IncidentNote,
    Intake,
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
