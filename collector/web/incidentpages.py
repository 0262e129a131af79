"""The incident pages: ``/incidents`` (open first, the overdue deadline in red; a form to record
one by hand) and ``/incidents/{id}`` (facts, timeline, the buttons), Vietnamese first
(``?lang=en``).  The forms POST to ``/incidents`` and ``/incidents/{id}/{ack,restore,report,
notes}``, checked, stored and audited as the API's writes (:mod:`collector.web.incidents`), then
back to the page (303).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from collector.incidents.model import INCIDENT_KINDS, Incident
from collector.web import incidentviews as iv
from collector.web import ui
from collector.web.auth import (
    COLLECTOR,
    Permission,
    Principal,
    allowed,
    may_read_site,
    principal_of,
)
from collector.web.incidents import (
    ACTIONS,
    MAX_NOTE_CHARS,
    MAX_REF_CHARS,
    Invalid,
    act,
    filter_of,
    id_of,
    listed,
    readable_incident,
    record,
    report_days,
    sites_of,
)
from sansang.i18n import Lang


def _lang(request: web.Request) -> Lang:
    return "en" if request.query.get("lang") == "en" else "vi"


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _context(principal: Principal, lang: Lang) -> dict[str, Any]:
    other = "?lang=en" if lang == "vi" else "?"
    context = ui._common(lang, principal, other)  # the pages' shared words and colours
    context.update(it=lambda key, **v: iv.t(key, lang, **v), kinds=INCIDENT_KINDS)
    return context


async def list_page(request: web.Request) -> web.Response:
    c, principal, lang = request.app[COLLECTOR], principal_of(request), _lang(request)
    f = filter_of(request, c, principal)
    found = await asyncio.to_thread(listed, c, principal, f)
    days, now, sites = report_days(c), time.time(), sites_of(c)
    context = _context(principal, lang)
    context.update(
        rows=[iv.row(i, days, now, sites, lang) for i in found],
        open_only=f.open_only,
        days=days,
        can_record=allowed(principal, "write_incidents"),
        record_sites=[s for s in c.inventory.sites if may_read_site(principal, s.key)],
        kind_names={k: names[0 if lang == "vi" else 1] for k, names in INCIDENT_KINDS.items()},
    )
    return _html(ui._ENV.get_template("incidents.html").render(context))


def _may(principal: Principal, incident: Incident, permission: Permission) -> bool:
    return allowed(principal, permission, incident.site)


async def detail_page(request: web.Request) -> web.Response:
    c, principal, lang = request.app[COLLECTOR], principal_of(request), _lang(request)
    try:
        incident = await readable_incident(request, c, id_of(request))
    except web.HTTPNotFound:
        raise web.HTTPNotFound(text=f"Không có sự cố {request.match_info['id']}") from None
    days, now = report_days(c), time.time()
    context = _context(principal, lang)
    context.update(
        i=incident,
        row=iv.row(incident, days, now, sites_of(c), lang),
        timeline=iv.timeline(incident, days, now, lang),
        can_write=_may(principal, incident, "write_incidents"),
        can_note=_may(principal, incident, "write_incident_notes"),
        note_max=MAX_NOTE_CHARS,
        ref_max=MAX_REF_CHARS,
        days=days,
    )
    return _html(ui._ENV.get_template("incident.html").render(context))


def _form(what: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        try:
            incident, _changed = await act(request, what)
        except Invalid as err:
            raise web.HTTPBadRequest(text=f"{err.vi} / {err.en}") from None
        suffix = "?lang=en" if _lang(request) == "en" else ""
        raise web.HTTPSeeOther(f"/incidents/{incident.id}{suffix}")

    return handler


async def record_form(request: web.Request) -> web.Response:
    try:
        incident = await record(request)
    except Invalid as err:
        raise web.HTTPBadRequest(text=f"{err.vi} / {err.en}") from None
    raise web.HTTPSeeOther(f"/incidents/{incident.id}")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/incidents", list_page)
    r.add_post("/incidents", record_form)
    r.add_get("/incidents/{id}", detail_page)
    for what in ACTIONS:
        r.add_post(f"/incidents/{{id}}/{what}", _form(what))
