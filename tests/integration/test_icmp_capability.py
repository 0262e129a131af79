"""A non-root agent with CAP_NET_RAW (what deploy/systemd/sansang-agent.service grants) pings
with a raw socket, whatever net.ipv4.ping_group_range says; without it, the probe says which
permission is missing.  Runs the real CLI as user nobody through util-linux's setpriv."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user"),
    pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux's setpriv"),
]

SANSANG = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "sansang"
NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"]
RANGE = Path("/proc/sys/net/ipv4/ping_group_range")


def _probe(*caps: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        "setpriv",
        *NOBODY,
        *caps,
        str(SANSANG),
        "agent",
        "probe",
        "icmp",
        "127.0.0.1",
        "--metrics",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)


def _nobody_may_ping_unprivileged() -> bool:
    low, high = (int(x) for x in RANGE.read_text(encoding="ascii").split())
    return low <= 65534 <= high


def test_cap_net_raw_is_enough_for_a_non_root_agent() -> None:
    done = _probe("--inh-caps=+net_raw", "--ambient-caps=+net_raw")
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'sansang_icmp_packets_received_total{check="cli"} 3.0' in done.stdout


def test_without_it_the_probe_names_the_missing_permission() -> None:
    if _nobody_may_ping_unprivileged():
        pytest.skip("this machine's ping_group_range lets nobody ping without a capability")
    done = _probe()
    assert done.returncode != 0
    assert "reason=permission_denied" in done.stdout
    assert "CAP_NET_RAW" in done.stdout and "ping_group_range" in done.stdout
