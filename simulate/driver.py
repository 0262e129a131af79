"""Running the simulated sites: the agent's own pieces per site, on a simulated clock.

Each site is put together the way ``agent.app.run_agent`` puts an agent together (journal,
``agent_started``, jobs, power resume, state, runner, throughput tests, push client), with two
differences: the probes answer from the scenario (:mod:`simulate.sources`), and time is
the simulator's.  The driver keeps one queue of due runs for every site and calls the agent's
``Runner.run_once`` (and ``SpeedtestRunner.run`` at the times the agent's ``Schedule`` draws) in
time order, with the clock set to each run's due time:

- **backfill**: as fast as the machine goes, from ``backfill_days`` ago to now, so the board has
  history the moment it opens;
- **live**: then at ``speed`` times real time (1: real time), with the push clients sending the
  journals to the collector.  With a speed above 1 the events' times run ahead of the real
  clock.

Not simulated: the agent's HTTP server and exporter (nothing scrapes the simulated sites), and a
cut link does not stop the push client (the collector's own tests cut links for real).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.app import power_policy
from agent.config import AgentConfig
from agent.jobs import build_jobs
from agent.journal.push import PushClient
from agent.journal.store import Journal
from agent.links.bandwidth.budget import MIB, Budget
from agent.links.bandwidth.runs import SpeedtestRunner, SpeedtestState
from agent.links.bandwidth.scheduler import Schedule
from agent.power.site import SitePower
from agent.runner import Runner
from agent.state import SiteState
from sansang import __version__
from sansang.events import Change
from simulate.scenario import Scenario, SitePlan, SiteWorld
from simulate.sources import backend_runner, simulated_jobs

log = logging.getLogger(__name__)

SPEEDTEST = -1  # the queue's job index of a site's throughput tests


class SimClock:
    """The simulation's wall clock: the driver sets it to each run's due time."""

    def __init__(self, now: float) -> None:
        self.now = now

    def wall(self) -> float:
        return self.now


@dataclass
class SiteClock:
    """One site's view of the clock: the shared wall time, and a monotonic clock counting from
    the site's simulated boot."""

    clock: SimClock
    boot_wall: float

    def wall(self) -> float:
        return self.clock.now

    def monotonic_ns(self) -> int:
        return int((self.clock.now - self.boot_wall) * 1e9)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class SiteRun:
    """One simulated site: the agent's journal, jobs, state, runner, tests and push client."""

    def __init__(
        self, scenario: Scenario, plan: SitePlan, config: AgentConfig, clock: SimClock
    ) -> None:
        rng = random.Random(f"{scenario.seed}/{plan.key}/run")
        self.plan = plan
        self.config = config
        self.boot_id = _uuid(rng)
        self.clock = SiteClock(clock, clock.now - rng.uniform(1, 30) * 86400)
        self.journal = Journal(
            config.journal.path,
            boot_id=self.boot_id,
            retention_seconds=config.journal.retention,
            max_bytes=config.journal.max_size_mib * MIB,
            wall=self.clock.wall,
            monotonic_ns=self.clock.monotonic_ns,
            durable=False,  # nothing to keep from a power cut in a simulation; 3x faster
        )
        details = {"version": __version__, "pid": os.getpid(), "run_id": _uuid(rng)}
        self.journal.append("agent_started", "agent", details=details)
        self.world = world = SiteWorld(scenario, plan)
        jobs = simulated_jobs(build_jobs(config), world, self.clock.wall)
        self.power = SitePower(
            [s.id for s in config.power.sources], power_policy(config.power), self.boot_id
        )
        self._append(self.power.resume(self.journal, self.clock.wall()))
        self.state = SiteState(
            jobs, config.site.service_hours.is_open, self.power, links=config.links
        )
        self.runner = Runner(
            jobs,
            self.state,
            self._changes,
            start_spread=config.probes.start_spread,
            rng=random.Random(rng.random()),
            wall=self.clock.wall,
            monotonic_ns=self.clock.monotonic_ns,
        )
        st = config.speedtest
        budget = Budget(
            self.journal,
            st.monthly_budget_mib * MIB,
            config.site.service_hours.timezone,
            wall=self.clock.wall,
        )
        self.state.speedtest = SpeedtestState(self.journal, budget)
        self.tester = SpeedtestRunner(
            st,
            config.links,
            self.journal,
            budget,
            runner=backend_runner(world, self.clock.wall),
            state=self.state.speedtest,
            wall=self.clock.wall,
        )
        self.schedule = Schedule(
            st, budget.timezone, self.state.service_hours_open, random.Random(rng.random())
        )
        self.push: PushClient | None = None
        self.push_task: asyncio.Task[None] | None = None

    def _append(self, changes: list[Change]) -> None:
        for c in changes:
            self.journal.append(c.kind, c.subject, c.state, c.value, c.details)

    async def _changes(self, changes: list[Change]) -> None:
        # The agent hands each append to a thread; here the loop does nothing else meanwhile.
        self._append(changes)

    def start_push(self) -> None:
        if self.config.push is None:
            return
        self.push = PushClient(
            self.config.push, self.journal, self.config.site.key, jitter=random.random
        )
        self.push_task = asyncio.create_task(self.push.run(), name=f"push:{self.plan.key}")

    @property
    def unsent(self) -> int:
        acked = self.push.stats.acknowledged_seq if self.push is not None else 0
        return max(0, self.journal.newest_seq - acked)

    async def stop(self) -> None:
        """As the agent stops: a flapping period in progress is journalled, then
        ``agent_stopped``; the push client is cancelled (what it did not send stays in the
        journal, as on a real site).  A site whose box died journals nothing more."""
        if self.world.agent_alive(self.clock.wall()):
            self._append(self.power.close(self.clock.wall(), self.clock.monotonic_ns()))
            self.journal.append("agent_stopped", "agent")
        if self.push_task is not None:
            self.push_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.push_task
        self.journal.close()


@dataclass(order=True)
class _Due:
    at: float
    order: int
    site: int = field(compare=False)
    job: int = field(compare=False)  # index in the site's runner.jobs, or SPEEDTEST


@dataclass
class Progress:
    runs: int = 0
    tests: int = 0
    wall_seconds: float = 0.0


class Driver:
    """The queue of due runs of every site, worked through in time order."""

    def __init__(self, sites: list[SiteRun], clock: SimClock) -> None:
        self.sites = sites
        self.clock = clock
        self._queue: list[_Due] = []
        self._order = 0
        start = clock.now
        for i, site in enumerate(sites):
            for j, job in enumerate(site.runner.jobs):
                self._push(site.runner.first_due(job, start), i, j)
            first = site.schedule.first(start) if site.config.speedtest.backends else None
            if first is not None:
                self._push(first, i, SPEEDTEST)

    def _push(self, at: float, site: int, job: int) -> None:
        self._order += 1
        heapq.heappush(self._queue, _Due(at, self._order, site, job))

    @property
    def next_due(self) -> float:
        return self._queue[0].at if self._queue else float("inf")

    async def step(self) -> tuple[int, int]:
        """Run the earliest due run; (job runs, tests) it made."""
        due = heapq.heappop(self._queue)
        self.clock.now = max(self.clock.now, due.at)
        site = self.sites[due.site]
        if not site.world.agent_alive(due.at):  # its box died: nothing runs there any more
            return 0, 0
        if due.job == SPEEDTEST:
            await site.tester.run(site.tester.plan(), "schedule")
            after = site.schedule.after(due.at)
            if after is not None:
                self._push(max(after, due.at + 1.0), due.site, SPEEDTEST)
            return 0, 1
        job = site.runner.jobs[due.job]
        try:
            await site.runner.run_once(job)
        except Exception:  # as the runner's loop: keep the job scheduled
            log.exception("simulated site %s, job %s", site.plan.key, job.id)
        self._push(due.at + job.interval, due.site, due.job)
        return 1, 0

    async def run_until(
        self,
        until: float,
        progress: Progress,
        stop: asyncio.Event,
        report: Callable[[float], None] | None = None,
    ) -> None:
        """As fast as possible up to ``until`` (simulated time), or until ``stop`` is set."""
        started = time.perf_counter()
        last_report = started
        steps = 0
        while self.next_due <= until and not stop.is_set():
            runs, tests = await self.step()
            progress.runs += runs
            progress.tests += tests
            steps += 1
            if steps % 1000 == 0:
                await asyncio.sleep(0)  # a signal handler (Ctrl-C) gets its turn
                if report is not None and time.perf_counter() - last_report > 2.0:
                    last_report = time.perf_counter()
                    report(self.clock.now)
        if not stop.is_set():
            self.clock.now = max(self.clock.now, until)
        progress.wall_seconds += time.perf_counter() - started

    async def run_live(self, speed: float, stop: asyncio.Event, progress: Progress) -> None:
        """At ``speed`` times real time from the clock's present until ``stop`` is set."""
        sim0, real0 = self.clock.now, time.monotonic()
        while not stop.is_set():
            wait = real0 + (self.next_due - sim0) / speed - time.monotonic()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=min(wait, 1.0))
                continue
            runs, tests = await self.step()
            progress.runs += runs
            progress.tests += tests
            await asyncio.sleep(0)  # let the push clients in between runs


def site_runs(
    scenario: Scenario, configs: dict[str, AgentConfig], clock: SimClock
) -> list[SiteRun]:
    return [SiteRun(scenario, plan, configs[plan.key], clock) for plan in scenario.sites]


def total_events(sites: list[SiteRun]) -> int:
    return sum(site.journal.newest_seq for site in sites)


def summary(sites: list[SiteRun]) -> dict[str, Any]:
    return {
        "sites": len(sites),
        "events": total_events(sites),
        "unsent": sum(site.unsent for site in sites),
    }
