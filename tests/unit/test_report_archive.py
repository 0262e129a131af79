"""Writing, keeping and scheduling reports (collector.report.archive) on a real SQLite store:
the file written atomically under the month's folder, its SHA-256 in the reports table and in
the audit log, a scoped report for some sites, the error naming a month without findings, the
schedule's decision as a pure function, and the schedule end to end (restart included)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from collector.config import CollectorConfig, ReportsConfig
from collector.context import Collector
from collector.incidents.model import manual_key
from collector.inventory.certificates import SignatureCertificate
from collector.inventory.model import Inventory
from collector.periods import Month
from collector.report import archive
from collector.store import Store, migrate
from collector.store.engine import make_engine
from collector.targets import Catalogue, effective_thresholds, load_catalogue
from sansang.i18n import ZONE, local
from tests.support import wait_until_async, webdata
from tests.support.report import month_findings

NOV = Month(2026, 11)


def at(month: int, day: int, hour: int = 10) -> float:
    return datetime(2026, month, day, hour, tzinfo=ZONE).timestamp()


@pytest.fixture
def province(store: Store) -> Iterator[tuple[Store, Inventory, Catalogue]]:
    catalogue = load_catalogue()
    inventory = webdata.inventory(webdata.quang_ngai_codes(3))
    evaluation = webdata.evaluation(inventory, catalogue)
    store.save_month(month_findings(evaluation, NOV, closed=True))
    yield store, inventory, catalogue


def test_a_report_is_kept_with_its_hash_and_audited(
    province: tuple[Store, Inventory, Catalogue], tmp_path: Path
) -> None:
    store, inventory, catalogue = province
    now = at(12, 13, 8)
    done = archive.write_report(
        store, inventory, catalogue, NOV, "json", now, by="so-khcn", role="viewer",
        directory=tmp_path / "reports",
    )  # fmt: skip
    data = done.path.read_bytes()
    assert done.path.parent == tmp_path / "reports" / "2026-11"
    assert done.path.name == "chi-tieu-trung-uong-2026-11-20261213-080000.json"
    assert done.download_name == "chi-tieu-trung-uong-2026-11.json"
    assert done.record.sha256 == hashlib.sha256(data).hexdigest()
    assert json.loads(data)["month"] == "2026-11"
    assert store.reports("2026-11") == [done.record]
    assert not [p for p in done.path.parent.iterdir() if p.name.startswith(".tmp-")]
    entry = store.audit_log()[0]
    assert (entry.action, entry.actor, entry.role, entry.target) == (
        "report.export",
        "so-khcn",
        "viewer",
        "2026-11",
    )
    assert entry.details["sha256"] == done.record.sha256 and entry.details["scheduled"] is False


def test_a_document_report_is_written_by_its_formats_writer(
    province: tuple[Store, Inventory, Catalogue], tmp_path: Path
) -> None:
    store, inventory, catalogue = province
    done = archive.write_report(
        store, inventory, catalogue, NOV, "pdf", at(12, 13), by="admin", directory=tmp_path
    )
    assert done.path.read_bytes().startswith(b"%PDF")
    assert store.audit_log()[0].action == "report.write"


def test_a_report_for_some_sites_has_only_their_communes(
    province: tuple[Store, Inventory, Catalogue], tmp_path: Path
) -> None:
    store, inventory, catalogue = province
    one = inventory.sites[0].key
    report, _ = archive.build_report(store, inventory, catalogue, NOV, at(12, 13), {one})
    assert [row.key for row in report.sites] == [one]
    assert all(t.tally.total <= 1 for t in report.targets)
    done = archive.write_report(
        store, inventory, catalogue, NOV, "csv", at(12, 13), sites={one}, by="kt",
        directory=tmp_path,
    )  # fmt: skip
    assert done.record.scope == archive.scope_of({one}) != "tinh"
    assert one not in done.path.name  # a hash of the keys, never a key, in the path


def _record(store: Store, site: str | None, kind: str, started: float) -> int:
    """An incident recorded by hand, as the police do on /incidents."""
    return store.open_incident_by_hand(
        key=manual_key(kind, site, started, "cat"),
        site=site,
        kind=kind,
        severity="critical",
        summary=f"{kind} (thử)",
        started_at=started,
        by="cat",
        now=started + 120,
    )


def test_the_police_part_has_the_incidents_and_certificates_of_the_reports_communes(
    province: tuple[Store, Inventory, Catalogue],
) -> None:
    store, inventory, catalogue = province
    one, other = inventory.sites[0], inventory.sites[1]
    window = webdata.WINDOW  # what the kept findings cover
    mine = _record(store, one.key, "cyberattack", window.start + 86400)
    theirs = _record(store, other.key, "power_loss", window.start + 2 * 86400)
    central = _record(store, None, "central_outage", window.start + 3 * 86400)
    settled = _record(store, one.key, "link_loss", window.start - 40 * 86400)
    store.restore_incident(settled, "cat", window.start - 39 * 86400)
    store.report_incident(settled, "cat", window.start - 38 * 86400, "1/BC-CAT")
    carried = _record(store, None, "central_outage", window.start - 10 * 86400)  # still open
    _record(store, one.key, "hardware", window.end + 3600)  # after the window
    _record(store, None, "central_outage", window.end + 7200)
    today = local(window.end).date()
    inventory = inventory.model_copy(
        update={
            "signature_certificates": [
                SignatureCertificate(
                    id=f"c{i}",
                    holder="Lê Văn Tâm",
                    position="Chủ tịch UBND xã",
                    commune_code=code,
                    not_after=today + timedelta(days=10),
                )
                for i, code in enumerate([one.commune_code, other.commune_code, None])
            ]
        }
    )
    whole, _ = archive.build_report(store, inventory, catalogue, NOV, at(12, 13))
    assert sorted(i.id for i in whole.security.incidents) == sorted(
        [mine, theirs, central, carried]
    )
    assert {i.commune for i in whole.security.incidents if i.id in (central, carried)} == {""}
    assert len(whole.security.certificates) == 3
    report, _ = archive.build_report(store, inventory, catalogue, NOV, at(12, 13), {one.key})
    assert [i.id for i in report.security.incidents] == [mine]
    assert [c.commune for c in report.security.certificates] == [one.commune.name]
    fewer, _ = archive.build_report(
        store, inventory, catalogue, NOV, at(12, 13), certificate_days=9
    )
    assert fewer.security.certificates == []


def test_a_month_without_findings_is_named(
    province: tuple[Store, Inventory, Catalogue], tmp_path: Path
) -> None:
    store, inventory, catalogue = province
    with pytest.raises(archive.NoFindings, match=r"tháng 10/2026.*2026-10.*2026-11"):
        archive.write_report(
            store, inventory, catalogue, Month(2026, 10), "pdf", at(12, 1), by="x",
            directory=tmp_path,
        )  # fmt: skip
    assert store.reports() == []


def test_a_kept_report_is_served_again_until_its_file_changes(
    province: tuple[Store, Inventory, Catalogue], tmp_path: Path
) -> None:
    store, inventory, catalogue = province
    args = (store, inventory, catalogue, NOV, "csv")
    first = archive.kept_or_write(*args, at(12, 2), by="a", role="viewer", directory=tmp_path)
    again = archive.kept_or_write(*args, at(12, 3), by="b", role="viewer", directory=tmp_path)
    assert again.record == first.record
    first.path.write_bytes(b"tampered")
    third = archive.kept_or_write(*args, at(12, 4), by="c", role="viewer", directory=tmp_path)
    assert third.record.id != first.record.id and third.path.read_bytes() != b"tampered"


def test_due_writes_the_previous_months_formats_from_the_day_on() -> None:
    formats = ["docx", "csv"]
    assert archive.due(at(12, 12, 23), 13, formats, set()) == []
    assert archive.due(at(12, 13, 0), 13, formats, set()) == [(NOV, "docx"), (NOV, "csv")]
    assert archive.due(at(12, 28), 13, formats, {("2026-11", "docx")}) == [(NOV, "csv")]
    jan = datetime(2027, 1, 20, tzinfo=ZONE).timestamp()
    assert archive.due(jan, 13, ["pdf"], set()) == [(Month(2026, 12), "pdf")]


def _collector(store: Store, tmp_path: Path, day: int = 13) -> Collector:
    catalogue = load_catalogue()
    reports = ReportsConfig(
        dir=tmp_path / "reports", day=day, formats=["pdf"], central_export=["json"]
    )
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml", reports=reports)
    inventory = webdata.inventory(webdata.quang_ngai_codes(3))
    return Collector(config, inventory, catalogue, effective_thresholds(catalogue), store)


def test_the_schedule_writes_once_and_a_restart_does_not_write_again(
    province: tuple[Store, Inventory, Catalogue], tmp_path: Path
) -> None:
    store = province[0]
    c = _collector(store, tmp_path)
    assert archive.write_due(c, at(12, 12)) == []
    written = archive.write_due(c, at(12, 13, 0))
    assert sorted(w.record.format for w in written) == ["json", "pdf"]
    assert all(w.record.scheduled and w.record.written_by == "schedule" for w in written)
    assert archive.write_due(_collector(store, tmp_path), at(12, 14)) == []  # a new process
    assert len(store.reports("2026-11")) == 2


async def test_the_collectors_report_loop_writes_the_due_reports(
    province: tuple[Store, Inventory, Catalogue], tmp_path: Path
) -> None:
    """The loop as the collector runs it, now: last month's reports, written from the findings
    it evaluates and keeps itself when none are kept yet."""
    store = province[0]
    c = _collector(store, tmp_path, day=1)  # due from the 1st: due now
    now = datetime.now(ZONE)
    last = Month(now.year, now.month).previous()
    task = asyncio.create_task(archive.run_forever(c))
    try:
        kept = await wait_until_async(
            lambda: len(store.reports(str(last))) == 2 and store.reports(str(last)),
            60,
            "the loop writes last month's pdf and json",
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert {r.format for r in kept} == {"pdf", "json"}
    assert store.month(last) is not None and store.month(last).closed  # type: ignore[union-attr]


def test_a_database_at_0005_gains_the_reports_table(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        migrate.upgrade(engine, "0005")
        assert "reports" not in inspect(engine).get_table_names()
        Store.open(store_url).close()
        assert "reports" in inspect(engine).get_table_names()
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()
