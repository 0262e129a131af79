"""A bad event or a failing rule for one site makes that site's target unknown, nothing more.

The bad rows are written straight into a real SQLite store (around the ingest's checks, as a
restored database or an older version's rows would be), beside good events of another site; the
other site's findings must equal those of a run without the bad site, the bad site's target is
unknown with the error as its evidence, counted, and logged once."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from collector.config import CollectorConfig, EvaluateConfig
from collector.context import Collector
from collector.evaluate import failure, run
from collector.evaluate.failure import FailureLog, checked, describe
from collector.evaluate.isolate import MAX_CULPRITS, finish_isolating
from collector.evaluate.model import Evaluation, Finding
from collector.evaluate.rules import RULES
from collector.evaluate.run import evaluate_all, run_forever
from collector.store import Store
from collector.store.unreadable import UnreadableDetailsError
from collector.survey import SurveyPoint
from collector.targets import load_catalogue
from collector.web.metrics import families
from sansang import exposition
from tests.support import event_in, wait_until_async
from tests.support.evaluate import EXAMPLE, THRESHOLDS, WINDOW, Journal, _example, at
from tests.support.metrics import parse_metrics, value

GOOD, BAD = "23527-main", "21548-main"  # Sa Thầy, Lý Sơn in the example inventory
FAILURES = "collector.evaluate.failure"
SITE_TARGETS = [
    t.id for t in load_catalogue().targets if t.status == "evaluated" and t.scope == "site"
]


def good_journal(site: str = GOOD) -> Journal:
    """A month of a site with something for every target: power cuts, links, speed tests.  No
    loss two sites share: the good site's findings do not depend on the other's."""
    j = Journal(site=site)
    j.add(at(-2), "agent_started", "agent")
    j.add(at(-2), "power_source_state", "ups-1", "up", probe="nut")
    j.service(at(-2), "up", "mot-cua", "one_stop_system")
    j.service(at(-2), "up", "dvcqg", "national_portal")
    j.service(at(-2), "up", "dc", "province_datacenter")
    j.terminal(at(-2), "counter-1", "up", "counter_pc")
    j.terminal(at(-2), "hnth", "up", "video_conference")
    for day in range(3):
        j.outage(at(day * 5 + 1, 14), 30 * 60)
    day = 9 if site == GOOD else 19  # a loss of its own: no central outage
    j.service(at(day, 14), "down", "mot-cua", "one_stop_system")
    j.service(at(day, 16), "up", "mot-cua", "one_stop_system")
    if site == GOOD:  # the bad site's only one is the bad row's
        j.add(at(-20), "backup_link_working", "4g", None, None, evidence="speedtest")
    for week in range(4):
        j.speedtest(at(week * 7 + 2, 3), "internet", 150, 30)
    return j.alive()


def insert(store: Store, journal: Journal) -> None:
    rows = sorted([*journal.before, *journal.events], key=lambda e: e.seq)
    store.insert_events(journal.site, "j1", [event_in(e) for e in rows], at(29))


def insert_raw(
    store: Store,
    seq: int,
    wall_time: float,
    kind: str,
    subject: str,
    state: str | None = None,
    value_: Any = None,
    details: Any = None,
    *,
    site: str = BAD,
    text: str | None = None,
) -> None:
    """One row as a restored database may hold it: no ingest, no check, not even the column's
    type (SQLite keeps a text in a REAL column)."""
    details_text = text if text is not None else json.dumps(details or {})
    row = (site, "old", seq, "boot", wall_time, 0, kind, subject, state, value_, details_text)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO events (site, journal_id, seq, boot_id, wall_time, monotonic_ns, kind,"
            " subject, state, value, details, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*row, at(29)),
        )


def evaluate(store: Store, log: FailureLog | None = None) -> Evaluation:
    return evaluate_all(store, _example(), load_catalogue(), THRESHOLDS, WINDOW, None, log)


def of_site(evaluation: Evaluation, site: str) -> dict[str, Finding]:
    return {f.target: f for f in evaluation.findings if f.site == site}


@pytest.fixture
def baseline(tmp_path: Path) -> dict[str, Finding]:
    """The good site's findings from a store without the bad site's rows."""
    s = Store.open(f"sqlite:///{tmp_path / 'baseline.db'}")
    try:
        insert(s, good_journal())
        evaluation = evaluate(s)
    finally:
        s.close()
    assert not evaluation.errors
    return of_site(evaluation, GOOD)


def assert_failed(f: Finding, error: str) -> None:
    """An unknown finding whose one evidence is the evaluation's error, in both languages."""
    assert f.status == "unknown" and f.value is None
    assert "Không đánh giá được" in f.vi and "Could not be evaluated" in f.en
    (evidence,) = f.evidence
    assert evidence.kind == "error"
    assert evidence.vi.startswith(f"Đánh giá thất bại: {error}")
    assert evidence.en.startswith(f"The evaluation failed: {error}")
    assert f.details == {"error": error}


def failed(f: Finding) -> bool:
    return any(e.kind == "error" for e in f.evidence)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == FAILURES and r.levelno == logging.WARNING
    ]


# The adversarial tester's events, and details the store cannot parse: (rows, target, error).
BAD_EVENTS: dict[str, tuple[list[tuple[Any, ...]], str, str]] = {
    "role is a list": (
        [(at(3), "service_state", "dvcqg", "down", None, {"role": ["national_portal"]})],
        "INF-LINK",
        "TypeError",
    ),
    "sustained_seconds of 1e308": (
        [
            (at(d, 15), "mains_flapping", "site", "ended", 7200.0, {"sustained_seconds": 1e308})
            for d in (3, 4)
        ],
        "INF-PWR",
        "OverflowError",
    ),
    "wall_time_unix of -1e308": (
        [(-1e308, "backup_link_working", "vsat", None, None, {"evidence": "speedtest"})],
        "SEC-CONTINGENCY",
        "OverflowError",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
def test_a_bad_event_makes_only_its_sites_target_unknown(
    case: str,
    store: Store,
    baseline: dict[str, Finding],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows, target, error = BAD_EVENTS[case]
    insert(store, good_journal())
    insert(store, good_journal(BAD))  # the bad site has good events too: only one target fails
    for seq, row in enumerate(rows, 1):
        insert_raw(store, seq, *row)
    log = FailureLog()
    with caplog.at_level(logging.WARNING, logger=FAILURES):
        first, second = evaluate(store, log), evaluate(store, log)

    assert of_site(first, GOOD) == baseline
    bad = of_site(first, BAD)
    assert len(bad) == len(baseline)  # every target still has its finding
    assert_failed(bad[target], error)
    assert [f.target for f in bad.values() if failed(f)] == [target]  # the others as usual
    assert [(e.site, e.target, e.error) for e in first.errors] == [(BAD, target, error)]
    assert first.errors == second.errors  # counted every round ...
    (line,) = warnings(caplog)  # ... logged once
    assert f"evaluation of {target} for site {BAD} failed" in line and error in line
    rollup = {r.target: r for r in first.rollups}[target]
    assert rollup.unknown >= 1


@pytest.mark.parametrize(
    ("text", "why"),
    [("{not json", "not JSON"), ("[1, 2]", "not a JSON object"), ("null", "not a JSON object")],
)
def test_details_the_store_cannot_parse_fail_the_targets_that_read_them(
    text: str, why: str, store: Store, baseline: dict[str, Finding]
) -> None:
    insert(store, good_journal())
    insert(store, good_journal(BAD))
    insert_raw(store, 1, at(3), "service_state", "dvcqg", "down", text=text)
    evaluation = evaluate(store)

    assert of_site(evaluation, GOOD) == baseline
    bad = of_site(evaluation, BAD)
    targets = {e.target for e in evaluation.errors}
    assert targets and targets <= {"INF-LINK", "OPS-247", "OPS-CONT"}  # they read service_state
    for target in targets:
        assert_failed(bad[target], "UnreadableDetailsError")
        (evidence,) = bad[target].evidence
        assert evidence.refs == (f"{BAD}/old/1",)  # the event to look at
        assert f"details of event {BAD}/old/1 are {why}" in evidence.en
    assert {f.target for f in bad.values() if failed(f)} == targets


# A wrong type for the detail each rule reads most: the rule may tolerate it (its finding is
# then a usual one) or fail; either way the round ends, the failure stays with the bad site and
# its target, and the other site is as it was.
WRONG_TYPES: dict[str, tuple[Any, ...]] = {
    "uptime: link_quality role": (
        "link_quality", "wan", None, None,
        {"role": {"x": 1}, "link": ["wan"], "received": "3", "link_kind": "mobile"},
    ),
    "service_availability: service_state role": (
        "service_state", "dvcqg", "down", None, {"role": ["national_portal"]},
    ),
    "power_outages: started_wall_time_unix": (
        "mains_state", "site", "restored", 600.0, {"started_wall_time_unix": "yesterday"},
    ),
    "power_outages: mains_state value": ("mains_state", "site", "restored", "long", {}),
    "bandwidth_median: download_bps": (
        "speedtest_result", "selfhosted", "ok", 1e6,
        {"link": "wan", "link_kind": ["internet"], "download_bps": "fast", "upload_bps": [1]},
    ),
    "dead_zone: loss_ratio": (
        "link_quality", "wan", None, None,
        {"link_kind": "mobile", "loss_ratio": "all", "received": [0]},
    ),
    "terminal_availability: kind": ("terminal_state", "counter-1", "down", None, {"kind": [1]}),
    "conference_endpoint: kind": ("terminal_state", "hnth", "down", None, {"kind": {"a": 1}}),
    "contingency: depleted": ("ups_depleted", "ups-1", "depleted", None, {"depleted": [True]}),
    "contingency: evidence": ("backup_link_working", "4g", None, None, {"evidence": 7}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_a_detail_of_the_wrong_type_never_reaches_beyond_its_site_and_target(
    case: str, store: Store, baseline: dict[str, Finding]
) -> None:
    insert(store, good_journal())
    insert(store, good_journal(BAD))
    insert_raw(store, 1, at(3), *WRONG_TYPES[case])
    evaluation = evaluate(store)

    assert of_site(evaluation, GOOD) == baseline
    bad = of_site(evaluation, BAD)
    assert len(bad) == len(baseline)
    assert all(e.site == BAD for e in evaluation.errors)
    for e in evaluation.errors:
        assert_failed(bad[e.target], e.error)
    for f in bad.values():  # a usual finding: publishable, and no error evidence
        assert checked(f, BAD) is f


def _raising(site: str, real: Any) -> Any:
    def call(*args: Any) -> Any:
        inputs = args[0]
        if inputs.site.key == site:
            raise KeyError("speedtest")
        return real(*args)

    return call


def test_a_rule_that_raises_gives_unknown_for_that_target_only(
    store: Store, baseline: dict[str, Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    insert(store, good_journal())
    entry = RULES["bandwidth_median"]
    raising = dataclasses.replace(entry, evaluate=_raising(GOOD, entry.evaluate))
    monkeypatch.setitem(RULES, "bandwidth_median", raising)
    evaluation = evaluate(store)

    good = of_site(evaluation, GOOD)
    assert_failed(good["INF-BW"], "KeyError")
    assert good["INF-BW"].evidence[0].en == "The evaluation failed: KeyError: 'speedtest'"
    assert {t: f for t, f in good.items() if t != "INF-BW"} == {
        t: f for t, f in baseline.items() if t != "INF-BW"
    }
    assert not failed(of_site(evaluation, BAD)["INF-BW"])  # ran as usual
    assert [(e.site, e.target) for e in evaluation.errors] == [(GOOD, "INF-BW")]


def test_a_province_pass_that_fails_as_a_whole_is_unknown_everywhere_and_only_there(
    store: Store,
    baseline: dict[str, Finding],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    insert(store, good_journal())
    entry = RULES["service_availability"]
    assert entry.province_pass is not None

    def finish(*_args: Any) -> Any:
        raise RuntimeError("no central outages")

    broken = dataclasses.replace(entry.province_pass, finish=finish)
    monkeypatch.setitem(
        RULES, "service_availability", dataclasses.replace(entry, province_pass=broken)
    )
    with caplog.at_level(logging.WARNING, logger=FAILURES):
        evaluation = evaluate(store)

    for site in (GOOD, BAD):
        assert_failed(of_site(evaluation, site)["OPS-247"], "RuntimeError")
    good = of_site(evaluation, GOOD)
    assert {t: f for t, f in good.items() if t != "OPS-247"} == {
        t: f for t, f in baseline.items() if t != "OPS-247"
    }
    assert sorted((e.site, e.target) for e in evaluation.errors) == [
        (BAD, "OPS-247"),
        (GOOD, "OPS-247"),
    ]
    (line,) = warnings(caplog)  # one line for the province, not one per site
    assert "OPS-247 for site (every site)" in line
    assert {r.target: r for r in evaluation.rollups}["OPS-247"].unknown == 2


def test_a_province_pass_is_finished_without_the_site_whose_view_breaks_it(
    store: Store, baseline: dict[str, Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    """INF-DZ's view of a site is its finding: ``finish`` fails when the bad site's is among
    them; the good site's finding is still given, as without the bad site."""
    insert(store, good_journal())
    insert(store, good_journal(BAD))
    entry = RULES["dead_zone"]
    assert entry.province_pass is not None
    real = entry.province_pass.finish

    def finish(views: Sequence[Any], *args: Any) -> Any:
        if any(v.site == BAD for v in views):
            raise ZeroDivisionError("division by zero")
        return real(views, *args)

    broken = dataclasses.replace(entry.province_pass, finish=finish)
    monkeypatch.setitem(RULES, "dead_zone", dataclasses.replace(entry, province_pass=broken))
    evaluation = evaluate(store)

    assert of_site(evaluation, GOOD) == baseline
    assert_failed(of_site(evaluation, BAD)["INF-DZ"], "ZeroDivisionError")
    assert [(e.site, e.target) for e in evaluation.errors] == [(BAD, "INF-DZ")]


def test_a_province_view_that_raises_for_one_site_leaves_the_others(
    store: Store, baseline: dict[str, Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    insert(store, good_journal())
    entry = RULES["uptime"]
    assert entry.province_pass is not None
    broken = dataclasses.replace(entry.province_pass, view=_raising(BAD, entry.province_pass.view))
    monkeypatch.setitem(RULES, "uptime", dataclasses.replace(entry, province_pass=broken))
    evaluation = evaluate(store)

    assert of_site(evaluation, GOOD) == baseline
    assert_failed(of_site(evaluation, BAD)["INF-LINK"], "KeyError")


def test_a_rule_giving_an_infinite_figure_is_unknown_not_published(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    insert(store, good_journal())
    entry = RULES["drill"]

    def infinite(*args: Any) -> Finding:
        return dataclasses.replace(entry.evaluate(*args), value=math.inf)

    monkeypatch.setitem(RULES, "drill", dataclasses.replace(entry, evaluate=infinite))
    evaluation = evaluate(store)

    for site in (GOOD, BAD):
        assert_failed(of_site(evaluation, site)["SEC-DRILL"], "UnusableFinding")


def test_the_same_failure_is_logged_again_only_after_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    log = FailureLog(every=3600, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger=FAILURES):
        for t in (0.0, 300.0, 3599.0):
            now[0] = t
            log.report(TypeError("unhashable type: 'list'"), BAD, "INF-LINK")
        log.report(ValueError("x"), BAD, "INF-LINK")  # another exception type
        log.report(TypeError("y"), GOOD, "INF-LINK")  # another site
        now[0] = 3600.0
        log.report(TypeError("unhashable type: 'list'"), BAD, "INF-LINK")
    lines = warnings(caplog)
    assert len(lines) == 4
    assert lines[0] == (
        f"evaluation of INF-LINK for site {BAD} failed, its finding is unknown: "
        "TypeError: unhashable type: 'list' (at ?); said again after 60 min if it lasts"
    )


def test_the_error_says_the_type_and_a_short_message_without_the_events_values() -> None:
    assert describe(TypeError("unhashable type: 'list'")) == "TypeError: unhashable type: 'list'"
    assert describe(KeyError("role")) == "KeyError: 'role'"
    assert (
        describe(ValueError("could not convert string to float: 'Nguyễn Văn A, 0912 345 678'"))
        == "ValueError: could not convert string to float: '…'"
    )
    assert describe(RuntimeError()) == "RuntimeError"
    long = describe(ValueError("x" * 500 + "\nsecond line"))
    assert len(long) == len("ValueError: ") + failure.MAX_MESSAGE and long.endswith("…")


def test_the_store_streams_past_a_row_it_cannot_parse(store: Store) -> None:
    insert_raw(store, 1, at(1), "service_state", "dvcqg", "down", text="{oops", site=BAD)
    insert_raw(store, 2, at(2), "service_state", "dvcqg", "up", None, {"role": "x"}, site=BAD)
    insert_raw(store, 1, at(1), "service_state", "dvcqg", "down", None, {"role": "y"}, site=GOOD)
    got = list(store.iter_events(WINDOW.start, WINDOW.end))
    assert [(e.site, e.seq) for e in got] == [(BAD, 1), (BAD, 2), (GOOD, 1)]
    assert got[1].details == {"role": "x"} and got[2].details == {"role": "y"}
    with pytest.raises(UnreadableDetailsError, match=f"event {BAD}/old/1 are not JSON"):
        got[0].details.get("role")
    (before,) = store.state_before(at(1.5), {"service_state"}, [BAD])
    with pytest.raises(UnreadableDetailsError):
        _ = "role" in before.details


def test_isolating_finds_each_culprit_and_gives_up_when_no_site_is_to_blame() -> None:
    calls: list[int] = []

    def finish(views: list[str]) -> list[str]:
        calls.append(len(views))
        if "bad" in views:
            raise ValueError("bad view")
        return views

    views = ["a", "bad", "b", "c", "bad", "d", "e", "f"]
    outcome = finish_isolating(finish, views)
    assert outcome.result == ["a", "b", "c", "d", "e", "f"]
    assert sorted(outcome.left_out) == [1, 4]
    assert len(calls) < 2 * len(views)  # a bisection, not one finish per site

    def always(_views: list[str]) -> list[str]:
        raise ValueError("the rule itself")

    gave_up = finish_isolating(always, views)
    assert gave_up.result is None and str(gave_up.error) == "the rule itself"
    assert gave_up.culprits == []

    many = finish_isolating(finish, ["bad"] * (MAX_CULPRITS + 1) + ["a"])
    assert many.result is None and len(many.culprits) == MAX_CULPRITS


async def test_after_a_restart_the_first_round_gives_findings_and_counts_the_failure(
    store: Store, tmp_path: Path
) -> None:
    """A collector started on a store holding a bad event: its first evaluation has every other
    finding, and /metrics counts the failure by target."""
    insert(store, good_journal())
    insert_raw(store, 1, at(3), "service_state", "dvcqg", "down", None, {"role": ["x", "y"]})
    back_to_the_journals = time.time() - WINDOW.start + 86400
    evaluate_config = EvaluateConfig(interval=3600, window=back_to_the_journals)
    config = CollectorConfig(inventory=EXAMPLE, evaluate=evaluate_config)
    c = Collector(config, _example(), load_catalogue(), THRESHOLDS, store)
    task = asyncio.create_task(run_forever(c))
    try:

        async def evaluated() -> Evaluation | None:
            return c.evaluation

        first: Evaluation = await wait_until_async(evaluated, 20, "the first evaluation")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    clean = Store.open(f"sqlite:///{tmp_path / 'clean.db'}")
    try:
        insert(clean, good_journal())
        without = evaluate_all(clean, _example(), load_catalogue(), THRESHOLDS, first.window)
    finally:
        clean.close()
    assert of_site(first, GOOD) == of_site(without, GOOD)
    assert_failed(of_site(first, BAD)["INF-LINK"], "TypeError")
    assert c.evaluation_errors == {"INF-LINK": 1}
    m = parse_metrics(exposition.render(families(c, 0.0)).decode())
    assert value(m, "sansang_collector_evaluation_errors_total", target="INF-LINK") == 1
    assert value(m, "sansang_collector_evaluation_errors_total", target="INF-BW") == 0


def test_a_survey_point_with_no_usable_place_is_near_no_site(
    store: Store, baseline: dict[str, Finding]
) -> None:
    insert(store, good_journal())
    store.add_survey_points([SurveyPoint("Thôn 2", 15.381, 109.119, at(3), 1e5, 1e4, 0.2, 0.3)])
    with store.engine.begin() as conn:  # a text and an infinity where degrees belong
        conn.exec_driver_sql(
            "UPDATE survey_points SET latitude = 'far', longitude = ?", (math.inf,)
        )
    evaluation = evaluate(store)
    assert of_site(evaluation, GOOD) == baseline
    assert not evaluation.errors


async def test_a_first_round_that_fails_as_a_whole_is_tried_again_soon(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database failing once at start: findings come after ``RETRY_AFTER``, not a whole
    ``interval`` later."""
    insert(store, good_journal())
    real = store.iter_events
    calls: list[int] = []

    def once_broken(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("database is locked")
        return real(*args)

    monkeypatch.setattr(store, "iter_events", once_broken)
    monkeypatch.setattr(run, "RETRY_AFTER", 0.05)
    config = CollectorConfig(inventory=EXAMPLE, evaluate=EvaluateConfig(interval=3600))
    c = Collector(config, _example(), load_catalogue(), THRESHOLDS, store)
    task = asyncio.create_task(run_forever(c))
    try:

        async def evaluated() -> Evaluation | None:
            return c.evaluation

        got: Evaluation = await wait_until_async(evaluated, 20, "an evaluation after the failure")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(calls) == 2 and len(got.findings) == 2 * len(SITE_TARGETS)
