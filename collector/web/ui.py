"""The collector's web UI (giao diện web): the province board, the map and the site pages.

Vietnamese first, English with ``?lang=en``.  Server-rendered HTML (Jinja2, autoescaped), no
script, nothing loaded from outside the collector: it works on any office PC over a weak link.

- ``/``: the province board: the shared systems of the province (OPS-247's central outages
  in a banner, each system's own finding in a section), every commune a row, every evaluated
  target a column named by its short name (colour, symbol and figure; the tooltip gives the
  figure beside its threshold), the rollup per target, the map, the power and coverage dead
  zones (with the surveyed dead-zone places tied to no site: a list, and triangles on the map);
  filters and sorting are a plain query string (``?target=INF-PWR&status=not_met&sort=worst``)
  and the map follows them: only the sites shown, coloured by the chosen target (the worst
  without one).  Under the table on a narrow screen, beside it on a wide one; printed on A4
  landscape with every column (``@media print``).
- ``/map``: the map alone, larger, with the same filter.
- ``/sites/{key}``: a site's inventory, live values, findings with their evidence, each target
  month by month, timeline, handover records (linked to their pages,
  :mod:`collector.web.handovers`) and notes; ``POST /sites/{key}/notes`` adds a note
  (technicians for their sites, admins).
- ``/police``: "An ninh thông tin — Công an tỉnh", the provincial police's review
  (:mod:`collector.web.police`): every commune's SEC targets, what is overdue, machines failing
  security checks, certificates about to expire, open incidents.  Every role reads it (the
  findings are every role's); the responders' names and phones only ``read_personal``; linked
  at the top for the security reviewer and admins.

A token scoped to some sites (``auth.may_read_site``: a commune's police) sees only its rows,
dots, dead zones and counts on ``/``, ``/map`` and ``/police``, with a line saying so; another
site's page is a Vietnamese 403 page naming none of that site.

The board reads the newest evaluation in memory, and the trend of the last months kept (each
target's met count per month) from the store once per evaluation (cached, as the rows); a site
page queries its events, its notes and its findings in the last months kept (the table of each
target month by month).  Who may see and write what is ``collector.web.auth``'s call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from aiohttp import web

from collector import figures as fmt
from collector.context import Collector
from collector.evaluate.model import STATUSES, Evaluation, Finding, LiveSite
from collector.events import StoredEvent
from collector.incidents import Incident
from collector.inventory.model import RISKS, Inventory, Site
from collector.inventory.readiness import PLAN_STATUS_NAMES, RISK_LEVEL_NAMES
from collector.periods import Month
from collector.store import HandoverEntry, Note
from collector.targets import Catalogue
from collector.web import auth, board, mapsvg, police, readiness, sitepage, texts, timeline
from collector.web.api import MAX_NOTE_CHARS
from collector.web.auth import Principal
from sansang import i18n
from sansang.events import KINDS
from sansang.i18n import Lang, pick

TEMPLATES = Path(__file__).with_name("templates")
POLICE_NAV_ROLES = frozenset({"security_reviewer", "admin"})  # the link at the top of each page
TIMELINE_DAYS = 30
TIMELINE_LIMIT = 500
HANDOVERS_SHOWN = 20  # the newest handover records on a site page (the API lists more)
NOTE_MAX_CHARS = MAX_NOTE_CHARS  # as the API's


@dataclass(frozen=True)
class Colour:
    cell: str  # a board cell's background (light, for dark text on it)
    strong: str  # dots, bars, symbols


# Colour is never alone: every status also has a symbol and a word (texts.STATUS_SYMBOLS).
COLOURS: dict[str, Colour] = {
    "met": Colour(cell="#cfead6", strong="#1a7f37"),
    "not_met": Colour(cell="#f9d0d0", strong="#c62828"),
    "unknown": Colour(cell="#e2e2e8", strong="#80808a"),
}

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _lang(request: web.Request) -> Lang:
    return i18n.choose(request.query.get("lang"))


def _common(lang: Lang, principal: Principal | None, other_lang_link: str) -> dict[str, Any]:
    """What every page's template uses."""
    return {
        "lang": lang,
        "t": lambda key, **values: texts.t(key, lang, **values),
        "when": texts.when,
        "iso": texts.iso,
        "colours": COLOURS,
        "statuses": STATUSES,
        "symbols": texts.STATUS_SYMBOLS,
        "words": {s: texts.status_word(s, lang) for s in STATUSES},
        "status_word": lambda s: texts.status_word(s, lang),
        "principal": principal,
        "role_name": auth.role_name(principal.role, lang) if principal else "",
        "police_link": principal is not None and principal.role in POLICE_NAV_ROLES,
        "other_lang": i18n.other(lang),
        "other_lang_link": other_lang_link,
        "link_suffix": "?lang=en" if lang == "en" else "",
    }


Sources = tuple[Inventory, Catalogue, Evaluation | None]
MAX_SCOPE_NAMED = 5  # places a scope line names before "và N điểm khác"


def _readable(rows: list[board.Row], principal: Principal | None) -> list[board.Row]:
    """The rows ``principal`` may read (every row for a token of the whole province)."""
    if principal is None or not principal.scoped:
        return rows
    return [r for r in rows if auth.may_read_site(principal, r.key)]


def _scope_note(inventory: Inventory, principal: Principal | None, lang: Lang) -> str:
    """ "Mã truy cập này chỉ được xem 1 điểm: Xã Sa Thầy. ..." for a scoped token, else ""."""
    if principal is None or not principal.scoped:
        return ""
    return texts.t("scope_note", lang, **_scope_places(inventory, principal, lang))


def _scope_places(inventory: Inventory, principal: Principal, lang: Lang) -> dict[str, Any]:
    """The sites ``principal`` may read, named as the board names them (its own only)."""
    mine = [s for s in inventory.sites if auth.may_read_site(principal, s.key)]
    named = [
        s.commune.name if s.site_id == "main" else f"{s.commune.name} ({s.site_id})"
        for s in sorted(mine, key=lambda s: board.plain(s.commune.name))
    ]
    places = ", ".join(named[:MAX_SCOPE_NAMED])
    if len(named) > MAX_SCOPE_NAMED:
        places += " " + texts.t("more_places", lang, n=len(named) - MAX_SCOPE_NAMED)
    return {"n": len(mine), "places": places or "—"}


def _places(
    rows: list[board.Row], inventory: Inventory, lang: Lang, names: list[str] | None = None
) -> list[mapsvg.Place]:
    """Every site as the map places it, titled and coloured by its worst status."""
    by_key = {s.key: s for s in inventory.sites}
    if names is None:
        names = [pick(fmt.SHORT_TITLES, c.target, lang) for c in rows[0].cells] if rows else []
    return [
        mapsvg.Place(
            key=r.key,
            title=board.map_title(r, None, names, lang),
            latitude=by_key[r.key].latitude,
            longitude=by_key[r.key].longitude,
            status=r.worst,
        )
        for r in rows
    ]


def _marks(points: list[board.DeadPoint], lang: Lang) -> list[mapsvg.Mark]:
    name = texts.t("dead_zone_point", lang)
    return [
        mapsvg.Mark(f"{name}: {p.label} – {p.sentence}", p.latitude, p.longitude) for p in points
    ]


@dataclass(frozen=True)
class MapSize:
    width: float
    max_height: float


BOARD_MAP = MapSize(440, 520)
BIG_MAP = MapSize(900, 820)


def _frame(sources: Sources, lang: Lang, size: MapSize) -> mapsvg.SiteMap:
    """Every site placed once (and the surveyed dead-zone places): the frame every view of the
    map shares, so a filtered map does not move."""
    inventory, catalogue, evaluation = sources

    def make() -> mapsvg.SiteMap:
        rows = board.board_rows(inventory, catalogue, evaluation, lang)
        names = list(board.titles(catalogue, lang).values())
        marks = _marks(board.dead_zone_points(evaluation, lang), lang)
        places = _places(rows, inventory, lang, names)
        return mapsvg.draw(places, size.width, size.max_height, marks)

    return board.cached(sources, f"frame-{size.width}", lang, make)


def _dots(
    sources: Sources, lang: Lang, size: MapSize, target: str | None
) -> dict[str, tuple[int, str]]:
    """Each site's dot coloured by ``target``'s status (its worst without one): the drawing
    order and the SVG by site key, made once per evaluation, language and target."""
    inventory, catalogue, evaluation = sources

    def make() -> dict[str, tuple[int, str]]:
        frame = _frame(sources, lang, size)
        at = {d.key: d for d in frame.dots}
        names = board.titles(catalogue, lang)
        ids = list(names)
        column = ids.index(target) if target in names else None
        suffix = "?lang=en" if lang == "en" else ""
        made = {}
        for r in board.board_rows(inventory, catalogue, evaluation, lang):
            status = r.cells[column].status if column is not None else r.worst
            title = board.map_title(r, column, list(names.values()), lang)
            dot = mapsvg.Dot(at[r.key].x, at[r.key].y, r.key, title, status)
            href = f"/sites/{r.key}{suffix}"
            made[r.key] = (
                mapsvg.DRAW_ORDER[status],
                mapsvg.circle(dot, frame.radius, COLOURS[status].strong, href),
            )
        return made

    return board.cached(sources, f"dots-{size.width}-{target}", lang, make)


def _map_svg(
    sources: Sources,
    lang: Lang,
    size: MapSize,
    query: board.Query,
    rows: list[board.Row],
    *,
    marks: bool = True,
) -> markupsafe.Markup:
    """The map of the sites the view shows, coloured by the view's target (3,321 dots: each
    dot's SVG is made once per evaluation, language and target; a view only picks them);
    ``marks``: the surveyed dead-zone places tied to no site too (when the view's target is
    coverage or none)."""
    frame = _frame(sources, lang, size)
    dots = _dots(sources, lang, size, query.target)
    shown = sorted((dots[r.key] for r in rows if r.key in dots), key=lambda d: d[0])
    svg = _ENV.get_template("_map.html").render(
        _common(lang, None, ""),
        sitemap=frame,
        # Escaped by mapsvg.circle when the dots were made.
        dots_html=markupsafe.Markup("".join(svg for _order, svg in shown)),  # noqa: S704
        show_marks=marks and query.target in (None, board.COVERAGE_TARGET),
    )
    return markupsafe.Markup(svg)  # noqa: S704 (an autoescaping template made it)


def _map_words(
    catalogue: Catalogue, query: board.Query, shown: int, total: int, lang: Lang
) -> dict[str, str]:
    """The legend's words: what the colour is of, and how many sites the map shows."""
    if query.target is not None:
        name = board.titles(catalogue, lang)[query.target]
        coloured_by = texts.t("map_by_target", lang, target=name) + f" ({query.target})"
    else:
        coloured_by = texts.t("map_by_worst", lang)
    return {
        "map_coloured_by": coloured_by,
        "map_shown": texts.t("map_shown", lang, shown=shown, total=total),
    }


def render_board(
    inventory: Inventory,
    catalogue: Catalogue,
    evaluation: Evaluation | None,
    lang: Lang,
    params: Mapping[str, str],
    principal: Principal | None = None,
    trend: Mapping[str, list[board.TrendPoint]] | None = None,
) -> str:
    """The province board (``/``); ``trend``: each target's met count in the last months kept
    (:func:`board.read_trend`)."""
    targets = board.columns(catalogue)
    ids = [t.id for t in targets]
    query = board.Query.parse(params, ids)
    every = _readable(board.board_rows(inventory, catalogue, evaluation, lang), principal)
    rows = board.select(every, query, ids)
    scoped = principal is not None and principal.scoped
    # A surveyed place tied to no site is in no commune a scoped token covers.
    dead_points = [] if scoped else board.dead_zone_points(evaluation, lang)
    province_total = len(inventory.sites)

    def sort_link(column: str) -> str:
        descending = query.sort == column and not query.descending
        return query.link(lang, sort=column, order="desc" if descending else None)

    def arrow(column: str) -> str:
        return (" ▼" if query.descending else " ▲") if query.sort == column else ""

    context = _common(lang, principal, query.link(i18n.other(lang)))
    context.update(
        province=inventory.province.name,
        evaluation=evaluation,
        window=texts.window(evaluation.window, lang) if evaluation else "",
        scope_note=_scope_note(inventory, principal, lang),
        # The shared systems' outages are counted against the province's sites, named so on
        # a board showing only some of them.
        central=board.central_outages(
            evaluation, lang, province_total if scoped else len(every), of_province=scoped
        ),
        central_ongoing=any(o.ongoing for o in board.outages(evaluation, lang)),
        systems=board.province_systems(evaluation, lang, province_total),
        # A scoped board counts its own rows (the evaluation's rollups are the province's).
        rollups=board.rollups(None if scoped else evaluation, every, catalogue, lang),
        trend=trend or {},
        columns=targets,
        titles={t.id: t.title.vi if lang == "vi" else t.title.en for t in targets},
        names=board.titles(catalogue, lang),
        query=query,
        rows=rows,
        # Escaped by board.row_html when the rows were made (cached: the board's cost is here).
        rows_html=markupsafe.Markup("\n".join(r.html for r in rows)),  # noqa: S704
        total=len(every),
        sort_link=sort_link,
        arrow=arrow,
        map_svg=_map_svg(
            (inventory, catalogue, evaluation), lang, BOARD_MAP, query, rows, marks=not scoped
        ),
        map_link="/map" + query.link(lang, sort=None, order=None).rstrip("?"),
        dead_points=dead_points,
        zones=[
            (
                texts.t("power_dead_zones", lang),
                board.dead_zones(every, ids, board.POWER_TARGET),
                [],
            ),
            (
                texts.t("coverage_dead_zones", lang),
                board.dead_zones(every, ids, board.COVERAGE_TARGET),
                dead_points,
            ),
        ],
        **_map_words(catalogue, query, len(rows), len(every), lang),
    )
    return _ENV.get_template("board.html").render(context)


def render_map(
    inventory: Inventory,
    catalogue: Catalogue,
    evaluation: Evaluation | None,
    lang: Lang,
    principal: Principal | None = None,
    params: Mapping[str, str] | None = None,
) -> str:
    """The map alone (``/map``), larger; the board's filter (target, status, search) applies."""
    ids = [t.id for t in board.columns(catalogue)]
    query = board.Query.parse(params or {}, ids)
    every = _readable(board.board_rows(inventory, catalogue, evaluation, lang), principal)
    rows = board.select(every, query, ids)
    scoped = principal is not None and principal.scoped
    context = _common(lang, principal, query.link(i18n.other(lang)))
    context.update(
        province=inventory.province.name,
        scope_note=_scope_note(inventory, principal, lang),
        map_svg=_map_svg(
            (inventory, catalogue, evaluation), lang, BIG_MAP, query, rows, marks=not scoped
        ),
        dead_points=[] if scoped else board.dead_zone_points(evaluation, lang),
        back_link="/" + query.link(lang).rstrip("?"),
        **_map_words(catalogue, query, len(rows), len(every), lang),
    )
    return _ENV.get_template("map.html").render(context)


@dataclass(frozen=True)
class SiteData:
    """What the site page reads from the store (fetched by the handler, given to the render)."""

    events: list[StoredEvent]  # newest first
    notes: list[Note]
    limited: bool = False  # the timeline was cut at TIMELINE_LIMIT
    every_kind: bool = False  # link-quality rounds included
    # The newest throughput tests and quality rounds: they tie the agent's link ids to their
    # kinds, so the timeline says "Đường truyền Internet", not the id.
    link_events: list[StoredEvent] = field(default_factory=list)
    # The last months kept (oldest first) and the site's findings in each: the trend.
    months: list[Month] = field(default_factory=list)
    month_findings: dict[Month, list[Finding]] = field(default_factory=dict)
    open_months: frozenset[Month] = frozenset()  # the months so far (not closed)
    handovers: list[HandoverEntry] = field(default_factory=list)  # newest first


def render_site(
    site: Site,
    catalogue: Catalogue,
    evaluation: Evaluation | None,
    live: Mapping[str, LiveSite],
    data: SiteData,
    lang: Lang,
    principal: Principal | None = None,
) -> str:
    """A site's page (``/sites/{key}``)."""
    views = sitepage.findings(site, catalogue, evaluation, lang)
    show_personal = principal is not None and auth.allowed(principal, "read_personal")
    can_write = principal is not None and auth.allowed(principal, "write_notes", site.key)
    context = _common(lang, principal, "?lang=en" if lang == "vi" else "?")
    context.update(
        site=site,
        commune=site.commune,
        worst=board.worst([v.status for v in views]),
        live=sitepage.live_values(live.get(site.key), lang),
        has_hnth=any(term.kind == "video_conference" for term in site.terminals),
        terminal_kind=lambda kind: pick(i18n.TERMINAL_KINDS, kind, lang),
        minutes=lambda m: fmt.figure(m, "minutes", lang),
        evaluation=evaluation,
        findings=views,
        trend_months=data.months,
        open_months=data.open_months,
        trend=sitepage.trend(site, catalogue, data.months, data.month_findings, lang),
        timeline=sitepage.events(
            data.events, lang, timeline.Names.of(site, [*data.events, *data.link_events])
        ),
        timeline_limited=data.limited,
        every_kind=data.every_kind,
        show_personal=show_personal,
        readiness=readiness.view(site, lang, show_personal),
        risk_count=len(RISKS),
        notes=data.notes,
        handovers=sitepage.handovers(data.handovers, lang),
        can_write=can_write,
        note_max=NOTE_MAX_CHARS,
        **readiness_forms(site, lang, principal),
        **sitepage.inventory_lines(site, lang),
    )
    return _ENV.get_template("site.html").render(context)


def readiness_forms(site: Site, lang: Lang, principal: Principal | None) -> dict[str, Any]:
    """The site page's readiness forms (``collector.web.readinessforms``), for a principal with
    ``write_readiness`` for this site (the plans, drills) and its commune (the team)."""
    edit_site = principal is not None and auth.allowed(principal, "write_readiness", site.key)
    edit_team = principal is not None and auth.allowed(
        principal, "write_readiness", site.commune_code
    )
    return {
        "edit_plans": edit_site,
        "edit_team": edit_team,
        "plan_forms": readiness.form_values(site) if edit_site else {},
        "team_form": readiness.team_form_values(site) if edit_team else {},
        "risk_keys": RISKS,
        "label": lambda field: pick(texts.READINESS_FIELDS, field, lang),
        "choices": {
            "status": {k: pick(PLAN_STATUS_NAMES, k, lang) for k in PLAN_STATUS_NAMES},
            "risk_level": {k: pick(RISK_LEVEL_NAMES, k, lang) for k in RISK_LEVEL_NAMES},
            "result": {k: pick(texts.DRILL_RESULTS, k, lang) for k in texts.DRILL_RESULTS},
            "risk": {k: pick(texts.RISKS, k, lang) for k in RISKS},
        },
    }


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _site_or_404(c: Collector, request: web.Request) -> Site:
    """The site of the path; a scoped token asking for a site not its own (or for none: the
    same answer, so it learns no key) gets a 403 page, naming only its own sites."""
    key = request.match_info["key"]
    lang = _lang(request)
    principal = auth.principal_of(request)
    if not auth.may_read_site(principal, key):
        page = render_forbidden(c.inventory, principal, lang)
        raise web.HTTPForbidden(text=page, content_type="text/html")
    site = c.site(key)
    if site is None:
        raise web.HTTPNotFound(text=texts.t("not_found", lang, site=key))
    return site


def render_forbidden(inventory: Inventory, principal: Principal, lang: Lang) -> str:
    """The 403 page of a scoped token: what it may not see, and the sites it may."""
    context = _common(lang, principal, "?lang=en" if lang == "vi" else "?")
    places = _scope_places(inventory, principal, lang)
    context.update(yours=texts.t("forbidden_yours", lang, **places))
    return _ENV.get_template("forbidden.html").render(context)


def render_police(
    c: Collector,
    lang: Lang,
    principal: Principal,
    incidents: Sequence[Incident] = (),
    today: date | None = None,
) -> str:
    """The police page (``/police``) for ``principal``'s readable sites; ``incidents``: the
    open ones it may read (:func:`fetch_incidents`)."""
    sources = (c.inventory, c.catalogue, c.evaluation)
    cols = police.columns(c.catalogue, lang)
    shown = [r for r in police.rows(*sources, lang) if auth.may_read_site(principal, r.key)]
    personal = auth.allowed(principal, "read_personal")

    def readable(key: str) -> bool:
        return auth.may_read_site(principal, key)

    readable_communes = {r.key.partition("-")[0] for r in shown}

    def commune_readable(code: str | None) -> bool:
        if not principal.scoped:
            return True
        return code is not None and code in readable_communes

    days = (
        c.config.alertmanager.certificate_warning_days,
        c.config.alertmanager.certificate_critical_days,
    )
    measures = c.catalogue.get(police.MEASURES)
    context = _common(lang, principal, "?lang=en" if lang == "vi" else "?")
    evaluation = c.evaluation
    context.update(
        province=c.inventory.province.name,
        evaluation=evaluation,
        window=texts.window(evaluation.window, lang) if evaluation else "",
        scope_note=_scope_note(c.inventory, principal, lang),
        columns=cols,
        any_not_evaluated=any(not col.evaluated for col in cols),
        tallies=police.tallies(cols, shown),
        # Escaped by board.cell_html and police.rows when the rows were made (cached).
        rows_html=markupsafe.Markup("\n".join(r.html for r in shown)),  # noqa: S704
        shown=len(shown),
        overdue=police.overdue(*sources, c.thresholds, lang, readable=readable, personal=personal),
        personal=personal,
        measures=measures,
        measures_reason=police.reason(measures, lang) if measures else "",
        machines=police.machines(c.inventory, evaluation, lang, readable),
        certificates=police.certificates(
            c.inventory,
            today or i18n.local(time.time()).date(),
            days,
            commune_readable,
            personal,
        ),
        certificates_registered=any(
            commune_readable(cert.commune_code) for cert in c.inventory.signature_certificates
        ),
        warning_days=days[0],
        tls=police.tls_certificates(
            c.live, today or i18n.local(time.time()).date(), days, readable
        ),
        incidents=police.open_incidents(c.inventory, incidents, lang),
    )
    return _ENV.get_template("police.html").render(context)


def fetch_incidents(c: Collector, principal: Principal) -> list[Incident]:
    """The open incidents ``principal`` may read: a scoped token its sites' only (a
    province-wide incident's text comes from an alert about many sites)."""
    keys = auth.read_scope(principal, (s.key for s in c.inventory.sites))
    return c.store.incidents(open_only=True, sites=keys, province_wide=keys is None)


# Every kind the agent writes but the link-quality rounds: one per target every 5 minutes, they
# would bury the changes (``?events=all`` shows them too).
TIMELINE_KINDS = frozenset(KINDS) - {"link_quality"}
LINK_KINDS = frozenset({"speedtest_result", "link_quality"})  # events naming a link's kind
LINK_EVENTS = 50


def _fetch_site_data(c: Collector, key: str, now: float, every_kind: bool) -> SiteData:
    """The timeline covers the findings' window (the last 30 days before the first
    evaluation), up to now and a day beyond (a site clock a little ahead)."""
    evaluation = c.evaluation
    since = evaluation.window.start if evaluation else now - TIMELINE_DAYS * 86400
    kinds = None if every_kind else TIMELINE_KINDS
    events = c.store.site_events(key, since, now + 86400, kinds, limit=TIMELINE_LIMIT)
    limited = len(events) >= TIMELINE_LIMIT
    links = c.store.site_events(key, since, now + 86400, LINK_KINDS, limit=LINK_EVENTS)
    notes = c.store.notes(key)
    entries = list(reversed(c.store.month_entries()[: board.TREND_MONTHS]))
    months = [e.month for e in entries]
    return SiteData(
        events,
        notes,
        limited=limited,
        every_kind=every_kind,
        link_events=links,
        months=months,
        month_findings=c.store.site_months(key, months),
        open_months=frozenset(e.month for e in entries if not e.closed),
        handovers=c.store.handovers(key, HANDOVERS_SHOWN),
    )


def add_routes(app: web.Application, c: Collector) -> None:
    """``/``, ``/map``, ``/police``, ``/sites/{key}`` and ``POST /sites/{key}/notes``."""

    async def board_page(request: web.Request) -> web.Response:
        principal = auth.principal_of(request)
        sources = (c.inventory, c.catalogue, c.evaluation)
        if principal.scoped:  # its sites' counts month by month, not the province's
            keys = auth.readable_sites(principal, (s.key for s in c.inventory.sites))
            trend = await asyncio.to_thread(board.read_scoped_trend, c.store, sources, keys)
        else:
            trend = await asyncio.to_thread(board.read_trend, c.store, sources)
        html = render_board(*sources, _lang(request), request.query, principal, trend)
        return _html(html)

    async def map_page(request: web.Request) -> web.Response:
        principal = auth.principal_of(request)
        html = render_map(
            c.inventory, c.catalogue, c.evaluation, _lang(request), principal, request.query
        )
        return _html(html)

    async def site_page(request: web.Request) -> web.Response:
        principal = auth.principal_of(request)
        site = _site_or_404(c, request)
        every_kind = request.query.get("events") == "all"
        data = await asyncio.to_thread(_fetch_site_data, c, site.key, time.time(), every_kind)
        lang = _lang(request)
        html = render_site(site, c.catalogue, c.evaluation, c.live, data, lang, principal)
        return _html(html)

    async def add_note(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        # Refused (and audited) before the site is looked up, as the API's note.
        principal = await auth.require_write(request, "write_notes", "note.create", key, site=key)
        site = _site_or_404(c, request)
        form = await request.post()
        text = str(form.get("text") or "").strip()
        if not text or len(text) > NOTE_MAX_CHARS:
            raise web.HTTPBadRequest(
                text=f"Ghi chú cần 1–{NOTE_MAX_CHARS} ký tự / a note needs 1–{NOTE_MAX_CHARS} "
                "characters"
            )
        note = await asyncio.to_thread(
            c.store.add_note, site.key, principal.name, text, time.time()
        )
        await auth.audit(request, "note.create", site.key, {"note_id": note.id})
        suffix = "?lang=en" if _lang(request) == "en" else ""
        raise web.HTTPSeeOther(f"/sites/{site.key}{suffix}#notes")

    async def police_page(request: web.Request) -> web.Response:
        principal = auth.principal_of(request)
        incidents = await asyncio.to_thread(fetch_incidents, c, principal)
        return _html(render_police(c, _lang(request), principal, incidents))

    app.router.add_get("/", board_page)
    app.router.add_get("/map", map_page)
    app.router.add_get("/police", police_page)
    app.router.add_get("/sites/{key}", site_page)
    app.router.add_post("/sites/{key}/notes", add_note)
