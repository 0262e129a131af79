"""A scrape of a real running agent passes ``promtool check metrics`` and parses as OpenMetrics.

promtool lints what Prometheus' own tooling cares about (help text, counter suffixes, units,
reserved characters); any line it prints is a failure, shown in the assertion.
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from agent.metrics.catalogue import BY_NAME
from agent.probes import PROBES
from sansang.metrics import family_name
from sansang.standard_metrics import STANDARD_NAMES
from tests.support import wait_until
from tests.support.agent import AgentProcess
from tests.support.env import have
from tests.support.net import free_port, http_get

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not have("promtool"), reason="needs promtool (Debian package prometheus)"),
]

OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


@pytest.fixture
def listener() -> Iterator[int]:
    """A loopback TCP port that accepts connections (the kernel completes the handshake)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


@pytest.fixture
def agent(tmp_path: Path, listener: int) -> Iterator[AgentProcess]:
    closed = free_port()  # nobody listens there: refused
    port = free_port()
    up = {"probe": "tcp", "host": "127.0.0.1", "port": listener}
    down = {"probe": "tcp", "host": "127.0.0.1", "port": closed}
    config: dict[str, Any] = {
        "site": {
            "commune_code": "23527",
            "site_id": "promtool",
            "name": 'Bộ phận Một cửa "thử" \\ nghiệm',  # quotes and backslash to escape
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"127.0.0.1:{port}"},
        "journal": {"path": str(tmp_path / "journal.db")},
        "probes": {"interval": "2s", "timeout": "1s", "start_spread": 0},
        "checks": [
            {"id": "gateway", "name": "Cổng mạng", "check": up},
            {"id": "dns-province", "check": down},
            {"id": "loopback", "check": {"probe": "icmp", "host": "127.0.0.1"}},
            {"id": "self", "check": {"probe": "http", "url": f"http://127.0.0.1:{port}/healthz"}},
        ],
        "services": [{"id": "mot-cua", "role": "one_stop_system", "check": up}],
        "terminals": [
            {
                "id": "quay-1",
                "kind": "counter_pc",
                "address": "127.0.0.1",
                "check": {"method": "tcp", "port": listener},
            },
            {
                "id": "may-in",
                "kind": "printer",
                "address": "127.0.0.1",
                "check": {"method": "tcp", "port": closed},
            },
        ],
        # a round of TCP connects over the default route: the RTT histogram in the scrape
        "quality": {
            "interval": "2s",
            "count": 3,
            "spacing": "0.1s",
            "timeout": "0.5s",
            "targets": [
                {
                    "id": "gateway",
                    "role": "gateway",
                    "check": {"method": "tcp", "host": "127.0.0.1", "port": listener},
                }
            ],
        },
    }
    proc = AgentProcess(config, tmp_path)
    try:
        yield proc.start()
    finally:
        proc.stop()


def _all_checked(agent: AgentProcess) -> str | None:
    """The scrape once every job (checks, services, terminals, host) has run."""
    text = agent.metrics()
    config = agent.config
    jobs = sum(len(config[k]) for k in ("checks", "services", "terminals")) + ("host" in PROBES)
    jobs += len(config["quality"]["targets"])
    return text if text.count("sansang_probe_success{") == jobs else None


def test_text_scrape_passes_promtool(agent: AgentProcess) -> None:
    text = wait_until(lambda: _all_checked(agent), 10, "every check to have run once")
    assert 'sansang_probe_success{check="gateway",probe="tcp"} 1.0' in text
    assert 'sansang_probe_success{check="dns-province",probe="tcp"} 0.0' in text
    assert 'sansang_http_status_code{check="self"} 200\n' in text  # an int, written exactly
    assert 'sansang_icmp_rtt_seconds{check="loopback"}' in text
    rounds = re.search(
        r'sansang_link_rtt_seconds_count\{target="gateway",link="default"\} (\S+)', text
    )
    assert rounds and float(rounds[1]) > 0 and float(rounds[1]) % 3 == 0  # 3 replies a round
    lint = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    report = (lint.stdout + lint.stderr).strip()
    assert lint.returncode == 0 and not report, f"promtool check metrics:\n{report}\n---\n{text}"


def test_openmetrics_scrape_parses(agent: AgentProcess) -> None:
    wait_until(lambda: _all_checked(agent), 10, "every check to have run once")
    body = http_get(agent.base_url + "/metrics", headers={"Accept": OPENMETRICS}).decode()
    assert body.endswith("# EOF\n"), body[-200:]
    families = {f.name: f for f in text_string_to_metric_families(body)}
    by_family = {family_name(m): m for m in BY_NAME.values()}
    standard = {n.removesuffix("_total") for n in STANDARD_NAMES}  # prometheus_client's
    assert set(families) >= standard
    for name, fam in families.items():
        if name in standard:
            continue
        assert name in by_family, f"{name} is not in the catalogue"
        assert fam.type == by_family[name].type, name
    site = families["sansang_site"].samples[0]
    assert site.name == "sansang_site_info" and site.value == 1
    assert site.labels["site_name"] == 'Bộ phận Một cửa "thử" \\ nghiệm'
    terminals = {s.labels["terminal"]: s.value for s in families["sansang_terminal_up"].samples}
    assert terminals == {"quay-1": 1.0, "may-in": 0.0}
    rtt = families["sansang_link_rtt_seconds"]
    assert rtt.type == "histogram" and rtt.unit == "seconds"
    assert {s.labels.get("le") for s in rtt.samples} >= {"0.001", "5.0", "+Inf"}
    runs = [s for s in families["sansang_probe_runs"].samples if s.name.endswith("_total")]
    assert runs and all(s.value >= 1 for s in runs)
