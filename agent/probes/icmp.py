"""ICMP echo (ping) without spawning ``ping``.

As root the probe uses a raw socket; otherwise an unprivileged ICMP datagram socket, which Linux
allows only to groups inside ``net.ipv4.ping_group_range``.  When neither is possible the outcome
is ``permission_denied`` with the range in the detail.  Either way all ICMP probes of the agent
share one socket per address family (``icmp_pinger``), so hundreds can run at once.

Packets go out ``interval_between`` apart without waiting for replies (like fping), and the
replies are collected until every packet is answered or ``ctx.timeout`` runs out, so a run never
takes longer than its timeout however many packets are lost.

Counters: ``sansang_icmp_packets_sent_total`` and ``..._received_total`` must be cumulative
per check.  The probe stays a stateless function and reports what happened in *this* run as
increments (``Sample(..., increment=True)``); the agent's state (``agent/state.py``) adds them to
a running total per check, the same way for any probe that counts something.  The totals live as
long as the agent process, like every Prometheus counter, and restart at 0 with it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field

from agent.probes._icmp_pinger import Answer, Pinger, raw_allowed
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.reasons import describe

_PING_GROUP_RANGE = Path("/proc/sys/net/ipv4/ping_group_range")


class IcmpSpec(ProbeSpec):
    """Send ICMP echo requests (ping) and wait for the replies."""

    probe: Literal["icmp"] = Field(default="icmp", description="`icmp`")
    host: str = Field(min_length=1, description="host name or address")
    count: int = Field(default=3, ge=1, le=20, description="echo requests per run")
    interval_between: float = Field(
        default=0.2, ge=0, le=1, description="seconds between two echo requests of one run"
    )


@dataclass
class _Tally:
    sent: int = 0
    rtts: list[float] = field(default_factory=list)
    unreachable: str = ""  # what the last ICMP error or the socket said, when one did

    def count(self, answer: Answer) -> None:
        if answer.rtt is not None:
            self.rtts.append(answer.rtt)
        else:
            self.unreachable = answer.error


async def run(spec: IcmpSpec, ctx: ProbeContext) -> Outcome:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.timeout
    try:
        async with asyncio.timeout(ctx.timeout):
            address = await _resolve(spec.host)
    except TimeoutError:
        return Outcome.down("timeout", f"resolving {spec.host} took over {ctx.timeout:g}s")
    except socket.gaierror as err:
        return Outcome.down("name_not_resolved", f"{spec.host}: {describe(err)}")
    privileged = raw_allowed()
    ctx.logger.debug(
        "echo %s (%s), %d packets, %s socket",
        spec.host, address, spec.count, "raw" if privileged else "unprivileged datagram",
    )  # fmt: skip
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    try:
        pinger = Pinger.shared(family, privileged)
    except PermissionError:
        return Outcome.down("permission_denied", _permission_hint())
    except OSError as err:
        return Outcome.down("error", f"cannot open an ICMP socket: {describe(err)}")
    tally = _Tally()
    try:
        await _exchange(pinger, address, spec, deadline, tally)
    finally:
        pinger.release()
    return _outcome(spec, ctx, tally)


async def _resolve(host: str) -> str:
    """The address to ping: the host itself when it is an address, else its first IPv4 address
    (IPv6 when it has none)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_DGRAM)
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    return str(infos[0][4][0])


def _permission_hint() -> str:
    try:
        allowed = " ".join(_PING_GROUP_RANGE.read_text(encoding="ascii").split())
    except OSError:
        allowed = "unknown"
    return (
        "no permission for ICMP: run as root, grant the agent CAP_NET_RAW (the systemd unit "
        f"does), or put its group (gid {os.getegid()}) in net.ipv4.ping_group_range "
        f"(now '{allowed}')"
    )


async def _exchange(
    pinger: Pinger, address: str, spec: IcmpSpec, deadline: float, tally: _Tally
) -> None:
    """Send ``spec.count`` requests ``interval_between`` apart and collect the answers until all
    have come, the deadline passes, or a request cannot be sent."""
    answers: list[asyncio.Future[Answer]] = []
    try:
        async with asyncio.timeout_at(deadline):
            for n in range(spec.count):
                if n:
                    await asyncio.sleep(spec.interval_between)
                try:
                    answers.append(await pinger.send(address))
                except PermissionError:  # EPERM/EACCES on send
                    tally.unreachable = "the system refused to send (a firewall rule?)"
                    return
                except OSError as err:  # e.g. no route to the network
                    tally.unreachable = describe(err)
                    return
                tally.sent += 1
            await asyncio.wait(answers)
    except TimeoutError:
        pass
    finally:
        for answer in answers:
            if answer.done() and not answer.cancelled():
                tally.count(answer.result())
            answer.cancel()  # no-op once done


def _outcome(spec: IcmpSpec, ctx: ProbeContext, tally: _Tally) -> Outcome:
    samples = [
        Sample("sansang_icmp_packets_sent_total", tally.sent, increment=True),
        Sample("sansang_icmp_packets_received_total", len(tally.rtts), increment=True),
    ]
    ctx.logger.debug(
        "%s: %d sent, %d received, rtts %s",
        spec.host, tally.sent, len(tally.rtts), [f"{r * 1000:.3f}ms" for r in tally.rtts],
    )  # fmt: skip
    if tally.rtts:
        samples.append(Sample("sansang_icmp_rtt_seconds", statistics.median(tally.rtts)))
        return Outcome(True, samples=samples)
    if tally.unreachable:
        return Outcome.down("unreachable", tally.unreachable, samples)
    return Outcome.down(
        "timeout", f"no reply to {tally.sent} echo requests within {ctx.timeout:g}s", samples
    )


def from_target(target: str) -> IcmpSpec:
    """``HOST``: a host name or an IPv4/IPv6 address."""
    return IcmpSpec(host=target.strip().strip("[]"))


KIND = ProbeKind("icmp", IcmpSpec, run, from_target, "ICMP echo (ping) without spawning ping")
