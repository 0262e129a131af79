"""The REST API under ``/api/v1/`` (JSON; errors in Vietnamese and English).

Reading needs a token of any role (``auth.py`` says who may see what: a token scoped to some
sites reads those only, every handler asking ``auth.may_read_site``); writes are POSTs that
record themselves, allowed or refused, in the audit log.  Described in ``openapi.py``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import re
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aiohttp import web

from collector.context import Collector
from collector.evaluate.model import PROVINCE_SITE, STATUSES, Finding, TargetRollup
from collector.ingest import survey as survey_records
from collector.inventory import model as inventory_model
from collector.periods import Month, MonthFindings
from collector.survey import SurveyPoint
from collector.web import views
from collector.web.auth import (
    AUTH,
    COLLECTOR,
    Principal,
    allowed,
    audit,
    may_read_site,
    principal_of,
    require,
    require_province,
    require_site,
    require_write,
)
from collector.web.errors import api_error
from collector.web.openapi import SPEC
from sansang.configfile import ConfigError
from sansang.event_details import WALL_TIME_MAX, WALL_TIME_MIN

MAX_NOTE_CHARS = 4000
MAX_NOTE_BODY_BYTES = 64 * 1024
DEFAULT_EVENTS_SPAN = 7 * 86400.0
DEFAULT_SURVEY_SPAN = 30 * 86400.0  # INF-DZ's window
MAX_EVENTS = 5000
MAX_SURVEY_RECORDS = 1000
MAX_SURVEY_BODY_BYTES = 2 * 1024 * 1024
MAX_SURVEY_PROBLEMS = 10  # named in one 400 answer
MAX_KINDS = 64  # kinds named in one events query
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # as collector.events.EventIn.kind


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _collector(request: web.Request) -> Collector:
    return request.app[COLLECTOR]


def _site_or_404(request: web.Request) -> tuple[Collector, str]:
    """The site of the path, when the principal may read it (403 first: a scoped token gets
    the same answer for another commune's site and for no site, so it learns no key), else
    404."""
    c = _collector(request)
    key = request.match_info["key"]
    require_site(request, key)
    if c.site(key) is None:
        raise api_error(404, "no_site", f"Không có điểm '{key}'", f"No site '{key}'")
    return c, key


# --- parameters ------------------------------------------------------------------------------


def _time_param(request: web.Request, name: str, default: float) -> float:
    """Unix seconds or ISO 8601 with an offset (``2026-05-01T08:00:00+07:00``), from 1970 to
    2100 as an event's own time (``sansang.event_details``): a time outside cannot be shown, and
    selects nothing an agent could have sent."""
    text = request.query.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise api_error(
                400,
                "bad_time",
                f"{name}: cần giây Unix hoặc ISO 8601 có múi giờ, không phải '{text}'",
                f"{name}: expected Unix seconds or ISO 8601 with an offset, not '{text}'",
            ) from None
        value = when.timestamp()
    if not (math.isfinite(value) and WALL_TIME_MIN <= value <= WALL_TIME_MAX):
        raise api_error(
            400,
            "bad_time",
            f"{name}: cần thời điểm từ năm 1970 đến 2100",
            f"{name}: expected a time from 1970 to 2100",
        )
    return value


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise api_error(
            400,
            "bad_parameter",
            f"{name}: cần số nguyên từ {low} đến {high}",
            f"{name}: expected an integer from {low} to {high}",
        )
    return value


def _list_param(request: web.Request, name: str) -> list[str]:
    return [v for item in request.query.getall(name, []) for v in item.split(",") if v]


def _kinds_param(request: web.Request) -> list[str] | None:
    """``kind=a,b`` (or ``kind`` repeated): event kinds, at most ``MAX_KINDS``, each written as
    a kind is (the store is never asked for a thousand values or a NUL character)."""
    kinds = sorted(set(_list_param(request, "kind")))
    bad = [k for k in kinds if not KIND_PATTERN.match(k)]
    if bad or len(kinds) > MAX_KINDS:
        raise api_error(
            400,
            "bad_kind",
            f"kind: tối đa {MAX_KINDS} loại sự kiện, mỗi loại chữ thường, số và '_'",
            f"kind: at most {MAX_KINDS} event kinds, each lower-case letters, digits and '_'",
        )
    return kinds or None


def _month_param(request: web.Request) -> Month | None:
    """``month=YYYY-MM``: a calendar month in Vietnam's time; absent: the newest evaluation."""
    text = request.query.get("month")
    if text is None or text == "":
        return None
    try:
        return Month.parse(text)
    except ValueError:
        raise api_error(
            400,
            "bad_month",
            f"month: cần tháng dạng YYYY-MM (ví dụ 2026-11), không phải '{text}'",
            f"month: expected a month written YYYY-MM (e.g. 2026-11), not '{text}'",
        ) from None


async def _kept_month(c: Collector, month: Month) -> MonthFindings:
    kept = await asyncio.to_thread(c.store.month, month)
    if kept is None:
        raise api_error(
            404,
            "no_month",
            f"Chưa lưu kết quả đánh giá của tháng {month.label} ({month})",
            f"No findings kept for the month {month}",
        )
    return kept


def _month_fields(kept: MonthFindings) -> dict[str, Any]:
    return {
        "month": str(kept.month),
        "closed": kept.closed,
        "inventory_version": kept.inventory_version,
        "catalogue_version": kept.catalogue_version,
    }


# --- reading ---------------------------------------------------------------------------------


async def whoami(request: web.Request) -> web.Response:
    p = principal_of(request)
    return _json(
        {
            "name": p.name,
            "role": p.role,
            "sites": sorted(p.sites),
            "communes": sorted(p.communes),
            # "sites": it reads only `sites` and the sites of `communes`; "province": every site.
            "reads": "sites" if p.scoped else "province",
        }
    )


async def sites(request: web.Request) -> web.Response:
    c = _collector(request)
    principal = principal_of(request)
    by_site = views.findings_by_site(c)
    return _json(
        {
            "evaluated_at": views.iso(c.evaluation.evaluated_at) if c.evaluation else None,
            "sites": [
                views.site_summary(c, s, by_site.get(s.key, ()))
                for s in c.inventory.sites
                if may_read_site(principal, s.key)
            ],
        }
    )


def _finding(principal: Principal, f: Finding) -> dict[str, Any]:
    """A finding as the API writes it; for a scoped token the evidence refs naming another
    site are left out (a province finding's refs are every site's events)."""
    if not principal.scoped:
        return views.finding(f)
    return views.finding(f, lambda key: may_read_site(principal, key))


async def site(request: web.Request) -> web.Response:
    c, key = _site_or_404(request)
    principal = principal_of(request)
    s = c.site(key)
    assert s is not None
    findings = views.findings_by_site(c).get(key, [])
    body = views.site_summary(c, s, findings)
    body["inventory"] = views.site_inventory(
        s,
        personal=allowed(principal, "read_personal"),
        admin=allowed(principal, "admin"),
    )
    body["findings"] = [_finding(principal, f) for f in findings]
    return _json(body)


async def site_findings(request: web.Request) -> web.Response:
    c, key = _site_or_404(request)
    findings = views.findings_by_site(c).get(key, [])
    return _json({"site": key, "findings": [views.finding(f) for f in findings]})


async def site_events(request: web.Request) -> web.Response:
    c, key = _site_or_404(request)
    until = _time_param(request, "until", time.time())
    since = _time_param(request, "since", until - DEFAULT_EVENTS_SPAN)
    if since > until:
        raise api_error(400, "bad_span", "since phải trước until", "since must be before until")
    kinds = _kinds_param(request)
    limit = _int_param(request, "limit", 1000, 1, MAX_EVENTS)
    events = await asyncio.to_thread(c.store.site_events, key, since, until, kinds, limit)
    return _json(
        {
            "site": key,
            "since": views.iso(since),
            "until": views.iso(until),
            "events": [views.event(e) for e in events],
        }
    )


async def findings(request: web.Request) -> web.Response:
    """Every readable site's findings, and the province's own (``province_findings``: about
    its central systems, read by every token; a scoped token's evidence refs cut to its sites)."""
    c = _collector(request)
    principal = principal_of(request)
    targets = set(_list_param(request, "target"))
    statuses = set(_list_param(request, "status"))
    site_keys = set(_list_param(request, "site"))
    known = {t.id for t in c.catalogue.targets}
    if targets - known:
        bad = ", ".join(sorted(targets - known))
        raise api_error(400, "no_target", f"Không có chỉ tiêu: {bad}", f"No such target: {bad}")
    if statuses - set(STATUSES):
        expected = ", ".join(STATUSES)
        raise api_error(
            400, "bad_status", f"status: một trong {expected}", f"status: one of {expected}"
        )

    def chosen(found: Iterable[Finding]) -> list[dict[str, Any]]:
        return [
            _finding(principal, f)
            for f in found
            if (not targets or f.target in targets)
            and (not statuses or f.status in statuses)
            and (not site_keys or f.site in site_keys)
            and (f.site == PROVINCE_SITE or may_read_site(principal, f.site))
        ]

    as_csv = _format_param(request)
    month = _month_param(request)
    if month is not None:
        kept = await _kept_month(c, month)
        if as_csv:
            return _findings_csv([*chosen(kept.findings), *chosen(kept.province_findings)])
        return _json(
            {
                **_month_fields(kept),
                "evaluated_at": views.iso(kept.evaluated_at),
                "findings": chosen(kept.findings),
                "province_findings": chosen(kept.province_findings),
            }
        )
    e = c.evaluation
    if as_csv:
        every = [*(e.findings if e else ()), *(e.province_findings if e else ())]
        return _findings_csv(chosen(every))
    return _json(
        {
            "evaluated_at": views.iso(e.evaluated_at) if e else None,
            "findings": chosen(e.findings if e else ()),
            # About the province as a whole (site "province"): OPS-247 per central system.
            "province_findings": chosen(e.province_findings if e else ()),
        }
    )


CSV_COLUMNS = ("site", "target", "status", "value", "unit", "threshold", "cause", "vi", "en")


def _format_param(request: web.Request) -> bool:
    """``?format=csv`` (a spreadsheet's columns, one finding a row) or json, the default."""
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise api_error(400, "bad_format", "format: json hoặc csv", "format: json or csv")
    return fmt == "csv"


def _findings_csv(rows: list[dict[str, Any]]) -> web.Response:
    """The findings as CSV (UTF-8 with a byte-order mark, so a spreadsheet reads Vietnamese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        threshold = row["threshold"]
        if isinstance(threshold, list):
            threshold = ", ".join(str(v) for v in threshold)
        writer.writerow([row[k] if k != "threshold" else threshold for k in CSV_COLUMNS])
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="findings.csv"'},
    )


async def targets(request: web.Request) -> web.Response:
    c = _collector(request)
    agencies = {k: v.model_dump() for k, v in c.catalogue.agencies.items()}
    return _json(
        {
            "targets": [
                views.target(t, c.thresholds.get(t.id, {}), agencies.get(t.owner, {}))
                for t in c.catalogue.targets
            ]
        }
    )


async def inventory(request: web.Request) -> web.Response:
    c = _collector(request)
    principal = principal_of(request)
    personal, admin = allowed(principal, "read_personal"), allowed(principal, "admin")
    return _json(
        {
            "province": c.inventory.province.model_dump(mode="json"),
            "personal_data": personal,
            "sites": [
                views.site_inventory(s, personal=personal, admin=admin)
                for s in c.inventory.sites
                if may_read_site(principal, s.key)
            ],
            "systems": [s.model_dump(mode="json") for s in c.inventory.systems],
        }
    )


def _month_rollups(
    c: Collector, found: Iterable[Finding], given: Iterable[TargetRollup] = ()
) -> list[TargetRollup]:
    """Per target, the sites of ``found`` counted by status (catalogue order); the central
    outages of the ``given`` rollups kept (counts of the whole province's sites, no names)."""
    order = [t.id for t in c.catalogue.targets if t.status == "evaluated" and t.scope == "site"]
    counts: dict[str, dict[str, int]] = {}
    for f in found:
        counts.setdefault(f.target, dict.fromkeys(STATUSES, 0))[f.status] += 1
    ids = [t for t in order if t in counts] + sorted(set(counts) - set(order))
    outages = {r.target: r.central_outages for r in given}
    return [
        TargetRollup(
            t, counts[t]["met"], counts[t]["not_met"], counts[t]["unknown"], outages.get(t, ())
        )
        for t in ids
    ]


async def months(request: web.Request) -> web.Response:
    """The months whose findings are kept, newest first."""
    entries = await asyncio.to_thread(_collector(request).store.month_entries)
    return _json(
        {
            "months": [
                {
                    "month": str(e.month),
                    "label": e.month.label,
                    "closed": e.closed,
                    "evaluated_at": views.iso(e.evaluated_at),
                    "window": {"start": views.iso(e.window.start), "end": views.iso(e.window.end)},
                    "inventory_version": e.inventory_version,
                    "catalogue_version": e.catalogue_version,
                }
                for e in entries
            ]
        }
    )


async def evaluation(request: web.Request) -> web.Response:
    """The newest evaluation (or a kept month's) in counts; a scoped token's counts are of its
    sites only (``scope: "sites"``), the province's ``"province"``."""
    c = _collector(request)
    principal = principal_of(request)
    scope = {"scope": "sites" if principal.scoped else "province"}

    def mine(found: Iterable[Finding]) -> list[Finding]:
        return [f for f in found if may_read_site(principal, f.site)]

    month = _month_param(request)
    if month is not None:
        kept = await _kept_month(c, month)
        w = kept.window
        own = mine(kept.findings)
        return _json(
            {
                **_month_fields(kept),
                **scope,
                "evaluated_at": views.iso(kept.evaluated_at),
                "window": {"start": views.iso(w.start), "end": views.iso(w.end)},
                "findings": len(own),
                "rollups": [views.rollup(r) for r in _month_rollups(c, own)],
                "province_findings": [_finding(principal, f) for f in kept.province_findings],
                "dead_zone_points": 0 if principal.scoped else len(kept.dead_zone_points),
            }
        )
    e = c.evaluation
    if e is None:
        return _json(
            {
                **scope,
                "evaluated_at": None,
                "window": None,
                "findings": 0,
                "rollups": [],
                "province_findings": [],
            }
        )
    own = mine(e.findings) if principal.scoped else list(e.findings)
    rollups = _month_rollups(c, own, e.rollups) if principal.scoped else e.rollups
    return _json(
        {
            **scope,
            "evaluated_at": views.iso(e.evaluated_at),
            "window": {"start": views.iso(e.window.start), "end": views.iso(e.window.end)},
            "findings": len(own),
            "rollups": [views.rollup(r) for r in rollups],
            # About the province as a whole (site PROVINCE_SITE): OPS-247 per central system.
            "province_findings": [_finding(principal, f) for f in e.province_findings],
        }
    )


async def notes(request: web.Request) -> web.Response:
    c, key = _site_or_404(request)
    limit = _int_param(request, "limit", 100, 1, 1000)
    found = await asyncio.to_thread(c.store.notes, key, limit)
    return _json({"site": key, "notes": [views.note(n) for n in found]})


def _survey_point(p: SurveyPoint) -> dict[str, Any]:
    """A coverage survey point with every figure it has (the place is a village or a site)."""
    down = p.download_bps
    return {
        "label": p.label,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "time": views.iso(p.wall_time),
        "wall_time_unix": p.wall_time,
        "site": p.site,
        "download_bps": down,
        "download_mbps": None if down is None else round(down * 8 / 1e6, 3),
        "upload_bps": p.upload_bps,
        "loss_ratio": p.loss_ratio,
        "latency_seconds": p.latency_seconds,
        "operator": p.operator,
        "technology": p.technology,
        "rsrp_dbm": p.rsrp_dbm,
        "rsrq_db": p.rsrq_db,
    }


async def survey_points(request: web.Request) -> web.Response:
    """The stored survey points of a span (default: the 30 days to now), oldest first;
    ``site=KEY,...`` keeps those taken for these sites, ``site=none`` those tied to none.  A
    scoped token reads the points of its sites only (a point tied to no site is in no commune
    it covers)."""
    c = _collector(request)
    principal = principal_of(request)
    until = _time_param(request, "until", time.time())
    since = _time_param(request, "since", until - DEFAULT_SURVEY_SPAN)
    if since > until:
        raise api_error(400, "bad_span", "since phải trước until", "since must be before until")
    wanted = set(_list_param(request, "site"))
    limit = _int_param(request, "limit", 1000, 1, MAX_EVENTS)
    found = await asyncio.to_thread(c.store.survey_points, since, until)
    if wanted:
        found = [p for p in found if (p.site or "none") in wanted]
    if principal.scoped:
        found = [p for p in found if p.site is not None and may_read_site(principal, p.site)]
    return _json(
        {
            "since": views.iso(since),
            "until": views.iso(until),
            "points": [_survey_point(p) for p in found[:limit]],
        }
    )


async def dead_zone_points(request: web.Request) -> web.Response:
    """INF-DZ's surveyed places (villages) tied to no site and below its thresholds, from the
    newest evaluation: the province's list for the carriers, as the board shows it.  None for a
    scoped token: a place tied to no site is in no commune it covers."""
    e = _collector(request).evaluation
    points = sorted(e.dead_zone_points, key=lambda p: (p.label, p.wall_time)) if e else []
    if principal_of(request).scoped:
        points = []
    return _json(
        {
            "evaluated_at": views.iso(e.evaluated_at) if e else None,
            "points": [_survey_point(p) for p in points],
        }
    )


async def audit_log(request: web.Request) -> web.Response:
    require(request, "read_audit")
    require_province(request)  # every site's writes and every token's logins
    limit = _int_param(request, "limit", 100, 1, 1000)
    entries = await asyncio.to_thread(_collector(request).store.audit_log, limit)
    return _json({"entries": [views.audit_entry(a) for a in entries]})


async def openapi(request: web.Request) -> web.Response:
    return _json(SPEC)


# --- writing ---------------------------------------------------------------------------------


async def _json_body(request: web.Request, limit: int) -> Any:
    if request.content_type != "application/json":
        raise api_error(
            415, "json_only", "Cần Content-Type: application/json", "Send application/json"
        )
    too_large = api_error(
        413, "too_large", f"Nội dung quá {limit} byte", f"Body larger than {limit} bytes"
    )
    if (request.content_length or 0) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():  # chunked bodies have no length up front
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise api_error(400, "bad_json", "JSON không hợp lệ", "Invalid JSON") from None


async def add_note(request: web.Request) -> web.Response:
    c, key = _collector(request), request.match_info["key"]
    # Refused (and audited) before the site is looked up: a role that may not write learns
    # nothing of which keys exist.
    principal = await require_write(request, "write_notes", "note.create", key, site=key)
    if c.site(key) is None:
        raise api_error(404, "no_site", f"Không có điểm '{key}'", f"No site '{key}'")
    body = await _json_body(request, MAX_NOTE_BODY_BYTES)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(body, dict) or set(body) != {"text"} or not isinstance(text, str):
        raise api_error(
            400,
            "bad_note",
            'Cần đúng một trường: {"text": "nội dung ghi chú"}',
            'Expected exactly one field: {"text": "the note"}',
        )
    text = text.strip()
    if not 1 <= len(text) <= MAX_NOTE_CHARS:
        raise api_error(
            400,
            "bad_note_length",
            f"Ghi chú cần từ 1 đến {MAX_NOTE_CHARS} ký tự (có {len(text)})",
            f"A note needs 1 to {MAX_NOTE_CHARS} characters (got {len(text)})",
        )
    note = await asyncio.to_thread(c.store.add_note, key, principal.name, text, time.time())
    await audit(request, "note.create", key, {"note_id": note.id, "chars": len(text)})
    return _json(views.note(note), status=201)


async def add_survey(request: web.Request) -> web.Response:
    """Coverage survey records (the JSON objects ``sansang survey`` writes, as a list): all
    stored or none.  ``?site=KEY`` for records without their own ``site``; a technician posts
    only for its own sites, a point tied to no site only an admin."""
    c = _collector(request)
    default = request.query.get("site") or None
    if default is not None and c.site(default) is None:
        raise api_error(400, "no_site", f"site: không có điểm '{default}'", f"No site '{default}'")
    target = default or "province"
    if default is not None or principal_of(request).role != "technician":
        await require_write(request, "write_survey", "survey.import", target, site=default)
    body = await _json_body(request, MAX_SURVEY_BODY_BYTES)
    if not isinstance(body, list):
        raise api_error(
            400,
            "bad_survey",
            "Cần một danh sách JSON các bản ghi khảo sát",
            "Expected a JSON list of survey records",
        )
    if len(body) > MAX_SURVEY_RECORDS:
        raise api_error(
            413,
            "too_many_records",
            f"Tối đa {MAX_SURVEY_RECORDS} bản ghi một lần (có {len(body)})",
            f"At most {MAX_SURVEY_RECORDS} records at once (got {len(body)})",
        )
    points = _survey_points(c, body, default)
    for key in sorted({p.site or "" for p in points}):  # a refusal for any site is audited
        await require_write(
            request, "write_survey", "survey.import", key or target, site=key or None
        )
    added = await asyncio.to_thread(c.store.add_survey_points, points)
    sites = sorted({p.site for p in points if p.site})
    details = {"records": len(points), "stored": added, "sites": sites}
    await audit(request, "survey.import", target if len(sites) != 1 else sites[0], details)
    return _json({"records": len(points), "stored": added, "duplicates": len(points) - added})


def _survey_points(c: Collector, records: list[Any], site: str | None) -> list[SurveyPoint]:
    """Every record's point; 400 naming each bad record's index (from 0) and field."""
    known = {s.key for s in c.inventory.sites}
    points: list[SurveyPoint] = []
    problems: list[tuple[int, str, str]] = []
    for i, record in enumerate(records):
        try:
            points.append(survey_records.point(record, site=site, known_sites=known))
        except survey_records.BadRecord as bad:
            problems += [(i, f, m) for f, m in bad.problems]
    if problems:
        listed = "; ".join(
            f"[{i}] {f}: {m}" if f else f"[{i}] {m}" for i, f, m in problems[:MAX_SURVEY_PROBLEMS]
        )
        bad_records = len({i for i, _f, _m in problems})
        raise api_error(
            400,
            "bad_survey_record",
            f"{bad_records} bản ghi lỗi, chưa lưu gì: bản ghi {listed}",
            f"{bad_records} bad records, nothing stored: record {listed}",
        )
    return points


async def reload_inventory(request: web.Request) -> web.Response:
    """Read the inventory and tokens files again (admin); on a bad file keep both as they were."""
    c = _collector(request)
    await require_write(request, "admin", "inventory.reload", str(c.config.inventory))
    try:
        new = await asyncio.to_thread(inventory_model.load, c.config.inventory)
        entries = await asyncio.to_thread(_load_tokens, c, {s.key for s in new.sites})
    except ConfigError as err:
        await audit(request, "inventory.reload", str(c.config.inventory), {"result": "failed"})
        raise api_error(
            400,
            "bad_inventory",
            "Danh mục hoặc tệp mã truy cập có lỗi; giữ nguyên bản cũ:\n" + err.render(),
            "The inventory or tokens file is invalid; the old one stays:\n" + err.render(),
        ) from None
    edits = await asyncio.to_thread(c.store.readiness_edits)
    c.use_inventory(new, edits)  # the web UI's readiness edits stay over the new YAML
    if entries is not None:
        request.app[AUTH].replace(entries)
    details = {"sites": len(new.sites), "readiness_edits_ignored": len(c.readiness_ignored)}
    await audit(request, "inventory.reload", str(c.config.inventory), details)
    return _json({"sites": len(new.sites), "tokens": len(request.app[AUTH])})


def _load_tokens(c: Collector, site_keys: set[str]) -> Any:
    from collector import tokens

    path = c.config.tokens_file
    return tokens.load(path, site_keys) if path is not None else None


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/openapi.json", openapi)
    r.add_get("/api/v1/whoami", whoami)
    r.add_get("/api/v1/sites", sites)
    r.add_get("/api/v1/sites/{key}", site)
    r.add_get("/api/v1/sites/{key}/findings", site_findings)
    r.add_get("/api/v1/sites/{key}/events", site_events)
    r.add_get("/api/v1/sites/{key}/notes", notes)
    r.add_post("/api/v1/sites/{key}/notes", add_note)
    r.add_get("/api/v1/findings", findings)
    r.add_get("/api/v1/targets", targets)
    r.add_get("/api/v1/inventory", inventory)
    r.add_post("/api/v1/inventory/reload", reload_inventory)
    r.add_post("/api/v1/survey", add_survey)
    r.add_get("/api/v1/survey", survey_points)
    r.add_get("/api/v1/dead-zone-points", dead_zone_points)
    r.add_get("/api/v1/evaluation", evaluation)
    r.add_get("/api/v1/months", months)
    r.add_get("/api/v1/audit", audit_log)
