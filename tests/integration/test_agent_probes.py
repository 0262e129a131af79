"""A real ``sansang agent run``: ``/-/healthy`` and ``/-/ready`` answer 200 once it serves (its
config loaded, its journal open), and ``/metrics`` carries ``sansang_build_info`` with the
revision the environment gave it, and prometheus_client's process series for this process."""

from __future__ import annotations

import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sansang import __version__
from tests.support.agent import AgentProcess
from tests.support.metrics import parse_metrics, value
from tests.support.net import free_port, http_get

pytestmark = pytest.mark.integration


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[AgentProcess]:
    config: dict[str, Any] = {
        "site": {
            "commune_code": "23527",
            "name": "Xã Sa Thầy",
            "latitude": 14.4,
            "longitude": 107.8,
        },
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "journal": {"path": str(tmp_path / "journal.db")},
        "checks": [],
    }
    proc = AgentProcess(config, tmp_path, env={"SANSANG_REVISION": "0123abc"})
    try:
        yield proc.start()
    finally:
        proc.stop()


def test_probes_answer_and_metrics_name_the_build(agent: AgentProcess) -> None:
    assert http_get(agent.base_url + "/-/healthy") == b"OK\n"
    assert http_get(agent.base_url + "/-/ready") == b"OK\n"
    m = parse_metrics(agent.metrics())
    [(labels, one)] = m["sansang_build_info"].items()  # one series
    assert one == 1
    assert dict(labels) == {
        "version": __version__,
        "revision": "0123abc",
        "python_version": platform.python_version(),  # the same interpreter runs the agent
    }
    assert value(m, "process_start_time_seconds") is not None
    assert (value(m, "process_resident_memory_bytes") or 0) > 10 * 2**20
