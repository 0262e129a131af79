"""RPT-MONTHLY and RPT-CENTRAL: was the previous month's report (and the central export) written
by the province's deadline?  Judged from the reports kept (table ``reports``, written by
:mod:`collector.report.archive`), not from the agents' events: these are not event rules, so they
are not in :data:`collector.evaluate.rules.RULES`; :data:`THRESHOLDS_READ` tells the catalogue's
loader what each reads, and the evaluation run adds their findings to the province's
(site ``PROVINCE_SITE``).

For an evaluation whose window ends in month M, the report due is that of M-1, by the end of day
``deadline_day`` of M (Vietnam's time); only a report of every site (scope ``tinh``) written
after M-1 ended counts (one written while M-1 was still open has figures that were not final):

- met: one was written by the deadline (the first such is the evidence: file, time, SHA-256);
- not met: the deadline passed without one (a late one is named in the evidence);
- unknown: the deadline has not come and none is written yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from collector.findings import PROVINCE_SITE, Evidence, Finding, Status, Window
from collector.periods import Month
from collector.store.reports import EXPORT_FORMATS, PROVINCE_SCOPE, ReportRecord
from collector.targets import Catalogue, ThresholdValue
from sansang.i18n import ZONE

# The rules judged here, by the catalogue's ``rule`` name, and the thresholds each reads.
THRESHOLDS_READ: dict[str, frozenset[str]] = {
    "monthly_report": frozenset({"deadline_day"}),
    "central_export": frozenset({"deadline_day"}),
}
_WHAT = {
    "monthly_report": ("báo cáo tháng", "monthly report"),
    "central_export": ("tệp số liệu gửi Ban Chỉ đạo Trung ương", "central dashboard export"),
}


def deadline(month: Month, day: int) -> float:
    """The end of day ``day`` of ``month`` (local midnight after it), Unix seconds."""
    start = datetime(month.year, month.month, day, tzinfo=ZONE)
    return (start + timedelta(days=1)).timestamp()


def _when(unix: float) -> str:
    return datetime.fromtimestamp(unix, ZONE).strftime("%d/%m/%Y %H:%M")


def _counts(rule: str, record: ReportRecord, due: Month) -> bool:
    export = record.format in EXPORT_FORMATS
    return (
        record.month == str(due)
        and record.scope == PROVINCE_SCOPE
        and export == (rule == "central_export")
        and record.written_at >= due.end
    )


def _evidence(record: ReportRecord, late: bool = False) -> Evidence:
    when = _when(record.written_at)
    vi_late, en_late = (" (sau hạn)", " (after the deadline)") if late else ("", "")
    return Evidence(
        "report",
        f"Tệp {record.file_name} ({record.format}) viết lúc {when}{vi_late}, "
        f"SHA-256 {record.sha256}",
        f"File {record.file_name} ({record.format}) written at {when}{en_late}, "
        f"SHA-256 {record.sha256}",
        (record.path,),
    )


def judge(
    target: str,
    rule: str,
    written: Sequence[ReportRecord],
    thresholds: Mapping[str, ThresholdValue],
    window: Window,
) -> Finding:
    """The province's finding of ``target`` (rule ``monthly_report`` or ``central_export``)."""
    day = thresholds["deadline_day"]
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 28:
        raise ValueError(f"deadline_day must be a whole day from 1 to 28, not {day!r}")
    now = window.end
    this = Month.of(now - 1)  # the month the window ends in
    due = this.previous()
    by = deadline(this, day)
    kept = sorted((r for r in written if _counts(rule, r, due)), key=lambda r: r.written_at)
    on_time = [r for r in kept if r.written_at < by]
    what_vi, what_en = _WHAT[rule]
    due_date = datetime.fromtimestamp(by - 1, ZONE).strftime("%d/%m/%Y")
    status: Status
    evidence: tuple[Evidence, ...]
    if on_time:
        first = on_time[0]
        status, evidence = "met", (_evidence(first),)
        vi = f"Đã viết {what_vi} tháng {due.label} ngày {_when(first.written_at)}, đúng hạn."
        en = f"The {what_en} of {due} was written on {_when(first.written_at)}, on time."
    elif now >= by:
        status, evidence = "not_met", tuple(_evidence(r, late=True) for r in kept[:1])
        vi = f"Chưa viết {what_vi} tháng {due.label} trước hạn {due_date}."
        en = f"The {what_en} of {due} was not written by the deadline {due_date}."
    else:
        status, evidence = "unknown", ()
        vi = f"Chưa đến hạn {due_date} của {what_vi} tháng {due.label}; chưa viết."
        en = f"The {what_en} of {due} is due by {due_date}; not written yet."
    first_written = on_time[0].written_at if on_time else (kept[0].written_at if kept else None)
    value = None  # the day of the month it was written, when in the month it is due
    if first_written is not None and Month.of(first_written) == this:
        value = float(datetime.fromtimestamp(first_written, ZONE).day)
    return Finding(
        target,
        PROVINCE_SITE,
        status,
        value,
        day,
        "day_of_month",
        window,
        vi,
        en,
        evidence,
        details={
            "month": str(due),
            "deadline": datetime.fromtimestamp(by - 1, ZONE).date().isoformat(),
            "written_at": first_written,
        },
    )


def province_findings(
    written: Sequence[ReportRecord],
    catalogue: Catalogue,
    thresholds: Mapping[str, Mapping[str, ThresholdValue]],
    window: Window,
) -> list[Finding]:
    """One finding per evaluated target judged here, in the catalogue's order."""
    return [
        judge(t.id, t.rule, written, thresholds[t.id], window)
        for t in catalogue.targets
        if t.status == "evaluated" and t.rule in THRESHOLDS_READ
    ]
