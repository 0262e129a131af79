"""The monthly report as a Word document, in the layout of an administrative report (Nghị định
30/2020/NĐ-CP, Phụ lục I): the issuing body and the national title and motto side by side, the
number and symbol left for the office to fill, place and date, "BÁO CÁO" and its subject, the
body in numbered sections (the police's part, "AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ CỐ", among
them), the recipients (Nơi nhận) and the signature block; then the annexes:
every commune against every target on landscape pages (Phụ lục I), and the evidence behind each
target not met (Phụ lục II).

A4, margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13 pt (tables 9 to
11 pt); page numbers centred in the header from the second page.

python-docx builds the document, its styles and sections; the tables and the annexes' paragraphs
are written as WordprocessingML text into the package python-docx saved, since python-docx's own
cell writes take milliseconds each (and moving parsed rows into its tree grows with the square of
the rows) while a province has thousands of communes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

from collector.report.content import (
    Cell,
    CertificateLine,
    CoveragePoint,
    IncidentLine,
    MonthReport,
    NotMet,
    Overdue,
    PowerDeadZone,
    ProvinceLine,
    SecurityOverdue,
    Tally,
    TargetSummary,
    certificate_left,
    province_words,
    reported_words,
)
from sansang.i18n import duration, local, number, percent

FONT = "Times New Roman"
BODY_PT = 13
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SUBJECT = "Kết quả giám sát mức sẵn sàng của các Trung tâm phục vụ hành chính công cấp xã"
EVIDENCE_ANNEX = "Căn cứ của các chỉ tiêu chưa đạt"
# Page: A4; the decree's margins (top 20-25, bottom 20-25, left 30-35, right 15-20 mm).
PAGE = (Mm(210), Mm(297))
PAGE_TWIPS = (11906, 16838)
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
_TWIPS_PER_MM = 1440 / 25.4
PORTRAIT_TEXT = round((210 - 30 - 15) * _TWIPS_PER_MM)  # text width, twips
LANDSCAPE_TEXT = round((297 - 30 - 15) * _TWIPS_PER_MM)
STATUS = {"met": "Đạt", "not_met": "Chưa đạt", "unknown": "Chưa có số liệu"}
NOT_MET_FILL = "F2DCDB"  # light red: a target not met in the commune table
UNKNOWN_FILL = "EDEDED"
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
SECURITY_SECTION = _ROMAN[7]  # the police's part: the eighth section of the body
# Characters XML 1.0 forbids (a device's name in an event may carry one).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write(report: MonthReport, out: BinaryIO) -> None:
    """The report as a .docx file into ``out``."""
    doc = Document()
    first_header = _setup(doc)
    doc.add_paragraph(_MARKER)
    doc.core_properties.title = f"Báo cáo {SUBJECT[0].lower()}{SUBJECT[1:]} {report.month.label}"
    doc.core_properties.author = report.issuer
    doc.core_properties.language = "vi-VN"
    parts = chain(
        _heading_block(report),
        _body(report),
        _signature(report),
        [_section_end(landscape=False, head=first_header)],  # the report: portrait
        _commune_annex(report),
        [_section_end(landscape=True)],  # Phụ lục I: landscape; Phụ lục II: the last section's
        _evidence_annex(report),
    )
    frame = io.BytesIO()
    doc.save(frame)
    _fill(frame.getvalue(), parts, out)


# -- the document's frame --------------------------------------------------------------------------

_MARKER = "@@sansang-report-body@@"


def _setup(doc: DocumentObject) -> str:
    """Times New Roman everywhere (every script slot, so Vietnamese never falls back to the
    theme's font), 13 pt, single spacing; A4 with the decree's margins; the page number centred
    in the header.  Gives the first section's header references and first-page flag (no number
    on the first page), the sections after it inheriting the header."""
    styles = doc.styles.element
    for rpr in styles.xpath("w:docDefaults/w:rPrDefault/w:rPr"):
        _fonts(rpr)
    for rpr in styles.xpath("w:style//w:rPr[w:rFonts]"):  # the template's other styles too
        _fonts(rpr)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = _pt(BODY_PT)
    _fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before = _pt(0)
    fmt.space_after = _pt(0)
    fmt.line_spacing = 1.0
    section = doc.sections[0]
    _orient(section)
    header = section.header.paragraphs[0]
    header.alignment = 1  # centre
    header._p.append(
        parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:rPr><w:sz w:val="26"/></w:rPr>'
            "<w:t>2</w:t></w:r></w:fldSimple>"
        )
    )
    last = doc.element.body.get_or_add_sectPr()
    refs = last.xpath("w:headerReference")
    for ref in refs:
        last.remove(ref)
    return "".join(ref.xml for ref in refs) + "<w:titlePg/>"


def _fonts(rpr: Any) -> None:
    """Times New Roman in every slot of an ``rPr`` (ascii, hAnsi, eastAsia, cs), themes off."""
    found = rpr.find(qn("w:rFonts"))
    if found is None:
        found = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, found)
    for name in list(found.attrib):
        if name.lower().endswith("theme"):
            del found.attrib[name]
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        found.set(qn(f"w:{slot}"), FONT)


def _pt(points: float) -> int:
    return int(points * 12700)  # EMU


def _orient(section: Any) -> None:
    """A4 portrait with the decree's margins (the last section: python-docx writes it)."""
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)


def _section_end(*, landscape: bool, head: str = "") -> str:
    """The paragraph that ends a section, with that section's page (WordprocessingML keeps a
    section's properties at its end): ``head`` the header references and first-page flag."""
    width, height = (PAGE_TWIPS[1], PAGE_TWIPS[0]) if landscape else PAGE_TWIPS
    orient = ' w:orient="landscape"' if landscape else ""
    margins = {side: round(value.mm * _TWIPS_PER_MM) for side, value in MARGINS.items()}
    refs, title_page = head.replace("<w:titlePg/>", ""), "<w:titlePg/>" if head else ""
    return (
        f'<w:p><w:pPr><w:sectPr>{refs}<w:pgSz w:w="{width}" w:h="{height}"{orient}/>'
        f'<w:pgMar w:top="{margins["top"]}" w:right="{margins["right"]}" '
        f'w:bottom="{margins["bottom"]}" w:left="{margins["left"]}" w:header="567" '
        f'w:footer="567" w:gutter="0"/>{title_page}</w:sectPr></w:pPr></w:p>'
    )


def _fill(frame: bytes, body: Iterable[str], out: BinaryIO) -> None:
    """The document python-docx wrote, its marker paragraph replaced by ``body``: written as
    text into the package, since moving thousands of parsed rows into python-docx's tree grows
    with the square of the rows.  The body is streamed into the zip entry in chunks, never held
    whole (as one string the national report's body took 550 MiB)."""
    with (
        zipfile.ZipFile(io.BytesIO(frame)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename != "word/document.xml":
                target.writestr(item, data, zipfile.ZIP_DEFLATED)
                continue
            before, after = _around_marker(data.decode("utf-8"))
            entry = zipfile.ZipInfo(item.filename, date_time=item.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with target.open(entry, "w", force_zip64=True) as stream:
                stream.write(before.encode("utf-8"))
                chunk: list[str] = []
                size = 0
                for part in body:
                    chunk.append(part)
                    size += len(part)
                    if size >= CHUNK_CHARS:
                        stream.write("".join(chunk).encode("utf-8"))
                        chunk, size = [], 0
                stream.write("".join(chunk).encode("utf-8"))
                stream.write(after.encode("utf-8"))


CHUNK_CHARS = 1 << 20  # characters of the body encoded and compressed at a time


def _around_marker(document: str) -> tuple[str, str]:
    """The document before and after the marker's paragraph."""
    at = document.index(_MARKER)
    start = document.rindex("<w:p>", 0, at) if "<w:p>" in document[:at] else -1
    if start < 0:
        start = document.rindex("<w:p ", 0, at)
    end = document.index("</w:p>", at) + len("</w:p>")
    return document[:start], document[end:]


# -- WordprocessingML text -------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    size: float | None = None  # points; None: the paragraph's
    caps: bool = False


def _run(r: Run, size: float | None) -> str:
    props = []
    if r.bold:
        props.append("<w:b/><w:bCs/>")
    if r.italic:
        props.append("<w:i/><w:iCs/>")
    points = r.size or size
    if points:
        half = round(points * 2)
        props.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
    rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""
    text = _FORBIDDEN.sub("", r.text.upper() if r.caps else r.text)
    lines = text.split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return f"<w:r>{rpr}{body}</w:r>"


def p(
    *runs: Run | str,
    align: str = "both",
    first_line: float = 0.0,  # cm
    size: float | None = None,
    before: float = 0,
    after: float = 6,
    keep_next: bool = False,
    rule: tuple[float, float] | None = None,  # a line under it: (left, right) indents in cm
    page_break: bool = False,
) -> str:
    """One paragraph: justified (``both``), ``left``, ``center`` or ``right``."""
    ppr = []
    if keep_next:
        ppr.append("<w:keepNext/>")
    if page_break:
        ppr.append("<w:pageBreakBefore/>")
    if rule is not None:
        ppr.append(
            '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="auto"/></w:pBdr>'
        )
    ppr.append(f'<w:spacing w:before="{round(before * 20)}" w:after="{round(after * 20)}"/>')
    if rule is not None:
        ppr.append(f'<w:ind w:left="{_cm(rule[0])}" w:right="{_cm(rule[1])}"/>')
    elif first_line:
        ppr.append(f'<w:ind w:firstLine="{_cm(first_line)}"/>')
    ppr.append(f'<w:jc w:val="{align}"/>')
    body = "".join(_run(r if isinstance(r, Run) else Run(r), size) for r in runs)
    return f"<w:p><w:pPr>{''.join(ppr)}</w:pPr>{body}</w:p>"


def _cm(value: float) -> int:
    return round(value * 1440 / 2.54)


def text(*runs: Run | str, **layout: object) -> str:
    """A body paragraph: justified, first line indented 1,27 cm."""
    return p(*runs, first_line=1.27, **layout)  # type: ignore[arg-type]


def heading(label: str) -> str:
    return p(Run(label, bold=True), align="both", first_line=1.27, before=6, keep_next=True)


@dataclass(frozen=True)
class C:
    """One table cell."""

    text: str
    bold: bool = False
    italic: bool = False
    align: str = "left"
    fill: str | None = None


def table(
    widths: Sequence[float], header: Sequence[str], rows: Iterable[Sequence[C]], size: float = 11
) -> str:
    """A table with borders, the header row repeated on every page; ``widths`` are weights of
    the text width, given in twips by :func:`scaled`."""
    grid = "".join(f'<w:gridCol w:w="{round(w)}"/>' for w in widths)
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    borders = "".join(
        border.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    head = _row([C(h, bold=True, align="center") for h in header], widths, size, header=True)
    body = "".join(_row(cells, widths, size) for cells in rows)
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{round(sum(widths))}" w:type="dxa"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr>"
        f"<w:tblGrid>{grid}</w:tblGrid>{head}{body}</w:tbl>"
        + p("", after=0, size=4)  # tables never touch: an empty line after each
    )


def _row(cells: Sequence[C], widths: Sequence[float], size: float, header: bool = False) -> str:
    trpr = (
        "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
        if header
        else "<w:trPr><w:cantSplit/></w:trPr>"
    )
    out = [f"<w:tr>{trpr}"]
    for cell, width in zip(cells, widths, strict=True):
        shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.fill}"/>' if cell.fill else ""
        run = Run(cell.text, bold=cell.bold, italic=cell.italic)
        para = p(run, align=cell.align, size=size, after=0)
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{round(width)}" w:type="dxa"/>{shading}</w:tcPr>'
            f"{para}</w:tc>"
        )
    out.append("</w:tr>")
    return "".join(out)


def scaled(weights: Sequence[float], total: int) -> list[float]:
    whole = sum(weights)
    return [w * total / whole for w in weights]


# -- the heading: issuing body, national title, number, place and date, title ----------------------


def day_line(report: MonthReport) -> str:
    """``Quảng Ngãi, ngày 02 tháng 11 năm 2026``: a day under 10 and months 1 and 2 with a
    leading zero, as the decree writes them."""
    day = local(report.generated_at).date()
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{report.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _heading_block(report: MonthReport) -> Iterator[str]:
    left, right = round(PORTRAIT_TEXT * 0.36), PORTRAIT_TEXT - round(PORTRAIT_TEXT * 0.36)
    managing = (
        [p(Run(report.managing_body.upper(), size=13), align="center", after=0)]
        if report.managing_body
        else []
    )
    issuer = p(
        Run(report.issuer.upper(), bold=True, size=13), align="center", after=0, rule=(1.9, 1.9)
    )
    number_line = p(Run(f"Số:        /{report.symbol}", size=13), align="center", before=6)
    title = p(Run(NATIONAL_TITLE, bold=True, size=12), align="center", after=0)
    motto = p(Run(MOTTO, bold=True, size=13), align="center", after=0, rule=(2.35, 2.35))
    when = p(Run(day_line(report), italic=True, size=13), align="center", before=6)
    cells = (("".join([*managing, issuer, number_line]), left), (title + motto + when, right))
    row = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{content}</w:tc>'
        for content, w in cells
    )
    head = (
        f'<w:tbl><w:tblPr><w:tblW w:w="{PORTRAIT_TEXT}" w:type="dxa"/><w:tblLayout '
        'w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" '
        f'w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid><w:gridCol w:w="{left}"/>'
        f'<w:gridCol w:w="{right}"/></w:tblGrid><w:tr>{row}</w:tr></w:tbl>'
    )
    subject = f"{SUBJECT} tháng {report.month.label}"
    yield head
    yield p(Run("BÁO CÁO", bold=True, size=14), align="center", before=18, after=0)
    yield p(Run(subject, bold=True, size=14), align="center", after=0, rule=(6.0, 6.0))
    yield p("", after=6)


# -- the body --------------------------------------------------------------------------------------


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _span(report: MonthReport) -> str:
    if report.window is None:
        return f"tháng {report.month.label}"
    first = local(report.window.start).date()
    last = local(report.window.end - 1).date()
    return f"từ ngày {_day(first)} đến hết ngày {_day(last)}"


def _body(report: MonthReport) -> Iterator[str]:
    _, bare = province_words(report.province_name)
    kind = province_words(report.province_name)[0]
    communes = len({row.commune_code for row in report.sites})
    open_note = "" if report.closed else "; tháng chưa kết thúc, số liệu sẽ được cập nhật"
    yield text(
        f"{report.issuer} báo cáo kết quả giám sát tự động mức sẵn sàng phục vụ của "
        f"{number(len(report.sites), 0, 'vi')} điểm tại {number(communes, 0, 'vi')} Trung tâm "
        f"phục vụ hành chính công cấp xã trên địa bàn {kind} {bare} tháng {report.month.label} "
        f"(số liệu {_span(report)}{open_note}) theo các chỉ tiêu của kế hoạch chuyển đổi số, "
        "như sau:"
    )
    sections = [
        ("KẾT QUẢ CHUNG THEO CHỈ TIÊU", _summary(report)),
        ("KẾT QUẢ TỪNG XÃ", _communes(report)),
        ("CÁC CHỈ TIÊU CHƯA ĐẠT VÀ NGUYÊN NHÂN", _not_met(report)),
        (f"ĐIỂM LÕM ĐIỆN (đề nghị Sở Công Thương, Công ty Điện lực {bare})", _power(report)),
        ("ĐIỂM LÕM SÓNG DI ĐỘNG THEO DOANH NGHIỆP VIỄN THÔNG", _coverage(report)),
        ("XÃ CHƯA CÓ THIẾT BỊ HỘI NGHỊ TRUYỀN HÌNH", _conference(report)),
        ("NHIỆM VỤ QUÁ HẠN", _overdue(report)),
        (
            f"AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ CỐ (phần {report.security.agency} theo dõi)",
            _security(report),
        ),
        ("ĐỀ XUẤT, KIẾN NGHỊ", _proposals(report)),
    ]
    for i, (title, parts) in enumerate(sections):
        yield heading(f"{_ROMAN[i]}. {title}")
        yield from parts
    evaluated = local(report.evaluated_at)
    yield text(
        Run(
            f"Số liệu do hệ thống giám sát tự động đánh giá lúc {evaluated:%H:%M} ngày "
            f"{evaluated:%d/%m/%Y}; danh mục điểm phiên bản {report.inventory_version[:12] or '—'}"
            f", bộ chỉ tiêu phiên bản {report.catalogue_version[:12] or '—'}.",
            italic=True,
        ),
        size=12,
    )


def _share(tally: Tally) -> str:
    return percent(tally.met / tally.total, "vi") if tally.total else "—"


def _summary(report: MonthReport) -> Iterator[str]:
    yield text("1. Kết quả theo từng chỉ tiêu (số xã, phường):", keep_next=True)
    rows = [_summary_row(i, s) for i, s in enumerate(report.targets, 1)]
    header = ["TT", "Chỉ tiêu", "Đạt", "Chưa đạt", "Chưa có số liệu", "Tỷ lệ đạt",
              f"So với tháng {report.month.previous().label}", "Cơ quan chủ trì"]  # fmt: skip
    yield table(scaled([4, 20, 6, 6, 8, 7, 14, 12], PORTRAIT_TEXT), header, rows, size=10)
    if report.province:
        yield text("2. Các hệ thống dùng chung của tỉnh:", keep_next=True)
        for line in report.province:
            yield from _province_line(line)


def _summary_row(i: int, s: TargetSummary) -> list[C]:
    return [
        C(str(i), align="center"),
        C(f"{s.name} ({s.target})"),
        C(number(s.tally.met, 0, "vi"), align="center"),
        C(number(s.tally.not_met, 0, "vi"), align="center", bold=s.tally.not_met > 0),
        C(number(s.tally.unknown, 0, "vi"), align="center"),
        C(_share(s.tally), align="center"),
        C(s.change),
        C(s.owner),
    ]


def _province_line(line: ProvinceLine) -> Iterator[str]:
    status = STATUS[line.status].lower()
    said = f"{status}, {line.reading}" if line.figure != "—" else status
    yield text(f"- {line.name}: {said}. {line.sentence}.")


def _communes(report: MonthReport) -> Iterator[str]:
    with_cells = [row for row in report.sites if row.cells]
    all_met = sum(all(c.status == "met" for c in row.cells.values()) for row in with_cells)
    any_not = sum(any(c.status == "not_met" for c in row.cells.values()) for row in with_cells)
    yield text(
        f"Có {number(all_met, 0, 'vi')} xã, phường đạt tất cả các chỉ tiêu; "
        f"{number(any_not, 0, 'vi')} xã, phường có ít nhất một chỉ tiêu chưa đạt. Số liệu của "
        "từng xã theo từng chỉ tiêu (kèm đơn vị) tại Phụ lục I."
    )


def _not_met(report: MonthReport) -> Iterator[str]:
    if not report.not_met:
        yield text("Không có chỉ tiêu nào chưa đạt.")
        return
    cells = {(row.key, t): c for row in report.sites for t, c in row.cells.items()}
    groups: dict[str, list[NotMet]] = {}
    for n in report.not_met:
        groups.setdefault(n.target, []).append(n)
    yield text("Căn cứ của từng trường hợp (các sự kiện ghi nhận được) tại Phụ lục II.")
    header = ["TT", "Xã, phường", "Số liệu", "Nguyên nhân", "Tình trạng"]
    widths = scaled([4, 16, 14, 14, 40], PORTRAIT_TEXT)
    for i, (target, items) in enumerate(groups.items(), 1):
        yield text(
            f"{i}. {items[0].target_name} ({target}): {number(len(items), 0, 'vi')} xã, phường",
            keep_next=True,
        )
        rows = (
            [
                C(str(j), align="center"),
                C(n.commune),
                C(cells[(n.key, target)].reading if (n.key, target) in cells else "—"),
                C(n.cause_text or "—"),
                C(n.sentence),
            ]
            for j, n in enumerate(items, 1)
        )
        yield table(widths, header, rows, size=10)


def _power(report: MonthReport) -> Iterator[str]:
    zones = report.power_dead_zones
    if not zones:
        yield text("Không có xã nào là điểm lõm điện trong tháng.")
        return
    yield text(
        f"{number(len(zones), 0, 'vi')} xã mất điện lưới nhiều hoặc kéo dài quá ngưỡng (điểm lõm "
        "điện), đề nghị ngành điện kiểm tra, khắc phục:",
        keep_next=True,
    )
    header = ["TT", "Xã, phường", "Số lần mất điện kéo dài", "Thời gian không có điện lưới",
              "Bộ lưu điện (UPS) cạn pin"]  # fmt: skip
    yield table(scaled([4, 22, 14, 16, 14], PORTRAIT_TEXT), header, _power_rows(zones))


def _power_rows(zones: Sequence[PowerDeadZone]) -> Iterator[list[C]]:
    for i, z in enumerate(zones, 1):
        minutes = z.minutes_without_mains
        yield [
            C(str(i), align="center"),
            C(z.commune),
            C("—" if z.sustained_outages is None else str(z.sustained_outages), align="center"),
            C("—" if minutes is None else duration(minutes * 60, "vi"), align="center"),
            C("Có" if z.ups_ran_flat else "Không", align="center"),
        ]


def _coverage(report: MonthReport) -> Iterator[str]:
    points = report.coverage_dead_zones
    if not points:
        yield text("Không có điểm khảo sát nào dưới ngưỡng trong tháng.")
        return
    operators: dict[str, list[CoveragePoint]] = {}
    for point in points:
        operators.setdefault(point.operator or "Chưa rõ nhà mạng", []).append(point)
    yield text(
        f"{number(len(points), 0, 'vi')} điểm khảo sát có sóng di động dưới ngưỡng, đề nghị các "
        "doanh nghiệp viễn thông khắc phục:"
    )
    header = ["TT", "Thôn, bản (điểm khảo sát)", "Xã, phường", "Tọa độ", "RSRP (dBm)",
              "RSRQ (dB)", "Tải xuống (Mbit/s)", "Mất gói", "Ngày khảo sát"]  # fmt: skip
    widths = scaled([4, 16, 14, 16, 8, 8, 9, 8, 11], PORTRAIT_TEXT)
    for i, (operator, items) in enumerate(operators.items(), 1):
        yield text(f"{i}. {operator}: {number(len(items), 0, 'vi')} điểm", keep_next=True)
        yield table(widths, header, _coverage_rows(items), size=9)


def _coverage_rows(points: Sequence[CoveragePoint]) -> Iterator[list[C]]:
    def num(value: float | None, decimals: int) -> str:
        return "—" if value is None else number(value, decimals, "vi")

    for i, c in enumerate(points, 1):
        yield [
            C(str(i), align="center"),
            C(c.place),
            C(c.commune or "—"),
            C(f"{number(c.latitude, 5, 'vi')}; {number(c.longitude, 5, 'vi')}"),
            C(num(c.rsrp_dbm, 0), align="center"),
            C(num(c.rsrq_db, 1), align="center"),
            C(
                "không đo được" if c.download_mbps is None else num(c.download_mbps, 1),
                align="center",
            ),
            C("—" if c.loss_ratio is None else percent(c.loss_ratio, "vi"), align="center"),
            C(_day(c.surveyed_on), align="center"),
        ]


def _end_day(report: MonthReport) -> date:
    return local(report.window.end if report.window else report.generated_at).date()


def _conference(report: MonthReport) -> Iterator[str]:
    missing = report.conference_missing
    if not missing:
        yield text("Các xã trong danh sách của tỉnh đều đã có thiết bị hội nghị truyền hình.")
        return
    yield text(
        f"{number(len(missing), 0, 'vi')} xã trong danh sách phải có thiết bị hội nghị truyền "
        "hình chưa có thiết bị:",
        keep_next=True,
    )
    today = _end_day(report)
    rows = (
        [
            C(str(i), align="center"),
            C(m.commune),
            C(_day(m.deadline), align="center"),
            C("Quá hạn" if today > m.deadline else "Còn hạn", align="center"),
        ]
        for i, m in enumerate(missing, 1)
    )
    yield table(
        scaled([4, 30, 14, 14], PORTRAIT_TEXT), ["TT", "Xã, phường", "Hạn", "Tình trạng"], rows
    )


def _overdue(report: MonthReport) -> Iterator[str]:
    items = report.overdue
    police = len(report.security.overdue)
    if police:
        yield text(
            f"Nhiệm vụ về an toàn thông tin quá hạn ({number(police, 0, 'vi')} nhiệm vụ) tại "
            f"mục {SECURITY_SECTION}."
        )
    if not items:
        yield text(
            "Không có nhiệm vụ nào khác quá hạn." if police else "Không có nhiệm vụ nào quá hạn."
        )
        return
    today = _end_day(report)
    yield text(
        f"{number(len(items), 0, 'vi')} nhiệm vụ đã quá hạn chưa hoàn thành:", keep_next=True
    )
    rows = (_overdue_row(i, o, today) for i, o in enumerate(items, 1))
    header = ["TT", "Xã, phường", "Nhiệm vụ", "Hạn", "Số ngày quá hạn"]
    yield table(scaled([4, 22, 26, 12, 12], PORTRAIT_TEXT), header, rows)


def _overdue_row(i: int, o: Overdue, today: date) -> list[C]:
    return [
        C(str(i), align="center"),
        C(o.commune or "Toàn tỉnh"),
        C(o.what),
        C(_day(o.deadline), align="center"),
        C(number((today - o.deadline).days, 0, "vi"), align="center"),
    ]


def _proposals(report: MonthReport) -> Iterator[str]:
    _, bare = province_words(report.province_name)
    said = False
    if report.power_dead_zones:
        said = True
        yield text(
            f"- Đề nghị Sở Công Thương, Công ty Điện lực {bare} khắc phục "
            f"{number(len(report.power_dead_zones), 0, 'vi')} điểm lõm điện tại mục IV."
        )
    if report.coverage_dead_zones:
        said = True
        yield text(
            "- Đề nghị các doanh nghiệp viễn thông xoá "
            f"{number(len(report.coverage_dead_zones), 0, 'vi')} điểm lõm sóng tại mục V."
        )
    if report.conference_missing:
        said = True
        yield text(
            f"- Đề nghị UBND {number(len(report.conference_missing), 0, 'vi')} xã tại mục VI "
            "trang bị thiết bị hội nghị truyền hình."
        )
    if report.not_met:
        said = True
        yield text(
            "- Đề nghị UBND các xã, phường có chỉ tiêu chưa đạt (mục III) khắc phục theo nguyên "
            "nhân đã nêu, báo cáo kết quả trước kỳ báo cáo tháng sau."
        )
    s = report.security
    if s.overdue or any(i.late for i in s.incidents) or s.certificates:
        said = True
        yield text(
            "- Đề nghị UBND các xã, phường và các cơ quan có nhiệm vụ an toàn thông tin quá hạn, "
            f"sự cố chưa báo cáo hoặc chứng thư số sắp hết hạn (mục {SECURITY_SECTION}) hoàn "
            f"thành; {s.agency} kiểm tra, đôn đốc."
        )
    if not said:
        yield text("Không có.")


# -- the police's part -----------------------------------------------------------------------------


def _security(report: MonthReport) -> Iterator[str]:
    """The police's targets, what is overdue, the month's incidents, the machines failing the
    security checks and the signature certificates about to expire: short, each list saying
    so when it is empty."""
    s = report.security
    yield text(f"1. Kết quả các chỉ tiêu do {s.agency} theo dõi (số xã, phường):", keep_next=True)
    if s.targets:
        header = ["TT", "Chỉ tiêu", "Đạt", "Chưa đạt", "Chưa có số liệu", "Tỷ lệ đạt",
                  f"So với tháng {report.month.previous().label}"]  # fmt: skip
        rows = (_summary_row(i, t)[: len(header)] for i, t in enumerate(s.targets, 1))
        yield table(scaled([4, 24, 7, 7, 9, 8, 18], PORTRAIT_TEXT), header, rows, size=10)
    else:
        yield text("Chưa có kết quả đánh giá các chỉ tiêu này trong tháng.")
    yield text("2. Nhiệm vụ quá hạn:", keep_next=True)
    if s.overdue:
        header = ["TT", "Xã, phường", "Nhiệm vụ", "Quá hạn từ", "Số ngày", "Ghi chú"]
        rows = (_security_overdue_row(i, o) for i, o in enumerate(s.overdue, 1))
        yield table(scaled([4, 14, 24, 10, 7, 28], PORTRAIT_TEXT), header, rows, size=10)
    else:
        yield text("Không có nhiệm vụ nào quá hạn.")
    made = local(report.generated_at).date()
    days = number(s.report_within_days, 0, "vi")
    yield text(
        f"3. Sự cố trong tháng (báo cáo trong {days} ngày; tình trạng đến ngày {_day(made)}):",
        keep_next=True,
    )
    if s.incidents:
        header = ["TT", "Xã, phường", "Loại sự cố", "Bắt đầu", "Phát hiện sau",
                  "Khôi phục sau", "Báo cáo"]  # fmt: skip
        rows = (_incident_row(i, line) for i, line in enumerate(s.incidents, 1))
        yield table(scaled([4, 14, 16, 12, 9, 10, 20], PORTRAIT_TEXT), header, rows, size=10)
    else:
        yield text("Không có sự cố trong tháng.")
    yield text("4. Máy tính không đạt kiểm tra an ninh:", keep_next=True)
    if s.machines:
        yield text(f"{number(len(s.machines), 0, 'vi')} xã, phường có máy không đạt:")
        for n in s.machines:
            yield _evidence_line(f"{n.commune}: {n.sentence}.")
    else:
        yield text("Không có máy nào không đạt kiểm tra an ninh.")
    within = f"trong vòng {number(s.certificate_days, 0, 'vi')} ngày kể từ {_day(_end_day(report))}"
    yield text(f"5. Chứng thư số (chữ ký số) hết hạn {within} hoặc đã hết hạn:", keep_next=True)
    if s.certificates:
        header = ["TT", "Đơn vị", "Chức danh", "Số sê-ri", "Hết hạn", "Còn lại"]
        rows = (_certificate_row(i, c) for i, c in enumerate(s.certificates, 1))
        yield table(scaled([4, 18, 20, 12, 11, 13], PORTRAIT_TEXT), header, rows, size=10)
    else:
        yield text(f"Không có chứng thư số nào hết hạn {within}.")


def _security_overdue_row(i: int, o: SecurityOverdue) -> list[C]:
    return [
        C(str(i), align="center"),
        C(o.commune),
        C(o.what),
        C(_day(o.since) if o.since else "—", align="center"),
        C(number(o.days, 0, "vi") if o.days is not None else "—", align="center"),
        C(o.note or "—"),
    ]


def _incident_row(i: int, line: IncidentLine) -> list[C]:
    restore = line.restore_minutes
    return [
        C(str(i), align="center"),
        C(line.commune or "Toàn tỉnh"),
        C(line.kind_name),
        C(f"{local(line.started_at):%H:%M %d/%m/%Y}", align="center"),
        C(f"{number(line.detect_minutes, 0, 'vi')} phút", align="center"),
        C("chưa khôi phục" if restore is None else duration(restore * 60, "vi"), align="center"),
        C(reported_words(line), bold=line.late),
    ]


def _certificate_row(i: int, c: CertificateLine) -> list[C]:
    return [
        C(str(i), align="center"),
        C(c.commune or "Cơ quan cấp tỉnh"),
        C(c.position),
        C(c.serial or "—"),
        C(_day(c.not_after), align="center"),
        C(certificate_left(c.days_left), bold=c.days_left < 0),
    ]


# -- recipients and signature ----------------------------------------------------------------------


def _signature(report: MonthReport) -> Iterator[str]:
    half = PORTRAIT_TEXT // 2
    recipients = list(report.recipients)
    lines = [p(Run("Nơi nhận:", bold=True, italic=True, size=12), align="left", after=0)]
    for i, r in enumerate(recipients):
        end = "." if i == len(recipients) - 1 else ";"
        lines.append(p(Run(f"- {r}{end}", size=11), align="left", after=0))
    sign = []
    if report.signer_authority:
        sign.append(
            p(Run(report.signer_authority.upper(), bold=True, size=13), align="center", after=0)
        )
    sign.append(p(Run(report.signer_title.upper(), bold=True, size=13), align="center", after=0))
    sign.extend(p("", after=0) for _ in range(4))
    sign.append(p(Run(report.signer_name, bold=True, size=13), align="center", after=0))
    cells = (("".join(lines), half), ("".join(sign), PORTRAIT_TEXT - half))
    row = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{content}</w:tc>'
        for content, w in cells
    )
    yield p("", after=6)
    yield (
        f'<w:tbl><w:tblPr><w:tblW w:w="{PORTRAIT_TEXT}" w:type="dxa"/><w:tblLayout '
        f'w:type="fixed"/></w:tblPr><w:tblGrid><w:gridCol w:w="{half}"/><w:gridCol '
        f'w:w="{PORTRAIT_TEXT - half}"/></w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr>'
        f"{row}</w:tr></w:tbl>"
    )


# -- the annexes -----------------------------------------------------------------------------------


def _annex_title(report: MonthReport, number_: str, title: str) -> Iterator[str]:
    day = local(report.generated_at).date()
    yield p(Run(f"PHỤ LỤC {number_}", bold=True, size=14), align="center", after=0)
    yield p(Run(title, bold=True, size=14), align="center", after=0)
    yield p(
        Run(
            f"(Kèm theo Báo cáo số        /{report.symbol} ngày {_day(day)} của {report.issuer})",
            italic=True,
            size=13,
        ),
        align="center",
        after=12,
    )


def _commune_annex(report: MonthReport) -> Iterator[str]:
    title = f"Kết quả giám sát từng xã theo từng chỉ tiêu tháng {report.month.label}"
    yield from _annex_title(report, "I", title)
    targets = report.targets
    counts: dict[str, int] = {}
    for row in report.sites:
        counts[row.commune] = counts.get(row.commune, 0) + 1
    header = ["TT", "Xã, phường", *(f"{t.name}\n({t.target})" for t in targets)]
    widths = scaled([3, 13, *([8] * len(targets))], LANDSCAPE_TEXT)
    rows = (
        [
            C(str(i), align="center"),
            C(row.commune if counts[row.commune] == 1 else f"{row.commune}\n{row.site_name}"),
            *(_figure(row.cells.get(t.target)) for t in targets),
        ]
        for i, row in enumerate(report.sites, 1)
    )
    yield table(widths, header, rows, size=9)
    yield p(
        Run(
            "Ghi chú: ô chữ đậm, nền hồng: chưa đạt; ô chữ nghiêng, nền xám: chưa có đủ số liệu "
            'để đánh giá; "—": không có số đo. Ngưỡng của từng chỉ tiêu tại mục III và Phụ lục II.',
            italic=True,
            size=11,
        ),
        align="left",
    )


def _figure(cell: Cell | None) -> C:
    if cell is None:
        return C("—", align="center", italic=True, fill=UNKNOWN_FILL)
    if cell.status == "not_met":
        return C(cell.figure, align="center", bold=True, fill=NOT_MET_FILL)
    if cell.status == "unknown":
        return C(cell.figure, align="center", italic=True, fill=UNKNOWN_FILL)
    return C(cell.figure, align="center")


def _evidence_annex(report: MonthReport) -> Iterator[str]:
    yield from _annex_title(report, "II", f"{EVIDENCE_ANNEX} tháng {report.month.label}")
    if not report.not_met and not any(line.status == "not_met" for line in report.province):
        yield text("Không có chỉ tiêu nào chưa đạt.")
        return
    groups: dict[str, list[NotMet]] = {}
    for n in report.not_met:
        groups.setdefault(n.target, []).append(n)
    section = 0
    shared = [line for line in report.province if line.status == "not_met"]
    if shared:
        section += 1
        yield heading(f"{section}. Hệ thống dùng chung của tỉnh")
        for line in shared:
            yield text(Run(f"{line.name}: ", bold=True), f"{line.sentence}.")
            yield from (_evidence_line(e) for e in line.evidence)
    for target, items in groups.items():
        section += 1
        yield heading(f"{section}. {items[0].target_name} ({target})")
        for j, n in enumerate(items, 1):
            cause = f" Nguyên nhân: {n.cause_text}." if n.cause_text else ""
            yield text(Run(f"{section}.{j}. {n.commune}: ", bold=True), f"{n.sentence}.{cause}")
            yield from (_evidence_line(e) for e in n.evidence)
            if n.refs:
                yield p(
                    Run(f"Sự kiện trong nhật ký: {', '.join(n.refs)}", italic=True, size=10),
                    align="left",
                    first_line=1.27,
                    after=4,
                )


def _evidence_line(sentence: str) -> str:
    return p(f"- {sentence}", first_line=1.27, after=2, size=12)
