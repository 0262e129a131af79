"""The monthly report as a PDF (RPT-MONTHLY): the layout of an administrative report under
Nghị định 30/2020/NĐ-CP (Phụ lục I), A4, with the DejaVu fonts embedded so that Vietnamese reads
the same on every machine.

The body is portrait: the issuing body and the national title and motto, the number and symbol
left for the office to fill (``Số:      /BC-SKHCN``), place and date, ``BÁO CÁO`` and its summary,
then the sections (the summary per target with the change since the month before, the province's
shared systems, the targets not met with their causes, the power dead zones, the coverage dead
zones per mobile operator, the communes lacking the video-conference endpoint, the deadlines
passed, the police's part: their targets, overdue duties, the month's incidents, machines failing
the security checks, signature certificates about to expire), the recipients (``Nơi nhận:``)
and the signature block.  Annex I (``Phụ lục I``) is the table of every commune against every
target on landscape pages, its header row repeated on every page, each cell coloured by status
with its symbol and its figure; Annex II the evidence behind
every target not met.  Page numbers are centred in the header from page 2.

Tables and paragraphs are laid out here (words measured once, lines placed with ``FPDF.text``)
rather than with fpdf2's ``table``/``multi_cell``, which measure every cell again: a province of
3,321 communes is some 45,000 cells, written in about a second this way against twenty.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, Literal

from fpdf import FPDF

from collector.figures import figure
from collector.report.content import (
    CertificateLine,
    CoveragePoint,
    IncidentLine,
    MonthReport,
    NotMet,
    Overdue,
    PowerDeadZone,
    SecurityOverdue,
    SiteRow,
    Tally,
    TargetSummary,
    certificate_left,
    reported_words,
)
from sansang.errors import SansangError
from sansang.i18n import duration, local, number, percent

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_PACKAGE = "fonts-dejavu-core"
# (family, style) -> file in FONT_DIR; all four are in Debian's fonts-dejavu-core.  DejaVu Serif
# stands for the Times New Roman the decree asks for; the tables are in DejaVu Sans, which has the
# status symbols and reads better small.  The core package has no italic: the italic lines of the
# layout (place and date, "Nơi nhận:") are the upright face slanted.
FONT_FILES: dict[tuple[str, str], str] = {
    ("serif", ""): "DejaVuSerif.ttf",
    ("serif", "B"): "DejaVuSerif-Bold.ttf",
    ("sans", ""): "DejaVuSans.ttf",
    ("sans", "B"): "DejaVuSans-Bold.ttf",
}

STATUS_WORDS = {"met": "đạt", "not_met": "chưa đạt", "unknown": "chưa rõ"}
STATUS_SYMBOLS = {"met": "✔", "not_met": "✖", "unknown": "?"}
# The board's cell colours (light, for dark text on them): a status reads the same on paper.
STATUS_FILLS: dict[str, tuple[int, int, int]] = {
    "met": (0xCF, 0xEA, 0xD6),
    "not_met": (0xF9, 0xD0, 0xD0),
    "unknown": (0xE2, 0xE2, 0xE8),
}
HEADING_FILL = (0xDD, 0xDD, 0xDD)

MM_PER_PT = 25.4 / 72
# Margins (mm): the decree's for the portrait body (left 30, right 15, top and bottom 20);
# narrower for the landscape annex so the thirteen targets fit beside the commune's name.
PORTRAIT_MARGINS = (30.0, 20.0, 15.0, 20.0)  # left, top, right, bottom
LANDSCAPE_MARGINS = (15.0, 15.0, 12.0, 12.0)
BODY_PT = 13.0
TABLE_PT = 9.0
MATRIX_PT = 6.5
SHORT_TEXT = 40  # characters: a text this short is laid out once per font and width


class FontMissing(SansangError, FileNotFoundError):
    """A font the PDF embeds is not on this machine."""


def font_paths(directory: Path | None = None) -> dict[tuple[str, str], Path]:
    """The font files, each checked to exist: a missing one is :class:`FontMissing` naming the
    file and the Debian package that ships it."""
    where = directory or FONT_DIR
    paths = {key: where / name for key, name in FONT_FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise FontMissing(
                f"the PDF report needs the font {path}, which is missing: install the Debian "
                f"package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE})"
            )
    return paths


def write(report: MonthReport, out: BinaryIO) -> None:
    """Write ``report`` as a PDF to ``out``."""
    doc = _Document(report)
    _front(doc, report)
    _summary(doc, report)
    _not_met(doc, report)
    _power(doc, report)
    _coverage(doc, report)
    _conference(doc, report)
    _overdue(doc, report)
    _security(doc, report)
    _closing(doc, report)
    _matrix_annex(doc, report)
    _evidence_annex(doc, report)
    out.write(bytes(doc.output()))


# --- the page and its text ---------------------------------------------------------------


Align = Literal["L", "C", "R"]


@dataclass(frozen=True)
class Col:
    title: str
    weight: float  # share of the table's width
    align: Align = "L"


@dataclass(frozen=True)
class Cell:
    text: str
    fill: tuple[int, int, int] | None = None
    bold: bool = False


Row = Sequence[Cell | str]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Document(FPDF):
    """fpdf2's page with the fonts added, words measured once, and the header's page number."""

    def __init__(self, report: MonthReport) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for (family, style), path in font_paths().items():
            self.add_font(family, style, str(path))
        self.set_auto_page_break(False)
        self.set_line_width(0.15)
        self.set_draw_color(90, 90, 90)
        self.set_title(_nfc(f"Báo cáo tháng {report.month.label}: {report.province_name}"))
        self.set_author(_nfc(report.issuer))
        self.set_creator("sansang")
        self.set_lang("vi")
        self.set_creation_date(local(report.generated_at))
        self._widths: dict[tuple[str, str, float, str], float] = {}
        self._wrapped: dict[tuple[str, str, float, str, float], Sequence[tuple[str, float]]] = {}
        self.sections = _Numbers()
        self.orientation = "P"
        self._margins(PORTRAIT_MARGINS)
        self.add_page()

    # Page numbers centred in the header from page 2 (Nghị định 30/2020, Phụ lục I).
    def header(self) -> None:
        if self.page_no() < 2:
            return
        self.set_font("serif", "", 11)
        text = str(self.page_no())
        self.text((self.w - self.get_string_width(text)) / 2, self.t_margin / 2 + 2, text)

    def _margins(self, margins: tuple[float, float, float, float]) -> None:
        left, top, right, bottom = margins
        self.set_margins(left, top, right)
        self.b_margin = bottom

    def portrait(self) -> None:
        self._margins(PORTRAIT_MARGINS)
        self.orientation = "P"
        self.add_page(orientation="P")

    def landscape(self) -> None:
        self._margins(LANDSCAPE_MARGINS)
        self.orientation = "L"
        self.add_page(orientation="L")

    def next_page(self) -> None:
        self.add_page(orientation=self.orientation)

    @property
    def bottom(self) -> float:
        return self.h - self.b_margin

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def need(self, height: float) -> None:
        """A new page unless ``height`` more fits on this one."""
        if self.get_y() + height > self.bottom:
            self.next_page()

    def use(self, family: str, bold: bool, size: float) -> None:
        style = "B" if bold else ""
        if (self.font_family, self.font_style, self.font_size_pt) != (family, style, size):
            self.set_font(family, style, size)

    def measure(self, text: str) -> float:
        key = (self.font_family, self.font_style, self.font_size_pt, text)
        found = self._widths.get(key)
        if found is None:
            found = self._widths[key] = self.get_string_width(text)
        return found

    def wrap(self, text: str, width: float) -> Sequence[tuple[str, float]]:
        """``text`` in the current font as lines no wider than ``width``, each with its width;
        a line break in ``text`` starts a new line; a word too long for a line is cut; spaces
        in a row are kept (the blanks of ``Số:      /BC-SKHCN`` left for the office).  Short
        texts are kept once laid out: a table's figures repeat in thousands of cells."""
        if len(text) > SHORT_TEXT:
            return self._wrap(text, width)
        key = (self.font_family, self.font_style, self.font_size_pt, text, width)
        found = self._wrapped.get(key)
        if found is None:
            found = self._wrapped[key] = tuple(self._wrap(text, width))
        return found

    def _wrap(self, text: str, width: float) -> list[tuple[str, float]]:
        lines: list[tuple[str, float]] = []
        space = self.measure(" ")
        for part in _nfc(text).split("\n"):
            line, used = "", 0.0
            for i, word in enumerate(part.strip(" ").split(" ")):
                w = self.measure(word)
                if i and used + space + w <= width:
                    line, used = f"{line} {word}", used + space + w
                    continue
                if line:
                    lines.append((line, used))
                while w > width and len(word) > 1:
                    cut = self._fitting(word, width)
                    lines.append((word[:cut], self.measure(word[:cut])))
                    word = word[cut:]
                    w = self.measure(word)
                line, used = word, w
            lines.append((line, used))
        return lines

    def _fitting(self, word: str, width: float) -> int:
        cut = len(word) - 1
        while cut > 1 and self.measure(word[:cut]) > width:
            cut -= 1
        return cut

    def place(
        self,
        lines: Sequence[tuple[str, float]],
        x: float,
        y: float,
        width: float,
        line_height: float,
        align: Align,
    ) -> None:
        """Draw ``lines`` from the top ``y`` of a box ``width`` wide at ``x``."""
        baseline = y + (line_height + self.font_size_pt * MM_PER_PT * 0.7) / 2
        for text, w in lines:
            if text:
                left = x if align == "L" else x + (width - w) / (2 if align == "C" else 1)
                self.text(left, baseline, text)
            baseline += line_height

    def line_of(
        self,
        text: str,
        *,
        size: float,
        bold: bool = False,
        align: Align = "C",
        family: str = "serif",
        x: float | None = None,
        width: float | None = None,
        italic: bool = False,
        gap: float = 0.0,
    ) -> float:
        """Lines of text across ``width`` (the page's by default), moving down; the width of
        the widest line."""
        self.use(family, bold, size)
        x = self.l_margin if x is None else x
        width = self.width if width is None else width
        lines = self.wrap(text, width)
        height = size * MM_PER_PT * 1.3
        self.need(height * len(lines))
        y = self.get_y()
        with self._slanted(italic, x, y + height * len(lines)):
            self.place(lines, x, y, width, height, align)
        self.set_y(y + height * len(lines) + gap)
        return max((w for _, w in lines), default=0.0)

    @contextmanager
    def _slanted(self, italic: bool, x: float, y: float) -> Iterator[None]:
        if not italic:
            yield
            return
        with self.skew(ax=12, x=x, y=y):
            yield

    def paragraph(
        self,
        text: str,
        *,
        size: float = BODY_PT,
        indent: float = 10.0,
        bold: bool = False,
        gap: float = 1.5,
    ) -> None:
        """A body paragraph: justified, its first line indented, line spacing 1.2."""
        self.use("serif", bold, size)
        height = size * MM_PER_PT * 1.25
        space = self.measure(" ")
        first = self.wrap(text, self.width - indent)
        words = " ".join(line for line, _ in first[:1])
        rest = self.wrap(_nfc(text)[len(words) :].strip(), self.width) if first[1:] else []
        lines = [*first[:1], *rest]
        for i, (line, used) in enumerate(lines):
            self.need(height)
            y = self.get_y()
            x = self.l_margin + (indent if i == 0 else 0.0)
            room = self.width - (indent if i == 0 else 0.0)
            words_in = line.split(" ")
            last = i == len(lines) - 1
            if last or len(words_in) < 2:
                self.place([(line, used)], x, y, room, height, "L")
            else:
                extra = (room - used) / (len(words_in) - 1)
                for word in words_in:
                    w = self.measure(word)
                    self.place([(word, w)], x, y, w, height, "L")
                    x += w + space + extra
            self.set_y(y + height)
        self.set_y(self.get_y() + gap)

    def grid(
        self,
        columns: Sequence[Col],
        rows: Iterable[Row],
        *,
        size: float = TABLE_PT,
        header_fill: tuple[int, int, int] = HEADING_FILL,
    ) -> None:
        """A table across the page, its header row again at the top of every page it runs to."""
        total = sum(c.weight for c in columns)
        widths = [self.width * c.weight / total for c in columns]
        height = size * MM_PER_PT * 1.2
        pad = 0.8
        header = [Cell(c.title, header_fill, bold=True) for c in columns]

        def draw(row: Row, align: Sequence[Align]) -> None:
            cells = [c if isinstance(c, Cell) else Cell(c) for c in row]
            laid = []
            for cell, w in zip(cells, widths, strict=True):
                self.use("sans", cell.bold, size)
                laid.append(self.wrap(cell.text, w - 2 * pad))
            tall = max(len(lines) for lines in laid) * height + 2 * pad
            if self.get_y() + tall > self.bottom:
                self.next_page()
                if row is not header:
                    draw(header, ["C"] * len(columns))
            x, y = self.l_margin, self.get_y()
            for cell, w, lines, how in zip(cells, widths, laid, align, strict=True):
                if cell.fill is not None:
                    self.set_fill_color(*cell.fill)
                    self.rect(x, y, w, tall, style="DF")
                else:
                    self.rect(x, y, w, tall)
                self.use("sans", cell.bold, size)
                self.place(lines, x + pad, y + pad, w - 2 * pad, height, how)
                x += w
            self.set_y(y + tall)

        self.need(4 * height)
        draw(header, ["C"] * len(columns))
        aligns = [c.align for c in columns]
        for row in rows:
            draw(row, aligns)
        self.set_y(self.get_y() + 3)

    def rule(self, x: float, width: float, y: float | None = None) -> None:
        y = self.get_y() if y is None else y
        self.line(x, y, x + width, y)


# --- the words ---------------------------------------------------------------------------


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _date_line(place: str, on: date) -> str:
    """``Quảng Ngãi, ngày 05 tháng 02 năm 2027``: a day below 10 and the months 1 and 2 with a
    leading zero, as Nghị định 30/2020 writes them."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


def _initials(name: str) -> str:
    """``SKHCN`` for Sở Khoa học và Công nghệ: the symbol's part naming the issuing body."""
    return "".join(w[0] for w in name.split() if w.lower() != "và").upper()


def symbol(report: MonthReport) -> str:
    """The report's number and symbol, the number left for the office: ``Số:      /BC-SKHCN``."""
    return f"Số:        /{_code(report)}"


def _code(report: MonthReport) -> str:
    return report.symbol or f"BC-{_initials(report.issuer)}"


def _tally(t: Tally | None) -> str:
    if t is None:
        return "—"
    return f"{t.met} / {t.not_met} / {t.unknown}"


def _share(part: int, whole: int) -> str:
    return percent(part / whole, "vi") if whole else "—"


def _hours(minutes: float | None) -> str:
    return "—" if minutes is None else duration(minutes * 60, "vi")


def _maybe(value: float | None, decimals: int, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{number(value, decimals, 'vi')} {unit}".strip()


def _report_day(report: MonthReport) -> date:
    """The day a deadline is counted to: the end of the span the findings cover (as the rules
    count a plan's date), else the report's day within its month."""
    if report.window is not None:
        return local(report.window.end).date()
    return min(local(report.generated_at).date(), local(report.month.end - 1).date())


def _section(doc: _Document, text: str) -> None:
    doc.need(20)
    doc.set_y(doc.get_y() + 2)
    doc.line_of(text, size=BODY_PT, bold=True, align="L", gap=1.5)


def _sub(doc: _Document, text: str) -> None:
    doc.need(16)
    doc.line_of(text, size=BODY_PT, bold=True, align="L", gap=1.0)


def _roman(n: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")[n - 1]


class _Numbers:
    """The sections' Roman numerals, in the order they are written."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, title: str) -> str:
        self.n += 1
        return f"{_roman(self.n)}. {title.upper()}"


# --- the body ----------------------------------------------------------------------------


def _front(doc: _Document, report: MonthReport) -> None:
    """The issuing body, the national title and motto, number, place and date, the title."""
    top = doc.get_y()
    left_x, left_w = doc.l_margin - 12, 78.0
    right_x = left_x + left_w
    right_w = doc.w - doc.r_margin - right_x + 6
    above = (report.managing_body or f"UBND tỉnh {report.province_name}").upper()
    doc.line_of(above, size=12, x=left_x, width=left_w)
    wide = doc.line_of(report.issuer.upper(), size=12, bold=True, x=left_x, width=left_w)
    short = min(wide, left_w) / 3
    doc.rule(left_x + (left_w - short) / 2, short, doc.get_y() + 1.2)
    doc.set_y(doc.get_y() + 3)
    doc.line_of(symbol(report), size=13, x=left_x, width=left_w)
    below_left = doc.get_y()

    doc.set_y(top)
    doc.line_of("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True, x=right_x, width=right_w)
    motto = doc.line_of("Độc lập - Tự do - Hạnh phúc", size=13, bold=True, x=right_x, width=right_w)
    doc.rule(right_x + (right_w - motto) / 2, motto, doc.get_y() + 1.2)
    doc.set_y(doc.get_y() + 3)
    made = local(report.generated_at).date()
    doc.line_of(
        _date_line(report.place or report.province_name, made),
        size=13,
        x=right_x,
        width=right_w,
        italic=True,
    )
    doc.set_y(max(doc.get_y(), below_left) + 8)

    doc.line_of("BÁO CÁO", size=14, bold=True)
    summary = (
        "Kết quả theo dõi mức độ sẵn sàng của Trung tâm phục vụ hành chính công cấp xã "
        f"tháng {report.month.month} năm {report.month.year}"
    )
    wide = doc.line_of(summary, size=14, bold=True)
    short = min(wide, doc.width) / 3
    doc.rule(doc.l_margin + (doc.width - short) / 2, short, doc.get_y() + 1)
    doc.set_y(doc.get_y() + 3)
    if not report.closed:
        doc.line_of(
            f"(Số liệu tạm tính đến {local(report.generated_at):%H:%M} ngày {_day(made)}; "
            "tháng chưa kết thúc)",
            size=12,
            italic=True,
        )
    doc.set_y(doc.get_y() + 4)
    communes = len({s.commune_code for s in report.sites})
    doc.paragraph(
        f"{report.issuer} báo cáo kết quả theo dõi tự động mức độ sẵn sàng phục vụ của "
        f"{number(len(report.sites), 0, 'vi')} điểm phục vụ tại {number(communes, 0, 'vi')} "
        f"xã, phường, đặc khu trên địa bàn tỉnh {report.province_name} trong tháng "
        f"{report.month.label}, theo {len(report.targets)} chỉ tiêu của các kế hoạch của tỉnh, "
        "như sau:"
    )


def _number(doc: _Document, title: str) -> str:
    return doc.sections(title)


def _summary(doc: _Document, report: MonthReport) -> None:
    _section(doc, _number(doc, "Tổng hợp theo chỉ tiêu"))
    evidence = ", minh chứng của các chỉ tiêu chưa đạt tại Phụ lục II" if report.not_met else ""
    doc.paragraph(
        "Số điểm phục vụ đạt, chưa đạt và chưa rõ (chưa đủ số liệu để kết luận) theo từng chỉ "
        f"tiêu trong tháng {report.month.label}, so với tháng trước; số liệu của từng xã tại "
        f"Phụ lục I{evidence}."
    )
    doc.grid(
        [
            Col("TT", 3, "C"),
            Col("Chỉ tiêu", 17),
            Col("Đạt", 6, "R"),
            Col("Chưa đạt", 6, "R"),
            Col("Chưa rõ", 6, "R"),
            Col("Tỷ lệ đạt", 7, "R"),
            Col("Tháng trước (đạt / chưa đạt / chưa rõ)", 10, "C"),
            Col("So với tháng trước", 13),
        ],
        (_summary_row(i, t) for i, t in enumerate(report.targets, 1)),
    )
    if report.province:
        _sub(doc, "Hệ thống dùng chung của tỉnh")
        doc.grid(
            [Col("Hệ thống", 12), Col("Kết quả", 6, "C"), Col("Số liệu", 9), Col("Nhận định", 20)],
            (
                [
                    Cell(p.name),
                    _status_cell(p.status),
                    Cell(p.reading),
                    Cell(p.sentence),
                ]
                for p in report.province
            ),
        )


def _summary_row(i: int, t: TargetSummary) -> Row:
    return [
        str(i),
        Cell(f"{t.name} ({t.target})", bold=True),
        number(t.tally.met, 0, "vi"),
        Cell(number(t.tally.not_met, 0, "vi"), bold=t.tally.not_met > 0),
        number(t.tally.unknown, 0, "vi"),
        _share(t.tally.met, t.tally.total),
        _tally(t.previous),
        t.change,
    ]


def _status_cell(status: str) -> Cell:
    return Cell(
        f"{STATUS_SYMBOLS[status]} {STATUS_WORDS[status]}",
        STATUS_FILLS[status],
        bold=status == "not_met",
    )


def _not_met(doc: _Document, report: MonthReport) -> None:
    _section(doc, _number(doc, "Các chỉ tiêu chưa đạt và nguyên nhân"))
    if not report.not_met:
        doc.paragraph("Trong tháng, không có điểm phục vụ nào chưa đạt chỉ tiêu.")
        return
    groups = _by_target(report.not_met)
    doc.paragraph(
        f"{number(len(report.not_met), 0, 'vi')} trường hợp chưa đạt thuộc {len(groups)} chỉ "
        "tiêu; minh chứng của từng trường hợp tại Phụ lục II."
    )
    for n, items in enumerate(groups, 1):
        first = items[0]
        _sub(doc, f"{n}. {first.target_name} ({first.target}): {len(items)} điểm chưa đạt")
        doc.grid(
            [
                Col("TT", 3, "C"),
                Col("Xã, phường", 12),
                Col("Nguyên nhân", 10),
                Col("Nhận định", 28),
            ],
            ([str(i), x.commune, x.cause_text or "—", x.sentence] for i, x in enumerate(items, 1)),
        )


def _by_target(items: Sequence[NotMet]) -> list[list[NotMet]]:
    groups: dict[str, list[NotMet]] = {}
    for item in items:
        groups.setdefault(item.target, []).append(item)
    return list(groups.values())


def _power(doc: _Document, report: MonthReport) -> None:
    _section(doc, _number(doc, "Vùng lõm điện"))
    if not report.power_dead_zones:
        doc.paragraph("Trong tháng, không có xã nào thuộc vùng lõm điện.")
        return
    doc.paragraph(
        f"{len(report.power_dead_zones)} xã, phường mất điện lưới nhiều lần hoặc kéo dài, hoặc "
        "có bộ lưu điện (UPS) cạn pin khi mất điện; đề nghị ngành điện khắc phục:"
    )
    doc.grid(
        [
            Col("TT", 3, "C"),
            Col("Xã, phường", 12),
            Col("Số lần mất điện kéo dài", 7, "R"),
            Col("Thời gian không có điện lưới", 9, "R"),
            Col("UPS cạn pin", 5, "C"),
            Col("Nhận định", 20),
        ],
        (_power_row(i, z) for i, z in enumerate(report.power_dead_zones, 1)),
    )


def _power_row(i: int, z: PowerDeadZone) -> Row:
    return [
        str(i),
        z.commune,
        _maybe(z.sustained_outages, 0),
        _hours(z.minutes_without_mains),
        Cell("có", bold=True) if z.ups_ran_flat else "không",
        z.sentence,
    ]


def _coverage(doc: _Document, report: MonthReport) -> None:
    _section(doc, _number(doc, "Điểm lõm sóng di động theo nhà mạng"))
    if not report.coverage_dead_zones:
        doc.paragraph("Trong tháng, các điểm khảo sát đều đạt ngưỡng vùng phủ sóng di động.")
        return
    operators: dict[str, list[CoveragePoint]] = {}
    for p in report.coverage_dead_zones:
        operators.setdefault(p.operator or "Chưa rõ nhà mạng", []).append(p)
    doc.paragraph(
        f"{len(report.coverage_dead_zones)} điểm khảo sát dưới ngưỡng, đề nghị các doanh "
        "nghiệp viễn thông phủ sóng:"
    )
    for n, (operator, points) in enumerate(operators.items(), 1):
        _sub(doc, f"{n}. {operator}: {len(points)} điểm")
        doc.grid(
            [
                Col("TT", 3, "C"),
                Col("Thôn, bản, tổ dân phố", 11),
                Col("Xã, phường", 10),
                Col("Vĩ độ", 7, "R"),
                Col("Kinh độ", 7, "R"),
                Col("RSRP (dBm)", 6, "R"),
                Col("RSRQ (dB)", 6, "R"),
                Col("Tốc độ tải xuống", 8, "R"),
                Col("Mất gói", 6, "R"),
                Col("Ngày khảo sát", 8, "C"),
            ],
            (_coverage_row(i, p) for i, p in enumerate(points, 1)),
            size=8,
        )


def _coverage_row(i: int, p: CoveragePoint) -> Row:
    return [
        str(i),
        p.place,
        p.commune or "—",
        number(p.latitude, 5, "vi"),
        number(p.longitude, 5, "vi"),
        _maybe(p.rsrp_dbm, 0),
        _maybe(p.rsrq_db, 1),
        figure(p.download_mbps, "Mbit/s", "vi"),
        figure(p.loss_ratio, "ratio", "vi"),
        _day(p.surveyed_on),
    ]


def _conference(doc: _Document, report: MonthReport) -> None:
    _section(doc, _number(doc, "Xã chưa có thiết bị hội nghị truyền hình"))
    if not report.conference_missing:
        doc.paragraph("Các xã phải có thiết bị hội nghị truyền hình trực tuyến đều đã có.")
        return
    doc.paragraph(
        f"{len(report.conference_missing)} xã, phường phải có thiết bị hội nghị truyền hình "
        "trực tuyến nhưng chưa có:"
    )
    doc.grid(
        [Col("TT", 3, "C"), Col("Xã, phường", 14), Col("Thiết bị", 16), Col("Hạn", 7, "C")],
        (
            [str(i), o.commune, o.what, _day(o.deadline)]
            for i, o in enumerate(report.conference_missing, 1)
        ),
    )


def _overdue(doc: _Document, report: MonthReport) -> None:
    _section(doc, _number(doc, "Nhiệm vụ quá hạn"))
    police = len(report.security.overdue)
    if police:  # the police's part is the next section
        doc.paragraph(
            f"Nhiệm vụ về an toàn thông tin quá hạn ({number(police, 0, 'vi')} nhiệm vụ) tại "
            f"mục {_roman(doc.sections.n + 1)}."
        )
    if not report.overdue:
        doc.paragraph(
            "Không có nhiệm vụ nào khác quá hạn." if police else "Không có nhiệm vụ nào quá hạn."
        )
        return
    today = _report_day(report)
    doc.paragraph(f"Các nhiệm vụ đã quá hạn mà chưa hoàn thành (tính đến ngày {_day(today)}):")
    doc.grid(
        [
            Col("TT", 3, "C"),
            Col("Chỉ tiêu", 7),
            Col("Xã, phường", 12),
            Col("Nhiệm vụ", 14),
            Col("Hạn", 7, "C"),
            Col("Số ngày quá hạn", 6, "R"),
        ],
        (_overdue_row(i, o, today) for i, o in enumerate(report.overdue, 1)),
    )


def _overdue_row(i: int, o: Overdue, today: date) -> Row:
    late = (today - o.deadline).days
    return [
        str(i),
        o.target,
        o.commune or "Cấp tỉnh",
        o.what,
        _day(o.deadline),
        number(late, 0, "vi") if late > 0 else "—",
    ]


def _table_sub(doc: _Document, text: str) -> None:
    """A sub-heading kept with the first rows of the table under it."""
    doc.need(40)
    _sub(doc, text)


def _security(doc: _Document, report: MonthReport) -> None:
    """The police's part: their targets, what is overdue, the month's incidents, the machines
    failing the security checks, the signature certificates about to expire."""
    s = report.security
    _section(
        doc,
        _number(doc, "An toàn thông tin và sẵn sàng ứng phó sự cố")
        + f" (phần {s.agency} theo dõi)",
    )
    _table_sub(doc, f"1. Kết quả các chỉ tiêu do {s.agency} theo dõi")
    if s.targets:
        doc.grid(
            [
                Col("TT", 3, "C"),
                Col("Chỉ tiêu", 17),
                Col("Đạt", 6, "R"),
                Col("Chưa đạt", 6, "R"),
                Col("Chưa rõ", 6, "R"),
                Col("Tỷ lệ đạt", 7, "R"),
                Col("Tháng trước (đạt / chưa đạt / chưa rõ)", 10, "C"),
                Col("So với tháng trước", 13),
            ],
            (_summary_row(i, t) for i, t in enumerate(s.targets, 1)),
        )
    else:
        doc.paragraph("Chưa có kết quả đánh giá các chỉ tiêu này trong tháng.")
    _table_sub(doc, "2. Nhiệm vụ quá hạn")
    if s.overdue:
        doc.grid(
            [
                Col("TT", 3, "C"),
                Col("Xã, phường", 10),
                Col("Nhiệm vụ", 16),
                Col("Quá hạn từ", 8.5, "C"),
                Col("Số ngày", 5, "R"),
                Col("Ghi chú", 18),
            ],
            (_security_overdue_row(i, o) for i, o in enumerate(s.overdue, 1)),
        )
    else:
        doc.paragraph("Không có nhiệm vụ nào quá hạn.")
    made = local(report.generated_at).date()
    days = number(s.report_within_days, 0, "vi")
    _table_sub(doc, "3. Sự cố trong tháng")
    if s.incidents:
        doc.paragraph(f"Sự cố được báo cáo trong {days} ngày; tình trạng đến ngày {_day(made)}:")
        doc.grid(
            [
                Col("TT", 3, "C"),
                Col("Xã, phường", 10),
                Col("Loại sự cố", 11),
                Col("Bắt đầu", 8, "C"),
                Col("Phát hiện sau", 6, "R"),
                Col("Khôi phục sau", 7, "R"),
                Col("Báo cáo", 15),
            ],
            (_incident_row(i, line) for i, line in enumerate(s.incidents, 1)),
        )
    else:
        doc.paragraph("Không có sự cố trong tháng.")
    _sub(doc, "4. Máy tính không đạt kiểm tra an ninh")
    if s.machines:
        doc.paragraph(f"{number(len(s.machines), 0, 'vi')} xã, phường có máy không đạt:")
        for n in s.machines:
            doc.paragraph(f"– {n.commune}: {n.sentence}.", size=11, indent=5.0, gap=0.5)
    else:
        doc.paragraph("Không có máy nào không đạt kiểm tra an ninh.")
    within = (
        f"trong vòng {number(s.certificate_days, 0, 'vi')} ngày kể từ {_day(_report_day(report))}"
    )
    _table_sub(doc, "5. Chứng thư số (chữ ký số) sắp hết hạn")
    if s.certificates:
        doc.paragraph(f"Chứng thư số hết hạn {within} hoặc đã hết hạn:")
        doc.grid(
            [
                Col("TT", 3, "C"),
                Col("Đơn vị", 12),
                Col("Chức danh", 13),
                Col("Số sê-ri", 8),
                Col("Hết hạn", 7, "C"),
                Col("Còn lại", 9),
            ],
            (_certificate_row(i, c) for i, c in enumerate(s.certificates, 1)),
        )
    else:
        doc.paragraph(f"Không có chứng thư số nào hết hạn {within}.")


def _security_overdue_row(i: int, o: SecurityOverdue) -> Row:
    return [
        str(i),
        o.commune,
        o.what,
        _day(o.since) if o.since else "—",
        number(o.days, 0, "vi") if o.days is not None else "—",
        o.note or "—",
    ]


def _incident_row(i: int, line: IncidentLine) -> Row:
    return [
        str(i),
        line.commune or "Toàn tỉnh",
        line.kind_name,
        f"{local(line.started_at):%H:%M %d/%m/%Y}",
        f"{number(line.detect_minutes, 0, 'vi')} phút",
        "chưa khôi phục" if line.restore_minutes is None else _hours(line.restore_minutes),
        Cell(reported_words(line), bold=line.late),
    ]


def _certificate_row(i: int, c: CertificateLine) -> Row:
    return [
        str(i),
        c.commune or "Cơ quan cấp tỉnh",
        c.position,
        c.serial or "—",
        _day(c.not_after),
        Cell(certificate_left(c.days_left), bold=c.days_left < 0),
    ]


def _closing(doc: _Document, report: MonthReport) -> None:
    """Nơi nhận (left) and the signature block (right)."""
    doc.set_y(doc.get_y() + 4)
    recipients = [r.strip().rstrip(";.") for r in report.recipients if r.strip()]
    if not any(r.startswith("Lưu") for r in recipients):
        recipients.append(f"Lưu: VT, {_initials(report.issuer)}")
    lines = [f"- {r};" for r in recipients[:-1]] + [f"- {recipients[-1]}."]
    doc.need(8 + 5 * len(lines) if len(lines) < 12 else 60)
    top = doc.get_y()
    half = doc.width / 2
    doc.line_of("Nơi nhận:", size=12, bold=True, align="L", width=half, italic=True)
    for line in lines:
        doc.line_of(line, size=11, align="L", width=half)
    below = doc.get_y()
    doc.set_y(top)
    x = doc.l_margin + half
    if report.signer_authority:
        doc.line_of(report.signer_authority.upper(), size=13, bold=True, x=x, width=half)
    doc.line_of(report.signer_title.upper(), size=13, bold=True, x=x, width=half)
    doc.set_y(doc.get_y() + 25)
    if report.signer_name:
        doc.line_of(report.signer_name, size=13, bold=True, x=x, width=half)
    else:
        doc.line_of("(Ký, ghi rõ họ tên và đóng dấu)", size=11, x=x, width=half, italic=True)
    doc.set_y(max(doc.get_y(), below))


# --- the annexes -------------------------------------------------------------------------


def _annex_title(doc: _Document, report: MonthReport, n: str, title: str) -> None:
    doc.line_of(f"Phụ lục {n}", size=13, bold=True)
    doc.line_of(title.upper(), size=13, bold=True)
    made = local(report.generated_at).date()
    doc.line_of(
        f"(Kèm theo Báo cáo số        /{_code(report)} ngày      tháng "
        f"{made.month} năm {made.year} của {report.issuer})",
        size=12,
        italic=True,
        gap=4,
    )


def _matrix_annex(doc: _Document, report: MonthReport) -> None:
    """Every commune against every target, on landscape pages."""
    doc.landscape()
    _annex_title(doc, report, "I", f"Số liệu của các xã theo chỉ tiêu tháng {report.month.label}")
    _legend(doc)
    targets = list(report.targets)
    columns = [Col("TT", 2.6, "C"), Col("Mã xã", 3.6, "C"), Col("Xã, phường (điểm)", 13)]
    columns += [Col(t.name, 6.2, "C") for t in targets]
    doc.grid(
        columns,
        (_matrix_row(i, s, targets) for i, s in enumerate(report.sites, 1)),
        size=MATRIX_PT,
    )


def _legend(doc: _Document) -> None:
    """The statuses' symbols on their colours, then what a dash means."""
    doc.use("sans", False, 8)
    x, y, height = doc.l_margin, doc.get_y(), 4.5
    doc.text(x, y + 3.2, "Ký hiệu:")
    x += doc.measure("Ký hiệu:") + 2
    for status, word in STATUS_WORDS.items():
        text = f"{STATUS_SYMBOLS[status]} {word}"
        w = doc.measure(text) + 4
        doc.set_fill_color(*STATUS_FILLS[status])
        doc.rect(x, y, w, height, style="DF")
        doc.text(x + 2, y + 3.2, text)
        x += w + 2
    rest = "—: xã không thuộc chỉ tiêu. Tên chỉ tiêu đầy đủ và mã tại mục I của báo cáo."
    doc.text(x + 1, y + 3.2, rest)
    doc.set_y(y + height + 2)


def _matrix_row(i: int, site: SiteRow, targets: Sequence[TargetSummary]) -> Row:
    name = site.commune
    if site.site_name and site.site_name != site.commune:
        name = f"{site.commune} ({site.site_name})"
    row: list[Cell | str] = [str(i), site.commune_code, name]
    for t in targets:
        cell = site.cells.get(t.target)
        if cell is None:
            row.append("—")
            continue
        shown = cell.figure if cell.figure != "—" else STATUS_WORDS[cell.status]
        row.append(_matrix_cell(STATUS_SYMBOLS[cell.status], shown, cell.status))
    return row


@functools.lru_cache(maxsize=8192)
def _matrix_cell(symbol_: str, shown: str, status: str) -> Cell:
    return Cell(f"{symbol_} {shown}", STATUS_FILLS[status], bold=status == "not_met")


def _evidence_annex(doc: _Document, report: MonthReport) -> None:
    """The evidence behind every target not met: the rule's sentence, the events in words and
    their references in the sites' journals."""
    if not report.not_met:
        return
    doc.portrait()
    _annex_title(doc, report, "II", "Minh chứng các chỉ tiêu chưa đạt")
    for n, item in enumerate(report.not_met, 1):
        doc.need(18)
        doc.line_of(
            f"{n}. {item.commune}: {item.target_name} ({item.target})",
            size=11,
            bold=True,
            align="L",
        )
        cause = f"Nguyên nhân: {item.cause_text}. " if item.cause_text else ""
        doc.line_of(f"{cause}{item.sentence}", size=10, align="L", family="sans")
        for line in item.evidence:
            doc.line_of(
                f"– {line}",
                size=9,
                align="L",
                family="sans",
                x=doc.l_margin + 4,
                width=doc.width - 4,
            )
        if item.refs:
            doc.line_of(
                "Sự kiện trong nhật ký: " + ", ".join(item.refs),
                size=7.5,
                align="L",
                family="sans",
                x=doc.l_margin + 4,
                width=doc.width - 4,
            )
        doc.set_y(doc.get_y() + 2)
