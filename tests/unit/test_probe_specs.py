"""``from_target`` (what ``sansang agent probe KIND TARGET`` accepts) and spec validation for the
reachability probes, and the terminal methods that map onto them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agent.config import Terminal
from agent.probes import PROBES
from agent.probes.dns import DnsSpec, split_server
from agent.probes.http import HttpSpec
from agent.probes.icmp import IcmpSpec
from agent.probes.tcp import TcpSpec


def test_reachability_probes_are_registered() -> None:
    for name in ("tcp", "icmp", "http", "dns"):
        assert PROBES[name].name == name
        assert PROBES[name].spec.model_fields["probe"].default == name


# --- tcp ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "host", "port", "tls"),
    [
        ("10.200.0.1:445", "10.200.0.1", 445, False),
        ("tls://portal.example.test:443", "portal.example.test", 443, True),
        ("[fd00::1]:8080", "fd00::1", 8080, False),
    ],
)
def test_tcp_from_target(target: str, host: str, port: int, tls: bool) -> None:
    spec = PROBES["tcp"].from_target(target)
    assert (spec.host, spec.port, spec.tls) == (host, port, tls)


@pytest.mark.parametrize(
    "target", ["10.200.0.1", "10.200.0.1:http", "10.200.0.1:0", "10.200.0.1:70000"]
)
def test_tcp_from_target_rejects(target: str) -> None:
    with pytest.raises(ValueError):
        PROBES["tcp"].from_target(target)


# --- icmp --------------------------------------------------------------------------------------
def test_icmp_from_target() -> None:
    spec = PROBES["icmp"].from_target("10.200.0.1")
    assert spec == IcmpSpec(host="10.200.0.1", count=3)
    assert PROBES["icmp"].from_target("[fd00::1]").host == "fd00::1"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"count": 0}, "greater than or equal to 1"),
        ({"count": 21}, "less than or equal to 20"),
        ({"interval_between": 2}, "less than or equal to 1"),
        ({"host": ""}, "at least 1 character"),
        ({"ttl": 3}, "Extra inputs are not permitted"),
    ],
)
def test_icmp_spec_rejects(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        IcmpSpec.model_validate({"host": "10.200.0.1", **fields})


# --- http --------------------------------------------------------------------------------------
def test_http_from_target_and_defaults() -> None:
    spec = PROBES["http"].from_target("https://portal.example.test/path?q=1")
    assert spec.url == "https://portal.example.test/path?q=1"
    assert (spec.method, spec.valid_status, spec.follow_redirects) == ("GET", (), True)
    assert spec.ca_file is None and spec.headers == {}
    assert spec.max_body_bytes == 1024 * 1024


def test_http_spec_accepts_every_field() -> None:
    spec = HttpSpec.model_validate(
        {
            "url": "http://10.200.0.1:8080/",
            "method": "HEAD",
            "valid_status": [200, 401],
            "follow_redirects": False,
            "ca_file": "/etc/sansang/province-ca.pem",
            "headers": {"X-Site": "23527"},
            "max_body_bytes": 0,
        }
    )
    assert spec.valid_status == (200, 401)
    assert spec.ca_file == Path("/etc/sansang/province-ca.pem")


def test_http_spec_has_no_way_to_turn_verification_off() -> None:
    for field in ("verify", "insecure", "insecure_skip_verify", "verify_tls"):
        with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
            HttpSpec.model_validate({"url": "https://h.test/", field: False})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "ftp://h.test/"}, "is not an http:// or https:// URL"),
        ({"url": "h.test/path"}, "is not an http:// or https:// URL"),
        ({"method": "POST"}, "'GET' or 'HEAD'"),
        ({"valid_status": [200, 999]}, r"\[999\] are not HTTP status codes"),
        ({"headers": {"X-A": "one\r\nX-B: two"}}, "must be one non-empty line"),
        ({"max_body_bytes": -1}, "greater than or equal to 0"),
    ],
)
def test_http_spec_rejects(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HttpSpec.model_validate({"url": "https://h.test/", **fields})


# --- dns ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "name", "record_type", "server"),
    [
        ("portal.example.test", "portal.example.test", "A", None),
        ("name@10.200.0.53:5353", "name", "A", ("10.200.0.53", 5353)),
        ("name@10.200.0.53", "name", "A", ("10.200.0.53", 53)),
        ("MX:example.test", "example.test", "MX", None),
        ("aaaa:site.test@[fd00::53]:5353", "site.test", "AAAA", ("fd00::53", 5353)),
        ("PTR:10.200.0.7@::1", "10.200.0.7", "PTR", ("::1", 53)),
    ],
)
def test_dns_from_target(
    target: str, name: str, record_type: str, server: tuple[str, int] | None
) -> None:
    spec = PROBES["dns"].from_target(target)
    assert (spec.name, spec.record_type, spec.address_and_port()) == (name, record_type, server)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("name@dns.example.test", "must be an IP address, not 'dns.example.test'"),
        ("name@10.200.0.53:0", "'0' is not a port number"),
        ("name@[fd00::53]x", "is not IP or IP:PORT"),
        ("SRV:name", r"'SRV' is not a record type \(A, AAAA, CNAME, MX, TXT, NS, SOA, PTR\)"),
    ],
)
def test_dns_from_target_rejects(target: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PROBES["dns"].from_target(target)


def test_dns_spec_rejects_unknown_record_type() -> None:
    with pytest.raises(ValidationError, match="'A', 'AAAA', 'CNAME'"):
        DnsSpec.model_validate({"name": "x.test", "record_type": "SRV"})


def test_split_server_port_for_bracketed_ipv6_without_port() -> None:
    assert split_server("[fd00::53]") == ("fd00::53", 53)


# --- terminals map onto these specs --------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "check", "expected"),
    [
        ("10.200.0.5", {}, IcmpSpec(host="10.200.0.5")),
        ("10.200.0.5", {"method": "tcp", "port": 9100}, TcpSpec(host="10.200.0.5", port=9100)),
        ("10.200.0.5", {"method": "http"}, HttpSpec(url="http://10.200.0.5/")),
        (
            "fd00::5",
            {"method": "https", "port": 8443, "path": "/status", "timeout": "2s"},
            HttpSpec(url="https://[fd00::5]:8443/status", timeout=2.0),
        ),
    ],
)
def test_terminal_methods_map_to_probe_specs(
    address: str, check: dict[str, Any], expected: Any
) -> None:
    terminal = Terminal.model_validate(
        {"id": "t1", "kind": "printer", "address": address, "check": check}
    )
    assert terminal.spec() == expected
