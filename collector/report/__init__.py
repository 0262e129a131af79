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

FORMATS = ("xlsx", "docx", "pdf")
