"""``/-/healthy`` and ``/-/ready``, the probes Prometheus' own servers and Kubernetes expect, for
the agent's and the collector's HTTP servers alike.

- ``/-/healthy``: 200 ``OK`` whenever the process answers at all (liveness: restart me if not);
- ``/-/ready``: 200 ``OK`` once the process can do its job (the agent: config loaded and journal
  open; the collector: store open and inventory loaded), else 503 with a short reason in
  Vietnamese then English (readiness: send me no traffic yet, or no more).

Neither asks for credentials (a kubelet or a load balancer has none) and neither says anything
about a site: the bodies are fixed words.  Both answer GET and HEAD.  ``/healthz`` stays where
it was (compose files and older checks use it).
"""

from __future__ import annotations

from aiohttp import web

HEALTHY = "/-/healthy"
READY = "/-/ready"
PATHS = frozenset({HEALTHY, READY})

# The reasons a process is not ready, "vi / en" as the CLI prints them.
STARTING = ("đang khởi động", "starting")
STOPPING = ("đang dừng", "stopping")


class Readiness:
    """Whether the process is ready, and why not: set by whoever opens and closes what it needs
    (``run_agent``, ``run_collector``), read by ``/-/ready`` on every request."""

    def __init__(self, not_ready: tuple[str, str] | None = STARTING) -> None:
        self._reason = not_ready

    @property
    def reason(self) -> tuple[str, str] | None:
        """(vi, en) while not ready, None when ready."""
        return self._reason

    def set_ready(self) -> None:
        self._reason = None

    def set_not_ready(self, reason: tuple[str, str]) -> None:
        self._reason = reason


def add_routes(app: web.Application, readiness: Readiness) -> None:
    """GET (and HEAD, aiohttp adds it) ``/-/healthy`` and ``/-/ready`` on ``app``; the caller
    exempts :data:`PATHS` from its authentication."""

    async def healthy(request: web.Request) -> web.Response:
        return web.Response(text="OK\n", headers={"Cache-Control": "no-store"})

    async def ready(request: web.Request) -> web.Response:
        reason = readiness.reason
        if reason is None:
            return web.Response(text="OK\n", headers={"Cache-Control": "no-store"})
        vi, en = reason
        return web.Response(
            status=503,
            text=f"Chưa sẵn sàng: {vi} / Not ready: {en}\n",
            headers={"Cache-Control": "no-store"},
        )

    app.router.add_get(HEALTHY, healthy)
    app.router.add_get(READY, ready)
