"""The probe runtime: every job on its own schedule, isolated from every other.

Jobs run on the agent's clock, not on scrape, so that state changes are recorded while nobody can
reach the site.  Each job is one asyncio task at a fixed rate (the next run is due one interval
after the previous one *started*), with its first run spread at random over part of the interval.
The spread is coarse: first runs land on one of a few slots per interval, so jobs that share a
slot (and their timeouts) share the loop's wake-ups; on a small site box waking an idle process
costs more CPU than a TCP check does.
A probe that raises is counted, logged once per kind of error, turned into a failed outcome, and
the other jobs never notice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable

from agent import clock
from agent.jobs import Job
from agent.probes.base import Outcome, ProbeContext
from agent.state import SiteState
from sansang.events import Change

log = logging.getLogger(__name__)

# Grace beyond the job's timeout before the runner cancels a probe that ignores its timeout.
_CANCEL_GRACE = 1.0
# First runs are rounded to a grid of this many slots per interval: the jobs of one interval
# wake the loop at most this often per interval however many they are (200 terminals every 30 s:
# about 6 connections per wake-up, one wake-up a second).
_SLOTS_PER_INTERVAL = 32

ChangeSink = Callable[[list[Change]], Awaitable[None]]


class Runner:
    def __init__(
        self,
        jobs: list[Job],
        state: SiteState,
        on_changes: ChangeSink,
        *,
        start_spread: float = 1.0,
        rng: random.Random | None = None,
        wall: Callable[[], float] | None = None,
        monotonic_ns: Callable[[], int] | None = None,
    ) -> None:
        self.jobs = jobs
        self.state = state
        self._on_changes = on_changes
        self._start_spread = start_spread
        self._rng = rng or random.Random()
        # The clocks results are recorded at: the agent's, or a simulated one (the simulator).
        self._wall = wall or (lambda: clock.wall())
        self._monotonic_ns = monotonic_ns or (lambda: clock.monotonic_ns())
        self._logged_errors: set[tuple[str, str]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._contexts = {
            job.id: ProbeContext(job.id, job.timeout, logging.getLogger(f"agent.probe.{job.id}"))
            for job in jobs
        }

    async def run_once(self, job: Job) -> Outcome:
        """Run one job now, record its result, journal its changes; returns its outcome."""
        ctx = self._contexts[job.id]
        started = time.perf_counter()
        errored = False
        try:
            async with asyncio.timeout(job.timeout + _CANCEL_GRACE):
                outcome = await job.probe.run(job.spec, ctx)
        except TimeoutError:
            outcome = Outcome.down("timeout", f"no result within {job.timeout:g}s")
        except Exception as err:  # a probe bug must not stop the agent: counted and logged once
            errored = True
            outcome = Outcome.down("error", f"{type(err).__name__}: {err}"[:200])
            self._log_once(job, "the probe", err)
        duration = time.perf_counter() - started
        changes = self.state.record(
            job, outcome, duration, self._wall(), self._monotonic_ns(), errored=errored
        )
        if changes:
            await self._on_changes(changes)
        return outcome

    def _log_once(self, job: Job, what: str, err: Exception) -> None:
        """Log an unexpected error with its traceback once per job, step and type of error."""
        key = (job.id, f"{what} {type(err).__name__}")
        if key not in self._logged_errors:
            self._logged_errors.add(key)
            log.error("check %s (%s): %s raised", job.id, job.probe.name, what, exc_info=err)
        else:
            log.debug("check %s: %s raised again: %r", job.id, what, err)

    def first_due(self, job: Job, start: float) -> float:
        """When the job first runs: a random share of ``start_spread`` of its interval after
        ``start``, rounded to the nearest of the interval's slots."""
        slot = job.interval / _SLOTS_PER_INTERVAL
        offset = self._rng.uniform(0, self._start_spread * job.interval)
        return start + round(offset / slot) * slot

    async def _loop(self, job: Job, next_due: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # Sleeping until a due time shared with the job's slot-mates, not for a delay
            # measured from now, keeps them waking together round after round.
            await asyncio.sleep(next_due - loop.time())
            try:
                await self.run_once(job)
            except Exception as err:  # recording or journalling failed: keep the job scheduled
                self._log_once(job, "recording its result", err)
            next_due += job.interval
            now = loop.time()
            if next_due < now:  # overran (a slow disk, a suspended host): skip, never pile up
                next_due = now + job.interval - ((now - next_due) % job.interval)

    def start(self) -> None:
        start = asyncio.get_running_loop().time()
        self._tasks = [
            asyncio.create_task(self._loop(job, self.first_due(job, start)), name=f"job:{job.id}")
            for job in self.jobs
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
