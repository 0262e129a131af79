"""The simulated province's incident log (sổ sự cố mô phỏng): what its alerts opened and how its
police handled them, so that SEC-EARLY and ``/incidents`` show what a province's would.

Two paths, because the history and the live run differ in one thing: who was listening.

- **The history** (the backfill) happened before the collector heard of it.  Alertmanager's
  webhook makes the receipt the detection, so posting the past alerts would make every one of
  them "detected" days late.  They are imported instead, with their own times
  (:meth:`collector.store.Store.import_incidents`, the path of a province's paper register),
  ``opened_by`` :data:`SIMULATED`, each summary ending "(mô phỏng)"; the webhook is recorded as
  heard from the history's start to its newest notification (the simulated province runs as one
  whose Alertmanager was wired before: its plans, drills and certificates date from before the
  history too), and the import is audited (``incident.import`` by :data:`SIMULATED`).
- **Live**, the simulator is the province's Alertmanager (:mod:`simulate.webhook`): it posts
  webhook notifications with the ``alertmanager`` token and the collector opens and restores the
  incidents through its own path.

What the history holds (its alerts: :mod:`simulate.alerts`, from the agents' journals):

- the afternoon power cuts of the mountain communes, restored when mains and the links are back
  (the long cut, ``Scenario.plan_long_cut``: past SEC-EARLY's 4 hours), and the blips elsewhere
  that outlast the alert's delivery; not the technicians' UPS tests (silenced in Alertmanager
  beforehand: a planned test is no incident);
- the flapping links' afternoons (one incident each: a flap within 15 minutes reopens it);
- the central outage of the one-stop system (province-wide, not judged per site);
- the silent site: unreachable from its last event, detected half an hour later (the collector
  waits that long for a site's silence), never restored;
- the police's handling: acknowledged 4 to 40 minutes after detection, reported half a day to
  three days after the restore, when that fell before the history's end; the rest waits for
  the person at ``/incidents``;
- one entry of the paper register from before the history (:func:`register_entry`): malware on
  the counter PC of the site whose real-time protection is off (SEC-MEASURES), recorded by hand
  50 minutes after it began, restored, never reported: overdue.

Deterministic for a seed: the journals are, and every draw here is a hash of the seed.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import time
from typing import Protocol

from agent.journal.store import Journal
from collector.alerts.catalogue import POWER_LOST
from collector.incidents.model import REOPEN_WITHIN, IncidentAlert, worse
from collector.store import AuditEntry, Store
from collector.store.incidents import ALERTMANAGER, ImportedIncident
from sansang.events import Event
from simulate.alerts import KINDS, REPEAT_INTERVAL, AlertId, Span, Tracker
from simulate.scenario import UPS_TEST_SECONDS, Scenario, SitePlan, _at, _unit, day_number

log = logging.getLogger(__name__)

SIMULATED = "mô phỏng"  # opened_by of every simulated incident, and the audit's actor
MARK = f" ({SIMULATED})"  # at the end of every simulated summary, note and reference
POLICE = f"cong-an-tinh{MARK}"  # the province's police (simulate.files' login), simulated
TECHNICIAN = f"ky-thuat-vien{MARK}"
ACK_MINUTES = (4.0, 40.0)
REPORT_DAYS = (0.5, 3.0)  # after the restore
REGISTER_DAYS_BEFORE = 8  # the register's entry: this many days before the history's end
STARTUP_SECONDS = 600.0  # alerts of the history's first minutes: failures begun before it
SERVICES = {"motcua": "Hệ thống Một cửa điện tử", "dvcqg": "Cổng Dịch vụ công quốc gia"}


class Journalled(Protocol):
    """A simulated site as the incident log reads it (:class:`simulate.driver.SiteRun`)."""

    @property
    def plan(self) -> SitePlan: ...

    @property
    def journal(self) -> Journal: ...


@dataclass
class History:
    """The history's incident log, and the alerts' state at its end for the live run."""

    tracker: Tracker
    horizon: float  # the history's end: what was delivered by then is imported
    records: list[ImportedIncident]
    notifications: int  # the simulated Alertmanager's notifications in the history
    last_heard: float  # the newest of them


def described(found: History | None) -> str:
    """One line for the terminal: what the history's incident log holds."""
    if found is None:
        return "Sổ sự cố mô phỏng / simulated incident log: không ghi được / not kept"
    still = sum(1 for r in found.records if r.restored_at is None)
    return (
        f"Sổ sự cố mô phỏng / simulated incident log: {len(found.records)} sự cố / incidents "
        f"({still} đang mở / open), {found.notifications} thông báo Alertmanager mô phỏng / "
        "simulated Alertmanager notifications"
    )


def summary(alert: AlertId, scenario: Scenario) -> str:
    """The incident's line, in the collector's alerts' words, marked as simulated."""
    names = {s.key: s.name for s in scenario.sites}
    where = f"{names.get(alert.site, alert.site)} ({alert.site})"
    service = SERVICES.get(alert.subject, alert.subject)
    text = {
        "power_loss": f"Mất điện lưới tại {where}",
        "link_loss": f"Mất {'mọi ' if alert.severity == 'critical' else ''}đường truyền tại "
        f"{where}",
        "site_unreachable": f"Không liên lạc được với điểm {where}: không nhận được sự kiện nào",
        "service_down": f"Không truy cập được {service} từ {where}",
        "central_outage": f"{service} gián đoạn tại nhiều điểm cùng lúc: sự cố phía trung tâm",
    }[alert.kind]
    return text + MARK


def _journal_events(sites: Sequence[Journalled]) -> Iterator[tuple[str, Event]]:
    """Every site's events of the alerts' kinds, all sites merged in time order."""
    streams = [[(site.plan.key, e) for e in site.journal.of_kinds(KINDS, 0.0)] for site in sites]
    return heapq.merge(*streams, key=lambda item: item[1].wall_time)


def _silenced(span: Span, scenario: Scenario) -> bool:
    """A technician's UPS test: silenced in Alertmanager beforehand."""
    test = scenario.ups_tests.get(span.alert.site)
    return (
        test is not None
        and span.alert.alertname == POWER_LOST.name
        and test - 60 <= span.starts_at <= test + UPS_TEST_SECONDS + 300
    )


def delivered(span: Span, tracker: Tracker) -> bool:
    """An alert the simulated Alertmanager notifies (the others never reached anyone), of a
    failure that began in the history: what was failing when the agents started began before
    (the agent reports the state it finds as a change), at a time nobody knows."""
    began = span.starts_at >= tracker.since + STARTUP_SECONDS
    return span.notified and began and not _silenced(span, tracker.scenario)


def history(
    scenario: Scenario, sites: Sequence[Journalled], start: float, horizon: float
) -> History:
    """The alerts of the sites' journals from ``start`` (the agents' start) to ``horizon`` and
    the incidents they make."""
    tracker = Tracker(scenario)
    tracker.since = start
    tracker.advance(_journal_events(sites), horizon)
    for site in sites:
        newest = site.journal.tail(1)
        if newest:
            tracker.heard(site.plan.key, newest[0].wall_time)
    tracker.update(horizon)
    spans = [s for s in tracker.spans if delivered(s, tracker) and s.detected_at <= horizon]
    records = [_record(group, scenario, horizon) for group in _groups(spans, horizon)]
    records.append(register_entry(scenario, horizon))
    sent = _notifications(spans, horizon)
    handled = _handle(records, scenario, horizon)
    return History(tracker, horizon, handled, len(sent), max(sent, default=horizon))


def _ended(span: Span, horizon: float) -> float | None:
    """The alert's end as known at ``horizon``."""
    return (
        span.resolved_at if span.resolved_at is not None and span.resolved_at <= horizon else None
    )


def _groups(spans: Sequence[Span], horizon: float) -> list[list[Span]]:
    """Alerts into incidents as the webhook makes them: one per kind, site and service while
    open; an alert within :data:`REOPEN_WITHIN` of the restore reopens it."""
    groups: dict[tuple[str, str, str], list[list[Span]]] = {}
    for span in sorted(spans, key=lambda s: (s.starts_at, s.detected_at)):
        key = (span.alert.kind, span.alert.site, span.alert.subject)
        found = groups.setdefault(key, [])
        if found:
            current = found[-1]
            ends = [_ended(s, horizon) for s in current]
            restored = None if None in ends else max(e for e in ends if e is not None)
            if restored is None or span.starts_at <= restored + REOPEN_WITHIN:
                current.append(span)
                continue
        found.append([span])
    return [g for found in groups.values() for g in found]


def _record(group: list[Span], scenario: Scenario, horizon: float) -> ImportedIncident:
    alerts: dict[tuple[str, float], IncidentAlert] = {}
    for s in group:  # the same alert firing again with the same start is one alert
        fp, ends = s.alert.fingerprint, _ended(s, horizon)
        before = alerts.get((fp, s.starts_at))
        if before is not None:
            ends = None if ends is None or before.ends_at is None else max(ends, before.ends_at)
            received = before.received_at
        else:
            received = s.detected_at
        alerts[(fp, s.starts_at)] = IncidentAlert(
            fp, s.alert.alertname, s.starts_at, ends, s.alert.severity, received
        )
    kept = sorted(alerts.values(), key=lambda a: (a.starts_at, a.fingerprint))
    last = [a.ends_at for a in kept]
    restored = None if None in last else max(e for e in last if e is not None)
    first = group[0].alert
    severity = first.severity
    for s in group:
        severity = worse(severity, s.alert.severity)
    worst = next(s.alert for s in group if s.alert.severity == severity)
    return ImportedIncident(
        site=first.site or None,
        kind=first.kind,
        subject=first.subject,
        severity=severity,
        summary=summary(worst, scenario),
        started_at=min(a.starts_at for a in kept),
        detected_at=min(a.received_at for a in kept),
        alerts=tuple(kept),
        restored_at=restored,
        restored_by=ALERTMANAGER if restored is not None else None,
    )


def register_entry(scenario: Scenario, horizon: float) -> ImportedIncident:
    """The paper register's entry from before the history: a cyberattack a person recorded (no
    alert tells of one), at the site whose counter PC runs without real-time protection."""
    candidates = [s for s in scenario.sites if not s.silent] or scenario.sites
    unprotected = [s for s in candidates if s.security_fault == "realtime_off"]
    site = min(unprotected or candidates, key=lambda s: _unit(scenario.seed, s.key, "register"))
    day = day_number(horizon) - REGISTER_DAYS_BEFORE
    started = _at(day, time(9, 0)) + 3600 * _unit(scenario.seed, site.key, "register at")
    detected = started + 50 * 60
    restored = started + (3 * 60 + 10) * 60
    return ImportedIncident(
        site=site.key,
        kind="cyberattack",
        severity="critical",
        summary=f"Mã độc lây qua USB trên máy tính quầy 1 tại {site.name} ({site.key}); bảo vệ "
        f"thời gian thực của phần mềm diệt virus đang tắt{MARK}",
        started_at=started,
        detected_at=detected,
        acknowledged_at=detected + 15 * 60,
        acknowledged_by=POLICE,
        restored_at=restored,
        restored_by=POLICE,
        notes=(
            (
                detected,
                POLICE,
                "Cán bộ một cửa báo máy tính quầy 1 hiện cảnh báo mã độc sau khi cắm USB của "
                f"người dân; đã tách máy khỏi mạng{MARK}",
            ),
            (restored, TECHNICIAN, f"Quét, cài lại máy và khôi phục dữ liệu từ bản sao lưu{MARK}"),
        ),
    )


def _handle(
    records: Sequence[ImportedIncident], scenario: Scenario, horizon: float
) -> list[ImportedIncident]:
    """The police's acknowledgement and report, and the technicians' notes, as far as they fell
    before ``horizon``; the reports numbered in the order of the incidents' starts."""
    handled = []
    reported = 0
    for r in sorted(records, key=lambda r: r.started_at):
        if r.acknowledged_at is not None:  # the register's entry: handled already
            handled.append(r)
            continue
        draw = _unit(scenario.seed, r.kind, r.site or "", round(r.started_at, 3), "handled")
        low, high = ACK_MINUTES
        ack = r.detected_at + (low + (high - low) * draw) * 60
        low, high = REPORT_DAYS
        report = (
            None if r.restored_at is None else r.restored_at + (low + (high - low) * draw) * 86400
        )
        if report is not None and report <= horizon:
            reported += 1
        r = replace(
            r,
            acknowledged_at=ack if ack <= horizon else None,
            acknowledged_by=POLICE if ack <= horizon else None,
            notes=(*r.notes, *_notes(r, horizon)),
        )
        if report is not None and report <= horizon:
            r = replace(
                r, reported_at=report, reported_by=POLICE, report_ref=f"{reported}/BC-CAT{MARK}"
            )
        handled.append(r)
    return handled


def _notes(r: ImportedIncident, horizon: float) -> list[tuple[float, str, str]]:
    """What the people on the case wrote of the long cut and of the silent site."""
    if r.kind == "power_loss" and r.restored_at and r.restored_at - r.started_at > 4 * 3600:
        text = (
            "Điện lực báo sự cố đường dây trung thế, đang sửa; UPS đã cạn, trung tâm tạm dừng "
            f"tiếp nhận hồ sơ trực tuyến{MARK}"
        )
        return [(min(r.started_at + 75 * 60, horizon), TECHNICIAN, text)]
    if r.kind == "site_unreachable" and r.detected_at + 2 * 3600 <= horizon:
        text = (
            "Đã gọi điện cho cán bộ xã: máy chạy tác tử không lên nguồn, chờ kỹ thuật viên đến "
            f"thay{MARK}"
        )
        return [(r.detected_at + 2 * 3600, POLICE, text)]
    return []


def _notifications(spans: Sequence[Span], horizon: float) -> list[float]:
    """When the simulated Alertmanager posted in the history: each alert's first notification,
    its reminders every :data:`~simulate.alerts.REPEAT_INTERVAL` while it fired, its end."""
    sent: list[float] = []
    for s in spans:
        last = min(horizon, s.resolved_at if s.resolved_at is not None else horizon)
        at = s.detected_at
        while at <= last:
            sent.append(at)
            at += REPEAT_INTERVAL
        if s.resolved_at is not None and s.resolved_at <= horizon:
            sent.append(s.resolved_at)
    return sorted(sent)


def seed(store: Store, scenario: Scenario, sites: Sequence[Journalled], start: float, end: float,
         now: float) -> History:  # fmt: skip
    """The history's incidents into ``store`` (the same history twice adds nothing), the webhook
    heard from ``start`` to its newest notification, and the import audited."""
    found = history(scenario, sites, start, end)
    result = store.import_incidents(found.records, by=SIMULATED, now=now)
    store.incident_intake_heard(start, max(found.last_heard, start), max(1, found.notifications))
    details = {
        "added": len(result.added),
        "existing": len(result.existing),
        "notifications": found.notifications,
        "heard_since": start,
        "why": "the simulated province's history (simulate.incidents): not a real incident",
    }
    store.audit(AuditEntry(now, SIMULATED, "simulator", "incident.import", "incidents", details))
    log.info(
        "sổ sự cố mô phỏng / simulated incident log: %d incidents (%d open), %d notifications",
        len(found.records), sum(1 for r in found.records if r.restored_at is None),
        found.notifications,
    )  # fmt: skip
    return found
