"""The monthly report as a Word document, read back with python-docx: the layout of an
administrative report (Nghị định 30/2020/NĐ-CP), the report's parts with the figures the
findings give, the annexes, the page and the font; and a province of 3,321 communes written in
a few seconds."""

from __future__ import annotations

import dataclasses
import io
import re
import time
import unicodedata
import zipfile

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.shared import Length
from docx.table import Table

from collector.report.content import MonthReport, Security, build
from collector.report.docx import SECURITY_SECTION, write
from sansang import communes
from tests.support.month_report import hand_report, security_month
from tests.support.report import GENERATED_AT, simulated_province, simulated_report


def _written(report: MonthReport) -> tuple[DocumentObject, bytes]:
    out = io.BytesIO()
    write(report, out)
    data = out.getvalue()
    return Document(io.BytesIO(data)), data


def _texts(doc: DocumentObject) -> list[str]:
    """Every paragraph's text, in the body and in the tables' cells, in order."""
    body = doc.element.body
    return ["".join(t.text or "" for t in p.iter(_w("t"))) for p in body.iter(_w("p"))]


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


def _mm(length: Length | None) -> float:
    assert length is not None
    return float(length.mm)


def _table(doc: DocumentObject, first_header: str, *more: str) -> list[Table]:
    found = []
    for t in doc.tables:
        header = [c.text for c in t.rows[0].cells]
        if header and header[0] == first_header and all(h in header for h in more):
            found.append(t)
    return found


def test_the_heading_is_an_administrative_report() -> None:
    report = simulated_report()
    doc, _ = _written(report)
    head = doc.tables[0]
    left, right = (cell.paragraphs for cell in head.rows[0].cells)
    assert [p.text for p in left][:2] == ["UBND TỈNH QUẢNG NGÃI", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"]
    assert left[1].runs[0].bold
    assert re.fullmatch(r"Số: +/BC-SKHCN", left[2].text)  # the number left to fill
    assert right[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and right[0].runs[0].bold
    assert right[1].text == "Độc lập - Tự do - Hạnh phúc" and right[1].runs[0].bold
    for ruled in (left[1], right[1]):  # the solid lines under the issuer and the motto
        assert ruled._p.xpath("./w:pPr/w:pBdr/w:bottom[@w:val='single']")
    assert right[2].text == "Quảng Ngãi, ngày 03 tháng 11 năm 2026"
    assert right[2].runs[0].italic
    texts = [p.text for p in doc.paragraphs]
    title = texts.index("BÁO CÁO")
    assert doc.paragraphs[title].runs[0].bold
    assert texts[title + 1] == (
        "Kết quả giám sát mức sẵn sàng của các Trung tâm phục vụ hành chính công cấp xã "
        "tháng 11/2026"
    )


def test_the_body_sections_in_order() -> None:
    doc, _ = _written(simulated_report())
    texts = [p.text for p in doc.paragraphs]
    headings = [t for t in texts if re.match(r"^[IVX]+\. ", t)]
    assert [h.split(". ", 1)[0] for h in headings] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"
    ]  # fmt: skip
    assert headings[0] == "I. KẾT QUẢ CHUNG THEO CHỈ TIÊU"
    assert headings[3] == "IV. ĐIỂM LÕM ĐIỆN (đề nghị Sở Công Thương, Công ty Điện lực Quảng Ngãi)"
    assert headings[7] == (
        f"{SECURITY_SECTION}. AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ CỐ (phần Công an tỉnh "
        "theo dõi)"
    )
    intro = texts[texts.index(headings[0]) - 1]
    assert "20 điểm" in intro and "tháng 11/2026" in intro and "01/11/2026" in intro


def test_the_summary_per_target_with_the_change() -> None:
    report = simulated_report()
    doc, _ = _written(report)
    (summary,) = _table(  # the police's part repeats their targets without the owner
        doc, "TT", "Chỉ tiêu", "Đạt", "Chưa đạt", "So với tháng 10/2026", "Cơ quan chủ trì"
    )
    rows = [[c.text for c in r.cells] for r in summary.rows[1:]]
    assert len(rows) == len(report.targets)
    for row, s in zip(rows, report.targets, strict=True):
        assert row[1] == f"{s.name} ({s.target})"
        assert row[2:5] == [str(s.tally.met), str(s.tally.not_met), str(s.tally.unknown)]
        assert row[6] == s.change


def test_every_commune_against_every_target_on_landscape_pages() -> None:
    report = simulated_report()
    doc, _ = _written(report)
    (grid,) = _table(doc, "TT", "Xã, phường", "Nguồn điện\n(INF-PWR)")
    header = [c.text for c in grid.rows[0].cells]
    assert header[2:] == [f"{s.name}\n({s.target})" for s in report.targets]
    assert len(grid.rows) == len(report.sites) + 1
    for table_row, row in zip(grid.rows[1:], report.sites, strict=True):
        cells = [c.text for c in table_row.cells]
        assert cells[1] == row.commune
        assert cells[2:] == [
            row.cells[s.target].figure if s.target in row.cells else "—" for s in report.targets
        ]
    written = [c.text for r in grid.rows[1:] for c in r.cells[2:]]
    assert any(t.endswith(" %") for t in written) and any(t.endswith("Mbit/s") for t in written)
    assert any("lần mất điện" in t for t in written)
    landscape = [s for s in doc.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    assert len(landscape) == 1
    assert _mm(landscape[0].page_width) > _mm(landscape[0].page_height)


def test_not_met_with_causes_and_the_evidence_annex() -> None:
    report = simulated_report()
    doc, _ = _written(report)
    lists = _table(doc, "TT", "Xã, phường", "Nguyên nhân", "Tình trạng")
    listed = [[c.text for c in r.cells] for t in lists for r in t.rows[1:]]
    assert len(listed) == len(report.not_met)
    for row, n in zip(listed, report.not_met, strict=True):
        assert (row[1], row[3], row[4]) == (n.commune, n.cause_text or "—", n.sentence)
    texts = _texts(doc)
    annex = texts.index("PHỤ LỤC II")
    assert texts[annex + 1] == "Căn cứ của các chỉ tiêu chưa đạt tháng 11/2026"
    assert texts[annex + 2].startswith("(Kèm theo Báo cáo số")
    after = texts[annex:]
    for n in report.not_met:
        assert any(t.endswith(f"{n.commune}: {n.sentence}.") or n.sentence in t for t in after)
        for sentence in n.evidence:
            assert f"- {sentence}" in after
    assert sum(1 for n in report.not_met for _ in n.evidence) > 10


def test_dead_zones_conference_gaps_and_overdue_deadlines() -> None:
    report = simulated_report()
    doc, _ = _written(report)
    (power,) = _table(doc, "TT", "Xã, phường", "Bộ lưu điện (UPS) cạn pin")
    assert [r.cells[1].text for r in power.rows[1:]] == [z.commune for z in report.power_dead_zones]
    assert {r.cells[4].text for r in power.rows[1:]} <= {"Có", "Không"}
    coverage = _table(doc, "TT", "Thôn, bản (điểm khảo sát)", "RSRP (dBm)")
    rows = [[c.text for c in r.cells] for t in coverage for r in t.rows[1:]]
    assert [r[1] for r in rows] == [c.place for c in report.coverage_dead_zones]
    dak_ne = next(r for r in rows if r[1] == "Thôn Đăk Ne")
    assert dak_ne[4:9] == ["-118", "-16,5", "1,2", "12 %", "01/11/2026"]
    texts = [p.text for p in doc.paragraphs]
    assert "1. MobiFone: 1 điểm" in texts and "2. Viettel: 2 điểm" in texts
    (conference,) = _table(doc, "TT", "Xã, phường", "Hạn", "Tình trạng")
    assert [r.cells[1].text for r in conference.rows[1:]] == [
        m.commune for m in report.conference_missing
    ]
    assert {r.cells[2].text for r in conference.rows[1:]} == {"31/08/2025"}
    (overdue,) = _table(doc, "TT", "Xã, phường", "Nhiệm vụ", "Số ngày quá hạn")
    assert len(overdue.rows) == len(report.overdue) + 1
    assert {r.cells[2].text for r in overdue.rows[1:]} == {
        "xoá điểm lõm sóng di động",
        "trang bị thiết bị hội nghị truyền hình",
    }


def test_recipients_and_signature() -> None:
    report = simulated_report()
    doc, _ = _written(report)
    (block,) = [t for t in doc.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:")]
    left, right = (cell.paragraphs for cell in block.rows[0].cells)
    assert left[0].text == "Nơi nhận:" and left[0].runs[0].bold and left[0].runs[0].italic
    lines = [p.text for p in left[1:]]
    assert lines == [
        f"- {r}{'.' if i == len(report.recipients) - 1 else ';'}"
        for i, r in enumerate(report.recipients)
    ]
    assert lines[-1] == "- Lưu: VT."
    assert right[0].text == "GIÁM ĐỐC" and right[0].runs[0].bold


def test_a4_decree_margins_times_new_roman_and_page_numbers() -> None:
    doc, data = _written(simulated_report())
    assert len(doc.sections) == 3
    for s in doc.sections:
        short, long_ = sorted((_mm(s.page_width), _mm(s.page_height)))
        assert round(short) == 210 and round(long_) == 297
        assert 20 <= round(_mm(s.top_margin)) <= 25 and 20 <= round(_mm(s.bottom_margin)) <= 25
        assert 30 <= round(_mm(s.left_margin)) <= 35 and 15 <= round(_mm(s.right_margin)) <= 20
    first = doc.sections[0]
    assert first.different_first_page_header_footer  # no number on the first page
    assert 'instr="PAGE"' in first.header._element.xml
    assert all(s.header.is_linked_to_previous for s in doc.sections[1:])
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 13
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode("utf-8")
    declared = "".join(re.findall(r"<w:rFonts[^>]*>", xml))
    fonts = set(re.findall(r'w:(?:ascii|hAnsi|eastAsia|cs)="([^"]+)"', declared))
    assert fonts == {"Times New Roman"}
    assert "theme" not in declared.lower()
    document = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "w:rFonts" not in document  # no run picks another font
    sizes = {int(v) / 2 for v in re.findall(r'<w:sz w:val="(\d+)"/>', document)}
    assert sizes <= {4, 9, 10, 11, 12, 13, 14}  # 4: the blank line after a table


def test_vietnamese_text_is_intact() -> None:
    report = simulated_report()
    doc, _ = _written(report)
    text = "\n".join(_texts(doc))
    assert unicodedata.is_normalized("NFC", text)
    for row in report.sites:
        assert row.commune in text
    for word in ("Chưa đạt", "Phương án dự phòng", "điểm lõm điện", "Đội ứng cứu", "Nơi nhận:"):
        assert word in text
    assert "?" not in "".join(r.commune for r in report.sites)


def test_a_province_of_3321_communes_is_written_in_seconds() -> None:
    """Every simulated site's findings copied to 3,321 communes of the official list."""
    p = simulated_province()
    sites = sorted({f.site for f in p.current.findings})
    by_site: dict[str, list] = {}  # type: ignore[type-arg]
    for f in p.current.findings:
        by_site.setdefault(f.site, []).append(f)
    codes = communes.all_codes()[:3321]
    findings = [
        dataclasses.replace(f, site=f"{code}-main")
        for i, code in enumerate(codes)
        for f in by_site[sites[i % len(sites)]]
    ]
    current = dataclasses.replace(p.current, findings=findings)
    report = build(current, p.previous, p.inventory, p.catalogue, p.survey, GENERATED_AT)
    assert len(report.sites) == 3321
    started = time.perf_counter()
    out = io.BytesIO()
    write(report, out)
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"{elapsed:.1f} s"
    doc = Document(io.BytesIO(out.getvalue()))
    (grid,) = _table(doc, "TT", "Xã, phường", "Nguồn điện\n(INF-PWR)")
    assert len(grid.rows) == 3322
    assert grid.rows[-1].cells[1].text == report.sites[-1].commune


def _section(texts: list[str], number: str) -> list[str]:
    """The paragraphs of the body's section ``number`` (its heading first), tables' cells
    included."""
    start = next(i for i, t in enumerate(texts) if t.startswith(f"{number}. "))
    end = next(i for i, t in enumerate(texts) if i > start and re.match(r"^[IVX]+\. [A-ZĐ]", t))
    return texts[start:end]


def test_the_police_part_overdue_incidents_machines_and_certificates() -> None:
    report = security_month().report()
    doc, _ = _written(report)
    part = _section(_texts(doc), SECURITY_SECTION)
    assert part[0] == f"{SECURITY_SECTION}. AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ CỐ " + (
        "(phần Công an tỉnh theo dõi)"
    )
    summary, targets = _table(doc, "TT", "Chỉ tiêu", "Chưa có số liệu", "So với tháng 05/2026")
    assert len(targets.rows) == 7  # the six SEC targets again, in one place
    assert "Cơ quan chủ trì" in summary.rows[0].cells[-1].text
    assert [r.cells[1].text for r in targets.rows[1:]][-1] == "Cảnh báo sớm (SEC-EARLY)"
    (overdue,) = _table(doc, "TT", "Xã, phường", "Nhiệm vụ", "Quá hạn từ", "Số ngày", "Ghi chú")
    rows = [[c.text for c in r.cells] for r in overdue.rows[1:]]
    assert len(rows) == len(report.security.overdue)
    assert [
        "3", "Xã Sa Thầy", "phê duyệt phương án ứng phó sự cố: tấn công mạng, mất điện (chưa "
        "có); lỗi phần mềm (dự thảo)", "01/01/2026", "182", "hạn 31/12/2025",
    ] in rows  # fmt: skip
    (incidents,) = _table(doc, "TT", "Loại sự cố", "Phát hiện sau", "Khôi phục sau", "Báo cáo")
    rows = [[c.text for c in r.cells] for r in incidents.rows[1:]]
    assert rows[0][1:] == [
        "Đặc khu Lý Sơn", "Mất điện lưới", "08:00 10/06/2026", "3 phút", "2 giờ",
        "15/BC-UBND (12/06/2026)",
    ]  # fmt: skip
    assert rows[1][1] == "Toàn tỉnh" and rows[1][6] == "chưa báo cáo — quá hạn 18/06"
    assert rows[2][5:] == ["chưa khôi phục", "chưa báo cáo — quá hạn 28/06"]
    assert "3. Sự cố trong tháng (báo cáo trong 3 ngày; tình trạng đến ngày 02/07/2026):" in part
    assert "2 xã, phường có máy không đạt:" in part
    assert "- Xã Sa Thầy: 1/2 máy đạt: Quầy 1: tường lửa tắt." in part
    (certs,) = _table(doc, "TT", "Đơn vị", "Chức danh", "Hết hạn", "Còn lại")
    rows = [[c.text for c in r.cells] for r in certs.rows[1:]]
    assert rows[1][1:] == ["Xã Sa Thầy", "Chủ tịch UBND xã", "4A:0F", "11/07/2026", "còn 10 ngày"]
    assert rows[0][1] == "Cơ quan cấp tỉnh" and rows[0][5] == "đã hết hạn 11 ngày"
    overdue_section = _section(_texts(doc), "VII")
    assert f"Nhiệm vụ về an toàn thông tin quá hạn (5 nhiệm vụ) tại mục {SECURITY_SECTION}." in (
        overdue_section
    )
    proposals = "\n".join(_section([*_texts(doc), "X. END"], "IX"))
    assert f"(mục {SECURITY_SECTION})" in proposals


def test_the_police_part_says_when_its_lists_are_empty() -> None:
    report = dataclasses.replace(hand_report(3), security=Security())
    doc, _ = _written(report)
    part = _section(_texts(doc), SECURITY_SECTION)
    for said in (
        "Chưa có kết quả đánh giá các chỉ tiêu này trong tháng.",
        "Không có nhiệm vụ nào quá hạn.",
        "Không có sự cố trong tháng.",
        "Không có máy nào không đạt kiểm tra an ninh.",
        "Không có chứng thư số nào hết hạn trong vòng 30 ngày kể từ 01/12/2026.",
    ):
        assert said in part, said
