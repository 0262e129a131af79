"""The push client's floor (``Journal.hold``): events not acknowledged survive retention and the
size cap, up to the hard ceiling; the acknowledged seq is kept in the journal's meta table."""

from __future__ import annotations

from pathlib import Path

from agent.journal.store import Journal
from tests.support.clock import FakeWall
from tests.unit.test_journal import DAY, T0, open_journal, seqs

TEXT = "Mất kết nối tới Cổng dịch vụ công quốc gia. " * 10  # ~450 bytes of UTF-8


def fill(j: Journal, count: int, prefix: str = "svc") -> None:
    for i in range(count):
        j.append("service_state", f"{prefix}-{i}", "down", None, {"text": TEXT, "i": i})


def test_retention_keeps_events_after_the_floor_and_removes_those_before(tmp_path: Path) -> None:
    wall = FakeWall()
    j = open_journal(tmp_path / "j.db", wall, retention_seconds=30 * DAY)
    for day in range(5):
        wall.now = T0 + day * DAY
        j.append("terminal_state", f"day{day}", "down")
    j.hold(1, ceiling_bytes=10 * 1024 * 1024)  # the collector acknowledged seq 1 only
    wall.now = T0 + 60 * DAY  # every event is older than the retention
    assert j.prune() == 1
    assert seqs(j) == [2, 3, 4, 5], "what the collector has not acknowledged stays"
    j.hold(4, ceiling_bytes=10 * 1024 * 1024)
    assert j.prune() == 3
    assert seqs(j) == [5]
    j.close()


def test_size_cap_keeps_unacknowledged_events_until_the_hard_ceiling(tmp_path: Path) -> None:
    cap, ceiling = 256 * 1024, 2 * 1024 * 1024
    j = open_journal(tmp_path / "j.db", max_bytes=cap)
    j.hold(0, ceiling_bytes=ceiling)  # nothing acknowledged yet
    fill(j, 1400)  # ~1.2 MB: beyond the cap, below the ceiling
    j.prune()
    assert seqs(j) == list(range(1, 1401)), "nothing unacknowledged is pruned below the ceiling"
    assert j.used_bytes() > cap
    # The collector acknowledges 1000: those may now go, down to the size cap.
    j.hold(1000, ceiling_bytes=ceiling)
    j.prune()
    kept = seqs(j)
    assert kept[0] > 1 and kept[0] <= 1001
    assert kept == list(range(kept[0], 1401))
    # Far beyond the ceiling (the collector gone for good): the oldest go anyway, the disk is safe.
    fill(j, 4000, "more")
    j.prune()
    assert j.used_bytes() <= ceiling
    kept = seqs(j)
    assert kept[0] > 1001, "beyond the hard ceiling even unacknowledged events are removed"
    assert kept == list(range(kept[0], 5401)), "oldest first, the newest kept, without holes"
    j.close()


def test_without_a_floor_the_size_cap_is_unchanged(tmp_path: Path) -> None:
    cap = 256 * 1024
    j = open_journal(tmp_path / "j.db", max_bytes=cap)
    fill(j, 1400)
    assert j.keep_after is None
    assert j.used_bytes() <= cap


def test_meta_values_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    j = open_journal(path)
    assert j.read_meta("push_acknowledged_seq") is None
    j.write_meta("push_acknowledged_seq", "41")
    j.write_meta("push_acknowledged_seq", "42")
    j.close()
    again = open_journal(path)
    assert again.read_meta("push_acknowledged_seq") == "42"
    again.close()
