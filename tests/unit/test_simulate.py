"""The simulator: a deterministic scenario, and simulated sources going through the agent's own
code (the journal events have the agent's shapes: the collector's EventIn accepts every one)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent.journal.store import Journal
from collector.events import EventIn
from collector.inventory import model as inventory_model
from sansang.event_details import details_model
from sansang.events import KINDS
from simulate.cli import listen_of
from simulate.driver import Driver, Progress, SimClock, SiteRun, site_runs
from simulate.files import inventory_data, prepare
from simulate.places import FOOTNOTE_COMMUNES, fold, match_footnote
from simulate.scenario import Scenario

START = datetime(2026, 11, 10, 0, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()
DAY = 86400.0


def _traits(s: Scenario) -> list[tuple[Any, ...]]:
    return [
        (p.key, p.place.latitude, p.place.longitude, p.mountain, p.dead_zone, p.flapping,
         p.no_conference, p.links, p.terminals, p.ups_minutes)
        for p in s.sites
    ]  # fmt: skip


def test_the_scenario_is_the_same_for_a_seed_and_differs_between_seeds() -> None:
    a, b, c = Scenario.build(15, 7), Scenario.build(15, 7), Scenario.build(15, 8)
    assert _traits(a) == _traits(b)
    assert _traits(a) != _traits(c)
    assert any(p.mountain for p in a.sites)
    assert any(p.dead_zone for p in a.sites)
    assert any(p.flapping for p in a.sites)
    assert any(p.no_conference for p in a.sites)


def test_every_footnote_commune_has_an_official_code_in_quang_ngai() -> None:
    matched, unmatched = match_footnote("51")
    assert unmatched == []
    assert len(matched) == len(FOOTNOTE_COMMUNES) == 20
    assert {fold(c.name) for c in matched} == {fold(n) for n in FOOTNOTE_COMMUNES}
    assert all(c.province_code == "51" for c in matched)
    assert "23356" in {c.code for c in matched}  # Xã Xốp
    assert match_footnote("01") == ([], [])  # another province: the footnote is not about it


def test_footnote_sites_have_no_conference_terminal_in_the_inventory() -> None:
    scenario = Scenario.build(96, 3)  # every commune of the province
    assert sum(p.no_conference for p in scenario.sites) == 20
    # The collector's own validation of the inventory the simulator writes.
    inv = inventory_model.Inventory.model_validate(inventory_data(scenario))
    assert inventory_model.cross_check(inv) == []
    assert len(inv.sites) == 96
    footnote = {c.code for c in match_footnote("51")[0]}
    for site in inv.sites:
        kinds = {t.kind for t in site.terminals}
        assert ("video_conference" in kinds) == (site.commune_code not in footnote), site.key
        assert site.push is not None
    assert len({(s.latitude, s.longitude) for s in inv.sites}) == 96
    # The province's list of communes that must have an endpoint is the footnote's.
    assert inv.video_conference_required is not None
    assert {c for r in inv.video_conference_required for c in r.communes} == footnote
    for site in inv.sites:
        duty = site.conference_duty
        assert duty is not None and duty.required == (site.commune_code in footnote), site.key


def test_make_runs_own_commune_is_never_one_of_the_simulated_ones() -> None:
    """``make run`` adds this machine's agent (Sa Thầy, 23527) beside the simulated communes:
    the board counts communes, so none may be there twice."""
    for seed in range(1, 8):
        scenario = Scenario.build(20, seed, avoid={"23527"})
        codes = [p.code for p in scenario.sites]
        assert "23527" not in codes and len(set(codes)) == 20, seed


@pytest.mark.parametrize(
    ("given", "listen"),
    [("http://127.0.0.1:9718/", "127.0.0.1:9718"), ("127.0.0.1:19718", "127.0.0.1:19718")],
)
def test_the_collector_is_given_as_a_url_or_host_and_port(given: str, listen: str) -> None:
    assert listen_of(given) == listen


@pytest.mark.parametrize("given", ["https://127.0.0.1:9718/", "127.0.0.1", "http://:80/"])
def test_a_collector_that_is_not_http_host_port_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="http"):
        listen_of(given)


def test_too_many_sites_for_the_province_is_refused() -> None:
    with pytest.raises(ValueError, match=r"1\.\.96"):
        Scenario.build(97, 1)


async def _backfill(
    tmp: Path, seed: int, days: float, sites: int
) -> tuple[Scenario, list[SiteRun]]:
    scenario = Scenario.build(sites, seed)
    scenario.plan_central_outage(START, START + days * DAY)
    prepared = prepare(scenario, tmp, collector_listen="127.0.0.1:1")
    clock = SimClock(START)
    runs = site_runs(scenario, prepared.configs, clock)
    await Driver(runs, clock).run_until(START + days * DAY, Progress(), asyncio.Event())
    for site in runs:
        await site.stop()
    return scenario, runs


def _events(site: SiteRun) -> list[dict[str, Any]]:
    journal = Journal(site.config.journal.path, boot_id="reader")
    try:
        return [e.to_json(site.plan.key) for e in journal.read(0, 100_000)]
    finally:
        journal.close()


def _simulated(event: dict[str, Any]) -> dict[str, Any]:
    """The event without what the agent measures on the real clock: how long a failed
    throughput test took (time.monotonic() in SpeedtestRunner)."""
    if event["kind"] == "speedtest_result" and event["state"] == "failed":
        details = {k: v for k, v in event["details"].items() if k != "duration_seconds"}
        return {**event, "details": details}
    return event


async def test_the_journals_are_the_same_for_a_seed_and_have_the_agents_shapes(
    tmp_path: Path,
) -> None:
    scenario, first = await _backfill(tmp_path / "a", seed=5, days=1.5, sites=6)
    _, second = await _backfill(tmp_path / "b", seed=5, days=1.5, sites=6)
    seen: set[str] = set()
    for a, b in zip(first, second, strict=True):
        events_a, events_b = _events(a), _events(b)
        assert [_simulated(e) for e in events_a] == [_simulated(e) for e in events_b], a.plan.key
        for e in events_a:
            EventIn.model_validate(e)  # what the collector's ingest accepts
            typed = details_model(e["kind"]).model_validate(e["details"])
            assert typed.model_extra == {}, f"details the collector does not type: {e}"
            assert e["kind"] in KINDS
            seen.add(e["kind"])
    expected = {
        "agent_started", "agent_stopped", "check_state", "service_state", "terminal_state",
        "power_source_state", "mains_state", "battery_low", "ups_depleted", "link_quality",
        "link_state", "speedtest_result",
    }  # fmt: skip
    assert expected <= seen
    assert scenario.central_outages


async def test_the_scenario_reaches_the_journal_through_the_agents_trackers(
    tmp_path: Path,
) -> None:
    scenario, sites = await _backfill(tmp_path, seed=5, days=1.5, sites=8)
    start, _end = scenario.central_outages[0]
    for site in sites:
        events = _events(site)
        # The central outage: the one-stop system down at every site, as a 503, at its start
        # (within one check interval, 60 s), unless the site had already lost it.
        down = [
            e for e in events
            if e["kind"] == "service_state" and e["subject"] == "motcua" and e["state"] == "down"
            and start <= e["wall_time_unix"] <= start + 60
        ]  # fmt: skip
        assert down or not site.plan.links, site.plan.key
        assert all(e["details"]["reason"] == "http_status" for e in down)
        assert all(e["details"]["role"] == "one_stop_system" for e in down)
        kinds = {e["kind"] for e in events}
        if site.plan.mountain:
            lost = [e for e in events if e["kind"] == "mains_state" and e["state"] == "lost"]
            assert lost, site.plan.key
            assert "ups_depleted" in kinds  # the power tracker saw the UPS's output go off
            assert "battery_low" in kinds
        if site.plan.dead_zone:
            rounds = [e for e in events if e["kind"] == "link_quality"]
            assert rounds and all(e["details"]["link_kind"] == "mobile" for e in rounds)
            tests = [e for e in events if e["kind"] == "speedtest_result" and e["state"] == "ok"]
            assert tests and all(e["details"]["download_bps"] < 10e6 / 8 for e in tests)
        if site.plan.flapping:
            flips = [e for e in events if e["kind"] == "link_state" and e["subject"] == "fibre"]
            assert len(flips) >= 6, site.plan.key
        terminals = {e["subject"] for e in events if e["kind"] == "terminal_state"}
        assert ("hnth" in terminals) == (not site.plan.no_conference)
