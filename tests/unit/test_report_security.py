"""The police's part of the monthly report (AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ CỐ), as
:func:`collector.report.content.build` makes it from findings the real SEC rules give on a small
inventory (tests/support/month_report.py ``security_month``: June 2026, the rules counting to
01/07/2026), the month's incidents and the registered signature certificates."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from collector.report.content import (
    IncidentLine,
    Security,
    build,
    certificate_left,
    report_days,
    reported_words,
)
from sansang.i18n import ZONE
from tests.support.month_report import HOLDER, LY_SON, MANG_DEN, SA_THAY, security_month


def test_the_six_police_targets_with_their_tally() -> None:
    report = security_month().report()
    s = report.security
    assert s.agency == "Công an tỉnh"
    assert [t.target for t in s.targets] == [
        "SEC-LEVEL", "SEC-MEASURES", "SEC-CONTINGENCY", "SEC-DRILL", "SEC-TEAM", "SEC-EARLY"
    ]  # fmt: skip
    assert all(t in report.targets for t in s.targets)  # the same summaries, repeated
    drill = next(t for t in s.targets if t.target == "SEC-DRILL")
    assert (drill.tally.met, drill.tally.not_met, drill.tally.unknown) == (1, 2, 0)


def test_overdue_duties_name_the_commune_what_and_since_when() -> None:
    s = security_month().report().security
    by = {(o.key, o.target): o for o in s.overdue}
    assert list(by) == [  # by commune (Măng Đen before Sa Thầy), then the catalogue's order
        (MANG_DEN, "SEC-DRILL"),
        (SA_THAY, "SEC-LEVEL"),
        (SA_THAY, "SEC-CONTINGENCY"),
        (SA_THAY, "SEC-DRILL"),
        (SA_THAY, "SEC-TEAM"),
    ]
    plans = by[(SA_THAY, "SEC-CONTINGENCY")]
    assert plans.commune == "Xã Sa Thầy"
    assert plans.what == (
        "phê duyệt phương án ứng phó sự cố: tấn công mạng, mất điện (chưa có); "
        "lỗi phần mềm (dự thảo)"
    )
    assert (plans.since, plans.days, plans.note) == (date(2026, 1, 1), 182, "hạn 31/12/2025")
    level = by[(SA_THAY, "SEC-LEVEL")]
    assert level.what == "kiểm tra, đánh giá định kỳ hệ thống thông tin theo cấp độ"
    # checked 15/01/2025, level 3: yearly, so due on 15/01/2026; 167 days late on 01/07/2026
    assert (level.since, level.days) == (date(2026, 1, 15), 167)
    assert "Hệ thống một cửa điện tử" in level.note
    drill = by[(SA_THAY, "SEC-DRILL")]
    assert drill.what == "diễn tập phòng chống tấn công mạng"
    # held 10/03/2025, at most 365 days: overdue from 11/03/2026, 113 days on 01/07/2026
    assert (drill.since, drill.days) == (date(2026, 3, 11), 113)
    assert drill.note == "lần gần nhất 10/03/2025 (đạt), cách 478 ngày; tối đa 365 ngày"
    never = by[(MANG_DEN, "SEC-DRILL")]
    assert (never.since, never.days, never.note) == (None, None, "chưa diễn tập lần nào")
    team = by[(SA_THAY, "SEC-TEAM")]
    assert team.what == "xác nhận lại đầu mối phối hợp và người phụ trách 2 phương án ứng phó"
    assert "xác nhận 01/11/2025" in team.note  # the focal point's last confirmation
    # Lý Sơn is ready; Măng Đen has no team at all, which is not met but not overdue.
    assert not [o for o in s.overdue if o.key == LY_SON]
    assert (MANG_DEN, "SEC-TEAM") not in by


def test_the_months_incidents_with_their_times_and_reporting() -> None:
    s = security_month().report().security
    assert s.report_within_days == 3  # the province's value, as SEC-EARLY's findings carry it
    assert [i.id for i in s.incidents] == [1, 3, 2, 4]  # by start
    outage, central, attack, link = s.incidents
    assert (outage.commune, outage.kind_name) == ("Đặc khu Lý Sơn", "Mất điện lưới")
    assert (outage.detect_minutes, outage.restore_minutes) == (3.0, 120.0)
    assert reported_words(outage) == "15/BC-UBND (12/06/2026)" and not outage.late
    assert (central.key, central.commune, central.restore_minutes) == ("", "", 360.0)
    assert (attack.commune, attack.kind_name, attack.restore_minutes) == (
        "Xã Sa Thầy",
        "Tấn công mạng",
        None,
    )
    assert attack.detect_minutes == 45.0
    assert attack.deadline == date(2026, 6, 28) and attack.late
    assert reported_words(attack) == "chưa báo cáo — quá hạn 28/06"
    # Begun at 22:00 on 29/06: due by the end of 02/07, and the report is made that morning.
    assert link.deadline == date(2026, 7, 2) and not link.late
    assert reported_words(link) == "chưa báo cáo — hạn 02/07"
    after = datetime(2026, 7, 3, 0, 0, tzinfo=ZONE).timestamp()
    later = security_month().report(generated_at=after).security.incidents
    assert [i.late for i in later] == [False, True, True, True]


def test_a_report_after_the_deadline_reads_late() -> None:
    line = security_month().report().security.incidents[0]
    late = dataclasses.replace(line, late=True)
    assert reported_words(late) == "15/BC-UBND (12/06/2026, quá hạn)"


def test_the_days_to_report_come_from_the_findings_else_the_catalogue() -> None:
    month = security_month()
    assert report_days(month.current, month.catalogue) == 3.0
    without = dataclasses.replace(
        month.current, findings=[f for f in month.current.findings if f.target != "SEC-EARLY"]
    )
    assert report_days(without, month.catalogue) == 5.0  # QĐ 05/2017: the catalogue's default
    report = month.report(current=without)
    assert report.security.report_within_days == 5.0
    assert report.security.incidents[2].deadline == date(2026, 6, 30)


def test_machines_failing_the_security_checks() -> None:
    report = security_month().report()
    machines = report.security.machines
    assert [(n.commune, n.sentence) for n in machines] == [
        ("Xã Măng Đen", "1/2 máy đạt: Quầy 1: tường lửa tắt"),
        ("Xã Sa Thầy", "1/2 máy đạt: Quầy 1: tường lửa tắt"),
    ]
    assert all(n in report.not_met for n in machines)


def test_certificates_expiring_within_the_warning_days_never_with_the_holders_name() -> None:
    report = security_month().report()
    found = {(c.commune, c.position): c for c in report.security.certificates}
    # 10 days after the window's end: listed; 90 days: not; expired: listed; a province body's
    # too (this is the province's report); no position: the certificate's id stands for it.
    assert list(found) == [
        ("", "Giám đốc Sở"),
        ("Xã Sa Thầy", "Chủ tịch UBND xã"),
        ("Xã Măng Đen", "mang-den-van-thu"),
    ]
    assert [c.days_left for c in found.values()] == [-11, 10, 30]
    assert found[("Xã Sa Thầy", "Chủ tịch UBND xã")].not_after == date(2026, 7, 11)
    assert "Chủ tịch UBND đặc khu" not in repr(report)  # 90 days ahead
    assert HOLDER not in repr(report)  # personal data: not in a report every role downloads
    assert [certificate_left(d) for d in (10, 0, -11)] == [
        "còn 10 ngày",
        "hết hạn hôm nay",
        "đã hết hạn 11 ngày",
    ]
    shorter = security_month().report(certificate_days=9).security.certificates
    assert [c.position for c in shorter] == ["Giám đốc Sở"]


def test_the_part_is_built_purely_and_says_nothing_without_inputs() -> None:
    month = security_month()
    assert month.report() == month.report()
    bare = build(month.current, None, month.inventory, month.catalogue, [], month.generated_at)
    assert bare.security.incidents == []  # incidents are an input; none given, none listed
    assert bare.security.overdue == month.report().security.overdue
    assert Security().incidents == () and Security().report_within_days == 5.0
    assert isinstance(month.report().security.incidents[0], IncidentLine)
