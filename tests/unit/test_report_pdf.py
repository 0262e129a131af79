"""The monthly report as a PDF (collector/report/pdf.py), read back as a reader's program reads
it: its text extracted with pypdf (Vietnamese names with their diacritics intact), its fonts
embedded, its pages A4, the first page rendered to pixels with pypdfium2."""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdfium2  # type: ignore[import-untyped]
import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from collector.report import pdf
from collector.report.content import Security
from tests.support.month_report import hand_report, security_month

A4 = (595.28, 841.89)  # points
NAMES = ("Xã Sa Thầy", "Phường Nghĩa Lộ", "Đặc khu Lý Sơn", "Xã Đăk Plô", "Phường Cẩm Thành")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@functools.cache
def written(communes: int = 8, closed: bool = True) -> bytes:
    out = io.BytesIO()
    pdf.write(hand_report(communes, closed=closed), out)
    return out.getvalue()


@functools.cache
def pages_text(communes: int = 8, closed: bool = True) -> tuple[str, ...]:
    reader = PdfReader(io.BytesIO(written(communes, closed)))
    return tuple(nfc(page.extract_text()) for page in reader.pages)


def text(communes: int = 8, closed: bool = True) -> str:
    """Every page's text, its runs of white space one space (a table's cell wraps)."""
    return flat("\n".join(pages_text(communes, closed)))


def flat(found: str) -> str:
    return " ".join(nfc(found).split())


def test_vietnamese_names_keep_their_diacritics() -> None:
    found = text()
    for name in NAMES:
        assert nfc(name) in found, name
    for phrase in ("Thôn Đăk Ne", "Bản Xốp Dụi", "mất điện lưới", "Nguồn điện", "chưa đạt"):
        assert nfc(phrase) in found, phrase


def test_administrative_layout() -> None:
    first = pages_text()[0]
    for line in (
        "UBND TỈNH QUẢNG NGÃI",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-SKHCN",
        "Quảng Ngãi, ngày 02 tháng 12 năm 2026",
        "BÁO CÁO",
        "I. TỔNG HỢP THEO CHỈ TIÊU",
    ):
        assert nfc(line) in first, line
    # The number is left for the office to fill: blanks between "Số:" and the symbol.
    assert re.search(r"Số:\s{3,}/BC-SKHCN", first)
    whole = text()
    assert whole.index("Nơi nhận:") < whole.index("SỐ LIỆU CỦA CÁC XÃ THEO CHỈ TIÊU")
    for line in ("- Công an tỉnh;", "- Lưu: VT.", "GIÁM ĐỐC", "Phụ lục II", "(Kèm theo Báo cáo số"):
        assert nfc(line) in whole, line


def test_provisional_month_says_so() -> None:
    assert "tạm tính" in pages_text(8, False)[0]
    assert "tạm tính" not in pages_text(8, True)[0]


def test_sections_carry_the_report_lists() -> None:
    whole = text()
    # summary per target with the change since the month before
    assert "+2 xã đạt so với tháng 10/2026" in whole
    assert "chưa có số liệu tháng trước" in whole
    # power dead zones: outages, hours without mains (7 lần, 6 giờ 25 phút), UPS ran flat
    assert "6 giờ 25 phút" in whole
    # coverage dead zones per operator, with coordinates, signal and the day surveyed
    assert "Viettel: 2 điểm" in whole and "MobiFone: 1 điểm" in whole
    assert "14,40123" in whole and "-118" in whole and "01/11/2026" in whole
    # video-conference gaps and overdue deadlines, dates dd/mm/yyyy
    assert "XÃ CHƯA CÓ THIẾT BỊ HỘI NGHỊ TRUYỀN HÌNH" in whole
    assert "30/11/2025" in whole and "31/08/2025" in whole
    # the evidence annex: the events in words and their references
    assert "UPS cạn pin sau 9 phút" in whole
    assert "04369-main:j1:100" in whole


def test_matrix_prints_every_commune_against_every_target() -> None:
    report = hand_report(8)
    whole = text()
    for row in report.sites:
        assert nfc(row.commune) in whole
    for target in report.targets:
        assert nfc(target.name) in whole
    assert "7 lần mất" in whole and "99,9 %" in whole and "48 Mbit/s" in whole


def test_pages_are_a4_and_the_matrix_landscape() -> None:
    reader = PdfReader(io.BytesIO(written()))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    assert sizes[0] == pytest.approx(A4, abs=0.5)
    assert all(sorted(s) == pytest.approx(sorted(A4), abs=0.5) for s in sizes)
    landscape = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert landscape, "the commune × target table is on landscape pages"
    assert "Phụ lục I" in pages_text()[landscape[0]]


def test_header_row_repeats_on_every_page_of_the_matrix() -> None:
    reader = PdfReader(io.BytesIO(written(200)))
    landscape = [
        i for i, p in enumerate(reader.pages) if float(p.mediabox.width) > float(p.mediabox.height)
    ]
    assert len(landscape) >= 3
    for i in landscape:
        page = pages_text(200)[i]
        assert "Xã, phường (điểm)" in page and "Nguồn điện" in page, i
        assert str(i + 1) in page.splitlines()[0]  # the page number, centred in the header


def _fonts(page: DictionaryObject) -> list[Any]:
    resources: Any = page["/Resources"].get_object()
    fonts: Any = resources["/Font"].get_object()
    return [fonts[name].get_object() for name in fonts]


def test_fonts_are_embedded() -> None:
    reader = PdfReader(io.BytesIO(written()))
    seen = set()
    for page in reader.pages:
        for font in _fonts(page):
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            seen.add(str(font["/BaseFont"]).split("+")[-1])
    # fpdf2 names the subsets from the fonts' own names: DejaVuSerifBook, DejaVuSansBold, ...
    assert len(seen) == 4, seen
    assert all(name.startswith("DejaVu") for name in seen)
    assert {"Serif", "Sans"} <= {name[6:11].rstrip("B") for name in seen}


def _render(page_index: int, data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page_index].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()
    raw = image.tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    return image.width, image.height, pixels


def test_first_page_renders_its_title() -> None:
    width, height, pixels = _render(0, written())
    dark = [i for i, (r, g, b) in enumerate(pixels) if r + g + b < 200]
    assert len(dark) > 2000
    top = sum(1 for i in dark if i // width < height // 3)
    assert top > 1000, "the header and the title are in the top third"
    white = sum(1 for r, g, b in pixels if r + g + b > 720)
    assert white > len(pixels) / 2


def test_matrix_cells_are_coloured_by_status() -> None:
    reader = PdfReader(io.BytesIO(written()))
    first = next(
        i for i, p in enumerate(reader.pages) if float(p.mediabox.width) > float(p.mediabox.height)
    )
    _, _, pixels = _render(first, written())
    colours = set(pixels)
    for status, fill in pdf.STATUS_FILLS.items():
        near = [c for c in colours if all(abs(a - b) <= 3 for a, b in zip(c, fill, strict=True))]
        assert near, status


def test_same_report_same_bytes() -> None:
    again = io.BytesIO()
    pdf.write(hand_report(8), again)
    assert again.getvalue() == written()


def test_missing_font_names_the_file_and_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    with pytest.raises(pdf.FontMissing) as raised:
        pdf.write(hand_report(2), io.BytesIO())
    message = str(raised.value)
    assert str(tmp_path / "DejaVuSerif.ttf") in message
    assert "fonts-dejavu-core" in message


def test_decomposed_text_is_written_composed() -> None:
    report = hand_report(2)
    decomposed = unicodedata.normalize("NFD", "Xã Ia Chim")
    row = replace(report.sites[0], commune=decomposed)
    out = io.BytesIO()
    pdf.write(replace(report, sites=[row, *report.sites[1:]]), out)
    found = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.getvalue())).pages)
    assert "Xã Ia Chim" in found  # composed: NFC, as the source file writes it
    assert decomposed not in found


def test_empty_lists_say_there_is_nothing() -> None:
    report = replace(
        hand_report(2),
        not_met=(),
        power_dead_zones=(),
        coverage_dead_zones=(),
        conference_missing=(),
        overdue=(),
        security=Security(),
    )
    out = io.BytesIO()
    pdf.write(report, out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    found = flat("\n".join(p.extract_text() for p in reader.pages))
    assert "không có xã nào thuộc vùng lõm điện" in found
    assert "Không có nhiệm vụ nào quá hạn" in found
    assert "Phụ lục II" not in found
    for said in (
        "Chưa có kết quả đánh giá các chỉ tiêu này trong tháng.",
        "Không có sự cố trong tháng.",
        "Không có máy nào không đạt kiểm tra an ninh.",
        "Không có chứng thư số nào hết hạn trong vòng 30 ngày kể từ 01/12/2026.",
    ):
        assert said in found, said


def test_the_police_part() -> None:
    """AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ CỐ: after the deadlines passed, before the
    recipients; what is overdue since when, the incidents with their times, the machines, the
    certificates."""
    out = io.BytesIO()
    pdf.write(security_month().report(), out)
    found = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.getvalue())).pages))
    title = "VII. AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ CỐ (phần Công an tỉnh theo dõi)"
    assert found.index("VI. NHIỆM VỤ QUÁ HẠN") < found.index(title) < found.index("Nơi nhận:")
    part = found[found.index(title) : found.index("Nơi nhận:")]
    assert "Nhiệm vụ về an toàn thông tin quá hạn (5 nhiệm vụ) tại mục VII." in found
    for said in (
        "Diễn tập (SEC-DRILL) 1 2 0 33,3 %",
        "Xã Sa Thầy phê duyệt phương án ứng phó sự cố: tấn công mạng, mất điện (chưa có); lỗi "
        "phần mềm (dự thảo) 01/01/2026 182 hạn 31/12/2025",
        "Xã Măng Đen diễn tập phòng chống tấn công mạng — — chưa diễn tập lần nào",
        "Sự cố được báo cáo trong 3 ngày; tình trạng đến ngày 02/07/2026",
        "Đặc khu Lý Sơn Mất điện lưới 08:00 10/06/2026 3 phút 2 giờ 15/BC-UBND (12/06/2026)",
        "Toàn tỉnh Sự cố phía trung tâm 07:00 15/06/2026 1 phút 6 giờ chưa báo cáo — quá hạn 18/06",
        "45 phút chưa khôi phục chưa báo cáo — quá hạn 28/06",
        "– Xã Sa Thầy: 1/2 máy đạt: Quầy 1: tường lửa tắt.",
        "Xã Sa Thầy Chủ tịch UBND xã 4A:0F 11/07/2026 còn 10 ngày",
        "Cơ quan cấp tỉnh Giám đốc Sở 4A:0F 20/06/2026 đã hết hạn 11 ngày",
    ):
        assert nfc(said) in part, said
    assert "Chủ tịch UBND đặc khu" not in part  # its certificate expires in 90 days


def test_the_simulated_province_report() -> None:
    """The report built from ``make run``'s simulated province: every commune and every
    target not met is in the PDF, as the content gave it."""
    from tests.support.report import simulated_report

    report = simulated_report()
    out = io.BytesIO()
    pdf.write(report, out)
    found = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.getvalue())).pages))
    for row in report.sites:
        assert nfc(row.commune) in found, row.commune
    for item in report.not_met:
        assert flat(f"{item.commune}: {item.target_name} ({item.target})") in found
    for point in report.coverage_dead_zones:
        assert nfc(point.place) in found
