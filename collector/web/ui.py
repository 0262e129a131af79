"""The collector's web UI (giao diện web): the province board, the map and the site pages.

Vietnamese first, English with ``?lang=en``.  Server-rendered HTML (Jinja2, autoescaped), no
script, nothing loaded from outside the collector: it works on any office PC over a weak link.

- ``/``: the province board: every commune a row, every evaluated target a column (colour,
  symbol and figure), the rollup per target, the map, the power and coverage dead zones (with
  the surveyed dead-zone places tied to no site: a list, and triangles on the map); filters
  and sorting are a plain query string (``?target=INF-PWR&status=not_met&sort=worst``).
- ``/map``: the map alone, larger.
- ``/sites/{key}``: a site's inventory, live values, findings with their evidence, timeline and
  notes; ``POST /sites/{key}/notes`` adds a note (technicians for their sites, admins).

The board reads only the newest evaluation in memory (no database query); a site page makes two
queries (its events, its notes).  Who may see and write what is ``collector.web.auth``'s call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from aiohttp import web

from collector.context import Collector
from collector.evaluate.model import STATUSES, Evaluation, LiveSite
from collector.events import StoredEvent
from collector.inventory.model import RISKS, Inventory, Site
from collector.store import Note
from collector.targets import Catalogue
from collector.web import auth, board, mapsvg, sitepage, texts
from collector.web.api import MAX_NOTE_CHARS
from collector.web.auth import Principal
from sansang import i18n
from sansang.events import KINDS
from sansang.i18n import Lang, pick

TEMPLATES = Path(__file__).with_name("templates")
TIMELINE_DAYS = 30
TIMELINE_LIMIT = 500
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
        "other_lang": i18n.other(lang),
        "other_lang_link": other_lang_link,
        "link_suffix": "?lang=en" if lang == "en" else "",
    }


def _places(rows: list[board.Row], inventory: Inventory, lang: Lang) -> list[mapsvg.Place]:
    by_key = {s.key: s for s in inventory.sites}
    words = {s: texts.status_word(s, lang) for s in STATUSES}
    return [
        mapsvg.Place(
            key=r.key,
            title=f"{r.commune} ({r.code}) – {words[r.worst]}",
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


def _map_svg(
    inventory: Inventory,
    catalogue: Catalogue,
    evaluation: Evaluation | None,
    lang: Lang,
    width: float,
    max_height: float,
) -> markupsafe.Markup:
    """The map as inline SVG, made once per evaluation and language (3,321 dots)."""

    def make() -> markupsafe.Markup:
        rows = board.board_rows(inventory, catalogue, evaluation, lang)
        marks = _marks(board.dead_zone_points(evaluation, lang), lang)
        drawn = mapsvg.draw(_places(rows, inventory, lang), width, max_height, marks)
        context = _common(lang, None, "")
        svg = _ENV.get_template("_map.html").render(context, sitemap=drawn)
        return markupsafe.Markup(svg)  # noqa: S704 (an autoescaping template made it)

    return board.cached((inventory, catalogue, evaluation), f"map-{width}", lang, make)


def render_board(
    inventory: Inventory,
    catalogue: Catalogue,
    evaluation: Evaluation | None,
    lang: Lang,
    params: Mapping[str, str],
    principal: Principal | None = None,
) -> str:
    """The province board (``/``)."""
    targets = board.columns(catalogue)
    ids = [t.id for t in targets]
    query = board.Query.parse(params, ids)
    every = board.board_rows(inventory, catalogue, evaluation, lang)
    rows = board.select(every, query, ids)
    dead_points = board.dead_zone_points(evaluation, lang)

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
        central=board.central_outages(evaluation, lang),
        rollups=board.rollups(evaluation, every, catalogue, lang),
        columns=targets,
        titles={t.id: t.title.vi if lang == "vi" else t.title.en for t in targets},
        query=query,
        rows=rows,
        # Escaped by board.row_html when the rows were made (cached: the board's cost is here).
        rows_html=markupsafe.Markup("\n".join(r.html for r in rows)),  # noqa: S704
        total=len(every),
        sort_link=sort_link,
        arrow=arrow,
        map_svg=_map_svg(inventory, catalogue, evaluation, lang, 440, 520),
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
    )
    return _ENV.get_template("board.html").render(context)


def render_map(
    inventory: Inventory,
    catalogue: Catalogue,
    evaluation: Evaluation | None,
    lang: Lang,
    principal: Principal | None = None,
) -> str:
    """The map alone (``/map``), larger."""
    context = _common(lang, principal, "?lang=en" if lang == "vi" else "?")
    context.update(
        province=inventory.province.name,
        map_svg=_map_svg(inventory, catalogue, evaluation, lang, 900, 820),
        dead_points=board.dead_zone_points(evaluation, lang),
    )
    return _ENV.get_template("map.html").render(context)


@dataclass(frozen=True)
class SiteData:
    """What the site page reads from the store (fetched by the handler, given to the render)."""

    events: list[StoredEvent]  # newest first
    notes: list[Note]
    limited: bool = False  # the timeline was cut at TIMELINE_LIMIT
    every_kind: bool = False  # link-quality rounds included


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
        minutes=lambda m: texts.figure(m, "minutes", lang),
        evaluation=evaluation,
        findings=views,
        timeline=sitepage.events(data.events, lang),
        timeline_limited=data.limited,
        every_kind=data.every_kind,
        show_personal=show_personal,
        contingency=[
            (pick(texts.RISKS, risk, lang), plan)
            for risk in RISKS
            if (plan := site.contingency.get(risk)) is not None  # type: ignore[call-overload]
        ],
        risk_count=len(RISKS),
        drill_result=lambda r: pick(texts.DRILL_RESULTS, r, lang),
        notes=data.notes,
        can_write=can_write,
        note_max=NOTE_MAX_CHARS,
        **sitepage.inventory_lines(site, lang),
    )
    return _ENV.get_template("site.html").render(context)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _site_or_404(c: Collector, request: web.Request) -> Site:
    key = request.match_info["key"]
    site = c.site(key)
    if site is None:
        lang = _lang(request)
        raise web.HTTPNotFound(text=texts.t("not_found", lang, site=key))
    return site


# Every kind the agent writes but the link-quality rounds: one per target every 5 minutes, they
# would bury the changes (``?events=all`` shows them too).
TIMELINE_KINDS = frozenset(KINDS) - {"link_quality"}


def _fetch_site_data(c: Collector, key: str, now: float, every_kind: bool) -> SiteData:
    """The timeline covers the findings' window (the last 30 days before the first
    evaluation), up to now and a day beyond (a site clock a little ahead)."""
    evaluation = c.evaluation
    since = evaluation.window.start if evaluation else now - TIMELINE_DAYS * 86400
    kinds = None if every_kind else TIMELINE_KINDS
    events = c.store.site_events(key, since, now + 86400, kinds, limit=TIMELINE_LIMIT)
    limited = len(events) >= TIMELINE_LIMIT
    return SiteData(events, c.store.notes(key), limited=limited, every_kind=every_kind)


def add_routes(app: web.Application, c: Collector) -> None:
    """``/``, ``/map``, ``/sites/{key}`` and ``POST /sites/{key}/notes``."""

    async def board_page(request: web.Request) -> web.Response:
        principal = auth.principal_of(request)
        html = render_board(
            c.inventory, c.catalogue, c.evaluation, _lang(request), request.query, principal
        )
        return _html(html)

    async def map_page(request: web.Request) -> web.Response:
        principal = auth.principal_of(request)
        return _html(render_map(c.inventory, c.catalogue, c.evaluation, _lang(request), principal))

    async def site_page(request: web.Request) -> web.Response:
        principal = auth.principal_of(request)
        site = _site_or_404(c, request)
        every_kind = request.query.get("events") == "all"
        data = await asyncio.to_thread(_fetch_site_data, c, site.key, time.time(), every_kind)
        lang = _lang(request)
        html = render_site(site, c.catalogue, c.evaluation, c.live, data, lang, principal)
        return _html(html)

    async def add_note(request: web.Request) -> web.Response:
        site = _site_or_404(c, request)
        principal = await auth.require_write(
            request, "write_notes", "note.create", site.key, site=site.key
        )
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

    app.router.add_get("/", board_page)
    app.router.add_get("/map", map_page)
    app.router.add_get("/sites/{key}", site_page)
    app.router.add_post("/sites/{key}/notes", add_note)
