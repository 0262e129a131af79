"""The monthly reports over HTTP: downloads, the index of those kept, and the page "Báo cáo
tháng" (``/reports``).

- ``GET /api/v1/reports?month=YYYY-MM&format=docx|pdf|xlsx|csv|json``: the report (or central
  export) of the month; every role may read it (the findings it prints are what every role
  reads).  A token limited to some sites gets a report of those sites only: a technician of
  the sites it writes for (as always), a viewer or security reviewer scoped to some sites or
  communes of the sites it may read (a province-wide report names every commune, which such a
  token may not read; a report of its own sites is what a commune's police need, so it is
  served rather than refused).  The
  report kept of the month's findings as they are now is served; when there is none (or the
  findings were evaluated again since) it is written first, kept and audited
  (``report.write`` / ``report.export``, with the token's name), by
  :func:`collector.report.archive.kept_or_write`.  A download itself is a read and, like every
  read of the API, is not audited (the audit log records writes).
- ``GET /api/v1/reports/index``: the reports kept (a token limited to some sites: those of
  its sites' scope),
  with their SHA-256; who wrote each only for the roles that read the audit log.
"""

from __future__ import annotations

import asyncio
import html
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from collector.context import Collector
from collector.periods import Month
from collector.report import MEDIA_TYPES, archive, central
from collector.store.reports import ReportRecord
from collector.web import views
from collector.web.auth import COLLECTOR, Principal, allowed, principal_of, read_scope
from collector.web.errors import api_error


def _sites(c: Collector, principal: Principal) -> frozenset[str] | None:
    """The sites a report for ``principal`` covers: None (every site) but for a technician
    (its sites) and a token scoped to some sites (those it may read)."""
    if principal.role == "technician":
        return principal.sites
    return read_scope(principal, (s.key for s in c.inventory.sites))


def _month(request: web.Request) -> Month:
    text = request.query.get("month", "")
    try:
        month = Month.parse(text)
    except ValueError:
        raise api_error(
            400,
            "bad_month",
            f"month: cần tháng dạng YYYY-MM (vd. 2026-11), không phải '{text}'",
            f"month: expected a month written YYYY-MM (e.g. 2026-11), not '{text}'",
        ) from None
    return month


def _format(request: web.Request) -> str:
    fmt = request.query.get("format", "")
    if fmt not in archive.ALL_FORMATS:
        listed = ", ".join(archive.ALL_FORMATS)
        raise api_error(
            400,
            "bad_format",
            f"format: cần một trong {listed}, không phải '{fmt}'",
            f"format: expected one of {listed}, not '{fmt}'",
        )
    return fmt


def _written(c: Collector, principal: Principal, month: Month, fmt: str) -> archive.WrittenReport:
    mapping = (
        central.load_mapping(c.config.reports.central_mapping) if fmt in ("csv", "json") else None
    )
    return archive.kept_or_write(
        c.store,
        c.inventory,
        c.catalogue,
        month,
        fmt,
        time.time(),
        sites=_sites(c, principal),
        by=principal.name,
        role=principal.role,
        directory=archive.reports_dir(c.config),
        mapping=mapping,
        certificate_days=c.config.alertmanager.certificate_warning_days,
    )


async def download(request: web.Request) -> web.Response:
    principal = principal_of(request)
    month, fmt = _month(request), _format(request)
    c = request.app[COLLECTOR]
    try:
        written = await asyncio.to_thread(_written, c, principal, month, fmt)
    except archive.NoFindings:
        raise api_error(
            404,
            "no_month",
            f"Chưa có kết quả đánh giá tháng {month.label}",
            f"No findings kept for {month}",
        ) from None
    body = await asyncio.to_thread(Path(written.record.path).read_bytes)
    return web.Response(
        body=body,
        headers={
            "Content-Type": MEDIA_TYPES[fmt],
            "Content-Disposition": f'attachment; filename="{written.download_name}"',
            "X-Report-SHA256": written.record.sha256,
            "Cache-Control": "no-store",
        },
    )


def record(r: ReportRecord, *, who: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "month": r.month,
        "format": r.format,
        "scope": r.scope,
        "file": r.file_name,
        "sha256": r.sha256,
        "size": r.size,
        "written_at": views.iso(r.written_at),
        "scheduled": r.scheduled,
        "findings_evaluated_at": views.iso(r.evaluated_at),
    }
    if who:
        found["written_by"] = r.written_by
    return found


async def index(request: web.Request) -> web.Response:
    principal = principal_of(request)
    c = request.app[COLLECTOR]
    sites = _sites(c, principal)
    scope = archive.scope_of(sites) if sites is not None else None
    kept = await asyncio.to_thread(c.store.reports, None, None, scope)
    who = allowed(principal, "read_audit")
    return web.json_response({"reports": [record(r, who=who) for r in reversed(kept)]})


_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo tháng — sansang</title>
<style>body{{font-family:system-ui,"DejaVu Sans",sans-serif;margin:1em 1.5em;font-size:14px}}
table{{border-collapse:collapse}} td,th{{text-align:left;padding:.25em .5em;
border-bottom:1px solid #ddd}} code{{font-size:.8em;word-break:break-all}}</style></head>
<body><main>
<p><a href="/">← Bảng tỉnh</a></p>
<h1>Báo cáo tháng</h1>
<p>Báo cáo định kỳ hằng tháng (RPT-MONTHLY) và tệp số liệu gửi Hệ thống giám sát, đánh giá
của Ban Chỉ đạo Trung ương (RPT-CENTRAL), từ kết quả đánh giá đã lưu của từng tháng.{scope}</p>
<table><thead><tr><th>Tháng</th><th>Báo cáo</th><th>Số liệu Trung ương</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>Các tệp đã viết</h2>
<table><thead><tr><th>Tháng</th><th>Tệp</th><th>Viết lúc</th><th>SHA-256</th></tr></thead>
<tbody>{kept}</tbody></table>
</main></body></html>
"""


def _when(unix: float) -> str:
    from datetime import datetime

    from sansang.i18n import ZONE

    return datetime.fromtimestamp(unix, ZONE).strftime("%d/%m/%Y %H:%M")


async def page(request: web.Request) -> web.Response:
    principal = principal_of(request)
    c = request.app[COLLECTOR]
    months = await asyncio.to_thread(c.store.months)
    sites = _sites(c, principal)
    scope = archive.scope_of(sites) if sites is not None else None
    kept = await asyncio.to_thread(c.store.reports, None, None, scope)

    def links(month: Month, formats: tuple[str, ...]) -> str:
        return " · ".join(
            f'<a href="/api/v1/reports?month={month}&amp;format={f}">{f.upper()}</a>'
            for f in formats
        )

    rows = (
        "".join(
            f"<tr><td>{m.label}</td><td>{links(m, ('docx', 'pdf', 'xlsx'))}</td>"
            f"<td>{links(m, ('csv', 'json'))}</td></tr>"
            for m in sorted(months, reverse=True)
        )
        or '<tr><td colspan="3">Chưa có tháng nào được lưu kết quả.</td></tr>'
    )
    files = (
        "".join(
            f"<tr><td>{Month.parse(r.month).label}</td><td>{html.escape(r.file_name)}</td>"
            f"<td>{_when(r.written_at)}</td><td><code>{r.sha256}</code></td></tr>"
            for r in reversed(kept)
        )
        or '<tr><td colspan="4">Chưa viết báo cáo nào.</td></tr>'
    )
    note = " Báo cáo chỉ gồm các điểm của mã truy cập này." if sites is not None else ""
    body = _PAGE.format(scope=note, rows=rows, kept=files)
    return web.Response(text=body, content_type="text/html", charset="utf-8")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/reports", download)
    app.router.add_get("/api/v1/reports/index", index)
    app.router.add_get("/reports", page)
