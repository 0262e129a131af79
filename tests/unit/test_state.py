"""State bookkeeping: results become events; durations come from the monotonic clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pytest

from agent.jobs import Job, Role
from agent.probes.base import Observation, Outcome, ProbeContext, ProbeKind, ProbeSpec
from agent.state import SiteState

S = 1_000_000_000  # nanoseconds per second


class FakeSpec(ProbeSpec):
    probe: Literal["fake"] = "fake"


async def _never_run(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
    raise AssertionError("state tests record outcomes directly")


FAKE = ProbeKind("fake", FakeSpec, _never_run, lambda _t: FakeSpec(), "a fake probe")
UP = Outcome(True)
DOWN = Outcome.down("timeout", "no answer within 1s")


def job(id_: str, role: Role, /, **attrs: str) -> Job:
    return Job(id_, role, FAKE, FakeSpec(), 30.0, 5.0, id_, attrs)


def always_open(_when: datetime) -> bool:
    return True


@pytest.mark.parametrize(
    ("role", "kind", "attrs"),
    [
        ("check", "check_state", {}),
        ("terminal", "terminal_state", {"kind": "printer"}),
        ("service", "service_state", {"role": "national_portal"}),
    ],
)
def test_up_down_up_with_a_clock_step_back(role: Role, kind: str, attrs: dict[str, str]) -> None:
    j = job("t1", role, **attrs)
    state = SiteState([j], always_open)
    first = state.record(j, UP, 0.01, wall=1_000.0, mono_ns=10 * S)
    assert [(c.kind, c.subject, c.state) for c in first] == [(kind, "t1", "up")]
    assert "previous" not in first[0].details
    assert first[0].details["probe"] == "fake"
    for key, value in attrs.items():
        assert first[0].details[key] == value
    assert state.record(j, UP, 0.01, wall=1_030.0, mono_ns=40 * S) == []  # no change, no event
    # NTP steps the wall clock back 50 s; 60 s have really passed since the terminal came up.
    [down] = state.record(j, DOWN, 1.0, wall=980.0, mono_ns=70 * S)
    assert (down.kind, down.state) == (kind, "down")
    assert down.details["previous"] == "up"
    assert down.details["previous_duration_seconds"] == 60.0
    assert down.details["reason"] == "timeout"
    assert down.details["detail"] == "no answer within 1s"
    [back] = state.record(j, UP, 0.01, wall=1_005.0, mono_ns=95 * S)
    assert (back.state, back.details["previous"]) == ("up", "down")
    assert back.details["previous_duration_seconds"] == 25.0
    rec = state.records["t1"]
    assert (rec.state, rec.runs, rec.since_wall, rec.since_mono_ns) == ("up", 4, 1_005.0, 95 * S)
    assert [r.job.id for r in state.down()] == []


def test_host_job_makes_no_state_event_but_its_observations_do() -> None:
    j = job("host", "host")
    state = SiteState([j], always_open)
    eth_up = Outcome(True, observations=[Observation("interface_state", "eth0", "up", {"x": 1})])
    eth_down = Outcome(True, observations=[Observation("interface_state", "eth0", "down")])
    [c] = state.record(j, eth_up, 0.0, wall=500.0, mono_ns=1 * S)
    assert (c.kind, c.subject, c.state, c.details) == ("interface_state", "eth0", "up", {"x": 1})
    assert state.record(j, eth_up, 0.0, wall=530.0, mono_ns=31 * S) == []
    [c] = state.record(j, eth_down, 0.0, wall=400.0, mono_ns=91 * S)  # wall stepped back
    assert c.details == {"previous": "up", "previous_duration_seconds": 90.0}
    assert state.observed[("interface_state", "eth0")].state == "down"


def test_errors_are_counted() -> None:
    j = job("c", "check")
    state = SiteState([j], always_open)
    state.record(j, Outcome.down("error", "boom"), 0.0, 1.0, 1 * S, errored=True)
    state.record(j, DOWN, 0.0, 2.0, 2 * S)
    assert (state.records["c"].runs, state.records["c"].errors) == (2, 1)


def _open_8_to_17_utc(when: datetime) -> bool:
    return 8 <= when.astimezone(UTC).hour < 17


def _wall(hh: int, mm: int, ss: int = 0) -> float:
    return datetime(2025, 7, 7, hh, mm, ss, tzinfo=UTC).timestamp()


def test_terminal_service_hours_count_only_spans_that_start_in_service_hours() -> None:
    t = job("printer-1", "terminal", kind="printer")
    state = SiteState([t], _open_8_to_17_utc)
    rec = state.records["printer-1"]
    mono = 1_000 * S
    runs = [  # (wall, outcome, seconds since the previous run)
        (_wall(7, 59, 0), UP, 0),  # first run: nothing to credit
        (_wall(7, 59, 30), UP, 30),  # span 07:59:00-07:59:30, closed
        (_wall(8, 0, 0), UP, 30),  # span 07:59:30-08:00:00 starts closed: not counted
        (_wall(8, 0, 30), DOWN, 30),  # span 08:00:00-08:00:30 open, was up: up + observed
        (_wall(8, 1, 0), UP, 30),  # span open, was down: observed only
        (_wall(16, 59, 40), UP, 20),  # wall jumped (suspend): the span is what mono says
        (_wall(17, 0, 0), UP, 20),  # span 16:59:40-17:00:00 open, was up
        (_wall(17, 0, 30), UP, 30),  # span starts at 17:00:00, closed
    ]
    for wall, outcome, elapsed in runs:
        mono += elapsed * S
        state.record(t, outcome, 0.01, wall, mono)
    assert rec.service_observed_seconds == pytest.approx(30 + 30 + 20 + 20)
    assert rec.service_up_seconds == pytest.approx(30 + 20 + 20)


def test_only_terminals_are_accounted_in_service_hours() -> None:
    c = job("gw", "check")
    state = SiteState([c], always_open)
    state.record(c, UP, 0.0, 1.0, 1 * S)
    state.record(c, UP, 0.0, 31.0, 31 * S)
    assert state.records["gw"].service_observed_seconds == 0.0


def test_service_hours_open_takes_unix_time_in_utc() -> None:
    seen: list[datetime] = []

    def is_open(when: datetime) -> bool:
        seen.append(when)
        return True

    SiteState([], is_open).service_hours_open(_wall(8, 0))
    assert seen == [datetime(2025, 7, 7, 8, 0, tzinfo=UTC)]
