"""evaluate_all against a real SQLite store: one pass over the window, every evaluated target for
every site of the inventory, rolled up per province."""

from __future__ import annotations

from typing import Any

import pytest

from collector.evaluate.run import evaluate_all
from collector.store import Store
from collector.survey import SurveyPoint
from collector.targets import load_catalogue
from tests.support import event_in
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, _example, at

# A finding per site for each of these (the rollups below name them).
SITE_TARGETS = [
    t.id for t in load_catalogue().targets if t.status == "evaluated" and t.scope == "site"
]


def sa_thay() -> Journal:
    j = Journal()
    j.add(at(-2), "agent_started", "agent")
    j.add(at(-2), "power_source_state", "ups-1", "up", probe="nut")
    j.service(at(-2), "up", "mot-cua", "one_stop_system")
    j.service(at(-2), "up", "dvcqg", "national_portal")
    j.service(at(-2), "up", "dc", "province_datacenter")
    for tid, kind in (
        ("counter-1", "counter_pc"),
        ("printer-1", "printer"),
        ("hnth", "video_conference"),
    ):
        j.terminal(at(-2), tid, "up", kind)
    signalling = {"signalling": "answered", "signalling_protocol": "sip", "signalling_port": 5060}
    j.add(at(-2), "terminal_state", "hnth", "up", kind="video_conference", **signalling)
    for day in range(6):  # afternoon power cuts: a power dead zone
        j.outage(at(day * 4 + 1, 14), 30 * 60)
    j.mains_lost(at(9, 14))
    j.service(at(9, 14.2), "down", "dc", "province_datacenter")
    j.mains_restored(at(10, 7.9), 17.9 * 3600)
    j.service(at(10, 8), "up", "dc", "province_datacenter")
    for week in range(4):
        j.speedtest(at(week * 7 + 2, 3), "internet", 150, 30)
        j.speedtest(at(week * 7 + 2, 4), "tslcd", 40, 40)
    return j


def test_every_site_and_target_once_from_the_store(store: Store) -> None:
    j = sa_thay()
    stranger = Journal(site="99999-gone")  # a site the inventory does not list
    stranger.service(at(2), "down")
    for journal in (j, stranger):
        events = sorted([*journal.before, *journal.events], key=lambda e: e.seq)
        result = store.insert_events(journal.site, "j1", [event_in(e) for e in events], at(29))
        assert result.accepted == len(events)
    store.add_survey_points([SurveyPoint("Thôn 2", 15.381, 109.119, at(3), 1e5, 1e4, 0.2, 0.3)])
    inventory = _example()
    evaluation = evaluate_all(store, inventory, load_catalogue(), THRESHOLDS, WINDOW)

    keys = [(f.site, f.target) for f in evaluation.findings]
    assert len(keys) == len(set(keys)) == 2 * len(SITE_TARGETS)
    assert {site for site, _t in keys} == {"23527-main", "21548-main"}
    by = {(f.site, f.target): f for f in evaluation.findings}
    power = by["23527-main", "INF-PWR"]
    assert power.status == "not_met" and "điểm lõm điện" in power.vi
    assert power.details["sustained"] == 7
    link = by["23527-main", "INF-LINK"]
    assert link.status == "not_met" and link.cause == "power"
    assert by["23527-main", "INF-BW"].status == "met"
    assert by["23527-main", "INF-HNTH"].status == "met"
    assert by["23527-main", "INF-EQUIP"].status == "not_met"  # no scanner, no queue machine
    assert by["23527-main", "OPS-247"].status == "met"
    cont = by["23527-main", "OPS-CONT"]  # no link_state, no scanner, no queue machine: not followed
    assert cont.status == "unknown" and cont.details["not_followed"] == (
        "link,device:scanner,device:queue_machine"
    )
    assert by["21548-main", "INF-LINK"].status == "unknown"  # nothing from Lý Sơn
    hnth = by["21548-main", "INF-HNTH"]  # no endpoint, not on the example's list: not required
    assert hnth.status == "met" and hnth.details["required"] == "no"
    assert by["21548-main", "INF-DZ"].status == "not_met"  # the survey point beside it
    rollups = {r.target: r for r in evaluation.rollups}
    assert set(rollups) == {
        "INF-BW",
        "INF-LINK",
        "INF-DZ",
        "INF-PWR",
        "INF-HNTH",
        "INF-EQUIP",
        "OPS-247",
        "OPS-CONT",
        "SEC-CONTINGENCY",
        "SEC-DRILL",
        "SEC-EARLY",
        "SEC-LEVEL",
        "SEC-MEASURES",
        "SEC-TEAM",
    }
    assert (rollups["INF-PWR"].met, rollups["INF-PWR"].not_met, rollups["INF-PWR"].unknown) == (
        0,
        1,
        1,
    )
    assert rollups["OPS-247"].central_outages == ()
    assert evaluation.window == WINDOW


def test_contingency_reads_evidence_older_than_the_window_from_the_store(store: Store) -> None:
    """SEC-CONTINGENCY: the newest backup_link_working and outage before the window (the store's
    state before it) count within evidence_max_age_days; nothing from Lý Sơn is unknown."""
    j = Journal()
    j.add(at(-100), "backup_link_working", "4g", None, None, evidence="quality_round")
    j.add(at(-200), "backup_link_working", "4g", None, None, evidence="speedtest")
    j.mains_restored(at(-120), 900)
    j.alive()
    events = sorted([*j.before, *j.events], key=lambda e: e.seq)
    assert store.insert_events(j.site, "j1", [event_in(e) for e in events], at(29)).accepted == 4
    evaluation = evaluate_all(store, _example(), load_catalogue(), THRESHOLDS, WINDOW)
    by = {(f.site, f.target): f for f in evaluation.findings}
    sa_thay = by["23527-main", "SEC-CONTINGENCY"]
    assert sa_thay.status == "met", sa_thay.vi
    assert sa_thay.evidence[1].refs == ("23527-main/j1/1",)  # the newer of the two
    assert by["21548-main", "SEC-CONTINGENCY"].status == "unknown"
    # The example's responders confirmed on 2025-09/10: more than 180 days before 01/07/2026.
    assert by["23527-main", "SEC-TEAM"].status == "not_met"
    # Sa Thầy's cyberattack plan has no drill (its only drills are of hardware and link loss).
    assert by["23527-main", "SEC-DRILL"].vi == "Chưa diễn tập phòng chống tấn công mạng"


async def test_run_forever_replaces_the_evaluation_on_its_interval(store: Store) -> None:
    import asyncio

    from collector.config import CollectorConfig, EvaluateConfig
    from collector.context import Collector
    from collector.evaluate.run import run_forever
    from tests.support import wait_until_async
    from tests.support.evaluate import EXAMPLE

    config = CollectorConfig(inventory=EXAMPLE, evaluate=EvaluateConfig(interval=0.05))
    catalogue = load_catalogue()
    c = Collector(config, _example(), catalogue, THRESHOLDS, store)
    task = asyncio.create_task(run_forever(c))
    try:
        first = await wait_until_async(_evaluation(c), 20, "a first evaluation")
        second = await wait_until_async(_newer(c, first.evaluated_at), 20, "a second one")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(second.findings) == 2 * len(SITE_TARGETS) and second.window.seconds == 30 * 86400


def _evaluation(c: Any) -> Any:
    async def check() -> Any:
        return c.evaluation

    return check


def _newer(c: Any, than: float) -> Any:
    async def check() -> Any:
        e = c.evaluation
        return e if e is not None and e.evaluated_at > than else None

    return check


def test_a_data_centre_both_sites_lose_at_once_is_left_out_of_inf_link(store: Store) -> None:
    """INF-LINK waits for the province's central outages, as OPS-247: the data centre down for
    both sites of the inventory at once (their mains and links up) is not their link."""
    for key in ("23527-main", "21548-main"):
        j = Journal(site=key)
        j.service(at(-2), "up", "dvcqg", "national_portal")
        j.service(at(-2), "up", "dc", "province_datacenter")
        j.service(at(12, 9), "down", "dc", "province_datacenter")
        j.service(at(12, 21), "up", "dc", "province_datacenter")
        j.alive()
        events = sorted([*j.before, *j.events], key=lambda e: e.seq)
        store.insert_events(key, "j1", [event_in(e) for e in events], at(29))
    evaluation = evaluate_all(store, _example(), load_catalogue(), THRESHOLDS, WINDOW)
    links = [f for f in evaluation.findings if f.target == "INF-LINK"]
    assert [(f.site, f.status, f.value) for f in links] == [
        ("21548-main", "met", 1.0),
        ("23527-main", "met", 1.0),
    ]
    assert all(f.details["central_seconds"] == 12 * 3600 for f in links)
