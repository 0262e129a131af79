"""Wire the collector together and run it until SIGTERM or SIGINT (``sansang collector run``).

One process: the store, the loops (pull the reachable agents' journals, evaluate, live values
from Prometheus when ``prometheus.url`` is set, alerts when ``alertmanager.url`` is set) and the
web app (ingest, API, ``/metrics``, HTML pages).  A loop that ends (it should run forever) stops
the process with a failure when it raised, so the service manager restarts it and the log says
why; one that returns (nothing to do, e.g. no site to pull) just ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from collector import config as config_mod
from collector import tokens
from collector.config import CollectorConfig
from collector.context import Collector
from collector.evaluate.rules import THRESHOLDS_READ
from collector.inventory import model as inventory_model
from collector.store import Store
from collector.targets import (
    Catalogue,
    ThresholdValue,
    effective_thresholds,
    load_catalogue,
    load_overrides,
)
from collector.web import READINESS, build_app
from collector.web.auth import Auth
from sansang import health
from sansang.errors import StartupError

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    """Everything read from files before the collector starts; every file checked."""

    config: CollectorConfig
    inventory: inventory_model.Inventory
    catalogue: Catalogue
    thresholds: dict[str, dict[str, ThresholdValue]]
    auth: Auth


def load(path: Path) -> Loaded:
    """Read the config and the files it names; a :class:`ConfigError` names file:line:field."""
    config = config_mod.load(path)
    inventory = inventory_model.load(config.inventory)
    catalogue = load_catalogue(rules=THRESHOLDS_READ)  # each evaluated target's rule checked
    overrides = load_overrides(config.targets, catalogue) if config.targets else None
    thresholds = effective_thresholds(catalogue, overrides)
    entries = (
        tokens.load(config.tokens_file, {s.key for s in inventory.sites})
        if config.tokens_file
        else []
    )
    auth = Auth(entries, public_url=config.public_url)
    return Loaded(config, inventory, catalogue, thresholds, auth)


def _loops(c: Collector) -> dict[str, Coroutine[Any, Any, None]]:
    from collector import alerts, live
    from collector.evaluate import months
    from collector.evaluate import run as evaluate
    from collector.ingest import pull
    from collector.report import archive

    loops: dict[str, Coroutine[Any, Any, None]] = {
        "pull": pull.run_forever(c),
        "evaluate": evaluate.run_forever(c),
        "reports": archive.run_forever(c),  # the previous month's, on reports.day
        "months": months.keep_forever(c),  # findings kept per month (periods:)
    }
    if c.config.prometheus.url:
        loops["live"] = live.refresh_forever(c)
    if c.config.alertmanager.url:
        loops["alerts"] = alerts.run_forever(c)
    return loops


async def _open_store(url: str) -> Store:
    try:
        return await asyncio.to_thread(Store.open, url)
    except Exception as err:  # the driver's own exceptions vary: say what and where
        shown = url.split("@")[-1]  # never the password of a postgresql:// URL
        raise StartupError(
            f"không mở được cơ sở dữ liệu / cannot open the database {shown}: {err}"
        ) from err


async def _serve(c: Collector, auth: Auth) -> tuple[web.AppRunner, str]:
    http = web.AppRunner(build_app(c, auth), access_log=None, handle_signals=False)
    await http.setup()
    try:
        await web.TCPSite(http, c.config.host, c.config.port).start()
    except OSError as err:
        await http.cleanup()
        raise StartupError(
            f"không mở được cổng / cannot listen on {c.config.listen}: {err.strerror or err}"
        ) from err
    host = "127.0.0.1" if c.config.host in ("0.0.0.0", "::", "") else c.config.host  # noqa: S104
    return http, f"http://{host}:{c.config.port}"


async def run_collector(
    loaded: Loaded,
    *,
    on_ready: Callable[[Collector, str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> bool:
    """Serve until ``stop`` (or SIGTERM/SIGINT); False when a loop ended on its own."""
    config = loaded.config
    store = await _open_store(config.database)
    c = Collector(config, loaded.inventory, loaded.catalogue, loaded.thresholds, store)
    try:  # the readiness edited in the web UI, laid over the YAML (collector.inventory.overlay)
        c.use_inventory(loaded.inventory, await asyncio.to_thread(store.readiness_edits))
    except BaseException:
        await asyncio.to_thread(store.close)
        raise
    try:
        http, base = await _serve(c, loaded.auth)
    except StartupError:
        await asyncio.to_thread(store.close)
        raise
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    failed: list[str] = []

    def ended(name: str, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        err = task.exception()
        if err is None:  # e.g. nothing to pull: the loop said so in the log
            log.info("loop %s has nothing (more) to do", name)
            return
        log.error("loop %s failed: %r; stopping", name, err, exc_info=err)
        failed.append(name)
        stop.set()

    tasks = []
    for name, coro in _loops(c).items():
        task = asyncio.create_task(coro, name=f"collector-{name}")
        task.add_done_callback(functools.partial(ended, name))
        tasks.append(task)
    if not len(loaded.auth):
        log.warning("no API tokens (tokens_file): every request but /healthz and ingest gets 401")
    log.info("collector for %d sites serving on %s", len(c.inventory.sites), base)
    if on_ready is not None:
        on_ready(c, base)
    try:
        await stop.wait()
    finally:
        http.app[READINESS].set_not_ready(health.STOPPING)  # the store closes below
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await http.cleanup()
        await asyncio.to_thread(store.close)
        log.info("collector stopped")
    return not failed
