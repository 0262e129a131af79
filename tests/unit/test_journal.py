"""The journal (nhật ký sự kiện) on a real SQLite file: order, bounds, text, failed writes."""

from __future__ import annotations

import itertools
import math
import resource
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.journal.store import Journal
from tests.support.clock import FakeWall

DAY = 86400.0
T0 = FakeWall.T0  # a fixed wall time (2026)


def open_journal(
    path: Path,
    wall: FakeWall | None = None,
    *,
    retention_seconds: float = 90 * DAY,
    max_bytes: int = 256 * 1024 * 1024,
) -> Journal:
    wall = wall or FakeWall()
    return Journal(
        path,
        boot_id="boot-a",
        retention_seconds=retention_seconds,
        max_bytes=max_bytes,
        wall=wall,
        monotonic_ns=wall.monotonic_ns,
    )


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = open_journal(tmp_path / "journal.db")
    yield j
    j.close()


@contextmanager
def no_file_writes() -> Iterator[None]:
    """A real OS condition, no root needed: RLIMIT_FSIZE 0 makes every write() to a regular file
    fail with EFBIG ("File too large"), as a full or failing disk does.  Python ignores SIGXFSZ,
    so the write just fails.  Only the soft limit is lowered, and it is restored at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def seqs(j: Journal, after: int = 0) -> list[int]:
    return [e.seq for e in j.read(after, 100_000)]


# --- order and identity --------------------------------------------------------------------------
def test_seq_increases_from_one_in_append_order(journal: Journal) -> None:
    appended = [journal.append("check_state", f"c{i}", "up") for i in range(5)]
    assert [e.seq for e in appended if e] == [1, 2, 3, 4, 5]
    assert [e.subject for e in journal.read()] == ["c0", "c1", "c2", "c3", "c4"]
    assert journal.last_seq() == 5
    assert journal.first_seq() == 1


def test_new_journal_has_no_events_and_consistent_bounds(journal: Journal) -> None:
    assert journal.read() == []
    assert journal.tail(5) == []
    assert (journal.first_seq(), journal.last_seq()) == (1, 0)


def test_seq_is_never_reused_after_pruning_everything_or_reopening(tmp_path: Path) -> None:
    wall = FakeWall()
    j = open_journal(tmp_path / "j.db", wall, retention_seconds=30 * DAY)
    for i in range(10):
        j.append("check_state", f"c{i}", "up")
    wall.now += 31 * DAY
    assert j.prune() == 10
    assert j.read() == []
    assert j.last_seq() == 10, "last_seq is the highest seq ever given, even once pruned"
    assert j.first_seq() == 11, "an empty journal's first_seq is last_seq + 1"
    event = j.append("check_state", "after-prune", "down")
    assert event is not None and event.seq == 11
    j.close()
    reopened = open_journal(tmp_path / "j.db", wall)
    later = reopened.append("agent_started", "agent")
    assert later is not None and later.seq == 12
    assert seqs(reopened) == [11, 12]
    reopened.close()


def test_journal_id_is_kept_by_the_file_and_new_for_a_new_file(tmp_path: Path) -> None:
    first = open_journal(tmp_path / "a.db")
    ident = first.journal_id
    first.close()
    again = open_journal(tmp_path / "a.db")
    other = open_journal(tmp_path / "b.db")
    assert again.journal_id == ident
    assert other.journal_id != ident
    again.close()
    other.close()


# --- bounds --------------------------------------------------------------------------------------
def test_retention_removes_events_older_than_retention_by_wall_time(tmp_path: Path) -> None:
    wall = FakeWall()
    j = open_journal(tmp_path / "j.db", wall, retention_seconds=30 * DAY)
    for day in range(5):  # one event per day, days 0..4
        wall.now = T0 + day * DAY
        j.append("terminal_state", f"day{day}", "down")
    wall.now = T0 + 32.5 * DAY  # cutoff T0 + 2.5 d: days 0, 1, 2 are older
    assert j.prune() == 3
    assert [e.subject for e in j.read()] == ["day3", "day4"]
    assert j.first_seq() == 4
    assert j.stats.pruned == 3
    j.close()


def test_size_cap_removes_oldest_first_and_keeps_journal_under_max_bytes(tmp_path: Path) -> None:
    cap = 256 * 1024
    j = open_journal(tmp_path / "j.db", max_bytes=cap)
    text = "Mất kết nối tới Cổng dịch vụ công quốc gia. " * 10  # ~450 bytes of UTF-8
    for i in range(3000):  # ~1.4 MB of events: several times the cap
        j.append("service_state", f"svc-{i}", "down", None, {"text": text, "i": i})
    # The journal prunes itself every 200 appends; 3000 is a multiple, so it just did.
    assert j.used_bytes() <= cap
    assert j.size_bytes() <= cap, "pruning gives the space back on disk (db + WAL)"
    kept = seqs(j)
    assert kept[0] > 1, "the oldest events went first"
    assert kept == list(range(kept[0], 3001)), "what remains is the newest, without holes"
    assert j.stats.pruned == kept[0] - 1
    assert len(kept) > 100, "the cap is filled, not emptied"
    # Another burst beyond the cap, then an explicit prune (what the agent does every hour).
    for i in range(150):
        j.append("service_state", f"more-{i}", "up", None, {"text": text})
    j.prune()
    assert j.used_bytes() <= cap
    assert j.read(j.last_seq() - 1)[0].subject == "more-149"
    j.close()


# --- content -------------------------------------------------------------------------------------
def test_vietnamese_text_round_trips_and_is_stored_as_utf8(tmp_path: Path) -> None:
    details = {
        "name": "Máy tính quầy Một cửa — Xã Sa Thầy",
        "ghi_chú": "Đã mất kết nối; kiểm tra dây mạng ở phòng tiếp dân",
        "kind": "counter_pc",
        "n": 3,
        "ratio": 0.25,
        "flag": True,
        "none": None,
    }
    path = tmp_path / "j.db"
    j = open_journal(path)
    written = j.append("terminal_state", "quầy-1", "down", 1.5, details)
    assert written is not None and written.details == details
    j.close()
    reopened = open_journal(path)
    (event,) = reopened.read()
    assert event.details == details
    assert (event.kind, event.subject, event.state, event.value) == (
        "terminal_state",
        "quầy-1",
        "down",
        1.5,
    )
    assert event.to_json("23527-main")["details"]["ghi_chú"].startswith("Đã mất")
    reopened.close()
    with sqlite3.connect(path) as raw:
        (stored,) = raw.execute("SELECT details FROM events").fetchone()
    assert "Xã Sa Thầy" in stored, "stored as UTF-8 text, readable with the sqlite3 shell"


def test_values_json_cannot_hold_are_stored_safely_and_do_not_poison_the_queue(
    journal: Journal,
) -> None:
    written = journal.append(
        "check_state", "c", "up", math.inf, {"nan": math.nan, "path": Path("/x"), "ok": 1}
    )
    assert written is not None
    (event,) = journal.read()
    assert event.details == {"nan": None, "path": "/x", "ok": 1}
    assert event.value is None
    assert journal.append("check_state", "c", "down") is not None
    assert journal.pending() == 0


# --- reading -------------------------------------------------------------------------------------
def test_read_after_and_limit(journal: Journal) -> None:
    for i in range(10):
        journal.append("check_state", f"c{i}", "up")
    assert seqs(journal, 0) == list(range(1, 11))
    assert [e.seq for e in journal.read(after=3, limit=4)] == [4, 5, 6, 7]
    assert [e.seq for e in journal.read(after=8, limit=100)] == [9, 10]
    assert journal.read(after=10) == []
    assert journal.read(after=500) == []


def test_tail_is_the_newest_oldest_first(tmp_path: Path) -> None:
    wall = FakeWall()
    j = open_journal(tmp_path / "j.db", wall, retention_seconds=30 * DAY)
    for i in range(10):
        wall.now = T0 + i * DAY
        j.append("check_state", f"c{i}", "up")
    assert [e.seq for e in j.tail(3)] == [8, 9, 10]
    assert [e.seq for e in j.tail(50)] == list(range(1, 11))
    wall.now = T0 + 36.5 * DAY  # prunes c0..c6
    j.prune()
    assert [e.seq for e in j.tail(5)] == [8, 9, 10]
    j.close()


def test_page_returns_events_with_consistent_bounds(journal: Journal) -> None:
    for i in range(6):
        journal.append("check_state", f"c{i}", "up")
    page = journal.page(after=2, limit=3)
    assert [e.seq for e in page.events] == [3, 4, 5]
    assert (page.first_seq, page.last_seq) == (1, 6)


# --- failed writes -------------------------------------------------------------------------------
def test_failed_write_keeps_event_pending_then_writes_it_first_in_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wall = FakeWall()
    j = open_journal(tmp_path / "j.db", wall)
    for i in range(3):
        assert j.append("check_state", f"ok{i}", "up") is not None
    with no_file_writes():
        failed = []
        for i in range(3):
            wall.now = T0 + 10 + i
            failed.append(j.append("terminal_state", f"pending{i}", "down", None, {"i": i}))
    assert failed == [None, None, None], "append does not raise; it reports 'not written yet'"
    assert j.stats.write_errors == 3
    assert j.pending() == 3
    assert seqs(j) == [1, 2, 3], "nothing half-written"

    wall.now = T0 + 100
    resumed = j.append("check_state", "after", "up")
    assert resumed is not None and resumed.seq == 7, "the waiting events were written before it"
    events = j.read()
    assert [e.subject for e in events] == [
        "ok0", "ok1", "ok2", "pending0", "pending1", "pending2", "after"
    ]  # fmt: skip
    assert [e.wall_time for e in events[3:6]] == [T0 + 10, T0 + 11, T0 + 12], (
        "a late write keeps the time the event happened"
    )
    assert [e.details["i"] for e in events[3:6]] == [0, 1, 2]
    assert j.pending() == 0
    assert j.stats.appended == 7
    warnings = [r.getMessage() for r in caplog.records if r.name == "agent.journal.store"]
    assert len(warnings) == 2, f"one message when writes fail, one when they work: {warnings}"
    assert "wait in memory" in warnings[0] and "work again" in warnings[1]
    j.close()


def test_flush_writes_pending_events_without_a_new_one(journal: Journal) -> None:
    with no_file_writes():
        assert journal.append("check_state", "late", "down") is None
        assert journal.flush() == 0, "still failing: nothing written, nothing lost"
    assert journal.pending() == 1
    assert journal.stats.write_errors == 2
    assert journal.flush() == 1
    assert journal.pending() == 0
    assert [e.subject for e in journal.read()] == ["late"]


def test_journal_file_is_intact_after_failed_writes(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    j = open_journal(path)
    j.append("check_state", "a", "up")
    with no_file_writes():
        j.append("check_state", "b", "down")
    j.append("check_state", "c", "up")
    j.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = raw.execute("SELECT seq, subject FROM events ORDER BY seq").fetchall()
    assert rows == [(1, "a"), (2, "b"), (3, "c")]


# --- clocks --------------------------------------------------------------------------------------
def test_wall_clock_stepping_backwards_changes_neither_seq_nor_monotonic_order(
    tmp_path: Path,
) -> None:
    wall = FakeWall(T0)
    j = open_journal(tmp_path / "j.db", wall)
    walls = [T0, T0 + 5, T0 - 3600, T0 - 3599, T0 - 86400 * 365, T0 + 10]  # NTP steps, a bad RTC
    for i, now in enumerate(walls):
        wall.now = now
        j.append("check_state", f"c{i}", "up")
    events = j.read()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    monos = [e.monotonic_ns for e in events]
    assert all(a < b for a, b in itertools.pairwise(monos)), monos
    assert [e.wall_time for e in events] == walls, "wall time is recorded as the clock said"
    assert {e.boot_id for e in events} == {"boot-a"}
    j.close()


def test_events_from_a_future_wall_clock_are_kept_by_retention(tmp_path: Path) -> None:
    wall = FakeWall(T0 + 10 * DAY)  # the clock was ahead, then corrected backwards
    j = open_journal(tmp_path / "j.db", wall, retention_seconds=30 * DAY)
    j.append("clock_step", "system", None, -10 * DAY, {"step_seconds": -10 * DAY})
    wall.now = T0
    assert j.prune() == 0
    assert len(j.read()) == 1
    j.close()


def test_an_unreadable_journal_is_set_aside_and_a_new_one_begins(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    path.write_bytes(b"this is not an SQLite database, a power cut wrote garbage here" * 100)
    journal = Journal(path, boot_id="boot-a")
    try:
        assert journal.set_aside is not None
        assert journal.set_aside.read_bytes().startswith(b"this is not an SQLite database")
        event = journal.append("journal_reset", "journal", details={"set_aside": "x"})
        assert event is not None and event.seq == 1
    finally:
        journal.close()


def test_retention_keeps_events_of_this_boot_when_the_wall_clock_jumps_years_ahead(
    tmp_path: Path,
) -> None:
    wall = [1_800_000_000.0]
    mono = [10**12]
    journal = Journal(
        tmp_path / "j.db",
        boot_id="boot-a",
        retention_seconds=30 * 86400,
        wall=lambda: wall[0],
        monotonic_ns=lambda: mono[0],
    )
    try:
        journal.append("check_state", "gateway", "up")
        wall[0] += 5 * 365 * 86400  # the clock battery is flat, NTP steps far ahead
        mono[0] += 60 * 10**9  # only a minute passed
        assert journal.prune() == 0
        assert [e.subject for e in journal.read()] == ["gateway"]
        mono[0] += 31 * 86400 * 10**9  # a month and a day really passed
        assert journal.prune() == 1
    finally:
        journal.close()


def test_a_new_epoch_is_a_new_journal_id_from_a_seq_kept_across_a_reopen(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "journal.db")
    for i in range(5):
        j.append("check_state", f"gw-{i}", "up")
    first_id = j.journal_id
    assert j.epoch_first_seq == 1
    second_id = j.begin_epoch("seq_conflict", 4)
    assert second_id == j.journal_id != first_id
    reset = j.newest_of_kind("journal_reset")
    assert reset is not None and reset.seq == 6, "seqs go on: never reused"
    assert reset.details == {
        "reason": "seq_conflict",
        "previous_journal_id": first_id,
        "first_seq": 4,
    }
    j.close()
    reopened = open_journal(tmp_path / "journal.db")
    try:
        assert (reopened.journal_id, reopened.epoch_first_seq) == (second_id, 4)
        assert [e.seq for e in reopened.read()] == [1, 2, 3, 4, 5, 6], "both histories kept"
    finally:
        reopened.close()
