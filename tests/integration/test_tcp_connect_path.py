"""The TCP probe's plain connect (a bare non-blocking socket, not asyncio's streams) reports
what asyncio's ``open_connection`` reported: the same reason and detail for an open port, a
refused one, a silent address (timeout) and an address nobody owns (unreachable), and it never
leaks a socket.  Real listeners on loopback, and a host in a network namespace the test creates.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.probes import PROBES
from agent.probes.base import Outcome, ProbeContext
from agent.probes.tcp import TcpSpec
from sansang.reasons import describe, reason_for_os_error
from tests.integration.netns import veth_neighbour
from tests.support import wait_until_async
from tests.support.net import free_port
from tests.support.net import listener as accepting_listener

pytestmark = pytest.mark.integration


def ctx(timeout: float) -> ProbeContext:
    return ProbeContext("test", timeout, logging.getLogger("test.probe"))


async def via_streams(spec: TcpSpec, timeout: float) -> Outcome:
    """The reference: the probe's plain path as it was, through ``asyncio.open_connection``."""
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(spec.host, spec.port)
    except TimeoutError:
        return Outcome.down("timeout", f"no answer within {timeout:g}s")
    except OSError as err:
        return Outcome.down(reason_for_os_error(err), describe(err))
    writer.close()
    await writer.wait_closed()
    return Outcome(True)


async def both(spec: TcpSpec, timeout: float) -> tuple[Outcome, Outcome]:
    """The probe and the reference against the same target, at the same time."""
    return await asyncio.gather(PROBES["tcp"].run(spec, ctx(timeout)), via_streams(spec, timeout))


def verdict(outcome: Outcome) -> tuple[bool, str, str]:
    return outcome.success, outcome.reason, outcome.detail


def open_sockets() -> int:
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except FileNotFoundError:  # the descriptor listing the directory itself, now closed
            continue
    return count


@pytest.fixture
async def listener() -> AsyncIterator[int]:
    async with accepting_listener() as port:
        yield port


async def test_open_port_connects_and_reports_the_connect_time(listener: int) -> None:
    probe, reference = await both(TcpSpec(host="127.0.0.1", port=listener), 3.0)
    assert verdict(probe) == verdict(reference) == (True, "ok", "")
    durations = [s.value for s in probe.samples if s.name == "sansang_tcp_connect_duration_seconds"]
    assert len(durations) == 1 and 0 < durations[0] < 1


async def test_refused_port_is_refused_with_asyncios_detail() -> None:
    probe, reference = await both(TcpSpec(host="127.0.0.1", port=free_port()), 3.0)
    assert verdict(probe) == verdict(reference)
    assert probe.reason == "refused" and "Connect call failed" in probe.detail


async def test_a_name_is_resolved_and_refused_like_an_address() -> None:
    # localhost: from /etc/hosts, never an outside resolver
    probe = await PROBES["tcp"].run(TcpSpec(host="localhost", port=free_port()), ctx(3.0))
    assert (probe.success, probe.reason) == (False, "refused"), probe.detail


async def test_failures_and_timeouts_leave_no_socket_open(listener: int) -> None:
    before = open_sockets()
    refused = TcpSpec(host="127.0.0.1", port=free_port())
    outcomes = await asyncio.gather(
        *(PROBES["tcp"].run(refused, ctx(3.0)) for _ in range(20)),
        *(PROBES["tcp"].run(TcpSpec(host="127.0.0.1", port=listener), ctx(3.0)) for _ in range(20)),
    )
    assert [o.reason for o in outcomes] == ["refused"] * 20 + ["ok"] * 20
    await sockets_back_to(before)  # the listener's ends close a loop iteration later


async def sockets_back_to(count: int, timeout: float = 2.0) -> None:
    what = f"the open sockets back to {count} (none left open)"
    await wait_until_async(lambda: open_sockets() <= count, timeout, what, interval=0.01)


# --- a host in a namespace: silent and unowned addresses ---------------------------------------
@dataclass
class Neighbour:
    address: str  # owned by the namespace's host
    silent: str  # routed to that host, which owns it not and does not forward: dropped
    unowned: str  # on the link, owned by nobody: ARP fails, "no route to host"


@pytest.fixture
def neighbour() -> Iterator[Neighbour]:
    """A host in its own namespace on a veth link from this (default) namespace, /29."""
    silent = f"10.200.253.{1 + os.getpid() % 250}"
    routes = [f"{silent}/32"]
    with veth_neighbour("tcp", "10.200.252", forwarding=False, routes=routes) as host:
        yield Neighbour(host.address, silent, host.unowned)


@pytest.mark.netns
async def test_a_host_without_a_listener_refuses(neighbour: Neighbour) -> None:
    probe, reference = await both(TcpSpec(host=neighbour.address, port=9), 3.0)
    assert verdict(probe) == verdict(reference)
    assert probe.reason == "refused"


@pytest.mark.netns
async def test_a_silent_address_times_out_at_the_timeout(neighbour: Neighbour) -> None:
    loop = asyncio.get_running_loop()
    before, started = open_sockets(), loop.time()
    probe, reference = await both(TcpSpec(host=neighbour.silent, port=7000), 1.0)
    assert 1.0 <= loop.time() - started < 1.5
    assert verdict(probe) == verdict(reference) == (False, "timeout", "no answer within 1s")
    await sockets_back_to(before)


@pytest.mark.netns
async def test_an_address_nobody_owns_is_unreachable(neighbour: Neighbour) -> None:
    # the kernel gives up ARP after ~3 s and fails the connect with "no route to host"
    probe, reference = await both(TcpSpec(host=neighbour.unowned, port=7000), 8.0)
    assert verdict(probe) == verdict(reference)
    assert probe.reason == "unreachable", probe.detail
