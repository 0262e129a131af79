"""Where and how to ask one UPS network card over SNMP: what ``agent/power/snmp/client.py`` needs.

The ``snmp_ups`` probe builds one from its config spec at each poll.  It lives apart from the
client so the probe can name it without loading pysnmp, and apart from the probe so that the power
side never imports the probes (the probes import the power side).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

MibChoice = Literal["auto", "ups-mib", "powernet"]
AuthProtocol = Literal["SHA", "SHA224", "SHA256", "SHA384", "SHA512"]
PrivProtocol = Literal["AES", "AES192", "AES256"]


@dataclass(frozen=True)
class SnmpTarget:
    """One UPS card's address, MIB choice and credentials (key files, read at each poll)."""

    host: str
    port: int
    mib: MibChoice = "auto"
    version: Literal["2c", "3"] = "2c"
    community: str = field(default="public", repr=False)  # a secret: never logged
    user: str | None = None
    auth_protocol: AuthProtocol = "SHA"
    auth_key_file: Path | None = None
    priv_protocol: PrivProtocol = "AES"
    priv_key_file: Path | None = None
    context_name: str = ""
