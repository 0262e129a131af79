"""What the site page (trang của điểm) shows, as plain values for the template.

The inventory, the live values, every evaluated target's finding (sentence, value, threshold,
window, cause, evidence), the timeline of events in words and the technicians' handover
records.  Pure: the handler fetches the events, notes and records (one store call each) and
passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from collector import figures as fmt
from collector.evaluate.model import Evaluation, Finding, LiveSite, Status
from collector.events import StoredEvent
from collector.inventory.model import Site
from collector.periods import Month
from collector.store import HandoverEntry
from collector.targets import Catalogue
from collector.web import board, texts, timeline
from sansang import handover, i18n
from sansang.i18n import Lang, pick

EvidenceLine = tuple[str, str, tuple[str, ...]]  # kind in words, sentence, refs
MAX_REFS_SHOWN = 10


@dataclass(frozen=True)
class FindingView:
    target: str
    title: str  # the catalogue's title
    name: str  # the short name: "Nguồn điện"
    status: Status
    value: str
    threshold: str
    sentence: str
    window: str
    cause: str
    evidence: Sequence[EvidenceLine]


def findings(
    site: Site, catalogue: Catalogue, evaluation: Evaluation | None, lang: Lang
) -> list[FindingView]:
    """One line per evaluated target, in catalogue order ("not evaluated" when it has none)."""
    mine: dict[str, Finding] = {}
    if evaluation is not None:
        mine = {f.target: f for f in evaluation.findings if f.site == site.key}
    views = []
    for target in board.columns(catalogue):
        title = target.title.vi if lang == "vi" else target.title.en
        name = fmt.short_title(target, lang)
        f = mine.get(target.id)
        if f is None:
            views.append(FindingView(target.id, title, name, "unknown", "—", "—", "", "", "", ()))
            continue
        views.append(_view(f, title, lang, name))
    return views


def _view(f: Finding, title: str, lang: Lang, name: str = "") -> FindingView:
    evidence = [
        (
            pick(texts.EVIDENCE_KINDS, e.kind, lang),
            e.vi if lang == "vi" else e.en,
            _refs(e.refs),
        )
        for e in f.evidence
    ]
    value, threshold = fmt.finding_figures(f, lang)
    return FindingView(
        target=f.target,
        title=title,
        name=name or title,
        status=f.status,
        value=value,
        threshold=fmt.bound(f, lang, threshold),
        sentence=f.vi if lang == "vi" else f.en,
        window=texts.window(f.window, lang),
        cause=pick(i18n.CAUSES, f.cause, lang) if f.cause and f.status != "met" else "",
        evidence=evidence,
    )


def _refs(refs: Sequence[str]) -> tuple[str, ...]:
    if len(refs) <= MAX_REFS_SHOWN:
        return tuple(refs)
    return (*refs[:MAX_REFS_SHOWN], f"… +{len(refs) - MAX_REFS_SHOWN}")


def live_values(live: LiveSite | None, lang: Lang) -> list[tuple[str, str]]:
    """(label, value) lines; empty when Prometheus said nothing about the site."""
    if live is None:
        return []

    def yes_no(value: bool | None) -> str:
        if value is None:
            return texts.status_word("unknown", lang)
        return texts.t("yes" if value else "no", lang)

    lines = [
        (texts.t("agent_up", lang), yes_no(live.up)),
        (texts.t("mains", lang), yes_no(live.mains_present)),
        (texts.t("on_battery", lang), yes_no(live.on_battery)),
    ]
    for link, up in sorted(live.links_up.items()):
        label = f"{texts.t('links', lang)} {link}"
        lines.append((label, texts.t("link_up" if up else "link_down", lang)))
    lines.append(("", texts.t("live_at", lang, when=texts.when(live.queried_at))))
    return lines


def events(
    stored: Sequence[StoredEvent], lang: Lang, names: timeline.Names = timeline.NO_NAMES
) -> list[tuple[str, str, str]]:
    """(time, sentence, tone) per event, in the order given (the store gives newest first);
    things called by ``names`` (the site's inventory), never by their ids."""
    return [(_at(e.wall_time), timeline.sentence(e, lang, names), timeline.tone(e)) for e in stored]


def _at(unix: float) -> str:
    """``29/05/2026 14:05:09``: the day as people write it, then the time."""
    return i18n.local(unix).strftime("%d/%m/%Y %H:%M:%S")


def inventory_lines(site: Site, lang: Lang) -> Mapping[str, str]:
    links = ", ".join(pick(i18n.LINK_KINDS, k, lang) for k in site.links)
    if site.pull is not None:
        way_in = texts.t("pull", lang, url=site.pull.url)
    elif site.push is not None:
        way_in = texts.t("push", lang, cred=site.push.credential_id)
    else:
        way_in = "—"
    coordinates = f"{site.latitude:.4f}°N, {site.longitude:.4f}°E"
    return {"links": links, "way_in": way_in, "coordinates": coordinates}


@dataclass(frozen=True)
class TrendCell:
    """A target's finding in one kept month: symbol and figure, the figure beside its
    threshold and the sentence as the tooltip."""

    status: Status
    figure: str  # "99,2 %", "—"
    title: str  # "5 lần mất điện (tối đa 4) · chưa đạt"


@dataclass(frozen=True)
class TrendRow:
    target: str
    name: str  # the short name: "Nguồn điện"
    cells: tuple[TrendCell | None, ...]  # one per month, oldest first; None: no finding kept


def trend(
    site: Site,
    catalogue: Catalogue,
    months: Sequence[Month],
    kept: Mapping[Month, Sequence[Finding]],
    lang: Lang,
) -> list[TrendRow]:
    """Each evaluated target month by month: ``months`` oldest first (their labels, "11/2026",
    head the columns), the site's findings kept in each (``Store.site_months``)."""
    by_month = {m: {f.target: f for f in kept.get(m, ()) if f.site == site.key} for m in months}
    rows = []
    for target in board.columns(catalogue):
        cells: list[TrendCell | None] = []
        for m in months:
            f = by_month[m].get(target.id)
            if f is None:
                cells.append(None)
                continue
            figures = fmt.finding_figures(f, lang)
            word = texts.status_word(f.status, lang)
            sentence = f.vi if lang == "vi" else f.en
            title = f"{m.label}: {fmt.reading(f, lang, figures)} · {word}\n{sentence}"
            cells.append(TrendCell(f.status, figures[0], title))
        rows.append(TrendRow(target.id, fmt.short_title(target, lang), tuple(cells)))
    return rows


@dataclass(frozen=True)
class HandoverLine:
    """A handover record on the site page: when, who, the counts, the first failing layer, the
    hash and the collector's page of it."""

    at: str  # when the visit finished, Vietnam's time
    technician: str
    counts: str  # "12 đạt, 1 hỏng"
    first_failure: str  # "Đường truyền (WAN) (Cáp quang)", or "—"
    failed: bool
    content_hash: str
    link: str


def handovers(entries: Sequence[HandoverEntry], lang: Lang) -> list[HandoverLine]:
    """One line per kept record (the store gives them newest first)."""
    lines = []
    for e in entries:
        counts = {"ok": e.passed, "warn": e.warned, "fail": e.failed, "skip": e.skipped}
        words = [f"{n} {handover.status_word(s, lang).lower()}" for s, n in counts.items() if n]
        first = "—"
        if e.first_failure_layer is not None:
            first = f"{handover.layer_name(e.first_failure_layer, lang)} ({e.first_failure_name})"
        suffix = "?lang=en" if lang == "en" else ""
        lines.append(
            HandoverLine(
                at=_at(e.finished_at),
                technician=e.technician,
                counts=", ".join(words) or "—",
                first_failure=first,
                failed=e.first_failure_layer is not None,
                content_hash=e.content_hash,
                link=f"/sites/{e.site}/handovers/{e.content_hash}{suffix}",
            )
        )
    return lines
