"""A UPS with a network card, over SNMP: UPS-MIB (RFC 1628) or APC PowerNet-MIB, SNMPv2c or
SNMPv3 authPriv.

This module is the spec, the registry entry and the outcome of a poll; the SNMP client is
``agent/power/snmp/client.py``, imported on the first poll, so an agent without SNMP sources never
loads pysnmp (about 10 MiB).  The client takes an ``SnmpTarget``, not this spec: the power side
never imports the probes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agent.power.snmp.target import MibChoice, SnmpTarget
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec
from agent.probes.snmp_access import SNMP_PORT, SnmpAccess


class SnmpUpsSpec(SnmpAccess, ProbeSpec):
    """A UPS network card answering SNMP (port and credentials as any SNMP device)."""

    probe: Literal["snmp_ups"] = Field(default="snmp_ups", description="`snmp_ups`")
    host: str = Field(min_length=1, description="the UPS card's host name or address")
    mib: MibChoice = Field(
        default="auto",
        description="`ups-mib` (RFC 1628, most vendors), `powernet` (APC) or `auto` (UPS-MIB "
        "when the card answers it, else PowerNet)",
    )


async def run(spec: SnmpUpsSpec, ctx: ProbeContext) -> Outcome:
    from agent.power.snmp import (
        client as snmp_client,  # imported here: keeps pysnmp out of agents without SNMP
    )

    try:
        reading = await snmp_client.read(target(spec), ctx.timeout, ctx.logger)
    except snmp_client.SnmpFailure as failure:
        return Outcome.down(failure.reason, failure.detail)
    return Outcome(True, reading=reading)


def target(spec: SnmpUpsSpec) -> SnmpTarget:
    """What the client needs of the spec (the check's interval and timeout are the runner's)."""
    return spec.snmp_target(spec.host, spec.mib)


def from_target(target: str) -> SnmpUpsSpec:
    """``HOST[:PORT]`` with community ``public`` (v2c); other settings need a config file."""
    host, colon, port = target.rpartition(":")
    if not colon or not port.isdigit():
        host, port = target, ""
    return SnmpUpsSpec(host=host, port=int(port) if port else SNMP_PORT)


KIND = ProbeKind(
    "snmp_ups",
    SnmpUpsSpec,
    run,
    from_target,
    "a UPS network card over SNMP: UPS-MIB or APC PowerNet, v2c or v3 (HOST[:PORT])",
    category="power",
)
