"""An incident (sự cố): something broke at a site (or in the province), from the alert that opened
it to its report to the authorities.

An incident has a kind (the alert catalogue's incident kinds, :data:`INCIDENT_KINDS`), a site
(None: province-wide, a shared system down at many sites), and four moments besides its start:

- ``started_at``: when it began (the alert's ``startsAt``: for the collector's own alerts the
  moment the site's events place the start; for the Prometheus rules' the moment the rule fired,
  after its ``for:``), or the time a person gives for one recorded by hand;
- ``detected_at``: when sansang's incident record first heard of it (the collector received
  Alertmanager's notification), never before ``started_at``;
- ``acknowledged_at`` (tiếp nhận), ``restored_at`` (khôi phục: the last of its alerts ended, or
  a person recorded it), ``reported_at`` (báo cáo, with the document's reference: số công văn
  or biên bản).

Time to detect is ``detected_at - started_at``, time to restore ``restored_at - started_at``.
The report is due by the end of the day (Vietnam's time) ``report_within_days`` days after the
start (QĐ 05/2017/QĐ-TTg, Điều 11: within 5 days; the catalogue's SEC-EARLY block holds the
number).  Plain data and pure functions: the store keeps incidents
(:mod:`collector.store.incidents`), the web pages and the SEC-EARLY rule read them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sansang.i18n import ZONE

# The alert catalogue's kinds (collector/alerts/catalogue.py KINDS) that are incidents: something
# stopped working.  Not here: a shortfall against a plan target (bandwidth_low, dead_zone: the
# findings say it) and a certificate about to expire (a warning ahead of a failure, not one).
# Nor an alert whose catalogue entry says ``incident=False`` (the agent's own warnings: a disk
# filling, a clock not synchronised, a push backlog).  cyberattack comes from no alert: a person
# records it (POST /api/v1/incidents), as any other incident the alerts did not open.
INCIDENT_KINDS: dict[str, tuple[str, str]] = {
    "power_loss": ("Mất điện lưới", "Power loss"),
    "link_loss": ("Mất đường truyền", "Link loss"),
    "site_unreachable": ("Không liên lạc được với điểm", "Site unreachable"),
    "service_down": ("Hệ thống không truy cập được", "Service unreachable"),
    "central_outage": ("Sự cố phía trung tâm", "Central outage"),
    "terminal_down": ("Thiết bị đầu cuối không hoạt động", "Terminal down"),
    "conference_endpoint": ("Điểm cầu họp trực tuyến", "Conference endpoint down"),
    "hardware": ("Sự cố phần cứng", "Hardware failure"),
    "software": ("Sự cố phần mềm", "Software failure"),
    "cyberattack": ("Tấn công mạng", "Cyberattack"),
}
PROVINCE_WIDE_KINDS = frozenset({"central_outage"})  # the only kinds without a site

Severity = Literal["critical", "warning"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning")  # the worst first
SEVERITY_NAMES: dict[str, tuple[str, str]] = {
    "critical": ("nghiêm trọng", "critical"),
    "warning": ("cảnh báo", "warning"),
}

# An alert of the same incident (kind, site, subject) that fires again within this many seconds
# of the incident's restore reopens it: a flapping power line is one incident, not twenty.
REOPEN_WITHIN = 900.0
MANUAL_SOURCE = "manual"  # the key prefix of an incident a person recorded (no alert matches it)

State = Literal["new", "acknowledged", "restored", "reported"]
STATE_NAMES: dict[str, tuple[str, str]] = {
    "new": ("chưa tiếp nhận", "not acknowledged"),
    "acknowledged": ("đang xử lý", "being handled"),
    "restored": ("đã khôi phục, chưa báo cáo", "restored, not reported"),
    "reported": ("đã báo cáo", "reported"),
}


def worse(a: str, b: str) -> str:
    """The graver of two severities (``critical`` over ``warning``)."""
    rank: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
    return a if rank.get(a, len(rank)) <= rank.get(b, len(rank)) else b


def incident_key(kind: str, site: str | None, subject: str = "") -> str:
    """What makes alerts one incident: its kind, its site and what at the site (a service or a
    terminal; "" for the site as a whole).  ``SansangPowerLost`` (the collector) and
    ``SansangOnBattery`` (Prometheus) at one site are one power-loss incident."""
    return f"{kind}|{site or ''}|{subject}"


def manual_key(kind: str, site: str | None, started_at: float, by: str) -> str:
    """A hand-recorded incident's key: its own, so that no alert ever joins it."""
    seed = f"{kind}|{site or ''}|{started_at!r}|{by}".encode()
    return f"{MANUAL_SOURCE}|{hashlib.sha256(seed).hexdigest()[:16]}"


def report_deadline(started_at: float, days: float) -> float:
    """The end of the day (Vietnam's time, local midnight after it) ``days`` days after the
    day the incident started: reported on that date counts as on time."""
    day = datetime.fromtimestamp(started_at, ZONE).date() + timedelta(days=int(days))
    return datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp() + 86400.0


@dataclass(frozen=True)
class IncidentNote:
    """A person's note on an incident (what was done, who was called)."""

    id: int
    incident_id: int
    at: float
    author: str  # a token's name, or "sansang" for what the collector itself noted
    text: str


@dataclass(frozen=True)
class IncidentAlert:
    """One alert of an incident: Alertmanager's identity of it (fingerprint and start) and, once
    resolved, its end."""

    fingerprint: str
    alertname: str
    starts_at: float
    ends_at: float | None
    severity: str
    received_at: float


@dataclass(frozen=True)
class Incident:
    id: int
    key: str  # incident_key(...) or manual_key(...)
    site: str | None  # None: province-wide
    kind: str
    subject: str  # a service or a terminal at the site; "" for the site as a whole
    alertname: str  # the alert that opened it ("" when a person recorded it)
    fingerprint: str  # that alert's Alertmanager fingerprint ("" when recorded by hand)
    severity: str
    summary: str  # Vietnamese, one line
    started_at: float
    detected_at: float
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    restored_at: float | None = None
    restored_by: str | None = None  # "alertmanager" (its alerts ended) or a token's name
    reported_at: float | None = None
    reported_by: str | None = None
    report_ref: str | None = None  # số công văn / biên bản
    opened_by: str = "alertmanager"  # or the token's name of who recorded it
    notes: tuple[IncidentNote, ...] = ()  # oldest first (empty in lists)
    alerts: tuple[IncidentAlert, ...] = ()  # by start (empty in lists)

    @property
    def open(self) -> bool:
        return self.restored_at is None

    @property
    def time_to_detect(self) -> float:
        return max(0.0, self.detected_at - self.started_at)

    @property
    def time_to_restore(self) -> float | None:
        return None if self.restored_at is None else max(0.0, self.restored_at - self.started_at)

    @property
    def state(self) -> State:
        if self.reported_at is not None:
            return "reported"
        if self.restored_at is not None:
            return "restored"
        return "acknowledged" if self.acknowledged_at is not None else "new"

    def deadline(self, report_within_days: float) -> float:
        return report_deadline(self.started_at, report_within_days)

    def overdue(self, report_within_days: float, now: float) -> bool:
        """Not reported, and its reporting deadline has passed."""
        return self.reported_at is None and now >= self.deadline(report_within_days)


@dataclass(frozen=True)
class AlertSignal:
    """One alert of an Alertmanager notification, checked (:mod:`collector.incidents.webhook`):
    what it says of an incident."""

    fingerprint: str  # Alertmanager's, of its label set
    alertname: str
    firing: bool
    starts_at: float
    ends_at: float | None  # a resolved alert's end (never in the future); None while firing
    site: str | None
    kind: str
    subject: str
    severity: str
    summary: str

    @property
    def key(self) -> str:
        return incident_key(self.kind, self.site, self.subject)


@dataclass(frozen=True)
class Intake:
    """When the collector heard from Alertmanager's webhook: the first and the newest
    notification (any, even one that changed nothing: it shows the alert path works)."""

    first_at: float
    last_at: float


@dataclass(frozen=True)
class SiteIncidents:
    """What SEC-EARLY reads of one site (:class:`collector.evaluate.model.SiteInputs`): the
    site's incidents that touch the window, and when the incident intake was heard from (None:
    never, so "no incident" is no evidence)."""

    incidents: Sequence[Incident] = ()
    intake: Intake | None = None
