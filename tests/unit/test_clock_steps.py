"""A wall-clock step on the agent's machine changes no duration and no finding: the collector
measures spans of one boot on the agent's monotonic clock (collector/evaluate/clock.py).

Each scenario is written twice, as an agent would journal it: with a steady clock, and with its
wall clock stepped at a moment inside the span (the monotonic values are the same; events after
the step carry wall times ``step`` off, and the agent journals ``clock_step`` 10 s after it).
What the store would give back for the window is what the rules read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from collector.evaluate.clock import on_one_clock, started_at
from collector.evaluate.model import Finding, SiteInputs
from collector.evaluate.rules.power_outages import power_outages
from collector.evaluate.rules.service_availability import service_availability
from collector.evaluate.rules.terminal_availability import terminal_availability
from collector.evaluate.rules.uptime import uptime
from collector.evaluate.timeline import agent_gaps
from collector.events import StoredEvent
from collector.inventory.model import Site
from tests.support.evaluate import DAY, HOUR, THRESHOLDS, WINDOW, Journal, at, site, terminal

STEPS = [pytest.param(HOUR, id="+1h"), pytest.param(-HOUR, id="-1h")]
BIG_STEPS = [*STEPS, pytest.param(4 * HOUR, id="+4h"), pytest.param(-4 * HOUR, id="-4h")]
Step = tuple[float, float]  # (true time, seconds the wall clock jumps by)


def written(j: Journal, steps: Sequence[Step] = (), s: Site | None = None) -> SiteInputs:
    """``j``'s events as the agent journals them with these wall-clock steps (seq in the order
    they happened), and what the store returns for WINDOW: the events whose wall time is in it,
    and those before it."""
    events = [*j.before, *j.events]
    events += [j.make(t + 10, "clock_step", "system", None, d, step_seconds=d) for t, d in steps]
    events.sort(key=lambda e: (e.monotonic_ns, e.seq))
    out: list[StoredEvent] = []
    for seq, e in enumerate(events, 1):
        shift = sum(d for t, d in steps if e.monotonic_ns >= int(t * 1e9))
        out.append(replace(e, seq=seq, wall_time=e.wall_time + shift))
    before = [e for e in out if e.wall_time < WINDOW.start]
    inside = [e for e in out if WINDOW.start <= e.wall_time < WINDOW.end]
    inside.sort(key=lambda e: (e.wall_time, e.seq))
    return SiteInputs(s or site(), inside, before)


def _seq(e: StoredEvent) -> int:
    return e.seq


def figures(f: Finding) -> tuple[Any, ...]:
    """What a finding says, but the refs of its evidence (the steps add events)."""
    return f.status, f.value, f.vi, f.en, f.cause, dict(f.details)


def evidence(f: Finding) -> list[tuple[str, str]]:
    return [(e.vi, e.en) for e in f.evidence]


# -- INF-PWR ------------------------------------------------------------------------------------


def watched() -> Journal:
    j = Journal()
    j.add(at(-3), "power_source_state", "ups-1", "up", probe="nut")
    return j.alive()


@pytest.mark.parametrize("seconds", [12.0, 20 * 60.0])
@pytest.mark.parametrize("step", BIG_STEPS)
def test_a_step_inside_a_power_outage_changes_no_figure(seconds: float, step: float) -> None:
    j = watched()
    start = at(5, 10)
    j.outage(start, seconds)
    steady, stepped = written(j), written(j, [(start + 5, step)])
    lost, restored = sorted((e for e in stepped.events if e.kind == "mains_state"), key=_seq)
    assert restored.wall_time - lost.wall_time == pytest.approx(seconds + step)  # the wall says

    th = THRESHOLDS["INF-PWR"]
    expected = power_outages(steady, th, WINDOW)
    assert expected.status == "met" and expected.details["outage_minutes"] == round(seconds / 60, 1)
    assert figures(power_outages(stepped, th, WINDOW)) == figures(expected)


@pytest.mark.parametrize("step", STEPS)
def test_a_ups_silent_across_a_step_is_unknown_for_as_long_as_it_was(step: float) -> None:
    j = watched()
    j.add(at(4, 8), "power_source_state", "ups-1", "down", reason="driver_not_connected")
    j.add(at(4, 12), "power_source_state", "ups-1", "up", probe="nut")
    j.outage(at(9, 14), 30 * 60)
    th = THRESHOLDS["INF-PWR"]
    expected = power_outages(written(j), th, WINDOW)
    assert expected.details["unknown_seconds"] == pytest.approx(4 * HOUR)
    assert figures(power_outages(written(j, [(at(4, 10), step)]), th, WINDOW)) == figures(expected)


# -- INF-LINK, OPS-247 --------------------------------------------------------------------------


def both_up() -> Journal:
    j = Journal()
    for subject, role in (("dvcqg", "national_portal"), ("dc", "province_datacenter")):
        j.service(at(-2), "up", subject, role)
    j.service(at(-2), "up", "mot-cua", "one_stop_system")
    return j.alive()


@pytest.mark.parametrize("step", STEPS)
def test_a_step_inside_a_link_outage_changes_no_uptime_figure(step: float) -> None:
    j = both_up()
    j.add(at(3, 9.99), "link_state", "tslcd", "down")
    j.service(at(3, 10), "down", "dc", "province_datacenter")
    j.service(at(3, 10), "down", "dvcqg", "national_portal")
    j.service(at(3, 20), "up", "dc", "province_datacenter")
    j.service(at(3, 20), "up", "dvcqg", "national_portal")
    steady, stepped = written(j), written(j, [(at(3, 15), step)])

    link = uptime(steady, THRESHOLDS["INF-LINK"], WINDOW)
    assert link.status == "not_met" and link.details["down_seconds"] == pytest.approx(10 * HOUR)
    assert figures(uptime(stepped, THRESHOLDS["INF-LINK"], WINDOW)) == figures(link)
    service = service_availability(steady, THRESHOLDS["OPS-247"], WINDOW)
    assert service.status == "not_met"
    assert figures(service_availability(stepped, THRESHOLDS["OPS-247"], WINDOW)) == figures(service)


@pytest.mark.parametrize("step", STEPS)
def test_quality_rounds_silent_across_a_step_are_unknown_for_as_long_as_they_were(
    step: float,
) -> None:
    """Three hours without a round, the clock stepped inside them: three hours unknown.  The
    stretch of the boot that is moved onto the other's clock leaves up to ``step`` unknown at the
    window's edge it touches: the store picks the window's events by their wall time, so those
    the move would bring in from beyond the edge are not read (docs/architecture.md)."""
    j = Journal()
    t = WINDOW.start
    while t < WINDOW.end - 300:
        if not at(8, 9) < t < at(8, 12):
            j.add(t, "link_quality", "dc", None, 0.02, role="province_datacenter", link="tslcd",
                  received=20, loss_ratio=0.0)  # fmt: skip
        t += 300
    th = THRESHOLDS["INF-LINK"]
    steady, stepped = written(j), written(j, [(at(8, 10), step)])
    assert agent_gaps(steady, WINDOW) == [(at(8, 9), at(8, 12))]
    *edge, silence = sorted(agent_gaps(stepped, WINDOW), key=lambda g: g[1] - g[0])
    assert silence[1] - silence[0] == pytest.approx(3 * HOUR, abs=1e-3)
    assert len(edge) <= 1 and all(WINDOW.start in g or WINDOW.end in g for g in edge)
    assert sum(b - a for a, b in edge) <= abs(step) + 600  # and the last rounds' own distance
    expected, found = uptime(steady, th, WINDOW), uptime(stepped, th, WINDOW)
    assert (found.status, found.value) == (expected.status, expected.value) == ("met", 1.0)


# -- the calendar ---------------------------------------------------------------------------------


def test_an_hour_set_wrong_inside_outages_leaves_every_span_in_its_place() -> None:
    """The clock is set an hour ahead at 09:30 and put right at 11:00: the longest stretches
    of the boot were right, so every span keeps its length and its place in the calendar,
    service hours included (the printer's outage from 09:00 to 10:00 is an hour of them)."""
    j = both_up()
    for tid, kind in (("printer-1", "printer"), ("counter-1", "counter_pc")):
        j.terminal(at(-1), tid, "up", kind)
    j.terminal(at(2, 9), "printer-1", "down")
    j.terminal(at(2, 10), "printer-1", "up")
    j.add(at(2, 9), "power_source_state", "ups-1", "up", probe="nut")
    j.outage(at(2, 9.25), 20 * 60)
    j.service(at(2, 9.4), "down", "dc", "province_datacenter")
    j.service(at(2, 10.5), "up", "dc", "province_datacenter")
    s = site(terminals=[terminal("printer-1", "printer"), terminal("counter-1", "counter_pc")])
    steady = written(j, s=s)
    stepped = written(j, [(at(2, 9.5), HOUR), (at(2, 11), -HOUR)], s=s)
    assert any(e.wall_time - at(2, 10) == pytest.approx(HOUR) for e in stepped.events)

    for target, rule in (
        ("INF-PWR", power_outages),
        ("INF-LINK", uptime),
        ("INF-EQUIP", terminal_availability),
    ):
        expected = rule(steady, THRESHOLDS[target], WINDOW)
        found = rule(stepped, THRESHOLDS[target], WINDOW)
        assert figures(found) == figures(expected), target
        assert evidence(found) == evidence(expected), target
    printer = terminal_availability(steady, THRESHOLDS["INF-EQUIP"], WINDOW)
    assert printer.details["availability:printer-1"] == round(1 - 1 / 181, 4)


def event(
    seq: int, boot: str, wall: float, mono: float, kind: str, state: str | None = None, **more: Any
) -> StoredEvent:
    """An event of journal j1 (``mono`` in seconds; ``value`` and details from ``more``)."""
    value = more.pop("value", None)
    return StoredEvent("s", "j1", seq, boot, wall, int(mono * 1e9), kind, "x", state, value, more)


RESTORED_AFTER_A_MINUTE: dict[str, Any] = {"value": 60.0, "duration_clock": "monotonic"}


def test_a_stale_clock_at_boot_is_put_on_the_clock_ntp_set() -> None:
    """A box without a clock battery boots three days behind; NTP steps it a minute later.  The
    boot's longest stretch is after the step: the first minute's events move onto it."""
    stale = 3 * DAY
    boot = [
        event(1, "b", at(4) - stale, 10, "agent_started"),
        event(2, "b", at(4) + 30 - stale, 40, "mains_state", "lost"),
    ]
    after = [
        event(3, "b", at(4) + 60, 70, "clock_step", value=stale),
        event(4, "b", at(4) + 90, 100, "mains_state", "restored", **RESTORED_AFTER_A_MINUTE),
        event(5, "b", at(9), 10 + 5 * DAY, "agent_stopped"),
    ]
    events, before = on_one_clock(after, boot)
    assert [e.wall_time for e in before] == [at(4), at(4) + 30]
    assert events is after  # the longest stretch: not moved
    restored = after[1]
    assert started_at(restored) == before[1].wall_time
    assert restored.wall_time - before[1].wall_time == 60.0  # the monotonic length


# -- what is left alone -------------------------------------------------------------------------


def test_across_boots_the_wall_clock_is_all_there_is() -> None:
    """The host died with the UPS: the outage's end comes from another boot, whose monotonic
    clock started again.  Its length is the wall-clock one, and a step in the first boot moves
    nothing of the second."""
    first = event(5, "boot-a", at(6, 7), 1000, "agent_started")
    step = event(6, "boot-a", at(6, 9) + HOUR + 10, 1000 + 7210, "clock_step", value=HOUR)
    lost = event(7, "boot-a", at(6, 10) + HOUR, 1000 + 10800, "mains_state", "lost")
    by_wall = {"duration_clock": "wall", "started_wall_time_unix": lost.wall_time}
    restored = event(8, "boot-b", at(6, 12), 20, "mains_state", "restored", value=HOUR, **by_wall)
    assert started_at(restored) == lost.wall_time  # as the agent's wall clock said
    events, _ = on_one_clock([first, step, lost, restored])
    assert [e.wall_time for e in events] == [at(6, 7), at(6, 9) + 10, at(6, 10), at(6, 12)]
    assert events[0] is first and events[-1] is restored  # the longest stretch; another boot
    found = power_outages(SiteInputs(site(), events), THRESHOLDS["INF-PWR"], WINDOW)
    assert found.details["outage_minutes"] == 60.0  # restored's wall time less the noted start


def test_without_a_journalled_step_nothing_moves() -> None:
    """Monotonic values that are no clock (a hand-made journal) are left alone: only a boot
    whose agent journalled a ``clock_step`` is put on one clock."""
    events = [
        StoredEvent("s", "j1", n, "b", at(n), n, "check_state", "c", "up" if n % 2 else "down")
        for n in range(1, 6)
    ]
    before = [StoredEvent("s", "j1", 0, "b", at(-1), 0, "check_state", "c", "up")]
    moved, moved_before = on_one_clock(events, before)
    assert moved is events and moved_before is before
