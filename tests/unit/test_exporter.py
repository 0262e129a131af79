"""What the exporter makes of the runner's results: only catalogued families, unknown absent,
the site as one series, output that parses as text and OpenMetrics."""

from __future__ import annotations

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families

from agent.config import Site
from agent.jobs import Job
from agent.metrics.catalogue import BY_NAME, CATALOGUE
from agent.metrics.exporter import AgentCollector, AgentIdentity, UnknownMetricError
from agent.probes import host
from agent.probes._hostsource import RecordedSource
from agent.probes.base import Outcome, ProbeContext, Sample
from agent.runner import Runner
from agent.state import SiteState
from sansang import communes
from sansang.exposition import render
from tests.support.fakes import (
    HOST_FIXTURE,
    FakeSpec,
    Journalled,
    always_open,
    fake_job,
    sample_values,
    scrape,
    value,
)

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
