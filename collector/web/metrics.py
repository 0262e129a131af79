"""The collector's own ``/metrics``: readiness per site and target, the evaluation's failures,
and the ingest counters.

Families come only from ``collector/catalogue.py`` and are written by ``sansang/exposition.py``,
followed by ``sansang_build_info``, ``process_*`` and ``python_info``
(``sansang/standard_metrics.py``).
Built from what the loops replaced whole (``c.evaluation``) and copies of the ingest counters,
in the event loop: no database access on a scrape.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from aiohttp import web

from collector.catalogue import BY_NAME
from collector.context import Collector
from collector.evaluate.model import STATUSES
from collector.web.auth import COLLECTOR, require_province
from sansang import __version__, exposition, standard_metrics
from sansang.exposition import Family, Labels

Rows = list[tuple[Labels, float]]


def _family(name: str, rows: Rows) -> Family:
    return Family(BY_NAME[name], rows)


def families(c: Collector, started_at: float) -> Iterator[Family]:
    yield _family("sansang_collector_info", [({"version": __version__}, 1)])
    yield _family("sansang_collector_start_timestamp_seconds", [({}, started_at)])
    yield _family("sansang_collector_sites", [({}, len(c.inventory.sites))])
    yield _family("sansang_collector_site_info", _site_info(c))
    yield from _readiness(c)
    yield _evaluation_errors(c)
    yield from _ingest(c)


def _site_info(c: Collector) -> Rows:
    rows: Rows = []
    for s in c.inventory.sites:
        labels = {
            "site": s.key,
            "commune_code": s.commune_code,
            "commune_name": s.commune.name,
            "name": s.name,
            "latitude": repr(s.latitude),
            "longitude": repr(s.longitude),
            "access": "pull" if s.pull is not None else "push",
        }
        rows.append((labels, 1))
    return rows


def _readiness(c: Collector) -> Iterator[Family]:
    evaluation = c.evaluation
    if evaluation is None:
        return
    codes = {s.key: s.commune_code for s in c.inventory.sites}
    status: Rows = []
    value: Rows = []
    threshold: Rows = []
    for f in evaluation.findings:
        base = {"site": f.site, "commune_code": codes.get(f.site, ""), "target": f.target}
        status += [({**base, "status": s}, 1 if s == f.status else 0) for s in STATUSES]
        if f.value is not None and f.status != "unknown":
            value.append(({**base, "unit": f.unit}, f.value))
        if isinstance(f.threshold, int | float) and not isinstance(f.threshold, bool):
            threshold.append(({**base, "unit": f.unit}, f.threshold))
    rollup: Rows = []
    for r in evaluation.rollups:
        counts = {"met": r.met, "not_met": r.not_met, "unknown": r.unknown}
        rollup += [({"target": r.target, "status": s}, counts[s]) for s in STATUSES]
    yield _family("sansang_collector_evaluation_timestamp_seconds", [({}, evaluation.evaluated_at)])
    yield _family("sansang_collector_evaluation_window_seconds", [({}, evaluation.window.seconds)])
    yield _family("sansang_readiness_status", status)
    yield _family("sansang_readiness_value", value)
    yield _family("sansang_readiness_threshold", threshold)
    yield _family("sansang_readiness_sites", rollup)


def _evaluation_errors(c: Collector) -> Family:
    """Every evaluated target, 0 until a failure: an alert on its increase needs the series."""
    counts = dict(c.evaluation_errors)  # a copy: the evaluation loop adds between two turns
    for t in c.catalogue.targets:
        if t.status == "evaluated":
            counts.setdefault(t.id, 0)
    rows: Rows = [({"target": target}, n) for target, n in sorted(counts.items())]
    return _family("sansang_collector_evaluation_errors_total", rows)


def _ingest(c: Collector) -> Iterator[Family]:
    stats = c.ingest
    # Copies: the ingest may add a key while this runs in another task's turn.
    accepted, duplicates = dict(stats.accepted), dict(stats.duplicates)
    events: Rows = [({"site": s, "result": "accepted"}, n) for s, n in sorted(accepted.items())]
    events += [({"site": s, "result": "duplicate"}, n) for s, n in sorted(duplicates.items())]
    yield _family("sansang_collector_ingest_events_total", events)
    yield _family(
        "sansang_collector_ingest_rejected_total",
        [({"site": s, "reason": r}, n) for (s, r), n in sorted(dict(stats.rejected).items())],
    )
    yield _family(
        "sansang_collector_ingest_gap_events_total",
        [({"site": s}, n) for s, n in sorted(dict(stats.gap_events).items())],
    )
    yield _family(
        "sansang_collector_pull_errors_total",
        [({"site": s, "reason": r}, n) for (s, r), n in sorted(dict(stats.pull_errors).items())],
    )
    yield _family(
        "sansang_collector_last_received_timestamp_seconds",
        [({"site": s}, t) for s, t in sorted(dict(stats.last_received).items())],
    )


STARTED_AT = web.AppKey("sansang_started_at", float)


async def metrics(request: web.Request) -> web.Response:
    """``GET /metrics`` (any role; not a token scoped to some sites: it carries every site)."""
    require_province(request)
    openmetrics, content_type = exposition.negotiate(request.headers.get("Accept"))
    c = request.app[COLLECTOR]
    # The catalogue's families, then the standard ones (build, process, platform): names that
    # never meet, so one writer gives one HELP and TYPE per family.
    rows = itertools.chain(families(c, request.app[STARTED_AT]), standard_metrics.families())
    body = exposition.render(rows, openmetrics=openmetrics)
    response = web.Response(body=body, headers={"Content-Type": content_type})
    response.enable_compression()
    return response
