"""Footprint: the agent's resident memory and CPU with 200 terminals, over a 60 s window.

Reference: node_exporter and blackbox_exporter, idle but scraped, measured the same way in the
same window (psutil on their PIDs: RSS sampled every second, CPU time counted over the window).
All three are scraped every 15 s during the window, as Prometheus would.
Goals: agent peak RSS <= the two exporters' peak RSS together; agent CPU < 1 % of one core.
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.exporters import Exporter
from bench.measure import MIB, Scraper, Watched
from bench.report import Goal, Section
from bench.site import samples
from tests.support.agent import AgentProcess

WINDOW = 60.0
SCRAPE_EVERY = 15.0
SAMPLE_EVERY = 1.0


def measure(
    agent: AgentProcess, node: Exporter, blackbox: Exporter, setup: str, window: float = WINDOW
) -> Section:
    assert agent.proc is not None
    targets = [
        (Watched.pid("agent", agent.proc.pid), Scraper(agent.base_url + "/metrics")),
        (Watched.pid("node_exporter", node.proc.pid), node.scraper()),
        (Watched.pid("blackbox_exporter", blackbox.proc.pid), blackbox.scraper()),
    ]
    sizes: dict[str, int] = {}
    runs_before = _runs(agent)
    for w, _ in targets:
        w.start()
    started = time.monotonic()
    next_scrape = next_sample = started
    while (now := time.monotonic()) < started + window:
        if now >= next_scrape:
            for w, scraper in targets:
                sizes[w.name] = scraper.scrape()[1]
            next_scrape += SCRAPE_EVERY
        if now >= next_sample:
            for w, _ in targets:
                w.sample()
            next_sample += SAMPLE_EVERY
        # Pacing to the next due sample or scrape (a fixed schedule, not a wait for a condition).
        time.sleep(max(0.0, min(next_scrape, next_sample, started + window) - time.monotonic()))
    elapsed = time.monotonic() - started
    for w, scraper in targets:
        w.stop()
        scraper.close()
    uss = {w.name: w.process.memory_full_info().uss for w, _ in targets}
    section = _section(setup, [w for w, _ in targets], sizes, elapsed)
    runs = _runs(agent) - runs_before
    agent_cpu = targets[0][0].cpu_seconds
    section.figures["agent probe runs in the window"] = (
        f"{runs:.0f}, {1000 * agent_cpu / runs:.2f} ms of agent CPU per run (scrapes included)"
        if runs
        else "0"
    )
    section.figures["USS at the end (memory no other process shares)"] = ", ".join(
        f"{name} {value / MIB:.1f} MiB" for name, value in uss.items()
    )
    if not section.goals[0].passed:
        section.figures["RSS floor of the agent's imports (no config, no work)"] = _import_floor()
    return section


# What the agent's process holds before it does anything: the interpreter, then its libraries.
_IMPORT_STAGES = (
    ("python", "pass"),
    ("+ asyncio/ssl", "import asyncio, ssl"),
    ("+ aiohttp", "import asyncio, ssl, aiohttp.web"),
    ("+ everything the agent imports", "import agent.app, sansang.cli"),
)


def _import_floor() -> str:
    """RSS of a fresh interpreter after each stage of imports (psutil itself included), to
    explain a memory miss."""
    parts = []
    for label, code in _IMPORT_STAGES:
        program = f"{code}\nimport psutil\nprint(psutil.Process().memory_info().rss)"
        out = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, check=True
        )
        parts.append(f"{label} {int(out.stdout) / MIB:.1f}")
    return ", ".join(parts) + " MiB"


def _runs(agent: AgentProcess) -> float:
    return sum(samples(agent.metrics(), "sansang_probe_runs_total").values())


def _section(setup: str, watched: list[Watched], sizes: dict[str, int], elapsed: float) -> Section:
    agent, node, blackbox = watched
    section = Section("Footprint", setup)
    for w in watched:
        section.figures[f"{w.name} RSS mean / peak"] = (
            f"{w.rss_mean / MIB:.1f} / {w.rss_peak / MIB:.1f} MiB"
        )
        section.figures[f"{w.name} CPU"] = (
            f"{100 * w.cpu_seconds / elapsed:.3f} % of a core ({w.cpu_seconds:.2f} s "
            f"in {elapsed:.0f} s)"
        )
        section.figures[f"{w.name} /metrics body"] = f"{sizes.get(w.name, 0) / 1024:.1f} KiB"
    section.goals.append(
        Goal(
            "RSS, peak over the window",
            "MiB",
            agent.rss_peak / MIB,
            (node.rss_peak + blackbox.rss_peak) / MIB,
            "node_exporter + blackbox_exporter",
        )
    )
    section.goals.append(
        Goal(
            "CPU, mean over the window",
            "% of a core",
            100 * agent.cpu_seconds / elapsed,
            1.0,
            "limit",
            digits=3,
        )
    )
    return section
