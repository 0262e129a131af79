"""The benchmark's network: the agent in its own namespace, terminals in another.

::

    root namespace                agent namespace                   hosts namespace
    10.200.200.1 --- veth --- 10.200.200.2 (agent's HTTP)
                              10.200.199.1 ------- veth ------- 10.200.199.2
                              routes 10.200.201.0/24,           10.200.201.0/24 is local (AnyIP):
                                     10.200.202.0/24            one listener on 0.0.0.0 answers
                                     via 10.200.199.2           every address; ICMP echo too
                                                                10.200.202.0/24: no address, no
                                                                route, ip_forward=0 -> dropped

Live terminals are addresses in 10.200.201.0/24; silent ones in 10.200.202.0/24.  The hosts
namespace owns no silent address and does not forward, so the kernel drops those packets without
an ICMP error or an ARP failure: a silent terminal costs the agent its full timeout, as a switched-
off device does.  The benchmark scrapes the agent from the root namespace over the first veth.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType

LIVE_NET = ipaddress.ip_network("10.200.201.0/24")
SILENT_NET = ipaddress.ip_network("10.200.202.0/24")
AGENT_HTTP = "10.200.200.2"
MAX_PER_NET = 250
LISTENER = Path(__file__).with_name("listener.py")


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


class NetLab:
    """Creates the two namespaces and the terminals' TCP listener; removes all of it on exit."""

    def __init__(self, tag: str | None = None, port: int = 7000) -> None:
        tag = tag or str(os.getpid())
        self.agent_ns = f"sansang-bench-agent-{tag}"
        self.hosts_ns = f"sansang-bench-hosts-{tag}"
        self._root_if, self._agent_up_if = f"sbr{tag}"[:15], f"sba{tag}"[:15]
        self._agent_if, self._hosts_if = f"sbx{tag}"[:15], f"sbh{tag}"[:15]
        self.port = port
        self._listener: subprocess.Popen[bytes] | None = None
        self._created: list[str] = []

    def __enter__(self) -> NetLab:
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _setup(self) -> None:
        a, h = self.agent_ns, self.hosts_ns
        for ns in (a, h):
            ip("netns", "add", ns)
            self._created.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
        ip(
            "link",
            "add",
            self._root_if,
            "type",
            "veth",
            "peer",
            "name",
            self._agent_up_if,
            "netns",
            a,
        )
        ip("addr", "add", "10.200.200.1/30", "dev", self._root_if)
        ip("link", "set", self._root_if, "up")
        ip("-n", a, "addr", "add", f"{AGENT_HTTP}/30", "dev", self._agent_up_if)
        ip("-n", a, "link", "set", self._agent_up_if, "up")
        ip(
            "-n",
            a,
            "link",
            "add",
            self._agent_if,
            "type",
            "veth",
            "peer",
            "name",
            self._hosts_if,
            "netns",
            h,
        )
        ip("-n", a, "addr", "add", "10.200.199.1/24", "dev", self._agent_if)
        ip("-n", a, "link", "set", self._agent_if, "up")
        ip("-n", h, "addr", "add", "10.200.199.2/24", "dev", self._hosts_if)
        ip("-n", h, "link", "set", self._hosts_if, "up")
        for net in (LIVE_NET, SILENT_NET):
            ip("-n", a, "route", "add", str(net), "via", "10.200.199.2")
        ip("-n", h, "route", "add", "local", str(LIVE_NET), "dev", "lo")
        subprocess.run(
            ["ip", "netns", "exec", h, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0"], check=True
        )
        self._start_listener()

    def _start_listener(self) -> None:
        cmd = ["ip", "netns", "exec", self.hosts_ns, sys.executable, str(LISTENER), str(self.port)]
        self._listener = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        assert self._listener.stdout is not None
        line = self._listener.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError(f"the terminals' listener did not start: {line!r}")

    def close(self) -> None:
        if self._listener is not None and self._listener.poll() is None:
            self._listener.terminate()
            self._listener.wait(timeout=10)
        self._listener = None
        for ns in reversed(self._created):  # removing a namespace removes its veth ends too
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
        self._created.clear()

    # --- terminals -------------------------------------------------------------------------------
    @staticmethod
    def live(count: int) -> list[str]:
        """Addresses of terminals that answer (TCP on :attr:`port`, ICMP echo)."""
        return _hosts(LIVE_NET, count)

    @staticmethod
    def silent(count: int) -> list[str]:
        """Addresses of terminals that never answer: packets to them are silently dropped."""
        return _hosts(SILENT_NET, count)


def _hosts(net: ipaddress.IPv4Network | ipaddress.IPv6Network, count: int) -> list[str]:
    if not 0 <= count <= MAX_PER_NET:
        raise ValueError(f"at most {MAX_PER_NET} terminals of each kind")
    return [str(net.network_address + i) for i in range(1, count + 1)]
