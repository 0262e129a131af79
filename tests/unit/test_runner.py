"""The probe runtime with fake probes (tests/support/fakes.py): errors, timeouts and the schedule.
What the exporter makes of the results is in test_exporter.py."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random

import pytest

from agent import runner as runner_module
from agent.probes.base import Outcome, ProbeContext
from agent.runner import Runner
from agent.state import SiteState
from sansang.events import Change
from tests.support import wait_until_async
from tests.support.fakes import FakeSpec, Journalled, RunFn, always_open, fake_job, scrape, value

# --- a probe that raises -------------------------------------------------------------------------


async def test_a_probe_that_raises_is_counted_logged_once_and_isolated(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    steady_starts: list[float] = []

    async def boom(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        raise RuntimeError(f"list index out of range at {loop.time()}")

    async def steady(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        steady_starts.append(loop.time())
        return Outcome(True)

    jobs = [fake_job("boom", boom, interval=0.05), fake_job("steady", steady, interval=0.1)]
    state = SiteState(jobs, always_open)
    journal = Journalled()
    runner = Runner(jobs, state, journal, start_spread=0)
    with caplog.at_level(logging.DEBUG, logger="agent.runner"):
        runner.start()
        try:
            await wait_until_async(
                lambda: state.records["boom"].runs >= 6 and len(steady_starts) >= 6,
                10,
                "six runs of each job",
                interval=0.01,
            )
        finally:
            await runner.stop()
    boom_rec = state.records["boom"]
    assert boom_rec.errors == boom_rec.runs >= 6
    assert boom_rec.outcome is not None and boom_rec.outcome.reason == "error"
    assert boom_rec.outcome.detail.startswith("RuntimeError: list index out of range")
    logged = [r for r in caplog.records if r.name == "agent.runner" and r.levelno >= logging.ERROR]
    assert len(logged) == 1 and "boom" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback, once
    families = scrape(state)
    ids = {"check": "boom", "probe": "fake_boom"}
    assert value(families, "sansang_probe_errors_total", **ids) == boom_rec.runs
    assert value(families, "sansang_probe_success", **ids) == 0.0
    assert [(c.subject, c.state) for c in journal.changes if c.subject == "boom"] == [
        ("boom", "down")
    ]
    # Meanwhile the other job ran at its own fixed rate, every 0.1 s.
    assert state.records["steady"].errors == 0
    for k, started in enumerate(steady_starts):
        assert started - steady_starts[0] == pytest.approx(k * 0.1, abs=0.05)


async def test_each_kind_of_error_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    errors = iter([ValueError("a"), KeyError("b"), ValueError("c"), KeyError("d")])

    async def flaky(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        raise next(errors)

    j = fake_job("flaky", flaky)
    runner = Runner([j], SiteState([j], always_open), Journalled())
    with caplog.at_level(logging.ERROR, logger="agent.runner"):
        for _ in range(4):
            assert (await runner.run_once(j)).reason == "error"
    assert len([r for r in caplog.records if r.name == "agent.runner"]) == 2


async def test_a_failing_journal_does_not_stop_the_job(caplog: pytest.LogCaptureFixture) -> None:
    flips = iter(range(1_000_000))

    async def flapping(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome(True) if next(flips) % 2 else Outcome.down("refused")

    async def broken_sink(_changes: list[Change]) -> None:
        raise OSError("disk I/O error")

    j = fake_job("flap", flapping, interval=0.05)
    state = SiteState([j], always_open)
    runner = Runner([j], state, broken_sink, start_spread=0)
    with caplog.at_level(logging.ERROR, logger="agent.runner"):
        runner.start()
        try:
            await wait_until_async(
                lambda: state.records["flap"].runs >= 5, 10, "five runs", interval=0.01
            )
        finally:
            await runner.stop()
    logged = [r for r in caplog.records if r.name == "agent.runner"]
    assert len(logged) == 1 and "recording its result" in logged[0].getMessage()


# --- a probe that ignores its timeout ------------------------------------------------------------


async def test_a_probe_that_ignores_its_timeout_is_cut_off() -> None:
    cancelled = asyncio.Event()

    async def hang(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        try:
            await asyncio.Event().wait()  # forever, whatever ctx.timeout says
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("unreachable")

    j = fake_job("hang", hang, timeout=0.2)
    state = SiteState([j], always_open)
    journal = Journalled()
    loop = asyncio.get_running_loop()
    started = loop.time()
    outcome = await Runner([j], state, journal).run_once(j)
    elapsed = loop.time() - started
    grace = runner_module._CANCEL_GRACE
    assert 0.2 + grace <= elapsed < 0.2 + grace + 0.5
    assert (outcome.success, outcome.reason) == (False, "timeout")
    assert cancelled.is_set()  # the probe's coroutine was cancelled, not left running
    assert state.records["hang"].errors == 0  # a timeout is not a bug
    assert [(c.kind, c.state, c.details["reason"]) for c in journal.changes] == [
        ("check_state", "down", "timeout")
    ]


# --- the schedule --------------------------------------------------------------------------------


async def test_fixed_rate_does_not_drift_with_the_run_time() -> None:
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def slowish(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        starts.append(loop.time())
        await asyncio.sleep(0.03)
        return Outcome(True)

    j = fake_job("s", slowish, interval=0.1)
    runner = Runner([j], SiteState([j], always_open), Journalled(), start_spread=0)
    runner.start()
    try:
        await wait_until_async(lambda: len(starts) >= 8, 10, "eight runs", interval=0.01)
    finally:
        await runner.stop()
    # Fixed rate: run k starts k intervals after the first (a fixed delay would add 0.03 s
    # per run, 0.21 s by the eighth).
    assert starts[7] - starts[0] == pytest.approx(0.7, abs=0.05)
    assert min(b - a for a, b in itertools.pairwise(starts)) > 0.05


async def test_first_runs_are_spread_by_the_seeded_rng() -> None:
    loop = asyncio.get_running_loop()
    first: dict[str, float] = {}

    def recorder(id_: str) -> RunFn:
        async def run(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
            first.setdefault(id_, loop.time())
            return Outcome(True)

        return run

    ids = [f"j{i}" for i in range(12)]
    jobs = [fake_job(i, recorder(i), interval=2.0) for i in ids]
    runner = Runner(
        jobs, SiteState(jobs, always_open), Journalled(), start_spread=0.25, rng=random.Random(7)
    )
    t0 = loop.time()
    runner.start()
    try:
        await wait_until_async(
            lambda: len(first) == len(ids), 5, "the first run of every job", interval=0.01
        )
    finally:
        await runner.stop()
    draws = random.Random(7)
    slot = 2.0 / runner_module._SLOTS_PER_INTERVAL
    # start() draws in job order; each draw is rounded to the interval's slots
    expected = {i: round(draws.uniform(0, 0.25 * 2.0) / slot) * slot for i in ids}
    for i in ids:
        # never early; late only by the loop's wake-up on a loaded machine
        assert expected[i] - 0.01 <= first[i] - t0 <= expected[i] + 0.15, i
        assert first[i] - t0 <= 0.5 + 0.15
    assert max(expected.values()) - min(expected.values()) > 0.2  # really spread


def test_first_runs_land_on_a_few_shared_slots_per_interval() -> None:
    async def run(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome(True)

    jobs = [fake_job(f"t{i}", run, interval=30.0) for i in range(200)]
    runner = Runner(
        jobs, SiteState(jobs, always_open), Journalled(), start_spread=1.0, rng=random.Random(3)
    )
    start = 1000.0
    dues = [runner.first_due(j, start) for j in jobs]
    slot = 30.0 / runner_module._SLOTS_PER_INTERVAL
    slots = [(d - start) / slot for d in dues]
    assert all(abs(k - round(k)) < 1e-9 for k in slots)  # on the grid
    # 200 jobs share at most 33 wake-ups (slots 0..32), and slot-mates share the exact due
    # time, so that the loop runs them in one iteration
    assert len(set(dues)) == len({round(k) for k in slots}) <= 33
    assert min(dues) - start < 2.0 and max(dues) - start > 28.0  # still spread over the interval


async def test_slot_mates_run_together_on_their_grid_round_after_round() -> None:
    loop = asyncio.get_running_loop()
    starts: dict[str, list[float]] = {}

    def recorder(id_: str) -> RunFn:
        async def run(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
            starts.setdefault(id_, []).append(loop.time())
            await asyncio.sleep(0.01)  # some run time: the next due time must not move with it
            return Outcome(True)

        return run

    ids = [f"j{i}" for i in range(16)]
    jobs = [fake_job(i, recorder(i), interval=0.32) for i in ids]

    def runner_with_seed() -> Runner:
        state = SiteState(jobs, always_open)
        return Runner(jobs, state, Journalled(), start_spread=1.0, rng=random.Random(5))

    twin = runner_with_seed()  # makes the same draws, in job order
    offsets = {j.id: twin.first_due(j, 0.0) for j in jobs}
    runner = runner_with_seed()
    t0 = loop.time()
    runner.start()
    try:
        await wait_until_async(
            lambda: all(len(starts.get(i, [])) >= 4 for i in ids), 10, "four rounds", interval=0.01
        )
    finally:
        await runner.stop()
    assert len(set(offsets.values())) < len(ids)  # some jobs share a slot
    for i in ids:
        for k, started in enumerate(starts[i][:4]):
            assert started - t0 == pytest.approx(offsets[i] + k * 0.32, abs=0.03), (i, k)
    for a, b in itertools.combinations(ids, 2):
        if offsets[a] == offsets[b]:
            pairs = zip(starts[a][:4], starts[b][:4], strict=True)
            assert all(abs(x - y) < 0.005 for x, y in pairs), (a, b)


async def test_no_spread_starts_everything_at_once() -> None:
    loop = asyncio.get_running_loop()
    first: list[float] = []

    async def run(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        first.append(loop.time())
        return Outcome(True)

    jobs = [fake_job(f"j{i}", run, interval=60.0) for i in range(5)]
    runner = Runner(jobs, SiteState(jobs, always_open), Journalled(), start_spread=0)
    t0 = loop.time()
    runner.start()
    try:
        await wait_until_async(lambda: len(first) == 5, 5, "five first runs", interval=0.01)
    finally:
        await runner.stop()
    assert max(first) - t0 < 0.05


async def test_a_job_never_overlaps_itself_and_skips_missed_slots() -> None:
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    active = 0
    most = 0

    async def slow(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        nonlocal active, most
        active += 1
        most = max(most, active)
        starts.append(loop.time())
        try:
            await asyncio.sleep(0.25)  # longer than the interval
        finally:
            active -= 1
        return Outcome(True)

    j = fake_job("slow", slow, interval=0.1)
    runner = Runner([j], SiteState([j], always_open), Journalled(), start_spread=0)
    runner.start()
    try:
        await wait_until_async(lambda: len(starts) >= 4, 10, "four runs", interval=0.01)
    finally:
        await runner.stop()
    assert most == 1
    for a, b in itertools.pairwise(starts):
        assert b - a >= 0.25  # after the previous run ended, never a burst to catch up
        slots = (b - starts[0]) / 0.1
        assert abs(slots - round(slots)) < 0.4  # on the interval's grid


async def test_stop_cancels_every_job() -> None:
    cancelled = 0

    async def hang(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        nonlocal cancelled
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled += 1
            raise
        raise AssertionError("unreachable")

    jobs = [fake_job(f"h{i}", hang, timeout=60.0) for i in range(3)]
    runner = Runner(jobs, SiteState(jobs, always_open), Journalled(), start_spread=0)
    runner.start()
    await asyncio.sleep(0)  # let the tasks reach the probe
    await wait_until_async(
        lambda: all(not t.done() for t in runner._tasks), 1, "tasks running", interval=0.01
    )
    await asyncio.sleep(0.05)
    await runner.stop()
    assert cancelled == 3
