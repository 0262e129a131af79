"""RecentReader over a real SQLite store: newest state per subject, merged between full reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.alerts.recent import RecentReader
from collector.events import StoredEvent
from collector.store import Store
from tests.support.alerts import event, store_events

T = 1_780_000_000.0
A, B = "23527-main", "23530-main"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    yield s
    s.close()


def states(recent: dict[str, list[StoredEvent]], site: str, kind: str) -> list[str | None]:
    return [e.state for e in recent.get(site, []) if e.kind == kind]


def test_newest_state_however_old_and_recent_events(store: Store) -> None:
    store_events(
        store,
        [
            event(A, "link_state", "internet", "down", T - 30 * 86400),  # old, still the state
            event(A, "link_state", "tslcd", "down", T - 20 * 86400),
            event(A, "link_state", "tslcd", "up", T - 10 * 86400),
            event(A, "agent_started", "agent", None, T - 120),  # recent cause kind
            event(A, "link_quality", "gw", None, T - 60),  # not a cause kind: not read
            event(B, "mains_state", "site", "lost", T - 7200),
            event("99999-x", "mains_state", "site", "lost", T - 60),  # not in the inventory
        ],
        received_at=T - 50,
    )
    recent, received = RecentReader(store, [A, B]).read(T)
    assert set(recent) == {A, B}
    links = sorted((e.subject, e.state) for e in recent[A] if e.kind == "link_state")
    assert links == [("internet", "down"), ("tslcd", "up")]
    assert states(recent, A, "agent_started") == [None]
    assert states(recent, A, "link_quality") == []
    assert [e.wall_time for e in recent[A]] == sorted(e.wall_time for e in recent[A])
    assert states(recent, B, "mains_state") == ["lost"]
    assert received == {A: T - 50, B: T - 50, "99999-x": T - 50}


def test_new_events_merge_between_full_reads(store: Store) -> None:
    store_events(store, [event(A, "mains_state", "site", "lost", T - 600)], received_at=T)
    reader = RecentReader(store, [A], full_every=600)
    assert states(reader.read(T)[0], A, "mains_state") == ["lost"]
    restored = event(A, "mains_state", "site", "restored", T + 10)
    store_events(store, [restored], received_at=T + 10)
    recent, _ = reader.read(T + 20)  # no full read: merged from the last hour
    assert reader.full_at == T
    newest = [e for e in recent[A] if e.kind == "mains_state"][-1]
    assert newest.state == "restored"
    # A late event older than the history is only seen at the next full read.
    late = event(A, "link_state", "internet", "down", T - 5 * 3600)
    store_events(store, [late], received_at=T + 30)
    assert states(reader.read(T + 40)[0], A, "link_state") == []
    assert states(reader.read(T + 700)[0], A, "link_state") == ["down"]
