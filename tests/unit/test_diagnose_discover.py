"""``diagnose`` without a config finds the default gateway in the kernel's routing table and the
DNS servers in resolv.conf; both read from files a test writes."""

from __future__ import annotations

from pathlib import Path

from agent.diagnose import discover

# /proc/net/route as Linux writes it: a default route over eth0 via 192.168.1.1 (metric 100),
# a backup default over wwan0 via 10.64.0.1 (metric 700), the on-link LAN, a route that is down.
ROUTES = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wwan0\t00000000\t0100400A\t0003\t0\t0\t700\t00000000\t0\t0\t0
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
eth1\t00000000\t0200000A\t0002\t0\t0\t1\t00000000\t0\t0\t0
"""


def test_default_gateway_is_the_lowest_metric_default_route(tmp_path: Path) -> None:
    path = tmp_path / "route"
    path.write_text(ROUTES, encoding="ascii")
    assert discover.default_gateway(path) == ("192.168.1.1", "eth0")
    found = {(r.interface, str(r.destination), r.gateway) for r in discover.routes(path)}
    assert ("eth0", "192.168.1.0/24", None) in found  # on-link: no gateway
    assert not any(r.interface == "eth1" for r in discover.routes(path))  # not up


def test_no_default_route_or_no_file_gives_none(tmp_path: Path) -> None:
    path = tmp_path / "route"
    path.write_text(ROUTES.splitlines()[0] + "\n" + ROUTES.splitlines()[3] + "\n", "ascii")
    assert discover.default_gateway(path) is None
    assert discover.default_gateway(tmp_path / "missing") is None


def test_dns_servers_in_order_once_comments_and_scopes_left_out(tmp_path: Path) -> None:
    path = tmp_path / "resolv.conf"
    path.write_text(
        "# written by NetworkManager\n"
        "search xa.example\n"
        "nameserver 10.51.0.53\n"
        "nameserver 10.51.0.53\n"
        "nameserver fe80::1%eth0  # the router\n"
        "; nameserver 192.0.2.9\n"
        "nameserver not-an-address\n"
        "nameserver 192.0.2.53\n",
        encoding="utf-8",
    )
    assert discover.dns_servers(path) == ["10.51.0.53", "fe80::1", "192.0.2.53"]
    assert discover.dns_servers(tmp_path / "missing") == []
