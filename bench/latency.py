"""`/metrics` latency with 200 terminals, against node_exporter's.

After a warm-up, 200 sequential scrapes of each, interleaved (agent, node_exporter, agent, ...)
so that both see the same background; each over a kept-alive connection with Prometheus' headers
(OpenMetrics preferred, gzip accepted).  Time is from sending the request to the body's last byte.
Goal: the agent's median no slower than node_exporter's.
"""

from __future__ import annotations

import statistics

from bench.exporters import Exporter
from bench.measure import Scraper, percentile
from bench.report import Goal, Section
from tests.support.agent import AgentProcess

WARMUP = 20

# Timed in-process (perf_counter, median of 200) on 2026-11-22: 200 terminals, ~150 KiB.
_CAUSE = (
    "Where a scrape's time goes (timed in-process, 200 terminals, ~150 KiB): building the rows "
    "about 0.5 ms, writing them (`sansang/exposition.py`) about 1.3 ms in either format; the "
    "rest is "
    "aiohttp, the hop to a worker thread and the network.  (prometheus_client 0.26's encoders, "
    "used before, took 11 ms for the text format and 19 ms for OpenMetrics.)"
)
SCRAPES = 200


def measure(agent: AgentProcess, node: Exporter, setup: str, scrapes: int = SCRAPES) -> Section:
    scrapers = {"agent": Scraper(agent.base_url + "/metrics"), "node_exporter": node.scraper()}
    times: dict[str, list[float]] = {name: [] for name in scrapers}
    sizes: dict[str, int] = {}
    try:
        for _ in range(WARMUP):
            for s in scrapers.values():
                s.scrape()
        for _ in range(scrapes):
            for name, s in scrapers.items():
                seconds, size = s.scrape()
                times[name].append(seconds * 1000)
                sizes[name] = size
    finally:
        for s in scrapers.values():
            s.close()
    section = Section("/metrics latency", setup)
    for name, values in times.items():
        section.figures[f"{name} median / p90 / max"] = (
            f"{statistics.median(values):.2f} / {percentile(values, 90):.2f} / "
            f"{max(values):.2f} ms ({len(values)} scrapes, {sizes[name] / 1024:.1f} KiB body)"
        )
    section.goals.append(
        Goal(
            "median scrape time",
            "ms",
            statistics.median(times["agent"]),
            statistics.median(times["node_exporter"]),
            "node_exporter",
            digits=2,
        )
    )
    if not section.goals[0].passed:
        section.notes.append(_CAUSE)
    p90 = {name: percentile(values, 90) for name, values in times.items()}
    section.figures["p90 ratio agent / node_exporter (no goal)"] = (
        f"{p90['agent'] / p90['node_exporter']:.2f}"
    )
    return section
