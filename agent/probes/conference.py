"""A video-conference endpoint (thiết bị hội nghị truyền hình, HNTH): reachable, and its
call-signalling port answers.

A pingable endpoint is not yet one that can join the province's conference: the call is set up
over SIP (TCP 5060, or 5061 with TLS) or H.323 (TCP 1720), so the probe runs the terminal's own
check (``reach``: ICMP, TCP or HTTP, as for any terminal) and, at the same time, a TCP connect to
the signalling port, both within the run's timeout.

- up/down is the terminal's own check, as for every terminal (INF-EQUIP reads it unchanged);
- ``Outcome.state_details`` says what the signalling port did: ``signalling`` is ``answered``
  (the TCP handshake completed) or the reason code of the connect (``refused``: nothing listens,
  the host sent a reset; ``timeout``: no answer at all, a filtered port or a listener whose queue
  is full; ``unreachable``, ``name_not_resolved``...), with ``signalling_protocol`` and
  ``signalling_port``.  A change of it journals ``terminal_state`` again (agent/state.py), so the
  collector sees the signalling port go silent while the endpoint still answers ping.

Built by :meth:`agent.config.Terminal.spec` for a ``video_conference`` terminal with
``signalling``; never a ``check:`` of its own.  For a technician: ``sansang agent probe
conference sip://10.0.0.60`` (ICMP to the host, TCP to its SIP port).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Any, Literal

from pydantic import Field

from agent.probes import http, icmp, tcp
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec

SignallingProtocol = Literal["sip", "sips", "h323"]
# The ports the standards assign: SIP over TCP (RFC 3261), SIP over TLS, H.225 call signalling.
DEFAULT_PORTS: dict[str, int] = {"sip": 5060, "sips": 5061, "h323": 1720}
LABELS: dict[str, str] = {"sip": "SIP", "sips": "SIP/TLS", "h323": "H.323"}
ANSWERED = "answered"

ReachSpec = Annotated[icmp.IcmpSpec | tcp.TcpSpec | http.HttpSpec, Field(discriminator="probe")]
_REACH: dict[str, Callable[[Any, ProbeContext], Awaitable[Outcome]]] = {
    "icmp": icmp.run,
    "tcp": tcp.run,
    "http": http.run,
}


class ConferenceSpec(ProbeSpec):
    """The terminal's own check and its call-signalling port."""

    probe: Literal["conference"] = Field(default="conference", description="`conference`")
    reach: ReachSpec = Field(description="the terminal's own check (up/down)")
    host: str = Field(min_length=1, description="host name or address of the endpoint")
    protocol: SignallingProtocol = Field(description="`sip`, `sips` or `h323`")
    port: int = Field(ge=1, le=65535, description="the call-signalling TCP port")


def signalling_label(protocol: str, port: int) -> str:
    """``SIP 5060/tcp``: the port as a technician names it."""
    return f"{LABELS.get(protocol, protocol)} {port}/tcp"


async def run(spec: ConferenceSpec, ctx: ProbeContext) -> Outcome:
    signalling_spec = tcp.TcpSpec(host=spec.host, port=spec.port)
    reached, signalled = await asyncio.gather(
        _REACH[spec.reach.probe](spec.reach, ctx), tcp.run(signalling_spec, ctx)
    )
    answer = ANSWERED if signalled.success else signalled.reason
    details: dict[str, str | int | bool] = {
        "signalling": answer,
        "signalling_protocol": spec.protocol,
        "signalling_port": spec.port,
    }
    detail = reached.detail
    if not signalled.success:
        said = f"{signalling_label(spec.protocol, spec.port)}: {signalled.detail or answer}"
        detail = f"{detail}; {said}" if detail else said
    return replace(reached, detail=detail, state_details=details)


def from_target(target: str) -> ConferenceSpec:
    """``sip://HOST[:PORT]``, ``sips://...`` or ``h323://...``: ICMP echo to HOST and a TCP
    connect to its signalling port (default: the protocol's own)."""
    scheme, sep, rest = target.strip().partition("://")
    if not sep or scheme not in DEFAULT_PORTS:
        raise ValueError(f"'{target}' is not sip://HOST[:PORT], sips://... or h323://...")
    host, port = rest.rstrip("/"), DEFAULT_PORTS[scheme]
    if host.startswith("["):  # [IPv6]:PORT
        inside, _, after = host[1:].partition("]")
        host = inside
        if after.startswith(":") and after[1:].isdigit():
            port = int(after[1:])
    elif host.count(":") == 1:
        name, _, given = host.partition(":")
        if not given.isdigit():
            raise ValueError(f"'{given}' is not a port number")
        host, port = name, int(given)
    return ConferenceSpec(
        reach=icmp.IcmpSpec(host=host),
        host=host,
        protocol=scheme,  # type: ignore[arg-type]  # checked above
        port=port,
    )


KIND = ProbeKind(
    "conference",
    ConferenceSpec,
    run,
    from_target,
    "video-conference endpoint: ICMP echo and a TCP connect to its SIP/H.323 signalling port",
    category="terminal",
)
