"""A benchmark site: an agent config with N terminals in the lab, and reading the agent back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bench.netlab import AGENT_HTTP, NetLab
from sansang.kinds import TERMINAL_KINDS
from tests.support import wait_until
from tests.support.agent import AgentProcess
from tests.support.net import http_get

AGENT_PORT = 9717


def config(
    workdir: Path,
    lab: NetLab,
    *,
    live: int,
    silent: int,
    method: str = "tcp",
    interval: str = "15s",
    timeout: str = "5s",
    start_spread: float = 1.0,
) -> dict[str, Any]:
    """An agent config whose terminals are ``live`` answering and ``silent`` dropped addresses."""
    check: dict[str, Any] = {"method": method}
    if method == "tcp":
        check["port"] = lab.port
    addresses = lab.live(live) + lab.silent(silent)
    terminals = [
        {
            "id": f"t{i:03d}",
            "name": f"Thiết bị {i}",
            "kind": TERMINAL_KINDS[i % len(TERMINAL_KINDS)],
            "address": address,
            "check": dict(check),
        }
        for i, address in enumerate(addresses)
    ]
    return {
        "site": {
            "commune_code": "23527",
            "site_id": "bench",
            "name": "Điểm đo hiệu năng (benchmark)",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"{AGENT_HTTP}:{AGENT_PORT}"},
        "journal": {"path": str(workdir / "journal.db")},
        "probes": {"interval": interval, "timeout": timeout, "start_spread": start_spread},
        "terminals": terminals,
    }


@contextmanager
def agent(cfg: dict[str, Any], workdir: Path, lab: NetLab) -> Iterator[AgentProcess]:
    """The agent, running in the lab's agent namespace, stopped on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    proc = AgentProcess(cfg, workdir, netns=lab.agent_ns)
    try:
        yield proc.start()
    finally:
        proc.stop()


def samples(text: str, name: str) -> dict[str, float]:
    """Values of one gauge by its ``check`` or ``terminal`` label."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                found[s.labels.get("check") or s.labels.get("terminal", "")] = s.value
    return found


def wait_all_results(agent_proc: AgentProcess, count: int, timeout: float) -> dict[str, float]:
    """Wait until ``count`` terminals have a result; returns their ``terminal_up`` values."""

    def ready() -> dict[str, float] | None:
        up = samples(agent_proc.metrics(), "sansang_terminal_up")
        return up if len(up) >= count else None

    return wait_until(ready, timeout, f"{count} terminals to have a result", interval=0.2)


def events(agent_proc: AgentProcess, kind: str) -> list[dict[str, Any]]:
    """Every journal event of one kind, through the agent's events API."""
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        url = f"{agent_proc.base_url}/api/v1/events?after={after}&limit=5000"
        page = json.loads(http_get(url))
        found += [e for e in page["events"] if e["kind"] == kind]
        if page["next_after"] == after or page["next_after"] >= page["last_seq"]:
            return found
        after = page["next_after"]
