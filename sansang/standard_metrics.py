"""The series every Prometheus exporter is expected to carry, on the agent's and the collector's
``/metrics`` alike: ``sansang_build_info`` and prometheus_client's standard ``process_*``
(``ProcessCollector``: CPU, memory, open files, start time) and ``python_info``
(``PlatformCollector``).

Why prometheus_client here when ``sansang/exposition.py`` writes everything else: reading
``/proc/self`` the way every other exporter does (same names, same help, same units) is what the
library exists for, and dashboards and alert rules written for any Python exporter then work on
ours.  Its families are turned into :class:`sansang.exposition.Family` rows, so the one writer
renders the whole body (one HELP and TYPE per family, the negotiated format, one ``# EOF``).
prometheus_client is imported here only, when this module is; importing it costs the agent about
0.5 MiB of RSS and 12 ms beyond what it already imports (1 MiB over asyncio, ssl and aiohttp
alone; ~10.5 MiB in a bare interpreter: mostly http.server, email and urllib, which aiohttp has
already loaded): measured in docs/performance.md.
"""

from __future__ import annotations

import functools
import os
import platform

from prometheus_client.metrics_core import Metric
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from sansang import __version__
from sansang.exposition import Family, Labels
from sansang.metrics import MetricDef, MetricType

REVISION_ENV = "SANSANG_REVISION"  # the git commit, set by whoever builds the package or image

BUILD_INFO = MetricDef(
    "sansang_build_info",
    "info",
    "",
    "The running build (always 1): sansang version, source revision (the SANSANG_REVISION the "
    "build set, unknown without one) and Python version.",
    ("version", "revision", "python_version"),
    source="build",
)

# The names the library's collectors use (docs and tests: nothing else may clash with them).
STANDARD_NAMES = frozenset(
    {
        "process_virtual_memory_bytes",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
        "process_cpu_seconds_total",
        "process_open_fds",
        "process_max_fds",
        "python_info",
    }
)


@functools.cache
def build_info() -> Family:
    """``sansang_build_info``, read once per process: the revision from the environment (never
    from running git, which a commune's box does not have)."""
    revision = os.environ.get(REVISION_ENV, "").strip()[:64] or "unknown"
    labels = {
        "version": __version__,
        "revision": revision,
        "python_version": platform.python_version(),
    }
    return Family(BUILD_INFO, [(labels, 1)])


@functools.cache
def _collectors() -> tuple[ProcessCollector, PlatformCollector]:
    # registry=None: not added to prometheus_client's global REGISTRY, which nothing serves here.
    return ProcessCollector(registry=None), PlatformCollector(registry=None)


def process_families() -> list[Family]:
    """One scrape of ``process_*`` (read from ``/proc/self``; none where there is no /proc) and
    ``python_info``: about 70 µs."""
    return [fam for c in _collectors() for m in c.collect() if (fam := _family(m)) is not None]


def families() -> list[Family]:
    """Everything this module adds to a ``/metrics`` body, build info first."""
    return [build_info(), *process_families()]


# MetricDefs per (name, labels): the writer lays a family out once per name (exposition._LAYOUTS).
_DEFS: dict[tuple[str, str, tuple[str, ...]], MetricDef] = {}


def _family(metric: Metric) -> Family | None:
    """A prometheus_client family as exposition rows; None for a type the writer does not hold
    (the two collectors give only gauges and counters)."""
    kind: MetricType
    if metric.type == "counter":
        kind, name = "counter", metric.name + "_total"
    elif metric.type == "gauge":
        kind, name = "gauge", metric.name
    else:
        return None
    rows: list[tuple[Labels, float]] = [
        (s.labels, s.value) for s in metric.samples if s.name == name
    ]
    labels = tuple(dict.fromkeys(k for lbls, _ in rows for k in lbls))
    key = (name, kind, labels)
    definition = _DEFS.get(key)
    if definition is None:
        definition = _DEFS[key] = MetricDef(
            name, kind, "", metric.documentation, labels, source="prometheus_client"
        )
    return Family(definition, rows)
