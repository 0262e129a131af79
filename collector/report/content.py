"""What a monthly report says (RPT-MONTHLY), as plain data: every writer (docx, pdf, xlsx) and
the central export print the same :class:`MonthReport`, built once by :func:`build` from one
month's stored findings (:class:`collector.periods.MonthFindings`), the previous month's, the
inventory and the catalogue.  No I/O here; figures are written with :mod:`collector.figures`
so a figure reads the same in the report as on the board.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from collector.evaluate.model import Cause, Finding, Status, Window
from collector.evaluate.rules.drill import RESULT_VI
from collector.figures import finding_figures, reading, short_title
from collector.incidents.model import INCIDENT_KINDS, Incident
from collector.inventory.model import RISK_NAMES, Inventory
from collector.periods import Month, MonthFindings
from collector.survey import SurveyPoint
from collector.targets import Catalogue, Target
from sansang import communes
from sansang.i18n import CAUSES, local, pick


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
class SecurityOverdue:
    """A periodic duty of incident readiness not done in time (the police's targets): a plan
    not approved by its deadline, a system's periodic check, a drill, a contact's confirmation."""

    target: str
    key: str
    commune: str
    what: str  # "phê duyệt phương án ứng phó: tấn công mạng, mất điện"
    since: date | None  # the day the rule says it fell overdue; None: it does not say
    days: int | None  # days overdue at the window's end; None: not known (never done)
    note: str = ""  # the facts behind it: "hạn 31/12/2025", "lần gần nhất 02/09/2025 (đạt)"


@dataclass(frozen=True)
class IncidentLine:
    """An incident (sự cố) touching the month, as the police read it."""

    id: int
    key: str  # the site, "" for a province-wide incident
    commune: str  # "" for a province-wide incident
    kind: str  # the code: "power_loss"
    kind_name: str  # "Mất điện lưới" (with the service or terminal: "... – dvc")
    summary: str
    started_at: float  # Unix seconds
    detect_minutes: float  # detected after
    restore_minutes: float | None  # restored after; None: not restored yet
    reported_at: float | None
    report_ref: str  # số công văn / biên bản, "" when not reported
    deadline: date  # the last day to report (the report is due by its end)
    late: bool  # not reported by the deadline, or reported after it (at the report's making)


@dataclass(frozen=True)
class CertificateLine:
    """An official's signature certificate expiring soon or expired.  The holder's name is
    personal data and not here: the report goes to every role that may download it."""

    commune: str  # "" for a province body
    position: str  # the holder's position (chức danh); the certificate's id when none is given
    serial: str
    issuer: str
    not_after: date  # the last valid day
    days_left: int  # from the window's end; negative: expired that many days before it
    agency: str  # who renews it: "Sở Khoa học và Công nghệ"


@dataclass(frozen=True)
class Security:
    """The part of the report Công an tỉnh follows (AN TOÀN THÔNG TIN VÀ SẴN SÀNG ỨNG PHÓ SỰ
    CỐ): its targets, what is overdue, the month's incidents, the machines failing the security
    checks and the signature certificates about to expire, in one place."""

    agency: str = "Công an tỉnh"
    targets: Sequence[TargetSummary] = ()  # the police's targets of ``MonthReport.targets``
    overdue: Sequence[SecurityOverdue] = ()  # by commune, then target
    incidents: Sequence[IncidentLine] = ()  # by start
    machines: Sequence[NotMet] = ()  # SEC-MEASURES not met (also in ``MonthReport.not_met``)
    certificates: Sequence[CertificateLine] = ()  # soonest first
    report_within_days: float = 5.0  # SEC-EARLY's threshold the deadlines are counted with
    certificate_days: int = 30  # certificates expiring within this many days are listed


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
    # nơi nhận, one recipient a line without the "- " and ";" the layout adds: the last "Lưu: VT"
    recipients: Sequence[str] = field(default_factory=tuple)
    signer_title: str = "GIÁM ĐỐC"  # the signature block's title
    managing_body: str = ""  # the body above the issuer (cơ quan chủ quản): "UBND tỉnh Quảng Ngãi"
    symbol: str = "BC-SKHCN"  # the number's symbol ("Số:      /BC-SKHCN", the number left blank)
    signer_authority: str = ""  # "KT. GIÁM ĐỐC" above the title when a deputy signs; "" none
    signer_name: str = ""  # the signer's full name, "" to be written in by hand
    window: Window | None = None  # the span the findings cover (the month, or so far)
    security: Security = field(default_factory=Security)  # the police's part


# -- build ----------------------------------------------------------------------------------------

ISSUER_AGENCY = "so_khcn"  # the catalogue's agency that issues the report
POLICE_AGENCY = "cong_an_tinh"  # the catalogue's agency of Công an tỉnh (the SEC-* targets)
# The collector's ``alertmanager.certificate_warning_days`` by default: a certificate expiring
# within this many days of the window's end is listed.
CERTIFICATE_DAYS = 30
_DZ = "INF-DZ"
_PWR = "INF-PWR"
_HNTH = "INF-HNTH"
_WHAT = {_DZ: "xoá điểm lõm sóng di động", _HNTH: "trang bị thiết bị hội nghị truyền hình"}
# The mobile operators a report on dead zones goes to; a surveyed brand names its company.
OPERATORS = ("Viettel", "VNPT", "MobiFone")
_BRANDS = {"vinaphone": "VNPT", "viettel": "Viettel", "mobifone": "MobiFone", "vnpt": "VNPT"}


def build(
    current: MonthFindings,
    previous: MonthFindings | None,
    inventory: Inventory,
    catalogue: Catalogue,
    survey: Sequence[SurveyPoint],
    generated_at: float,
    incidents: Sequence[Incident] = (),
    certificate_days: int = CERTIFICATE_DAYS,
) -> MonthReport:
    """What the report of ``current``'s month says, ``previous`` (the month before, None when
    none is kept) giving each target's change; ``incidents`` those touching the month (of the
    report's sites), whose reporting is judged at ``generated_at``; ``certificate_days`` the
    alerts' warning days for the signature certificates (those of ``inventory``).  Pure: no
    I/O, no clock."""
    targets = _evaluated(catalogue, current)
    sites = _rows(current, inventory, targets)
    communes = {row.key: row.commune for row in sites}
    found = {(f.site, f.target): f for f in current.findings}
    kind, bare = province_words(inventory.province.name)
    coverage = _coverage(current, found, communes, survey)
    issuer = catalogue.agencies.get(ISSUER_AGENCY)
    summaries = [_summary(t, catalogue, current, previous) for t in targets]
    not_met = _not_met(targets, sites, found)
    return MonthReport(
        province_code=inventory.province.code,
        province_name=inventory.province.name,
        month=current.month,
        generated_at=generated_at,
        evaluated_at=current.evaluated_at,
        closed=current.closed,
        inventory_version=current.inventory_version,
        catalogue_version=current.catalogue_version,
        targets=summaries,
        sites=sites,
        not_met=not_met,
        province=_province(catalogue, current),
        power_dead_zones=_power(sites, found),
        coverage_dead_zones=coverage,
        conference_missing=_conference_missing(sites, found),
        overdue=_overdue(sites, found, current.window),
        issuer=issuer.vi if issuer is not None else "Sở Khoa học và Công nghệ",
        place=bare,
        recipients=recipients(bare, kind, coverage),
        managing_body=f"UBND {kind} {bare}",
        window=current.window,
        security=_security(
            catalogue,
            current,
            summaries,
            not_met,
            found,
            sites,
            inventory,
            incidents,
            generated_at,
            certificate_days,
        ),
    )


def plain(text: str) -> str:
    """``Xã Đăk Plô`` -> ``xa dak plo``: the first key of the communes' order (then the name)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def province_words(name: str) -> tuple[str, str]:
    """``("tỉnh", "Quảng Ngãi")`` for ``Quảng Ngãi`` or ``Tỉnh Quảng Ngãi``; ``("thành phố",
    "Hà Nội")`` for ``Thành phố Hà Nội``."""
    for kind in ("Thành phố ", "Tỉnh "):
        if name.startswith(kind):
            return kind.strip().lower(), name[len(kind) :]
    return "tỉnh", name


def recipients(place: str, kind: str, coverage: Sequence[CoveragePoint]) -> tuple[str, ...]:
    """Nơi nhận: who reads the report and who is asked to act on a part of it."""
    operators = list(OPERATORS)
    for p in coverage:
        company = _BRANDS.get(p.operator.casefold(), p.operator)
        if company and company not in operators:
            operators.append(company)
    return (
        f"UBND {kind} (để báo cáo)",
        f"Ban Chỉ đạo {kind} về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi "
        "số (để báo cáo)",
        f"Công an {kind}",
        f"Sở Công Thương, Công ty Điện lực {place} (điểm lõm điện)",
        f"Các doanh nghiệp viễn thông {', '.join(operators)} (điểm lõm sóng)",
        "UBND các xã, phường",
        "Lưu: VT",
    )


def _evaluated(catalogue: Catalogue, current: MonthFindings) -> list[Target]:
    """The evaluated targets the month has findings for, in the catalogue's order."""
    present = {f.target for f in current.findings}
    return [t for t in catalogue.targets if t.status == "evaluated" and t.id in present]


def _tally(findings: Sequence[Finding], target: str) -> Tally | None:
    counts = Counter(f.status for f in findings if f.target == target)
    if not counts:
        return None
    return Tally(counts["met"], counts["not_met"], counts["unknown"])


def _summary(
    target: Target, catalogue: Catalogue, current: MonthFindings, previous: MonthFindings | None
) -> TargetSummary:
    tally = _tally(current.findings, target.id) or Tally()
    before = _tally(previous.findings, target.id) if previous is not None else None
    owner = catalogue.agencies.get(target.owner)
    return TargetSummary(
        target=target.id,
        name=short_title(target, "vi"),
        title=target.title.vi,
        owner=owner.vi if owner is not None else target.owner,
        tally=tally,
        previous=before,
        change=change(tally, before, current.month.previous()),
    )


def change(tally: Tally, before: Tally | None, month: Month) -> str:
    """``+2 xã đạt so với tháng 10/2026``, ``không đổi``, ``chưa có số liệu tháng trước``."""
    if before is None:
        return "chưa có số liệu tháng trước"
    diff = tally.met - before.met
    if diff == 0:
        return "không đổi"
    return f"{diff:+d} xã đạt so với tháng {month.label}"


def _rows(current: MonthFindings, inventory: Inventory, targets: Sequence[Target]) -> list[SiteRow]:
    """Every site of the inventory (and any other the month has findings for), by commune."""
    by_site: dict[str, dict[str, Finding]] = {}
    for f in current.findings:
        by_site.setdefault(f.site, {})[f.target] = f
    named = {s.key: (s.commune_code, s.commune.name, s.name) for s in inventory.sites}
    for key in by_site.keys() - named.keys():
        code = key.split("-", 1)[0]
        known = communes.lookup(code)
        named[key] = (code, known.name if known else code, key)
    rows = []
    wanted = [t.id for t in targets]
    for key, (code, commune, name) in named.items():
        findings = by_site.get(key, {})
        cells = {t: _cell(findings[t]) for t in wanted if t in findings}
        rows.append(SiteRow(key, code, commune, name, cells))
    rows.sort(key=lambda r: (plain(r.commune), r.commune, r.key))
    return rows


def _cell(f: Finding) -> Cell:
    figures = finding_figures(f, "vi")
    return Cell(
        status=f.status,
        value=f.value,
        unit=f.unit,
        threshold=f.threshold if not isinstance(f.threshold, list) else ", ".join(f.threshold),
        figure=figures[0],
        reading=reading(f, "vi", figures),
        sentence=f.vi,
    )


def _not_met(
    targets: Sequence[Target], sites: Sequence[SiteRow], found: Mapping[tuple[str, str], Finding]
) -> list[NotMet]:
    out = []
    for t in targets:
        name = short_title(t, "vi")
        for row in sites:
            f = found.get((row.key, t.id))
            if f is None or f.status != "not_met":
                continue
            out.append(
                NotMet(
                    target=t.id,
                    target_name=name,
                    key=row.key,
                    commune=row.commune,
                    cause=f.cause,
                    cause_text=pick(CAUSES, f.cause, "vi") if f.cause else "",
                    sentence=f.vi,
                    evidence=tuple(e.vi for e in f.evidence),
                    refs=tuple(r for e in f.evidence for r in e.refs),
                )
            )
    return out


def _province(catalogue: Catalogue, current: MonthFindings) -> list[ProvinceLine]:
    order = {t.id: i for i, t in enumerate(catalogue.targets)}
    titles = {t.id: short_title(t, "vi") for t in catalogue.targets}
    lines = []
    for f in sorted(current.province_findings, key=lambda f: order.get(f.target, len(order))):
        system = f.details.get("system")
        figures = finding_figures(f, "vi")
        lines.append(
            ProvinceLine(
                target=f.target,
                name=system if isinstance(system, str) else titles.get(f.target, f.target),
                status=f.status,
                figure=figures[0],
                reading=reading(f, "vi", figures),
                sentence=f.vi,
                evidence=tuple(e.vi for e in f.evidence),
            )
        )
    return lines


def _number(details: Mapping[str, object], key: str) -> float | None:
    value = details.get(key)
    return float(value) if isinstance(value, int | float) else None


def _power(
    sites: Sequence[SiteRow], found: Mapping[tuple[str, str], Finding]
) -> list[PowerDeadZone]:
    """INF-PWR's dead zones (điểm lõm điện): the grid failed the commune, for the power company."""
    out = []
    for row in sites:
        f = found.get((row.key, _PWR))
        if f is None or f.status != "not_met" or f.details.get("dead_zone") != 1:
            continue
        sustained = _number(f.details, "sustained")
        out.append(
            PowerDeadZone(
                key=row.key,
                commune=row.commune,
                sustained_outages=int(sustained) if sustained is not None else None,
                minutes_without_mains=_number(f.details, "outage_minutes"),
                ups_ran_flat=(_number(f.details, "ups_depleted") or 0) > 0,
                sentence=f.vi,
            )
        )
    return out


def _survey_ref(p: SurveyPoint) -> str:
    """The reference INF-DZ's evidence gives a survey point (``survey:<label>@<unix>``)."""
    return f"survey:{p.label}@{p.wall_time:.0f}"


def _coverage(
    current: MonthFindings,
    found: Mapping[tuple[str, str], Finding],
    communes_by_key: Mapping[str, str],
    survey: Sequence[SurveyPoint],
) -> list[CoveragePoint]:
    """The places below INF-DZ's threshold: those the rule gave as a commune's evidence (its
    dead points, when it found any) and those tied to no commune."""
    by_ref = {_survey_ref(p): p for p in survey}
    points: dict[str, CoveragePoint] = {}
    for (key, target), f in found.items():
        dead = _number(f.details, "survey_points_dead") or 0
        if target != _DZ or f.status != "not_met" or dead <= 0:
            continue
        for e in f.evidence:
            for ref in e.refs if e.kind == "survey" else ():
                p = by_ref.get(ref)
                if p is not None:
                    points[ref] = _coverage_point(p, communes_by_key.get(key, ""))
    for p in current.dead_zone_points:
        points.setdefault(_survey_ref(p), _coverage_point(p, ""))
    return sorted(
        points.values(), key=lambda c: (c.operator == "", plain(c.operator), plain(c.place))
    )


def _coverage_point(p: SurveyPoint, commune: str) -> CoveragePoint:
    return CoveragePoint(
        operator=p.operator or "",
        place=p.label,
        commune=commune,
        latitude=p.latitude,
        longitude=p.longitude,
        rsrp_dbm=p.rsrp_dbm,
        rsrq_db=p.rsrq_db,
        # the agent's unit is bytes per second (as INF-DZ reads it)
        download_mbps=p.download_bps * 8 / 1e6 if p.download_bps is not None else None,
        loss_ratio=p.loss_ratio,
        surveyed_on=local(p.wall_time).date(),
    )


def _deadline(f: Finding) -> date | None:
    value = f.details.get("deadline")
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _missing_endpoint(f: Finding) -> bool:
    """INF-HNTH: the commune is on the province's list and has no endpoint."""
    return (
        f.status == "not_met"
        and f.details.get("required") == "yes"
        and (f.details.get("endpoints") == 0)
    )


def _conference_missing(
    sites: Sequence[SiteRow], found: Mapping[tuple[str, str], Finding]
) -> list[Overdue]:
    out = []
    for row in sites:
        f = found.get((row.key, _HNTH))
        due = _deadline(f) if f is not None else None
        if f is not None and due is not None and _missing_endpoint(f):
            out.append(Overdue(_HNTH, row.key, row.commune, _WHAT[_HNTH], due))
    return out


def _overdue(
    sites: Sequence[SiteRow], found: Mapping[tuple[str, str], Finding], window: Window
) -> list[Overdue]:
    """Every deadline passed at the window's end with the task not done: dead zones not cleared
    (INF-DZ's ``overdue``), endpoints not installed (INF-HNTH past the list's deadline)."""
    today = local(window.end).date()  # as the rules count a plan's date
    out = []
    for target in (_DZ, _HNTH):
        for row in sites:
            f = found.get((row.key, target))
            due = _deadline(f) if f is not None else None
            if f is None or due is None or f.status != "not_met":
                continue
            late = f.details.get("overdue") == 1 if target == _DZ else _missing_endpoint(f)
            if late and today > due:
                out.append(Overdue(target, row.key, row.commune, _WHAT[target], due))
    return out


# -- the police's part: incident readiness (Công an tỉnh) ------------------------------------------

_LEVEL, _MEASURES, _CONTINGENCY = "SEC-LEVEL", "SEC-MEASURES", "SEC-CONTINGENCY"
_DRILL, _TEAM, _EARLY = "SEC-DRILL", "SEC-TEAM", "SEC-EARLY"
REPORT_DAYS = 5.0  # SEC-EARLY's report_within_days when neither the findings nor the catalogue say
# What one overdue duty is, before it is tied to its commune: (what, since, days, note).
Duty = tuple[str, date | None, int | None, str]


def _security(
    catalogue: Catalogue,
    current: MonthFindings,
    summaries: Sequence[TargetSummary],
    not_met: Sequence[NotMet],
    found: Mapping[tuple[str, str], Finding],
    sites: Sequence[SiteRow],
    inventory: Inventory,
    incidents: Sequence[Incident],
    generated_at: float,
    certificate_days: int,
) -> Security:
    """The police's part: their targets (owner ``cong_an_tinh``) and the lists behind them."""
    police = catalogue.agencies.get(POLICE_AGENCY)
    owned = {t.id for t in catalogue.targets if t.owner == POLICE_AGENCY}
    days = report_days(current, catalogue)
    today = local(current.window.end).date()  # as the rules count a plan's date
    return Security(
        agency=police.vi if police is not None else "Công an tỉnh",
        targets=[s for s in summaries if s.target in owned],
        overdue=_security_overdue(sites, found, catalogue, today),
        incidents=_incidents(
            incidents, {row.key: row.commune for row in sites}, days, generated_at
        ),
        machines=[n for n in not_met if n.target == _MEASURES],
        certificates=_certificates(inventory, catalogue, today, certificate_days),
        report_within_days=days,
        certificate_days=certificate_days,
    )


def report_days(current: MonthFindings, catalogue: Catalogue) -> float:
    """SEC-EARLY's ``report_within_days`` as the month was evaluated with (its findings carry
    it, the province's override included), else the catalogue's default."""
    for f in current.findings:
        value = f.details.get("report_within_days") if f.target == _EARLY else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    target = catalogue.get(_EARLY)
    threshold = target.thresholds.get("report_within_days") if target is not None else None
    default = threshold.default if threshold is not None else None
    if isinstance(default, int | float) and not isinstance(default, bool):
        return float(default)
    return REPORT_DAYS


def _day_of(value: object) -> date | None:
    """A rule's ``YYYY-MM-DD`` detail as a date (None when absent or not a date)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _whole(details: Mapping[str, object], key: str) -> int | None:
    value = _number(details, key)
    return int(value) if value is not None else None


def _risks(value: object) -> list[str]:
    """``cyberattack,power_loss`` (a rule's detail) as risk names."""
    return [r for r in value.split(",") if r] if isinstance(value, str) else []


def risk_words(risks: Sequence[str]) -> str:
    """``tấn công mạng, mất điện``: the inventory's names of the risks, inside a sentence."""
    return ", ".join(RISK_NAMES[r][0].lower() if r in RISK_NAMES else r for r in risks)


def _vi_day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _plans_overdue(f: Finding, today: date, drill: str) -> list[Duty]:
    """SEC-CONTINGENCY: risks without an approved plan past the deadline (``overdue``)."""
    d = f.details
    if d.get("overdue") != "yes":
        return []
    missing, drafts = _risks(d.get("missing_risks")), _risks(d.get("draft_risks"))
    groups = [f"{risk_words(missing)} (chưa có)"] if missing else []
    groups += [f"{risk_words(drafts)} (dự thảo)"] if drafts else []
    later = (_whole(d, "not_approved") or 0) - len(missing) - len(drafts)
    if later > 0:  # approved with a day after the window's end: not approved yet on it
        groups.append(f"{later} phương án ghi ngày phê duyệt sau kỳ báo cáo")
    due = _day_of(d.get("deadline"))
    what = "phê duyệt phương án ứng phó sự cố" + (f": {'; '.join(groups)}" if groups else "")
    since = _day_of(d.get("overdue_since"))
    return [(what, since, _whole(d, "days_overdue"), f"hạn {_vi_day(due)}" if due else "")]


def _level_overdue(f: Finding, today: date, drill: str) -> list[Duty]:
    """SEC-LEVEL: a system's periodic check overdue (``overdue_since``); the rule's sentence
    names each system and its dates."""
    since = _day_of(f.details.get("overdue_since"))
    if since is None:
        return []
    what = "kiểm tra, đánh giá định kỳ hệ thống thông tin theo cấp độ"
    return [(what, since, max(0, (today - since).days), f.vi)]


def _drill_overdue(f: Finding, today: date, drill: str) -> list[Duty]:
    """SEC-DRILL: no drill held, or the newest older than ``max_age_days``."""
    d = f.details
    if d.get("overdue") != "yes":
        return []
    held = _day_of(d.get("last_held_on"))
    if held is None:
        return [(drill, None, None, "chưa diễn tập lần nào")]
    max_age, age = _whole(d, "max_age_days"), _whole(d, "age_days")
    since = held + timedelta(days=max_age + 1) if max_age is not None else None
    result = str(d.get("last_result") or "")
    note = f"lần gần nhất {_vi_day(held)} ({RESULT_VI.get(result, result)})"
    if age is not None and max_age is not None:
        note += f", cách {age} ngày; tối đa {max_age} ngày"
    return [(drill, since, _whole(d, "days_overdue"), note)]


def _team_overdue(f: Finding, today: date, drill: str) -> list[Duty]:
    """SEC-TEAM: the focal point or plans' responders not confirmed again in time (the rule's
    sentence gives the days and the last confirmations; never a person's name)."""
    d = f.details
    parts = ["đầu mối phối hợp"] if d.get("focal_point") == "stale" else []
    stale = _whole(d, "stale") or 0
    if stale:
        parts.append(f"người phụ trách {stale} phương án ứng phó")
    if not parts:
        return []
    return [(f"xác nhận lại {' và '.join(parts)}", None, None, f.vi)]


_DUTIES = (
    (_LEVEL, _level_overdue),
    (_CONTINGENCY, _plans_overdue),
    (_DRILL, _drill_overdue),
    (_TEAM, _team_overdue),
)


def _security_overdue(
    sites: Sequence[SiteRow],
    found: Mapping[tuple[str, str], Finding],
    catalogue: Catalogue,
    today: date,
) -> list[SecurityOverdue]:
    """What the police's targets say is overdue, by commune then target, from what each rule
    gives in its details (the days counted to the window's end, as the rules count them)."""
    target = catalogue.get(_DRILL)
    risks = target.thresholds.get("risks") if target is not None else None
    listed = risks.default if risks is not None and isinstance(risks.default, list) else []
    drill = f"diễn tập phòng chống {risk_words(listed) or 'sự cố'}"
    out = []
    for row in sites:
        for target_id, duties in _DUTIES:
            f = found.get((row.key, target_id))
            if f is None or f.status != "not_met":
                continue
            for what, since, days, note in duties(f, today, drill):
                out.append(
                    SecurityOverdue(target_id, row.key, row.commune, what, since, days, note)
                )
    return out


def _place_name(key: str, communes_by_key: Mapping[str, str]) -> str:
    """The commune of a site key: the report's row, else the official list, else the key."""
    if key in communes_by_key:
        return communes_by_key[key]
    known = communes.lookup(key.split("-", 1)[0])
    return known.name if known is not None else key


def _incidents(
    incidents: Sequence[Incident],
    communes_by_key: Mapping[str, str],
    days: float,
    now: float,
) -> list[IncidentLine]:
    """The incidents by start; late: not reported by the deadline at ``now`` (the report's
    making), or reported after it."""
    out = []
    for i in sorted(incidents, key=lambda i: (i.started_at, i.id)):
        due = i.deadline(days)
        restore = i.time_to_restore
        reported_late = i.reported_at is not None and i.reported_at >= due
        out.append(
            IncidentLine(
                id=i.id,
                key=i.site or "",
                commune=_place_name(i.site, communes_by_key) if i.site else "",
                kind=i.kind,
                kind_name=pick(INCIDENT_KINDS, i.kind, "vi")
                + (f" – {i.subject}" if i.subject else ""),
                summary=i.summary,
                started_at=i.started_at,
                detect_minutes=i.time_to_detect / 60,
                restore_minutes=restore / 60 if restore is not None else None,
                reported_at=i.reported_at,
                report_ref=i.report_ref or "",
                deadline=local(due - 1).date(),  # the deadline is the midnight after that day
                late=i.overdue(days, now) or reported_late,
            )
        )
    return out


def _certificates(
    inventory: Inventory, catalogue: Catalogue, today: date, days: int
) -> list[CertificateLine]:
    """The signature certificates whose last valid day is at most ``days`` after ``today`` (or
    passed), soonest first: the holder's position and unit, never the name."""
    names = {s.commune_code: s.commune.name for s in inventory.sites}
    out = []
    for c in inventory.signature_certificates:
        left = (c.not_after - today).days
        if left > days:
            continue
        agency = catalogue.agencies.get(c.agency)
        code = c.commune_code
        out.append(
            CertificateLine(
                commune="" if code is None else names.get(code) or _place_name(code, {}),
                position=c.position or c.id,
                serial=c.serial,
                issuer=c.issuer,
                not_after=c.not_after,
                days_left=left,
                agency=agency.vi if agency is not None else c.agency,
            )
        )
    out.sort(key=lambda c: (c.days_left, plain(c.commune), c.position))
    return out


# -- words the writers share for the police's part -------------------------------------------------


def _short_day(d: date) -> str:
    return d.strftime("%d/%m")


def reported_words(i: IncidentLine) -> str:
    """``15/BC-UBND (12/06/2026)``; ``chưa báo cáo — quá hạn 28/06`` once the deadline passed
    at the report's making, else ``chưa báo cáo — hạn 02/07``; a late report says so."""
    if i.reported_at is not None:
        when = local(i.reported_at).strftime("%d/%m/%Y")
        late = ", quá hạn" if i.late else ""
        return f"{i.report_ref or 'đã báo cáo'} ({when}{late})"
    if i.late:
        return f"chưa báo cáo — quá hạn {_short_day(i.deadline)}"
    return f"chưa báo cáo — hạn {_short_day(i.deadline)}"


def certificate_left(days_left: int) -> str:
    """``còn 10 ngày``, ``hết hạn hôm nay``, ``đã hết hạn 11 ngày``."""
    if days_left > 0:
        return f"còn {days_left} ngày"
    if days_left == 0:
        return "hết hạn hôm nay"
    return f"đã hết hạn {-days_left} ngày"
