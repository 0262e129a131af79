"""What the police page (``/police``, "An ninh thông tin — Công an tỉnh") shows, as plain values
for the template: the provincial police's review of whether every commune is ready for an
incident.

- A row per site the reader may read, a column per target the catalogue gives Công an tỉnh
  (owner ``cong_an_tinh``: SEC-LEVEL, SEC-MEASURES, SEC-CONTINGENCY, SEC-DRILL, SEC-TEAM,
  SEC-EARLY).  An evaluated target's cell is the board's (:func:`board.cell`, one formatter per
  unit); a target the catalogue marks ``planned`` or ``tracked`` is "chưa đánh giá" with the
  catalogue's reason, never a made-up status.  Rows are formatted once per evaluation and
  language (as the board's), then filtered per reader.
- "Quá hạn": the not-met findings whose details say a date passed: plans missing after the
  deadline or approved late, fallbacks not seen working within their age (SEC-CONTINGENCY), no
  drill or the last one too old (SEC-DRILL), responders not confirmed in time (SEC-TEAM); the
  responders' names and phones only for ``read_personal``.
- "Máy không đạt kiểm tra an ninh": the SEC-MEASURES findings that are not met (the rule's
  sentence names each machine and what it failed).
- "Chứng chỉ sắp hết hạn": the signature certificates the inventory registers that expire
  within the alerts' warning days; the systems' TLS certificates as the agents measured them and
  Prometheus keeps them (the collector's live values, ``LiveSite.tls_expiry``); without live
  values the page says "chưa có dữ liệu" (no data), never "nothing expires".
- "Sự cố đang mở": the open incidents the store keeps (collector.incidents), of the readable
  sites.

Pure: the handler passes the inventory, catalogue, evaluation and thresholds in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from collector import figures as fmt
from collector.evaluate.model import STATUSES, Evaluation, Finding, LiveSite, Status
from collector.incidents import INCIDENT_KINDS, Incident
from collector.inventory.model import Inventory, Site
from collector.targets import Catalogue, Target, ThresholdValue
from collector.web import board, texts
from sansang import i18n
from sansang.i18n import Lang, pick

OWNER = "cong_an_tinh"  # the catalogue's agency of Công an tỉnh
CONTINGENCY, DRILL, TEAM, MEASURES = "SEC-CONTINGENCY", "SEC-DRILL", "SEC-TEAM", "SEC-MEASURES"
Thresholds = Mapping[str, Mapping[str, ThresholdValue]]
MAX_REFS = 10  # event refs a machine line shows


@dataclass(frozen=True)
class Column:
    target: str
    name: str  # the short name: "Diễn tập"
    title: str  # the catalogue's title
    evaluated: bool
    reason: str  # why it is not evaluated ("" when it is)


@dataclass(frozen=True)
class PoliceRow:
    key: str
    commune: str
    sort_name: str
    statuses: tuple[Status | None, ...]  # per column; None: the target is not evaluated
    html: str  # the row's <tr>, escaped


@dataclass(frozen=True)
class Tally:
    column: Column
    counts: Mapping[str, int]  # by status, over the rows shown

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class OverdueItem:
    key: str
    commune: str
    target: str
    name: str  # the target's short name
    status: Status
    what: str  # "lần diễn tập gần nhất cách 400 ngày (tối đa 365)"
    sentence: str  # the finding
    contacts: tuple[str, ...] = ()  # "Nguyễn Văn An, 0912 345 678 (xác nhận 01/10/2025)"


@dataclass(frozen=True)
class MachineItem:
    """A site whose SEC-MEASURES finding is not met: the rule's sentence names each machine
    that falls short and what it failed (``1/2 máy chưa đạt: Máy tính quầy 1: tường lửa tắt``)."""

    key: str
    commune: str
    figure: str  # "1/2 máy" as the board prints it
    text: str
    refs: tuple[str, ...]  # the machines' events


def _place(site: Site) -> str:
    """``Xã Sa Thầy``, and the point when the commune has several (as the board's map)."""
    return site.commune.name if site.site_id == "main" else f"{site.commune.name} ({site.site_id})"


def police_targets(catalogue: Catalogue) -> list[Target]:
    """The catalogue's targets of Công an tỉnh judged per site, in catalogue order."""
    return [t for t in catalogue.targets if t.owner == OWNER and t.scope == "site"]


def reason(target: Target, lang: Lang) -> str:
    """Why ``target`` is not evaluated: the catalogue's reason (Vietnamese from the vocabulary)."""
    if lang == "vi" and target.id in texts.NOT_EVALUATED:
        return texts.NOT_EVALUATED[target.id]
    return target.reason


def columns(catalogue: Catalogue, lang: Lang) -> list[Column]:
    return [
        Column(
            target=t.id,
            name=fmt.short_title(t, lang),
            title=t.title.vi if lang == "vi" else t.title.en,
            evaluated=t.status == "evaluated",
            reason="" if t.status == "evaluated" else reason(t, lang),
        )
        for t in police_targets(catalogue)
    ]


def _not_evaluated_html(c: Column, lang: Lang) -> str:
    word = texts.t("not_evaluated", lang)
    return f'<td class="c na" title="{escape(f"{c.name}: {word} — {c.reason}")}">{word}</td>'


def rows(
    inventory: Inventory, catalogue: Catalogue, evaluation: Evaluation | None, lang: Lang
) -> list[PoliceRow]:
    """Every site's row (cached per evaluation and language, as the board's), by commune."""

    def make() -> list[PoliceRow]:
        cols = columns(catalogue, lang)
        evaluated = [c.target for c in cols if c.evaluated]
        names = {c.target: c.name for c in cols}
        by_site = board.index(evaluation)
        made = []
        for site in inventory.sites:
            row = board.row(site, by_site.get(site.key, {}), evaluated, names, lang)
            cells = dict(zip(evaluated, row.cells, strict=True))
            parts = [f"<tr>{board.place_html(row, lang)}"]
            parts += [
                board.cell_html(cells[c.target], names, lang)
                if c.evaluated
                else _not_evaluated_html(c, lang)
                for c in cols
            ]
            statuses = tuple(cells[c.target].status if c.evaluated else None for c in cols)
            made.append(
                PoliceRow(row.key, row.commune, row.sort_name, statuses, "".join(parts) + "</tr>")
            )
        return sorted(made, key=lambda r: r.sort_name)

    return board.cached((inventory, catalogue, evaluation), "police-rows", lang, make)


def tallies(cols: Sequence[Column], shown: Sequence[PoliceRow]) -> list[Tally]:
    """Per evaluated column, the rows shown counted by status."""
    out = []
    for i, c in enumerate(cols):
        if not c.evaluated:
            continue
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for r in shown:
            status = r.statuses[i]
            if status is not None:
                counts[status] += 1
        out.append(Tally(c, counts))
    return out


# --- Quá hạn -------------------------------------------------------------------------------------


def _count(f: Finding, key: str) -> int:
    value = f.details.get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _number(thresholds: Thresholds, target: str, name: str) -> float | None:
    value = thresholds.get(target, {}).get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _day(value: object, lang: Lang) -> str:
    """A finding's ISO day (``2026-01-01``) as the reader writes it (``01/01/2026``)."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        return "?"
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


def _days(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def overdue_what(f: Finding, thresholds: Thresholds, lang: Lang) -> str:
    """What date passed for a not-met SEC finding, in words, from what its rule says in the
    details (``overdue``, ``days_overdue``, ...); "" when none did (the finding is not met for
    another reason: a failed drill, a fallback that failed, too few team members)."""
    if f.status != "not_met":
        return ""
    d = f.details
    parts: list[str] = []
    if f.target == CONTINGENCY:
        if d.get("overdue") == "yes":
            parts.append(
                texts.t(
                    "overdue_plan_missing",
                    lang,
                    n=_count(f, "not_approved"),
                    since=_day(d.get("overdue_since"), lang),
                    days=_count(f, "days_overdue"),
                    due=_day(d.get("deadline"), lang),
                )
            )
        if _count(f, "approved_late"):
            due = _day(d.get("deadline"), lang)
            parts.append(texts.t("overdue_plan_late", lang, n=_count(f, "approved_late"), due=due))
        if _count(f, "unproven"):
            days = _days(_number(thresholds, CONTINGENCY, "evidence_max_age_days"))
            parts.append(texts.t("overdue_unproven", lang, n=_count(f, "unproven"), days=days))
    elif f.target == DRILL and d.get("overdue") == "yes":
        if _count(f, "drills") == 0:
            parts.append(texts.t("overdue_no_drill", lang))
        else:
            days = _days(_number(thresholds, DRILL, "max_age_days"))
            age = _count(f, "age_days")
            parts.append(texts.t("overdue_drill_old", lang, age=age, days=days))
    elif f.target == TEAM:
        days = _days(_number(thresholds, TEAM, "contact_confirmed_max_age_days"))
        if d.get("focal_point") == "stale":
            day = _day(d.get("focal_point_confirmed_on"), lang)
            parts.append(texts.t("overdue_focal", lang, days=days, day=day))
        if _count(f, "stale"):
            parts.append(texts.t("overdue_confirm", lang, n=_count(f, "stale"), days=days))
    return "; ".join(parts)


def contacts(site: Site, lang: Lang) -> tuple[str, ...]:
    """Who to call at the site (personal data: for ``read_personal`` only): the commune's focal
    point, then the plans' responders, each once."""
    found: dict[tuple[str, str], date | None] = {}
    team = site.response_team
    if team is not None and team.focal_point is not None:
        focal = team.focal_point
        found[(f"{focal.name} ({focal.role})", focal.phone)] = focal.confirmed_on
    for plan in site.contingency.values():
        person = plan.responder
        if person is None:
            continue
        key = (person.name, person.phone)
        known = found.get(key)
        found[key] = person.confirmed_on if known is None else max(known, person.confirmed_on)
    out = []
    for (name, phone), day in found.items():
        confirmed = texts.t("confirmed_on", lang, day=day.strftime("%d/%m/%Y")) if day else ""
        out.append(f"{name}, {phone}" + (f" ({confirmed})" if confirmed else ""))
    return tuple(out)


def overdue(
    inventory: Inventory,
    catalogue: Catalogue,
    evaluation: Evaluation | None,
    thresholds: Thresholds,
    lang: Lang,
    readable: Callable[[str], bool],
    personal: bool,
) -> list[OverdueItem]:
    """The overdue SEC findings of the readable sites, by commune then target."""
    if evaluation is None:
        return []
    names = {t.id: fmt.short_title(t, lang) for t in police_targets(catalogue)}
    order = list(names)
    sites = {s.key: s for s in inventory.sites}
    found = []
    for f in evaluation.findings:
        site = sites.get(f.site)
        if f.target not in names or site is None or not readable(f.site):
            continue
        what = overdue_what(f, thresholds, lang)
        if not what:
            continue
        found.append(
            OverdueItem(
                key=f.site,
                commune=_place(site),
                target=f.target,
                name=names[f.target],
                status=f.status,
                what=what,
                sentence=f.vi if lang == "vi" else f.en,
                contacts=contacts(site, lang) if personal else (),
            )
        )
    return sorted(found, key=lambda o: (board.plain(o.commune), order.index(o.target)))


# --- Máy không đạt kiểm tra an ninh --------------------------------------------------------------


def machines(
    inventory: Inventory,
    evaluation: Evaluation | None,
    lang: Lang,
    readable: Callable[[str], bool],
) -> list[MachineItem]:
    """The readable sites whose SEC-MEASURES finding is not met, by commune: the finding's
    sentence (each machine that falls short and why) and its evidence's event refs."""
    if evaluation is None:
        return []
    sites = {s.key: s for s in inventory.sites}
    found = []
    for f in evaluation.findings:
        site = sites.get(f.site)
        if f.target != MEASURES or f.status != "not_met" or site is None or not readable(f.site):
            continue
        refs = tuple(r for e in f.evidence if e.kind == "events" for r in e.refs)
        figure = fmt.finding_figures(f, lang)[0]
        text = f.vi if lang == "vi" else f.en
        found.append(MachineItem(f.site, _place(site), figure, text, refs[:MAX_REFS]))
    return sorted(found, key=lambda m: board.plain(m.commune))


# --- Chứng chỉ sắp hết hạn -----------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateItem:
    """A registered signature certificate (chứng thư số) near or past its last valid day."""

    commune: str  # "" for a province body
    who: str  # the holder (personal: for read_personal) or the position
    not_after: str  # "31/12/2026"
    days_left: int  # negative once expired
    urgent: bool  # within the critical days, or expired


def certificates(
    inventory: Inventory,
    today: date,
    days: tuple[int, int],
    readable_commune: Callable[[str | None], bool],
    personal: bool,
) -> list[CertificateItem]:
    """The inventory's signature certificates whose last valid day is at most ``days[0]``
    (the alerts' warning days) away, soonest first; ``days[1]`` (critical) marks the urgent.
    ``readable_commune(None)``: may the reader see a province body's certificate."""
    warning, critical = days
    names = {s.commune_code: s.commune.name for s in inventory.sites}
    found = []
    for cert in inventory.signature_certificates:
        left = (cert.not_after - today).days
        if left > warning or not readable_commune(cert.commune_code):
            continue
        who = cert.holder if personal else (cert.position or cert.id)
        if personal and cert.position:
            who = f"{cert.holder} ({cert.position})"
        commune = names.get(cert.commune_code, cert.commune_code) if cert.commune_code else ""
        until = cert.not_after.strftime("%d/%m/%Y")
        found.append(CertificateItem(commune, who, until, left, left <= critical))
    return sorted(found, key=lambda c: (c.days_left, board.plain(c.commune)))


@dataclass(frozen=True)
class TlsItem:
    """A system's TLS certificate as the sites' checks saw it (Prometheus, through the collector's
    live values): the earliest expiry any readable site saw for that check."""

    check: str  # the check's id in the agents' config, e.g. "motcua"
    not_after: str  # "31/12/2026"
    days_left: int  # negative once expired
    urgent: bool
    sites: int  # how many sites saw it


def tls_certificates(
    live: Mapping[str, LiveSite],
    today: date,
    days: tuple[int, int],
    readable: Callable[[str], bool],
) -> list[TlsItem] | None:
    """The systems' certificates within ``days[0]`` of their end, soonest first; None when the
    collector has no TLS expiry at all from Prometheus (no live values, or no check over HTTPS):
    "no data", never "nothing expires"."""
    seen: dict[str, list[float]] = {}
    for key, site in live.items():
        if readable(key):
            for check, expiry in site.tls_expiry.items():
                seen.setdefault(check, []).append(expiry)
    if not seen:
        return None
    warning, critical = days
    found = []
    for check, expiries in seen.items():
        ends = i18n.local(min(expiries)).date()
        left = (ends - today).days
        if left <= warning:
            item = TlsItem(check, ends.strftime("%d/%m/%Y"), left, left <= critical, len(expiries))
            found.append(item)
    return sorted(found, key=lambda x: (x.days_left, x.check))


# --- Sự cố đang mở -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentItem:
    """An open incident (collector.incidents) as the page lists it."""

    key: str | None  # the site; None: province-wide (a central outage)
    place: str
    kind: str  # in words: "Mất điện"
    summary: str
    started_at: float
    acknowledged_by: str | None  # who took it on; None: nobody yet


def open_incidents(
    inventory: Inventory, found: Sequence[Incident], lang: Lang
) -> list[IncidentItem]:
    """The open incidents ``found`` (the store's, already limited to what the reader may read),
    oldest first: the longest open heads the list."""
    sites = {s.key: s for s in inventory.sites}
    out = []
    for i in found:
        if not i.open:
            continue
        site = sites.get(i.site) if i.site else None
        if site is not None:
            place = _place(site)
        elif i.site:
            place = i.site  # a site removed from the inventory since
        else:
            place = texts.t("province_wide", lang)
        kind = pick(INCIDENT_KINDS, i.kind, lang)
        out.append(IncidentItem(i.site, place, kind, i.summary, i.started_at, i.acknowledged_by))
    return sorted(out, key=lambda item: item.started_at)
