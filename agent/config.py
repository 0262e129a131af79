"""The agent's config file (YAML), validated by frozen pydantic models.

Defaults first, then decoding, then validation; unknown keys are errors.  ``load(path)`` raises
:class:`sansang.configfile.ConfigError` listing every problem with file, line and field path.
Every field is documented in ``docs/configuration.md`` and shown in ``deploy/examples/agent.yaml``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from agent.probes import PROBES
from agent.probes.base import SLUG_PATTERN, ProbeSpec, StrictModel
from agent.service_hours import ServiceHours
from sansang import communes
from sansang.configfile import load_model
from sansang.units import Seconds

# Every registered probe except `host` (configured in its own section) can be a check.
_CHECK_SPECS = tuple(kind.spec for name, kind in PROBES.items() if name != "host")
CheckSpec = Annotated[Union[_CHECK_SPECS], Field(discriminator="probe")]  # type: ignore[valid-type]  # noqa: UP007
PROBE_TAGS = frozenset(PROBES)

TerminalKind = Literal[
    "counter_pc",
    "citizen_pc",
    "printer",
    "scanner",
    "queue_machine",
    "lookup_kiosk",
    "camera",
    "video_conference",
    "router",
    "switch",
    "other",
]
TERMINAL_KINDS: tuple[str, ...] = TerminalKind.__args__  # type: ignore[attr-defined]

ServiceRole = Literal["one_stop_system", "national_portal", "province_datacenter", "other"]
SERVICE_ROLES: tuple[str, ...] = ServiceRole.__args__  # type: ignore[attr-defined]

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


class Site(StrictModel):
    commune_code: str = Field(
        description="official 5-digit commune code (QĐ 19/2025/QĐ-TTg), e.g. `23527`"
    )
    site_id: Slug = Field(
        default="main", description="point within the commune, for communes with several points"
    )
    name: str = Field(min_length=1, description="name people use for the centre")
    latitude: float = Field(ge=-90, le=90, description="WGS84 degrees")
    longitude: float = Field(ge=-180, le=180, description="WGS84 degrees")
    service_hours: ServiceHours = Field(default_factory=ServiceHours)

    @field_validator("commune_code", mode="before")
    @classmethod
    def _official_code(cls, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(
                f"write the commune code as a quoted 5-digit string, e.g. '{value:05d}'"
            )
        if not isinstance(value, str) or not (len(value) == 5 and value.isdigit()):
            raise ValueError(f"'{value}' is not a 5-digit commune code")
        if communes.lookup(value) is None:
            raise ValueError(
                f"commune code '{value}' is not in the official list of "
                f"{communes.count()} communes (QĐ 19/2025/QĐ-TTg)"
            )
        return value

    @property
    def key(self) -> str:
        """The site's identity in events and URLs: commune code and site id, ``23527-main``."""
        return f"{self.commune_code}-{self.site_id}"

    @property
    def commune(self) -> communes.Commune:
        found = communes.lookup(self.commune_code)
        assert found is not None  # validated above
        return found


class JournalConfig(StrictModel):
    path: Path = Field(
        default=Path("/var/lib/sansang/journal.db"), description="SQLite file (WAL mode)"
    )
    retention: Seconds = Field(
        default=90 * 86400.0, description="events older than this are removed (at least 30d)"
    )
    max_size_mib: int = Field(
        default=256, ge=1, description="the oldest events are removed beyond this size"
    )

    @field_validator("retention")
    @classmethod
    def _at_least_30_days(cls, value: float) -> float:
        if value < 30 * 86400:
            raise ValueError("retention must be at least 30d (the monthly report needs a month)")
        return value


class ServerConfig(StrictModel):
    listen: str = Field(default="0.0.0.0:9717", description="address and port to serve on")
    web_config_file: Path | None = Field(
        default=None,
        description="TLS and authentication, in the shape of Prometheus' `web.config.file`",
    )

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"'{value}' is not HOST:PORT")
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]") or "0.0.0.0"  # noqa: S104

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class ProbeDefaults(StrictModel):
    interval: Seconds = Field(default=30.0, description="default time between runs of a check")
    timeout: Seconds = Field(default=5.0, description="default limit for one run")
    start_spread: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="first runs are spread at random over this share of each check's interval, "
        "so checks do not fire together (0: all at once)",
    )


class HostConfig(StrictModel):
    enabled: bool = True
    interval: Seconds | None = Field(default=None, description="default: `probes.interval`")
    filesystems: list[str] = Field(
        default_factory=lambda: ["/"], description="mount points to report size and free space of"
    )
    interfaces: list[str] | None = Field(
        default=None, description="interfaces to watch; default: every interface but loopback"
    )


class Check(StrictModel):
    """A reachability target: gateway, DNS server, provincial data centre."""

    id: Slug
    name: str = ""
    check: CheckSpec


class Service(StrictModel):
    """A system the centre depends on: the one-stop e-system, the national portal (Cổng DVCQG),
    the provincial data centre.  Addresses come from config; none is contacted by default."""

    id: Slug
    name: str = ""
    role: ServiceRole
    check: CheckSpec


class TerminalCheck(StrictModel):
    method: Literal["icmp", "tcp", "http", "https"] = Field(
        default="icmp", description="how the terminal is checked"
    )
    port: int | None = Field(default=None, ge=1, le=65535, description="required for `tcp`")
    path: str = Field(default="/", description="for `http`/`https`")
    interval: Seconds | None = None
    timeout: Seconds | None = None

    @model_validator(mode="after")
    def _port_for_tcp(self) -> TerminalCheck:
        if self.method == "tcp" and self.port is None:
            raise ValueError("method 'tcp' needs a port")
        return self


class Terminal(StrictModel):
    """A device at the centre (thiết bị đầu cuối): counter PC, printer, queue machine, camera..."""

    id: Slug
    name: str = ""
    kind: TerminalKind
    address: str = Field(min_length=1, description="IP address or host name")
    check: TerminalCheck = Field(default_factory=TerminalCheck)

    def spec(self) -> ProbeSpec:
        """The probe spec this terminal's check stands for."""
        c = self.check
        common: dict[str, Any] = {"interval": c.interval, "timeout": c.timeout}
        if c.method in ("http", "https"):
            host = f"[{self.address}]" if _is_ipv6(self.address) else self.address
            port = f":{c.port}" if c.port else ""
            spec = {"probe": "http", "url": f"{c.method}://{host}{port}{c.path}"}
        elif c.method == "tcp":
            spec = {"probe": "tcp", "host": self.address, "port": c.port}
        else:
            spec = {"probe": c.method, "host": self.address}
        kind = PROBES.get(spec["probe"])
        if kind is None:
            raise ValueError(f"probe '{spec['probe']}' is not available in this build")
        return kind.spec.model_validate({**spec, **common})


def _is_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


class AgentConfig(StrictModel):
    site: Site
    server: ServerConfig = Field(default_factory=ServerConfig)
    journal: JournalConfig = Field(default_factory=JournalConfig)
    probes: ProbeDefaults = Field(default_factory=ProbeDefaults)
    host: HostConfig = Field(default_factory=HostConfig)
    checks: list[Check] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    terminals: list[Terminal] = Field(default_factory=list)



def cross_check(config: AgentConfig) -> list[tuple[tuple[int | str, ...], str]]:
    """Problems that span fields: ids must be unique across checks, services and terminals (an
    id is the ``check`` label of its series and the subject of its events)."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    seen: dict[str, str] = {"host": "the host probe"}
    for section, items in (
        ("checks", config.checks),
        ("services", config.services),
        ("terminals", config.terminals),
    ):
        for i, item in enumerate(items):
            where = f"{section}.{i}"
            if item.id in seen:
                problems.append(((section, i, "id"), f"id '{item.id}' is already used by {seen[item.id]}"))
            else:
                seen[item.id] = where
    return problems


def load(path: Path | str) -> AgentConfig:
    return load_model(AgentConfig, path, union_tags=PROBE_TAGS, cross_check=cross_check)
