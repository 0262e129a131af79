"""Sweep: one full round over 500 terminals, half of them silent, against the probe timeout.

All 500 start together (``start_spread: 0``, a long interval so the round is the first and only
one).  Measured inside the agent: the round starts when its first probe starts (the earliest
``sansang_probe_last_run_timestamp_seconds - sansang_probe_duration_seconds``) and ends when the
last terminal's first ``terminal_state`` event is in the journal (its wall time; the journal
stamps an event when it commits it, so this includes writing all 500 events durably).  The time
the last result reached the agent's memory (``/metrics``) is shown too.
Goal: the round within 1.5 times the probe timeout.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from bench import site
from bench.netlab import SILENT_NET, NetLab
from bench.report import Goal, Section
from tests.support import wait_until
from tests.support.agent import AgentProcess

LIVE = SILENT = 250
TIMEOUT = 5.0
LIMIT = 1.5


def run(
    lab: NetLab,
    workdir: Path,
    method: str,
    timeout: float = TIMEOUT,
    live: int = LIVE,
    silent: int = SILENT,
) -> Section:
    cfg = site.config(
        workdir,
        lab,
        live=live,
        silent=silent,
        method=method,
        interval="1h",
        timeout=f"{timeout:g}s",
        start_spread=0.0,
    )
    ids = {t["id"] for t in cfg["terminals"]}
    with site.agent(cfg, workdir, lab) as agent:
        events = _first_events(agent, len(ids), timeout)
        text = agent.metrics()
    last = _only(site.samples(text, "sansang_probe_last_run_timestamp_seconds"), ids)
    duration = _only(site.samples(text, "sansang_probe_duration_seconds"), ids)
    start = min(last[k] - duration[k] for k in last)
    in_memory = max(last.values()) - start
    journaled = max(e["wall_time_unix"] for e in events) - start
    setup = (
        f"{live} answering + {silent} silent terminals, method `{method}`, timeout {timeout:g} s, "
        "start_spread 0; agent in its own network namespace"
    )
    section = Section(f"Sweep ({method})", setup)
    outcomes = Counter(f"{e['state']} ({e['details'].get('reason') or 'ok'})" for e in events)
    section.figures["first results"] = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
    section.figures["last result in memory (/metrics)"] = f"{in_memory:.3f} s after round start"
    section.figures["last result journaled"] = f"{journaled:.3f} s after round start"
    slowest_up = max((duration[k] for k in last if k in _up(events)), default=0.0)
    section.figures["slowest answering terminal"] = f"{slowest_up * 1000:.1f} ms"
    section.notes += _surprises(cfg, events)
    section.goals.append(
        Goal(
            "full round (start to last event journaled)",
            "s",
            journaled,
            timeout,
            "timeout",
            limit=LIMIT,
            digits=3,
            wrong="; ".join(section.notes),
        )
    )
    return section


def _first_events(agent: AgentProcess, count: int, timeout: float) -> list[dict[str, Any]]:
    def all_journaled() -> list[dict[str, Any]] | None:
        found = site.events(agent, "terminal_state")
        return found if len(found) >= count else None

    return wait_until(
        all_journaled, 4 * timeout + 30, f"{count} terminal_state events", interval=0.5
    )


def _surprises(cfg: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    """What did not go as the lab intends: an answering terminal down, or a silent one down for
    another reason than its timeout (then the round did not measure the timeout)."""
    silent_prefix = str(SILENT_NET.network_address).rsplit(".", 1)[0] + "."
    silent = {t["id"] for t in cfg["terminals"] if t["address"].startswith(silent_prefix)}
    wrong_live = Counter(
        f"{e['state']} ({e['details'].get('reason') or 'ok'})"
        for e in events
        if e["subject"] not in silent and e["state"] != "up"
    )
    wrong_silent = Counter(
        f"{e['state']} ({e['details'].get('reason') or 'ok'})"
        for e in events
        if e["subject"] in silent and e["details"].get("reason") != "timeout"
    )
    notes = []
    if wrong_live:
        notes.append(f"Answering terminals that were not up: {dict(wrong_live)}.")
    if wrong_silent:
        notes.append(f"Silent terminals that did not time out: {dict(wrong_silent)}.")
    return notes


def _only(values: dict[str, float], ids: set[str]) -> dict[str, float]:
    return {k: v for k, v in values.items() if k in ids}


def _up(events: list[dict[str, Any]]) -> set[str]:
    return {e["subject"] for e in events if e["state"] == "up"}
