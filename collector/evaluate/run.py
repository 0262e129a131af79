"""One evaluation of every evaluated target for every site: one streamed pass over the store.

``store.iter_events`` gives the window's events ordered by site; each site's events are gathered,
every rule runs on them and they are let go before the next site, so memory holds one site at a
time (plus the state before the window and the survey points).  A rule with a province pass
(``RuleEntry.province_pass``: OPS-247 and INF-LINK wait for the central outages, INF-DZ lists the
surveyed places tied to no site) keeps only its small view of each site and gives its findings
at the end.  Findings about the province as a whole (OPS-247's one per central system, site
``PROVINCE_SITE``) go to ``Evaluation.province_findings``, never among the sites' findings or
their rollups.

A rule never trusts the store: one site's bad event, or a rule's bug, makes that site's target
``unknown`` with the error as evidence (:mod:`collector.evaluate.failure`); every other site and
target is evaluated as usual, and a province pass is finished without the sites whose data
breaks it (:mod:`collector.evaluate.isolate`).

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
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from operator import attrgetter
from typing import Any, Protocol

from collector.config import CollectorConfig
from collector.evaluate import reporting
from collector.evaluate.failure import FailureLog, Failures, checked
from collector.evaluate.isolate import Outcome, finish_isolating
from collector.evaluate.model import (
    PROVINCE_SITE,
    Evaluation,
    Finding,
    LiveSite,
    ProvincePass,
    ProvinceResult,
    SiteInputs,
    TargetRollup,
    Window,
)
from collector.evaluate.rules import RULES, kinds_for
from collector.events import StoredEvent
from collector.incidents.model import Incident, SiteIncidents
from collector.inventory.model import Inventory, Site
from collector.store import Store
from collector.survey import SurveyPoint
from collector.targets import Catalogue, Target, ThresholdValue

log = logging.getLogger(__name__)

NEAR_KM = 2.0  # a survey point this close to a site speaks for it
RETRY_AFTER = 30.0  # seconds: a failed first evaluation is tried again this soon
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
    failure_log: FailureLog | None = None,
) -> Evaluation:
    """Every finding of every ``evaluated`` target for every site of the inventory.

    ``failure_log`` says each failure of a rule (kept across rounds: it logs one again only
    after a while); by default a new one."""
    failures = Failures(window, failure_log or FailureLog())
    with _fewer_collections():
        return _evaluate_all(store, inventory, catalogue, thresholds, window, live, failures)


def _evaluate_all(
    store: Store,
    inventory: Inventory,
    catalogue: Catalogue,
    thresholds: Mapping[str, Mapping[str, ThresholdValue]],
    window: Window,
    live: Mapping[str, LiveSite] | None,
    failures: Failures,
) -> Evaluation:
    targets = [t for t in catalogue.targets if t.status == "evaluated" and t.rule in RULES]
    kinds = kinds_for([t.rule for t in targets])
    sites = {s.key: s for s in inventory.sites}
    keys = sorted(sites)
    before = _by_site(store.state_before(window.start, kinds, keys))
    points = store.survey_points(window.start, window.end)
    incidents = _incidents_by_site(store.incidents_touching(window.start, window.end))
    intake = store.incident_intake()
    survey = _survey_by_site(points, inventory.sites)
    live = live or {}
    findings: list[Finding] = []
    # A province pass's views, with the key of the site each one is of.
    views: dict[str, list[tuple[str, Any]]] = {
        t.id: [] for t in targets if RULES[t.rule].province_pass
    }
    seen: set[str] = set()

    def evaluate(site: Site, events: Sequence[StoredEvent]) -> None:
        inputs = SiteInputs(
            site,
            events,
            before.get(site.key, ()),
            survey.get(site.key, ()),
            live.get(site.key),
            systems=inventory.systems_of(site),
            incidents=SiteIncidents(incidents.get(site.key, ()), intake),
        )
        for target in targets:
            entry = RULES[target.rule]
            try:
                th = thresholds[target.id]
                if entry.province_pass:
                    views[target.id].append(
                        (site.key, entry.province_pass.view(inputs, th, window))
                    )
                else:
                    found = entry.evaluate(inputs, th, window)
                    findings.append(checked(_as_target(found, target), site.key))
            except Exception as err:  # this site's target is unknown, with why
                findings.append(failures.of_site(err, site.key, target.id))

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
    province: list[Finding] = []  # about the province as a whole: in no site's rollup
    for target in targets:
        province_pass = RULES[target.rule].province_pass
        if province_pass is None:
            continue
        outcome = _finish(province_pass, target, views[target.id], points, thresholds, window)
        findings += _province_findings(outcome, target, views[target.id], failures)
        result = outcome.result
        if result is None:
            continue
        province += _about_province(result, target, failures)
        if result.central_outages:
            rollup_extra[target.id] = result.central_outages
        dead += result.dead_zone_points
    province += _reports_kept(store, catalogue, thresholds, window, failures)
    order = {t.id: i for i, t in enumerate(targets)}
    findings.sort(key=lambda f: (f.site, order.get(f.target, len(order))))
    rollups = _rollups(targets, findings, rollup_extra)
    return Evaluation(
        time.time(),
        window,
        findings,
        rollups,
        tuple(dead),
        tuple(failures.errors),
        province_findings=tuple(province),
    )


def _finish(
    province_pass: ProvincePass[Any],
    target: Target,
    views: Sequence[tuple[str, Any]],
    points: Sequence[SurveyPoint],
    thresholds: Mapping[str, Mapping[str, ThresholdValue]],
    window: Window,
) -> Outcome[ProvinceResult]:
    def finish(kept: list[Any]) -> ProvinceResult:
        return province_pass.finish(kept, points, thresholds[target.id], window)

    return finish_isolating(finish, [view for _key, view in views])


def _province_findings(
    outcome: Outcome[ProvinceResult],
    target: Target,
    views: Sequence[tuple[str, Any]],
    failures: Failures,
) -> list[Finding]:
    """The pass's findings; unknown with the error for the sites it was finished without, or
    for every site when it failed as a whole."""
    found = [failures.of_site(err, views[i][0], target.id) for i, err in outcome.culprits]
    if outcome.result is None:
        assert outcome.error is not None
        left_out = outcome.left_out
        sites = [key for i, (key, _view) in enumerate(views) if i not in left_out]
        return found + failures.of_province(outcome.error, sites, target.id)
    for f in outcome.result.findings:
        try:
            found.append(checked(_as_target(f, target)))
        except Exception as err:  # this site's target is unknown, with why
            found.append(failures.of_site(err, f.site, target.id))
    return found


def _about_province(result: ProvinceResult, target: Target, failures: Failures) -> list[Finding]:
    """The pass's findings about the province as a whole (OPS-247: one per central system);
    one it cannot publish is unknown with why.  A pass that failed as a whole gives none: its
    error is in every site's finding of the target."""
    found: list[Finding] = []
    for f in result.province_findings:
        try:
            found.append(checked(_as_target(f, target), PROVINCE_SITE))
        except Exception as err:
            found.append(failures.of_site(err, PROVINCE_SITE, target.id))
    return found


def _reports_kept(
    store: Store,
    catalogue: Catalogue,
    thresholds: Mapping[str, Mapping[str, ThresholdValue]],
    window: Window,
    failures: Failures,
) -> list[Finding]:
    """RPT-MONTHLY and RPT-CENTRAL, from the reports table (:mod:`collector.evaluate.reporting`);
    unknown with why when it cannot be read."""
    try:
        return reporting.province_findings(store.reports(), catalogue, thresholds, window)
    except Exception as err:
        judged = [t.id for t in catalogue.targets if t.rule in reporting.THRESHOLDS_READ]
        return [failures.of_site(err, PROVINCE_SITE, target) for target in judged]


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


def _incidents_by_site(found: Iterable[Incident]) -> dict[str, list[Incident]]:
    """SEC-EARLY's input: each site's incidents (the store's, not the journal's)."""
    by_site: dict[str, list[Incident]] = {}
    for i in found:
        if i.site is not None:
            by_site.setdefault(i.site, []).append(i)
    return by_site


def _by_site(events: Iterable[StoredEvent]) -> dict[str, list[StoredEvent]]:
    found: dict[str, list[StoredEvent]] = {}
    for e in events:
        found.setdefault(e.site, []).append(e)
    return found


def _survey_by_site(
    points: Sequence[SurveyPoint], sites: Sequence[Site]
) -> dict[str, list[SurveyPoint]]:
    """Each site's survey points: those taken for it, and those within :data:`NEAR_KM` (a point
    tied to no site whose coordinates are not numbers is near none: the store is not trusted)."""
    found: dict[str, list[SurveyPoint]] = {}
    grid: dict[tuple[int, int], list[SurveyPoint]] = {}
    for p in points:
        if p.site is not None:
            found.setdefault(p.site, []).append(p)
        elif _placed(p.latitude) and _placed(p.longitude):
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


def _placed(degrees: object) -> bool:
    return isinstance(degrees, int | float) and math.isfinite(degrees)


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
    evaluation_errors: Counter[str]  # by target: findings a failure made unknown, every round

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
    ``c.evaluation``, the first time at once (the pages have no findings until it ends).

    A rule's failure for a site is that site's unknown finding, counted in
    ``c.evaluation_errors``; only a failure of the whole pass (the database) keeps the previous
    findings, logged; with none yet it is tried again after :data:`RETRY_AFTER` at most."""
    failure_log = FailureLog()
    while True:
        now = time.time()
        window = Window(now - c.config.evaluate.window, now)
        started = time.monotonic()
        pause = c.config.evaluate.interval
        try:
            evaluation = await asyncio.to_thread(
                evaluate_all,
                c.store,
                c.inventory,
                c.catalogue,
                c.thresholds,
                window,
                dict(c.live),
                failure_log,
            )
        except Exception:
            log.exception("evaluation failed; the previous findings stay")
            if c.evaluation is None:  # none yet (a restart): the pages have nothing to show
                pause = min(pause, RETRY_AFTER)
        else:
            c.evaluation = evaluation
            c.evaluation_errors.update(e.target for e in evaluation.errors)
            log.info(
                "evaluated %d findings in %.1f s (%d unknown by a failure)",
                len(evaluation.findings),
                time.monotonic() - started,
                len(evaluation.errors),
            )
        await asyncio.sleep(pause)
