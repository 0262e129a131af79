"""Alertmanager's alerts into incidents (table ``incident_alerts`` beside ``incidents``, migration
0007): :func:`receive` applies one notification in one transaction, all or nothing.

- An alert is known by Alertmanager's identity of it, its fingerprint and start
  (``incident_alerts``' primary key): a repeat or a replay of a notification finds it and changes
  nothing; a resolved alert sets its end once.  The same alert firing again after its end (same
  start: Alertmanager resolved it when its source fell silent) reopens its incident, unless a
  person recorded the restore.
- A firing alert not seen before joins the OPEN incident of its key (kind, site, subject); else
  it reopens the newest incident of the key if it began at most
  :data:`~collector.incidents.model.REOPEN_WITHIN` after that one's restore (a flapping line is
  one incident); else it opens a new one.  Two open incidents of one key cannot exist:
  ``incidents.open_key`` is UNIQUE, and a transaction that loses that race is run again.
- When every alert of an open incident has ended, the incident is restored at the last end.
- A resolved alert never seen firing (the collector was down while it fired) still tells of an
  incident: it joins one as above or opens one already restored, noted as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from collector.incidents.model import REOPEN_WITHIN, AlertSignal, Incident, worse
from collector.store.incidents import ALERTMANAGER, SANSANG, SELECT, note_in, to_incident
from collector.store.schema import incident_alerts, incident_intake, incidents
from sansang.i18n import local

RETRIES = 5  # a transaction that lost a race on a unique key is run again this often


@dataclass
class Receipt:
    """What a notification changed: incident ids by what happened to them."""

    opened: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)  # a new alert joined an open incident
    restored: list[int] = field(default_factory=list)
    unchanged: int = 0  # alerts already known as they are (repeats, replays)

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.reopened or self.joined or self.restored)

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "reopened": self.reopened,
            "joined": self.joined,
            "restored": self.restored,
            "unchanged": self.unchanged,
        }


def _retrying(engine: Engine, work: Any) -> Any:
    """``work(conn)`` in a transaction, run again when it lost a race on a unique key."""
    for attempt in range(RETRIES):
        try:
            with engine.begin() as conn:
                return work(conn)
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


# --- from Alertmanager -------------------------------------------------------------------------


def receive(
    engine: Engine, signals: Sequence[AlertSignal], now: float, source: str = ALERTMANAGER
) -> Receipt:
    """Apply a notification's alerts (see the module's docstring); the intake is heard."""

    def work(conn: Connection) -> Receipt:
        _heard(conn, source, now)  # first: on SQLite the write lock is taken before any read
        receipt = Receipt()
        for signal in signals:
            _apply(conn, signal, now, receipt)
        return receipt

    result: Receipt = _retrying(engine, work)
    return result


def _heard(conn: Connection, source: str, now: float) -> None:
    done = conn.execute(
        update(incident_intake)
        .where(incident_intake.c.source == source)
        .values(last_at=now, notifications=incident_intake.c.notifications + 1)
    )
    if done.rowcount == 0:
        row = {"source": source, "first_at": now, "last_at": now, "notifications": 1}
        conn.execute(incident_intake.insert().values(**row))


def _apply(conn: Connection, s: AlertSignal, now: float, receipt: Receipt) -> None:
    known = conn.execute(
        select(incident_alerts.c.incident_id, incident_alerts.c.ends_at).where(
            incident_alerts.c.fingerprint == s.fingerprint,
            incident_alerts.c.starts_at == s.starts_at,
        )
    ).first()
    if known is not None:
        ended = known.ends_at is not None
        if s.firing != ended:  # a repeat while it fires, or its end heard again
            receipt.unchanged += 1
        elif s.firing:
            _fires_again(conn, s, int(known.incident_id), receipt)
        else:
            _set_end(conn, s, s.ends_at)
            _restore_when_over(conn, int(known.incident_id), receipt)
        return
    incident = _open_of(conn, s.key)
    if incident is not None:
        _join(conn, incident, s, now)
        receipt.joined.append(incident.id)
        if not s.firing:
            _restore_when_over(conn, incident.id, receipt)
        return
    recent = _reopenable(conn, s)
    if recent is not None:
        _join(conn, recent, s, now)
        if s.firing:
            _reopen(conn, recent, s)
            receipt.reopened.append(recent.id)
            return
        receipt.joined.append(recent.id)
        if recent.restored_by == ALERTMANAGER and s.ends_at is not None:  # it ended later
            later = max(s.ends_at, recent.restored_at or s.ends_at)
            stmt = update(incidents).where(incidents.c.id == recent.id).values(restored_at=later)
            conn.execute(stmt)
        return
    receipt.opened.append(_open(conn, s, now))


def _set_end(conn: Connection, s: AlertSignal, ends_at: float | None) -> None:
    conn.execute(
        update(incident_alerts)
        .where(
            incident_alerts.c.fingerprint == s.fingerprint,
            incident_alerts.c.starts_at == s.starts_at,
        )
        .values(ends_at=ends_at)
    )


def _fires_again(conn: Connection, s: AlertSignal, incident_id: int, receipt: Receipt) -> None:
    """An alert that had ended is firing again with the same start: the same failure never
    ended (Alertmanager resolved it when its source fell silent, a collector restarted longer
    than its re-sends last).  Its incident is open again, unless a person recorded the restore
    or another incident of the key is open (then nothing changes)."""
    row = conn.execute(SELECT.where(incidents.c.id == incident_id)).first()
    assert row is not None
    incident = to_incident(row)
    if not incident.open and (incident.restored_by != ALERTMANAGER or _open_of(conn, s.key)):
        receipt.unchanged += 1
        return
    _set_end(conn, s, None)
    if incident.open:
        receipt.joined.append(incident.id)
        return
    _reopen(conn, incident, s, same_alert=True)
    receipt.reopened.append(incident.id)


def _open_of(conn: Connection, key: str) -> Incident | None:
    row = conn.execute(SELECT.where(incidents.c.open_key == key)).first()
    return None if row is None else to_incident(row)


def _reopenable(conn: Connection, s: AlertSignal) -> Incident | None:
    """The newest restored incident of the key, when the alert began during it or at most
    REOPEN_WITHIN after its restore (an alert of it heard late, or the same failure again)."""
    row = conn.execute(
        SELECT.where(incidents.c.key == s.key, incidents.c.restored_at.is_not(None))
        .order_by(incidents.c.started_at.desc(), incidents.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    found = to_incident(row)
    assert found.restored_at is not None
    during = found.started_at - REOPEN_WITHIN <= s.starts_at <= found.restored_at + REOPEN_WITHIN
    return found if during else None


def _join(conn: Connection, incident: Incident, s: AlertSignal, now: float) -> None:
    conn.execute(
        incident_alerts.insert().values(
            fingerprint=s.fingerprint,
            starts_at=s.starts_at,
            incident_id=incident.id,
            alertname=s.alertname,
            severity=s.severity,
            ends_at=s.ends_at,
            received_at=now,
        )
    )
    changes: dict[str, Any] = {}
    if worse(s.severity, incident.severity) != incident.severity:
        changes["severity"] = s.severity
    if s.starts_at < incident.started_at:  # another source saw it begin earlier
        changes["started_at"] = s.starts_at
    if changes:
        conn.execute(update(incidents).where(incidents.c.id == incident.id).values(**changes))


def _reopen(
    conn: Connection, incident: Incident, s: AlertSignal, *, same_alert: bool = False
) -> None:
    conn.execute(
        update(incidents)
        .where(incidents.c.id == incident.id)
        .values(restored_at=None, restored_by=None, open_key=incident.key)
    )
    if same_alert:
        text = (
            f"Cảnh báo {s.alertname} (bắt đầu {local(s.starts_at):%H:%M %d/%m/%Y}) lại báo "
            "đang xảy ra sau khi đã kết thúc: sự cố chưa khôi phục, mở lại."
        )
        at = incident.restored_at or s.starts_at
    else:
        text = (
            f"Cảnh báo {s.alertname} lại xảy ra lúc {local(s.starts_at):%H:%M %d/%m/%Y}, chưa "
            f"đầy {REOPEN_WITHIN / 60:.0f} phút sau khi khôi phục: mở lại sự cố."
        )
        at = s.starts_at
    note_in(conn, incident.id, SANSANG, text, at)


def _open(conn: Connection, s: AlertSignal, now: float) -> int:
    values: dict[str, Any] = {
        "key": s.key,
        "open_key": s.key if s.firing else None,
        "site": s.site,
        "kind": s.kind,
        "subject": s.subject,
        "alertname": s.alertname,
        "fingerprint": s.fingerprint,
        "severity": s.severity,
        "summary": s.summary,
        "started_at": s.starts_at,
        "detected_at": max(now, s.starts_at),
        "opened_by": ALERTMANAGER,
    }
    if not s.firing:
        values |= {"restored_at": s.ends_at, "restored_by": ALERTMANAGER}
    new_id = int(
        conn.execute(incidents.insert().values(**values).returning(incidents.c.id)).scalar_one()
    )
    conn.execute(
        incident_alerts.insert().values(
            fingerprint=s.fingerprint,
            starts_at=s.starts_at,
            incident_id=new_id,
            alertname=s.alertname,
            severity=s.severity,
            ends_at=s.ends_at,
            received_at=now,
        )
    )
    if not s.firing:
        text = (
            "Bộ thu chỉ nhận được thông báo đã kết thúc của cảnh báo này (không nhận được lúc "
            "cảnh báo xảy ra): thời điểm phát hiện là lúc nhận thông báo kết thúc."
        )
        note_in(conn, new_id, SANSANG, text, now)
    return new_id


def _restore_when_over(conn: Connection, incident_id: int, receipt: Receipt) -> None:
    """Restore the incident at its alerts' last end when every one has ended."""
    ends = conn.execute(
        select(
            func.count(),
            func.count(incident_alerts.c.ends_at),
            func.max(incident_alerts.c.ends_at),
        ).where(incident_alerts.c.incident_id == incident_id)
    ).one()
    total, ended, last = ends
    if total == 0 or ended < total:
        return
    done = conn.execute(
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.restored_at.is_(None))
        .values(restored_at=last, restored_by=ALERTMANAGER, open_key=None)
    )
    if done.rowcount:
        receipt.restored.append(incident_id)
