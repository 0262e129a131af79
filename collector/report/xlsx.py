"""The monthly report as a workbook (RPT-MONTHLY), for the people who sort, filter and sum it.

Sheets, each a table with its header row bold, frozen and filtered, its columns sized:

- ``Tổng hợp``: every target, its communes met / not met / unknown, the share met, the month
  before and the change;
- one sheet per target (``INF-PWR Nguồn điện``): every commune, its status in words, its value
  as a number in its own format (a ratio as a percentage, Mbit/s with a decimal, counts whole,
  durations in minutes), the unit, the threshold, the figure as the board writes it and the
  finding's sentence;
- ``Chưa đạt`` (the targets not met, their causes and evidence), ``Lõm điện`` (power dead
  zones), ``Lõm sóng`` (coverage survey points per operator: coordinates, RSRP and RSRQ as
  numbers, the day surveyed as a date), ``Thiếu HNTH`` (communes lacking the video-conference
  endpoint), ``Quá hạn`` (deadlines passed, as dates), ``Hệ thống tỉnh`` (the shared systems);
- the police's part (Công an tỉnh), each sheet named ``An ninh - …``: ``Quá hạn`` (duties of
  incident readiness overdue: since when as a date, the days as a number), ``Sự cố`` (the
  month's incidents: start and report as date-times, detected and restored after in minutes,
  the reporting deadline as a date), ``Máy không đạt`` (the SEC-MEASURES findings not met),
  ``Chứng thư số`` (signature certificates about to expire: the last valid day as a date, the
  days left as a number, negative once expired);
- ``Dữ liệu``: one row per finding in machine-friendly columns (codes, raw values and units as
  the API gives them), for a pivot table or another program;
- ``Thông tin``: the province, the month, when the report was made, whether the month is over.

Written with openpyxl in write-only mode: rows stream to the file, so a province of 3,321
communes and 13 targets (some 90,000 rows) stays small in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from collector.report.content import (
    Cell,
    MonthReport,
    SiteRow,
    TargetSummary,
    certificate_left,
    reported_words,
)
from sansang.i18n import local

STATUS_WORDS = {"met": "đạt", "not_met": "chưa đạt", "unknown": "chưa rõ"}
# The board's cell colours: a status reads the same in every format.
STATUS_FILLS = {
    "met": PatternFill("solid", fgColor="CFEAD6"),
    "not_met": PatternFill("solid", fgColor="F9D0D0"),
    "unknown": PatternFill("solid", fgColor="E2E2E8"),
}
HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
HEADER_FONT = Font(bold=True)
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")

DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
PERCENT = "0.0%"
DECIMAL = "0.0"
WHOLE = "0"
COORDINATE = "0.00000"
PAPER_A4 = "9"  # the page setup's paper size code for A4


@dataclass(frozen=True)
class Measure:
    """How a unit's value goes into a cell: scaled (seconds to minutes), its number format and
    the unit's name as a column says it."""

    format: str
    unit: str
    scale: float = 1.0


# By the findings' units (collector/figures.py has the same list for the words).
MEASURES: dict[str, Measure] = {
    "ratio": Measure(PERCENT, "%"),
    "Mbit/s": Measure(DECIMAL, "Mbit/s"),
    "seconds": Measure(DECIMAL, "phút", 1 / 60),
    "s": Measure(DECIMAL, "phút", 1 / 60),
    "minutes": Measure(DECIMAL, "phút"),
    "min": Measure(DECIMAL, "phút"),
    "days": Measure(WHOLE, "ngày"),
    "outages": Measure(WHOLE, "lần mất điện"),
    "times": Measure(WHOLE, "lần"),
    "count": Measure(WHOLE, ""),
    "tests": Measure(WHOLE, "lần đo"),
    "points": Measure(WHOLE, "điểm đo"),
    "sites": Measure(WHOLE, "điểm"),
    "terminals": Measure(WHOLE, "thiết bị"),
    "risks": Measure(WHOLE, "rủi ro"),
    "incidents": Measure(WHOLE, "sự cố"),  # SEC-EARLY
}
OTHER = Measure("0.##", "")

# A sheet's name: at most 31 characters, none of these (Excel's rules).
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31


def write(report: MonthReport, out: BinaryIO) -> None:
    """Write ``report`` as an xlsx workbook to ``out``."""
    book = Workbook(write_only=True)
    made = local(report.generated_at).replace(tzinfo=None)
    book.properties.creator = "sansang"
    book.properties.title = f"Báo cáo tháng {report.month.label}: {report.province_name}"
    book.properties.created = made
    book.properties.modified = made
    names = SheetNames()
    _summary(book, names, report)
    for target in report.targets:
        _target(book, names, report, target)
    _not_met(book, names, report)
    _power(book, names, report)
    _coverage(book, names, report)
    _conference(book, names, report)
    _overdue(book, names, report)
    _security(book, names, report)
    _province(book, names, report)
    _data(book, names, report)
    _about(book, names, report)
    book.save(out)


class SheetNames:
    """Valid, unique sheet names (Excel compares them without case)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, wanted: str) -> str:
        base = _FORBIDDEN.sub("-", wanted).strip().strip("'")[:MAX_SHEET_NAME].strip() or "Sheet"
        name, n = base, 1
        while name.casefold() in self.used:
            n += 1
            suffix = f" ({n})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        self.used.add(name.casefold())
        return name


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # characters
    format: str | None = None  # every cell of the column in this number format


class _Sheet:
    """One table: the header row bold, frozen and filtered, the columns sized; rows streamed."""

    def __init__(self, book: Workbook, name: str, columns: Sequence[Column], rows: int) -> None:
        self.ws = ws = book.create_sheet(name)
        self.columns = columns
        for i, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = "A2"
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A1:{last}{rows + 1}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = PAPER_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.append([self._header(c.title) for c in columns])
        # One styled cell per column format, copied into every row (a style looked up once).
        self._formats = [self._styled(c.format) if c.format else None for c in columns]

    def _header(self, title: str) -> SheetCell:
        cell = WriteOnlyCell(self.ws, title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
        return cell

    def _styled(self, number_format: str, fill: PatternFill | None = None) -> SheetCell:
        cell = WriteOnlyCell(self.ws)
        cell.number_format = number_format
        if fill is not None:
            cell.fill = fill
        return cell

    def cell(self, value: Any, template: SheetCell) -> SheetCell:
        """``value`` in a new cell styled as ``template``."""
        cell = WriteOnlyCell(self.ws, value)
        cell._style = template._style
        return cell

    def append(self, values: Sequence[Any]) -> None:
        row = []
        for value, template in zip(values, self._formats, strict=True):
            if template is None or value is None or isinstance(value, SheetCell | str):
                row.append(value)
            else:
                row.append(self.cell(value, template))
        self.ws.append(row)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.append(values)


class _Styles:
    """The styled cells a target's sheet copies from: one per (number format, fill)."""

    def __init__(self, sheet: _Sheet) -> None:
        self.sheet = sheet
        self.made: dict[tuple[str, str | None], SheetCell] = {}

    def __call__(self, number_format: str, status: str | None = None) -> SheetCell:
        key = (number_format, status)
        found = self.made.get(key)
        if found is None:
            fill = STATUS_FILLS[status] if status is not None else None
            found = self.made[key] = self.sheet._styled(number_format, fill)
        return found


def _measure(unit: str) -> Measure:
    return MEASURES.get(unit, OTHER)


def _scaled(value: float | str | None, measure: Measure) -> float | str | None:
    if value is None or isinstance(value, str):
        return value
    return value * measure.scale if measure.scale != 1.0 else value


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _summary(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    sheet = _Sheet(
        book,
        names("Tổng hợp"),
        [
            Column("Mã chỉ tiêu", 16),
            Column("Chỉ tiêu", 24),
            Column("Nội dung chỉ tiêu", 50),
            Column("Cơ quan chủ trì", 26),
            Column("Đạt", 8, WHOLE),
            Column("Chưa đạt", 10, WHOLE),
            Column("Chưa rõ", 9, WHOLE),
            Column("Tổng số điểm", 10, WHOLE),
            Column("Tỷ lệ đạt", 10, PERCENT),
            Column("Tháng trước: đạt", 12, WHOLE),
            Column("Tháng trước: chưa đạt", 12, WHOLE),
            Column("Tháng trước: chưa rõ", 12, WHOLE),
            Column("Thay đổi số điểm đạt", 12, "+0;-0;0"),
            Column("So với tháng trước", 34),
        ],
        len(report.targets),
    )
    sheet.extend(_summary_row(t) for t in report.targets)


def _summary_row(t: TargetSummary) -> list[Any]:
    before = t.previous
    return [
        t.target,
        t.name,
        t.title,
        t.owner,
        t.tally.met,
        t.tally.not_met,
        t.tally.unknown,
        t.tally.total,
        _share(t.tally.met, t.tally.total),
        before.met if before else None,
        before.not_met if before else None,
        before.unknown if before else None,
        t.tally.met - before.met if before else None,
        t.change,
    ]


def _target(book: Workbook, names: SheetNames, report: MonthReport, t: TargetSummary) -> None:
    rows = [s for s in report.sites if t.target in s.cells]
    sheet = _Sheet(
        book,
        names(_target_sheet(t)),
        [
            Column("Mã xã", 8),
            Column("Xã, phường", 26),
            Column("Mã điểm", 16),
            Column("Điểm phục vụ", 30),
            Column("Kết quả", 10),
            Column("Giá trị", 10),
            Column("Đơn vị", 12),
            Column("Ngưỡng", 10),
            Column("Số liệu", 26),
            Column("Nhận định", 70),
        ],
        len(rows),
    )
    styles = _Styles(sheet)
    for site in rows:
        sheet.append(_target_row(sheet, styles, site, site.cells[t.target]))


def _target_sheet(t: TargetSummary) -> str:
    """``INF-PWR Nguồn điện``; the short name alone when both are too long for a sheet's name
    (``Phương án dự phòng`` for SEC-CONTINGENCY)."""
    both = f"{t.target} {t.name}"
    return both if len(both) <= MAX_SHEET_NAME else t.name


def _target_row(sheet: _Sheet, styles: _Styles, site: SiteRow, c: Cell) -> list[Any]:
    measure = _measure(c.unit)
    value = _scaled(c.value, measure)
    bound = _scaled(c.threshold, measure)
    return [
        site.commune_code,
        site.commune,
        site.key,
        site.site_name,
        sheet.cell(STATUS_WORDS[c.status], styles("General", c.status)),
        sheet.cell(value, styles(measure.format)) if value is not None else None,
        measure.unit or c.unit,
        sheet.cell(bound, styles(measure.format)) if isinstance(bound, float | int) else bound,
        c.reading,
        c.sentence,
    ]


def _not_met(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    sheet = _Sheet(
        book,
        names("Chưa đạt"),
        [
            Column("Mã chỉ tiêu", 16),
            Column("Chỉ tiêu", 22),
            Column("Mã điểm", 16),
            Column("Xã, phường", 26),
            Column("Nguyên nhân", 30),
            Column("Nhận định", 60),
            Column("Minh chứng", 80),
            Column("Sự kiện trong nhật ký", 40),
        ],
        len(report.not_met),
    )
    sheet.extend(
        [
            n.target,
            n.target_name,
            n.key,
            n.commune,
            n.cause_text or None,
            n.sentence,
            "\n".join(n.evidence) or None,
            ", ".join(n.refs) or None,
        ]
        for n in report.not_met
    )


def _power(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    sheet = _Sheet(
        book,
        names("Lõm điện"),
        [
            Column("Mã điểm", 16),
            Column("Xã, phường", 26),
            Column("Số lần mất điện kéo dài", 14, WHOLE),
            Column("Thời gian không có điện lưới (phút)", 16, DECIMAL),
            Column("UPS cạn pin", 10),
            Column("Nhận định", 70),
        ],
        len(report.power_dead_zones),
    )
    sheet.extend(
        [
            z.key,
            z.commune,
            z.sustained_outages,
            z.minutes_without_mains,
            "có" if z.ups_ran_flat else "không",
            z.sentence,
        ]
        for z in report.power_dead_zones
    )


def _coverage(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    sheet = _Sheet(
        book,
        names("Lõm sóng"),
        [
            Column("Nhà mạng", 14),
            Column("Thôn, bản, tổ dân phố", 26),
            Column("Xã, phường", 26),
            Column("Vĩ độ", 11, COORDINATE),
            Column("Kinh độ", 11, COORDINATE),
            Column("RSRP (dBm)", 11, WHOLE),
            Column("RSRQ (dB)", 11, DECIMAL),
            Column("Tốc độ tải xuống (Mbit/s)", 14, DECIMAL),
            Column("Tỷ lệ mất gói", 12, PERCENT),
            Column("Ngày khảo sát", 13, DATE),
        ],
        len(report.coverage_dead_zones),
    )
    sheet.extend(
        [
            p.operator or None,
            p.place,
            p.commune or None,
            p.latitude,
            p.longitude,
            p.rsrp_dbm,
            p.rsrq_db,
            p.download_mbps,
            p.loss_ratio,
            p.surveyed_on,
        ]
        for p in report.coverage_dead_zones
    )


def _conference(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    sheet = _Sheet(
        book,
        names("Thiếu HNTH"),
        [
            Column("Mã điểm", 16),
            Column("Xã, phường", 26),
            Column("Thiết bị", 36),
            Column("Hạn", 13, DATE),
        ],
        len(report.conference_missing),
    )
    sheet.extend([o.key, o.commune, o.what, o.deadline] for o in report.conference_missing)


def _report_day(report: MonthReport) -> date:
    """The day a deadline is counted to: the end of the span the findings cover."""
    if report.window is not None:
        return local(report.window.end).date()
    return min(local(report.generated_at).date(), local(report.month.end - 1).date())


def _overdue(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    today = _report_day(report)
    sheet = _Sheet(
        book,
        names("Quá hạn"),
        [
            Column("Mã chỉ tiêu", 14),
            Column("Mã điểm", 16),
            Column("Xã, phường", 26),
            Column("Nhiệm vụ", 36),
            Column("Hạn", 13, DATE),
            Column(f"Số ngày quá hạn (đến {today:%d/%m/%Y})", 16, WHOLE),
        ],
        len(report.overdue),
    )
    sheet.extend(
        [
            o.target,
            o.key or None,
            o.commune or "Cấp tỉnh",
            o.what,
            o.deadline,
            max(0, (today - o.deadline).days),
        ]
        for o in report.overdue
    )


def _naive(unix: float | None) -> datetime | None:
    """A time as Vietnam's wall clock, without a zone (a spreadsheet has none)."""
    return local(unix).replace(tzinfo=None) if unix is not None else None


def _security(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    """The police's part, one table a sheet (their targets' tally is in ``Tổng hợp``)."""
    s = report.security
    overdue = _Sheet(
        book,
        names("An ninh - Quá hạn"),
        [
            Column("Mã chỉ tiêu", 16),
            Column("Mã điểm", 16),
            Column("Xã, phường", 26),
            Column("Nhiệm vụ", 50),
            Column("Quá hạn từ", 13, DATE),
            Column(f"Số ngày quá hạn (đến {_report_day(report):%d/%m/%Y})", 16, WHOLE),
            Column("Ghi chú", 70),
        ],
        len(s.overdue),
    )
    overdue.extend(
        [o.target, o.key, o.commune, o.what, o.since, o.days, o.note or None] for o in s.overdue
    )
    incidents = _Sheet(
        book,
        names("An ninh - Sự cố"),
        [
            Column("Số sự cố", 9, WHOLE),
            Column("Mã điểm", 16),
            Column("Xã, phường", 26),
            Column("Loại sự cố", 28),
            Column("Mã loại", 16),
            Column("Tóm tắt", 50),
            Column("Bắt đầu", 17, DATETIME),
            Column("Phát hiện sau (phút)", 12, DECIMAL),
            Column("Khôi phục sau (phút)", 12, DECIMAL),
            Column("Hạn báo cáo", 13, DATE),
            Column("Báo cáo lúc", 17, DATETIME),
            Column("Số văn bản báo cáo", 18),
            Column("Quá hạn báo cáo", 10),
            Column("Tình trạng báo cáo", 34),
        ],
        len(s.incidents),
    )
    incidents.extend(
        [
            i.id,
            i.key or None,
            i.commune or "Toàn tỉnh",
            i.kind_name,
            i.kind,
            i.summary,
            _naive(i.started_at),
            i.detect_minutes,
            i.restore_minutes,
            i.deadline,
            _naive(i.reported_at),
            i.report_ref or None,
            "có" if i.late else "không",
            reported_words(i),
        ]
        for i in s.incidents
    )
    machines = _Sheet(
        book,
        names("An ninh - Máy không đạt"),
        [Column("Mã điểm", 16), Column("Xã, phường", 26), Column("Nhận định", 90)],
        len(s.machines),
    )
    machines.extend([n.key, n.commune, n.sentence] for n in s.machines)
    certificates = _Sheet(
        book,
        names("An ninh - Chứng thư số"),
        [
            Column("Đơn vị", 26),
            Column("Chức danh", 26),
            Column("Số sê-ri", 18),
            Column("Nơi cấp", 22),
            Column("Hết hạn", 13, DATE),
            Column(f"Số ngày còn lại (từ {_report_day(report):%d/%m/%Y})", 16, WHOLE),
            Column("Tình trạng", 20),
            Column("Cơ quan gia hạn", 26),
        ],
        len(s.certificates),
    )
    certificates.extend(
        [
            c.commune or "Cơ quan cấp tỉnh",
            c.position,
            c.serial or None,
            c.issuer,
            c.not_after,
            c.days_left,
            certificate_left(c.days_left),
            c.agency,
        ]
        for c in s.certificates
    )


def _province(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    sheet = _Sheet(
        book,
        names("Hệ thống tỉnh"),
        [
            Column("Mã chỉ tiêu", 14),
            Column("Hệ thống", 36),
            Column("Kết quả", 10),
            Column("Số liệu", 26),
            Column("Nhận định", 70),
            Column("Minh chứng", 80),
        ],
        len(report.province),
    )
    sheet.extend(
        [
            p.target,
            p.name,
            STATUS_WORDS[p.status],
            p.reading,
            p.sentence,
            "\n".join(p.evidence) or None,
        ]
        for p in report.province
    )


def _data(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    """One row per finding, for a program: codes and the findings' own values and units."""
    causes = {(n.key, n.target): n.cause for n in report.not_met}
    rows = sum(len(s.cells) for s in report.sites)
    sheet = _Sheet(
        book,
        names("Dữ liệu"),
        [
            Column("month", 9),
            Column("site", 16),
            Column("commune_code", 13),
            Column("commune", 26),
            Column("target", 16),
            Column("status", 9),
            Column("value", 12),
            Column("unit", 10),
            Column("threshold", 12),
            Column("cause", 9),
        ],
        rows,
    )
    month = str(report.month)
    targets = [t.target for t in report.targets]
    for site in report.sites:
        for target in targets:
            c = site.cells.get(target)
            if c is None:
                continue
            sheet.ws.append(
                [
                    month,
                    site.key,
                    site.commune_code,
                    site.commune,
                    target,
                    c.status,
                    c.value,
                    c.unit,
                    c.threshold,
                    causes.get((site.key, target)),
                ]
            )


def _about(book: Workbook, names: SheetNames, report: MonthReport) -> None:
    """What the report is: a two-column table of its facts (times local, without a zone: a
    spreadsheet has none)."""
    made = local(report.generated_at).replace(tzinfo=None)
    evaluated = local(report.evaluated_at).replace(tzinfo=None)
    facts: list[tuple[str, Any, str | None]] = [
        ("Tỉnh", f"{report.province_name} ({report.province_code})", None),
        ("Tháng", report.month.label, None),
        ("Cơ quan báo cáo", report.issuer, None),
        ("Ngày lập báo cáo", made, DATETIME),
        ("Số liệu đánh giá lúc", evaluated, DATETIME),
        (
            "Tình trạng số liệu",
            "chính thức (tháng đã kết thúc)" if report.closed else "tạm tính (tháng chưa kết thúc)",
            None,
        ),
        ("Số điểm phục vụ", len(report.sites), WHOLE),
        ("Số chỉ tiêu", len(report.targets), WHOLE),
        ("Phiên bản danh sách điểm", report.inventory_version, None),
        ("Phiên bản danh mục chỉ tiêu", report.catalogue_version, None),
    ]
    if report.window is not None:
        start = local(report.window.start).replace(tzinfo=None)
        end = local(report.window.end).replace(tzinfo=None)
        facts.insert(5, ("Số liệu từ", start, DATETIME))
        facts.insert(6, ("Số liệu đến (không kể)", end, DATETIME))
    sheet = _Sheet(
        book, names("Thông tin"), [Column("Mục", 30), Column("Nội dung", 60)], len(facts)
    )
    for label, value, number_format in facts:
        sheet.ws.append([label, _formatted(sheet, value, number_format)])


def _formatted(sheet: _Sheet, value: Any, number_format: str | None) -> Any:
    if number_format is None:
        return value
    return sheet.cell(value, sheet._styled(number_format))
