"""Which checks ``diagnose`` runs, in which layer: from the site's config (the agent's own jobs,
``agent/jobs.py``) or, without one, from what the machine says of itself (``discover``).

A check is a probe job run once (``step="probe"``) or a check of diagnose's own: the journal,
the push backlog, a throughput test, the video-conference line's bandwidth, or a ``skip`` that
says up front why something is not checked (no power source declared).  Every job is re-timed
for a person waiting: each check gets the per-check ``--timeout``, and a quality round is
shortened to :data:`QUALITY_COUNT` requests so the WAN layer stays within seconds.

``security.hosts`` are left out: their checks are hours apart, need minutes, and say nothing of
whether the centre can serve now (docs/diagnose.md).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from agent.config import AgentConfig
from agent.diagnose import discover
from agent.diagnose.model import Layer
from agent.jobs import Job, Role, build_jobs
from agent.probes import PROBES
from sansang import i18n

Step = Literal["probe", "journal", "push", "speedtest", "bandwidth", "skip"]

DEFAULT_NAME = "dichvucong.gov.vn"
DEFAULT_PORTAL = "https://dichvucong.gov.vn/"
DEFAULT_TIMEOUT = 5.0
# A diagnose round of a quality target: 10 requests 0.2 s apart (2 s), so "mất 3/10 gói" reads
# at a glance and the WAN layer takes seconds, not the 20 × 0.5 s of the agent's schedule.
QUALITY_COUNT = 10
QUALITY_SPACING = 0.2
# What a quick reach of the portal host is without a config (a TCP handshake per request: the
# portal may drop ICMP).
_REACH = {"count": 5, "spacing": 0.2}


@dataclass(frozen=True)
class Options:
    """The command line's choices that shape the plan."""

    timeout: float = DEFAULT_TIMEOUT
    speedtest: bool = True
    gateway: str | None = None
    dns_servers: tuple[str, ...] = ()
    name: str = DEFAULT_NAME
    portal: str = DEFAULT_PORTAL
    routes_path: Path = discover.ROUTES
    resolv_path: Path = discover.RESOLV_CONF


@dataclass(frozen=True)
class Planned:
    """One check to run.  ``thing`` is the key of ``sansang.playbooks.THINGS`` its advice comes
    from; ``attributes`` what the words need (link id and kind, terminal kind, address)."""

    layer: Layer
    id: str
    name: str
    thing: str
    step: Step = "probe"
    job: Job | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    note_vi: str = ""  # a skip's reason
    note_en: str = ""


@dataclass(frozen=True)
class Plan:
    source: Literal["config", "discovered"]
    checks: tuple[Planned, ...]
    config: AgentConfig | None = None
    site: str | None = None
    site_name: str = ""
    commune: str = ""
    # where the summary links a playbook: the agent's own server (it serves /playbooks offline)
    playbook_base: str | None = None
    gateway: str | None = None

    def layer(self, layer: Layer) -> list[Planned]:
        return [p for p in self.checks if p.layer == layer]


def from_config(config: AgentConfig, options: Options) -> Plan:
    checks: list[Planned] = []
    gateway = options.gateway or _gateway(options)
    for job in build_jobs(config):
        placed = _place(job, gateway, options)
        if placed is not None:
            checks.append(placed)
    if not config.power.sources:
        checks.insert(
            0,
            _skip(
                "power",
                "power",
                "Nguồn điện / Power",
                "chưa khai báo nguồn điện (power.sources)",
                "no power source declared (power.sources)",
            ),
        )
    checks.append(Planned("box", "journal", "Nhật ký sự kiện / journal", "host", step="journal"))
    if config.push is not None:
        checks.append(Planned("box", "push", "Gửi về máy thu / push", "link", step="push"))
    else:
        checks.append(
            _skip(
                "box",
                "push",
                "Gửi về máy thu / push",
                "chưa cấu hình gửi về máy thu tỉnh (push)",
                "push is not configured",
            )
        )
    if not _has_target(checks, gateway):
        checks.append(_gateway_check(gateway, options, _ids(checks)))
    if options.dns_servers or not any(p.layer == "dns" for p in checks):
        checks += _dns_checks(options, _ids(checks))
    if config.speedtest.backends:
        if options.speedtest:
            checks.append(
                Planned(
                    "wan", "speedtest", "Đo băng thông / throughput", "bandwidth", step="speedtest"
                )
            )
        else:
            checks.append(
                _skip(
                    "wan",
                    "speedtest",
                    "Đo băng thông / throughput",
                    "bỏ qua theo yêu cầu (--no-speedtest)",
                    "skipped (--no-speedtest)",
                )
            )
    if any(p.attributes.get("kind") == "video_conference" for p in checks):
        checks.append(
            Planned(
                "conference",
                "conference:bandwidth",
                "Băng thông cho HNTH / conference bandwidth",
                "bandwidth",
                step="bandwidth",
            )
        )
    site = config.site
    commune = site.commune
    host = config.server.host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - the technician is on the box itself
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return Plan(
        source="config",
        checks=tuple(checks),
        config=config,
        site=site.key,
        site_name=site.name,
        commune=f"{commune.name}, {commune.province_name} ({commune.code})",
        playbook_base=f"http://{host}:{config.server.port}",
        gateway=gateway,
    )


def discovered(options: Options) -> Plan:
    """Without a config: the host, the gateway, a reach of the portal's host, DNS, the portal."""
    checks: list[Planned] = [
        _skip(
            "power",
            "power",
            "Nguồn điện / Power",
            "không có cấu hình: chưa biết UPS nào",
            "no config: no UPS known",
        ),
        probe_check(
            "box", "host", "Máy giám sát / this machine", "host", "host", "-", options.timeout
        ),
        _skip("box", "journal", "Nhật ký sự kiện / journal", "không có cấu hình", "no config"),
        _skip("box", "push", "Gửi về máy thu / push", "không có cấu hình", "no config"),
    ]
    gateway = options.gateway or _gateway(options)
    checks.append(_gateway_check(gateway, options, _ids(checks)))
    host, port = _host_port(options.portal)
    spec = PROBES["quality"].spec.model_validate(
        {
            **_REACH,
            "method": "tcp",
            "host": host,
            "port": port,
            "target": "portal",
            "reply_timeout": min(2.0, options.timeout),
        }
    )
    # the attributes agent/state.py reads of a quality job (as agent/jobs.py gives them)
    attributes = {
        "target": "portal",
        "link": "default",
        "role": "national_portal",
        "method": "tcp",
        "link_role": "primary",
    }
    reach = _quality_job(
        Job("wan:portal", "quality", PROBES["quality"], spec, 0, 0, attributes=attributes)
    )
    checks.append(
        Planned(
            "wan",
            "wan:portal",
            f"Đường truyền tới {host} / link to {host}",
            "quality",
            job=reach,
            attributes={"link": "default", "target": host},
        )
    )
    checks += _dns_checks(options, _ids(checks))
    checks.append(
        probe_check(
            "services",
            "portal",
            f"Cổng dịch vụ công ({host}) / portal",
            "service",
            "http",
            options.portal,
            options.timeout,
        )
    )
    return Plan(source="discovered", checks=tuple(checks), gateway=gateway)


def _place(job: Job, gateway: str | None, options: Options) -> Planned | None:
    """The job in its layer, re-timed for diagnose; None for what diagnose leaves out."""
    name = job.name or job.id
    probe = job.probe.name
    if job.role == "security":
        return None
    if job.role == "quality":
        layer: Layer = "lan" if job.attributes.get("role") == "gateway" else "wan"
        spec = job.spec
        attrs = {
            "link": job.attributes.get("link", "default"),
            "link_kind": str(getattr(spec, "link_kind", None) or ""),
            "target": job.attributes.get("target", ""),
        }
        quick = job.spec.model_copy(
            update={
                "count": QUALITY_COUNT,
                "spacing": QUALITY_SPACING,
                "reply_timeout": min(float(getattr(spec, "reply_timeout", 2.0)), options.timeout),
            }
        )
        via = attrs["link"]
        label = name if via == "default" else f"{name} qua {via} / via {via}"
        return Planned(
            layer,
            job.id,
            label,
            "quality",
            job=_quality_job(replace(job, spec=quick)),
            attributes=attrs,
        )
    # --timeout caps the config's limit (a technician waits): a check configured shorter
    # keeps its own.
    timed = replace(job, timeout=min(job.timeout, options.timeout))
    host = str(getattr(job.spec, "host", "") or "")
    if job.role == "power":
        return Planned("power", job.id, name, "power", job=timed)
    if job.role == "host":
        return Planned("box", "host", "Máy giám sát / this machine", "host", job=timed)
    if job.role == "service":
        return Planned(
            "services",
            job.id,
            name,
            "service",
            job=timed,
            attributes={"role": job.attributes.get("role", "other")},
        )
    if job.role == "terminal":
        kind = job.attributes.get("kind", "other")
        attrs = {"kind": kind, "address": job.attributes.get("address", host)}
        label = terminal_name(name, kind)
        if kind == "router":
            return Planned("lan", job.id, label, "router", job=timed, attributes=attrs)
        if kind == "switch":
            return Planned("lan", job.id, label, "terminal", job=timed, attributes=attrs)
        if kind == "video_conference":
            return Planned(
                "conference", job.id, label, "video_conference", job=timed, attributes=attrs
            )
        if kind == "printer":
            return Planned("printers", job.id, label, "terminal", job=timed, attributes=attrs)
        return Planned("terminals", job.id, label, "terminal", job=timed, attributes=attrs)
    # a generic check: DNS, HTTP (a service), or a reach (the gateway's own on the LAN)
    attrs = {"address": host} if host else {}
    if probe == "dns":
        server = str(getattr(job.spec, "server", "") or "")
        return Planned("dns", job.id, name, "check", job=timed, attributes={"server": server})
    if probe == "http":
        return Planned("services", job.id, name, "service", job=timed)
    if host and gateway and _same_host(host, gateway):
        return Planned("lan", job.id, name, "check", job=timed, attributes=attrs)
    return Planned("wan", job.id, name, "check", job=timed, attributes=attrs)


def terminal_name(name: str, kind: str) -> str:
    """``Quầy 1 (Máy tính quầy)``; the name alone when it already says the kind ("Máy in quầy
    1" is not written "Máy in quầy 1 (Máy in)")."""
    said = i18n.pick(i18n.TERMINAL_KINDS, kind, "vi")
    if said.lower() in name.lower():
        return name
    return f"{name} ({said})"


def _quality_job(job: Job) -> Job:
    """The round's own length, the last reply's wait, and a second to spare (as agent/jobs.py)."""
    spec = job.spec
    count = int(getattr(spec, "count", QUALITY_COUNT))
    spacing = float(getattr(spec, "spacing", QUALITY_SPACING))
    reply = float(getattr(spec, "reply_timeout", 2.0))
    return replace(job, timeout=count * spacing + reply + 1.0)


def probe_check(
    layer: Layer, id_: str, name: str, thing: str, kind: str, target: str, timeout: float
) -> Planned:
    probe = PROBES[kind]
    role: Role = "host" if kind == "host" else "service" if thing == "service" else "check"
    job = Job(id_, role, probe, probe.from_target(target), timeout, timeout, name=name)
    address = "" if kind == "host" else target
    return Planned(layer, id_, name, thing, job=job, attributes={"address": address})


def _gateway(options: Options) -> str | None:
    found = discover.default_gateway(options.routes_path)
    return found[0] if found else None


def _gateway_check(gateway: str | None, options: Options, taken: set[str]) -> Planned:
    id_ = "gateway" if "gateway" not in taken else "gateway@discovered"
    if gateway is None:
        return _skip(
            "lan",
            id_,
            "Gateway",
            "không tìm thấy gateway mặc định (bảng định tuyến)",
            "no default gateway in the routing table",
        )
    return probe_check("lan", id_, f"Gateway {gateway}", "check", "icmp", gateway, options.timeout)


def _dns_checks(options: Options, taken: set[str]) -> list[Planned]:
    servers = list(options.dns_servers) or discover.dns_servers(options.resolv_path)
    if not servers:
        return [
            _skip(
                "dns",
                "dns",
                "DNS",
                "không tìm thấy máy chủ DNS (/etc/resolv.conf)",
                "no DNS server found (/etc/resolv.conf)",
            )
        ]
    out = []
    for server in servers:
        id_ = f"dns@{server}"
        if id_ in taken:
            continue
        target = f"{options.name}@{server}"
        planned = probe_check(
            "dns", id_, f"DNS {server} ({options.name})", "check", "dns", target, options.timeout
        )
        out.append(replace(planned, attributes={"server": server, "name": options.name}))
    return out


def _skip(layer: Layer, id_: str, name: str, vi: str, en: str) -> Planned:
    return Planned(layer, id_, name, "", step="skip", note_vi=vi, note_en=en)


def _ids(checks: list[Planned]) -> set[str]:
    return {p.id for p in checks}


def _has_target(checks: list[Planned], gateway: str | None) -> bool:
    """Whether a LAN check already reaches the gateway (the config's own gateway check).  A
    router's check does not count: its result moves to the WAN layer when the router says its
    WAN port is down, and the LAN layer must still say the router answered on the LAN."""
    lan = [p for p in checks if p.layer == "lan" and p.thing != "router"]
    if gateway is None:
        return bool(lan)
    return any(
        p.job is not None and _same_host(str(getattr(p.job.spec, "host", "") or ""), gateway)
        for p in lan
    )


def _same_host(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.strip("[]")) == ipaddress.ip_address(b.strip("[]"))
    except ValueError:
        return a.lower() == b.lower()


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"'{url}' is not an http(s) URL")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
