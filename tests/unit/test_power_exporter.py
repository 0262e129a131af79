"""Power series in /metrics: from the tracker's view of each source and the site summary."""

from __future__ import annotations

import re

from agent.metrics.catalogue import BY_NAME, CATALOGUE
from agent.metrics.exporter import AgentCollector
from agent.power.reading import KNOWN_FLAGS
from agent.runner import Runner
from agent.state import SiteState
from sansang.events import Change
from sansang.exposition import render
from tests.support.fakes import Journalled, PowerScript, always_open, fake_job, scrape, value


async def _site_with_ups() -> tuple[PowerScript, Runner, SiteState, Journalled]:
    ups = PowerScript()
    never = PowerScript()
    jobs = [fake_job("ups", ups, role="power"), fake_job("spare", never, role="power")]
    state = SiteState(jobs, always_open)
    sink = Journalled()
    return ups, Runner(jobs, state, sink), state, sink


async def test_a_source_that_answers_has_every_flag_and_only_the_values_it_gives() -> None:
    ups, runner, state, _ = await _site_with_ups()
    ups.say("OB DISCHRG", battery_charge_ratio=0.8, load_ratio=0.35)
    await runner.run_once(runner.jobs[0])
    fams = scrape(state)
    src = {"source": "ups"}
    assert value(fams, "sansang_power_source_up", source="ups", probe="fake_ups") == 1.0
    assert value(fams, "sansang_power_mains_present", **src) == 0.0
    assert value(fams, "sansang_power_on_battery", **src) == 1.0
    assert value(fams, "sansang_power_battery_charge_ratio", **src) == 0.8
    assert value(fams, "sansang_power_load_ratio", **src) == 0.35
    assert value(fams, "sansang_power_battery_runtime_seconds", **src) is None  # not given
    assert value(fams, "sansang_power_input_voltage_volts", **src) is None
    for flag in KNOWN_FLAGS:
        expected = 1.0 if flag in ("OB", "DISCHRG") else 0.0
        assert value(fams, "sansang_power_ups_status", source="ups", flag=flag) == expected
    assert value(fams, "sansang_power_site_mains_present") == 0.0
    # The source never polled is listed, and unknown: no up series, no values.
    assert value(fams, "sansang_power_source_up", source="spare", probe="fake_spare") is None
    info = [s for f in fams for s in f.samples if s.name == "sansang_power_source_info"]
    assert {s.labels["source"] for s in info} == {"ups", "spare"}
    assert [s.labels["model"] for s in info if s.labels["source"] == "ups"] == ["Santak Blazer"]


async def test_an_unknown_flag_stays_as_a_series_after_it_clears() -> None:
    ups, runner, state, _ = await _site_with_ups()
    ups.say("OL NEWFLAG")
    await runner.run_once(runner.jobs[0])
    assert value(scrape(state), "sansang_power_ups_status", source="ups", flag="NEWFLAG") == 1.0
    ups.say("OL")
    await runner.run_once(runner.jobs[0])
    assert value(scrape(state), "sansang_power_ups_status", source="ups", flag="NEWFLAG") == 0.0


async def test_communication_lost_is_up_0_with_no_stale_values() -> None:
    ups, runner, state, sink = await _site_with_ups()
    ups.say("OL", input_voltage_volts=221.0)
    await runner.run_once(runner.jobs[0])
    ups.say(None)
    await runner.run_once(runner.jobs[0])
    fams = scrape(state)
    assert value(fams, "sansang_power_source_up", source="ups", probe="fake_ups") == 0.0
    assert value(fams, "sansang_power_input_voltage_volts", source="ups") is None
    assert value(fams, "sansang_power_ups_status", source="ups", flag="OL") is None
    assert value(fams, "sansang_power_site_mains_present") is None
    comm = [c for c in sink.changes if c.kind == "power_source_state"]
    assert [(c.subject, c.state, c.details["reason"]) for c in comm] == [
        ("ups", "up", "ok"),
        ("ups", "down", "driver_not_connected"),
    ]


async def test_summary_series_for_every_window_and_class() -> None:
    ups, runner, state, sink = await _site_with_ups()
    for status in ("OL", "OB", "OL"):
        ups.say(status)
        await runner.run_once(runner.jobs[0])
    fams = scrape(state)
    assert [c.kind for c in sink.changes if c.kind == "mains_state"] == ["mains_state"] * 2
    for window in ("24h", "7d", "30d"):
        assert value(fams, "sansang_power_outages", window=window, **{"class": "momentary"}) == 1
        assert value(fams, "sansang_power_outages", window=window, **{"class": "sustained"}) == 0
        assert value(fams, "sansang_power_outage_longest_seconds", window=window) is not None
        assert value(fams, "sansang_power_ups_holdup_shortest_seconds", window=window) is None
    assert value(fams, "sansang_power_flapping") == 0.0


async def test_power_families_are_catalogued_and_render() -> None:
    ups, runner, state, _ = await _site_with_ups()
    ups.say("OL CHRG", battery_charge_ratio=1.0, battery_runtime_seconds=1800.0,
            input_voltage_volts=220.0, load_ratio=0.2)  # fmt: skip
    await runner.run_once(runner.jobs[0])
    fams = scrape(state)
    emitted = {s.name for f in fams for s in f.samples}
    for f in fams:
        for s in f.samples:
            assert set(s.labels) == set(BY_NAME[s.name].labels), s.name
    power = {m.name for m in CATALOGUE if m.source == "power"}
    assert power - emitted == {"sansang_power_ups_holdup_shortest_seconds"}  # none ran out
    text = render(AgentCollector(None, state, None).families()).decode()
    assert 'sansang_power_ups_status{source="ups",flag="CHRG"} 1' in text


def test_the_power_help_names_no_fixed_sustained_threshold() -> None:
    """The help is static and the threshold configurable (power.sustained_after): the help says
    "the configured sustained threshold", never a number of minutes that may be wrong."""
    for name in ("sansang_power_outages", "sansang_power_outage_duration_seconds"):
        help_text = BY_NAME[name].help
        assert "configured sustained threshold" in help_text, name
        assert not re.search(r"\d+\s*min", help_text), name


def test_change_has_a_value_for_measurements() -> None:
    assert Change("ups_depleted", "ups", "depleted", {}, 12.5).value == 12.5


def test_an_agent_without_snmp_sources_never_loads_pysnmp() -> None:
    """pysnmp costs ~10 MiB of RSS: it is imported on an SNMP source's first poll only."""
    import subprocess
    import sys

    code = (
        "import sys, agent.app, agent.config, agent.probes, sansang.cli\n"
        "print(any(m.split('.')[0] == 'pysnmp' for m in sys.modules))\n"
        "from agent.power.snmp import client\n"
        "print(any(m.split('.')[0] == 'pysnmp' for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


async def test_unknown_flags_are_bounded_per_source() -> None:
    ups, runner, state, _ = await _site_with_ups()
    for i in range(10):  # a device that invents four new words every poll
        ups.say("OL " + " ".join(f"X{i}_{j}" for j in range(4)))
        await runner.run_once(runner.jobs[0])
    flags = [
        s.labels["flag"]
        for f in scrape(state)
        for s in f.samples
        if s.name == "sansang_power_ups_status"
    ]
    assert len(flags) == len(KNOWN_FLAGS) + 16
