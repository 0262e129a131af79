"""What ``diagnose`` finds on the machine itself when it has no config (and the gateway even with
one): the default gateway from the kernel's routing table and the DNS servers the system uses.

A technician at a commune may run ``diagnose`` on a box that has never been configured; the
gateway and the resolver are what every site has, so they are read, not asked for.  Both files
are plain text (``/proc/net/route``: hexadecimal little-endian IPv4; ``/etc/resolv.conf``:
``nameserver`` lines) and their paths are parameters so a test can write its own.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

ROUTES = Path("/proc/net/route")
RESOLV_CONF = Path("/etc/resolv.conf")
_RTF_GATEWAY = 0x2
_RTF_UP = 0x1


@dataclass(frozen=True)
class Route:
    interface: str
    destination: ipaddress.IPv4Network
    gateway: str | None  # None for an on-link network
    metric: int


def routes(path: Path = ROUTES) -> list[Route]:
    """The IPv4 routes that are up; [] when the file cannot be read (not Linux, no /proc)."""
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return []
    found = []
    for line in lines[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            dest, gate, flags, metric, mask = (
                _address(fields[1]),
                _address(fields[2]),
                int(fields[3], 16),
                int(fields[6]),
                _address(fields[7]),
            )
        except ValueError:
            continue
        if not flags & _RTF_UP:
            continue
        try:
            network = ipaddress.IPv4Network(f"{dest}/{mask}", strict=False)
        except ValueError:
            continue
        via = gate if flags & _RTF_GATEWAY and gate != "0.0.0.0" else None  # noqa: S104
        found.append(Route(fields[0], network, via, metric))
    return found


def default_gateway(path: Path = ROUTES) -> tuple[str, str] | None:
    """(address, interface) of the default route of lowest metric; None when there is none."""
    defaults = [r for r in routes(path) if r.destination.prefixlen == 0 and r.gateway]
    if not defaults:
        return None
    best = min(defaults, key=lambda r: r.metric)
    assert best.gateway is not None
    return best.gateway, best.interface


def dns_servers(path: Path = RESOLV_CONF) -> list[str]:
    """The ``nameserver`` addresses in order, each once; [] when the file is missing."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    servers: list[str] = []
    for line in lines:
        words = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver":
            address = words[1].split("%", 1)[0]  # fe80::1%eth0: the zone is not an address
            try:
                text = str(ipaddress.ip_address(address))
            except ValueError:
                continue
            if text not in servers:
                servers.append(text)
    return servers


def host_name() -> str:
    return socket.gethostname()


def _address(hex_le: str) -> str:
    """``0101A8C0`` (as /proc writes it: the address's bytes little-endian) → ``192.168.1.1``."""
    return socket.inet_ntoa(struct.pack("<I", int(hex_le, 16)))
