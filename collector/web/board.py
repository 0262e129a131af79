"""The province board (bảng tổng hợp): every commune a row, every evaluated target a column.

Pure functions over an :class:`Evaluation` and the inventory: no I/O, so the board costs no
database query at all.  Rows are formatted once per evaluation and language
(:func:`board_rows` keeps the newest), then filtered and sorted per request
(``?target=INF-PWR&status=not_met&q=sa thay&sort=INF-PWR&order=desc``).  A figure is written
once, by ``fmt.figure`` for its unit, and the cell, its tooltip, the map's dot and the site
page all read that one text.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from collector import figures as fmt
from collector.evaluate.model import (
    STATUSES,
    Evaluation,
    Finding,
    Status,
    TargetRollup,
)
from collector.inventory.model import Inventory, Site
from collector.periods import Month
from collector.store import MonthEntry, Store
from collector.survey import SurveyPoint
from collector.targets import Catalogue, Target
from collector.web import texts
from sansang import i18n
from sansang.i18n import Lang

T = TypeVar("T")

# How bad a status is, for the worst status of a site and for sorting (worst first).
SEVERITY: dict[str, int] = {"not_met": 0, "unknown": 1, "met": 2}
POWER_TARGET = "INF-PWR"
COVERAGE_TARGET = "INF-DZ"


@dataclass(frozen=True, slots=True)
class Cell:
    target: str
    status: Status
    figure: str  # "99,2 %"; "—" when there is no value
    value: float | None
    sentence: str  # the finding in words (the cell's tooltip)
    reading: str = ""  # the figure beside its threshold: "99,1 % (cần ≥ 99 %)"
    # Not met in a way that makes a dead zone (the rule's ``dead_zone`` detail where it gives
    # one: INF-PWR failing on a UPS that ran flat is the commune's equipment, not the grid).
    dead_zone: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    name: str  # the site's name in the inventory
    commune: str  # the official commune name
    code: str
    site_id: str
    cells: tuple[Cell, ...]  # in column order
    worst: Status
    sort_name: str  # without diacritics, for sorting and searching
    html: str = ""  # the row's <tr>, escaped (rendered once per evaluation and language)


@dataclass(frozen=True)
class Rollup:
    target: str
    title: str  # the catalogue's title
    name: str  # the short name: "Nguồn điện"
    met: int
    not_met: int
    unknown: int

    @property
    def total(self) -> int:
        return self.met + self.not_met + self.unknown


@dataclass(frozen=True)
class Query:
    """What the board shows: a plain query string, so every view is a link."""

    target: str | None = None
    status: Status | None = None
    text: str = ""
    sort: str = "name"  # name | code | worst | a target id
    descending: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, str], columns: Sequence[str]) -> Query:
        """Unknown values are ignored (a stale bookmark still shows the board)."""
        target = params.get("target")
        status = params.get("status")
        sort = params.get("sort", "name")
        return cls(
            target=target if target in columns else None,
            status=next((s for s in STATUSES if s == status), None),
            text=params.get("q", "").strip()[:100],
            sort=sort if sort in ("name", "code", "worst", *columns) else "name",
            descending=params.get("order") == "desc",
        )

    def link(self, lang: Lang, **change: str | None) -> str:
        """This view's query string with some parameters changed (``None`` drops one)."""
        params: dict[str, str | None] = {
            "target": self.target,
            "status": self.status,
            "q": self.text or None,
            "sort": None if self.sort == "name" else self.sort,
            "order": "desc" if self.descending else None,
            "lang": "en" if lang == "en" else None,
        }
        params.update(change)
        kept = {k: v for k, v in params.items() if v}
        return "?" + urlencode(kept) if kept else "?"


def plain(text: str) -> str:
    """``Xã Sa Thầy`` -> ``xa sa thay``: for sorting and searching without diacritics."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def columns(catalogue: Catalogue) -> list[Target]:
    """The evaluated targets with a finding per site, in catalogue order."""
    return [t for t in catalogue.targets if t.status == "evaluated" and t.scope == "site"]


def worst(statuses: Sequence[Status]) -> Status:
    if not statuses:
        return "unknown"
    return min(statuses, key=SEVERITY.__getitem__)


def index(evaluation: Evaluation | None) -> dict[str, dict[str, Finding]]:
    """Findings by site key, then target id."""
    found: dict[str, dict[str, Finding]] = {}
    if evaluation is not None:
        for f in evaluation.findings:
            found.setdefault(f.site, {})[f.target] = f
    return found


def titles(catalogue: Catalogue, lang: Lang) -> dict[str, str]:
    """The evaluated targets' short names by id (``INF-PWR`` -> ``Nguồn điện``)."""
    return {t.id: fmt.short_title(t, lang) for t in columns(catalogue)}


def cell(target: str, f: Finding | None, lang: Lang) -> Cell:
    """A target's cell: its figure and the same figure beside its threshold (one formatter)."""
    if f is None:
        return Cell(target, "unknown", "—", None, "", texts.t("no_figure", lang))
    sentence = f.vi if lang == "vi" else f.en
    figures = fmt.finding_figures(f, lang)
    reading = fmt.reading(f, lang, figures)
    dead_zone = f.status == "not_met" and f.details.get("dead_zone", 1) == 1
    return Cell(target, f.status, figures[0], f.value, sentence, reading, dead_zone)


def row(
    site: Site,
    findings: Mapping[str, Finding],
    targets: Sequence[str],
    names: Mapping[str, str],
    lang: Lang,
) -> Row:
    """A site's row: a cell per target of ``targets``, formatted once (:func:`row_html`)."""
    cells = [cell(target, findings.get(target), lang) for target in targets]
    commune = site.commune.name
    made = Row(
        key=site.key,
        name=site.name,
        commune=commune,
        code=site.commune_code,
        site_id=site.site_id,
        cells=tuple(cells),
        worst=worst([c.status for c in cells]),
        sort_name=plain(commune) + " " + site.site_id,
    )
    return replace(made, html=row_html(made, names, lang))


def row_html(row: Row, names: Mapping[str, str], lang: Lang) -> str:
    """A board row: the commune (a link to its page), its code, then a cell per target: colour
    (the class), symbol and figure, and the status in words for screen readers; the tooltip
    names the target, the figure beside its threshold, the status and the finding.

    Written here rather than in the template: 23,000 cells through the template engine cost
    most of a second, as a cached string almost nothing."""
    parts = [f"<tr>{place_html(row, lang)}"]
    parts += [cell_html(c, names, lang) for c in row.cells]
    parts.append("</tr>")
    return "".join(parts)


def place_html(row: Row, lang: Lang) -> str:
    """A row's first two cells: the commune (a link to its page; the point when not ``main``)
    and its code."""
    suffix = "?lang=en" if lang == "en" else ""
    extra = f' <span class="small">{escape(row.site_id)}</span>' if row.site_id != "main" else ""
    return (
        f'<td><a href="/sites/{escape(row.key)}{suffix}" title="{escape(row.name)}">'
        f"{escape(row.commune)}</a>{extra}</td><td>{escape(row.code)}</td>"
    )


def cell_html(c: Cell, names: Mapping[str, str], lang: Lang) -> str:
    """A target's cell: colour (the class), figure, symbol and the status in words for screen
    readers; the tooltip names the target, the figure beside its threshold, the status and the
    finding."""
    word = texts.status_word(c.status, lang)
    tip = f"{names.get(c.target, c.target)}: {c.reading} · {word}"
    if c.sentence:
        tip += f"\n{c.sentence}"
    return (
        f'<td class="c {c.status}" title="{escape(tip)}">{escape(c.figure)}'
        f'<span class="sym" aria-hidden="true">{texts.STATUS_SYMBOLS[c.status]}</span>'
        f'<span class="sr"> {word}</span></td>'
    )


class _Cache:
    """What is made once per evaluation and language: the rows (formatting 23,000 cells costs
    more than filtering and sorting them) and the map.  Only the newest evaluation is kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int, int] | None = None
        self._keep: tuple[object, ...] = ()
        self._made: dict[tuple[str, str], Any] = {}

    def get(
        self,
        sources: tuple[Inventory, Catalogue, Evaluation | None],
        name: str,
        lang: Lang,
        make: Callable[[], T],
    ) -> T:
        key = (id(sources[0]), id(sources[1]), id(sources[2]))
        with self._lock:
            if key != self._key:
                self._key, self._keep, self._made = key, sources, {}
            if (name, lang) in self._made:
                return cast(T, self._made[name, lang])
        made = make()
        with self._lock:
            if self._key == key:
                self._made[name, lang] = made
        return made


_CACHE = _Cache()


def cached(
    sources: tuple[Inventory, Catalogue, Evaluation | None],
    name: str,
    lang: Lang,
    make: Callable[[], T],
) -> T:
    """``make()``, or what it made for the same inventory, catalogue, evaluation and language."""
    return _CACHE.get(sources, name, lang, make)


def board_rows(
    inventory: Inventory, catalogue: Catalogue, evaluation: Evaluation | None, lang: Lang
) -> list[Row]:
    def make() -> list[Row]:
        targets = [t.id for t in columns(catalogue)]
        names = titles(catalogue, lang)
        by_site = index(evaluation)
        return [row(s, by_site.get(s.key, {}), targets, names, lang) for s in inventory.sites]

    return cached((inventory, catalogue, evaluation), "rows", lang, make)


def select(rows: Sequence[Row], query: Query, targets: Sequence[str]) -> list[Row]:
    """Filter and sort as the query says."""
    kept = list(rows)
    if query.text:
        needle = plain(query.text)
        kept = [
            r for r in kept if needle in r.sort_name or needle in plain(r.name) or needle in r.code
        ]
    if query.status is not None:
        if query.target is not None:
            i = targets.index(query.target)
            kept = [r for r in kept if r.cells[i].status == query.status]
        else:
            kept = [r for r in kept if any(c.status == query.status for c in r.cells)]
    if query.sort == "code":
        kept.sort(key=lambda r: (r.code, r.site_id), reverse=query.descending)
    elif query.sort == "worst":
        kept.sort(key=lambda r: (SEVERITY[r.worst], _bad_count(r), r.sort_name))
        if query.descending:
            kept.reverse()
    elif query.sort in targets:
        i = targets.index(query.sort)
        kept.sort(key=lambda r: (*_by_cell(r.cells[i]), r.sort_name), reverse=query.descending)
    else:
        kept.sort(key=lambda r: r.sort_name, reverse=query.descending)
    return kept


def _bad_count(row: Row) -> int:
    return -sum(c.status == "not_met" for c in row.cells)


def _by_cell(cell: Cell) -> tuple[int, float]:
    return (SEVERITY[cell.status], cell.value if cell.value is not None else float("inf"))


def rollups(
    evaluation: Evaluation | None, rows: Sequence[Row], catalogue: Catalogue, lang: Lang
) -> list[Rollup]:
    """Per target: how many communes meet it; the evaluation's own rollup when it has one."""
    given: dict[str, TargetRollup] = {
        r.target: r for r in (evaluation.rollups if evaluation else ())
    }
    out = []
    for i, target in enumerate(columns(catalogue)):
        title = target.title.vi if lang == "vi" else target.title.en
        name = fmt.short_title(target, lang)
        r = given.get(target.id)
        if r is not None:
            out.append(Rollup(target.id, title, name, r.met, r.not_met, r.unknown))
            continue
        counts = {s: 0 for s in STATUSES}
        for row in rows:
            counts[row.cells[i].status] += 1
        met, not_met, unknown = counts["met"], counts["not_met"], counts["unknown"]
        out.append(Rollup(target.id, title, name, met, not_met, unknown))
    return out


MAX_LISTED = 3  # targets a worst-coloured dot's tooltip names


def place_name(row: Row) -> str:
    """The commune, and the point when the commune has several: ``Xã Sa Thầy``."""
    return row.commune if row.site_id == "main" else f"{row.commune} ({row.site_id})"


def map_title(row: Row, column: int | None, names: Sequence[str], lang: Lang) -> str:
    """A dot's tooltip: the commune, the target and the figure beside its threshold
    (``Xã Sa Thầy — Nguồn điện: 5 lần mất điện (tối đa 4) · chưa đạt``); without a chosen target,
    the targets behind the site's worst status."""
    if column is not None:
        c = row.cells[column]
        word = texts.status_word(c.status, lang)
        return f"{place_name(row)} — {names[column]}: {c.reading} · {word}"
    if row.worst == "met":
        return f"{place_name(row)} — {texts.t('all_met', lang)}"
    behind = [(names[i], c) for i, c in enumerate(row.cells) if c.status == row.worst]
    listed = [f"{name}: {c.reading}" for name, c in behind[:MAX_LISTED]]
    if len(behind) > MAX_LISTED:
        listed.append(texts.t("more", lang, n=len(behind) - MAX_LISTED))
    word = texts.status_word(row.worst, lang)
    return f"{place_name(row)} — {word}: " + "; ".join(listed)


def dead_zones(rows: Sequence[Row], targets: Sequence[str], target: str) -> list[tuple[Row, Cell]]:
    """The sites whose ``target`` finding makes a dead zone (INF-PWR: power dead zones, INF-DZ:
    coverage)."""
    if target not in targets:
        return []
    i = targets.index(target)
    found = [(r, r.cells[i]) for r in rows if r.cells[i].dead_zone]
    return sorted(found, key=lambda rc: rc[0].sort_name)


@dataclass(frozen=True, slots=True)
class DeadPoint:
    """A surveyed place below INF-DZ's threshold and tied to no site, as the board lists it."""

    label: str
    latitude: float
    longitude: float
    figure: str  # the download, "2,1 Mbit/s" or "không đo được"
    sentence: str  # download, loss, when, operator


def dead_zone_points(evaluation: Evaluation | None, lang: Lang) -> list[DeadPoint]:
    """The evaluation's coverage dead-zone points (điểm lõm sóng khảo sát), by label."""
    if evaluation is None:
        return []
    found = [_dead_point(p, lang) for p in evaluation.dead_zone_points]
    return sorted(found, key=lambda d: (plain(d.label), d.latitude, d.longitude))


def _dead_point(p: SurveyPoint, lang: Lang) -> DeadPoint:
    if p.download_bps is None:
        down = texts.t("survey_failed", lang)
    else:
        down = fmt.figure(p.download_bps * 8 / 1e6, "Mbit/s", lang)
    loss = fmt.figure(p.loss_ratio, "ratio", lang)
    operator = ", ".join(x for x in (p.operator, p.technology) if x)
    sentence = texts.t(
        "survey_sentence",
        lang,
        down=down,
        loss=loss,
        when=texts.when(p.wall_time),
        operator=f" ({operator})" if operator else "",
    )
    return DeadPoint(p.label, p.latitude, p.longitude, down, sentence)


@dataclass(frozen=True, slots=True)
class Outage:
    """A shared system's outage as the board words it (OPS-247's central outages)."""

    role: str
    system: str  # its name: "Hệ thống Một cửa điện tử của tỉnh"
    start: float | None
    end: float | None  # None while it lasts
    sites: int | None  # the sites that lost it at the worst moment

    @property
    def ongoing(self) -> bool:
        return self.end is None


def outages(evaluation: Evaluation | None, lang: Lang) -> list[Outage]:
    """Every central outage of the evaluation's rollups, oldest first."""
    if evaluation is None:
        return []
    found = [_outage(o, evaluation, lang) for r in evaluation.rollups for o in r.central_outages]
    return sorted(found, key=lambda o: (o.start or 0.0, o.system))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _outage(o: Mapping[str, float | int | str], evaluation: Evaluation, lang: Lang) -> Outage:
    role = str(o.get("role") or o.get("system") or o.get("subject") or "other")
    start, end = _number(o.get("start")), _number(o.get("end"))
    given = o.get("ongoing")
    if given is not None:
        ongoing = bool(given)
    else:  # an evaluation from before "ongoing": an end at the window's end is no end yet
        ongoing = end is None or end <= 0 or end >= evaluation.window.end - 1
    sites = _number(o.get("sites"))
    return Outage(
        role=role,
        system=texts.system_name(role, o.get("name"), lang),
        start=start,
        end=None if ongoing else end,
        sites=None if sites is None else int(sites),
    )


def central_outages(
    evaluation: Evaluation | None, lang: Lang, total: int, *, of_province: bool = False
) -> list[str]:
    """The central outages the evaluation found (OPS-247), one sentence each, for the banner:
    the system by its name, ``x/N`` against the board's ``total`` sites (``of_province``: the
    province's, for a board that shows only some of them), "đang diễn ra" while it lasts."""
    return [
        texts.t(
            "central_item_province" if of_province else "central_item",
            lang,
            system=o.system,
            sites="?" if o.sites is None else o.sites,
            total=total,
            start=texts.when(o.start) if o.start is not None else "?",
            end=_until(o, lang),
        )
        for o in outages(evaluation, lang)
    ]


def _until(o: Outage, lang: Lang) -> str:
    if o.end is None:
        return texts.t("central_ongoing", lang)
    return texts.t("central_until", lang, end=texts.when(o.end))


@dataclass(frozen=True)
class SystemLine:
    """One shared system of the province (Evaluation.province_findings): its status, its
    availability beside the threshold, and its outages in words."""

    name: str
    status: Status
    reading: str  # "98,6 % (cần ≥ 99,5 %)"
    summary: str  # "1 lần ngừng, tổng 10 giờ"
    outages: tuple[str, ...]
    sentence: str


def province_systems(evaluation: Evaluation | None, lang: Lang, total: int) -> list[SystemLine]:
    """The province's shared systems (OPS-247 at the province), from whatever the evaluation
    holds: one line per finding about the province as a whole."""
    if evaluation is None:
        return []
    every = outages(evaluation, lang)
    lines = []
    for f in evaluation.province_findings:
        role = str(f.details.get("role") or "other")
        name = texts.system_name(role, f.details.get("system"), lang)
        mine = [o for o in every if o.role == role]
        lines.append(
            SystemLine(
                name=name,
                status=f.status,
                reading=fmt.reading(f, lang),
                summary=_summary(f, mine, lang),
                outages=tuple(_outage_words(o, total, lang) for o in mine),
                sentence=f.vi if lang == "vi" else f.en,
            )
        )
    return lines


def _summary(f: Finding, mine: Sequence[Outage], lang: Lang) -> str:
    count = _number(f.details.get("outages"))
    n = len(mine) if count is None else int(count)
    if n == 0:
        return texts.t("system_no_outage", lang)
    down = _number(f.details.get("down_seconds"))
    if down is None:
        down = sum(
            (o.end if o.end is not None else f.window.end) - o.start
            for o in mine
            if o.start is not None
        )
    return texts.t("system_outages", lang, n=n, length=i18n.duration(down, lang))


def _outage_words(o: Outage, total: int, lang: Lang) -> str:
    return texts.t(
        "system_outage",
        lang,
        start=texts.when(o.start) if o.start is not None else "?",
        end=_until(o, lang),
        sites="?" if o.sites is None else o.sites,
        total=total,
    )


# --- the trend: each target month by month (findings kept per month) --------------------------

TREND_MONTHS = 6  # the last months kept that the board and the site page show


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One target in one kept month across the province: ``10/2026: 2.900/3.321 đạt``."""

    month: Month
    label: str  # "10/2026"
    met: int
    total: int
    closed: bool  # False: the month so far

    @property
    def text(self) -> str:
        return f"{self.label}: {self.met}/{self.total}" + ("" if self.closed else "*")


def trend(
    entries: Sequence[MonthEntry],
    tallies: Mapping[Month, Mapping[str, Mapping[str, int]]],
    catalogue: Catalogue,
) -> dict[str, list[TrendPoint]]:
    """Per evaluated target, its met count in each of the kept months ``entries`` (newest first,
    as the store lists them; the last :data:`TREND_MONTHS`), oldest first."""
    shown = list(reversed(entries[:TREND_MONTHS]))
    out: dict[str, list[TrendPoint]] = {}
    for target in columns(catalogue):
        points = []
        for e in shown:
            counts = tallies.get(e.month, {}).get(target.id)
            if not counts:
                continue
            total = sum(counts.values())
            points.append(TrendPoint(e.month, e.month.label, counts.get("met", 0), total, e.closed))
        out[target.id] = points
    return out


def read_trend(
    store: Store,
    sources: tuple[Inventory, Catalogue, Evaluation | None],
) -> dict[str, list[TrendPoint]]:
    """:func:`trend` from the store, read once per evaluation (two small queries; every request
    in between reads it from the cache, as the rows)."""

    def make() -> dict[str, list[TrendPoint]]:
        entries = store.month_entries()[:TREND_MONTHS]
        tallies = store.month_tallies([e.month for e in entries])
        return trend(entries, tallies, sources[1])

    return cached(sources, "trend", "vi", make)


def read_scoped_trend(
    store: Store,
    sources: tuple[Inventory, Catalogue, Evaluation | None],
    keys: Sequence[str],
) -> dict[str, list[TrendPoint]]:
    """:func:`trend` counted over ``keys`` only (the board of a token scoped to some sites: its
    communes' counts, not the province's), from each site's kept findings: one small query per
    site (a scope is a commune or a few), read once per evaluation and scope."""

    def make() -> dict[str, list[TrendPoint]]:
        entries = store.month_entries()[:TREND_MONTHS]
        months = [e.month for e in entries]
        tallies: dict[Month, dict[str, dict[str, int]]] = {}
        for key in keys:
            for month, found in store.site_months(key, months).items():
                for f in found:
                    counts = tallies.setdefault(month, {}).setdefault(f.target, {})
                    counts[f.status] = counts.get(f.status, 0) + 1
        return trend(entries, tallies, sources[1])

    scope = hashlib.sha256(",".join(sorted(keys)).encode()).hexdigest()[:16]
    return cached(sources, f"trend-{scope}", "vi", make)
