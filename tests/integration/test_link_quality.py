"""Loss, latency and jitter over two real WAN links: the agent in the client namespace of a
``link_lab``, the targets in the server namespace.

The site: link 0 ``fibre`` (primary, bound by its source address: the default route) and link 1
``4g`` (a backup, bound to ``wan1``, which the client reaches through a default route of higher
metric: only a socket bound to ``wan1`` takes it, as on a real multi-WAN site).  The province's
server is one address on the server namespace's loopback, reachable over both links; it answers
ICMP (the kernel), TCP and HTTP (``python -m http.server``).

What must hold:

- iptables drops 20 % of the packets that reach the client over link 0.  ICMP loss is what the
  echo replies saw: with ``SENT`` requests the measured loss has a standard deviation of
  sqrt(0.2 * 0.8 / SENT), 1.26 points for 1000, and ``TOLERANCE`` (5 points, 4 standard
  deviations: a false failure about once in 16,000 runs) bounds it; counters and the journal's
  ``link_quality`` rounds must agree with each other exactly.  TCP and HTTP over the same lossy
  link must still get replies.
- the backup link carried rounds: ``backup_link_working`` in the journal, once;
- link 1 unplugged: ``link_state down`` for ``4g`` and ``sansang_link_up{link="4g"} 0``, while
  ``fibre`` stays up (no down event, 1).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.linklab import LinkLab, link_lab, linklab_missing
from tests.integration.netns import ip, link_exists, write_sysctl
from tests.support import wait_until
from tests.support.agent import AgentProcess
from tests.support.metrics import parse_metrics, value

pytestmark = [
    pytest.mark.integration,
    pytest.mark.netns,
    pytest.mark.skipif(linklab_missing() is not None, reason=str(linklab_missing())),
]

LOSS = 0.20
SENT = 1000  # ICMP requests over link 0 before the loss is judged
TOLERANCE = 0.05  # 4 standard deviations of the measured loss at SENT (module docstring)
COUNT, SPACING, REPLY_TIMEOUT, INTERVAL = 100, "2ms", "0.5s", "1s"
PORT = 8080
AGENT_PORT = 9717


class Site:
    def __init__(self, lab: LinkLab, agent: AgentProcess, server: str) -> None:
        self.lab, self.agent, self.server = lab, agent, server

    def metric(self, metric: str, /, **labels: str) -> float | None:
        return value(parse_metrics(self.agent.metrics()), metric, **labels)

    def events(self, kind: str, subject: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.agent.events()
            if e["kind"] == kind and (subject is None or e["subject"] == subject)
        ]


def _addresses() -> tuple[str, str, str]:
    """The province server (server namespace's lo), and the test's veth to the agent."""
    octet = os.getpid() % 250
    return f"10.219.{octet}.1", f"10.218.{octet}.1", f"10.218.{octet}.2"


@pytest.fixture
def lab() -> Iterator[tuple[LinkLab, str, str]]:
    server, here, agent_address = _addresses()
    veth = f"q{os.getpid()}a"
    with link_lab("lq", links=2) as lab:
        ip("-n", lab.server_ns, "addr", "add", f"{server}/32", "dev", "lo")
        # link 1: a default route of higher metric, taken only by sockets bound to wan1
        ip("-n", lab.client_ns, "route", "add", "default", "via", lab.links[1].server,
           "dev", "wan1", "metric", "100")  # fmt: skip
        for dev in ("all", "wan1"):  # replies from the server's lo arrive on wan1 too
            write_sysctl(lab.client_ns, f"net.ipv4.conf.{dev}.rp_filter", "0")
        ip("link", "add", veth, "type", "veth", "peer", "name", "mgmt0", "netns", lab.client_ns)
        try:
            ip("addr", "add", f"{here}/30", "dev", veth)
            ip("link", "set", veth, "up")
            ip("-n", lab.client_ns, "addr", "add", f"{agent_address}/30", "dev", "mgmt0")
            ip("-n", lab.client_ns, "link", "set", "mgmt0", "up")
            lab.spawn("server", sys.executable, "-m", "http.server", "--bind", server, str(PORT))
            wait_until(lambda: _listening(lab, server), 10, "http.server in the server namespace")
            yield lab, server, agent_address
        finally:
            if link_exists(veth):
                ip("link", "del", veth)


def _listening(lab: LinkLab, server: str) -> bool:
    code = f"import socket; socket.create_connection(({server!r}, {PORT}), timeout=1).close()"
    return lab.run("client", sys.executable, "-c", code, timeout=5).returncode == 0


def _config(lab: LinkLab, server: str, listen: str, workdir: Path) -> dict[str, Any]:
    return {
        "site": {"commune_code": "23527", "name": "Xã thử", "latitude": 14.4, "longitude": 107.8},
        "server": {"listen": f"{listen}:{AGENT_PORT}"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        "probes": {"start_spread": 0},
        "links": [
            {"id": "fibre", "kind": "internet", "source_address": lab.links[0].client},
            {"id": "4g", "kind": "mobile", "role": "backup", "interface": "wan1"},
        ],
        "quality": {
            "interval": INTERVAL,
            "count": COUNT,
            "spacing": SPACING,
            "timeout": REPLY_TIMEOUT,
            "targets": [
                {
                    "id": "province",
                    "role": "province_datacenter",
                    "check": {"method": "icmp", "host": server},
                    "links": ["fibre", "4g"],
                },
                {
                    "id": "province-tcp",
                    "role": "province_datacenter",
                    "check": {"method": "tcp", "host": server, "port": PORT},
                    "links": ["fibre"],
                },
                {  # no links: over the default route, which is link 0
                    "id": "portal",
                    "role": "national_portal",
                    "check": {"method": "http", "url": f"http://{server}:{PORT}/"},
                },
            ],
        },
    }


@pytest.fixture
def site(lab: tuple[LinkLab, str, str], tmp_path: Path) -> Iterator[Site]:
    link, server, listen = lab
    link.loss(0, LOSS)
    agent = AgentProcess(_config(link, server, listen, tmp_path), tmp_path, netns=link.client_ns)
    agent.start()
    try:
        yield Site(link, agent, server)
    finally:
        agent.stop()


def test_loss_backup_evidence_and_a_dead_backup_link(site: Site) -> None:
    fibre = {"target": "province", "link": "fibre"}
    wait_until(
        lambda: (site.metric("sansang_link_echo_requests_sent_total", **fibre) or 0) >= SENT,
        60,
        f"{SENT} echo requests over fibre",
    )
    scrape = parse_metrics(site.agent.metrics())
    sent = value(scrape, "sansang_link_echo_requests_sent_total", **fibre)
    received = value(scrape, "sansang_link_echo_replies_received_total", **fibre)
    assert sent is not None and received is not None
    loss = 1 - received / sent
    assert abs(loss - LOSS) <= TOLERANCE, f"measured {loss:.3f} over {sent:g} requests"
    assert value(scrape, "sansang_link_rtt_seconds_count", **fibre) == received

    # the journal: one link_quality event per round, adding up to the counters' figures so far
    rounds = [e for e in site.events("link_quality", "province") if e["details"]["link"] == "fibre"]
    j_sent = sum(e["details"]["sent"] for e in rounds)
    j_received = sum(e["details"]["received"] for e in rounds)
    assert j_sent >= SENT and abs(1 - j_received / j_sent - LOSS) <= TOLERANCE
    for e in rounds:
        d = e["details"]
        assert d["sent"] == COUNT and d["method"] == "icmp" and d["role"] == "province_datacenter"
        assert math.isclose(d["loss_ratio"], 1 - d["received"] / d["sent"], abs_tol=1e-6)
        assert e["value"] == d["median_seconds"] and d["jitter_seconds"] is not None

    # TCP and HTTP over the same lossy link still get replies; the default route is "default"
    for labels in (
        {"target": "province-tcp", "link": "fibre"},
        {"target": "portal", "link": "default"},
    ):
        wait_until(
            lambda labels=labels: (
                (site.metric("sansang_link_echo_replies_received_total", **labels) or 0) > 0
            ),
            20,
            f"replies for {labels}",
        )

    # the backup link carried rounds: the evidence, once
    wait_until(lambda: site.events("backup_link_working"), 20, "backup_link_working")
    [evidence] = site.events("backup_link_working")
    assert evidence["subject"] == "4g"
    assert evidence["details"] == {"evidence": "quality_round", "target": "province"}
    assert site.metric("sansang_link_up", link="4g") == 1.0
    info = parse_metrics(site.agent.metrics())["sansang_link_info"]
    assert {"link": "4g", "kind": "mobile", "role": "backup", "interface": "wan1"}.items() <= {
        k: v for labels in info for k, v in labels if dict(labels)["link"] == "4g"
    }.items()

    # link 1 unplugged: 4g goes down, fibre stays up
    site.lab.down(1)
    wait_until(
        lambda: [e for e in site.events("link_state", "4g") if e["state"] == "down"],
        20,
        "link_state down for 4g",
    )
    assert site.metric("sansang_link_up", link="4g") == 0.0
    assert site.metric("sansang_link_up", link="fibre") == 1.0
    assert [e["state"] for e in site.events("link_state", "fibre")] == ["up"]
    down_rounds = [
        e for e in site.events("link_quality", "province")
        if e["details"]["link"] == "4g" and e["details"]["received"] == 0
    ]  # fmt: skip
    assert down_rounds and down_rounds[-1]["value"] is None
