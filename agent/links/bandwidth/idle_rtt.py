"""The latency of a throughput test: the idle round trip to the test server, before the load.

Every backend reports this one figure as ``latency_seconds``: the median of ``SAMPLES`` TCP
connects to the server's test port (the SYN out, the server kernel's SYN-ACK back: one round
trip), timed before any transfer starts.  During a transfer the bottleneck's queue adds its own
delay (iperf3's smallest RTT under load read 8–10 ms on a lab link of 0.25 ms at 7 Mbit/s): that
is a figure about the queue, not the path, and it would differ with the backend's load.  Latency
under the site's everyday traffic is the quality rounds' matter (``agent/probes/quality.py``).

Each sample is a connection opened and closed at once.  An iperf3 server takes it for a client
that left before its parameters: it logs "unable to receive parameters from client" and opens
its listening socket again, which refuses connections for a few milliseconds (and resets the
ones it had queued); with ``refused_wait`` a refused or reset sample is tried again
(:class:`agent.links.bandwidth.backoff.Backoff`) instead of failing.  Blocking: run it in a
thread.
"""

from __future__ import annotations

import socket
import statistics
import time
import urllib.parse
from typing import Any

from agent.links.bandwidth.backoff import Backoff

SAMPLES = 3  # the median of three: one late SYN-ACK (a retransmitted SYN) does not count


def measure(
    host: str,
    port: int,
    *,
    timeout: float,
    source: str | None = None,
    device: str | None = None,
    refused_wait: float = 0.0,
) -> float:
    """Median TCP connect time to ``host:port`` in seconds, from ``source`` (an address to bind)
    or over ``device`` (SO_BINDTODEVICE, as iperf3's ``--bind-dev``).  Raises the first
    ``OSError`` of a sample (a refusal or reset only once ``refused_wait`` seconds have not been
    enough)."""
    family, address = _resolve(host, port, source)
    samples: list[float] = []
    while len(samples) < SAMPLES:
        backoff = Backoff(refused_wait)
        while True:
            try:
                samples.append(_connect_time(family, address, timeout, source, device))
                break
            except (ConnectionRefusedError, ConnectionResetError):
                delay = backoff.next_delay()
                if delay is None:
                    raise
                time.sleep(delay)
    return statistics.median(samples)


def address_of(url: str) -> tuple[str, int]:
    """The host and TCP port an HTTP(S) URL's requests go to."""
    parts = urllib.parse.urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname or "", parts.port or default


def _resolve(host: str, port: int, source: str | None) -> tuple[int, Any]:
    """The server's first address, of the source address's family when there is one (resolved
    once: the samples time the connect alone)."""
    family = socket.AF_UNSPEC
    if source:
        family = socket.AF_INET6 if ":" in source else socket.AF_INET
    info = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    return info[0][0], info[0][4]


def _connect_time(
    family: int, address: Any, timeout: float, source: str | None, device: str | None
) -> float:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if device:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
        if source:
            sock.bind((source, 0))
        sock.settimeout(timeout)
        started = time.perf_counter()
        sock.connect(address)
        return time.perf_counter() - started
