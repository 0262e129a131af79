"""One simulation from start to stop: backfill the history, keep its incidents in the collector's
store (:mod:`simulate.incidents`), then run live, push, and post the live alerts to the
collector's webhook as the province's Alertmanager would (:mod:`simulate.webhook`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from collector.store import Store
from simulate import incidents
from simulate.driver import Driver, Progress, SimClock, SiteRun, site_runs, total_events
from simulate.files import Prepared
from simulate.scenario import Scenario
from simulate.webhook import SimulatedAlertmanager

log = logging.getLogger(__name__)


@dataclass
class Backfill:
    """What the backfill did, for the report and the benchmark figures."""

    days: float
    events: int
    runs: int
    tests: int
    seconds: float  # wall time it took

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def speedup(self) -> float:
        """Simulated seconds per real second."""
        return self.days * 86400 / self.seconds if self.seconds else 0.0


@dataclass
class Simulation:
    """A running simulation; ``sites`` is what the caller may inspect (journals, push stats)."""

    scenario: Scenario
    prepared: Prepared
    sites: list[SiteRun]
    backfill: Backfill | None = None
    live_runs: int = 0
    pushed_seconds: float | None = None  # from going live to the history all acknowledged
    incidents: incidents.History | None = None  # the history's, kept in the collector's store
    alertmanager: SimulatedAlertmanager | None = None  # live, at real speed


async def simulate(
    scenario: Scenario,
    prepared: Prepared,
    *,
    backfill_days: float,
    speed: float = 1.0,
    stop: asyncio.Event,
    live_central_outage: bool = True,
    live_link_cut: bool = True,
    on_live: Callable[[Simulation], None] | None = None,
    on_pushed: Callable[[Simulation], None] | None = None,
    now: Callable[[], float] = time.time,
) -> Simulation:
    """Backfill ``backfill_days`` up to now, then run live until ``stop`` is set; the sites are
    stopped as agents stop (``agent_stopped``) before this returns.  The history's incidents go
    into the store of the collector's config the simulator wrote; live, at ``speed`` 1, the
    alerts are posted to its webhook.  ``on_live`` is called when the history is done,
    ``on_pushed`` once the collector has acknowledged all of it (``sim.pushed_seconds`` says
    how long that took)."""
    end = now()
    start = end - backfill_days * 86400
    scenario.plan_history(start, end)
    clock = SimClock(start)
    sim = Simulation(scenario, prepared, site_runs(scenario, prepared.configs, clock))
    driver = Driver(sim.sites, clock)
    try:
        sim.backfill = await _backfill(driver, sim.sites, end, backfill_days, now, stop)
        if stop.is_set():
            return sim
        sim.incidents = _keep_incidents(scenario, prepared, sim.sites, start, clock.now, now())
        if live_central_outage:
            scenario.plan_live_central_outage(clock.now)
        if live_link_cut:
            scenario.plan_live_link_cut(clock.now)
        for site in sim.sites:
            site.start_push()
        if on_live is not None:
            on_live(sim)
        watch = asyncio.create_task(_history_pushed(sim, on_pushed), name="history-pushed")
        posting = _alertmanager(sim, speed, stop)
        live = Progress()
        try:
            await driver.run_live(speed, stop, live)
        finally:
            watch.cancel()
            if posting is not None:
                posting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await posting
        sim.live_runs = live.runs
    finally:
        for site in sim.sites:
            await site.stop()
    return sim


def _keep_incidents(
    scenario: Scenario,
    prepared: Prepared,
    sites: list[SiteRun],
    start: float,
    end: float,
    now: float,
) -> incidents.History | None:
    """The history's incidents into the collector's store (SQLite, beside its config): a
    collector already running on it sees them at its next evaluation.  A store that cannot be
    opened (a collector on another database) leaves the simulation without them."""
    try:
        store = Store.open(prepared.workdir.database_url)
    except Exception:  # any database error: the simulation goes on without an incident log
        log.warning("sổ sự cố mô phỏng / simulated incident log: store not opened", exc_info=True)
        return None
    try:
        return incidents.seed(store, scenario, sites, start, end, now)
    finally:
        store.close()


def _alertmanager(sim: Simulation, speed: float, stop: asyncio.Event) -> asyncio.Task[None] | None:
    """The simulated Alertmanager posting the live alerts, at real speed only."""
    token = sim.prepared.alertmanager_token
    if sim.incidents is None or not token or speed != 1.0:
        return None
    url = sim.prepared.collector_url + "api/v1/alertmanager/webhook"
    sim.alertmanager = SimulatedAlertmanager(sim.incidents, sim.sites, url, token)
    return asyncio.create_task(sim.alertmanager.run(stop), name="simulated-alertmanager")


async def _history_pushed(sim: Simulation, on_pushed: Callable[[Simulation], None] | None) -> None:
    """Wait until the collector acknowledged every event the history made, and say so."""
    started = time.monotonic()
    history = {site.plan.key: site.journal.newest_seq for site in sim.sites}
    while any(
        site.push is not None and site.push.stats.acknowledged_seq < history[site.plan.key]
        for site in sim.sites
    ):
        await asyncio.sleep(0.5)
    sim.pushed_seconds = time.monotonic() - started
    events = sum(history.values())
    log.info(
        "lịch sử đã gửi / history pushed: %d events in %.1f s (%.0f events/s)",
        events, sim.pushed_seconds, events / max(sim.pushed_seconds, 1e-9),
    )  # fmt: skip
    if on_pushed is not None:
        on_pushed(sim)


async def _backfill(
    driver: Driver,
    sites: list[SiteRun],
    end: float,
    days: float,
    now: Callable[[], float],
    stop: asyncio.Event,
) -> Backfill:
    progress = Progress()
    first = driver.clock.now

    def report(t: float) -> None:
        done = (t - first) / max(1.0, end - first)
        log.info("lịch sử / history: %.0f %%, %d events", 100 * done, total_events(sites))

    await driver.run_until(end, progress, stop, report)
    # The backfill took a while: catch up with the real clock before going live.
    while now() - driver.clock.now > 1.0 and not stop.is_set():
        await driver.run_until(now(), progress, stop)
    events = total_events(sites)
    log.info(
        "lịch sử / history: %.1f days, %d events in %.1f s (%.0f events/s)",
        days, events, progress.wall_seconds, events / max(progress.wall_seconds, 1e-9),
    )  # fmt: skip
    return Backfill(days, events, progress.runs, progress.tests, progress.wall_seconds)
