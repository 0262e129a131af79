"""One simulation from start to stop: backfill the history, then run live and push."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from simulate.driver import Driver, Progress, SimClock, SiteRun, site_runs, total_events
from simulate.files import Prepared
from simulate.scenario import Scenario

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


async def simulate(
    scenario: Scenario,
    prepared: Prepared,
    *,
    backfill_days: float,
    speed: float = 1.0,
    stop: asyncio.Event,
    live_central_outage: bool = True,
    on_live: Callable[[Simulation], None] | None = None,
    on_pushed: Callable[[Simulation], None] | None = None,
    now: Callable[[], float] = time.time,
) -> Simulation:
    """Backfill ``backfill_days`` up to now, then run live until ``stop`` is set; the sites are
    stopped as agents stop (``agent_stopped``) before this returns.  ``on_live`` is called when
    the history is done, ``on_pushed`` once the collector has acknowledged all of it
    (``sim.pushed_seconds`` says how long that took)."""
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
        if live_central_outage:
            scenario.plan_live_central_outage(clock.now)
        for site in sim.sites:
            site.start_push()
        if on_live is not None:
            on_live(sim)
        watch = asyncio.create_task(_history_pushed(sim, on_pushed), name="history-pushed")
        live = Progress()
        try:
            await driver.run_live(speed, stop, live)
        finally:
            watch.cancel()
        sim.live_runs = live.runs
    finally:
        for site in sim.sites:
            await site.stop()
    return sim


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
