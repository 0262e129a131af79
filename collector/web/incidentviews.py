"""What the incident pages and the API show of an incident (plain values; no I/O here).

Times in Vietnam's time, durations as :func:`sansang.i18n.duration` writes them (``12 phút``,
``2 giờ 5 phút``), the reporting deadline as a date (``dd/mm/yyyy``: reported on that day is on
time).  The timeline of an incident puts its moments, its alerts and its notes in one order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from collector.incidents.model import INCIDENT_KINDS, SEVERITY_NAMES, STATE_NAMES, Incident
from collector.inventory.model import Site
from collector.web import views
from sansang.i18n import Lang, duration, local, pick

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Sự cố", "Incidents"),
    "province_wide": ("Toàn tỉnh", "Province-wide"),
    "not_restored": ("chưa khôi phục (đã {span})", "not restored ({span} so far)"),
    "started": ("Bắt đầu", "Began"),
    "started_alert": (
        "Bắt đầu: cảnh báo {name} ({severity})",
        "Began: alert {name} ({severity})",
    ),
    "detected": ("Sansang phát hiện (sau {span})", "Sansang detected it ({span} after)"),
    "acknowledged": ("{who} xác nhận đã tiếp nhận", "{who} acknowledged"),
    "restored_alerts": ("Khôi phục (cảnh báo đã kết thúc)", "Restored (its alerts ended)"),
    "restored_by": ("{who} ghi nhận đã khôi phục", "{who} recorded the restore"),
    "reported": ("{who} ghi nhận đã báo cáo: {ref}", "{who} recorded the report: {ref}"),
    "deadline": ("Hạn báo cáo (QĐ 05/2017/QĐ-TTg)", "Reporting deadline (QĐ 05/2017/QĐ-TTg)"),
    "alert_start": ("Cảnh báo {name} ({severity}) bắt đầu", "Alert {name} ({severity}) began"),
    "alert_end": ("Cảnh báo {name} kết thúc", "Alert {name} ended"),
    "note": ("Ghi chú của {who}: {text}", "Note by {who}: {text}"),
    "opened_by": ("{who} ghi nhận sự cố", "{who} recorded the incident"),
}


def t(key: str, lang: Lang, **values: object) -> str:
    return pick(_TEXT, key, lang).format(**values)


def day(unix: float) -> str:
    """``27/11/2026``: the deadline's day (the deadline is the local midnight after it)."""
    return local(unix - 1).strftime("%d/%m/%Y")


def moment(unix: float) -> str:
    return local(unix).strftime("%H:%M %d/%m/%Y")


def kind_name(kind: str, lang: Lang) -> str:
    return pick(INCIDENT_KINDS, kind, lang)


def place(site_key: str | None, sites: Mapping[str, Site], lang: Lang) -> str:
    """``Xã Sa Thầy (23527-main)``; the province for a province-wide incident."""
    if site_key is None:
        return t("province_wide", lang)
    site = sites.get(site_key)
    return f"{site.commune.name} ({site_key})" if site is not None else site_key


def as_json(
    i: Incident, days: float, now: float, sites: Mapping[str, Site], *, whole: bool = False
) -> dict[str, Any]:
    """The API's incident; ``whole`` adds its alerts and notes."""
    deadline = i.deadline(days)
    site = sites.get(i.site) if i.site else None
    body: dict[str, Any] = {
        "id": i.id,
        "url": f"/incidents/{i.id}",
        "site": i.site,
        "commune": site.commune.name if site is not None else None,
        "kind": i.kind,
        "kind_vi": kind_name(i.kind, "vi"),
        "subject": i.subject or None,
        "alertname": i.alertname or None,
        "severity": i.severity,
        "summary": i.summary,
        "state": i.state,
        "open": i.open,
        "started_at": views.iso(i.started_at),
        "detected_at": views.iso(i.detected_at),
        "time_to_detect_seconds": i.time_to_detect,
        "acknowledged_at": views.iso(i.acknowledged_at),
        "acknowledged_by": i.acknowledged_by,
        "restored_at": views.iso(i.restored_at),
        "restored_by": i.restored_by,
        "time_to_restore_seconds": i.time_to_restore,
        "reported_at": views.iso(i.reported_at),
        "reported_by": i.reported_by,
        "report_ref": i.report_ref,
        "report_deadline": views.iso(deadline),
        "report_deadline_day": local(deadline - 1).date().isoformat(),
        "overdue": i.overdue(days, now),
        "opened_by": i.opened_by,
    }
    if whole:
        body["alerts"] = [
            {
                "alertname": a.alertname,
                "fingerprint": a.fingerprint,
                "severity": a.severity,
                "starts_at": views.iso(a.starts_at),
                "ends_at": views.iso(a.ends_at),
                "received_at": views.iso(a.received_at),
            }
            for a in i.alerts
        ]
        body["notes"] = [
            {"id": n.id, "at": views.iso(n.at), "author": n.author, "text": n.text} for n in i.notes
        ]
    return body


@dataclass(frozen=True)
class Row:
    """One incident as the list shows it."""

    id: int
    place: str
    kind: str
    level: str  # critical, warning
    severity: str  # in words
    summary: str
    started: str
    detect: str
    restore: str
    deadline: str
    overdue: bool
    state: str
    open: bool


def row(i: Incident, days: float, now: float, sites: Mapping[str, Site], lang: Lang) -> Row:
    restore = i.time_to_restore
    return Row(
        id=i.id,
        place=place(i.site, sites, lang),
        kind=kind_name(i.kind, lang) + (f" – {i.subject}" if i.subject else ""),
        level=i.severity,
        severity=pick(SEVERITY_NAMES, i.severity, lang),
        summary=i.summary,
        started=moment(i.started_at),
        detect=duration(i.time_to_detect, lang),
        restore=(
            duration(restore, lang)
            if restore is not None
            else t("not_restored", lang, span=duration(now - i.started_at, lang))
        ),
        deadline=day(i.deadline(days)),
        overdue=i.overdue(days, now),
        state=pick(STATE_NAMES, i.state, lang),
        open=i.open,
    )


@dataclass(frozen=True)
class Moment:
    at: float
    when: str
    text: str
    bad: bool = False  # the deadline passed without a report


def timeline(i: Incident, days: float, now: float, lang: Lang) -> list[Moment]:
    """Every moment of the incident, oldest first; the deadline while not reported."""
    began = t("started", lang)
    opening = next((a for a in i.alerts if a.fingerprint == i.fingerprint), None)
    if opening is not None and opening.starts_at == i.started_at:  # said once, with its alert
        severity = pick(SEVERITY_NAMES, opening.severity, lang)
        began = t("started_alert", lang, name=opening.alertname, severity=severity)
    found: list[tuple[float, int, str, bool]] = [(i.started_at, 0, began, False)]
    if i.opened_by != "alertmanager":
        found.append((i.detected_at, 1, t("opened_by", lang, who=i.opened_by), False))
    else:
        span = duration(i.time_to_detect, lang)
        found.append((i.detected_at, 1, t("detected", lang, span=span), False))
    for a in i.alerts:
        severity = pick(SEVERITY_NAMES, a.severity, lang)
        if a is not opening or began == t("started", lang):
            text = t("alert_start", lang, name=a.alertname, severity=severity)
            found.append((a.starts_at, 0, text, False))
        if a.ends_at is not None:
            found.append((a.ends_at, 2, t("alert_end", lang, name=a.alertname), False))
    if i.acknowledged_at is not None:
        found.append((i.acknowledged_at, 3, t("acknowledged", lang, who=i.acknowledged_by), False))
    if i.restored_at is not None:
        by_alerts = i.restored_by == "alertmanager"
        text = (
            t("restored_alerts", lang) if by_alerts else t("restored_by", lang, who=i.restored_by)
        )
        found.append((i.restored_at, 4, text, False))
    if i.reported_at is not None:
        text = t("reported", lang, who=i.reported_by, ref=i.report_ref)
        found.append((i.reported_at, 5, text, False))
    else:
        deadline = i.deadline(days)
        found.append((deadline - 1, 6, t("deadline", lang), now >= deadline))
    for n in i.notes:
        found.append((n.at, 7, t("note", lang, who=n.author, text=n.text), False))
    found.sort(key=lambda m: (m[0], m[1]))
    return [Moment(at, moment(at), text, bad) for at, _order, text, bad in found]
