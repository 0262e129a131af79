"""The monthly report as a workbook (collector/report/xlsx.py), read back with openpyxl: a sheet
per target and a data sheet, header rows frozen and filtered, numbers stored as numbers in their
formats (ratios as percentages, Mbit/s, counts, minutes), dates as dates, valid sheet names."""

from __future__ import annotations

import functools
import io
import re
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from collector.report import xlsx
from tests.support.month_report import TARGETS, hand_report, security_month

FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@functools.cache
def written(communes: int = 8) -> bytes:
    out = io.BytesIO()
    xlsx.write(hand_report(communes), out)
    return out.getvalue()


def book(communes: int = 8) -> Workbook:
    return load_workbook(io.BytesIO(written(communes)))


def rows(ws: Any) -> list[dict[str, Any]]:
    """The sheet's rows as dictionaries by header, the cells themselves (value and format)."""
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def test_one_sheet_per_target_a_summary_and_a_data_sheet() -> None:
    wb = book()
    names = wb.sheetnames
    assert names[0] == "Tổng hợp"
    assert "Dữ liệu" in names
    report = hand_report(8)
    for target in report.targets:
        assert any(name.startswith(target.target) or name == target.name for name in names)
    assert len(names) == len(set(n.casefold() for n in names))
    for name in names:
        assert len(name) <= 31 and not FORBIDDEN.search(name), name
    assert len(names) >= 1 + len(report.targets) + 1


def test_every_table_sheet_has_a_frozen_bold_filtered_header() -> None:
    wb = book()
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:"), ws.title
        last = ws.auto_filter.ref.split(":")[1]
        assert int(re.sub(r"^[A-Z]+", "", last)) == ws.max_row, ws.title
        assert all(c.font.bold for c in ws[1]), ws.title
        assert ws.column_dimensions["A"].width > 5, ws.title


def test_summary_counts_and_share_are_numbers() -> None:
    ws = book()["Tổng hợp"]
    report = hand_report(8)
    found = {r["Mã chỉ tiêu"].value: r for r in rows(ws)}
    assert list(found) == [t.target for t in report.targets]
    power = found["INF-PWR"]
    expected = next(t for t in report.targets if t.target == "INF-PWR")
    assert power["Đạt"].value == expected.tally.met
    assert power["Chưa đạt"].value == expected.tally.not_met
    share = power["Tỷ lệ đạt"]
    assert isinstance(share.value, float) and share.number_format == "0.0%"
    assert share.value == pytest.approx(expected.tally.met / expected.tally.total)
    assert power["Thay đổi số điểm đạt"].value == 2
    assert power["So với tháng trước"].value == "+2 xã đạt so với tháng 10/2026"


def _target_sheet(wb: Workbook, target: str) -> Any:
    return next(ws for ws in wb.worksheets if ws.title.startswith(target + " "))


def test_target_values_are_numbers_in_their_unit_format() -> None:
    wb = book()
    formats = {"INF-LINK": "0.0%", "INF-BW": "0.0", "INF-PWR": "0", "SEC-EARLY": "0.0"}
    for target, number_format in formats.items():
        measured = [r for r in rows(_target_sheet(wb, target)) if r["Giá trị"].value is not None]
        assert measured, target
        for r in measured:
            cell = r["Giá trị"]
            assert isinstance(cell.value, int | float), (target, cell.value)
            assert cell.number_format == number_format, target
        bound = measured[0]["Ngưỡng"]
        assert isinstance(bound.value, int | float) and bound.number_format == number_format
    link = rows(_target_sheet(wb, "INF-LINK"))
    not_met = next(r for r in link if r["Kết quả"].value == "chưa đạt")
    assert not_met["Giá trị"].value == pytest.approx(0.9712)
    assert not_met["Số liệu"].value.startswith("97,1 %")
    assert not_met["Kết quả"].fill.fgColor.rgb.endswith("F9D0D0")
    power = rows(_target_sheet(wb, "INF-PWR"))
    assert {r["Đơn vị"].value for r in power} == {"lần mất điện"}
    early = rows(_target_sheet(wb, "SEC-EARLY"))
    assert {r["Đơn vị"].value for r in early} == {"phút"}


def test_statuses_and_names_are_vietnamese() -> None:
    wb = book()
    statuses = {r["Kết quả"].value for r in rows(_target_sheet(wb, "INF-PWR"))}
    assert statuses <= {"đạt", "chưa đạt", "chưa rõ"} and "đạt" in statuses
    communes = {r["Xã, phường"].value for r in rows(_target_sheet(wb, "INF-PWR"))}
    assert {"Xã Sa Thầy", "Phường Nghĩa Lộ", "Đặc khu Lý Sơn"} <= communes


def test_data_sheet_one_row_per_finding_machine_friendly() -> None:
    ws = book()["Dữ liệu"]
    header = [c.value for c in ws[1]]
    assert header == [
        "month",
        "site",
        "commune_code",
        "commune",
        "target",
        "status",
        "value",
        "unit",
        "threshold",
        "cause",
    ]
    data = rows(ws)
    assert len(data) == 8 * len(TARGETS)
    assert {r["month"].value for r in data} == {"2026-11"}
    assert {r["status"].value for r in data} == {"met", "not_met", "unknown"}
    link = next(r for r in data if r["target"].value == "INF-LINK" and r["status"].value == "met")
    assert link["value"].value == pytest.approx(0.9987) and link["unit"].value == "ratio"
    missed = [r for r in data if r["status"].value == "not_met"]
    assert all(r["cause"].value for r in missed)
    assert all(r["cause"].value is None for r in data if r["status"].value != "not_met")


def test_coverage_points_have_numeric_coordinates_signal_and_dates() -> None:
    found = rows(book()["Lõm sóng"])
    ne = next(r for r in found if r["Thôn, bản, tổ dân phố"].value == "Thôn Đăk Ne")
    assert ne["Vĩ độ"].value == pytest.approx(14.40123)
    assert ne["Kinh độ"].value == pytest.approx(107.79456)
    assert ne["RSRP (dBm)"].value == -118 and ne["RSRQ (dB)"].value == pytest.approx(-16.5)
    assert ne["Tỷ lệ mất gói"].number_format == "0.0%"
    assert ne["Tốc độ tải xuống (Mbit/s)"].number_format == "0.0"
    day = ne["Ngày khảo sát"]
    assert isinstance(day.value, datetime) and day.value.date() == date(2026, 11, 1)
    assert day.number_format == "dd/mm/yyyy"
    assert {r["Nhà mạng"].value for r in found} == {"Viettel", "MobiFone"}


def test_deadlines_are_dates_and_days_late_numbers() -> None:
    found = rows(book()["Quá hạn"])
    dz = next(r for r in found if r["Mã chỉ tiêu"].value == "INF-DZ")
    assert dz["Hạn"].value == datetime(2025, 11, 30) and dz["Hạn"].number_format == "dd/mm/yyyy"
    late = next(v for k, v in dz.items() if k.startswith("Số ngày quá hạn"))
    assert late.value == (date(2026, 12, 1) - date(2025, 11, 30)).days
    missing = rows(book()["Thiếu HNTH"])
    assert missing[0]["Hạn"].value == datetime(2025, 8, 31)


def test_power_dead_zones_in_minutes() -> None:
    found = rows(book()["Lõm điện"])
    first = found[0]
    assert first["Số lần mất điện kéo dài"].value == 7
    minutes = first["Thời gian không có điện lưới (phút)"]
    assert minutes.value == pytest.approx(385.5) and minutes.number_format == "0.0"
    assert first["UPS cạn pin"].value == "có"


def test_report_facts_with_real_datetimes() -> None:
    facts = {r["Mục"].value: r["Nội dung"] for r in rows(book()["Thông tin"])}
    made = facts["Ngày lập báo cáo"]
    assert made.value == datetime(2026, 12, 2, 8, 30)
    assert made.number_format == "dd/mm/yyyy hh:mm"
    assert facts["Tháng"].value == "11/2026"
    assert facts["Tình trạng số liệu"].value.startswith("chính thức")


def _police_book() -> Workbook:
    out = io.BytesIO()
    xlsx.write(security_month().report(), out)
    return load_workbook(io.BytesIO(out.getvalue()))


def test_the_police_sheets_have_real_types() -> None:
    wb = _police_book()
    police = [n for n in wb.sheetnames if n.startswith("An ninh")]
    assert police == [
        "An ninh - Quá hạn",
        "An ninh - Sự cố",
        "An ninh - Máy không đạt",
        "An ninh - Chứng thư số",
    ]
    for name in police:
        ws = wb[name]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.endswith(str(ws.max_row)), name
    overdue = rows(wb["An ninh - Quá hạn"])
    plans = next(r for r in overdue if r["Mã chỉ tiêu"].value == "SEC-CONTINGENCY")
    assert plans["Quá hạn từ"].value == datetime(2026, 1, 1)
    assert plans["Quá hạn từ"].number_format == "dd/mm/yyyy"
    days = plans["Số ngày quá hạn (đến 01/07/2026)"]
    assert days.value == 182 and days.number_format == "0"
    never = next(r for r in overdue if r["Ghi chú"].value == "chưa diễn tập lần nào")
    assert never["Quá hạn từ"].value is None and never["Xã, phường"].value == "Xã Măng Đen"
    incidents = {r["Số sự cố"].value: r for r in rows(wb["An ninh - Sự cố"])}
    assert list(incidents) == [1, 3, 2, 4]
    outage = incidents[1]
    assert outage["Bắt đầu"].value == datetime(2026, 6, 10, 8, 0)
    assert outage["Bắt đầu"].number_format == "dd/mm/yyyy hh:mm"
    detect, restore = outage["Phát hiện sau (phút)"], outage["Khôi phục sau (phút)"]
    assert (detect.value, restore.value) == (3, 120) and detect.number_format == "0.0"
    assert outage["Báo cáo lúc"].value == datetime(2026, 6, 12, 9, 0)
    assert outage["Số văn bản báo cáo"].value == "15/BC-UBND"
    attack = incidents[2]
    assert attack["Khôi phục sau (phút)"].value is None
    assert attack["Hạn báo cáo"].value == datetime(2026, 6, 28)
    assert attack["Hạn báo cáo"].number_format == "dd/mm/yyyy"
    assert attack["Quá hạn báo cáo"].value == "có"
    assert attack["Tình trạng báo cáo"].value == "chưa báo cáo — quá hạn 28/06"
    assert incidents[3]["Xã, phường"].value == "Toàn tỉnh" and incidents[3]["Mã điểm"].value is None
    machines = rows(wb["An ninh - Máy không đạt"])
    assert [r["Xã, phường"].value for r in machines] == ["Xã Măng Đen", "Xã Sa Thầy"]
    certificates = rows(wb["An ninh - Chứng thư số"])
    left = [r["Số ngày còn lại (từ 01/07/2026)"] for r in certificates]
    assert [c.value for c in left] == [-11, 10, 30] and left[0].number_format == "0"
    assert certificates[1]["Hết hạn"].value == datetime(2026, 7, 11)
    assert certificates[0]["Đơn vị"].value == "Cơ quan cấp tỉnh"


def test_sheet_names_are_valid_and_unique() -> None:
    names = xlsx.SheetNames()
    assert names("Tổng hợp") == "Tổng hợp"
    assert names("tổng hợp") == "tổng hợp (2)"
    long = names("SEC-CONTINGENCY Phương án dự phòng rất dài: [a/b]*?")
    assert len(long) <= 31 and not FORBIDDEN.search(long)
    again = names("SEC-CONTINGENCY Phương án dự phòng rất dài: [a/b]*?")
    assert again != long and len(again) <= 31 and again.endswith("(2)")


def test_a_target_too_long_with_its_code_is_named_by_its_short_name() -> None:
    names = book().sheetnames
    assert "SEC-CONTINGENCY Phương án dự phòng" not in names  # 34 characters
    assert "Phương án dự phòng" in names
    assert "OPS-247 Truy cập Một cửa, DVCQG" in names  # 31: fits


def test_a_province_of_many_communes_streams() -> None:
    """600 communes (the full 3,321 is measured in docs/report.md): every row written."""
    wb = load_workbook(io.BytesIO(written(600)), read_only=True)
    assert sum(1 for _ in wb["Dữ liệu"].iter_rows(values_only=True)) == 1 + 600 * len(TARGETS)
    wb.close()


def test_the_simulated_province_report() -> None:
    """The report built from ``make run``'s simulated province: a sheet per target with every
    commune's value a number, one data row per finding."""
    from tests.support.report import simulated_report

    report = simulated_report()
    out = io.BytesIO()
    xlsx.write(report, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    for target in report.targets:
        ws = next(
            w for w in wb.worksheets if w.title in (f"{target.target} {target.name}", target.name)
        )
        found = rows(ws)
        assert len(found) == sum(1 for s in report.sites if target.target in s.cells)
        for r in found:
            value = r["Giá trị"].value
            assert value is None or isinstance(value, int | float)
    assert len(rows(wb["Dữ liệu"])) == sum(len(s.cells) for s in report.sites)
    assert len(rows(wb["Lõm sóng"])) == len(report.coverage_dead_zones)
