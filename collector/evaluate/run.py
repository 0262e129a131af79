"""One evaluation of every evaluated target for every site: one streamed pass over the store.

``store.iter_events`` gives the window's events ordered by site; each site's events are gathered,
every rule runs on them and they are let go before the next site, so memory holds one site at a
time (plus the state before the window and the survey points).  A rule with a province pass
(``RuleEntry.province_pass``: OPS-247 and INF-LINK wait for the central outages, INF-DZ lists the
surveyed places tied to no site) keeps only its small view of each site and gives its findings
at the end.

:func:`run_forever` repeats it every ``evaluate.interval`` in a worker thread and replaces
``Collector.evaluation`` whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from operator import attrgetter
from typing import Any, Protocol

from collector.config import CollectorConfig
from collector.evaluate.model import (
    Evaluation,
    Finding,
    LiveSite,
    SiteInputs,
    TargetRollup,
    Window,
)
from collector.evaluate.rules import RULES, kinds_for
from collector.events import StoredEvent
from collector.inventory.model import Inventory, Site
from collector.store import Store
from collector.survey import SurveyPoint
from collector.targets import Catalogue, Target, ThresholdValue

log = logging.getLogger(__name__)

NEAR_KM = 2.0  # a survey point this close to a site speaks for it
_CELL = 0.02  # degrees (~2.2 km): the grid survey points are bucketed on


_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] = gc.get_threshold()
_GC_FIRST_GENERATION = 100_000  # objects allocated between two young collections


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while the pass runs.

    The pass allocates an event object (and its details) per row and keeps one site's events
    alive while the rules read them; with the default threshold (700 allocations) the collector
    runs thousands of times and walks every live object at each full collection, about a fifth
    of the pass.  The events form no cycles (reference counting frees them), so collecting
    seldom loses nothing.  The thresholds are restored when the last pass ends."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(_GC_FIRST_GENERATION, *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


def evaluate_all(
    store: Store,
    inventory: Inventory,
    catalogue: Catalogue,
    thresholds: Mapping[str, Mapping[str, ThresholdValue]],
    window: Window,
    live: Mapping[str, LiveSite] | None = None,
) -> Evaluation:
    """Every finding of every ``evaluated`` target for every site of the inventory."""
    with _fewer_collections():
        return _evaluate_all(store, inventory, catalogue, thresholds, window, live)


def _evaluate_all(
    store: Store,
    inventory: Inventory,
    catalogue: Catalogue,
    thresholds: Mapping[str, Mapping[str, ThresholdValue]],
    window: Window,
    live: Mapping[str, LiveSite] | None,
) -> Evaluation:
    targets = [t for t in catalogue.targets if t.status == "evaluated" and t.rule in RULES]
    kinds = kinds_for([t.rule for t in targets])
    sites = {s.key: s for s in inventory.sites}
    keys = sorted(sites)
    before = _by_site(store.state_before(window.start, kinds, keys))
    points = store.survey_points(window.start, window.end)
    survey = _survey_by_site(points, inventory.sites)
    live = live or {}
    findings: list[Finding] = []
    views: dict[str, list[Any]] = {t.id: [] for t in targets if RULES[t.rule].province_pass}
    seen: set[str] = set()

    def evaluate(site: Site, events: Sequence[StoredEvent]) -> None:
        inputs = SiteInputs(
            site,
            events,
            before.get(site.key, ()),
            survey.get(site.key, ()),
            live.get(site.key),
        )
        for target in targets:
            entry, th = RULES[target.rule], thresholds[target.id]
            if entry.province_pass:
                views[target.id].append(entry.province_pass.view(inputs, th, window))
            else:
                findings.append(_as_target(entry.evaluate(inputs, th, window), target))

    for key, group in _grouped(store.iter_events(window.start, window.end, kinds, keys)):
        site = sites.get(key)
        if site is None or key in seen:
            log.warning("events of site %s out of order or not in the inventory: skipped", key)
            continue
        seen.add(key)
        evaluate(site, list(group))
    for key in sorted(set(sites) - seen):
        evaluate(sites[key], ())
    rollup_extra: dict[str, Sequence[Mapping[str, float | int | str]]] = {}
    dead: list[SurveyPoint] = []
    for target in targets:
        province_pass = RULES[target.rule].province_pass
        if province_pass is None:
            continue
        result = province_pass.finish(views[target.id], points, thresholds[target.id], window)
        findings += [_as_target(f, target) for f in result.findings]
        if result.central_outages:
            rollup_extra[target.id] = result.central_outages
        dead += result.dead_zone_points
    order = {t.id: i for i, t in enumerate(targets)}
    findings.sort(key=lambda f: (f.site, order.get(f.target, len(order))))
    rollups = _rollups(targets, findings, rollup_extra)
    return Evaluation(time.time(), window, findings, rollups, tuple(dead))


def _grouped(events: Iterable[StoredEvent]) -> Iterator[tuple[str, Iterator[StoredEvent]]]:
    return groupby(events, key=attrgetter("site"))


def _as_target(found: Finding, target: Target) -> Finding:
    return found if found.target == target.id else dataclasses.replace(found, target=target.id)


def _rollups(
    targets: Sequence[Target],
    findings: Sequence[Finding],
    extra: Mapping[str, Sequence[Mapping[str, float | int | str]]],
) -> list[TargetRollup]:
    counts = {t.id: {"met": 0, "not_met": 0, "unknown": 0} for t in targets}
    for f in findings:
        counts[f.target][f.status] += 1
    return [
        TargetRollup(
            t.id,
            counts[t.id]["met"],
            counts[t.id]["not_met"],
            counts[t.id]["unknown"],
            tuple(extra.get(t.id, ())),
        )
        for t in targets
    ]


def _by_site(events: Iterable[StoredEvent]) -> dict[str, list[StoredEvent]]:
    found: dict[str, list[StoredEvent]] = {}
    for e in events:
        found.setdefault(e.site, []).append(e)
    return found


def _survey_by_site(
    points: Sequence[SurveyPoint], sites: Sequence[Site]
) -> dict[str, list[SurveyPoint]]:
    """Each site's survey points: those taken for it, and those within :data:`NEAR_KM`."""
    found: dict[str, list[SurveyPoint]] = {}
    grid: dict[tuple[int, int], list[SurveyPoint]] = {}
    for p in points:
        if p.site is not None:
            found.setdefault(p.site, []).append(p)
        else:
            grid.setdefault(_cell(p.latitude, p.longitude), []).append(p)
    if not grid:
        return found
    for site in sites:
        row, col = _cell(site.latitude, site.longitude)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for p in grid.get((row + dr, col + dc), ()):
                    if _km(site.latitude, site.longitude, p.latitude, p.longitude) <= NEAR_KM:
                        found.setdefault(site.key, []).append(p)
    return found


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / _CELL), math.floor(lon / _CELL)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


class Host(Protocol):
    """What the evaluation loop reads and replaces: ``collector.context.Collector``, described
    here so the evaluation does not import the collector's context (which imports the
    evaluation's model)."""

    evaluation: Evaluation | None

    @property
    def config(self) -> CollectorConfig: ...
    @property
    def store(self) -> Store: ...
    @property
    def inventory(self) -> Inventory: ...
    @property
    def catalogue(self) -> Catalogue: ...
    @property
    def thresholds(self) -> Mapping[str, Mapping[str, ThresholdValue]]: ...
    @property
    def live(self) -> Mapping[str, LiveSite]: ...


async def run_forever(c: Host) -> None:
    """Evaluate every ``c.config.evaluate.interval`` seconds (in a worker thread) and replace
    ``c.evaluation``; a failed evaluation is logged and the previous one stays."""
    while True:
        now = time.time()
        window = Window(now - c.config.evaluate.window, now)
        started = time.monotonic()
        try:
            c.evaluation = await asyncio.to_thread(
                evaluate_all, c.store, c.inventory, c.catalogue, c.thresholds, window, dict(c.live)
            )
        except Exception:
            log.exception("evaluation failed; the previous findings stay")
        else:
            log.info(
                "evaluated %d findings in %.1f s",
                len(c.evaluation.findings),
                time.monotonic() - started,
            )
        await asyncio.sleep(c.config.evaluate.interval)
