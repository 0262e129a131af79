"""The reports written (table ``reports``, migration 0006): what :mod:`collector.report.archive`
keeps of each report and central export it writes (the file's path, its SHA-256 and size, when,
by whom, whether the schedule wrote it, and the evaluation of the month it was made from)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Engine, select

from collector.store.schema import reports

PROVINCE_SCOPE = "tinh"  # a report of every site of the province
EXPORT_FORMATS = ("csv", "json")  # the central export's (RPT-CENTRAL); the others are reports


@dataclass(frozen=True)
class ReportRecord:
    month: str  # 2026-11
    format: str  # docx, pdf, xlsx, csv, json
    scope: str  # "tinh": every site; "xa-<hash>": the sites of a token limited to some
    path: str  # the file, absolute
    sha256: str  # of the file's bytes, lower hex
    size: int  # bytes
    written_at: float  # Unix seconds
    written_by: str  # the token's name, "schedule" or "cli:<user>"
    scheduled: bool
    evaluated_at: float  # the month's findings it was made from (MonthFindings.evaluated_at)
    id: int = 0

    @property
    def file_name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]


_COLUMNS = (
    "month",
    "format",
    "scope",
    "path",
    "sha256",
    "size",
    "written_at",
    "written_by",
    "scheduled",
    "evaluated_at",
    "id",
)


def add(engine: Engine, record: ReportRecord) -> ReportRecord:
    values = {name: getattr(record, name) for name in _COLUMNS if name != "id"}
    stmt = reports.insert().values(**values).returning(reports.c.id)
    with engine.begin() as conn:
        new_id = int(conn.execute(stmt).scalar_one())
    return dataclasses.replace(record, id=new_id)


def listed(
    engine: Engine,
    month: str | None = None,
    fmt: str | None = None,
    scope: str | None = None,
) -> list[ReportRecord]:
    """Oldest first (by month, then when written)."""
    stmt = select(*(reports.c[name] for name in _COLUMNS))
    if month is not None:
        stmt = stmt.where(reports.c.month == month)
    if fmt is not None:
        stmt = stmt.where(reports.c.format == fmt)
    if scope is not None:
        stmt = stmt.where(reports.c.scope == scope)
    stmt = stmt.order_by(reports.c.month, reports.c.written_at, reports.c.id)
    with engine.connect() as conn:
        return [
            ReportRecord(**{**row._asdict(), "scheduled": bool(row.scheduled)})
            for row in conn.execute(stmt)
        ]
