"""The agent's HTTP endpoints (aiohttp).

- ``/metrics``: Prometheus text format, or OpenMetrics when the scraper asks for it;
- ``/healthz``: liveness, never authenticated, says nothing about the site;
- ``/``: the status page (Vietnamese; ``?lang=en`` for English);
- ``/api/v1/events?after=SEQ&limit=N``: the journal, for the collector.

With a web config, every endpoint but ``/healthz`` requires its credentials, over TLS when set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from agent import clock
from agent.journal import Journal
from agent.statuspage import StatusPage
from agent.webconfig import Authenticator

MAX_EVENTS_PER_PAGE = 5000

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(
    registry: CollectorRegistry,
    journal: Journal,
    status: StatusPage,
    site_key: str,
    auth: Authenticator,
) -> web.Application:
    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != "/healthz" and not auth.allows(request.headers.get("Authorization")):
            raise web.HTTPUnauthorized(
                headers={"WWW-Authenticate": 'Basic realm="sansang", charset="UTF-8"'},
                text="401 Unauthorized\n",
            )
        return await handler(request)

    async def metrics(request: web.Request) -> web.Response:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        body = await asyncio.to_thread(encoder, registry)
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def index(request: web.Request) -> web.Response:
        lang = "en" if request.query.get("lang") == "en" else "vi"
        events = await asyncio.to_thread(journal.tail, 15)
        html = status.render(lang, clock.wall(), events, journal.pending())
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def events(request: web.Request) -> web.Response:
        try:
            after = int(request.query.get("after", "0"))
            limit = int(request.query.get("limit", "1000"))
        except ValueError as err:
            raise web.HTTPBadRequest(text="after and limit must be integers\n") from err
        if after < 0 or not 1 <= limit <= MAX_EVENTS_PER_PAGE:
            raise web.HTTPBadRequest(
                text=f"after must be >= 0 and limit between 1 and {MAX_EVENTS_PER_PAGE}\n"
            )
        page = await asyncio.to_thread(journal.read, after, limit)
        last = await asyncio.to_thread(journal.last_seq)
        first = await asyncio.to_thread(journal.first_seq)
        return web.json_response(
            {
                "site": site_key,
                "events": [e.to_json(site_key) for e in page],
                "next_after": page[-1].seq if page else after,
                "last_seq": last,
                # When `after` is older than the oldest kept event, events were pruned unseen.
                "first_seq": first,
            },
            dumps=_dumps,
        )

    app = web.Application(middlewares=[authenticate])
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", index)
    app.router.add_get("/api/v1/events", events)
    return app


def _dumps(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
