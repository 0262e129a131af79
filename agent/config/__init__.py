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

from agent.config.links import Link, QualityConfig, SpeedtestConfig
from agent.config.security import SecurityConfig
from agent.probes import PROBES
from agent.probes.base import ProbeSpec
from agent.probes.conference import DEFAULT_PORTS, SignallingProtocol
from agent.probes.router import RouterAccess
from agent.probes.snmp_access import SnmpAccess
from sansang import communes
from sansang.configfile import load_model
from sansang.kinds import ServiceRole, TerminalKind
from sansang.models import Slug, StrictModel
from sansang.service_hours import ServiceHours
from sansang.units import ListenAddress, Seconds, listen_host, listen_port

# Network probes are checks; power probes are the sources of `power.sources`; the host probe has
# its own section.
_CHECK_SPECS = tuple(kind.spec for kind in PROBES.values() if kind.category == "network")
CheckSpec = Annotated[Union[_CHECK_SPECS], Field(discriminator="probe")]  # type: ignore[valid-type]  # noqa: UP007
CHECK_KINDS: tuple[str, ...] = tuple(n for n, k in PROBES.items() if k.category == "network")
_POWER_SPECS = tuple(kind.spec for kind in PROBES.values() if kind.category == "power")
PowerSpec = Annotated[Union[_POWER_SPECS], Field(discriminator="probe")]  # type: ignore[valid-type]  # noqa: UP007
POWER_KINDS: tuple[str, ...] = tuple(n for n, k in PROBES.items() if k.category == "power")
PROBE_TAGS = {"check": frozenset(CHECK_KINDS), "source": frozenset(POWER_KINDS)}


SERVICE_ROLES: tuple[str, ...] = ServiceRole.__args__  # type: ignore[attr-defined]


_ID = (
    "unique id across checks, services and terminals: lower-case letters, digits, `_.-`; "
    "it is the `check` label of the series and the subject of events"
)
_CHECK = "the probe to run, chosen by `probe:`; see the probe sections below"


class Site(StrictModel):
    """The one-stop centre (bộ phận một cửa) this agent watches."""

    commune_code: str = Field(
        description="official 5-digit commune code (mã xã, QĐ 19/2025/QĐ-TTg), as a quoted "
        "string, e.g. `'23527'`; checked against the official list of communes"
    )
    site_id: Slug = Field(
        default="main", description="point within the commune, for communes with several points"
    )
    name: str = Field(min_length=1, description="name people use for the centre")
    latitude: float = Field(ge=-90, le=90, description="WGS84 degrees")
    longitude: float = Field(ge=-180, le=180, description="WGS84 degrees")
    service_hours: ServiceHours = Field(
        default_factory=ServiceHours,
        description="when the centre serves the public (giờ làm việc); terminals count only "
        "then.  The same calendar as the province's inventory: Vietnam's public holidays are "
        "closed unless `public_holidays: false`",
    )

    province_code: str | None = Field(
        default=None,
        description="the province whose inventory lists this centre: official 2-digit code, "
        "quoted, e.g. `'51'`; `check-config` and the agent's start warn when `commune_code` "
        "belongs to another province (a code copied from a neighbour's config)",
    )

    @field_validator("commune_code", mode="before")
    @classmethod
    def _official_code(cls, value: Any) -> str:
        return communes.check_code(value)

    @field_validator("province_code", mode="before")
    @classmethod
    def _official_province(cls, value: Any) -> str | None:
        return None if value is None else communes.check_province_code(value)

    def province_warning(self) -> str | None:
        """Why the commune code looks wrong for the province, or None.  A warning, not an error:
        the code is official, only not the province's (the collector's inventory refuses it)."""
        if self.province_code is None or self.commune.province_code == self.province_code:
            return None
        theirs = communes.province_name(self.province_code) or self.province_code
        c = self.commune
        return (
            f"mã xã {c.code} ({c.name}) thuộc {c.province_name} ({c.province_code}), không "
            f"thuộc {theirs} ({self.province_code}) / commune code {c.code} belongs to "
            f"{c.province_name} ({c.province_code}), not to province {self.province_code}"
        )

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
    """The event journal (nhật ký): every state change, kept on disk for the collector."""

    path: Path = Field(
        default=Path("/var/lib/sansang/journal.db"), description="SQLite file (WAL mode)"
    )
    retention: Seconds = Field(
        default=90 * 86400.0,
        description="events older than this are removed; at least `30d`",
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


class PushConfig(StrictModel):
    """Sending the journal to the province collector (gửi về tỉnh), outbound only: for a site
    behind NAT or 4G that the collector cannot reach.  Absent: the collector pulls."""

    url: str = Field(
        description="the collector's base URL, `https://collector.example/`; events go to "
        "`{url}api/v1/ingest`"
    )
    token_file: Path = Field(
        description="file holding the site's push token (`sansang collector credential new`); "
        "read at start and again after every 401 or 403, so a rotated token is picked up"
    )
    ca_file: Path | None = Field(
        default=None,
        description="CA bundle for the collector's certificate (default: the system's)",
    )
    batch: int = Field(default=1000, ge=1, le=5000, description="events per request, at most")
    interval: Seconds = Field(
        default=10.0, description="time between two looks at the journal once everything is sent"
    )
    backoff_min: Seconds = Field(default=1.0, description="first wait after a failed request")
    backoff_max: Seconds = Field(
        default=300.0,
        description="longest wait between retries (doubling from `backoff_min`, with jitter); "
        "also the wait after a refusal (4xx) the agent cannot fix by itself",
    )
    timeout: Seconds = Field(default=30.0, description="limit for one request")
    max_unsent_mib: int = Field(
        default=1024,
        ge=1,
        description="events the collector has not acknowledged are kept past `journal.retention` "
        "and `journal.max_size_mib` until the journal reaches this size (the hard ceiling: "
        "beyond it the oldest go, and the collector sees a gap)",
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or len(value.split("://", 1)[1]) < 1:
            raise ValueError(f"'{value}' is not an http(s) URL, e.g. 'https://collector.example/'")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _backoff_order(self) -> PushConfig:
        if self.backoff_max < self.backoff_min:
            raise ValueError("backoff_max must be at least backoff_min")
        return self


class ServerConfig(StrictModel):
    """The HTTP server: status page `/`, `/metrics`, `/healthz`, `/api/v1/events`."""

    listen: ListenAddress = Field(
        default="0.0.0.0:9717", description="`HOST:PORT` to serve on (`[::]:9717` for IPv6)"
    )
    web_config_file: Path | None = Field(
        default=None,
        description="TLS and authentication, in the shape of Prometheus' `web.config.file`",
    )

    @property
    def host(self) -> str:
        return listen_host(self.listen, "0.0.0.0")  # noqa: S104

    @property
    def port(self) -> int:
        return listen_port(self.listen)


class ProbeDefaults(StrictModel):
    """Defaults for every check, service and terminal that does not set its own."""

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
    """The host probe: the agent's own machine (boot, CPU, memory, disks, interfaces, clock)."""

    enabled: bool = Field(default=True, description="run the host probe")
    interval: Seconds | None = Field(default=None, description="default: `probes.interval`")
    filesystems: list[str] = Field(
        default_factory=lambda: ["/"], description="mount points to report size and free space of"
    )
    interfaces: list[str] | None = Field(
        default=None, description="interfaces to watch; default: every interface but loopback"
    )


class Check(StrictModel):
    """A reachability target: gateway, DNS server, provincial data centre."""

    id: Slug = Field(description=_ID)
    name: str = Field(default="", description="name shown on the status page")
    check: CheckSpec = Field(description=_CHECK)


class Service(StrictModel):
    """A system the centre depends on: the one-stop e-system, the national portal (Cổng DVCQG),
    the provincial data centre.  Addresses come from config; none is contacted by default."""

    id: Slug = Field(description=_ID)
    name: str = Field(default="", description="name shown on the status page")
    role: ServiceRole = Field(description="what the service is to the centre")
    check: CheckSpec = Field(description=_CHECK)


class TerminalCheck(StrictModel):
    """How a terminal is checked; the agent turns it into an icmp, tcp or http check."""

    method: Literal["icmp", "tcp", "http", "https"] = Field(
        default="icmp", description="how the terminal is checked"
    )
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="required for `tcp`; for `http`/`https`, default: the scheme's port",
    )
    path: str = Field(default="/", description="URL path for `http`/`https`")
    interval: Seconds | None = Field(default=None, description="default: `probes.interval`")
    timeout: Seconds | None = Field(default=None, description="default: `probes.timeout`")

    @model_validator(mode="after")
    def _port_for_tcp(self) -> TerminalCheck:
        if self.method == "tcp" and self.port is None:
            raise ValueError("method 'tcp' needs a port, e.g. `port: 9100`")
        return self


class Signalling(StrictModel):
    """The call-signalling port of a video-conference endpoint (HNTH): besides the terminal's
    own check, the agent connects to it over TCP in the same run and writes in the terminal's
    events whether it answered (`signalling`); a change of it is journalled even while the
    endpoint still answers its check."""

    protocol: SignallingProtocol = Field(
        default="sip", description="`sip` (TCP 5060), `sips` (TLS, 5061) or `h323` (TCP 1720)"
    )
    port: int | None = Field(
        default=None, ge=1, le=65535, description="default: the protocol's port"
    )

    @property
    def tcp_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.protocol]


ROUTER_INTERVAL = 60.0  # seconds between two SSH checks of a router, unless `check.interval`
ROUTER_TIMEOUT = 20.0  # limit of one, unless `check.timeout`


class Terminal(StrictModel):
    """A device at the centre (thiết bị đầu cuối): counter PC, printer, queue machine, camera..."""

    id: Slug = Field(description=_ID)
    name: str = Field(default="", description="name shown on the status page, e.g. 'Quầy 1'")
    kind: TerminalKind = Field(description="what the device is; availability is also per kind")
    address: str = Field(min_length=1, description="IP address or host name")
    check: TerminalCheck = Field(
        default_factory=TerminalCheck, description="how to check it; default: ICMP echo"
    )
    signalling: Signalling | None = Field(
        default=None,
        description="`video_conference` only: its call-signalling port (SIP or H.323), checked "
        "with a TCP connect besides `check`; absent: not checked (INF-HNTH is then unknown)",
    )
    snmp: SnmpAccess | None = Field(
        default=None,
        description="`printer` only: its SNMP agent (v2c community or v3 user), read through "
        "the Printer MIB instead of `check` (whose `interval` and `timeout` still apply): up "
        "only while it can print (paper, no jam, doors shut, toner)",
    )
    ssh: RouterAccess | None = Field(
        default=None,
        description="`router` only: log in over SSH (pinned host key, read-only account) and "
        "read its interfaces instead of `check` (whose `interval` and `timeout` still apply; "
        "default 60 s and 20 s): up only while the WAN interface is up with an address "
        "(docs/routers.md)",
    )

    @model_validator(mode="after")
    def _signalling_of_an_endpoint(self) -> Terminal:
        if self.signalling is not None and self.kind != "video_conference":
            raise ValueError(
                f"`signalling` is for a video-conference endpoint (kind: video_conference), "
                f"not a '{self.kind}'"
            )
        return self

    @model_validator(mode="after")
    def _snmp_of_a_printer(self) -> Terminal:
        if self.snmp is not None and self.kind != "printer":
            raise ValueError(f"`snmp` is for a printer (kind: printer), not a '{self.kind}'")
        return self

    @model_validator(mode="after")
    def _ssh_of_a_router(self) -> Terminal:
        if self.ssh is not None and self.kind != "router":
            raise ValueError(f"`ssh` is for a router (kind: router), not a '{self.kind}'")
        return self

    def spec(self) -> ProbeSpec:
        """The probe spec this terminal's check stands for."""
        c = self.check
        common: dict[str, Any] = {"interval": c.interval, "timeout": c.timeout}
        if self.ssh is not None:
            # An SSH login is heavier than a ping, for the router and its log: a minute apart,
            # and time for a slow link to carry a few commands.
            router: ProbeSpec = PROBES["router"].spec.model_validate(
                {
                    "probe": "router",
                    "host": self.address,
                    "ssh": self.ssh,
                    "interval": c.interval or ROUTER_INTERVAL,
                    "timeout": c.timeout or ROUTER_TIMEOUT,
                }
            )
            return router
        if self.snmp is not None:
            printer: ProbeSpec = PROBES["printer"].spec.model_validate(
                {"probe": "printer", "host": self.address, "snmp": self.snmp, **common}
            )
            return printer
        spec: dict[str, Any]
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
        result: ProbeSpec = kind.spec.model_validate({**spec, **common})
        if self.signalling is None:
            return result
        endpoint: ProbeSpec = PROBES["conference"].spec.model_validate(
            {
                "probe": "conference",
                "reach": result.model_copy(update={"interval": None, "timeout": None}),
                "host": self.address,
                "protocol": self.signalling.protocol,
                "port": self.signalling.tcp_port,
                **common,
            }
        )
        return endpoint


def _is_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


class PowerSource(StrictModel):
    """A UPS (through NUT or SNMP) or the box's own battery."""

    id: Slug = Field(
        description="unique id across checks, services, terminals and power sources; the "
        "`source` label of the power series and the subject of power events"
    )
    name: str = Field(default="", description="name shown on the status page, e.g. 'UPS quầy'")
    source: PowerSpec = Field(description="how to read it, chosen by `probe:`; see below")


class PowerConfig(StrictModel):
    """Mains and UPS monitoring (nguồn điện): outages, battery, hold-up time."""

    interval: Seconds = Field(
        default=5.0, description="default time between polls of a power source"
    )
    timeout: Seconds = Field(default=3.0, description="default limit for one poll")
    sustained_after: Seconds = Field(
        default=300.0,
        description="an outage longer than this is sustained, else momentary (5 minutes: "
        "Thông tư 05/2025/TT-BCT, Điều 15, the split SAIDI/SAIFI use)",
    )
    flapping_changes: int = Field(
        default=6,
        ge=2,
        description="this many mains changes within `flapping_window` make the input flapping: "
        "one event then, and one summary when it settles, instead of an event per change",
    )
    flapping_window: Seconds = Field(
        default=600.0,
        description="the window for `flapping_changes`; also how long the mains "
        "must stay steady for flapping to end",
    )
    silent_depletion_grace: Seconds = Field(
        default=30.0,
        description="a UPS on battery that stops answering after a low battery is unknown for "
        "this long, then journalled as run out (`ups_depleted`): long enough for an upsd "
        "restart or a driver reconnecting after a USB hiccup (upsd holds stale data back for "
        "15 s by default), short enough to be journalled while a box that outlives its UPS "
        "still runs.  A UPS that answers again on battery retracts it (`ups_depletion_retracted`)",
    )
    sources: list[PowerSource] = Field(
        default_factory=list, description="UPSes and batteries to read; none by default"
    )


class AgentConfig(StrictModel):
    """The agent's config file (tệp cấu hình), e.g. `/etc/sansang/agent.yaml`."""

    site: Site = Field(description="the centre")
    server: ServerConfig = Field(default_factory=ServerConfig, description="HTTP server")
    journal: JournalConfig = Field(default_factory=JournalConfig, description="event journal")
    probes: ProbeDefaults = Field(default_factory=ProbeDefaults, description="check defaults")
    host: HostConfig = Field(default_factory=HostConfig, description="the agent's own machine")
    checks: list[Check] = Field(
        default_factory=list, description="network targets: gateway, DNS, data centre"
    )
    services: list[Service] = Field(
        default_factory=list, description="systems the centre depends on"
    )
    terminals: list[Terminal] = Field(
        default_factory=list, description="devices at the centre (thiết bị đầu cuối)"
    )
    power: PowerConfig = Field(
        default_factory=PowerConfig, description="mains and UPS (nguồn điện)"
    )
    links: list[Link] = Field(
        default_factory=list, description="the centre's WAN links (đường truyền); none by default"
    )
    quality: QualityConfig = Field(
        default_factory=QualityConfig, description="loss, latency and jitter over the links"
    )
    speedtest: SpeedtestConfig = Field(
        default_factory=SpeedtestConfig, description="throughput tests and their data budget"
    )
    security: SecurityConfig = Field(
        default_factory=SecurityConfig,
        description="security measures of the centre's machines, read over SSH; none by default",
    )
    push: PushConfig | None = Field(
        default=None,
        description="send the journal to the province collector; none: the collector pulls",
    )


def cross_check(config: AgentConfig) -> list[tuple[tuple[int | str, ...], str]]:
    """Problems that span fields: ids must be unique across checks, services, terminals, power
    sources and security hosts (an id is the ``check`` label of its series and the subject of its
    events)."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    seen: dict[str, str] = {"host": "the host probe"}
    ids = [("checks", i, c.id) for i, c in enumerate(config.checks)]
    ids += [("services", i, s.id) for i, s in enumerate(config.services)]
    ids += [("terminals", i, t.id) for i, t in enumerate(config.terminals)]
    ids += [("power.sources", i, p.id) for i, p in enumerate(config.power.sources)]
    ids += [("security.hosts", i, h.id) for i, h in enumerate(config.security.hosts)]
    for section, i, ident in ids:
        if ident in seen:
            message = f"id '{ident}' is already used by {seen[ident]}; ids must be unique"
            problems.append(((*section.split("."), i, "id"), message))
        else:
            seen[ident] = f"{section}.{i}"
    problems += _link_problems(config)
    return problems


def _link_problems(config: AgentConfig) -> list[tuple[tuple[int | str, ...], str]]:
    """Link, target and backend ids are unique in their list; a `links:` entry names a link."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    sections: list[tuple[tuple[str, ...], list[Any]]] = [
        (("links",), config.links),
        (("quality", "targets"), config.quality.targets),
        (("speedtest", "backends"), config.speedtest.backends),
    ]
    for path, items in sections:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(((*path, i, "id"), f"id '{item.id}' is used twice in this list"))
            seen.add(item.id)
    known = {link.id for link in config.links}
    for path, items in sections[1:]:
        for i, item in enumerate(items):
            for j, name in enumerate(item.links):
                if name not in known:
                    listed = ", ".join(f"'{k}'" for k in sorted(known)) or "none"
                    message = f"no link '{name}' in `links` (defined: {listed})"
                    problems.append(((*path, i, "links", j), message))
    return problems


def load(path: Path | str) -> AgentConfig:
    return load_model(AgentConfig, path, union_tags=PROBE_TAGS, cross_check=cross_check)
