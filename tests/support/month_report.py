"""A :class:`MonthReport` built by hand, of any size, for the report writers' tests and for
measuring them at a province's scale (3,321 communes × 13 targets): real Vietnamese names with
their diacritics, every unit the rules give, every status, each list of the report filled (the
police's part too: :func:`hand_security`).

    from tests.support.month_report import hand_report
    report = hand_report()  # six communes
    big = hand_report(communes=3321)

And for what :func:`collector.report.content.build` makes of the police's targets, a month of
findings the real SEC rules give on a small inventory, with its incidents and certificates:

    month = security_month()
    report = month.report()  # build(...) with the month's incidents
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from collector.evaluate.model import Cause, Finding, SiteInputs, Status, Window
from collector.evaluate.rules.contingency import contingency
from collector.evaluate.rules.drill import drill
from collector.evaluate.rules.responder import responder
from collector.evaluate.rules.security_level import security_level
from collector.figures import figure, threshold
from collector.incidents import Incident
from collector.inventory.certificates import SignatureCertificate
from collector.inventory.model import RISKS, Inventory, ProvinceRef
from collector.inventory.readiness import (
    ContingencyPlan,
    Fallback,
    FocalPoint,
    ProvinceDrill,
    Responder,
    ResponseTeam,
    TeamMember,
)
from collector.inventory.systems import Dossier, System
from collector.periods import Month, MonthFindings
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
    Security,
    SecurityOverdue,
    SiteRow,
    Tally,
    TargetSummary,
    build,
)
from collector.targets import Catalogue, effective_thresholds, load_catalogue
from tests.support import webdata

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
        security=hand_security(sites, targets),
    )


# -- the police's part (Công an tỉnh) -------------------------------------------------------------

SA_THAY, LY_SON, MANG_DEN = "23527-main", "21548-main", "23473-main"
HOLDER = "Nguyễn Văn Bình"  # a certificate's holder: personal data, never in the report


def _at(month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE).timestamp()


def incident(
    id_: int,
    site: str | None,
    kind: str,
    started: float,
    *,
    detect: float = 120.0,
    restore: float | None = None,
    reported: float | None = None,
    ref: str | None = None,
    subject: str = "",
) -> Incident:
    """An incident as the store gives it: ``detect`` and ``restore`` in seconds after its
    start."""
    return Incident(
        id=id_,
        key=f"{kind}|{site or ''}|{subject}",
        site=site,
        kind=kind,
        subject=subject,
        alertname="",
        fingerprint="",
        severity="critical",
        summary=f"{kind} tại {site or 'tỉnh'}",
        started_at=started,
        detected_at=started + detect,
        restored_at=None if restore is None else started + restore,
        reported_at=reported,
        report_ref=ref,
    )


def hand_security(sites: Sequence[SiteRow], targets: Sequence[TargetSummary]) -> Security:
    """The police's part of :func:`hand_report`, every list filled."""
    a, b = sites[0], sites[min(1, len(sites) - 1)]
    return Security(
        agency="Công an tỉnh",
        targets=[t for t in targets if t.target.startswith("SEC-")],
        overdue=(
            SecurityOverdue(
                "SEC-CONTINGENCY",
                a.key,
                a.commune,
                "phê duyệt phương án ứng phó sự cố: tấn công mạng, mất điện (chưa có)",
                date(2026, 1, 1),
                335,
                "hạn 31/12/2025",
            ),
            SecurityOverdue(
                "SEC-DRILL",
                b.key,
                b.commune,
                "diễn tập phòng chống tấn công mạng",
                None,
                None,
                "chưa diễn tập lần nào",
            ),
        ),
        incidents=(
            IncidentLine(
                7,
                a.key,
                a.commune,
                "power_loss",
                "Mất điện lưới",
                "Mất điện lưới tại xã",
                _at(11, 10, 8),
                3.0,
                125.0,
                _at(11, 12, 9),
                "15/BC-UBND",
                date(2026, 11, 15),
                False,
            ),
            IncidentLine(
                9,
                "",
                "",
                "central_outage",
                "Sự cố phía trung tâm",
                "Một cửa điện tử không truy cập được",
                _at(11, 20, 9, 15),
                12.5,
                None,
                None,
                "",
                date(2026, 11, 25),
                True,
            ),
        ),
        machines=(
            NotMet(
                "SEC-MEASURES",
                "Biện pháp an ninh",
                a.key,
                a.commune,
                "device",
                CAUSE_WORDS["device"],
                "1/2 máy đạt: Quầy 1: tường lửa tắt",
                (),
            ),
        ),
        certificates=(
            CertificateLine(
                "",
                "Giám đốc Sở",
                "4A:01",
                "Ban Cơ yếu Chính phủ",
                date(2026, 11, 20),
                -11,
                "Sở Khoa học và Công nghệ",
            ),
            CertificateLine(
                a.commune,
                "Chủ tịch UBND xã",
                "5B:02",
                "Ban Cơ yếu Chính phủ",
                date(2026, 12, 11),
                10,
                "Sở Khoa học và Công nghệ",
            ),
        ),
        report_within_days=5,
        certificate_days=30,
    )


@dataclass(frozen=True)
class SecurityMonth:
    """June 2026 of three communes, their SEC findings made by the real rules from an
    inventory (plans, drills, teams, systems, certificates) and the month's incidents."""

    current: MonthFindings
    inventory: Inventory
    catalogue: Catalogue
    incidents: tuple[Incident, ...]
    generated_at: float

    def report(self, **changes: Any) -> MonthReport:
        args: dict[str, Any] = {"incidents": self.incidents, **changes}
        return build(
            args.pop("current", self.current), None, args.pop("inventory", self.inventory),
            self.catalogue, [], args.pop("generated_at", self.generated_at), **args,
        )  # fmt: skip


JUNE = Month(2026, 6)
JUNE_END = date(2026, 7, 1)  # the day the rules count to: the window's end, Vietnam's time


def _plan(status: str = "approved", confirmed: date = date(2026, 5, 1)) -> ContingencyPlan:
    if status == "draft":
        return ContingencyPlan(status="draft")
    return ContingencyPlan(
        approved_on=date(2025, 8, 15),
        decision="125/QĐ-UBND",
        fallback=Fallback(kind="spare_device", text="Máy dự phòng"),
        responder=Responder(name="Trần Thị Lan", phone="0912 345 678", confirmed_on=confirmed),
    )


def _team(code: str, focal_on: date) -> ResponseTeam:
    return ResponseTeam(
        commune_code=code,
        focal_point=FocalPoint(
            name="Đỗ Văn Hùng",
            phone="0905 222 333",
            role="Phó Chủ tịch UBND xã",
            confirmed_on=focal_on,
        ),
        members=[TeamMember(name=f"Thành viên {i}", phone=f"0913 000 00{i}") for i in range(3)],
    )


def _certificate(
    id_: str, code: str | None, position: str, not_after: date
) -> SignatureCertificate:
    return SignatureCertificate(
        id=id_, holder=HOLDER, position=position, commune_code=code, serial="4A:0F",
        not_after=not_after,
    )  # fmt: skip


def security_inventory() -> Inventory:
    """Sa Thầy: two plans missing and one draft past the deadline, its last drill 478 days
    old, its focal point and two responders not confirmed again, its system's check overdue.
    Lý Sơn: ready.  Măng Đen: every plan approved, never drilled, no team."""
    stale = date(2025, 10, 1)
    ready = {r: _plan() for r in RISKS}
    sa_thay = {
        "hardware": _plan(confirmed=stale),
        "link_loss": _plan(confirmed=stale),
        "software": _plan("draft"),
    }
    sites = [
        webdata.site("23527", 0, 14.4, 107.8).model_copy(update={"contingency": sa_thay}),
        webdata.site("21548", 1, 15.38, 109.12).model_copy(update={"contingency": ready}),
        webdata.site("23473", 2, 14.6, 108.2).model_copy(update={"contingency": ready}),
    ]
    return Inventory(
        province=ProvinceRef(code="51", name="Quảng Ngãi"),
        sites=sites,
        response_teams=[_team("23527", date(2025, 11, 1)), _team("21548", date(2026, 5, 1))],
        drills=[
            ProvinceDrill(held_on=date(2025, 3, 10), result="passed", communes=["23527"]),
            ProvinceDrill(held_on=date(2026, 4, 20), result="passed", communes=["21548"]),
        ],
        systems=[
            System(
                id="mot-cua",
                name="Hệ thống một cửa điện tử",
                security_level=3,
                dossier=Dossier(decision="88/QĐ-UBND", approved_on=date(2024, 3, 1)),
                protection_plan_deployed=True,
                last_checked_on=date(2025, 1, 15),
                communes=["23527"],
            ),
            System(
                id="mot-cua-2",
                name="Hệ thống một cửa điện tử",
                security_level=3,
                dossier=Dossier(decision="89/QĐ-UBND", approved_on=date(2024, 3, 1)),
                protection_plan_deployed=True,
                last_checked_on=date(2026, 3, 1),
                communes=["21548"],
            ),
        ],
        signature_certificates=[
            _certificate("sa-thay-chu-tich", "23527", "Chủ tịch UBND xã", JUNE_END + timedelta(10)),
            _certificate("ly-son-chu-tich", "21548", "Chủ tịch UBND đặc khu", date(2026, 9, 29)),
            _certificate("mang-den-van-thu", "23473", "", JUNE_END + timedelta(30)),
            _certificate("so-khcn", None, "Giám đốc Sở", date(2026, 6, 20)),
        ],
    )


def _hand_finding(key: str, target: str, status: Status, vi: str, **details: Any) -> Finding:
    window = Window(JUNE.start, JUNE.end)
    return Finding(
        target=target, site=key, status=status, value=None, threshold=None, unit="hosts",
        window=window, vi=vi, en=vi, evidence=(), details=details,
    )  # fmt: skip


def security_month() -> SecurityMonth:
    """June 2026's findings of the police's targets: SEC-LEVEL, SEC-CONTINGENCY, SEC-DRILL and
    SEC-TEAM by their rules; SEC-MEASURES and SEC-EARLY (journal and incident rules) by hand,
    SEC-EARLY giving a province's 3 days to report."""
    catalogue = load_catalogue()
    thresholds = effective_thresholds(catalogue)
    inventory = security_inventory()
    window = Window(JUNE.start, JUNE.end)
    rules = (
        ("SEC-LEVEL", security_level),
        ("SEC-CONTINGENCY", contingency),
        ("SEC-DRILL", drill),
        ("SEC-TEAM", responder),
    )
    findings = [
        rule(SiteInputs(s, (), systems=inventory.systems_of(s)), thresholds[target], window)
        for s in inventory.sites
        for target, rule in rules
    ]
    measures = {SA_THAY: "not_met", LY_SON: "met", MANG_DEN: "not_met"}
    for key, status in measures.items():
        said = "1/2 máy đạt: Quầy 1: tường lửa tắt" if status == "not_met" else "2/2 máy đạt"
        findings.append(_hand_finding(key, "SEC-MEASURES", status, said))  # type: ignore[arg-type]
        findings.append(
            _hand_finding(key, "SEC-EARLY", "met", "Không có sự cố", report_within_days=3.0)
        )
    current = MonthFindings(
        month=JUNE, evaluated_at=_at(7, 1, 0, 10), window=window, findings=tuple(findings),
        closed=True,
    )  # fmt: skip
    incidents = (
        # Lý Sơn's outage: detected in 3 minutes, restored in 2 hours, reported in time.
        incident(1, LY_SON, "power_loss", _at(6, 10, 8), detect=180, restore=7200,
                 reported=_at(6, 12, 9), ref="15/BC-UBND"),
        # A cyberattack at Sa Thầy, still open, not reported past its 3 days (28/06).
        incident(2, SA_THAY, "cyberattack", _at(6, 25, 9), detect=2700),
        # The one-stop system down province-wide, restored, never reported.
        incident(3, None, "central_outage", _at(6, 15, 7), detect=60, restore=6 * 3600),
        # Sa Thầy's link lost late on the 29th: due by the end of 02/07, not yet late.
        incident(4, SA_THAY, "link_loss", _at(6, 29, 22), detect=120, restore=1800),
    )  # fmt: skip
    return SecurityMonth(current, inventory, catalogue, incidents, _at(7, 2, 8, 30))
