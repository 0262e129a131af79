"""The monthly data budget, read from the journal: the calendar month of the site's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from agent.journal.store import Journal
from agent.links.bandwidth.budget import (
    DEFAULT_ESTIMATE_BYTES,
    MIN_TEST_BYTES,
    Budget,
    month_start,
    next_month_start,
)
from tests.support.clock import FakeWall

MIB = 1024 * 1024


def utc(month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC).timestamp()


def test_month_start_is_local_midnight_of_the_first() -> None:
    # 1 December 00:00 in Vietnam (UTC+7) is 30 November 17:00 UTC.
    assert month_start(utc(12, 2, 0), "Asia/Ho_Chi_Minh") == utc(11, 30, 17)
    assert month_start(utc(11, 30, 16, 59), "Asia/Ho_Chi_Minh") == utc(10, 31, 17)
    assert month_start(utc(12, 2, 0), "UTC") == utc(12, 1, 0)
    assert month_start(utc(1, 15, 12), "Asia/Ho_Chi_Minh") == utc(12, 31, 17) - 365 * 86400


def journal_with_tests(tmp_path: Path, wall: FakeWall) -> Journal:
    """Tests across the month boundary of Vietnam: one on 30 November 23:59 local time (16:59
    UTC), one on 1 December 00:01 local (17:01 UTC), a failed one after, and an event of another
    kind that also carries bytes_used."""
    journal = Journal(tmp_path / "journal.db", boot_id="b", wall=wall)
    for at, state, used in (
        (utc(11, 30, 16, 59), "ok", 30 * MIB),
        (utc(11, 30, 17, 1), "ok", 20 * MIB),
        (utc(12, 1, 9), "failed", 3 * MIB),
    ):
        wall.now = at
        journal.append("speedtest_result", "province", state, None, {"bytes_used": used})
    journal.append("link_quality", "gateway", None, None, {"bytes_used": 999 * MIB})
    return journal


def test_use_counts_this_local_month_only_failed_tests_included(tmp_path: Path) -> None:
    wall = FakeWall()
    journal = journal_with_tests(tmp_path, wall)
    wall.now = utc(12, 2, 0)
    vietnam = Budget(journal, 100 * MIB, "Asia/Ho_Chi_Minh", wall=wall)
    assert vietnam.used() == 23 * MIB
    assert vietnam.left() == 77 * MIB
    # The same journal in UTC: 1 December starts later, the 17:01 test is November's.
    assert Budget(journal, 100 * MIB, "UTC", wall=wall).used() == 3 * MIB
    # A new month starts from nothing.
    wall.now = utc(12, 31, 17)  # 1 January 00:00 in Vietnam
    assert vietnam.used() == 0
    journal.close()


def test_a_restart_loses_nothing(tmp_path: Path) -> None:
    wall = FakeWall()
    journal_with_tests(tmp_path, wall).close()
    wall.now = utc(12, 2, 0)
    reopened = Journal(tmp_path / "journal.db", boot_id="other-boot", wall=wall)
    assert Budget(reopened, 100 * MIB, "Asia/Ho_Chi_Minh", wall=wall).used() == 23 * MIB
    reopened.close()


def test_used_more_than_the_budget_leaves_zero(tmp_path: Path) -> None:
    wall = FakeWall()
    journal = journal_with_tests(tmp_path, wall)
    wall.now = utc(12, 2, 0)
    assert Budget(journal, 10 * MIB, "Asia/Ho_Chi_Minh", wall=wall).left() == 0
    journal.close()


def test_the_estimate_is_the_last_successful_test_of_that_backend(tmp_path: Path) -> None:
    wall = FakeWall()
    journal = journal_with_tests(tmp_path, wall)
    budget = Budget(journal, 100 * MIB, "Asia/Ho_Chi_Minh", wall=wall)
    assert budget.estimate("province") == 20 * MIB  # the failed one after it is not a measure
    assert budget.estimate("ookla") == DEFAULT_ESTIMATE_BYTES  # never ran
    journal.close()


def test_next_month_starts_at_local_midnight_of_the_first_and_after_december() -> None:
    # 1 December 00:00 in Vietnam is 30 November 17:00 UTC; 1 January 2027 is 31 December 17:00.
    assert next_month_start(utc(11, 15, 3), "Asia/Ho_Chi_Minh") == utc(11, 30, 17)
    assert next_month_start(utc(11, 30, 17), "Asia/Ho_Chi_Minh") == utc(12, 31, 17)
    assert next_month_start(utc(12, 31, 16, 59), "Asia/Ho_Chi_Minh") == utc(12, 31, 17)


def test_tests_are_suspended_below_the_smallest_test_until_next_month(tmp_path: Path) -> None:
    wall = FakeWall()
    journal = journal_with_tests(tmp_path, wall)  # 23 MiB used in December (Vietnam)
    wall.now = utc(12, 2, 0)
    enough = Budget(journal, 23 * MIB + MIN_TEST_BYTES, "Asia/Ho_Chi_Minh", wall=wall)
    assert enough.suspended_until(enough.used()) is None
    short = Budget(journal, 23 * MIB + MIN_TEST_BYTES - 1, "Asia/Ho_Chi_Minh", wall=wall)
    assert short.suspended_until(short.used()) == utc(12, 31, 17)
    journal.close()
