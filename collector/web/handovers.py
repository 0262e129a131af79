"""Handover records (biên bản bàn giao) over HTTP: technicians upload the record that ``sansang
agent diagnose --out`` wrote (``sansang agent upload-record``), the collector keeps it as a note
on the site and shows it on its own page (docs/handover.md).

- ``POST /api/v1/sites/{key}/handovers``: the record's JSON (at most :data:`MAX_BODY_BYTES`),
  with ``write_notes`` for the site (a technician only for the sites of its token, as a note);
  validated by :mod:`sansang.handover` (400 naming the fields), the path's site equal to the
  record's, the content hash recomputed here equal to the record's (400 otherwise).  201 with
  the new entry; the same record again is 200 with the entry already kept (no second note).
- ``GET /api/v1/sites/{key}/handovers`` (newest first) and ``.../handovers/{hash}`` (with the
  record): every role that reads the site.
- ``GET /sites/{key}/handovers/{hash}``: the record as a page, rendered from the stored JSON
  with the collector's autoescaped templates.  The uploaded HTML itself is never stored nor
  served: it comes from outside.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from aiohttp import web

from collector.store import HandoverEntry
from collector.web import ui, views
from collector.web.api import _int_param, _json, _json_body, _site_or_404
from collector.web.auth import COLLECTOR, audit, principal_of, require_write
from collector.web.errors import api_error
from sansang import handover as h
from sansang.i18n import Lang

MAX_BODY_BYTES = 1024 * 1024  # 500 checks of long words fit in well under this
_HASH = re.compile(h.HASH_PATTERN)


def entry_view(entry: HandoverEntry) -> dict[str, Any]:
    """A kept record as the API writes it (without the record itself)."""
    first = None
    if entry.first_failure_layer is not None:
        first = {
            "layer": entry.first_failure_layer,
            "layer_name": h.layer_name(entry.first_failure_layer),
            "name": entry.first_failure_name,
        }
    return {
        "site": entry.site,
        "hash": entry.content_hash,
        "note_id": entry.note_id,
        "received_at": views.iso(entry.received_at),
        "author": entry.author,
        "technician": entry.technician,
        "finished_at": views.iso(entry.finished_at),
        "counts": {
            "ok": entry.passed,
            "warn": entry.warned,
            "fail": entry.failed,
            "skip": entry.skipped,
        },
        "first_failure": first,
        "page": f"/sites/{entry.site}/handovers/{entry.content_hash}",
    }


def _record_of(body: Any, key: str) -> h.HandoverRecord:
    """The body as a verified record of site ``key``; 400 naming what is wrong."""
    try:
        record = h.validate(body)
    except h.HandoverError as err:
        raise api_error(400, "bad_handover", err.vi, err.en) from None
    if record.site != key:
        raise api_error(
            400,
            "wrong_site",
            f"Biên bản của điểm '{record.site}', không phải của '{key}'",
            f"The record is of site '{record.site}', not of '{key}'",
        )
    try:
        h.verify(record)
    except h.HandoverError as err:
        raise api_error(400, "bad_hash", err.vi, err.en) from None
    return record


async def add_handover(request: web.Request) -> web.Response:
    c, key = request.app[COLLECTOR], request.match_info["key"]
    # As a note: refused (and audited) before the site is looked up.
    principal = await require_write(request, "write_notes", "handover.create", key, site=key)
    if c.site(key) is None:
        raise api_error(404, "no_site", f"Không có điểm '{key}'", f"No site '{key}'")
    record = _record_of(await _json_body(request, MAX_BODY_BYTES), key)
    entry, created = await asyncio.to_thread(
        c.store.add_handover, record, principal.name, time.time()
    )
    details = {"hash": entry.content_hash, "note_id": entry.note_id, "new": created}
    await audit(request, "handover.create", key, details)
    return _json(entry_view(entry), status=201 if created else 200)


async def list_handovers(request: web.Request) -> web.Response:
    c, key = _site_or_404(request)
    limit = _int_param(request, "limit", 50, 1, 500)
    found = await asyncio.to_thread(c.store.handovers, key, limit)
    return _json({"site": key, "handovers": [entry_view(e) for e in found]})


async def _kept(c: Any, key: str, digest: str) -> tuple[HandoverEntry, h.HandoverRecord] | None:
    if not _HASH.match(digest):
        return None
    found = await asyncio.to_thread(c.store.handover, key, digest)
    if found is None:
        return None
    entry, text = found
    return entry, h.parse(text)


async def get_handover(request: web.Request) -> web.Response:
    c, key = _site_or_404(request)
    kept = await _kept(c, key, request.match_info["hash"])
    if kept is None:
        raise api_error(
            404,
            "no_handover",
            f"Điểm '{key}' không có biên bản này",
            f"Site '{key}' has no such handover record",
        )
    entry, record = kept
    return _json({**entry_view(entry), "record": record.model_dump(mode="json")})


# --- the page -------------------------------------------------------------------------------


def page_rows(record: h.HandoverRecord, lang: Lang) -> list[dict[str, Any]]:
    """The record's checks grouped by layer (bottom up), for the template."""
    groups = []
    for layer in h.LAYERS:
        mine = [r for r in record.results if r.layer == layer]
        if not mine:
            continue
        found = {r.status for r in mine}
        status = next((s for s in ("fail", "warn", "ok") if s in found), "skip")
        groups.append(
            {
                "layer": layer,
                "name": h.layer_name(layer, lang),
                "status": status,
                "checks": mine,
            }
        )
    return groups


async def handover_page(request: web.Request) -> web.Response:
    c = request.app[COLLECTOR]
    principal = principal_of(request)
    site = ui._site_or_404(c, request)
    lang: Lang = "en" if request.query.get("lang") == "en" else "vi"
    kept = await _kept(c, site.key, request.match_info["hash"])
    if kept is None:
        raise web.HTTPNotFound(text="Không có biên bản này / no such handover record")
    entry, record = kept
    other = "?lang=en" if lang == "vi" else "?"
    context = ui._common(lang, principal, other)
    context.update(
        vi=lang == "vi",
        site=site,
        entry=entry,
        record=record,
        groups=page_rows(record, lang),
        status_word=lambda s: h.status_word(s, lang),
        status_symbols=h.STATUS_SYMBOLS,
        layer_name=lambda layer: h.layer_name(layer, lang),
        counts=h.counts_text(record, lang),
        first_failure=h.first_failure_text(record, lang),
        local=h.when,
    )
    html = ui._ENV.get_template("handover.html").render(context)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/v1/sites/{key}/handovers", add_handover)
    r.add_get("/api/v1/sites/{key}/handovers", list_handovers)
    r.add_get("/api/v1/sites/{key}/handovers/{hash}", get_handover)
    r.add_get("/sites/{key}/handovers/{hash}", handover_page)
