"""The collector's HTTP side: the ingest (``collector.ingest.push``), the REST API (``api.py``),
``/metrics`` (``metrics.py``), ``/healthz``, ``/-/healthy`` and ``/-/ready``
(``sansang/health.py``), the HTML pages (``ui.py``), login and roles (``auth.py``),
incidents and Alertmanager's webhook (``incidents.py``, pages ``incidentpages.py``), readiness
records edited (``readinessforms.py``), the incident playbooks (``playbooks.py``), the
technicians' handover records (``handovers.py``).

    app = build_app(c)      # every route, behind the auth middleware
"""

from __future__ import annotations

import json
import logging
import time

from aiohttp import web
from sqlalchemy.exc import OperationalError

from collector import tokens
from collector.context import Collector
from collector.web import (
    api,
    auth,
    handovers,
    incidentpages,
    incidents,
    metrics,
    playbooks,
    readinessforms,
    reports,
)
from collector.web.auth import AUTH, COLLECTOR, Auth, Handler
from collector.web.errors import api_error
from sansang import health

log = logging.getLogger(__name__)
READINESS = web.AppKey("sansang_readiness", health.Readiness)  # what /-/ready answers
RETRY_AFTER_SECONDS = 10  # a 503's Retry-After: a locked or restarting database is back by then


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own 404 and 405 under ``/api/`` as the API's JSON errors; the database locked,
    unreachable or full as a 503 with ``Retry-After`` (the request was fine: ask again)."""
    try:
        return await handler(request)
    except OperationalError as err:
        log.error("%s %s: database unavailable: %s", request.method, request.path, err.orig)
        raise api_error(
            503,
            "store_unavailable",
            "Cơ sở dữ liệu tạm thời không dùng được, thử lại sau",
            "The database is unavailable for now, try again later",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    except web.HTTPException as err:
        plain = err.content_type != "application/json"
        if plain and request.path.startswith("/api/") and err.status in (404, 405):
            if err.status == 404:
                raise api_error(
                    404, "not_found", "Không có đường dẫn này", "No such path"
                ) from None
            allowed = sorted(getattr(err, "allowed_methods", ()))
            body = json.dumps(
                {
                    "error": {
                        "code": "method_not_allowed",
                        "vi": f"Không dùng được {request.method} ở đây",
                        "en": f"{request.method} is not allowed here",
                    }
                },
                ensure_ascii=False,
            )
            raise web.HTTPMethodNotAllowed(
                request.method, allowed, text=body, content_type="application/json"
            ) from None
        raise


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """No framing (the note forms), no MIME sniffing, no URL leaking to other sites; API answers
    (personal data for some roles) are never cached."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


def make_auth(c: Collector) -> Auth:
    """The tokens of ``tokens_file`` (none: every request but /healthz and the ingest is 401)."""
    path = c.config.tokens_file
    entries = tokens.load(path, {s.key for s in c.inventory.sites}) if path else []
    return Auth(entries, public_url=c.config.public_url)


def build_app(c: Collector, auth_: Auth | None = None) -> web.Application:
    """Every route.  ``/-/ready`` answers ``app[READINESS]``: ready, as ``c`` holds an open store
    and the loaded inventory, until ``run_collector`` says it stops."""
    from collector.ingest import push
    from collector.web import ui

    app = web.Application(
        middlewares=[_json_errors, auth.middleware],
        client_max_size=c.config.ingest.max_body_bytes + 64 * 1024,
    )
    app[COLLECTOR] = c
    app.on_response_prepare.append(_security_headers)
    app[AUTH] = auth_ or make_auth(c)
    app[metrics.STARTED_AT] = time.time()
    app.router.add_get("/healthz", _healthz)
    app[READINESS] = health.Readiness(not_ready=None)
    health.add_routes(app, app[READINESS])  # /-/healthy, /-/ready: no token (auth.PUBLIC)
    app.router.add_get("/metrics", metrics.metrics)
    auth.add_routes(app)
    api.add_routes(app)
    reports.add_routes(app)
    incidents.add_routes(app)
    incidentpages.add_routes(app)
    readinessforms.add_routes(app)  # plans, drills, teams edited (write_readiness)
    playbooks.add_routes(app)  # the incident playbooks, every role
    handovers.add_routes(app)  # technicians' handover records (biên bản bàn giao)
    push.add_routes(app, c)
    ui.add_routes(app, c)
    return app
