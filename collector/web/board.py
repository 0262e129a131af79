"""The province board (bảng tổng hợp): every commune a row, every evaluated target a column.

Pure functions over an :class:`Evaluation` and the inventory: no I/O, so the board costs no
database query at all.  Rows are formatted once per evaluation and language
(:func:`board_rows` keeps the newest), then filtered and sorted per request
(``?target=INF-PWR&status=not_met&q=sa thay&sort=INF-PWR&order=desc``).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from collector.evaluate.model import (
    STATUSES,
    Evaluation,
    Finding,
    Status,
    TargetRollup,
)
from collector.inventory.model import Inventory, Site
from collector.survey import SurveyPoint
from collector.targets import Catalogue, Target
from collector.web import texts
from sansang import i18n
from sansang.i18n import Lang, pick

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
    title: str
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
    """The evaluated targets, in catalogue order."""
    return [t for t in catalogue.targets if t.status == "evaluated"]


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


def _row(site: Site, findings: Mapping[str, Finding], targets: Sequence[str], lang: Lang) -> Row:
    cells = []
    for target in targets:
        f = findings.get(target)
        if f is None:
            cells.append(Cell(target, "unknown", "—", None, ""))
        else:
            sentence = f.vi if lang == "vi" else f.en
            cells.append(
                Cell(target, f.status, texts.finding_figures(f, lang)[0], f.value, sentence)
            )
    commune = site.commune.name
    row = Row(
        key=site.key,
        name=site.name,
        commune=commune,
        code=site.commune_code,
        site_id=site.site_id,
        cells=tuple(cells),
        worst=worst([c.status for c in cells]),
        sort_name=plain(commune) + " " + site.site_id,
    )
    return replace(row, html=row_html(row, lang))


def row_html(row: Row, lang: Lang) -> str:
    """A board row: the commune (a link to its page), its code, then a cell per target: colour
    (the class), symbol and figure, and the status in words for screen readers and tooltips.

    Written here rather than in the template: 23,000 cells through the template engine cost
    most of a second, as a cached string almost nothing."""
    suffix = "?lang=en" if lang == "en" else ""
    words = {s: texts.status_word(s, lang) for s in STATUSES}
    extra = f' <span class="small">{escape(row.site_id)}</span>' if row.site_id != "main" else ""
    parts = [
        f'<tr><td><a href="/sites/{escape(row.key)}{suffix}" title="{escape(row.name)}">'
        f"{escape(row.commune)}</a>{extra}</td><td>{escape(row.code)}</td>"
    ]
    for c in row.cells:
        word = words[c.status]
        tip = f"{word}: {c.sentence}" if c.sentence else word
        parts.append(
            f'<td class="c {c.status}" title="{escape(tip)}">{escape(c.figure)}'
            f'<span class="sym" aria-hidden="true">{texts.STATUS_SYMBOLS[c.status]}</span>'
            f'<span class="sr"> {word}</span></td>'
        )
    parts.append("</tr>")
    return "".join(parts)


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
        by_site = index(evaluation)
        return [_row(s, by_site.get(s.key, {}), targets, lang) for s in inventory.sites]

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
        r = given.get(target.id)
        if r is not None:
            out.append(Rollup(target.id, title, r.met, r.not_met, r.unknown))
            continue
        counts = {s: 0 for s in STATUSES}
        for row in rows:
            counts[row.cells[i].status] += 1
        out.append(Rollup(target.id, title, counts["met"], counts["not_met"], counts["unknown"]))
    return out


def dead_zones(rows: Sequence[Row], targets: Sequence[str], target: str) -> list[tuple[Row, Cell]]:
    """The sites not meeting ``target`` (INF-PWR: power dead zones, INF-DZ: coverage)."""
    if target not in targets:
        return []
    i = targets.index(target)
    found = [(r, r.cells[i]) for r in rows if r.cells[i].status == "not_met"]
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
        down = texts.figure(p.download_bps * 8 / 1e6, "Mbit/s", lang)
    loss = texts.figure(p.loss_ratio, "ratio", lang)
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


def central_outages(evaluation: Evaluation | None, lang: Lang) -> list[str]:
    """The central outages the evaluation found (OPS-247), one sentence each, for the banner."""
    if evaluation is None:
        return []
    items = []
    for rollup in evaluation.rollups:
        for outage in rollup.central_outages:
            items.append(_central_sentence(outage, lang))
    return items


def _central_sentence(outage: Mapping[str, float | int | str], lang: Lang) -> str:
    system = outage.get("role") or outage.get("system") or outage.get("subject") or "?"
    start, end = outage.get("start"), outage.get("end")
    sites = outage.get("sites", "?")
    if outage.get("watchers"):
        sites = f"{sites}/{outage['watchers']}"
    if isinstance(end, int | float) and not isinstance(end, bool) and end > 0:
        until = texts.t("central_until", lang, end=texts.when(end))
    else:
        until = texts.t("central_ongoing", lang)
    return texts.t(
        "central_item",
        lang,
        system=pick(i18n.SERVICE_ROLES, str(system), lang),
        sites=sites,
        start=texts.when(start) if isinstance(start, int | float) else "?",
        end=until,
    )
