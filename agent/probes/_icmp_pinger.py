"""One ICMP socket per address family shared by every ICMP probe of the running event loop.

Why shared: a raw ICMP socket receives a copy of *every* ICMP packet that reaches the host, so
one raw socket per probe means N probes read N x N packets; with 100 probes at once their
receive buffers overflowed and replies were lost.  Here one non-blocking socket per (event
loop, family, raw or datagram) is read by one ``loop.add_reader`` callback, which hands each
echo reply, or ICMP error quoting one of our requests, to the request waiting for it.

Matching: every request gets a sequence number unique among the requests in flight on that
socket (one 16-bit counter for all probes), and must come back from (or, for an error, have
been sent to) the address it went to.  On a raw socket the identifier must be ours too; on an
unprivileged datagram socket the kernel sets the identifier itself and delivers only replies to
this socket, and it reports ICMP errors through the error queue (``IP_RECVERR``).

Binding: a probe that must use one WAN link (``agent/probes/quality.py``) asks for a socket bound
to an interface (``SO_BINDTODEVICE``: sent through it, and only what arrives on it is read) or to
a source address (``bind``: its routing picks the link).  Each binding is its own shared socket,
keyed by (loop, family, raw or datagram, interface, source address); the unbound one is the key
with neither.  Requests of different sockets never meet: each has its own identifier (raw) or the
kernel keeps them apart (datagram).

Lifetime: the socket opens with the first probe that needs it and closes when the last one in
flight ends, so nothing outlives its event loop (tests run many loops; the agent runs one, in
which probes overlap).
"""

from __future__ import annotations

import asyncio
import errno
import os
import random
import socket
import struct
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import ClassVar, NamedTuple

from agent.probes._icmp_packet import Received, echo_request, parse, parse_queued_error

_PAYLOAD = b"sansang-ping\0\0\0\0"  # 16 bytes, echoed back
_RECEIVE_BUFFER = 4 << 20  # room for the replies of a burst of hundreds of probes
_BATCH = 512  # packets read per wake-up before other callbacks get a turn
_SEND_ATTEMPTS = 3  # datagram socket: see Pinger._sendto
# Linux constants the socket module does not export
_SO_RCVBUFFORCE = 33
_SOL_RAW, _ICMP_FILTER = 255, 1
_ICMPV6_FILTER = 1
_SOL_IPV6, _IP_RECVERR, _IPV6_RECVERR = 41, 11, 25
# what a raw socket lets through: echo reply, destination unreachable, time exceeded
_WANTED_TYPES: dict[int, tuple[int, ...]] = {
    socket.AF_INET: (0, 3, 11),
    socket.AF_INET6: (129, 1, 3),
}


class Answer(NamedTuple):
    """How one echo request ended: a round-trip time, or what the ICMP error said."""

    rtt: float | None
    error: str = ""


@dataclass(eq=False)
class _Request:
    address: bytes  # packed destination
    sent_at: float
    answer: asyncio.Future[Answer] = field(repr=False)


class Binding(NamedTuple):
    """Which link a socket sends over: an interface, a source address, or (both None) the
    routing table's choice."""

    interface: str | None = None
    source: str | None = None


_UNBOUND = Binding()
_Key = tuple[asyncio.AbstractEventLoop, int, bool, Binding]


_CAP_NET_RAW = 13  # linux/capability.h


def raw_allowed() -> bool:
    """May this process open raw ICMP sockets: root, or CAP_NET_RAW in its effective set (the
    systemd unit grants it to a non-root agent), read from ``/proc/self/status``."""
    if os.geteuid() == 0:
        return True
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> _CAP_NET_RAW & 1)
    return False


class Pinger:
    """The shared ICMP socket of one event loop, family and binding, raw (root) or datagram."""

    _shared: ClassVar[dict[_Key, Pinger]] = {}

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        family: int,
        privileged: bool,
        binding: Binding = _UNBOUND,
    ) -> None:
        self._loop, self.family, self.privileged = loop, family, privileged
        self._key: _Key = (loop, family, privileged, binding)
        proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
        kind = socket.SOCK_RAW if privileged else socket.SOCK_DGRAM
        self._sock = socket.socket(family, kind, proto)
        try:
            _configure(self._sock, family, privileged)
            bind(self._sock, binding)
        except OSError:
            self._sock.close()
            raise
        self._ident = random.getrandbits(16)  # ours on a raw socket; datagram: kernel's choice
        self._next_seq = random.getrandbits(16)
        self._waiting: dict[int, _Request] = {}
        self._users = 0
        loop.add_reader(self._sock, self._readable)

    @classmethod
    def shared(cls, family: int, privileged: bool, binding: Binding = _UNBOUND) -> Pinger:
        """The running loop's pinger for ``family`` and ``binding``, opened if needed;
        ``release`` it after use.

        Raises ``OSError`` (``PermissionError`` without the right to ICMP or to bind to the
        interface; ``ENODEV`` for an interface that does not exist; ``EADDRNOTAVAIL`` for an
        address the host does not have) when it cannot open."""
        loop = asyncio.get_running_loop()
        key = (loop, family, privileged, binding)
        pinger = cls._shared.get(key)
        if pinger is None:
            pinger = cls._shared[key] = cls(loop, family, privileged, binding)
        pinger._users += 1
        return pinger

    def release(self) -> None:
        self._users -= 1
        if self._users > 0:
            return
        del Pinger._shared[self._key]
        self._loop.remove_reader(self._sock)
        self._sock.close()
        for request in self._waiting.values():
            request.answer.cancel()
        self._waiting.clear()

    async def send(self, address: str) -> asyncio.Future[Answer]:
        """Send one echo request to ``address``; the future resolves with its answer and waits
        forever otherwise (cancel it to give up).  Raises ``OSError`` when it cannot be sent."""
        seq = self._allocate()
        answer: asyncio.Future[Answer] = self._loop.create_future()
        packed = socket.inet_pton(self.family, address.partition("%")[0])
        request = _Request(packed, time.perf_counter(), answer)
        self._waiting[seq] = request
        answer.add_done_callback(partial(self._forget, seq, request))
        packet = echo_request(self.family, self._ident, seq, _PAYLOAD)
        try:
            await self._sendto(packet, address)
        except BaseException:
            answer.cancel()
            raise
        return answer

    async def _sendto(self, packet: bytes, address: str) -> None:
        """On a datagram socket an ICMP error about *another* request (already queued for
        ``_read_error_queue``) also fails the next send, once: such a failure is retried, and
        only one that repeats is this request's own."""
        for attempt in range(_SEND_ATTEMPTS):
            try:
                await self._loop.sock_sendto(self._sock, packet, (address, 0))
                return
            except OSError:
                if self.privileged or attempt == _SEND_ATTEMPTS - 1:
                    raise

    def _allocate(self) -> int:
        for _ in range(0x10000):
            seq, self._next_seq = self._next_seq, (self._next_seq + 1) & 0xFFFF
            if seq not in self._waiting:
                return seq
        raise OSError(errno.ENOBUFS, "65536 ICMP echo requests already in flight")

    def _forget(self, seq: int, request: _Request, _answer: object) -> None:
        if self._waiting.get(seq) is request:
            del self._waiting[seq]

    def _readable(self) -> None:
        if not self.privileged:
            self._read_error_queue()
        ip_header = self.privileged and self.family == socket.AF_INET
        for _ in range(_BATCH):
            try:
                packet, source = self._sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # datagram: an ICMP error is also raised once; details are queued
                self._read_error_queue()
                continue
            now = time.perf_counter()
            packed = socket.inet_pton(self.family, source[0].partition("%")[0])
            self._deliver(parse(self.family, packet, packed, ip_header), now)

    def _read_error_queue(self) -> None:
        """Datagram sockets: ICMP errors about our requests, from the socket's error queue."""
        for _ in range(_BATCH):
            try:
                request, ancillary, _, destination = self._sock.recvmsg(
                    2048, 512, socket.MSG_ERRQUEUE
                )
            except (BlockingIOError, InterruptedError):
                return
            packed = socket.inet_pton(self.family, destination[0].partition("%")[0])
            for level, kind, data in ancillary:
                if (level, kind) in ((socket.SOL_IP, _IP_RECVERR), (_SOL_IPV6, _IPV6_RECVERR)):
                    received = parse_queued_error(self.family, request, packed, data)
                    self._deliver(received, time.perf_counter())

    def _deliver(self, received: Received | None, now: float) -> None:
        if received is None:
            return
        request = self._waiting.get(received.seq)
        if request is None or request.answer.done() or request.address != received.peer:
            return
        if self.privileged and received.ident != self._ident:
            return  # someone else's ping that happens to use the same sequence number
        del self._waiting[received.seq]
        if received.kind == "reply":
            request.answer.set_result(Answer(now - request.sent_at))
        else:
            request.answer.set_result(Answer(None, received.detail))


def bind(sock: socket.socket, binding: Binding) -> None:
    """Tie ``sock`` to a link: ``SO_BINDTODEVICE`` for an interface, ``bind`` for a source
    address (port 0).  Any socket kind: the quality probe's TCP and HTTP sockets use it too."""
    if binding.interface:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, binding.interface.encode())
    if binding.source:
        sock.bind((binding.source, 0))


def _configure(sock: socket.socket, family: int, privileged: bool) -> None:
    """Non-blocking, a receive buffer for bursts, and (raw) a kernel filter that passes only
    echo replies and the errors we read, or (datagram) ICMP errors in the error queue."""
    sock.setblocking(False)
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, _RECEIVE_BUFFER)
    except OSError:  # needs CAP_NET_ADMIN; without it the kernel caps at net.core.rmem_max
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
    wanted = _WANTED_TYPES[family]
    if not privileged:
        if family == socket.AF_INET:
            sock.setsockopt(socket.SOL_IP, _IP_RECVERR, 1)
        else:
            sock.setsockopt(_SOL_IPV6, _IPV6_RECVERR, 1)
    elif family == socket.AF_INET:  # a set bit blocks that ICMP type
        blocked = 0xFFFFFFFF & ~sum(1 << t for t in wanted)
        sock.setsockopt(_SOL_RAW, _ICMP_FILTER, struct.pack("=I", blocked))
    else:
        words = [0xFFFFFFFF] * 8
        for t in wanted:
            words[t >> 5] &= ~(1 << (t & 31)) & 0xFFFFFFFF
        sock.setsockopt(socket.IPPROTO_ICMPV6, _ICMPV6_FILTER, struct.pack("=8I", *words))
