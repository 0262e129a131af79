"""Writing a month's report (RPT-MONTHLY: docx, pdf, xlsx) or central export (RPT-CENTRAL: csv,
json), keeping the file with its SHA-256 (table ``reports``) and recording it in the audit log;
and the schedule that writes the previous month's on the province's day (``reports.day``).

    written = write_report(store, inventory, catalogue, Month.parse("2026-11"), "docx", now,
                           by="so-khcn", directory=reports_dir(config))

A report is built from the month's findings kept by the store (``Store.month``; the month
before gives each target's change) and the incidents touching the month's window (for the
police's part) with :func:`collector.report.content.build`; a report for a token limited to
some sites (a technician) is built from the findings, incidents and signature certificates of
those sites only (a province-wide incident or a province body's certificate only in the
province's report) and kept under its own scope tag.  Files are named from the month, the
format, the scope and the time written (never from a request's text), under
``<dir>/<YYYY-MM>/``, written atomically (a temporary file, fsync, rename, fsync of the folder).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import logging
import os
import tempfile
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from collector import report as report_pkg
from collector.config import CollectorConfig
from collector.evaluate.model import Window
from collector.incidents import Incident
from collector.inventory.model import Inventory
from collector.periods import Month, MonthFindings
from collector.report import central
from collector.report.content import CERTIFICATE_DAYS, MonthReport, build
from collector.store import AuditEntry, Store
from collector.store.reports import EXPORT_FORMATS, PROVINCE_SCOPE, ReportRecord
from collector.targets import Catalogue, ThresholdValue
from sansang.errors import SansangError
from sansang.i18n import ZONE

log = logging.getLogger(__name__)

ALL_FORMATS = (*report_pkg.FORMATS, *EXPORT_FORMATS)
SCHEDULE = "schedule"  # the ``written_by`` of a report the schedule wrote
CHECK_EVERY = 600.0  # seconds between two looks at the schedule


class NoFindings(SansangError, LookupError):
    """No findings are kept for the month asked for."""


@dataclass(frozen=True)
class WrittenReport:
    record: ReportRecord  # the row kept (path, sha256, size, when, by whom)
    download_name: str  # what a browser saves it as: bao-cao-thang-2026-11.docx

    @property
    def path(self) -> Path:
        return Path(self.record.path)


def check_format(fmt: str) -> str:
    if fmt not in ALL_FORMATS:
        raise ValueError(
            f"định dạng '{fmt}' không có; dùng / format '{fmt}' unknown; use "
            f"{', '.join(ALL_FORMATS)}"
        )
    return fmt


def scope_of(sites: Collection[str] | None) -> str:
    """``tinh`` for every site; ``xa-`` and 12 hex digits of the SHA-256 of the sorted keys for
    a subset (the same sites always give the same tag; no key is put in a path)."""
    if sites is None:
        return PROVINCE_SCOPE
    digest = hashlib.sha256(",".join(sorted(sites)).encode("utf-8")).hexdigest()
    return f"xa-{digest[:12]}"


def download_name(month: Month, fmt: str, scope: str = PROVINCE_SCOPE) -> str:
    stem = "chi-tieu-trung-uong" if fmt in EXPORT_FORMATS else "bao-cao-thang"
    tag = "" if scope == PROVINCE_SCOPE else f"-{scope}"
    return f"{stem}-{month}{tag}.{check_format(fmt)}"


def reports_dir(config: CollectorConfig) -> Path:
    """``reports.dir``; by default ``reports/`` beside the SQLite database, else ``reports/`` in
    the working directory (``collector.config.load`` makes a relative one the config file's)."""
    if config.reports.dir is not None:
        return config.reports.dir
    if config.database.startswith("sqlite:///"):
        return Path(config.database.removeprefix("sqlite:///")).parent / "reports"
    return Path("reports")


def _scoped(found: MonthFindings | None, sites: Collection[str] | None) -> MonthFindings | None:
    if found is None or sites is None:
        return found
    return dataclasses.replace(
        found,
        findings=tuple(f for f in found.findings if f.site in sites),
        dead_zone_points=tuple(p for p in found.dead_zone_points if p.site in sites),
    )


def _settled_before(i: Incident, start: float) -> bool:
    """Restored and reported before ``start``: nothing of it is left for the window."""
    return (
        i.restored_at is not None
        and i.restored_at < start
        and i.reported_at is not None
        and i.reported_at < start
    )


def month_incidents(store: Store, window: Window, sites: Collection[str] | None) -> list[Incident]:
    """The incidents touching ``window`` (begun before its end, not both restored and reported
    before its start), as SEC-EARLY judges them: of ``sites`` only when given; every site's and
    the province-wide ones (a central outage, no site) for the province's report."""
    found = [
        i
        for i in store.incidents_touching(window.start, window.end)
        if sites is None or i.site in sites
    ]
    if sites is None:  # incidents_touching gives the sites' only
        found += [
            i
            for i in store.incidents(sites=(), province_wide=True)
            if i.site is None and i.started_at < window.end and not _settled_before(i, window.start)
        ]
    return found


def build_report(
    store: Store,
    inventory: Inventory,
    catalogue: Catalogue,
    month: Month,
    now: float,
    sites: Collection[str] | None = None,
    certificate_days: int = CERTIFICATE_DAYS,
) -> tuple[MonthReport, MonthFindings]:
    """The month's report (of ``sites`` only when given) from the findings kept and the
    incidents; ``certificate_days``: the config's ``alertmanager.certificate_warning_days``."""
    current = store.month(month)
    if current is None:
        raise NoFindings(
            f"chưa có kết quả đánh giá tháng {month.label} / no findings kept for {month}"
            f" (months kept: {', '.join(str(m) for m in store.months()) or 'none'})"
        )
    previous = store.month(month.previous())
    survey = store.survey_points(month.start, month.end)
    incidents = month_incidents(store, current.window, sites)
    if sites is not None:
        kept = [s for s in inventory.sites if s.key in sites]
        codes = {s.commune_code for s in kept}
        certificates = [c for c in inventory.signature_certificates if c.commune_code in codes]
        inventory = inventory.model_copy(
            update={"sites": kept, "signature_certificates": certificates}
        )
        survey = [p for p in survey if p.site in sites]
    scoped = _scoped(current, sites)
    assert scoped is not None
    report = build(
        scoped, _scoped(previous, sites), inventory, catalogue, survey, now, incidents,
        certificate_days,
    )  # fmt: skip
    return report, current


def render(report: MonthReport, fmt: str, mapping: central.CentralMapping | None = None) -> bytes:
    if fmt == "csv":
        return central.export(report, "csv", mapping or central.load_mapping(None))
    if fmt == "json":
        return central.export(report, "json", mapping or central.load_mapping(None))
    out = io.BytesIO()
    report_pkg.write(report, check_format(fmt), out)
    return out.getvalue()


def _stamp(now: float) -> str:
    return datetime.fromtimestamp(now, ZONE).strftime("%Y%m%d-%H%M%S")


def _write_atomically(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, ext = name.rpartition(".")
    path, n = folder / name, 1
    while path.exists():  # two in the same second: keep both
        n += 1
        path = folder / f"{stem}-{n}{dot}{ext}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=f".{ext}")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


def write_report(
    store: Store,
    inventory: Inventory,
    catalogue: Catalogue,
    month: Month,
    fmt: str,
    now: float,
    *,
    sites: Collection[str] | None = None,
    by: str,
    role: str = "system",
    directory: Path,
    mapping: central.CentralMapping | None = None,
    scheduled: bool = False,
    certificate_days: int = CERTIFICATE_DAYS,
) -> WrittenReport:
    """Write the month's report (or central export) in ``fmt``, keep it and audit it
    (``report.write``, or ``report.export`` for csv/json); :class:`NoFindings` when the store
    keeps no findings of the month."""
    check_format(fmt)
    report, current = build_report(store, inventory, catalogue, month, now, sites, certificate_days)
    data = render(report, fmt, mapping)
    scope = scope_of(sites)
    name = download_name(month, fmt, scope).rpartition(".")
    path = _write_atomically(directory / str(month), f"{name[0]}-{_stamp(now)}.{fmt}", data)
    record = store.add_report(
        ReportRecord(
            month=str(month),
            format=fmt,
            scope=scope,
            path=str(path.resolve()),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            written_at=now,
            written_by=by,
            scheduled=scheduled,
            evaluated_at=current.evaluated_at,
        )
    )
    action = "report.export" if fmt in EXPORT_FORMATS else "report.write"
    details: dict[str, Any] = {
        "format": fmt,
        "scope": scope,
        "file": record.file_name,
        "sha256": record.sha256,
        "size": record.size,
        "scheduled": scheduled,
        "report_id": record.id,
    }
    store.audit(AuditEntry(now, by, role, action, str(month), details))
    return WrittenReport(record, download_name(month, fmt, scope))


def _intact(record: ReportRecord) -> bool:
    try:
        data = Path(record.path).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == record.sha256


def kept_or_write(
    store: Store,
    inventory: Inventory,
    catalogue: Catalogue,
    month: Month,
    fmt: str,
    now: float,
    *,
    sites: Collection[str] | None = None,
    by: str,
    role: str,
    directory: Path,
    mapping: central.CentralMapping | None = None,
    certificate_days: int = CERTIFICATE_DAYS,
) -> WrittenReport:
    """The report kept of the month's findings as they are now (same ``evaluated_at``, the file
    still matching its SHA-256), else a new one written (and kept, and audited)."""
    check_format(fmt)
    current = store.month(month)
    scope = scope_of(sites)
    if current is not None:
        for record in reversed(store.reports(str(month), fmt, scope)):
            if record.evaluated_at != current.evaluated_at:
                break
            if _intact(record):
                return WrittenReport(record, download_name(month, fmt, scope))
            log.error(
                "tệp báo cáo đã sửa hoặc mất / a kept report was changed or removed: %s "
                "(sha256 %s): writing it again",
                record.path,
                record.sha256,
            )
            break
    return write_report(
        store,
        inventory,
        catalogue,
        month,
        fmt,
        now,
        sites=sites,
        by=by,
        role=role,
        directory=directory,
        mapping=mapping,
        certificate_days=certificate_days,
    )


# --- the schedule ------------------------------------------------------------------------------


def due(
    now: float, day: int, formats: Iterable[str], written: Collection[tuple[str, str]]
) -> list[tuple[Month, str]]:
    """What the schedule writes at ``now``: on or after day ``day`` of the month, the previous
    month's report in each of ``formats`` not in ``written`` (``(YYYY-MM, format)`` of the
    province's reports written after that month ended); before the day, nothing."""
    local = datetime.fromtimestamp(now, ZONE)
    if local.day < day:
        return []
    month = Month(local.year, local.month).previous()
    return [(month, fmt) for fmt in formats if (str(month), fmt) not in written]


def written_after_close(records: Iterable[ReportRecord]) -> set[tuple[str, str]]:
    """(month, format) of the province's reports written once their month had ended."""
    return {
        (r.month, r.format)
        for r in records
        if r.scope == PROVINCE_SCOPE and r.written_at >= Month.parse(r.month).end
    }


class Host(Protocol):
    """What the schedule reads (``collector.context.Collector``)."""

    @property
    def config(self) -> CollectorConfig: ...
    @property
    def store(self) -> Store: ...
    @property
    def inventory(self) -> Inventory: ...
    @property
    def catalogue(self) -> Catalogue: ...
    @property
    def thresholds(self) -> dict[str, dict[str, ThresholdValue]]: ...


def _closed_findings(c: Host, month: Month, now: float) -> None:
    """The month's final findings kept (evaluated now when the store has none closed yet)."""
    kept = c.store.month(month)
    if kept is not None and kept.closed:
        return
    from collector.evaluate.months import evaluate_month

    c.store.save_month(evaluate_month(c.store, c.inventory, c.catalogue, c.thresholds, month, now))


def write_due(c: Host, now: float) -> list[WrittenReport]:
    """Write every report and export :func:`due` at ``now``; one that fails is logged and tried
    again at the next look, the others are written."""
    conf = c.config.reports
    formats: Sequence[str] = [*conf.formats, *conf.central_export]
    todo = due(now, conf.day, formats, written_after_close(c.store.reports()))
    if not todo:
        return []
    mapping = central.load_mapping(conf.central_mapping) if conf.central_export else None
    written: list[WrittenReport] = []
    for month, fmt in todo:
        try:
            _closed_findings(c, month, now)
            done = write_report(
                c.store,
                c.inventory,
                c.catalogue,
                month,
                fmt,
                now,
                by=SCHEDULE,
                directory=reports_dir(c.config),
                mapping=mapping,
                scheduled=True,
                certificate_days=c.config.alertmanager.certificate_warning_days,
            )
        except Exception:
            log.exception(
                "không viết được báo cáo tháng %s (%s) / writing the report of %s (%s) failed; "
                "trying again later",
                month.label,
                fmt,
                month,
                fmt,
            )
            continue
        written.append(done)
        log.info(
            "đã viết báo cáo tháng %s (%s) / wrote the report of %s (%s): %s sha256 %s",
            month.label,
            fmt,
            month,
            fmt,
            done.record.path,
            done.record.sha256,
        )
    return written


async def run_forever(c: Host) -> None:
    """:func:`write_due` every :data:`CHECK_EVERY` seconds in a worker thread; what is written
    is in the reports table, so a restart never writes a month's report twice."""
    while True:
        try:
            await asyncio.to_thread(write_due, c, time.time())
        except Exception:  # the database: logged, tried again at the next look
            log.exception("lịch báo cáo lỗi / the report schedule failed; trying again later")
        await asyncio.sleep(CHECK_EVERY)
