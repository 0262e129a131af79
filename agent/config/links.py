"""Config of the site's links: the WANs (đường truyền), the loss/latency/jitter rounds over them,
and the throughput tests (đo băng thông) with their schedule and monthly data budget.

Part of the agent's config file (``agent/config/__init__.py`` puts these sections in
``AgentConfig``).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sansang.models import Slug, StrictModel
from sansang.units import Seconds

LinkKind = Literal["internet", "tslcd", "mobile", "other"]
LINK_KINDS: tuple[str, ...] = LinkKind.__args__  # type: ignore[attr-defined]
TargetRole = Literal["gateway", "dns", "province_datacenter", "national_portal", "other"]
TARGET_ROLES: tuple[str, ...] = TargetRole.__args__  # type: ignore[attr-defined]
BackendKind = Literal["selfhosted", "ookla", "iperf3"]


class Link(StrictModel):
    """A WAN link of the centre: fibre Internet, the government network (TSLCD), a 4G backup."""

    id: Slug = Field(description="link id, e.g. `fibre`, `tslcd`, `4g`; the `link` label")
    name: str = Field(default="", description="name shown on the status page")
    kind: LinkKind = Field(
        description="`internet`, `tslcd` (mạng truyền số liệu chuyên dùng), `mobile` (3G/4G/5G) "
        "or `other`"
    )
    role: Literal["primary", "backup"] = Field(
        default="primary",
        description="`backup`: a fallback for link loss; seeing it work is journalled as the "
        "evidence that the fallback works",
    )
    interface: str | None = Field(
        default=None, description="send over this interface (SO_BINDTODEVICE), e.g. `wwan0`"
    )
    source_address: str | None = Field(
        default=None, description="send from this local address (its routing picks the link)"
    )

    @field_validator("source_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None:
            ipaddress.ip_address(value)  # ValueError names the value
        return value


class QualityCheck(StrictModel):
    """How the echo requests of a round are sent."""

    method: Literal["icmp", "tcp", "http"] = Field(
        default="icmp",
        description="`icmp` echo; `tcp` connect (where ICMP is blocked); `http` HEAD request",
    )
    host: str | None = Field(default=None, description="host name or address (icmp, tcp)")
    port: int | None = Field(default=None, ge=1, le=65535, description="TCP port (tcp)")
    url: str | None = Field(default=None, description="URL (http)")

    @model_validator(mode="after")
    def _target(self) -> QualityCheck:
        if self.method == "http" and not self.url:
            raise ValueError("method 'http' needs a `url`")
        if self.method in ("icmp", "tcp") and not self.host:
            raise ValueError(f"method '{self.method}' needs a `host`")
        if self.method == "tcp" and self.port is None:
            raise ValueError("method 'tcp' needs a `port`")
        return self


class QualityTarget(StrictModel):
    """A target of the loss/latency/jitter rounds: gateway, DNS server, province data centre,
    national portal."""

    id: Slug = Field(description="target id; the `target` label")
    name: str = Field(default="", description="name shown on the status page")
    role: TargetRole = Field(description="what the target is to the centre")
    check: QualityCheck = Field(description="how to reach it")
    links: list[Slug] = Field(
        default_factory=list,
        description="measure over each of these links (ids of `links`); default: the default "
        "route only",
    )


class QualityConfig(StrictModel):
    """Loss, latency and jitter, smokeping-style: rounds of echo requests to each target."""

    interval: Seconds = Field(default=300.0, description="time between two rounds (smokeping: 5m)")
    count: int = Field(default=20, ge=2, le=100, description="echo requests per round")
    spacing: Seconds = Field(default=0.5, description="time between two requests of a round")
    timeout: Seconds = Field(default=2.0, description="wait this long for each reply")
    targets: list[QualityTarget] = Field(default_factory=list, description="what to measure")


class SpeedtestBackend(StrictModel):
    """Where throughput is measured against."""

    id: Slug = Field(description="backend id; the `backend` label")
    kind: BackendKind = Field(
        description="`selfhosted`: the province's Speedtest-Mini endpoint (`sansang "
        "speedtest-server`), the path that matters; `ookla`: speedtest.net's public servers "
        "(the Internet view); `iperf3`: a provincial iperf3 server"
    )
    url: str | None = Field(default=None, description="selfhosted: the endpoint's base URL")
    server_id: int | None = Field(default=None, description="ookla: a server id; default: nearest")
    host: str | None = Field(default=None, description="iperf3: server host")
    port: int = Field(default=5201, ge=1, le=65535, description="iperf3: server port")
    links: list[Slug] = Field(
        default_factory=list, description="test over each of these links; default: default route"
    )

    @model_validator(mode="after")
    def _needs(self) -> SpeedtestBackend:
        if self.kind == "selfhosted" and not self.url:
            raise ValueError("kind 'selfhosted' needs the endpoint's `url`")
        if self.kind == "iperf3" and not self.host:
            raise ValueError("kind 'iperf3' needs the server's `host`")
        return self


class SpeedtestWindow(StrictModel):
    """Hours of the day when tests may start (local time of the site's service hours zone)."""

    start: str = Field(description="`HH:MM`")
    end: str = Field(description="`HH:MM`; may be earlier than start (a window over midnight)")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"'{value}' is not HH:MM (24-hour clock)")
        return value


class SpeedtestConfig(StrictModel):
    """Throughput tests (đo băng thông) on a schedule and a monthly data budget."""

    mean_interval: Seconds = Field(
        default=6 * 3600.0,
        description="mean time between two test runs; each start is drawn at random between "
        "half and one and a half of it, so a province's sites do not test at once",
    )
    window: SpeedtestWindow | None = Field(
        default=None, description="start tests only in this window; default: any time"
    )
    outside_service_hours: bool = Field(
        default=False, description="start tests only outside the centre's service hours"
    )
    monthly_budget_mib: int = Field(
        default=2048,
        ge=1,
        description="data all tests may use per calendar month (MiB, as the link carries it: "
        "TCP payload plus 10 % for headers and ACKs); with less than 4 MiB left, tests are "
        "suspended until the first day of the next month",
    )
    duration: Seconds = Field(default=8.0, description="longest transfer per direction of one test")
    backends: list[SpeedtestBackend] = Field(
        default_factory=list, description="what to test against; none by default"
    )
