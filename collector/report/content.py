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
from datetime import date

from collector.evaluate.model import Cause, Finding, Status, Window
from collector.figures import finding_figures, reading, short_title
from collector.inventory.model import Inventory
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


# -- build ----------------------------------------------------------------------------------------

ISSUER_AGENCY = "so_khcn"  # the catalogue's agency that issues the report
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
) -> MonthReport:
    """What the report of ``current``'s month says, ``previous`` (the month before, None when
    none is kept) giving each target's change.  Pure: no I/O, no clock."""
    targets = _evaluated(catalogue, current)
    sites = _rows(current, inventory, targets)
    communes = {row.key: row.commune for row in sites}
    found = {(f.site, f.target): f for f in current.findings}
    kind, bare = province_words(inventory.province.name)
    coverage = _coverage(current, found, communes, survey)
    issuer = catalogue.agencies.get(ISSUER_AGENCY)
    return MonthReport(
        province_code=inventory.province.code,
        province_name=inventory.province.name,
        month=current.month,
        generated_at=generated_at,
        evaluated_at=current.evaluated_at,
        closed=current.closed,
        inventory_version=current.inventory_version,
        catalogue_version=current.catalogue_version,
        targets=[_summary(t, catalogue, current, previous) for t in targets],
        sites=sites,
        not_met=_not_met(targets, sites, found),
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
