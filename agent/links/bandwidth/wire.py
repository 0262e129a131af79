"""Bytes as the link carries them, not only the payload the test tools count.

Every backend counts TCP payload (speedtest-cli's bytes read and written, what iperf3's sender
wrote).  The link also carries the Ethernet, IP and TCP headers of every segment (66 bytes per
1,448 of payload at MTU 1500), the ACKs going the other way (one per one or two segments), the
handshakes, HTTP requests and iperf3's control connection: on the lab's veth links, whose
counters count Ethernet frames, the interface carried 6.9–8.8 % more than the self-hosted
backend's payload at 5 to 50 Mbit/s (bench/bandwidth.py measures it for every backend and rate;
the iperf3 backend's count is already above what crossed).  ``WIRE_PERCENT`` rounds that up to
10 %, so that links of a smaller MTU (1,400 bytes over some 4G and PPPoE links: about half a
point more) stay inside too.  Not counted: segments an operator drops upstream of the site's
interface and bills all the same (retransmissions after a loss).

:func:`agent.links.bandwidth.backends.run_backend` is where the payload becomes link bytes: the
budget it is given is cut to the payload that fits, and the bytes it reports are link bytes.
"""

from __future__ import annotations

WIRE_PERCENT = 110  # link bytes per 100 bytes of TCP payload (measured 106.9–108.8, rounded up)
WIRE_FACTOR = WIRE_PERCENT / 100


def on_wire(payload: int) -> int:
    """The link bytes that carried ``payload`` bytes of TCP payload (rounded up)."""
    return -(-payload * WIRE_PERCENT // 100)


def payload_within(link_bytes: int) -> int:
    """The TCP payload that ``link_bytes`` of the link can carry (rounded down)."""
    return link_bytes * 100 // WIRE_PERCENT
