"""Config of the security checks (kiểm tra biện pháp an toàn): the centre's counter PCs and
servers, and the agent's own host, whose firewall, antivirus, encryption, clock and backups are
read over SSH with a read-only account (seed 001 §2.2.6.a; docs/security-checks.md).

Part of the agent's config file (``agent/config/__init__.py`` puts the section in
``AgentConfig``).  Each machine becomes one job of role ``security`` (``agent/jobs.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from agent.probes.security import parse_host_key
from sansang.models import Slug, StrictModel
from sansang.units import Seconds


class SecurityHost(StrictModel):
    """A machine whose security measures are read over SSH (a counter PC, a server, the agent's
    own host)."""

    id: Slug = Field(
        description="unique id across checks, services, terminals, power sources and security "
        "hosts; the `check` label of its series and the subject of its `security_state` events"
    )
    name: str = Field(
        default="", description="name shown on the status page, e.g. 'Máy tính quầy 1'"
    )
    host: str = Field(min_length=1, description="IP address or host name")
    port: int = Field(default=22, ge=1, le=65535, description="SSH port")
    user: str = Field(
        min_length=1,
        description="the account to log in as: a standard (non-administrator) account made for "
        "this check, allowed nothing but to log in",
    )
    key_file: Path = Field(
        description="that account's private key on the agent's machine (no passphrase, readable "
        "only by the agent's user); read at each check, never logged"
    )
    host_key: str = Field(
        description="the machine's public host key, pinned: `ssh-ed25519 AAAA...` as "
        "`ssh-keyscan` prints it after the host name, checked out of band (on the machine's own "
        "screen).  Required: a machine that shows another key is not asked anything "
        "(`host_key_mismatch`); no key is ever learnt from a first answer"
    )
    os: Literal["windows", "linux"] = Field(
        description="`windows` (OpenSSH Server, PowerShell) or `linux`"
    )
    backup_path: str | None = Field(
        default=None,
        description="folder on that machine where its backups land, as SFTP shows it (Windows: "
        "`/D:/SaoLuu`); the newest file's time is the newest backup.  Absent: the machine's "
        "backups are not checked",
    )

    @field_validator("host_key")
    @classmethod
    def _parsable_key(cls, value: str) -> str:
        parse_host_key(value)  # ValueError says what is wrong
        return value.strip()

    def spec_fields(self) -> dict[str, object]:
        """The fields of this machine's ``SecuritySpec`` (``agent/probes/security.py``)."""
        return {
            "probe": "security",
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "key_file": self.key_file,
            "host_key": self.host_key,
            "os": self.os,
            "backup_path": self.backup_path,
        }


class SecurityConfig(StrictModel):
    """Security checks of the centre's machines over SSH; none by default."""

    interval: Seconds = Field(
        default=3600.0, description="time between two checks of a machine (default: an hour)"
    )
    timeout: Seconds = Field(
        default=30.0, description="limit for one machine's check (connect, commands, files)"
    )
    hosts: list[SecurityHost] = Field(
        default_factory=list, description="the machines to check; none by default"
    )
