"""Periods: the calendar month in Vietnam's time (Asia/Ho_Chi_Minh) is the period the plans
report on (communes before the 13th, the province by the 15th, 22nd or 25th).

:class:`Month` is one such month and its evaluation window; :class:`MonthFindings` is what the
store keeps of one month's evaluation (the findings with their evidence, the inventory's and the
catalogue's versions), from which the board's trend, the API's ``?month=`` and the monthly report
are made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from collector.findings import Finding, Window
from collector.survey import SurveyPoint
from sansang.i18n import ZONE

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-11``; anything else is a ValueError naming the form expected."""
        found = _MONTH.match(text.strip())
        if found is None:
            raise ValueError(f"'{text}' is not a month written YYYY-MM, e.g. 2026-11")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, unix: float) -> Month:
        """The month ``unix`` falls in, in Vietnam's time."""
        local = datetime.fromtimestamp(unix, ZONE)
        return cls(local.year, local.month)

    def __str__(self) -> str:  # the API's and the file names' form
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """``11/2026``, as a Vietnamese report writes it (``tháng 11/2026``)."""
        return f"{self.month:02d}/{self.year:04d}"

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def start(self) -> float:
        """Local midnight of the 1st, Unix seconds."""
        return datetime(self.year, self.month, 1, tzinfo=ZONE).timestamp()

    @property
    def end(self) -> float:
        """Local midnight of the next month's 1st (exclusive)."""
        return self.next().start

    def window(self) -> Window:
        return Window(self.start, self.end)

    def closed_at(self, now: float) -> bool:
        """The month is over at ``now`` (its findings no longer change with time)."""
        return now >= self.end


@dataclass(frozen=True)
class MonthFindings:
    """One month's stored evaluation (``Store.save_month`` / ``Store.month``)."""

    month: Month
    evaluated_at: float
    window: Window  # the month, or the month so far while it is open
    findings: Sequence[Finding]  # per site, with their evidence
    province_findings: Sequence[Finding] = ()  # about the province (OPS-247's systems, RPT-*)
    dead_zone_points: Sequence[SurveyPoint] = ()  # INF-DZ: surveyed places tied to no site
    inventory_version: str = ""  # sha256 of the inventory's content the findings were made from
    catalogue_version: str = ""  # sha256 of the catalogue (with the province's thresholds)
    closed: bool = False  # evaluated after the month's end: final
    extra: dict[str, str] = field(default_factory=dict)
