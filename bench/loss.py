"""Loss accuracy: the quality probe's measured loss against the iptables drop rate.

A ``link_lab`` with one link; iptables (``statistic --mode random``) drops 1 %, 5 % and 20 % of
the packets reaching the client, and the quality probe (``agent/probes/quality.py``, the code the
agent runs) sends one round of ``REQUESTS`` ICMP echo requests from the client namespace to the
server over that link.  The goal: |measured − set| ≤ 2 points at each rate.

Why ``REQUESTS`` = 4000: the drops are random, so even a perfect counter sees a loss spread
around the set rate with standard deviation sqrt(p (1 − p) / n).  At n = 4000 that is 0.16
points at 1 %, 0.34 at 5 % and 0.63 at 20 %: 2 points is 3.2 standard deviations at the worst
rate, so a correct probe misses the goal by chance about once in 700 runs; at 1000 requests
(1.26 points at 20 %) it would miss one run in nine.  The ground truth of the run is also
printed: iptables' own count of the packets it dropped, over the requests sent; the probe should
match it exactly (nothing else is lost on the lab's link).

A figure without a goal: the same with the ``tcp`` method (1000 connects 2 ms apart, each waiting
0.5 s, shorter than the kernel's 1 s SYN retransmission, so a dropped SYN-ACK is a lost request).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.report import Goal, Section
from tests.integration.linklab import IPTABLES, LinkLab, link_lab, linklab_missing
from tests.support import wait_until

RATES = (0.01, 0.05, 0.20)
REQUESTS = 4000
SPACING = 0.001  # 4 s per point
REPLY_TIMEOUT = 1.0
GOAL_POINTS = 2.0
TCP_REQUESTS, TCP_SPACING, TCP_TIMEOUT, TCP_PORT = 1000, 0.002, 0.5, 5201

# One round of the real probe, run in the client namespace; prints its figures as JSON.
_ROUND = """
import asyncio, json, logging, sys
from agent.probes.base import ProbeContext
from agent.probes.quality import QualitySpec, run
spec = QualitySpec.model_validate_json(sys.argv[1])
ctx = ProbeContext("bench", 600.0, logging.getLogger("bench"))
outcome = asyncio.run(run(spec, ctx))
[m] = outcome.measurements
print(json.dumps(m.details))
"""


# The TCP target: accepts and closes every connection (a full accept queue would drop SYNs).
_ACCEPT = """
import socket
server = socket.create_server(({!r}, {}), backlog=1024)
while True:
    server.accept()[0].close()
"""


def _round(lab: LinkLab, spec: dict[str, object]) -> dict[str, float]:
    done = lab.run("client", sys.executable, "-c", _ROUND, json.dumps(spec), timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"the probe failed in the lab: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _dropped(lab: LinkLab) -> int:
    """Packets the iptables loss rule dropped since it was set (its own counter)."""
    listing = lab.run("client", IPTABLES, "-nvxL", "INPUT").stdout
    rows = [line.split() for line in listing.splitlines() if "DROP" in line]
    return int(rows[0][0]) if rows else 0


def _listening(lab: LinkLab, host: str) -> bool:
    code = f"import socket; socket.create_connection(({host!r}, {TCP_PORT}), timeout=1).close()"
    return lab.run("client", sys.executable, "-c", code, timeout=5).returncode == 0


def run(workdir: Path) -> Section:
    setup = (
        f"link_lab, 1 link, iptables random drop of the replies; ICMP: {REQUESTS} echo requests "
        f"{SPACING * 1000:g} ms apart per rate; TCP: {TCP_REQUESTS} connects "
        f"{TCP_SPACING * 1000:g} ms apart"
    )
    reason = linklab_missing()
    if reason:
        return Section("Loss accuracy", setup, notes=[f"skipped: {reason}"])
    workdir.mkdir(parents=True, exist_ok=True)
    section = Section("Loss accuracy", setup)
    with link_lab("bl", links=1) as lab:
        server = lab.links[0].server
        lab.spawn("server", sys.executable, "-c", _ACCEPT.format(server, TCP_PORT))
        wait_until(lambda: _listening(lab, server), 10, "a TCP listener in the server namespace")
        for rate in RATES:  # ICMP first: stray TCP retransmissions would add to iptables' count
            _icmp_point(lab, server, rate, section)
        for rate in RATES:
            _tcp_point(lab, server, rate, section)
    section.notes.append(
        "ICMP is the honest measure of packet loss; over TCP a lost SYN-ACK is retransmitted "
        "after 1 s, so TCP rounds count it lost only because their reply timeout is shorter"
    )
    return section


def _icmp_point(lab: LinkLab, server: str, rate: float, section: Section) -> None:
    lab.loss(0, rate)  # replaces the rule: its counter starts at 0
    icmp = _round(
        lab,
        {"method": "icmp", "host": server, "count": REQUESTS, "spacing": SPACING,
         "reply_timeout": REPLY_TIMEOUT},
    )  # fmt: skip
    dropped = _dropped(lab)
    measured = float(icmp["loss_ratio"])
    label = f"{rate * 100:g} %"
    section.figures[f"set {label}: ICMP measured"] = (
        f"{measured * 100:.2f} % ({int(icmp['received'])} of {int(icmp['sent'])} replies; "
        f"iptables dropped {dropped}, i.e. {dropped / icmp['sent'] * 100:.2f} %); "
        f"median RTT {float(icmp['median_seconds'] or 0) * 1000:.3f} ms"
    )
    section.goals.append(
        Goal(
            f"loss at {label}: |measured − set|",
            "points",
            abs(measured - rate) * 100,
            GOAL_POINTS,
            "the 2-point goal",
            digits=2,
        )
    )


def _tcp_point(lab: LinkLab, server: str, rate: float, section: Section) -> None:
    lab.loss(0, rate)
    tcp = _round(
        lab,
        {"method": "tcp", "host": server, "port": TCP_PORT, "count": TCP_REQUESTS,
         "spacing": TCP_SPACING, "reply_timeout": TCP_TIMEOUT},
    )  # fmt: skip
    section.figures[f"set {rate * 100:g} %: TCP measured (no goal)"] = (
        f"{float(tcp['loss_ratio']) * 100:.2f} % ({int(tcp['received'])} of {int(tcp['sent'])})"
    )
