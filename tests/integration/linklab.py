"""Two hosts joined by one or more WAN links, each link shaped and lossy on demand.

    with link_lab("bw", links=2) as lab:      # namespaces ssbw<pid>s (server) and ssbw<pid>c
        lab.shape(0, mbit=20)                 # link 0: tbf at 20 Mbit/s both ways
        lab.loss(0, 0.05)                     # link 0: 5 % of packets to the client dropped
        proc = lab.spawn("server", "iperf3", "-s", "-B", lab.links[0].server)
        lab.run("client", "iperf3", "-c", lab.links[0].server, "-J")
        lab.down(1)                           # link 1 unplugged (the client's end down)

The client namespace (where the agent runs) has one interface per link, ``wan0``, ``wan1``...,
each in its own /30 with the server namespace; its default route goes over link 0, so binding to
``wan1`` or to ``lab.links[1].client`` is what sends traffic over link 1 (a backup link).  The
server namespace owns an address on every link.  Nothing routes off the machine: these
namespaces have no other interface.

Shaping is ``tc tbf`` on both ends' egress (the server's egress is the client's download), at
``burst`` 32 kbit and ``latency`` 50 ms (measured to hold the set rate).  Loss is
iptables' ``statistic --mode random`` in the client namespace's INPUT chain (replies lost on the
way back; the request got through, as on a lossy radio link).  The kernel has no netem: delay
needs a userspace proxy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from tests.integration.netns import in_netns, ip, namespace
from tests.support.env import stop_process

IPTABLES = "iptables"


def linklab_missing() -> str | None:
    """Why a lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            return f"{tool} not found (iproute2)"
    return None


@dataclass(frozen=True)
class Wan:
    index: int
    client_dev: str  # "wan0"
    server_dev: str
    client: str  # the client's address on this link
    server: str  # the server's address on this link


@dataclass
class LinkLab:
    server_ns: str
    client_ns: str
    links: list[Wan]
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def ns(self, side: str) -> str:
        return {"server": self.server_ns, "client": self.client_ns}[side]

    def shape(
        self, index: int, mbit: float, *, burst: str = "32kbit", latency: str = "50ms"
    ) -> None:
        """tbf at ``mbit`` on both ends of link ``index`` (replacing any earlier shaping)."""
        wan = self.links[index]
        for ns, dev in ((self.server_ns, wan.server_dev), (self.client_ns, wan.client_dev)):
            tbf = ["tbf", "rate", f"{mbit:g}mbit", "burst", burst, "latency", latency]
            done = in_netns(ns, "tc", "qdisc", "replace", "dev", dev, "root", *tbf)
            if done.returncode != 0:
                raise RuntimeError(f"tc qdisc on {dev}: {done.stderr.strip()}")

    def unshape(self, index: int) -> None:
        wan = self.links[index]
        for ns, dev in ((self.server_ns, wan.server_dev), (self.client_ns, wan.client_dev)):
            in_netns(ns, "tc", "qdisc", "del", "dev", dev, "root")

    def loss(self, index: int, probability: float) -> None:
        """Drop ``probability`` of the packets that reach the client over link ``index``
        (0 removes the rule)."""
        wan = self.links[index]
        in_netns(self.client_ns, IPTABLES, "-F", "INPUT")  # one rule per lab: replace it
        if probability > 0:
            done = in_netns(
                self.client_ns, IPTABLES, "-A", "INPUT", "-i", wan.client_dev,
                "-m", "statistic", "--mode", "random", "--probability", f"{probability:.4f}",
                "-j", "DROP",
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"iptables: {done.stderr.strip()}")

    def down(self, index: int) -> None:
        ip("-n", self.client_ns, "link", "set", self.links[index].client_dev, "down")

    def up(self, index: int) -> None:
        ip("-n", self.client_ns, "link", "set", self.links[index].client_dev, "up")

    def run(self, side: str, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return in_netns(self.ns(side), *cmd, timeout=timeout)

    def spawn(self, side: str, *cmd: str, log: str | None = None) -> subprocess.Popen[bytes]:
        """Start ``cmd`` in the namespace; stopped when the lab closes."""
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
        try:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns(side), *cmd],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        finally:
            if log:
                out.close()  # type: ignore[union-attr]
        self._procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self._procs:
            stop_process(proc)
        self._procs.clear()


@contextmanager
def link_lab(tag: str, links: int = 1) -> Iterator[LinkLab]:
    """Server and client namespaces joined by ``links`` veth pairs; deleted on the way out."""
    pid = os.getpid()
    with ExitStack() as stack:
        server = stack.enter_context(namespace(f"ss{tag}{pid}s"))
        client = stack.enter_context(namespace(f"ss{tag}{pid}c"))
        wans = []
        for k in range(links):
            # 10.(210+k).(pid % 250).0/30: one /30 per link and test process
            base = f"10.{210 + k}.{pid % 250}"
            wan = Wan(k, f"wan{k}", f"srv{k}", f"{base}.2", f"{base}.1")
            ip("link", "add", f"l{pid}x{k}", "type", "veth", "peer", "name", f"l{pid}y{k}")
            ip("link", "set", f"l{pid}x{k}", "netns", server, "name", wan.server_dev)
            ip("link", "set", f"l{pid}y{k}", "netns", client, "name", wan.client_dev)
            ip("-n", server, "addr", "add", f"{wan.server}/30", "dev", wan.server_dev)
            ip("-n", client, "addr", "add", f"{wan.client}/30", "dev", wan.client_dev)
            ip("-n", server, "link", "set", wan.server_dev, "up")
            ip("-n", client, "link", "set", wan.client_dev, "up")
            wans.append(wan)
        if wans:
            ip("-n", client, "route", "add", "default", "via", wans[0].server, "dev", "wan0")
        lab = LinkLab(server, client, wans)
        try:
            yield lab
        finally:
            lab.stop_all()  # processes in a namespace outlive `ip netns del`
