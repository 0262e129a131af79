"""RPT-MONTHLY and RPT-CENTRAL: met when the previous month's report (export) of every site was
written by the deadline day, not met after it without one, unknown before it; judged from the
reports kept, and among the province's findings of an evaluation over a real store."""

from __future__ import annotations

from datetime import datetime

from collector.evaluate.model import PROVINCE_SITE, Window
from collector.evaluate.reporting import judge
from collector.evaluate.run import evaluate_all
from collector.store import ReportRecord, Store
from collector.targets import effective_thresholds, load_catalogue
from sansang.i18n import ZONE
from tests.support import webdata

TH = {"deadline_day": 13}


def at(month: int, day: int, hour: int = 10) -> float:
    return datetime(2026, month, day, hour, tzinfo=ZONE).timestamp()


def written(month: str, fmt: str, when: float, scope: str = "tinh") -> ReportRecord:
    return ReportRecord(
        month, fmt, scope, f"/r/{month}/bao-cao-thang-{month}.{fmt}", "ab" * 32, 10, when,
        "schedule", True, when,
    )  # fmt: skip


def window(now: float) -> Window:
    return Window(now - 30 * 86400, now)


def test_unknown_before_the_deadline_met_once_written_not_met_after_it() -> None:
    assert judge("RPT-MONTHLY", "monthly_report", [], TH, window(at(12, 13, 23))).status == (
        "unknown"
    )
    late = judge("RPT-MONTHLY", "monthly_report", [], TH, window(at(12, 14, 0)))
    assert (late.status, late.site, late.details["month"]) == ("not_met", PROVINCE_SITE, "2026-11")
    assert "13/12/2026" in late.vi
    kept = [written("2026-11", "docx", at(12, 13, 8))]
    met = judge("RPT-MONTHLY", "monthly_report", kept, TH, window(at(12, 20)))
    assert (met.status, met.value, met.threshold) == ("met", 13.0, 13)
    evidence = met.evidence[0]
    assert evidence.kind == "report" and "13/12/2026 08:00" in evidence.vi
    assert "bao-cao-thang-2026-11.docx" in evidence.vi and "ab" * 32 in evidence.vi


def test_only_the_provinces_report_written_after_the_month_ended_counts() -> None:
    early = [written("2026-11", "pdf", at(11, 20))]  # while November was still open
    assert judge("RPT-MONTHLY", "monthly_report", early, TH, window(at(12, 20))).status == (
        "not_met"
    )
    scoped = [written("2026-11", "pdf", at(12, 3), scope="xa-0123456789ab")]
    assert judge("RPT-MONTHLY", "monthly_report", scoped, TH, window(at(12, 20))).status == (
        "not_met"
    )
    late = [written("2026-11", "pdf", at(12, 20))]
    found = judge("RPT-MONTHLY", "monthly_report", late, TH, window(at(12, 21)))
    assert found.status == "not_met" and "sau hạn" in found.evidence[0].vi


def test_the_export_needs_a_csv_or_json_and_a_report_needs_a_document() -> None:
    kept = [written("2026-11", "csv", at(12, 5))]
    th = {"deadline_day": 25}
    assert judge("RPT-CENTRAL", "central_export", kept, th, window(at(12, 26))).status == "met"
    assert judge("RPT-MONTHLY", "monthly_report", kept, TH, window(at(12, 26))).status == (
        "not_met"
    )


def test_a_month_evaluation_judges_the_report_due_in_that_month() -> None:
    """A closed month's window ends at the next month's first instant: the report due in it is
    the month before's (October's, due 13/11)."""
    kept = [written("2026-10", "xlsx", at(11, 10))]
    nov = Window(at(11, 1, 0), at(12, 1, 0))
    found = judge("RPT-MONTHLY", "monthly_report", kept, TH, nov)
    assert (found.status, found.details["month"]) == ("met", "2026-10")


def test_the_evaluation_gives_both_among_the_provinces_findings(store: Store) -> None:
    catalogue = load_catalogue()
    inventory = webdata.inventory(webdata.quang_ngai_codes(2))
    store.add_report(written("2026-11", "json", at(12, 2)))
    thresholds = effective_thresholds(catalogue)
    evaluation = evaluate_all(store, inventory, catalogue, thresholds, window(at(12, 26)))
    found = {f.target: f for f in evaluation.province_findings}
    assert found["RPT-CENTRAL"].status == "met"  # by the 25th
    assert found["RPT-MONTHLY"].status == "not_met"  # no document by the 13th
    assert all(f.target not in ("RPT-MONTHLY", "RPT-CENTRAL") for f in evaluation.findings)
