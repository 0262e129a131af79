"""Findings per calendar month: one month evaluated from a real SQLite store and kept, the same
findings whenever a closed month is evaluated again, and the loop's bookkeeping (the current
month refreshed, the previous one closed once, after the grace hours)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collector.config import CollectorConfig, PeriodsConfig
from collector.context import Collector
from collector.evaluate.months import (
    catalogue_version,
    due,
    evaluate_month,
    inventory_version,
    keep_once,
    month_window,
    version,
)
from collector.inventory import model
from collector.periods import Month
from collector.store import MonthEntry, Store
from collector.targets import effective_thresholds, load_catalogue
from tests.support import event_in
from tests.support.evaluate import EXAMPLE, Journal

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
OCTOBER = Month(2026, 10)
DAY, HOUR = 86400.0, 3600.0


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).timestamp()


def _october_journal(site: str) -> Journal:
    """A month of a commune's life: outages (one long), the one-stop system lost for an
    afternoon, a printer down a day, speed tests, and the clock in sync (a sign of life)."""
    j = Journal(site=site)
    start = OCTOBER.start
    j.service(start - HOUR, "up", "mot-cua", "one_stop_system")
    j.service(start - HOUR, "up", "dvcqg", "national_portal")
    for day in range(31):
        t = start + day * DAY
        j.add(t + 7 * HOUR, "clock_sync_state", "system", "synchronized")
        if day % 6 == 2:
            j.outage(t + 9 * HOUR, 40 * 60 if day == 8 else 90)
        if day % 3 == 0:
            j.speedtest(t + 10 * HOUR, "internet", 48.0 + day, 20.0)
    j.service(start + 12 * DAY + 13 * HOUR, "down", "mot-cua", "one_stop_system")
    j.service(start + 12 * DAY + 17 * HOUR, "up", "mot-cua", "one_stop_system")
    j.terminal(start + 20 * DAY + 8 * HOUR, "printer-1", "down")
    j.terminal(start + 21 * DAY + 8 * HOUR, "printer-1", "up")
    # Late in the month, and the month after (outside October's window).
    j.outage(OCTOBER.end - 2 * HOUR, 600)
    j.outage(OCTOBER.end + 5 * HOUR, 7200)
    return j


@pytest.fixture
def collector(tmp_path: Path, store: Store) -> Collector:
    inventory = model.load(EXAMPLE)
    catalogue = load_catalogue()
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml")
    c = Collector(config, inventory, catalogue, effective_thresholds(catalogue), store)
    for s in inventory.sites:
        j = _october_journal(s.key)
        events = sorted([*j.before, *j.events], key=lambda e: e.seq)
        store.insert_events(s.key, "j1", [event_in(e) for e in events], OCTOBER.end)
    return c


def test_a_closed_month_evaluated_on_other_days_gives_the_same_findings(
    collector: Collector,
) -> None:
    c = collector
    args = (c.store, c.inventory, c.catalogue, c.thresholds, OCTOBER)
    early = evaluate_month(*args, now=_local(2026, 11, 3, 9))
    late = evaluate_month(*args, now=_local(2027, 2, 17, 15))
    assert early.closed and late.closed
    assert early.window == OCTOBER.window()
    assert {f.status for f in early.findings} >= {"met", "not_met"}  # the month says something
    power = {f.site: f for f in early.findings if f.target == "INF-PWR"}
    assert power["23527-main"].value is not None
    assert dataclasses.replace(late, evaluated_at=early.evaluated_at) == early
    c.store.save_month(early)
    again = c.store.month(OCTOBER)
    assert again == early  # and the store keeps it as it was


def test_an_open_month_is_the_month_so_far(collector: Collector) -> None:
    c = collector
    now = _local(2026, 10, 14, 12)
    so_far = evaluate_month(c.store, c.inventory, c.catalogue, c.thresholds, OCTOBER, now)
    assert not so_far.closed
    assert so_far.window.start == OCTOBER.start and so_far.window.end == now
    assert all(f.window.end <= now for f in so_far.findings)
    with pytest.raises(ValueError, match=r"month: 2026-12 has not begun"):
        month_window(Month(2026, 12), now)


def test_versions_are_the_contents_hash_whatever_the_order() -> None:
    assert version({"a": 1, "b": [1, 2]}) == version({"b": [1, 2], "a": 1})
    assert version({"a": 1, "b": [2, 1]}) != version({"a": 1, "b": [1, 2]})
    inventory = model.load(EXAMPLE)
    assert inventory_version(inventory) == inventory_version(model.load(EXAMPLE))
    renamed = inventory.model_copy(
        update={"sites": [inventory.sites[0].model_copy(update={"name": "Khác"})]}
    )
    assert inventory_version(renamed) != inventory_version(inventory)
    catalogue = load_catalogue()
    thresholds = effective_thresholds(catalogue)
    reordered = {k: dict(reversed(v.items())) for k, v in reversed(thresholds.items())}
    assert catalogue_version(catalogue, reordered) == catalogue_version(catalogue, thresholds)
    changed = {**thresholds, "INF-PWR": {**thresholds["INF-PWR"], "max_outages": 99}}
    assert catalogue_version(catalogue, changed) != catalogue_version(catalogue, thresholds)
    assert len(inventory_version(inventory)) == 64


def _entry(month: Month, evaluated_at: float, closed: bool = False) -> MonthEntry:
    return MonthEntry(month, evaluated_at, month.window(), closed, "", "")


def test_what_is_due_the_current_month_each_refresh_the_previous_once_after_the_grace() -> None:
    periods = PeriodsConfig(refresh=3600, close_after_hours=48)
    november = Month(2026, 11)
    now = _local(2026, 11, 1, 10)  # 10 hours into November: October is not closed yet
    assert due(now, [], periods) == [november]
    kept = [_entry(november, now - 600), _entry(OCTOBER, OCTOBER.end - 1200)]
    assert due(now, kept, periods) == []  # refreshed 10 minutes ago
    assert due(now + 3000, kept, periods) == [november]
    after = _local(2026, 11, 3, 0, 30)  # 48.5 hours in: October closed once
    assert due(after, kept, periods) == [OCTOBER, november]
    closed = [_entry(november, after), _entry(OCTOBER, after, closed=True)]
    assert due(after + 4000, closed, periods) == [november]
    assert due(_local(2026, 11, 28), closed, periods) == [november]
    # Closed by hand before the grace ended: late pushes still count, so closed again once.
    early = [_entry(november, after), _entry(OCTOBER, OCTOBER.end + 3600, closed=True)]
    assert due(after + 60, early, periods) == [OCTOBER]
    # A month never kept (the collector was not running then) is not closed automatically.
    assert due(after, [_entry(november, after)], periods) == []


def test_keep_once_saves_the_month_so_far_then_closes_the_previous_one(
    collector: Collector,
) -> None:
    c = collector
    c.config = c.config.model_copy(update={"periods": PeriodsConfig(refresh=3600)})
    first = keep_once(c, _local(2026, 10, 30, 12))
    assert [(k.month, k.closed) for k in first] == [(OCTOBER, False)]
    assert keep_once(c, _local(2026, 10, 30, 12, 30)) == []  # within the refresh
    assert c.store.months() == [OCTOBER]
    kept = c.store.month(OCTOBER)
    assert kept is not None and kept.window.end == _local(2026, 10, 30, 12)

    closing = keep_once(c, _local(2026, 11, 3, 1))
    assert [(k.month, k.closed) for k in closing] == [(OCTOBER, True), (Month(2026, 11), False)]
    final = c.store.month(OCTOBER)
    assert final is not None and final.closed and final.window == OCTOBER.window()
    assert final.inventory_version == inventory_version(c.inventory)
    assert keep_once(c, _local(2026, 11, 20)) and c.store.month(OCTOBER) == final


def test_no_rule_reads_the_wall_clock() -> None:
    """A closed month's findings must not change with the day they are evaluated on: only the
    loops (run.py, months.py: when to evaluate, and the evaluation's own timestamp) read the
    clock; every rule reads its window."""
    import collector.evaluate

    root = Path(collector.evaluate.__file__).parent
    clocks = ("time.time(", "datetime.now(", "date.today(", "datetime.utcnow(", "time.localtime(")
    readers = {
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if any(c in p.read_text(encoding="utf-8") for c in clocks)
    }
    assert readers <= {"run.py", "months.py"}, readers
    assert "months.py" in readers  # the check sees what it looks for


def test_the_command_evaluates_and_keeps_one_month(
    tmp_path: Path, collector: Collector, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sansang.cli import main

    config = tmp_path / "collector.yaml"
    config.write_text(f"database: {store_url}\ninventory: {EXAMPLE}\n", encoding="utf-8")
    assert main(["collector", "evaluate-month", "--month", "2026-10", "--config", str(config)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Tháng 10/2026: đã đánh giá và lưu ") and "đã chốt" in said
    kept = collector.store.month(OCTOBER)
    assert kept is not None and kept.closed and kept.window == OCTOBER.window()
    assert f"lưu {len(kept.findings)} kết quả của {len(collector.inventory.sites)} điểm" in said

    assert main(["collector", "evaluate-month", "--month", "10/2026", "--config", str(config)]) == 2
    assert capsys.readouterr().err.startswith("--month: '10/2026' is not a month written YYYY-MM")
    assert main(["collector", "evaluate-month", "--month", "2999-01", "--config", str(config)]) == 2
    assert "--month: tháng 01/2999 chưa bắt đầu" in capsys.readouterr().err
