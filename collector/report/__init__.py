"""The monthly report (RPT-MONTHLY) and the province's export for the central steering
committee's dashboard (RPT-CENTRAL).

- :mod:`collector.report.content`: :class:`MonthReport`, everything a report says, built from
  one month's stored findings (:class:`collector.periods.MonthFindings`), the previous month's,
  the inventory and the catalogue; no I/O.
- :mod:`collector.report.docx` / :mod:`.pdf` / :mod:`.xlsx`: one writer per format, each
  ``write(report, out: BinaryIO) -> None``.
- :mod:`collector.report.central`: the indicators export (CSV, JSON) through a mapping file a
  province can edit.
- :mod:`collector.report.archive`: writing a report for a month and format, keeping it with its
  hash, recording it in the audit log; the schedule that writes it on the province's day.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from collector.report.content import MonthReport

FORMATS = ("xlsx", "docx", "pdf")

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def write(report: MonthReport, fmt: str, out: BinaryIO) -> None:
    """Write ``report`` in ``fmt`` (one of :data:`FORMATS`) to ``out`` with that format's writer,
    imported only when asked for (each pulls in its own library)."""
    if fmt not in FORMATS:
        raise ValueError(f"'{fmt}' is not a report format ({', '.join(FORMATS)})")
    writer = importlib.import_module(f"collector.report.{fmt}")
    writer.write(report, out)
