"""The collector's REAL push ingest (``collector.ingest.push.add_routes``) over a real SQLite store,
for the push client's tests: in the test's event loop (:func:`serving`) or as a process of its
own (``python -m tests.support.ingest_server --config collector.yaml``, e.g. inside a network
namespace).

It is the collector's ingest without its other loops (pull, evaluation, alerts): what an agent
that pushes meets.  The config is a collector config file; :func:`write_config` writes one with
an inventory of push sites and their credentials (``credential id -> token``, stored hashed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support import yaml_writer
from tests.support.collector import _sha256, inventory_of


def write_config(
    workdir: Path,
    sites: list[dict[str, Any]],
    credentials: Mapping[str, str],
    *,
    listen: str = "127.0.0.1:9718",
    ingest: Mapping[str, Any] | None = None,
) -> Path:
    """A collector config in ``workdir``: these inventory sites, these push credentials, and
    ``ingest`` options (e.g. ``max_batch_events``)."""
    inventory = workdir / "inventory.yaml"
    inventory.write_text(yaml_writer.dump(inventory_of(*sites)), encoding="utf-8")
    creds = workdir / "credentials.yaml"
    hashed = {cid: _sha256(token) for cid, token in credentials.items()}
    creds.write_text(yaml_writer.dump(hashed), encoding="utf-8")
    config = {
        "listen": listen,
        "database": f"sqlite:///{workdir / 'collector.db'}",
        "inventory": str(inventory),
        "ingest": {"credentials_file": str(creds), **(ingest or {})},
    }
    path = workdir / "collector.yaml"
    path.write_text(yaml_writer.dump(config), encoding="utf-8")
    return path


Seen = list[tuple[str, int, int]]  # (method path, status, events in the request body)


def _recorder(seen: Seen) -> Any:
    """A middleware noting every request, to check what the client sends: the events of a
    stored batch are read from the 200 answer (accepted + duplicates), so the handler reads the
    body itself, as it does in the collector."""

    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        what = f"{request.method} {request.path}"
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as err:
            seen.append((what, err.status, -1))
            raise
        events = -1
        body = getattr(response, "body", None)
        if request.method == "POST" and response.status == 200 and isinstance(body, bytes):
            answer = json.loads(body)
            events = int(answer["accepted"]) + int(answer["duplicates"])
        seen.append((what, response.status, events))
        return response

    return record


def build(config_path: Path, seen: Seen | None = None) -> tuple[web.Application, Any]:
    """The aiohttp app with the real ingest routes, and its ``Collector``; every request is
    noted in ``seen`` when given."""
    from collector import config as collector_config
    from collector.context import Collector
    from collector.ingest.push import add_routes
    from collector.inventory import model
    from collector.store import Store
    from collector.targets import effective_thresholds, load_catalogue

    config = collector_config.load(config_path)
    catalogue = load_catalogue()
    c = Collector(
        config=config,
        inventory=model.load(config.inventory),
        catalogue=catalogue,
        thresholds=effective_thresholds(catalogue),
        store=Store.open(config.database),
    )
    app = web.Application(middlewares=[_recorder(seen)] if seen is not None else [])
    add_routes(app, c)

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    app.router.add_get("/healthz", healthz)
    return app, c


@asynccontextmanager
async def serving(
    config_path: Path,
    host: str,
    port: int,
    seen: Seen | None = None,
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[Any]:
    """Serve the ingest in this event loop (over TLS with ``tls``); yields the ``Collector``
    (its store to look into)."""
    app, c = build(config_path, seen)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, ssl_context=tls).start()
        yield c
    finally:
        await runner.cleanup()
        c.store.close()


async def _main(config_path: Path) -> None:
    from collector import config as collector_config

    config = collector_config.load(config_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with serving(config_path, config.host, config.port):
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, type=Path)
    asyncio.run(_main(parser.parse_args().config))
