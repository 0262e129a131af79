"""The agent's HTTP endpoints (aiohttp).

- ``/metrics``: Prometheus text format, or OpenMetrics when the scraper asks for it: the
  catalogue's families, then ``sansang_build_info``, ``process_*`` and ``python_info``
  (``sansang/standard_metrics.py``);
- ``/healthz``: liveness, never authenticated, says nothing about the site;
- ``/-/healthy`` and ``/-/ready``: the Prometheus/Kubernetes probes (``sansang/health.py``):
  ready once the config is loaded and the journal open; never authenticated;
- ``/``: the status page (Vietnamese; ``?lang=en`` for English);
- ``/api/v1/events?after=SEQ&limit=N``: the journal, for the collector.
- ``/playbooks/``, ``/playbooks/<kind>``: the incident playbooks, offline (``playbooks.py``).

With a web config, every endpoint but those three probes requires credentials, over TLS when set.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from agent import clock
from agent.config.web import Authenticator
from agent.journal.store import Journal
from agent.web import playbooks
from agent.web.status import StatusPage
from sansang import exposition, health, i18n, standard_metrics
from sansang.events import SCHEMA_VERSION

MAX_EVENTS_PER_PAGE = 5000
_MAX_SEQ = 2**63 - 1  # SQLite's largest integer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Scrape = Callable[[], Iterable[exposition.Family]]
UNAUTHENTICATED = frozenset({"/healthz", *health.PATHS})  # probes of liveness and readiness


def build_app(
    scrape: Scrape,
    journal: Journal,
    status: StatusPage,
    site_key: str,
    auth: Authenticator,
    readiness: health.Readiness | None = None,
) -> web.Application:
    """The app; ``readiness`` is what ``/-/ready`` answers (None: ready, as the journal given is
    open and the site's config loaded; ``run_agent`` passes its own to say when it stops)."""
    if readiness is None:
        readiness = health.Readiness(not_ready=None)

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path not in UNAUTHENTICATED and not await auth.allows_async(
            request.headers.get("Authorization")
        ):
            raise web.HTTPUnauthorized(
                headers={"WWW-Authenticate": 'Basic realm="sansang", charset="UTF-8"'},
                text="401 Unauthorized\n",
            )
        return await handler(request)

    async def metrics(request: web.Request) -> web.Response:
        openmetrics, content_type = exposition.negotiate(request.headers.get("Accept"))
        # In the event loop, not a thread: the probes change the state in this loop, and
        # reading it takes under 2 ms with 200 terminals (nothing here waits for the journal).
        # The catalogue's families, then the standard ones (build, process, platform): names
        # that never meet, so one writer gives one HELP and TYPE per family.
        families = itertools.chain(scrape(), standard_metrics.families())
        body = exposition.render(families, openmetrics=openmetrics)
        response = web.Response(body=body, headers={"Content-Type": content_type})
        # ~150 KiB with 200 terminals: gzip (asked for by Prometheus) matters on a 4G link.
        response.enable_compression()
        return response

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def index(request: web.Request) -> web.Response:
        lang = i18n.choose(request.query.get("lang"))
        events = await asyncio.to_thread(journal.tail, 15)
        html = status.render(lang, clock.wall(), events, journal.pending())
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def events(request: web.Request) -> web.Response:
        after, limit = _page_parameters(request)
        page = await asyncio.to_thread(journal.page, after, limit)
        return web.json_response(
            {
                "schema": SCHEMA_VERSION,
                "site": site_key,
                "journal_id": journal.journal_id,
                # When first_seq > after + 1, events after `after` were pruned before being read.
                "first_seq": page.first_seq,
                "last_seq": page.last_seq,
                "next_after": page.events[-1].seq if page.events else after,
                "events": [e.to_json(site_key) for e in page.events],
            },
            dumps=_dumps,
        )

    app = web.Application(middlewares=[authenticate])
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    health.add_routes(app, readiness)
    app.router.add_get("/", index)
    app.router.add_get("/api/v1/events", events)
    playbooks.add_routes(app)
    return app


def _page_parameters(request: web.Request) -> tuple[int, int]:
    """``after`` (default 0) and ``limit`` (default 1000) of an events request; 400 otherwise."""
    try:
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "1000"))
    except ValueError as err:
        raise web.HTTPBadRequest(text="after and limit must be integers\n") from err
    if not 0 <= after <= _MAX_SEQ or not 1 <= limit <= MAX_EVENTS_PER_PAGE:
        raise web.HTTPBadRequest(
            text=f"after must be >= 0 and limit between 1 and {MAX_EVENTS_PER_PAGE}\n"
        )
    return after, limit


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
