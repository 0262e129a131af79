"""The store's tests of tests/unit/test_store_sqlite.py against a real PostgreSQL 15: one server
for the module, a fresh database for each test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.integration.pglab import PgLab, new_database, skip_without_postgres
from tests.support.store import opened_store
from tests.unit.test_store_contiguous import (  # noqa: F401 (collected here against PostgreSQL)
    test_a_hole_holds_the_cursor_until_it_is_filled,
    test_a_journal_pruned_before_sending_skips_its_hole_only_from_first_seq,
    test_a_new_journal_starts_at_its_first_seq_or_the_first_batch,
    test_a_seq_far_ahead_is_not_stored_and_does_not_move_the_cursor,
    test_an_acknowledged_batch_is_on_disk_before_the_answer,
    test_batches_out_of_order_end_at_the_same_cursor,
    test_details_in_another_order_are_the_same_content,
    test_the_cursor_is_kept_per_batch_not_scanned,
    test_the_same_seq_with_other_content_is_a_conflict_and_nothing_is_stored,
)
from tests.unit.test_store_sqlite import (  # noqa: F401 (collected here against PostgreSQL)
    test_a_batch_failing_in_the_database_stores_nothing,
    test_a_batch_is_stored_once_and_duplicates_are_counted,
    test_a_batch_naming_another_site_stores_nothing,
    test_a_database_at_0001_is_upgraded_and_keeps_its_events,
    test_a_database_at_0004_keeps_its_events_and_gains_the_month_tables,
    test_a_month_read_back_equals_the_month_saved,
    test_a_sites_months_and_the_months_tallies,
    test_an_empty_database_migrates_to_the_schema_of_schema_py,
    test_batches_from_many_threads_all_land_and_the_cursor_only_grows,
    test_iter_events_filters_kinds_and_keeps_every_field,
    test_iter_events_orders_by_site_wall_time_and_seq_within_the_span,
    test_iter_events_streams_more_than_one_chunk_in_order,
    test_migrate_false_on_an_empty_database_says_so,
    test_notes_and_the_audit_log_newest_first,
    test_opening_twice_migrates_once,
    test_saving_a_month_again_replaces_it_and_months_are_newest_first,
    test_site_events_are_newest_first_and_limited,
    test_state_before_is_the_newest_state_per_subject_before_the_window,
    test_survey_points_are_added_once,
    test_the_same_seq_in_another_journal_or_site_is_another_event,
)

if TYPE_CHECKING:
    from collector.store import Store

pytestmark = [pytest.mark.integration, skip_without_postgres]
_names = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    lab = PgLab()
    try:
        yield lab.start()
    finally:
        lab.stop()


@pytest.fixture
def store_url(server: str) -> str:
    return new_database(server, f"t{os.getpid()}_{next(_names)}")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    yield from opened_store(store_url)


def test_the_url_is_postgresql_through_psycopg_3(store_url: str) -> None:
    from collector.store import Store

    s = Store.open(store_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        assert s.dialect == "postgresql" and s.engine.driver == "psycopg"
    finally:
        s.close()


async def test_a_push_postgresql_cannot_store_is_400_not_a_retry_forever(
    tmp_path: Path, store_url: str
) -> None:
    """A NUL character cannot be held by PostgreSQL, not even as a JSON escape in details: the
    event schema refuses it, naming the field (400: retrying such a batch would never end),
    before the database would refuse the whole batch."""
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from collector.ingest.push import add_routes
    from collector.store import Store
    from tests.support.ingest import PUSHER, make_collector
    from tests.unit.test_ingest_push import batch, event, post

    s = Store.open(store_url)
    try:
        c, tokens = make_collector(tmp_path, s)
        app = web.Application()
        add_routes(app, c)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            status, body = await post(client, tokens[PUSHER], batch([event(1, subject="a\x00b")]))
            assert status == 400 and body["problems"][0]["field"] == "subject"
            note = batch([event(1, details={"note": "a\x00b", "n\x00": 1})])
            status, body = await post(client, tokens[PUSHER], note)
            assert status == 400
            assert [p["field"] for p in body["problems"]] == ["details.note", "details.n\x00"]
            status, body = await post(client, tokens[PUSHER], batch([event(1)]))
            assert status == 200, body
        assert s.count_events() == 1
    finally:
        s.close()


def test_collectors_starting_together_migrate_one_after_the_other(store_url: str) -> None:
    import threading

    from collector.store import Store, migrate
    from collector.store.engine import make_engine

    errors: list[BaseException] = []

    def open_close() -> None:
        try:
            Store.open(store_url).close()
        except BaseException as err:  # collected, asserted below
            errors.append(err)

    threads = [threading.Thread(target=open_close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    engine = make_engine(store_url)
    try:
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()


def test_a_batch_waits_for_the_batch_of_its_journal_in_flight(store: Store) -> None:
    """Batch 11..20 held uncommitted while batch 21..30 of the same journal arrives: the second
    waits for the first (it would else count its run from a cursor of 10, not see 11..20, and
    the first, not seeing 21..30, would leave the cursor at 20 for good)."""
    import threading

    from sqlalchemy import text

    from collector.store import contiguous
    from tests.support import wait_until
    from tests.unit.test_store_sqlite import SITE, T0, ev

    store.insert_events(SITE, "j1", [ev(s) for s in range(1, 11)], T0)
    first_in, release, second_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with store.engine.begin() as conn:
                batch = [ev(s) for s in range(11, 21)]
                contiguous.insert(conn, SITE, "j1", batch, T0 + 1, first_seq=None, ahead_limit=None)
                first_in.set()
                release.wait(60)
        except BaseException as err:  # collected, asserted below
            errors.append(err)

    def second() -> None:
        try:
            store.insert_events(SITE, "j1", [ev(s) for s in range(21, 31)], T0 + 2)
        except BaseException as err:  # collected, asserted below
            errors.append(err)
        finally:
            second_done.set()

    waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_in.wait(10), "the first batch was not stored in its transaction"
    threads[1].start()

    def second_waits_or_ended() -> bool:
        with store.engine.connect() as conn:
            return second_done.is_set() or conn.execute(waiting).scalar_one() > 0

    wait_until(second_waits_or_ended, 10, "the second batch waiting or stored")
    release.set()
    for t in threads:
        t.join(60)
    assert errors == []
    assert store.cursor(SITE, "j1").last_seq == 30
