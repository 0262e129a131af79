"""How the agent is let into a device's SNMP agent: version 2c with a community, or version 3
authPriv with a user and key files.  One model for every SNMP reader (a UPS network card's
``snmp_ups`` source, a printer terminal's ``snmp:``), so the two are configured alike and
validated alike."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from agent.power.snmp.target import AuthProtocol, MibChoice, PrivProtocol, SnmpTarget
from sansang.models import StrictModel

SNMP_PORT = 161


class SnmpAccess(StrictModel):
    """The UDP port and the credentials of a device's SNMP agent."""

    port: int = Field(default=SNMP_PORT, ge=1, le=65535, description="UDP port")
    version: Literal["2c", "3"] = Field(default="2c", description="SNMP version")
    community: str = Field(
        default="public", min_length=1, description="v2c community (never logged or exported)"
    )
    user: str | None = Field(default=None, description="v3 user name (authPriv)")
    auth_protocol: AuthProtocol = Field(default="SHA", description="v3 authentication protocol")
    auth_key_file: Path | None = Field(default=None, description="file holding the v3 auth key")
    priv_protocol: PrivProtocol = Field(default="AES", description="v3 privacy protocol")
    priv_key_file: Path | None = Field(default=None, description="file holding the v3 priv key")
    context_name: str = Field(default="", description="v3 context name (most devices: empty)")

    @model_validator(mode="after")
    def _v3_needs_user_and_keys(self) -> Self:
        if self.version == "3":
            missing = [
                name
                for name in ("user", "auth_key_file", "priv_key_file")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError("SNMPv3 (authPriv) needs " + ", ".join(f"`{m}`" for m in missing))
        return self

    def snmp_target(self, host: str, mib: MibChoice = "auto") -> SnmpTarget:
        """What the SNMP client needs to reach ``host`` with these credentials."""
        return SnmpTarget(
            host=host,
            port=self.port,
            mib=mib,
            version=self.version,
            community=self.community,
            user=self.user,
            auth_protocol=self.auth_protocol,
            auth_key_file=self.auth_key_file,
            priv_protocol=self.priv_protocol,
            priv_key_file=self.priv_key_file,
            context_name=self.context_name,
        )
