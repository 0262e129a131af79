"""A UPS through NUT's upsd (network protocol, TCP 3493): status flags, battery, input, load.

STUB: the client and the mapping are being written (issue 3).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec

NUT_PORT = 3493


class NutSpec(ProbeSpec):
    """A UPS served by NUT's upsd (the UPS on USB, read by a NUT driver on this or another box)."""

    probe: Literal["nut"] = Field(default="nut", description="`nut`")
    host: str = Field(default="127.0.0.1", min_length=1, description="upsd host name or address")
    port: int = Field(default=NUT_PORT, ge=1, le=65535, description="upsd TCP port")
    ups: str | None = Field(
        default=None,
        description="UPS name on that upsd (`upsc -l` lists them); default: the only one it "
        "serves (an error when it serves several)",
    )
    username: str | None = Field(
        default=None, description="upsd user (upsd.users); reading needs no login by default"
    )
    password_file: Path | None = Field(
        default=None, description="file holding that user's password (never put it in this file)"
    )
    tls: bool = Field(
        default=False, description="STARTTLS before anything else; the certificate is verified"
    )
    ca_file: Path | None = Field(
        default=None, description="CA bundle to verify upsd with; default: the system's"
    )
    server_name: str | None = Field(
        default=None, description="TLS server name to verify; default: `host`"
    )

    @model_validator(mode="after")
    def _login_pair(self) -> NutSpec:
        if (self.username is None) != (self.password_file is None):
            raise ValueError("give both `username` and `password_file`, or neither")
        return self


async def run(spec: NutSpec, ctx: ProbeContext) -> Outcome:
    raise NotImplementedError


def from_target(target: str) -> NutSpec:
    """``UPS@HOST[:PORT]`` as upsc writes it, ``HOST[:PORT]``, or ``UPS@`` for this box."""
    ups, _, where = target.rpartition("@")
    host, _, port = where.partition(":")
    if port and not port.isdigit():
        raise ValueError(f"'{target}' is not UPS@HOST[:PORT]")
    return NutSpec(ups=ups or None, host=host or "127.0.0.1", port=int(port or NUT_PORT))


KIND = ProbeKind(
    "nut",
    NutSpec,
    run,
    from_target,
    "a UPS through NUT's upsd: status flags, charge, runtime, input voltage, load (UPS@HOST)",
    category="power",
)
