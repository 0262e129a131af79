"""The collector's store on SQLite (a file in tmp_path).

Every test takes ``store_url``; tests/integration/test_store_postgres.py runs the same functions
against a real PostgreSQL by overriding that fixture.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from collector.events import EventIn, StoredEvent
from collector.findings import PROVINCE_SITE, Evidence, Finding, Status, Window
from collector.periods import Month, MonthFindings
from collector.store import AuditEntry, SchemaError, Store, migrate
from collector.store.engine import make_engine
from collector.store.schema import events as events_table
from collector.store.schema import metadata
from collector.survey import SurveyPoint
from tests.support import event_in

SITE, OTHER = "23527-main", "21548-main"
T0 = 1_780_000_000.0


def ev(seq: int, wall: float | None = None, site: str = SITE, **fields: Any) -> EventIn:
    at = T0 + seq if wall is None else wall
    stored = StoredEvent(site, "j1", seq, "boot-1", at, seq * 1000, "check_state", "portal", "up")
    return event_in(replace(stored, **fields))


def test_a_batch_is_stored_once_and_duplicates_are_counted(store: Store) -> None:
    first = store.insert_events(SITE, "j1", [ev(1), ev(2), ev(3)], received_at=T0)
    assert (first.accepted, first.duplicates, first.last_seq) == (3, 0, 3)
    again = store.insert_events(SITE, "j1", [ev(2), ev(3), ev(4), ev(4)], received_at=T0 + 1)
    assert (again.accepted, again.duplicates, again.last_seq) == (1, 3, 4)
    assert store.count_events() == 4
    assert store.cursor(SITE, "j1").last_seq == 4
    assert store.cursor(SITE, "j1").received_at == T0 + 1
    assert store.cursor(SITE, "unknown").last_seq == 0


def test_the_same_seq_in_another_journal_or_site_is_another_event(store: Store) -> None:
    store.insert_events(SITE, "j1", [ev(1)], T0)
    store.insert_events(SITE, "j2", [ev(1)], T0 + 5)
    store.insert_events(OTHER, "j1", [ev(1, site=OTHER)], T0)
    assert store.count_events() == 3
    assert [(c.site, c.journal_id, c.last_seq) for c in store.cursors()] == [
        (OTHER, "j1", 1),
        (SITE, "j1", 1),
        (SITE, "j2", 1),
    ]
    latest = store.latest_cursor(SITE)
    assert latest is not None and latest.journal_id == "j2"
    assert store.latest_cursor("00001-none") is None


def test_a_batch_naming_another_site_stores_nothing(store: Store) -> None:
    with pytest.raises(ValueError, match="site"):
        store.insert_events(SITE, "j1", [ev(1), ev(2, site=OTHER)], T0)
    assert store.count_events() == 0 and store.cursors() == []


def test_a_batch_failing_in_the_database_stores_nothing(store: Store) -> None:
    # seq beyond 64 bits passes nothing on a real agent; built here to make the database refuse
    # the last row of the batch.
    bad = ev(3).model_copy(update={"seq": 2**64})
    with pytest.raises(Exception):  # noqa: B017 (driver-specific: OverflowError, DataError)
        store.insert_events(SITE, "j1", [ev(1), ev(2), bad], T0)
    assert store.count_events() == 0 and store.cursors() == []


def test_iter_events_orders_by_site_wall_time_and_seq_within_the_span(store: Store) -> None:
    store.insert_events(SITE, "j1", [ev(1, T0 + 30), ev(2, T0 + 10), ev(3, T0 + 10)], T0)
    store.insert_events(SITE, "j2", [ev(1, T0 + 20)], T0)
    store.insert_events(OTHER, "j9", [ev(5, T0 + 5, site=OTHER), ev(6, T0 + 99, site=OTHER)], T0)
    got = [(e.site, e.journal_id, e.seq) for e in store.iter_events(T0 + 5, T0 + 99)]
    assert got == [
        (OTHER, "j9", 5),  # T0+99 is outside: until is exclusive
        (SITE, "j1", 2),
        (SITE, "j1", 3),
        (SITE, "j2", 1),
        (SITE, "j1", 1),
    ]
    only = list(store.iter_events(0, 2e9, sites=[OTHER]))
    assert [e.seq for e in only] == [5, 6]
    assert list(store.iter_events(0, 2e9, kinds=[])) == []
    assert list(store.iter_events(0, 2e9, sites=[])) == []


def test_iter_events_filters_kinds_and_keeps_every_field(store: Store) -> None:
    details = {"link": "vnpt", "loss_ratio": 0.25, "up": True, "none": None, "big": 2**62 + 1}
    quality = ev(1, kind="link_quality", subject="gw", state=None, value=0.012, details=details)
    store.insert_events(SITE, "j1", [quality, ev(2, details={"name": "Xã Sa Thầy"})], T0)
    (got,) = store.iter_events(0, 2e9, kinds=["link_quality"])
    assert (got.kind, got.subject, got.state, got.value) == ("link_quality", "gw", None, 0.012)
    assert got.details == details
    assert (got.boot_id, got.monotonic_ns, got.wall_time) == ("boot-1", 1000, T0 + 1)
    assert got.ref == f"{SITE}/j1/1"
    (other,) = store.iter_events(0, 2e9, kinds=["check_state"])
    assert other.details == {"name": "Xã Sa Thầy"}


def test_iter_events_streams_more_than_one_chunk_in_order(store: Store) -> None:
    n = 12_345  # > 2 chunks of STREAM_CHUNK
    for start in range(1, n + 1, 5000):
        batch = [ev(s, T0 + (n - s)) for s in range(start, min(start + 5000, n + 1))]
        store.insert_events(SITE, "j1", batch, T0)
    seqs = [e.seq for e in store.iter_events(0, 2e9)]
    assert seqs == list(range(n, 0, -1))  # wall time runs backwards against seq here


def test_state_before_is_the_newest_state_per_subject_before_the_window(store: Store) -> None:
    store.insert_events(
        SITE,
        "j1",
        [
            ev(1, T0 + 1, subject="portal", state="down"),
            ev(2, T0 + 2, subject="portal", state="up"),
            ev(3, T0 + 3, subject="dns", state="down"),
            ev(4, T0 + 50, subject="portal", state="down"),  # inside the window: not "before"
            ev(5, T0 + 4, kind="mains_state", subject="site", state="lost"),
        ],
        T0,
    )
    store.insert_events(OTHER, "j1", [ev(1, T0 + 1, site=OTHER, state="down")], T0)
    before = store.state_before(T0 + 10, ["check_state"])
    assert [(e.site, e.subject, e.state, e.seq) for e in before] == [
        (OTHER, "portal", "down", 1),
        (SITE, "portal", "up", 2),
        (SITE, "dns", "down", 3),
    ]
    assert [e.seq for e in store.state_before(T0 + 10, ["mains_state"], sites=[SITE])] == [5]
    assert store.state_before(T0 + 10, []) == []


def test_site_events_are_newest_first_and_limited(store: Store) -> None:
    store.insert_events(SITE, "j1", [ev(s) for s in range(1, 11)], T0)
    store.insert_events(OTHER, "j1", [ev(1, site=OTHER)], T0)
    got = store.site_events(SITE, T0 + 2, T0 + 9, limit=3)
    assert [e.seq for e in got] == [8, 7, 6]
    assert store.site_events(SITE, T0, T0 + 100, kinds=["mains_state"]) == []


def test_batches_from_many_threads_all_land_and_the_cursor_only_grows(store: Store) -> None:
    errors: list[BaseException] = []

    def push(start: int) -> None:
        try:
            for s in range(start, 400, 40):
                store.insert_events(SITE, "j1", [ev(x) for x in range(s, s + 10)], T0 + s)
        except BaseException as err:  # collected, asserted below
            errors.append(err)

    threads = [threading.Thread(target=push, args=(1 + 10 * i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert store.count_events() == 400
    assert store.cursor(SITE, "j1").last_seq == 400


def test_survey_points_are_added_once(store: Store) -> None:
    point = SurveyPoint("Thôn 3", 14.4, 107.8, T0, 2e6, 5e5, 0.0, 0.05, "Viettel", "4G", SITE)
    assert store.add_survey_points([point, point]) == 1
    assert store.add_survey_points([point]) == 0
    assert store.survey_points(T0, T0 + 1) == [point]
    assert store.survey_points(T0 + 1, T0 + 2) == []


def test_notes_and_the_audit_log_newest_first(store: Store) -> None:
    a = store.add_note(SITE, "kt.hung", "Thay UPS", T0)
    b = store.add_note(SITE, "kt.hung", "Đã kiểm tra đường truyền", T0 + 60)
    store.add_note(OTHER, "x", "y", T0)
    assert store.notes(SITE) == [b, a] and a.id != b.id
    entry = AuditEntry(T0, "kt.hung", "technician", "note.create", SITE, {"note": a.id})
    store.audit(entry)
    store.audit(AuditEntry(T0 + 1, "admin", "admin", "inventory.reload", "", {}))
    log = store.audit_log()
    assert log[1] == entry and log[0].action == "inventory.reload"


# --- migrations ------------------------------------------------------------------------------


def test_an_empty_database_migrates_to_the_schema_of_schema_py(store_url: str) -> None:
    Store.open(store_url).close()
    engine = make_engine(store_url)
    try:
        assert migrate.current(engine) == migrate.head()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            tables = set(inspect(conn).get_table_names())
        assert diff == []
        assert {"events", "journals", "survey_points", "notes", "audit_log"} <= tables
        assert {"months", "month_findings", "month_dead_zones"} <= tables
    finally:
        engine.dispose()


def test_a_database_at_0001_is_upgraded_and_keeps_its_events(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        migrate.upgrade(engine, "0001")
        assert migrate.current(engine) == "0001"
        with engine.begin() as conn:
            for seq in (1, 2, 4):  # a hole at 3: the contiguous cursor of 0003 stops at 2
                conn.execute(
                    events_table.insert().values(
                        site=SITE,
                        journal_id="j1",
                        seq=seq,
                        boot_id="b",
                        wall_time=T0 + seq,
                        monotonic_ns=seq,
                        kind="agent_started",
                        subject="agent",
                        details='{"version": "0.1"}',
                        received_at=T0,
                    )
                )
            conn.execute(
                text("INSERT INTO journals (site, journal_id, last_seq, received_at)"
                     " VALUES (:site, 'j1', 4, :at)"),
                {"site": SITE, "at": T0},
            )  # fmt: skip
        with pytest.raises(
            SchemaError, match=rf"revision 0001, this sansang needs {migrate.head()}"
        ):
            Store.open(store_url, migrate=False)
        store = Store.open(store_url)
        try:
            assert migrate.current(engine) == migrate.head()
            kept = list(store.iter_events(0, 2e9))
            assert [e.details for e in kept] == [{"version": "0.1"}] * 3
            assert store.add_note(SITE, "a", "b", T0).id >= 1  # a table of 0002
            cursor = store.cursor(SITE, "j1")
            assert (cursor.last_seq, cursor.highest_seq) == (2, 4), (
                "backfilled: run from 1 ends at 2"
            )
        finally:
            store.close()
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(events_table)).scalar() == 3
    finally:
        engine.dispose()


def test_a_database_at_0003_keeps_its_survey_points_and_gains_the_signal(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        migrate.upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO survey_points (label, latitude, longitude, wall_time,"
                     " download_bps, loss_ratio) VALUES ('Thôn 3', 14.41, 107.78, :t, 1e5, 0.2)"),
                {"t": T0},
            )  # fmt: skip
        store = Store.open(store_url)
        try:
            old = store.survey_points(0, 2e9)
            assert [(p.label, p.download_bps, p.rsrp_dbm, p.rsrq_db) for p in old] == [
                ("Thôn 3", 1e5, None, None)
            ]
            signal = SurveyPoint("Bản Lá", 14.5, 107.9, T0 + 1, None, None, 1.0, None,
                                 rsrp_dbm=-118.0, rsrq_db=-17.5)  # fmt: skip
            assert store.add_survey_points([signal]) == 1
            assert store.survey_points(T0 + 1, T0 + 2) == [signal]
        finally:
            store.close()
    finally:
        engine.dispose()


def test_migrate_false_on_an_empty_database_says_so(store_url: str) -> None:
    with pytest.raises(
        SchemaError, match=rf"none \(empty database\), this sansang needs {migrate.head()}"
    ):
        Store.open(store_url, migrate=False)


def test_opening_twice_migrates_once(store_url: str) -> None:
    Store.open(store_url).close()
    store = Store.open(store_url, migrate=False)
    store.close()


def test_a_database_at_0004_keeps_its_events_and_gains_the_month_tables(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        migrate.upgrade(engine, "0004")
        assert "months" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO survey_points (label, latitude, longitude, wall_time)"
                     " VALUES ('Thôn 3', 14.41, 107.78, :t)"),
                {"t": T0},
            )  # fmt: skip
        store = Store.open(store_url)
        try:
            assert migrate.current(engine) == migrate.head()
            assert {"months", "month_findings"} <= set(inspect(engine).get_table_names())
            assert [p.label for p in store.survey_points(0, 2e9)] == ["Thôn 3"]
            assert store.months() == []
            store.save_month(_month_findings(Month(2026, 10)))
            assert store.months() == [Month(2026, 10)]
        finally:
            store.close()
    finally:
        engine.dispose()


# --- findings kept per month -------------------------------------------------------------------


def _month_findings(month: Month, status: Status = "not_met", closed: bool = True) -> MonthFindings:
    """A month's evaluation with every kind of field a finding has."""
    window = month.window()
    refs = (f"{SITE}:j1:7", f"{SITE}:j1:9")
    evidence = (
        Evidence("events", "Mất điện lưới 3 lần", "Mains lost 3 times", refs),
        Evidence("inventory", "Danh mục", "Inventory", ()),
    )
    details: dict[str, float | int | str | None] = {
        "dead_zone": 1,
        "worst_minutes": 42.5,
        "note": "lưới",
        "none": None,
    }
    power = Finding(
        "INF-PWR", SITE, status, 3.0, 2, "outages", window, "Mất điện 3 lần", "3 outages",
        evidence, "power", details,
    )  # fmt: skip
    first_day = Window(window.start, window.start + 86400)
    hnth = Finding(
        "INF-HNTH", SITE, "met", None, ["h323", "sip"], "count", first_day, "Có", "Has one"
    )
    other = Finding("INF-PWR", OTHER, "unknown", None, None, "outages", window, "Chưa rõ", "?")
    central = Finding(
        "OPS-247", PROVINCE_SITE, "met", 0.999, 0.995, "ratio", window, "Một cửa ổn định",
        "One-stop steady", details={"role": "one_stop_system"},
    )  # fmt: skip
    point = SurveyPoint(
        "Thôn Bản Lá", 14.5, 107.9, window.start + 3600, 1e5, None, 0.25, None, "Viettel", "4G",
        None, rsrp_dbm=-118.0, rsrq_db=-17.5,
    )  # fmt: skip
    return MonthFindings(
        month=month,
        evaluated_at=window.end + 3600,
        window=window,
        findings=(power, hnth, other),
        province_findings=(central,),
        dead_zone_points=(point,),
        inventory_version="a" * 64,
        catalogue_version="b" * 64,
        closed=closed,
        extra={"note": "thử"},
    )


def test_a_month_read_back_equals_the_month_saved(store: Store) -> None:
    saved = _month_findings(Month(2026, 10))
    store.save_month(saved)
    back = store.month(Month(2026, 10))
    assert back is not None
    assert back.findings == saved.findings  # dataclass equality: tuples, JSON fields, windows
    assert back.province_findings == saved.province_findings
    assert back.dead_zone_points == saved.dead_zone_points
    assert back == saved
    assert isinstance(back.findings[0].evidence[0].refs, tuple)
    assert back.findings[1].threshold == ["h323", "sip"] and back.findings[0].threshold == 2
    assert store.month(Month(2026, 9)) is None


def test_saving_a_month_again_replaces_it_and_months_are_newest_first(store: Store) -> None:
    for m in (Month(2026, 10), Month(2025, 12), Month(2026, 11)):
        store.save_month(_month_findings(m))
    again = replace(_month_findings(Month(2026, 10), status="met", closed=False), findings=())
    store.save_month(again)
    assert store.months() == [Month(2026, 11), Month(2026, 10), Month(2025, 12)]
    assert store.month(Month(2026, 10)) == again
    entry = store.month_entries()[1]
    assert (entry.month, entry.closed, entry.inventory_version) == (
        Month(2026, 10),
        False,
        "a" * 64,
    )
    assert store.month(Month(2026, 11)) == _month_findings(Month(2026, 11))


def test_a_sites_months_and_the_months_tallies(store: Store) -> None:
    store.save_month(_month_findings(Month(2026, 10), status="not_met"))
    store.save_month(_month_findings(Month(2026, 11), status="met"))
    wanted = [Month(2026, 10), Month(2026, 11), Month(2026, 12)]
    mine = store.site_months(SITE, wanted)
    assert {m: [(f.target, f.status) for f in fs] for m, fs in mine.items()} == {
        Month(2026, 10): [("INF-PWR", "not_met"), ("INF-HNTH", "met")],
        Month(2026, 11): [("INF-PWR", "met"), ("INF-HNTH", "met")],
    }
    counts = store.month_tallies(wanted)
    assert dict(counts[Month(2026, 10)]["INF-PWR"]) == {"not_met": 1, "unknown": 1}
    assert dict(counts[Month(2026, 11)]["INF-PWR"]) == {"met": 1, "unknown": 1}
    assert "OPS-247" not in counts[Month(2026, 11)]  # the province's own finding is no site's
    assert store.month_tallies([]) == {} and store.site_months(SITE, []) == {}
