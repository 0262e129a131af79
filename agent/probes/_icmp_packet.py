"""ICMP echo packets, built and parsed by hand for the shared ICMP socket (``icmp_pinger``).

Why by hand and not with icmplib: icmplib builds and parses packets in private methods of its
socket classes (``_create_packet``, ``_parse_reply``), made for one socket per exchange, and
does not read the request that an ICMP error quotes.  What the shared socket needs is small:

- an echo request: type, code 0, checksum, identifier, sequence, payload (RFC 792 / RFC 4443).
  The IPv4 checksum is ours to compute (RFC 1071); the ICMPv6 checksum covers a pseudo-header
  with addresses only the kernel knows, and Linux fills it in for raw and datagram sockets;
- from a received packet: echo reply (identifier, sequence, replier) or an ICMP error
  (destination unreachable, time exceeded) quoting our request (its identifier, sequence and
  destination).  A raw IPv4 socket hands over the IP header too; IPv6 raw and every datagram
  socket start at the ICMP header;
- for a datagram socket, the kernel reports ICMP errors through the socket's error queue
  (``IP_RECVERR``): a ``sock_extended_err`` plus our request as the payload.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass
from typing import Literal

ECHO_REQUEST: dict[int, int] = {socket.AF_INET: 8, socket.AF_INET6: 128}
ECHO_REPLY: dict[int, int] = {socket.AF_INET: 0, socket.AF_INET6: 129}
# ICMP errors that mean "this request will get no answer", per family: type -> (name, codes)
_ERRORS: dict[int, dict[int, tuple[str, dict[int, str]]]] = {
    socket.AF_INET: {
        3: (
            "destination unreachable",
            {
                0: "network unreachable",
                1: "host unreachable",
                3: "port unreachable",
                9: "network prohibited",
                10: "host prohibited",
                13: "communication prohibited",
            },
        ),
        11: ("time exceeded", {0: "TTL expired in transit"}),
    },
    socket.AF_INET6: {
        1: (
            "destination unreachable",
            {
                0: "no route to destination",
                1: "communication prohibited",
                3: "address unreachable",
                4: "port unreachable",
                6: "reject route",
            },
        ),
        3: ("time exceeded", {0: "hop limit exceeded in transit"}),
    },
}
_ERROR_ORIGINS: dict[int, int] = {socket.AF_INET: 2, socket.AF_INET6: 3}  # SO_EE_ORIGIN_ICMP(6)
_HEADER = struct.Struct("!BBHHH")  # type, code, checksum, identifier, sequence
_EXTENDED_ERR = struct.Struct("=IBBBxII")  # errno, origin, type, code, pad, info, data
_IPV6_HEADER = 40


@dataclass(frozen=True)
class Received:
    """An echo reply, or an ICMP error about one of the echo requests sent."""

    kind: Literal["reply", "error"]
    ident: int
    seq: int
    peer: bytes  # packed address: who replied, or where the request that failed was going
    detail: str = ""  # for an error, what it says


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): ones' complement of the ones' complement sum."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(family: int, ident: int, seq: int, payload: bytes) -> bytes:
    kind = ECHO_REQUEST[family]
    header = _HEADER.pack(kind, 0, 0, ident, seq)
    if family == socket.AF_INET:
        header = _HEADER.pack(kind, 0, checksum(header + payload), ident, seq)
    return header + payload


def parse(family: int, packet: bytes, source: bytes, ip_header: bool) -> Received | None:
    """What ``packet`` (received from ``source``) says about our echo requests, if anything.

    ``ip_header``: the packet starts with an IPv4 header (raw IPv4 sockets)."""
    if ip_header:
        if not packet:
            return None
        packet = packet[(packet[0] & 0x0F) * 4 :]
    if len(packet) < _HEADER.size:
        return None
    kind, code, _, ident, seq = _HEADER.unpack_from(packet)
    if kind == ECHO_REPLY[family]:
        return Received("reply", ident, seq, source)
    if kind not in _ERRORS[family]:
        return None
    quoted = _quoted_request(family, packet[_HEADER.size :])
    if quoted is None:
        return None
    destination, ident, seq = quoted
    return Received("error", ident, seq, destination, _describe(family, kind, code, source))


def _quoted_request(family: int, quoted: bytes) -> tuple[bytes, int, int] | None:
    """Destination, identifier and sequence of the echo request an ICMP error quotes."""
    if family == socket.AF_INET:
        if len(quoted) < 20 or quoted[9] != socket.IPPROTO_ICMP:
            return None
        destination, inner = quoted[16:20], quoted[(quoted[0] & 0x0F) * 4 :]
    else:  # next header must be ICMPv6 right away: we send no extension headers
        if len(quoted) < _IPV6_HEADER or quoted[6] != socket.IPPROTO_ICMPV6:
            return None
        destination, inner = quoted[24:40], quoted[_IPV6_HEADER:]
    if len(inner) < _HEADER.size:
        return None
    kind, _, _, ident, seq = _HEADER.unpack_from(inner)
    if kind != ECHO_REQUEST[family]:
        return None
    return destination, ident, seq


def parse_queued_error(
    family: int, request: bytes, destination: bytes, extended_err: bytes
) -> Received | None:
    """An entry of a datagram socket's error queue: ``request`` is the echo request we sent,
    ``extended_err`` the ``sock_extended_err`` (followed by the offender's sockaddr)."""
    if len(request) < _HEADER.size or len(extended_err) < _EXTENDED_ERR.size:
        return None
    _, _, _, ident, seq = _HEADER.unpack_from(request)
    err, origin, kind, code, _, _ = _EXTENDED_ERR.unpack_from(extended_err)
    if origin == _ERROR_ORIGINS[family] and kind in _ERRORS[family]:
        detail = _describe(family, kind, code, _offender(family, extended_err))
    else:  # raised locally, e.g. the neighbour never answered ARP
        detail = os.strerror(err)
    return Received("error", ident, seq, destination, detail)


def _offender(family: int, extended_err: bytes) -> bytes:
    """The packed address of who sent the ICMP error (the sockaddr after sock_extended_err)."""
    start = _EXTENDED_ERR.size
    span = (start + 4, start + 8) if family == socket.AF_INET else (start + 8, start + 24)
    return extended_err[span[0] : span[1]]


def _describe(family: int, kind: int, code: int, source: bytes) -> str:
    name, codes = _ERRORS[family][kind]
    what = codes.get(code, name)
    try:
        sender = socket.inet_ntop(family, source)
    except ValueError:
        sender = "?"
    return f"{what} (ICMP {name}, code {code}, from {sender})"
