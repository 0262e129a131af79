"""The probe runtime with fake probes (registered here as ProbeKind objects, not in PROBES):
errors, timeouts, the schedule, and what the exporter makes of the results."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families

from agent import runner as runner_module
from agent.catalogue import BY_NAME, CATALOGUE
from agent.config import Site
from agent.exporter import AgentCollector, AgentIdentity, UnknownMetricError
from agent.exposition import render
from agent.jobs import Job, Role
from agent.probes import host
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from agent.probes.hostsource import RecordedSource
from agent.runner import Runner
from agent.state import Change, SiteState
from sansang import communes

RunFn = Callable[[Any, ProbeContext], Awaitable[Outcome]]
HOST_FIXTURE = Path(__file__).parent / "fixtures" / "host" / "linux-vm-1.json"


class FakeSpec(ProbeSpec):
    probe: Literal["fake"] = "fake"


def fake_job(
    id_: str,
    run: RunFn,
    /,
    *,
    interval: float = 30.0,
    timeout: float = 5.0,
    role: Role = "check",
    **attrs: str,
) -> Job:
    kind = ProbeKind(f"fake_{id_}", FakeSpec, run, lambda _t: FakeSpec(), "a fake probe")
    return Job(id_, role, kind, FakeSpec(), interval, timeout, id_, attrs)


def always_open(_when: datetime) -> bool:
    return True


class Journalled:
    """The change sink: what the runner would journal."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    async def __call__(self, changes: list[Change]) -> None:
        self.changes.extend(changes)


async def until(cond: Callable[[], object], timeout: float, what: str) -> None:
    """wait_until for a test that shares the event loop with the runner."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(0.01)


def scrape(state: SiteState, identity: AgentIdentity | None = None) -> list[Any]:
    return list(AgentCollector(identity, state, None).collect())


def sample_values(families: list[Any]) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value for fam in families for s in fam.samples}


def value(families: list[Any], name: str, **labels: str) -> float | None:
    return sample_values(families).get((name, frozenset(labels.items())))


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
            await until(
                lambda: state.records["boom"].runs >= 6 and len(steady_starts) >= 6,
                10,
                "six runs of each job",
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
            await until(lambda: state.records["flap"].runs >= 5, 10, "five runs")
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
        await until(lambda: len(starts) >= 8, 10, "eight runs")
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
        await until(lambda: len(first) == len(ids), 5, "the first run of every job")
    finally:
        await runner.stop()
    draws = random.Random(7)
    slot = 2.0 / runner_module._SLOTS_PER_INTERVAL
    # start() draws in job order; each draw is rounded to the interval's slots
    expected = {i: round(draws.uniform(0, 0.25 * 2.0) / slot) * slot for i in ids}
    for i in ids:
        assert first[i] - t0 == pytest.approx(expected[i], abs=0.05), i
        assert first[i] - t0 <= 0.5 + 0.05
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
        await until(lambda: all(len(starts.get(i, [])) >= 4 for i in ids), 10, "four rounds")
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
        await until(lambda: len(first) == 5, 5, "five first runs")
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
        await until(lambda: len(starts) >= 4, 10, "four runs")
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
    await until(lambda: all(not t.done() for t in runner._tasks), 1, "tasks running")
    await asyncio.sleep(0.05)
    await runner.stop()
    assert cancelled == 3


# --- the exporter after runs ---------------------------------------------------------------------


def _site() -> Site:
    return Site(
        commune_code="23527", name="Bộ phận một cửa xã Sa Thầy", latitude=14.41, longitude=107.79
    )


def _jobs_for_exporter() -> list[Job]:
    async def tcp_ok(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome(True, samples=[Sample("sansang_tcp_connect_duration_seconds", 0.002)])

    async def up(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome(True)

    async def down(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome.down("refused", "connection refused")

    host_kind = host.kind(RecordedSource.load(HOST_FIXTURE))
    return [
        Job("host", "host", host_kind, host.HostSpec(), 30.0, 5.0, "host"),
        fake_job("gw", tcp_ok),
        fake_job("never", up),
        fake_job(
            "printer-1", up, role="terminal", kind="printer", address="10.200.0.9", method="icmp"
        ),
        fake_job("cam-1", up, role="terminal", kind="camera", address="10.200.0.10", method="icmp"),
        # a service's attributes carry its own `role`, so this one is built by hand
        Job(
            "portal",
            "service",
            fake_job("portal", down).probe,
            FakeSpec(),
            30.0,
            5.0,
            "portal",
            {"role": "national_portal"},
        ),
    ]


async def _state_after_runs() -> SiteState:
    jobs = _jobs_for_exporter()
    state = SiteState(jobs, always_open)
    runner = Runner(jobs, state, Journalled())
    for j in jobs:
        if j.id not in ("never", "cam-1"):  # these two never ran
            await runner.run_once(j)
    return state


async def test_exporter_emits_only_catalogued_families_with_their_labels() -> None:
    state = await _state_after_runs()
    families = scrape(state, AgentIdentity(_site(), "boot-1", 1_700_000_000.0))
    emitted = set()
    for fam in families:
        for s in fam.samples:
            metric = BY_NAME.get(s.name)
            assert metric is not None, f"{s.name} is not in the catalogue"
            assert fam.type == metric.type
            assert set(s.labels) == set(metric.labels), s.name
            emitted.add(s.name)
    # Everything the catalogue says these parts emit, and nothing else: no journal (none given)
    # and no CPU ratio (the host probe ran once, so it is unknown).
    parts = {"agent", "runner", "probe:host", "terminals", "services"}
    expected = {m.name for m in CATALOGUE if m.source in parts}
    expected -= {"sansang_host_cpu_usage_ratio"}
    expected |= {"sansang_tcp_connect_duration_seconds"}
    assert emitted == expected


async def test_unknown_is_absent_and_the_site_is_one_series() -> None:
    state = await _state_after_runs()
    families = scrape(state, AgentIdentity(_site(), "boot-1", 1_700_000_000.0))
    v = sample_values(families)
    never = {"check": "never", "probe": "fake_never"}
    assert value(families, "sansang_probe_success", **never) is None
    assert value(families, "sansang_probe_runs_total", **never) is None
    cam = {"terminal": "cam-1", "kind": "camera"}
    assert value(families, "sansang_terminal_up", **cam) is None
    assert value(families, "sansang_terminal_up", terminal="printer-1", kind="printer") == 1.0
    assert value(families, "sansang_terminals_configured", kind="camera") == 1.0
    assert value(families, "sansang_terminals_up", kind="camera") is None  # none checked yet
    assert value(families, "sansang_terminals_up", kind="printer") == 1.0
    assert value(families, "sansang_service_up", service="portal", role="national_portal") == 0.0
    # Host series carry no check label; a check's own samples do.
    assert value(families, "sansang_host_memory_total_bytes") == 25276502016
    assert value(families, "sansang_tcp_connect_duration_seconds", check="gw") == 0.002
    site = [labels for (name, labels) in v if name == "sansang_site_info"]
    assert len(site) == 1
    labels = dict(site[0])
    official = communes.lookup("23527")
    assert official is not None
    assert labels["commune_name"] == official.name == "Xã Sa Thầy"
    assert labels["province_name"] == official.province_name
    assert (labels["commune_code"], labels["site_id"]) == ("23527", "main")
    # The site is not a label of any other series.
    assert not [n for (n, lbls) in v if n != "sansang_site_info" and "commune_code" in dict(lbls)]


async def test_exposition_parses_as_text_and_openmetrics() -> None:
    state = await _state_after_runs()
    families = AgentCollector(AgentIdentity(_site(), "b", 1.0), state, None).families()
    text = render(families).decode()
    names = {s.name for fam in text_string_to_metric_families(text) for s in fam.samples}
    assert "sansang_probe_errors_total" in names and names <= set(BY_NAME)
    om = render(families, openmetrics=True).decode()
    assert om.endswith("# EOF\n")
    assert "# UNIT sansang_host_uptime_seconds seconds" in om
    om_names = {s.name for fam in parse_openmetrics(om) for s in fam.samples}
    assert om_names == names


async def test_an_uncatalogued_name_fails_the_scrape() -> None:
    async def bogus(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome(True, samples=[Sample("sansang_made_up_seconds", 1.0)])

    j = fake_job("bogus", bogus)
    state = SiteState([j], always_open)
    await Runner([j], state, Journalled()).run_once(j)
    with pytest.raises(UnknownMetricError, match="sansang_made_up_seconds"):
        scrape(state)
