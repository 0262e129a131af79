"""Incidents over HTTP: Alertmanager's webhook opens and restores them; people acknowledge,
restore, report and annotate them through the API here and the pages of
:mod:`collector.web.incidentpages` (``/incidents``, ``/incidents/{id}``), which share the checks,
the writes and the audit of :func:`act` and :func:`record`.

- ``POST /api/v1/alertmanager/webhook``: Alertmanager's notification (webhook version 4), with
  the bearer token of a role allowed ``receive_alerts`` (the role ``alertmanager``, which may
  reach nothing else: ``collector.web.auth.ONLY_PATHS``).  Body at most
  :data:`MAX_WEBHOOK_BYTES`; a malformed one is 400 and stores nothing; alerts that are no
  incident are skipped with their reason in the answer (:mod:`collector.incidents.webhook`).
  The source of truth for incidents: every alert reaches Alertmanager (the collector's own and
  the Prometheus rules'), silences and inhibitions already applied, so one path sees all.
- ``GET /api/v1/incidents`` (``open``, ``site``, ``since``, ``limit``), ``GET
  /api/v1/incidents/{id}``: every role reads the incidents of the sites it may read
  (``collector.web.auth.may_read_site``); the province-wide ones, who reads the whole
  province.
- ``POST /api/v1/incidents`` (record one by hand: a cyberattack seen on site),
  ``.../{id}/ack``, ``.../{id}/restore``, ``.../{id}/report``: ``write_incidents``
  (security_reviewer, admin); ``.../{id}/notes``: ``write_incident_notes`` (also the technician
  of the incident's site).  The pages' forms POST to ``/incidents...`` the same way.  Every write
  goes through ``require_write`` and ``audit`` (``incident.*``); a scoped token writes only
  incidents of its own sites.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from collector.alerts.catalogue import ALERTS
from collector.context import Collector
from collector.incidents import webhook
from collector.incidents.model import (
    INCIDENT_KINDS,
    PROVINCE_WIDE_KINDS,
    SEVERITIES,
    Incident,
    manual_key,
)
from collector.inventory.model import Site
from collector.web import incidentviews as iv
from collector.web.api import _int_param, _json_body, _list_param, _time_param
from collector.web.auth import (
    COLLECTOR,
    Permission,
    Principal,
    audit,
    forbidden_site,
    may_read_site,
    principal_of,
    require_write,
)
from collector.web.errors import api_error
from sansang.errors import SansangError
from sansang.i18n import ZONE

MAX_WEBHOOK_BYTES = 1024 * 1024
MAX_BODY_BYTES = 64 * 1024
MAX_NOTE_CHARS = 4000
MAX_REF_CHARS = 200
MAX_SUMMARY_CHARS = 300
FUTURE_SKEW = 60.0  # a time a person gives may be this far ahead of the collector's clock
TARGET = "SEC-EARLY"


def incident_kinds() -> dict[str, str]:
    """Alert name -> incident kind, for the alerts that are incidents (the alert catalogue
    names each alert's playbook ``<kind>.md``); not the warnings ahead of a failure
    (``AlertDef.incident`` False)."""
    kinds = {a.name: a.playbook.removesuffix(".md") for a in ALERTS if a.incident}
    return {name: kind for name, kind in kinds.items() if kind in INCIDENT_KINDS}


ALERT_KINDS = incident_kinds()


def report_days(c: Collector) -> float:
    """SEC-EARLY's ``report_within_days`` (the catalogue's, with the province's override)."""
    value = c.thresholds[TARGET]["report_within_days"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{TARGET}.report_within_days is {value!r}, not a number")
    return float(value)


def sites_of(c: Collector) -> dict[str, Site]:
    return {s.key: s for s in c.inventory.sites}


def readable(principal: Principal, incident: Incident) -> bool:
    """A site's incident, who may read the site; a province-wide one, who reads the whole
    province (its summary comes from an alert about many communes)."""
    if incident.site is None:
        return not principal.scoped
    return may_read_site(principal, incident.site)


def open_incidents(c: Collector, principal: Principal) -> list[Incident]:
    """The open incidents ``principal`` may read (province-wide ones for a token of the whole
    province), newest first (blocking: call it in a thread).  For the police page: deadlines with
    ``incident.deadline(report_days(c))``, ``incident.overdue(report_days(c), now)``."""
    return [i for i in c.store.incidents(open_only=True) if readable(principal, i)]


# --- Alertmanager's webhook --------------------------------------------------------------------


async def alertmanager_webhook(request: web.Request) -> web.Response:
    c = request.app[COLLECTOR]
    await require_write(request, "receive_alerts", "incident.alerts", "alertmanager")
    body = await _json_body(request, MAX_WEBHOOK_BYTES)
    now = time.time()
    try:
        notification = webhook.parse(body, now=now, kinds=ALERT_KINDS, sites=set(sites_of(c)))
    except webhook.BadNotification as bad:
        listed = "; ".join(f"{p}: {m}" if p else m for p, m in bad.problems[:10])
        raise api_error(
            400,
            "bad_notification",
            f"Không phải thông báo webhook của Alertmanager, chưa lưu gì: {listed}",
            f"Not an Alertmanager webhook notification, nothing stored: {listed}",
        ) from None
    receipt = await asyncio.to_thread(c.store.receive_alerts, notification.signals, now)
    skipped = [
        {"index": s.index, "alertname": s.alertname, "reason": s.reason}
        for s in notification.skipped
    ]
    if receipt.changed:
        details = {**receipt.as_dict(), "alerts": len(notification.signals)}
        await audit(request, "incident.alerts", "alertmanager", details)
    return _json({**receipt.as_dict(), "skipped": skipped})


# --- reading -----------------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


@dataclass(frozen=True)
class Filter:
    open_only: bool
    sites: frozenset[str] | None  # None: every site the principal reads, and the province's
    since: float | None
    limit: int


def filter_of(request: web.Request, c: Collector, principal: Principal) -> Filter:
    flag = request.query.get("open", "")
    if flag not in ("", "0", "1", "true", "false"):
        raise api_error(400, "bad_parameter", "open: 1 hoặc 0", "open: 1 or 0")
    wanted = set(_list_param(request, "site"))
    unknown = sorted(wanted - set(sites_of(c)))
    if unknown:
        listed = ", ".join(unknown)
        raise api_error(400, "no_site", f"Không có điểm: {listed}", f"No such site: {listed}")
    if any(not may_read_site(principal, key) for key in wanted):
        raise forbidden_site()
    since = _time_param(request, "since", math.nan)
    return Filter(
        open_only=flag in ("1", "true"),
        sites=frozenset(wanted) if wanted else None,
        since=None if math.isnan(since) else since,
        limit=_int_param(request, "limit", 500, 1, 1000),
    )


def listed(c: Collector, principal: Principal, f: Filter) -> list[Incident]:
    sites = f.sites
    if sites is None and principal.scoped:
        sites = frozenset(s.key for s in c.inventory.sites if may_read_site(principal, s.key))
    found = c.store.incidents(
        open_only=f.open_only,
        sites=sites,
        province_wide=sites is None,
        since=f.since,
        limit=f.limit,
    )
    return [i for i in found if readable(principal, i)]  # the store was asked for them only


async def list_incidents(request: web.Request) -> web.Response:
    c, principal = request.app[COLLECTOR], principal_of(request)
    f = filter_of(request, c, principal)
    found = await asyncio.to_thread(listed, c, principal, f)
    days, now, sites = report_days(c), time.time(), sites_of(c)
    return _json(
        {
            "report_within_days": days,
            "incidents": [iv.as_json(i, days, now, sites) for i in found],
        }
    )


def id_of(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit() or len(text) > 18:
        raise _no_incident(text)
    return int(text)


def _no_incident(text: str | int) -> web.HTTPException:
    return api_error(404, "no_incident", f"Không có sự cố số {text}", f"No incident {text}")


async def readable_incident(request: web.Request, c: Collector, incident_id: int) -> Incident:
    """The incident; 404 when there is none or the principal may not read it (the same answer:
    a scoped token cannot probe which ids exist)."""
    incident = await asyncio.to_thread(c.store.incident, incident_id)
    if incident is None or not readable(principal_of(request), incident):
        raise _no_incident(incident_id)
    return incident


async def get_incident(request: web.Request) -> web.Response:
    c = request.app[COLLECTOR]
    incident = await readable_incident(request, c, id_of(request))
    body = iv.as_json(incident, report_days(c), time.time(), sites_of(c), whole=True)
    return _json(body)


# --- writing -----------------------------------------------------------------------------------


class Invalid(SansangError):
    """A write's input refused: 400 (JSON for the API, text for a form)."""

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.code, self.vi, self.en = code, vi, en


# action -> (permission, the audit's action, the fields it takes)
ACTIONS: dict[str, tuple[Permission, str, frozenset[str]]] = {
    "ack": ("write_incidents", "incident.acknowledge", frozenset()),
    "restore": ("write_incidents", "incident.restore", frozenset({"at"})),
    "report": ("write_incidents", "incident.report", frozenset({"ref", "at"})),
    "notes": ("write_incident_notes", "incident.note", frozenset({"text"})),
}


def _at(value: object, earliest: float, now: float, name: str = "at") -> float:
    """A time a person gives: Unix seconds, ISO 8601 with an offset, or a form's
    ``2026-12-07T10:30`` (Vietnam's time); not before ``earliest`` (the incident's start), not
    in the future; absent: now."""
    if value is None or value == "":
        return now
    when: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        when = float(value)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None:
            when = (moment if moment.tzinfo else moment.replace(tzinfo=ZONE)).timestamp()
    if when is None or not math.isfinite(when):
        raise Invalid(
            "bad_time",
            f"{name}: cần thời điểm (ISO 8601 hoặc giây Unix)",
            f"{name}: expected a time (ISO 8601 or Unix seconds)",
        )
    if not earliest <= when <= now + FUTURE_SKEW:
        raise Invalid(
            "bad_time",
            f"{name}: phải từ {iv.moment(earliest)} đến nay, không ở tương lai",
            f"{name}: must be between {iv.moment(earliest)} and now, not in the future",
        )
    return when


def _text(value: object, name: str, limit: int) -> str:
    """1 to ``limit`` characters, no control characters (a reference on one line)."""
    text = value.strip() if isinstance(value, str) else ""
    if name == "ref":
        text = " ".join(text.split())
    if not 1 <= len(text) <= limit:
        raise Invalid(
            f"bad_{name}",
            f"{name}: cần từ 1 đến {limit} ký tự",
            f"{name}: 1 to {limit} characters needed",
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise Invalid(f"bad_{name}", f"{name}: có ký tự điều khiển", f"{name}: control characters")
    return text


async def _fields(request: web.Request, allowed_fields: frozenset[str]) -> dict[str, Any]:
    """The write's fields: a JSON object (the API) or a form (the pages); empty is {}."""
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        fields: Any = {k: v for k, v in form.items() if isinstance(v, str) and k != "lang"}
    elif request.can_read_body:
        fields = await _json_body(request, MAX_BODY_BYTES)
    else:
        fields = {}
    if not isinstance(fields, dict) or set(fields) - allowed_fields:
        names = ", ".join(sorted(allowed_fields)) or "không trường nào / none"
        raise Invalid(
            "bad_fields",
            f"Cần một đối tượng JSON với các trường: {names}",
            f"Expected a JSON object with the fields: {names}",
        )
    return fields


async def act(request: web.Request, what: str) -> tuple[Incident, bool]:
    """One person's change of an incident: checked, stored, audited.  (incident, changed)."""
    c, principal = request.app[COLLECTOR], principal_of(request)
    permission, action, names = ACTIONS[what]
    incident = await readable_incident(request, c, id_of(request))
    target = f"incident/{incident.id}"
    site = incident.site
    await require_write(request, permission, action, target, site=site)
    fields = await _fields(request, names)
    now = time.time()
    store, by = c.store, principal.name
    details: dict[str, Any] = {}
    if what == "ack":
        changed = await asyncio.to_thread(store.acknowledge_incident, incident.id, by, now)
    elif what == "restore":
        at = _at(fields.get("at"), incident.started_at, now)
        changed = await asyncio.to_thread(store.restore_incident, incident.id, by, at)
        details["at"] = at
    elif what == "report":
        ref = _text(fields.get("ref"), "ref", MAX_REF_CHARS)
        at = _at(fields.get("at"), incident.started_at, now)
        if incident.reported_at is not None and incident.report_ref != ref:
            raise api_error(
                409,
                "already_reported",
                f"Sự cố đã được ghi nhận báo cáo ({incident.report_ref}); sửa bằng một ghi chú",
                f"Already recorded as reported ({incident.report_ref}); correct it in a note",
            )
        changed = await asyncio.to_thread(store.report_incident, incident.id, by, at, ref)
        details |= {"at": at, "ref": ref}
    else:
        text = _text(fields.get("text"), "text", MAX_NOTE_CHARS)
        note = await asyncio.to_thread(store.add_incident_note, incident.id, by, text, now)
        changed, details = True, {"note_id": note.id, "chars": len(text)}
    await audit(request, action, target, {**details, "changed": changed})
    after = await asyncio.to_thread(store.incident, incident.id)
    assert after is not None
    return after, changed


async def record(request: web.Request) -> Incident:
    """An incident a person records (``POST /api/v1/incidents``, the list page's form)."""
    c, principal = request.app[COLLECTOR], principal_of(request)
    fields = await _fields(
        request, frozenset({"site", "kind", "started_at", "summary", "severity"})
    )
    site = fields.get("site") or None
    kind = fields.get("kind")
    if not isinstance(kind, str) or kind not in INCIDENT_KINDS:
        raise Invalid("bad_kind", "kind: không phải loại sự cố", "kind: not an incident kind")
    if site is None and kind not in PROVINCE_WIDE_KINDS:
        raise Invalid("no_site", "Cần điểm xảy ra sự cố", "The incident's site is needed")
    if site is not None and (not isinstance(site, str) or site not in sites_of(c)):
        raise Invalid("no_site", "Không có điểm này", "No such site")
    target = f"site/{site}" if site else "province"
    if (site is None and principal.scoped) or (site and not may_read_site(principal, site)):
        await audit(request, "incident.record", target, {"result": "denied"})
        raise forbidden_site()
    await require_write(request, "write_incidents", "incident.record", target, site=site)
    severity = fields.get("severity") or "critical"
    if severity not in SEVERITIES:
        raise Invalid(
            "bad_severity", "severity: critical hoặc warning", "severity: critical or warning"
        )
    summary = _text(fields.get("summary"), "summary", MAX_SUMMARY_CHARS)
    now = time.time()
    started = _at(fields.get("started_at"), now - webhook.MAX_AGE, now, "started_at")
    new_id = await asyncio.to_thread(
        c.store.open_incident_by_hand,
        key=manual_key(kind, site, started, principal.name),
        site=site,
        kind=kind,
        severity=severity,
        summary=summary,
        started_at=started,
        by=principal.name,
        now=now,
    )
    await audit(request, "incident.record", f"incident/{new_id}", {"site": site, "kind": kind})
    found = await asyncio.to_thread(c.store.incident, new_id)
    assert found is not None
    return found


def _invalid_json(err: Invalid) -> web.HTTPException:
    return api_error(400, err.code, err.vi, err.en)


def _api(what: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        c = request.app[COLLECTOR]
        try:
            incident, changed = await act(request, what)
        except Invalid as err:
            raise _invalid_json(err) from None
        body = iv.as_json(incident, report_days(c), time.time(), sites_of(c), whole=True)
        return _json({**body, "changed": changed}, status=201 if what == "notes" else 200)

    return handler


async def record_incident(request: web.Request) -> web.Response:
    c = request.app[COLLECTOR]
    try:
        incident = await record(request)
    except Invalid as err:
        raise _invalid_json(err) from None
    body = iv.as_json(incident, report_days(c), time.time(), sites_of(c), whole=True)
    return _json(body, status=201)


def add_routes(app: web.Application) -> None:
    """The webhook and the API (the pages: :mod:`collector.web.incidentpages`)."""
    r = app.router
    r.add_post("/api/v1/alertmanager/webhook", alertmanager_webhook)
    r.add_get("/api/v1/incidents", list_incidents)
    r.add_post("/api/v1/incidents", record_incident)
    r.add_get("/api/v1/incidents/{id}", get_incident)
    for what in ACTIONS:
        r.add_post(f"/api/v1/incidents/{{id}}/{what}", _api(what))


__all__ = [
    "ACTIONS",
    "ALERT_KINDS",
    "Invalid",
    "act",
    "add_routes",
    "filter_of",
    "id_of",
    "listed",
    "open_incidents",
    "readable_incident",
    "record",
    "report_days",
    "sites_of",
]
