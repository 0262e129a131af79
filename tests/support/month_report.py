"""A :class:`MonthReport` built by hand, of any size, for the report writers' tests and for
measuring them at a province's scale (3,321 communes × 13 targets): real Vietnamese names with
their diacritics, every unit the rules give, every status, each list of the report filled.

    from tests.support.month_report import hand_report
    report = hand_report()  # six communes
    big = hand_report(communes=3321)
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from collector.evaluate.model import Cause, Status, Window
from collector.figures import figure, threshold
from collector.periods import Month
from collector.report.content import (
    Cell,
    CoveragePoint,
    MonthReport,
    NotMet,
    Overdue,
    PowerDeadZone,
    ProvinceLine,
    SiteRow,
    Tally,
    TargetSummary,
)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MONTH = Month(2026, 11)
GENERATED_AT = datetime(2026, 12, 2, 8, 30, tzinfo=ZONE).timestamp()

COMMUNES = (
    ("23527", "Xã Sa Thầy"),
    ("04369", "Phường Nghĩa Lộ"),
    ("21190", "Đặc khu Lý Sơn"),
    ("21553", "Xã Đăk Plô"),
    ("21349", "Xã Ba Tơ"),
    ("21010", "Phường Cẩm Thành"),
    ("21127", "Xã Tịnh Khê"),
    ("23560", "Xã Măng Đen"),
)

# (target, short name, unit, threshold, met value, not-met value, cause of a miss)
TARGETS: tuple[tuple[str, str, str, float, float, float, Cause], ...] = (
    ("INF-BW", "Băng thông", "Mbit/s", 100, 182.5, 48.3, "link"),
    ("INF-LINK", "Đường truyền", "ratio", 0.99, 0.9987, 0.9712, "link"),
    ("INF-DZ", "Sóng di động", "Mbit/s", 10, 24.0, 1.2, "device"),
    ("INF-PWR", "Nguồn điện", "outages", 4, 1, 7, "power"),
    ("INF-HNTH", "Hội nghị truyền hình", "terminals", 1, 1, 0, "device"),
    ("INF-EQUIP", "Thiết bị đầu cuối", "ratio", 0.95, 0.991, 0.874, "device"),
    ("OPS-247", "Truy cập Một cửa, DVCQG", "ratio", 0.995, 0.9991, 0.9803, "central"),
    ("OPS-CONT", "Phục vụ liên tục", "ratio", 0.98, 0.995, 0.951, "power"),
    ("SEC-LEVEL", "An toàn theo cấp độ", "count", 1, 1, 0, "unknown"),
    ("SEC-CONTINGENCY", "Phương án dự phòng", "risks", 5, 5, 3, "unknown"),
    ("SEC-DRILL", "Diễn tập", "days", 365, 120, 410, "unknown"),
    ("SEC-TEAM", "Đội ứng cứu", "risks", 5, 5, 4, "unknown"),
    ("SEC-EARLY", "Cảnh báo sớm", "minutes", 30, 12.5, 95.0, "agent"),
)
CAUSE_WORDS = {
    "power": "mất điện lưới",
    "link": "mất đường truyền",
    "device": "bản thân thiết bị hoặc dịch vụ",
    "central": "sự cố phía trung tâm, nhiều điểm cùng lúc",
    "agent": "tác tử giám sát ngừng hoặc khởi động lại",
    "unknown": "",
}


def _status(site: int, target: int) -> Status:
    """A fixed mix: most met, about one in six not met, one in eleven unknown."""
    k = (site * 7 + target * 3) % 66
    if k < 6:
        return "unknown"
    if k < 17:
        return "not_met"
    return "met"


def _cell(status: Status, spec: tuple[str, str, str, float, float, float, Cause]) -> Cell:
    _, _, unit, bound, good, bad, _ = spec
    value = None if status == "unknown" else good if status == "met" else bad
    written = figure(value, unit, "vi")
    limit = threshold(bound, unit, "vi")
    return Cell(
        status=status,
        value=value,
        unit=unit,
        threshold=bound,
        figure=written,
        reading=f"{written} (ngưỡng {limit})",
        sentence={
            "met": "Đạt chỉ tiêu trong tháng.",
            "not_met": f"Chưa đạt: {written}, ngưỡng {limit}.",
            "unknown": "Chưa đủ số liệu để kết luận (tác tử không gửi dữ liệu).",
        }[status],
    )


def _commune(i: int) -> tuple[str, str]:
    code, name = COMMUNES[i % len(COMMUNES)]
    if i < len(COMMUNES):
        return code, name
    return f"{int(code) + i:05d}", f"{name} {i // len(COMMUNES) + 1}"


def hand_report(communes: int = 6, *, closed: bool = True) -> MonthReport:
    """The report of 11/2026 for ``communes`` communes (one site each) and 13 targets."""
    sites: list[SiteRow] = []
    not_met: list[NotMet] = []
    tallies = {t[0]: [0, 0, 0] for t in TARGETS}
    for i in range(communes):
        code, name = _commune(i)
        key = f"{code}-main"
        cells = {}
        for j, spec in enumerate(TARGETS):
            status = _status(i, j)
            cells[spec[0]] = cell = _cell(status, spec)
            tallies[spec[0]][("met", "not_met", "unknown").index(status)] += 1
            if status == "not_met":
                not_met.append(
                    NotMet(
                        target=spec[0],
                        target_name=spec[1],
                        key=key,
                        commune=name,
                        cause=spec[6],
                        cause_text=CAUSE_WORDS[spec[6]],
                        sentence=cell.sentence,
                        evidence=(
                            f"Mất điện lưới lúc 14:05 ngày 12/11/2026 tại {name}, UPS cạn pin "
                            "sau 9 phút.",
                            "Đường truyền chính mất kết nối 2 giờ 5 phút; 4G dự phòng hoạt động.",
                        ),
                        refs=(f"{key}:j1:{100 + j}", f"{key}:j1:{200 + j}"),
                    )
                )
        sites.append(SiteRow(key, code, name, f"Bộ phận Một cửa {name}", cells))
    not_met.sort(key=lambda n: [t[0] for t in TARGETS].index(n.target))
    targets = [
        TargetSummary(
            target=t[0],
            name=t[1],
            title=f"Chỉ tiêu {t[1].lower()} của kế hoạch",
            owner="Sở Khoa học và Công nghệ",
            tally=Tally(*tallies[t[0]]),
            previous=Tally(max(0, tallies[t[0]][0] - 2), tallies[t[0]][1] + 2, tallies[t[0]][2])
            if n % 4
            else None,
            change="+2 xã đạt so với tháng 10/2026" if n % 4 else "chưa có số liệu tháng trước",
        )
        for n, t in enumerate(TARGETS)
    ]
    pick = [sites[min(i, len(sites) - 1)] for i in range(3)]  # at least one commune
    first = [s.commune for s in pick]
    return MonthReport(
        province_code="51",
        province_name="Quảng Ngãi",
        month=MONTH,
        generated_at=GENERATED_AT,
        evaluated_at=GENERATED_AT - 600,
        closed=closed,
        inventory_version="inv-1",
        catalogue_version="cat-1",
        targets=targets,
        sites=sites,
        not_met=not_met,
        province=(
            ProvinceLine(
                "OPS-247",
                "Hệ thống Một cửa điện tử của tỉnh",
                "not_met",
                "99,1 %",
                "99,1 % (cần ≥ 99,5 %)",
                "Gián đoạn 6 giờ 30 phút do sự cố phía trung tâm.",
            ),
            ProvinceLine(
                "OPS-247",
                "Cổng Dịch vụ công quốc gia",
                "met",
                "99,9 %",
                "99,9 % (cần ≥ 99,5 %)",
                "Hoạt động thông suốt.",
            ),
        ),
        power_dead_zones=(
            PowerDeadZone(f"{pick[0].key}", first[0], 7, 385.5, True, "Mất điện 7 lần."),
            PowerDeadZone(f"{pick[1].key}", first[1], 5, 250.0, False, "Mất điện 5 lần."),
        ),
        coverage_dead_zones=(
            CoveragePoint(
                "MobiFone",
                "Thôn Tà Pók",
                "",
                14.81,
                108.05,
                None,
                None,
                None,
                None,
                date(2026, 11, 2),
            ),
            CoveragePoint(
                "Viettel",
                "Thôn Đăk Ne",
                first[0],
                14.40123,
                107.79456,
                -118.0,
                -16.5,
                1.2,
                0.12,
                date(2026, 11, 1),
            ),
            CoveragePoint(
                "Viettel",
                "Bản Xốp Dụi",
                "",
                15.02,
                107.93,
                -121.0,
                -18.0,
                0.6,
                0.31,
                date(2026, 11, 2),
            ),
        ),
        conference_missing=(
            Overdue(
                "INF-HNTH",
                pick[2].key,
                first[2],
                "thiết bị hội nghị truyền hình",
                date(2025, 8, 31),
            ),
        ),
        overdue=(
            Overdue(
                "INF-DZ", pick[0].key, first[0], "xoá điểm lõm sóng di động", date(2025, 11, 30)
            ),
            Overdue(
                "INF-HNTH",
                pick[2].key,
                first[2],
                "thiết bị hội nghị truyền hình",
                date(2025, 8, 31),
            ),
        ),
        place="Quảng Ngãi",
        recipients=("UBND tỉnh (để báo cáo)", "Công an tỉnh", "UBND các xã, phường", "Lưu: VT"),
        managing_body="UBND tỉnh Quảng Ngãi",
        symbol="BC-SKHCN",
        window=Window(MONTH.start, MONTH.end),
    )
