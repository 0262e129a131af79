"""A small LAN of real hosts in network namespaces, for tests that need terminals that answer,
terminals that are silent, and a terminal that can be unplugged mid-test.

Topology (one lab per test; every name carries the test process id, so runs never collide)::

    default namespace (the test)         agent namespace               host namespaces
    u<PID>n<N> 10.200.250.(4k+1)/30 --- uplink 10.200.250.(4k+2)/30
                                         br0 10.200.1.1/24 ---+--- eth0 10.200.1.11/24
                                                              +--- eth0 10.200.1.12/24 ...

The agent runs in the agent namespace and listens on its uplink address; the test reaches it
through the /30 link, so it uses plain HTTP from the default namespace (``AgentProcess`` and
``http_get`` need nothing special).  Only the /30 exists in the default namespace; the terminal
LAN (10.200.1.0/24) is visible from the agent namespace alone, as a centre's LAN is visible only
from the site box.  An address on the LAN that no namespace owns is a silent terminal: nobody
answers ARP, so nothing answers at all.

Cleanup order matters: processes started inside a namespace keep it alive after ``ip netns del``,
so :meth:`Lab.close` stops them first, then deletes the namespaces (which removes their veths,
including the one whose peer is in the default namespace).
"""

from __future__ import annotations

import itertools
import os
import select
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.netns import add_namespace, delete_namespace, ip, link_exists, stop_process

LAN_PREFIX = "10.200.1"
GATEWAY = f"{LAN_PREFIX}.1"
_labs = itertools.count(1)  # a fresh name per lab: a deleted namespace lingers a moment


@dataclass
class Host:
    """A machine on the LAN: its own namespace with ``eth0`` plugged into the agent's bridge."""

    netns: str
    address: str

    def unplug(self) -> None:
        ip("-n", self.netns, "link", "set", "eth0", "down")

    def plug(self) -> None:
        ip("-n", self.netns, "link", "set", "eth0", "up")


@dataclass
class Lab:
    number: int = field(default_factory=lambda: next(_labs))
    tag: str = field(init=False, default="")
    namespaces: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    agent_ns: str = ""
    agent_address: str = ""
    uplink_dev: str = ""

    def __post_init__(self) -> None:
        self.tag = f"ss{os.getpid()}n{self.number}"
        k = os.getpid() % 64  # a /30 per test process: parallel runs do not share addresses
        self.uplink_dev = f"u{os.getpid()}n{self.number}"[:15]
        self.agent_address = f"10.200.250.{4 * k + 2}"
        self._uplink_address = f"10.200.250.{4 * k + 1}"

    def _netns(self, name: str) -> str:
        ns = add_namespace(f"{self.tag}-{name}")
        self.namespaces.append(ns)
        return ns

    def build(self) -> Lab:
        """The agent's namespace with the LAN bridge and the uplink to the test."""
        self.agent_ns = ns = self._netns("agent")
        ip("-n", ns, "link", "add", "br0", "type", "bridge", "forward_delay", "0")
        ip("-n", ns, "addr", "add", f"{GATEWAY}/24", "dev", "br0")
        ip("-n", ns, "link", "set", "br0", "up")
        ip("link", "add", self.uplink_dev, "type", "veth", "peer", "name", "uplink", "netns", ns)
        ip("addr", "add", f"{self._uplink_address}/30", "dev", self.uplink_dev)
        ip("-n", ns, "addr", "add", f"{self.agent_address}/30", "dev", "uplink")
        ip("link", "set", self.uplink_dev, "up")
        ip("-n", ns, "link", "set", "uplink", "up")
        return self

    def host(self, name: str, last_octet: int) -> Host:
        """A new host on the LAN at 10.200.1.<last_octet>."""
        ns = self._netns(name)
        port = f"p-{name}"[:15]
        ip(
            "link",
            "add",
            "eth0",
            "netns",
            ns,
            "type",
            "veth",
            "peer",
            "name",
            port,
            "netns",
            self.agent_ns,
        )
        ip("-n", self.agent_ns, "link", "set", port, "master", "br0")
        ip("-n", self.agent_ns, "link", "set", port, "up")
        address = f"{LAN_PREFIX}.{last_octet}"
        ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")
        return Host(ns, address)

    def serve_http(self, host: Host, port: int, root: Path, timeout: float = 10.0) -> int:
        """Start ``python -m http.server`` inside the host's namespace; returns its pid once it
        listens (it prints its banner after ``listen``)."""
        proc = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                host.netns,
                sys.executable,
                "-u",
                "-m",
                "http.server",
                "--bind",
                host.address,
                "--directory",
                str(root),
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline().decode() if ready else ""
        if not line.startswith("Serving HTTP"):
            raise RuntimeError(f"http.server on {host.address}:{port} did not start: {line!r}")
        return proc.pid

    def stop(self, pid: int) -> None:
        for proc in self.processes:
            if proc.pid == pid:
                stop_process(proc)

    def close(self) -> None:
        errors = []
        for proc in self.processes:
            stop_process(proc)
        if link_exists(self.uplink_dev):  # deleting one end removes both, at once
            ip("link", "del", self.uplink_dev)
        for ns in reversed(self.namespaces):
            try:
                delete_namespace(ns)
            except RuntimeError as err:
                errors.append(str(err))
        if errors:
            raise RuntimeError("; ".join(errors))
