"""The contiguous cursor of a journal (collector/store/contiguous.py): what an agent resumes
after is the end of the run without a hole, never the highest seq held; a seq far ahead is not
stored; the same seq with other content refuses the batch whole.

Every test takes ``store``; tests/integration/test_store_postgres.py runs them against a real
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text

from collector.events import EventIn, StoredEvent
from collector.store import SeqConflict, Store
from tests.support import event_in

SITE = "23527-main"
T0 = 1_780_000_000.0
LIMIT = 100  # ahead_limit of these tests (ingest.max_batch_events)


def ev(seq: int, **fields: Any) -> EventIn:
    stored = StoredEvent(
        SITE, "j1", seq, "boot-1", T0 + seq, seq * 1000, "check_state", "portal", "up"
    )
    return event_in(replace(stored, **fields))


def put(store: Store, seqs: Iterator[int] | list[int] | range, **options: Any) -> Any:
    return store.insert_events(SITE, "j1", [ev(s) for s in seqs], T0, ahead_limit=LIMIT, **options)


def test_a_hole_holds_the_cursor_until_it_is_filled(store: Store) -> None:
    assert put(store, range(1, 4)).last_seq == 3
    after_gap = put(store, [6, 7])
    assert (after_gap.last_seq, after_gap.highest_seq, after_gap.accepted) == (3, 7, 2)
    assert (store.cursor(SITE, "j1").last_seq, store.cursor(SITE, "j1").highest_seq) == (3, 7)
    filled = put(store, [4, 5])
    assert (filled.last_seq, filled.highest_seq) == (7, 7), "the run now reaches past the hole"
    assert store.cursor(SITE, "j1").last_seq == 7


def test_batches_out_of_order_end_at_the_same_cursor(store: Store) -> None:
    put(store, [1, 2])
    assert put(store, range(21, 31)).last_seq == 2
    assert put(store, range(11, 21)).last_seq == 2
    assert put(store, range(3, 11)).last_seq == 30
    assert store.count_events() == 30


def test_a_seq_far_ahead_is_not_stored_and_does_not_move_the_cursor(store: Store) -> None:
    put(store, [1, 2])
    forged = put(store, [2 + LIMIT + 1])
    assert (forged.accepted, forged.ahead, forged.last_seq, forged.highest_seq) == (0, 1, 2, 2)
    edge = put(store, [2 + LIMIT])  # within the limit: stored, but a hole is before it
    assert (edge.accepted, edge.ahead, edge.last_seq) == (1, 0, 2)
    assert store.cursor(SITE, "j1").last_seq == 2
    assert store.count_events() == 3


def test_a_new_journal_starts_at_its_first_seq_or_the_first_batch(store: Store) -> None:
    # An agent that pruned before its first contact says where its journal starts.
    assert put(store, [41, 42], first_seq=41).last_seq == 42
    # A collector that lost the journal (restored from a backup): the agent sends after what it
    # had acknowledged, but says it still holds everything from seq 1: nothing is confirmed.
    restored = store.insert_events(SITE, "j2", [ev(501)], T0, ahead_limit=LIMIT, first_seq=1)
    assert (restored.last_seq, restored.ahead, restored.accepted) == (0, 1, 0)
    assert store.cursor(SITE, "j2").last_seq == 0
    # An agent of before first_seq: the run starts at its first batch.
    assert store.insert_events(SITE, "j3", [ev(7), ev(8)], T0, ahead_limit=LIMIT).last_seq == 8


def test_a_journal_pruned_before_sending_skips_its_hole_only_from_first_seq(store: Store) -> None:
    put(store, [1, 2])
    not_at_start = put(store, [12, 13], first_seq=10)  # the batch does not start at first_seq
    assert (not_at_start.last_seq, not_at_start.lost) == (2, 0)
    skipped = put(store, [10, 11], first_seq=10)
    assert (skipped.last_seq, skipped.lost) == (13, 7), "3..9 are lost on the site"


def test_the_same_seq_with_other_content_is_a_conflict_and_nothing_is_stored(
    store: Store,
) -> None:
    put(store, [1, 2, 3])
    again = put(store, [2, 3, 4])
    assert (again.accepted, again.duplicates, again.last_seq) == (1, 2, 4), "same content"
    put(store, [5, 6])
    other = [ev(4), ev(5, subject="khác"), ev(6, wall_time=T0 + 99)]  # 4 is the same
    with pytest.raises(SeqConflict) as raised:
        store.insert_events(SITE, "j1", [*other, ev(7)], T0, ahead_limit=LIMIT)
    assert (raised.value.seqs, raised.value.contiguous_seq) == ([5, 6], 6)
    assert "seq 5, 6" in str(raised.value)
    assert store.count_events() == 6, "seq 7 of the refused batch was not stored"
    assert store.cursor(SITE, "j1").last_seq == 6


def test_details_in_another_order_are_the_same_content(store: Store) -> None:
    store.insert_events(SITE, "j1", [ev(1, details={"a": 1, "b": "x"})], T0)
    again = store.insert_events(SITE, "j1", [ev(1, details={"b": "x", "a": 1})], T0)
    assert (again.accepted, again.duplicates) == (0, 1)
    with pytest.raises(SeqConflict):
        store.insert_events(SITE, "j1", [ev(1, details={"a": 2, "b": "x"})], T0)


def test_the_cursor_is_kept_per_batch_not_scanned(store: Store) -> None:
    """The journals row carries the contiguous seq: a cursor read touches no event."""
    put(store, range(1, 51))
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))
    assert store.cursor(SITE, "j1").last_seq == 50


def test_an_acknowledged_batch_is_on_disk_before_the_answer(store: Store) -> None:
    """A 200 is the agent's licence to forget: SQLite commits with fsync (synchronous=FULL in
    WAL), PostgreSQL with synchronous_commit on whatever the server's default."""
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        else:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
