"""What a monthly report says (RPT-MONTHLY), as plain data: every writer (docx, pdf, xlsx) and
the central export print the same :class:`MonthReport`, built once by :func:`build` from one
month's stored findings (:class:`collector.periods.MonthFindings`), the previous month's, the
inventory and the catalogue.  No I/O here; figures are written with :mod:`collector.figures`
so a figure reads the same in the report as on the board.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from collector.evaluate.model import Cause, Status
from collector.periods import Month


@dataclass(frozen=True)
class Tally:
    met: int = 0
    not_met: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.met + self.not_met + self.unknown


@dataclass(frozen=True)
class TargetSummary:
    """One target across the province this month, and the month before."""

    target: str  # INF-PWR
    name: str  # short name: "Nguồn điện"
    title: str  # the plan's sentence (catalogue title, Vietnamese)
    owner: str  # the owning agency's name: "Sở Khoa học và Công nghệ"
    tally: Tally
    previous: Tally | None  # None: no findings kept for the previous month
    change: str  # "+2 xã đạt so với tháng 10/2026", "không đổi", "chưa có tháng trước"


@dataclass(frozen=True)
class Cell:
    """One commune's finding for one target."""

    status: Status
    value: float | None
    unit: str  # the finding's unit ("ratio", "Mbit/s", "outages", ...)
    threshold: float | str | None
    figure: str  # as a person reads it: "99,2 %", "5 lần mất điện", "4/5 rủi ro", "—"
    reading: str  # the figure beside its threshold: "5 lần mất điện (tối đa 4)"
    sentence: str  # the finding's Vietnamese sentence


@dataclass(frozen=True)
class SiteRow:
    key: str  # 23527-main
    commune_code: str  # 23527
    commune: str  # "Xã Sa Thầy"
    site_name: str  # the inventory's name of the point
    cells: Mapping[str, Cell]  # by target id


@dataclass(frozen=True)
class NotMet:
    """A commune's target not met, with its cause and the evidence behind it, in words."""

    target: str
    target_name: str
    key: str
    commune: str
    cause: Cause | None
    cause_text: str  # "mất điện lưới", "" when the rule gives none
    sentence: str
    evidence: Sequence[str]  # the evidence sentences (Vietnamese), the events in words
    refs: Sequence[str] = ()  # the events' references (site:journal:seq), for the annex


@dataclass(frozen=True)
class PowerDeadZone:
    """A commune the power company is asked to fix (INF-PWR's dead zones)."""

    key: str
    commune: str
    sustained_outages: int | None
    minutes_without_mains: float | None
    ups_ran_flat: bool  # a UPS ran out during an outage this month
    sentence: str


@dataclass(frozen=True)
class CoveragePoint:
    """A surveyed place below INF-DZ's threshold, for its mobile operator."""

    operator: str  # "Viettel", "" when unknown
    place: str  # village (thôn, bản, tổ dân phố) or the site's name
    commune: str  # the commune it is tied to, "" when none
    latitude: float
    longitude: float
    rsrp_dbm: float | None
    rsrq_db: float | None
    download_mbps: float | None
    loss_ratio: float | None
    surveyed_on: date


@dataclass(frozen=True)
class Overdue:
    """A deadline of a plan passed with the task not done (INF-DZ, INF-HNTH, ...)."""

    target: str
    key: str  # the site, "" for the province
    commune: str
    what: str  # "thiết bị hội nghị truyền hình", "xoá điểm lõm sóng"
    deadline: date


@dataclass(frozen=True)
class ProvinceLine:
    """A finding about the province as a whole (a shared system, the report itself)."""

    target: str
    name: str  # "Hệ thống Một cửa điện tử của tỉnh"
    status: Status
    figure: str
    reading: str
    sentence: str
    evidence: Sequence[str] = ()


@dataclass(frozen=True)
class MonthReport:
    province_code: str  # "51"
    province_name: str  # "Quảng Ngãi"
    month: Month
    generated_at: float  # Unix seconds
    evaluated_at: float  # when the findings were made
    closed: bool  # the month is over: final figures
    inventory_version: str
    catalogue_version: str
    targets: Sequence[TargetSummary]  # in the catalogue's order, evaluated targets only
    sites: Sequence[SiteRow]  # every commune, by commune name
    not_met: Sequence[NotMet]  # by target, then commune
    province: Sequence[ProvinceLine] = ()
    power_dead_zones: Sequence[PowerDeadZone] = ()
    coverage_dead_zones: Sequence[CoveragePoint] = ()  # by operator, then place
    conference_missing: Sequence[Overdue] = ()  # communes lacking the endpoint they must have
    overdue: Sequence[Overdue] = ()  # every deadline passed
    issuer: str = "Sở Khoa học và Công nghệ"  # the issuing body (cơ quan ban hành)
    place: str = ""  # the place of issue (địa danh), e.g. "Quảng Ngãi"
    recipients: Sequence[str] = field(default_factory=tuple)  # nơi nhận
    signer_title: str = "GIÁM ĐỐC"  # the signature block's title
