"""A UPS with a network card, over SNMP: UPS-MIB (RFC 1628) or APC PowerNet-MIB, SNMPv2c or
SNMPv3 authPriv.

This module is the spec, the registry entry and the outcome of a poll; the SNMP client is
``agent/power/snmp/client.py``, imported on the first poll, so an agent without SNMP sources never
loads pysnmp (about 10 MiB).  The client takes an ``SnmpTarget``, not this spec: the power side
never imports the probes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from agent.power.snmp.target import AuthProtocol, MibChoice, PrivProtocol, SnmpTarget
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec

SNMP_PORT = 161


class SnmpUpsSpec(ProbeSpec):
    """A UPS network card answering SNMP."""

    probe: Literal["snmp_ups"] = Field(default="snmp_ups", description="`snmp_ups`")
    host: str = Field(min_length=1, description="the UPS card's host name or address")
    port: int = Field(default=SNMP_PORT, ge=1, le=65535, description="UDP port")
    mib: MibChoice = Field(
        default="auto",
        description="`ups-mib` (RFC 1628, most vendors), `powernet` (APC) or `auto` (UPS-MIB "
        "when the card answers it, else PowerNet)",
    )
    version: Literal["2c", "3"] = Field(default="2c", description="SNMP version")
    community: str = Field(
        default="public", min_length=1, description="v2c community (never logged or exported)"
    )
    user: str | None = Field(default=None, description="v3 user name (authPriv)")
    auth_protocol: AuthProtocol = Field(default="SHA", description="v3 authentication protocol")
    auth_key_file: Path | None = Field(default=None, description="file holding the v3 auth key")
    priv_protocol: PrivProtocol = Field(default="AES", description="v3 privacy protocol")
    priv_key_file: Path | None = Field(default=None, description="file holding the v3 priv key")
    context_name: str = Field(default="", description="v3 context name (most cards: empty)")

    @model_validator(mode="after")
    def _v3_needs_user_and_keys(self) -> SnmpUpsSpec:
        if self.version == "3":
            missing = [
                name
                for name in ("user", "auth_key_file", "priv_key_file")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError("SNMPv3 (authPriv) needs " + ", ".join(f"`{m}`" for m in missing))
        return self


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
    return SnmpTarget(
        host=spec.host,
        port=spec.port,
        mib=spec.mib,
        version=spec.version,
        community=spec.community,
        user=spec.user,
        auth_protocol=spec.auth_protocol,
        auth_key_file=spec.auth_key_file,
        priv_protocol=spec.priv_protocol,
        priv_key_file=spec.priv_key_file,
        context_name=spec.context_name,
    )


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
