"""Wire the agent together and run it until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from agent import clock
from agent.config import AgentConfig, PowerConfig
from agent.jobs import build_jobs
from agent.journal.push import PushClient
from agent.journal.store import Journal
from agent.links.bandwidth.scheduler import start_speedtests, stop_speedtests
from agent.metrics.exporter import AgentCollector, AgentIdentity
from agent.power.site import SitePower
from agent.power.tracker import PowerPolicy
from agent.runner import Runner
from agent.state import SiteState
from agent.web.live_config import LiveWebConfig
from agent.web.server import build_app
from agent.web.status import StatusPage
from sansang import __version__, health
from sansang.errors import StartupError
from sansang.events import Change

log = logging.getLogger(__name__)

CLOCK_STEP_THRESHOLD_SECONDS = 2.0
_MAINTENANCE_INTERVAL = 10.0
_PRUNE_INTERVAL = 3600.0


@dataclass
class RunningAgent:
    """Handles a caller (the CLI, a test, the benchmark) gets once the agent serves."""

    config: AgentConfig
    journal: Journal
    state: SiteState
    runner: Runner
    urls: list[str]


async def run_agent(
    config: AgentConfig,
    *,
    on_ready: Callable[[RunningAgent], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    boot_id = clock.boot_id()
    try:
        journal = Journal.from_config(config.journal, boot_id=boot_id)
    except OSError as err:
        raise StartupError(
            f"không mở được nhật ký / cannot open the journal {config.journal.path}: "
            f"{err.strerror or err}"
        ) from err
    started_at = clock.wall()
    if journal.set_aside is not None:
        journal.append("journal_reset", "journal", details={"set_aside": str(journal.set_aside)})
    journal.append(
        "agent_started",
        "agent",
        details={"version": __version__, "pid": os.getpid(), "run_id": str(uuid.uuid4())},
    )
    jobs = build_jobs(config)
    power = SitePower([s.id for s in config.power.sources], power_policy(config.power), boot_id)
    for c in power.resume(journal, clock.wall()):
        journal.append(c.kind, c.subject, c.state, c.value, c.details)
    state = SiteState(jobs, config.site.service_hours.is_open, power, links=config.links)

    async def journal_changes(changes: list[Change]) -> None:
        for c in changes:
            await asyncio.to_thread(journal.append, c.kind, c.subject, c.state, c.value, c.details)

    runner = Runner(jobs, state, journal_changes, start_spread=config.probes.start_spread)
    push = _push_client(config, journal)
    push_stats = push.stats if push is not None else None
    identity = AgentIdentity(config.site, boot_id, started_at)
    collector = AgentCollector(identity, state, journal, push_stats)

    web_cfg = LiveWebConfig(config.server.web_config_file)
    # Ready from the first request: the config is loaded and the journal open by now.
    readiness = health.Readiness(not_ready=None)
    app = build_app(
        collector.families,
        journal,
        StatusPage(config.site, state, push_stats),
        config.site.key,
        web_cfg.auth,
        readiness,
    )
    app.on_response_prepare.append(web_cfg.add_headers)
    http = web.AppRunner(app, access_log=None, handle_signals=False)
    await http.setup()
    tls = web_cfg.tls
    try:
        await web.TCPSite(http, config.server.host, config.server.port, ssl_context=tls).start()
    except OSError as err:
        await http.cleanup()
        journal.close()
        raise StartupError(
            f"không mở được cổng / cannot listen on {config.server.listen}: {err.strerror or err}"
        ) from err
    scheme = "https" if tls else "http"
    shown_host = "127.0.0.1" if config.server.host in ("0.0.0.0", "::", "") else config.server.host  # noqa: S104
    base = f"{scheme}://{shown_host}:{config.server.port}"
    urls = [f"{base}/", f"{base}/metrics", f"{base}/api/v1/events?after=0&limit=100"]

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    runner.start()
    maintenance = asyncio.create_task(_maintain(journal), name="journal-maintenance")
    speedtests = start_speedtests(config, journal, state)
    pushing = asyncio.create_task(push.run(), name="push") if push is not None else None
    web_reload = asyncio.create_task(web_cfg.watch(), name="web-config-reload")
    if on_ready is not None:
        on_ready(RunningAgent(config, journal, state, runner, urls))
    log.info("agent for %s serving on %s", config.site.key, base)
    try:
        await stop.wait()
    finally:
        readiness.set_not_ready(health.STOPPING)  # the journal closes below
        maintenance.cancel()
        web_reload.cancel()
        if pushing is not None:
            pushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pushing
        await stop_speedtests(speedtests)
        await runner.stop()
        await http.cleanup()
        for c in power.close(clock.wall(), clock.monotonic_ns()):
            journal.append(c.kind, c.subject, c.state, c.value, c.details)
        journal.append("agent_stopped", "agent")
        journal.close()


def _push_client(config: AgentConfig, journal: Journal) -> PushClient | None:
    """The push client when ``push:`` is set; its ca_file must be readable (a config error)."""
    if config.push is None:
        return None
    try:
        return PushClient(config.push, journal, config.site.key)
    except (OSError, ssl.SSLError) as err:
        journal.close()
        raise StartupError(
            f"không đọc được chứng chỉ CA / cannot read push.ca_file {config.push.ca_file}: {err}"
        ) from err


def power_policy(config: PowerConfig) -> PowerPolicy:
    return PowerPolicy(
        config.sustained_after,
        config.flapping_changes,
        config.flapping_window,
        config.silent_depletion_grace,
    )


async def _maintain(journal: Journal) -> None:
    """Retry events waiting in memory, apply retention, and journal wall-clock steps."""
    offset = clock.wall() - clock.monotonic_ns() / 1e9
    since_prune = 0.0
    while True:
        await asyncio.sleep(_MAINTENANCE_INTERVAL)
        if journal.pending():
            await asyncio.to_thread(journal.flush)
        new_offset = clock.wall() - clock.monotonic_ns() / 1e9
        step = new_offset - offset
        if abs(step) > CLOCK_STEP_THRESHOLD_SECONDS:
            log.warning("wall clock stepped by %+.1f s", step)
            await asyncio.to_thread(
                journal.append, "clock_step", "system", None, step, {"step_seconds": step}
            )
        offset = new_offset
        since_prune += _MAINTENANCE_INTERVAL
        if since_prune >= _PRUNE_INTERVAL:
            since_prune = 0.0
            await asyncio.to_thread(journal.prune)
