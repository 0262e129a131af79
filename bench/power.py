"""Power detection latency: from the UPS changing state to the agent's metric and journal event.

A real NUT upsd serves a dummy-ups UPS; its ``.dev`` file is rewritten 25 times (five rounds of
mains lost, battery low, mains back, bypass on, bypass off).  For every change three times are
taken from the moment of the rewrite: when upsd itself serves the new status (the driver's share,
measured by polling upsd every 20 ms: the reference), when the agent's ``/metrics`` shows it, and
the ``wall_time`` of the agent's journal event.  The agent polls the UPS at its default interval
(5 s), so the agent's own share (agent − upsd) can be anything from 0 to one poll interval; the
sum of the intervals in the chain (the driver's poll, then the agent's) bounds the whole delay.
Each rewrite waits a random part of a poll interval first, so changes land at every phase of the
agent's schedule (rewriting right after the previous change was seen would always land just after
a poll, and every change would wait a full interval).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from bench.report import Goal, Section
from tests.integration.nutlab import NutLab, nut_missing
from tests.support.agent import AgentProcess, running_agent
from tests.support.metrics import parse_metrics, value
from tests.support.net import free_port

POLL = 5.0  # the agent's default power.interval
DRIVER_POLL = 2  # NUT's default pollinterval for the driver
ROUNDS = 5
# (ups.status, the series that must change and its new value, the journal event it makes)
STEPS: tuple[tuple[str, str, dict[str, str], float, tuple[str, str]], ...] = (
    ("OB DISCHRG", "sansang_power_on_battery", {}, 1.0, ("mains_state", "lost")),
    ("OB DISCHRG LB", "sansang_power_battery_low", {}, 1.0, ("battery_low", "low")),
    ("OL CHRG", "sansang_power_mains_present", {}, 1.0, ("mains_state", "restored")),
    ("OL BYPASS", "sansang_power_ups_status", {"flag": "BYPASS"}, 1.0, ("ups_bypass", "on")),
    ("OL", "sansang_power_ups_status", {"flag": "BYPASS"}, 0.0, ("ups_bypass", "off")),
)


def _config(lab: NutLab, workdir: Path) -> dict[str, Any]:
    return {
        "site": {"commune_code": "23527", "name": "bench", "latitude": 14.4, "longitude": 107.8},
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        # Flapping would (rightly) fold these rapid changes into one event: out of the way here.
        "power": {
            "flapping_changes": 1000,
            "sources": [{"id": "ups", "source": {"probe": "nut", **lab.spec()}}],
        },
    }


class _UpsdWatch:
    """Polls upsd every 20 ms in a thread: when did it first serve ``status``?"""

    def __init__(self, lab: NutLab, status: str) -> None:
        self.seen: float | None = None
        self._lab, self._status = lab, status
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.time() + 30
        while self.seen is None and time.time() < deadline:
            if self._lab.status() == self._status:
                self.seen = time.time()
            time.sleep(0.02)

    def join(self) -> None:
        self._thread.join()


def _one_change(
    lab: NutLab, agent: AgentProcess, step: tuple[str, str, dict[str, str], float, tuple[str, str]]
) -> tuple[float, float, float]:
    status, metric, labels, expected, (kind, state) = step
    after = int(agent.events()[-1]["seq"])
    time.sleep(random.uniform(0, POLL))  # a random phase against the agent's schedule
    written = time.time()
    lab.set_status(status)
    watch = _UpsdWatch(lab, status)
    metric_at = None
    deadline = written + 30
    while metric_at is None and time.time() < deadline:
        if value(parse_metrics(agent.metrics()), metric, source="ups", **labels) == expected:
            metric_at = time.time()
        else:
            time.sleep(0.02)
    watch.join()
    events = [e for e in agent.events(after) if (e["kind"], e["state"]) == (kind, state)]
    if metric_at is None or watch.seen is None or not events:
        raise RuntimeError(f"{status}: not seen within 30 s (metric, upsd, event)")
    return watch.seen - written, metric_at - written, events[0]["wall_time_unix"] - written


def run(workdir: Path) -> Section:
    setup = (
        f"real upsd + dummy-ups (driver pollinterval {DRIVER_POLL} s), agent power.interval "
        f"{POLL:g} s, {ROUNDS * len(STEPS)} changes"
    )
    reason = nut_missing()
    if reason:
        return Section("Power detection latency", setup, notes=[f"skipped: {reason}"])
    workdir.mkdir(parents=True, exist_ok=True)
    upsd, metric, event = [], [], []
    with NutLab(workdir / "nut", poll_interval=DRIVER_POLL) as lab:
        agent_dir = workdir / "agent"
        agent_dir.mkdir(exist_ok=True)
        with running_agent(_config(lab, agent_dir), agent_dir) as agent:
            while value(parse_metrics(agent.metrics()), "sansang_power_source_up",
                        source="ups", probe="nut") != 1.0:  # fmt: skip
                time.sleep(0.1)
            for _ in range(ROUNDS):
                for step in STEPS:
                    u, m, e = _one_change(lab, agent, step)
                    upsd.append(u)
                    metric.append(m)
                    event.append(e)
    total = [max(m, e) for m, e in zip(metric, event, strict=True)]
    own = [t - u for t, u in zip(total, upsd, strict=True)]
    limit = DRIVER_POLL + POLL
    section = Section("Power detection latency", setup)
    section.figures = {
        "changes": str(len(upsd)),
        "upsd serves the change (the driver's share), median / max": _mm(upsd),
        "agent metric changed, median / max": _mm(metric),
        "agent journal event written, median / max": _mm(event),
        "agent's own share (later of metric and event − upsd), median / max": _mm(own),
        "agent poll interval": f"{POLL:.2f} s",
    }
    section.goals.append(
        Goal(
            "rewrite to metric and event, worst change",
            "s",
            max(total),
            limit,
            f"driver poll {DRIVER_POLL} s + agent poll {POLL:g} s",
            digits=2,
        )
    )
    return section


def _mm(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s / {max(values):.2f} s"
