"""When the agent runs its throughput tests: randomised around a mean interval, inside a window.

Each start is drawn uniformly between half and one and a half of ``mean_interval`` after the
previous one; the first within the first mean interval, so a province's sites that start together
spread out.  A start outside the allowed hours (the ``window``, and outside service hours when
``outside_service_hours``) moves to the next allowed moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from agent import clock
from agent.config import AgentConfig
from agent.config.links import SpeedtestConfig
from agent.journal.store import Journal
from agent.links.bandwidth.budget import Budget
from agent.links.bandwidth.runs import SpeedtestRunner, SpeedtestState

log = logging.getLogger(__name__)

HORIZON_SECONDS = 14 * 86400.0  # look this far for an allowed moment before giving up
REFRESH_SECONDS = 60.0  # while waiting, re-read the journal (tests from the CLI, the budget)


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class Schedule:
    """Pure timing: start times from a random source and the allowed hours (no I/O)."""

    def __init__(
        self,
        config: SpeedtestConfig,
        timezone: str,
        is_open: Callable[[float], bool],
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.zone = ZoneInfo(timezone)
        self.is_open = is_open
        self.rng = rng or random.Random()
        window = config.window
        self._window = (_hhmm(window.start), _hhmm(window.end)) if window else None

    def first(self, now: float) -> float | None:
        """The first start: uniformly within the first mean interval, then allowed."""
        return self.next_allowed(now + self.rng.uniform(0.0, self.config.mean_interval))

    def after(self, previous: float) -> float | None:
        """The start after one at ``previous``: 0.5–1.5 mean intervals later, then allowed."""
        mean = self.config.mean_interval
        return self.next_allowed(previous + self.rng.uniform(0.5 * mean, 1.5 * mean))

    def allowed(self, wall: float) -> bool:
        return self._in_window(wall) and not (
            self.config.outside_service_hours and self.is_open(wall)
        )

    def next_allowed(self, wall: float) -> float | None:
        """``wall`` when a test may start then, else the next moment one may (to the minute
        while the centre is open); None when there is none within two weeks."""
        t = wall
        while t < wall + HORIZON_SECONDS:
            if not self._in_window(t):
                t = self._window_opens_after(t)
            elif self.config.outside_service_hours and self.is_open(t):
                t = (math.floor(t / 60.0) + 1) * 60.0
            else:
                return t
        return None

    def _in_window(self, wall: float) -> bool:
        if self._window is None:
            return True
        start, end = self._window
        now = datetime.fromtimestamp(wall, self.zone).time()
        if start == end:
            return True  # a window of the whole day
        if start < end:
            return start <= now < end
        return now >= start or now < end  # over midnight

    def _window_opens_after(self, wall: float) -> float:
        assert self._window is not None
        local = datetime.fromtimestamp(wall, self.zone)
        opens = datetime.combine(local.date(), self._window[0], tzinfo=self.zone)
        if opens <= local:
            opens = datetime.combine(
                local.date() + timedelta(days=1), self._window[0], tzinfo=self.zone
            )
        return opens.timestamp()


async def run_schedule(
    tester: SpeedtestRunner,
    schedule: Schedule,
    *,
    wall: Callable[[], float] = clock.wall,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    refresh: Callable[[], None] | None = None,
) -> None:
    """Run every planned test at each start, forever (cancel the task to stop)."""
    start = schedule.first(wall())
    while True:
        if start is None:
            log.warning(
                "speed tests: no allowed moment in the next %d days (window inside service "
                "hours?); looking again tomorrow",
                HORIZON_SECONDS // 86400,
            )
            await _wait_until(wall() + 86400.0, wall, sleep, refresh)
            start = schedule.next_allowed(wall())
            continue
        await _wait_until(start, wall, sleep, refresh)
        now = wall()
        if not schedule.allowed(now):  # the wall clock stepped while we waited
            start = schedule.next_allowed(now)
            continue
        try:
            await tester.run(tester.plan(), "schedule")
        except Exception:  # the schedule must survive a bug in one run
            log.exception("speed tests: the run at %s failed", now)
        start = schedule.after(now)
        if start is not None and start < wall():
            start = schedule.next_allowed(wall())


async def _wait_until(
    target: float,
    wall: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    refresh: Callable[[], None] | None,
) -> None:
    """Sleep until the wall clock reaches ``target``, in steps that re-read the journal."""
    while (left := target - wall()) > 0:
        await sleep(min(left, REFRESH_SECONDS))
        if refresh is not None:
            await asyncio.to_thread(refresh)


class SpeedtestHost(Protocol):
    """What the speed tests need of the agent's state (``agent.state.SiteState``): a place for
    their metrics and the service hours.  A protocol, because the agent's state is built on the
    links and so must not be imported by them."""

    speedtest: SpeedtestState | None

    def service_hours_open(self, wall: float) -> bool: ...


def start_speedtests(
    config: AgentConfig, journal: Journal, state: SpeedtestHost
) -> asyncio.Task[None] | None:
    """The agent's speed-test task, with its metrics state put on ``state.speedtest``; None when
    no backend is configured."""
    st = config.speedtest
    if not st.backends:
        return None
    budget = Budget(
        journal, st.monthly_budget_mib * 1024 * 1024, config.site.service_hours.timezone
    )
    state.speedtest = SpeedtestState(journal, budget)
    state.speedtest.refresh()  # the month's use, before the first scrape
    tester = SpeedtestRunner(st, config.links, journal, budget, state=state.speedtest)
    schedule = Schedule(st, budget.timezone, state.service_hours_open)
    return asyncio.create_task(
        run_schedule(tester, schedule, refresh=state.speedtest.refresh), name="speedtests"
    )


async def stop_speedtests(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
