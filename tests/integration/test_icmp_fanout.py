"""500 ICMP probes at once in one process, as the agent runs them for a large site.

Lab: a client namespace (where ``icmp_fanout`` runs the probes) on a veth link to a peer
namespace that owns 250 answering addresses, silently drops a second /24 (``blackhole`` route)
and answers a third with "host unreachable" (``unreachable`` route, forwarding on)::

    client ns: eth0 10.200.0.1/30, 10.200.0.0/16 via 10.200.0.2
    peer ns:   down0 10.200.0.2/30; lo 10.200.2.1-250/32 (answer);
               blackhole 10.200.3.0/24 (silent); unreachable 10.200.4.0/24 (ICMP error)

Run as root the probes share one raw socket; run as ``nobody`` (the client namespace's
``ping_group_range`` lets it) they share one unprivileged datagram socket.  Every answering
probe must get all its replies, every silent one must fail with ``timeout`` after the timeout.
The deadline is generous; this is a correctness check under load, not a speed assertion.  The
CPU time the probes took is printed (``pytest -s``) for the benchmark notes.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.netns import ip, namespace, write_sysctl
from tests.support.env import SANSANG, have

pytestmark = [
    pytest.mark.integration,
    pytest.mark.netns,
    pytest.mark.skipif(not have("ip"), reason="needs iproute2's ip"),
]

REPO = Path(__file__).resolve().parents[2]
PYTHON = str(Path(SANSANG).parent / "python")
ANSWERING = [f"10.200.2.{n}" for n in range(1, 251)]
SILENT = [f"10.200.3.{n}" for n in range(1, 251)]
UNREACHABLE = ["10.200.4.1", "10.200.4.2"]  # few: the kernel sends 5 such errors, then 1/s
TIMEOUT = 2.0
COUNT = 3
LATE = 3.0  # how late after the timeout a silent probe may return under this load
DEADLINE = 120.0  # for the whole run; generous on purpose


@dataclass
class FanoutLab:
    client: str  # namespace the probes run in
    peer: str


def _build(lab: FanoutLab) -> None:
    ip("-n", lab.client, "link", "add", "eth0", "type", "veth",
       "peer", "name", "down0", "netns", lab.peer)  # fmt: skip
    ip("-n", lab.client, "addr", "add", "10.200.0.1/30", "dev", "eth0")
    ip("-n", lab.client, "link", "set", "eth0", "up")
    ip("-n", lab.client, "route", "add", "10.200.0.0/16", "via", "10.200.0.2")
    ip("-n", lab.peer, "addr", "add", "10.200.0.2/30", "dev", "down0")
    ip("-n", lab.peer, "link", "set", "down0", "up")
    batch = "".join(f"addr add {address}/32 dev lo\n" for address in ANSWERING)
    ip("-n", lab.peer, "-batch", "-", stdin=batch)
    ip("-n", lab.peer, "route", "add", "blackhole", "10.200.3.0/24")
    ip("-n", lab.peer, "route", "add", "unreachable", "10.200.4.0/24")
    write_sysctl(lab.peer, "net.ipv4.ip_forward", "1")  # else the unreachable route stays silent
    write_sysctl(lab.peer, "net.ipv4.icmp_ratelimit", "0")  # the route's own limit still applies
    write_sysctl(lab.client, "net.ipv4.ping_group_range", "65534 65534")  # nobody's group


@pytest.fixture
def fanout_lab() -> Iterator[FanoutLab]:
    # a fresh lab per test: the peer's ICMP error rate limit is per namespace
    pid = os.getpid()
    with namespace(f"ssfanc{pid}") as client, namespace(f"ssfanp{pid}") as peer:
        lab = FanoutLab(client, peer)
        _build(lab)
        yield lab


def _fanout(lab: FanoutLab, as_nobody: bool) -> dict[str, Any]:
    user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if as_nobody else []
    cmd = [
        "ip", "netns", "exec", lab.client, *user, PYTHON, "-m", "tests.integration.icmp_fanout",
        f"--timeout={TIMEOUT}", f"--count={COUNT}", *ANSWERING, *SILENT, *UNREACHABLE,
    ]  # fmt: skip
    done = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=DEADLINE, check=False
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.mark.parametrize("as_nobody", [False, True], ids=["root-raw", "nobody-datagram"])
def test_500_probes_at_once_share_one_socket(fanout_lab: FanoutLab, as_nobody: bool) -> None:
    report = _fanout(fanout_lab, as_nobody)
    assert report["privileged"] is not as_nobody
    results = report["results"]
    failed = {a: results[a] for a in ANSWERING if results[a]["received"] != COUNT}
    assert not failed, (
        f"{len(failed)} answering probes lost replies, e.g. {next(iter(failed.items()))}"
    )
    assert all(results[a]["success"] for a in ANSWERING)
    for address in SILENT:
        result = results[address]
        assert (result["success"], result["reason"]) == (False, "timeout"), result
        assert (result["sent"], result["received"]) == (COUNT, 0), result
        assert TIMEOUT <= result["took"] < TIMEOUT + LATE, result
    for address in UNREACHABLE:
        assert (results[address]["success"], results[address]["reason"]) == (
            False,
            "unreachable",
        ), results[address]
    print(
        f"\n{'nobody/datagram' if as_nobody else 'root/raw'}: {len(results)} probes x {COUNT} "
        f"echoes: CPU {report['cpu_seconds']:.3f} s, wall {report['wall_seconds']:.3f} s"
    )
