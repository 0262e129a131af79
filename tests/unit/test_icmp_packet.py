"""The hand-written ICMP echo wire format (``agent/probes/_icmp_packet.py``) on packets laid out
as RFC 791/792 (IPv4) and RFC 8200/4443 (IPv6) say, the way Linux hands them to each socket."""

from __future__ import annotations

import socket
import struct

from agent.probes._icmp_packet import (
    Received,
    checksum,
    echo_request,
    parse,
    parse_queued_error,
)

V4, V6 = socket.AF_INET, socket.AF_INET6
HERE = socket.inet_pton(V4, "10.200.0.1")
TARGET = socket.inet_pton(V4, "10.200.2.7")
ROUTER = socket.inet_pton(V4, "10.200.0.2")
TARGET6 = socket.inet_pton(V6, "fd00:200::7")
ROUTER6 = socket.inet_pton(V6, "fd00:200::1")


def _ipv4(source: bytes, destination: bytes, payload: bytes, proto: int = 1) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                         source, destination)  # fmt: skip
    return header + payload


def _ipv6(source: bytes, destination: bytes, payload: bytes) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), 58, 64, source, destination) + payload


def test_checksum_matches_the_rfc_1071_example() -> None:
    assert checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D
    assert checksum(b"\x01") == checksum(b"\x01\x00")


def test_ipv4_echo_request_has_a_valid_checksum_ipv6_leaves_it_to_the_kernel() -> None:
    packet = echo_request(V4, 0x1234, 0xBEEF, b"payload!")
    assert packet[:2] == b"\x08\x00" and packet[4:8] == b"\x12\x34\xbe\xef"
    assert packet[8:] == b"payload!"
    assert checksum(packet) == 0  # a packet including its own checksum sums to zero
    assert echo_request(V6, 1, 2, b"")[:4] == b"\x80\x00\x00\x00"


def test_reply_on_a_raw_ipv4_socket_skips_the_ip_header() -> None:
    reply = b"\x00\x00\x00\x00" + struct.pack("!HH", 0x1234, 7) + b"payload!"
    got = parse(V4, _ipv4(TARGET, HERE, reply), TARGET, ip_header=True)
    assert got == Received("reply", 0x1234, 7, TARGET)
    # a datagram socket gives the same packet without the IP header
    assert parse(V4, reply, TARGET, ip_header=False) == got


def test_our_own_request_and_other_icmp_are_not_answers() -> None:
    request = echo_request(V4, 0x1234, 7, b"")
    assert parse(V4, _ipv4(HERE, TARGET, request), HERE, ip_header=True) is None
    redirect = b"\x05\x01\x00\x00" + ROUTER + _ipv4(HERE, TARGET, request)
    assert parse(V4, redirect, ROUTER, ip_header=False) is None
    assert parse(V4, b"\x00\x00", TARGET, ip_header=False) is None  # truncated


def test_ipv4_unreachable_names_the_request_it_quotes() -> None:
    quoted = _ipv4(HERE, TARGET, echo_request(V4, 0x1234, 9, b"payload!"))
    error = b"\x03\x01\x00\x00\x00\x00\x00\x00" + quoted
    got = parse(V4, _ipv4(ROUTER, HERE, error), ROUTER, ip_header=True)
    assert got is not None
    assert (got.kind, got.ident, got.seq, got.peer) == ("error", 0x1234, 9, TARGET)
    assert got.detail == "host unreachable (ICMP destination unreachable, code 1, from 10.200.0.2)"
    udp = b"\x03\x03\x00\x00\x00\x00\x00\x00" + _ipv4(HERE, TARGET, b"\0" * 8, proto=17)
    assert parse(V4, udp, ROUTER, ip_header=False) is None  # about someone's UDP, not our ping


def test_ipv6_reply_and_time_exceeded() -> None:
    reply = b"\x81\x00\x00\x00" + struct.pack("!HH", 0x4321, 3)
    assert parse(V6, reply, TARGET6, ip_header=False) == Received("reply", 0x4321, 3, TARGET6)
    quoted = _ipv6(ROUTER6, TARGET6, echo_request(V6, 0x4321, 4, b"x"))
    got = parse(V6, b"\x03\x00\x00\x00\x00\x00\x00\x00" + quoted, ROUTER6, ip_header=False)
    assert got is not None
    assert (got.kind, got.seq, got.peer) == ("error", 4, TARGET6)
    assert got.detail.startswith("hop limit exceeded in transit (ICMP time exceeded, code 0")


def test_datagram_error_queue_entry() -> None:
    request = echo_request(V4, 0x0101, 12, b"")
    icmp_origin = struct.pack("=IBBBxII", 113, 2, 3, 1, 0, 0) + struct.pack(
        "=HH4s8x", V4, 0, ROUTER
    )
    got = parse_queued_error(V4, request, TARGET, icmp_origin)
    assert got == Received(
        "error", 0x0101, 12, TARGET,
        "host unreachable (ICMP destination unreachable, code 1, from 10.200.0.2)",
    )  # fmt: skip
    local = struct.pack("=IBBBxII", 113, 1, 0, 0, 0, 0) + b"\0" * 16  # SO_EE_ORIGIN_LOCAL
    local_error = parse_queued_error(V4, request, TARGET, local)
    assert local_error is not None and local_error.detail == "No route to host"
