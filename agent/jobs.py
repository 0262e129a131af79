"""Turn the config into scheduled jobs: one per check, service, terminal, power source, quality
target and link, machine of ``security.hosts``, and the host probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agent.config import AgentConfig
from agent.config.links import Link, QualityConfig, QualityTarget
from agent.config.security import SecurityConfig
from agent.probes import PROBES
from agent.probes.base import ProbeKind, ProbeSpec

Role = Literal["host", "check", "service", "terminal", "power", "quality", "security"]
DEFAULT_LINK = "default"  # the `link` label of a round over the default route

# Event kind written when a job of this role changes state.
STATE_EVENT: dict[Role, str] = {
    "check": "check_state",
    "service": "service_state",
    "terminal": "terminal_state",
    "power": "power_source_state",
    "security": "security_state",
}


@dataclass(frozen=True)
class Job:
    id: str
    role: Role
    probe: ProbeKind[Any]
    spec: ProbeSpec
    interval: float
    timeout: float
    name: str = ""
    attributes: dict[str, str] = field(default_factory=dict)  # terminal kind, service role, ...


def build_jobs(config: AgentConfig) -> list[Job]:
    d = config.probes

    # Positional-only: a service's attributes include `role` (its ServiceRole).
    def job(id_: str, role: Role, spec: ProbeSpec, name: str, /, **attrs: str) -> Job:
        defaults = config.power if role == "power" else d
        return Job(
            id=id_,
            role=role,
            probe=PROBES[spec.probe],
            spec=spec,
            interval=spec.interval or defaults.interval,
            timeout=spec.timeout or defaults.timeout,
            name=name,
            attributes=attrs,
        )

    jobs: list[Job] = []
    if config.host.enabled and "host" in PROBES:
        host_spec = PROBES["host"].spec.model_validate(
            {
                "probe": "host",
                "interval": config.host.interval,
                "filesystems": config.host.filesystems,
                "interfaces": config.host.interfaces,
            }
        )
        jobs.append(job("host", "host", host_spec, "host"))
    jobs += [job(c.id, "check", c.check, c.name) for c in config.checks]
    jobs += [job(s.id, "service", s.check, s.name, role=s.role) for s in config.services]
    for t in config.terminals:
        jobs.append(
            job(
                t.id,
                "terminal",
                t.spec(),
                t.name,
                kind=t.kind,
                address=t.address,
                method=t.check.method,
            )
        )
    jobs += [job(p.id, "power", p.source, p.name) for p in config.power.sources]
    jobs += quality_jobs(config.quality, config.links)
    jobs += security_jobs(config.security)
    return jobs


def security_jobs(security: SecurityConfig) -> list[Job]:
    """One job per machine of ``security.hosts``: its security measures over SSH, on the
    section's own interval and timeout (an hour and 30 s by default, not a network check's)."""
    kind = PROBES["security"]
    return [
        Job(
            id=host.id,
            role="security",
            probe=kind,
            spec=kind.spec.model_validate(host.spec_fields()),
            interval=security.interval,
            timeout=security.timeout,
            name=host.name,
            attributes={"os": host.os, "name": host.name or host.id},
        )
        for host in security.hosts
    ]


def quality_jobs(quality: QualityConfig, links: list[Link]) -> list[Job]:
    """One job per quality target and link it is measured over (the default route when the
    target names none), id ``quality:<target>@<link>``."""
    by_id = {link.id: link for link in links}
    jobs = []
    for target in quality.targets:
        over: list[Link | None] = [by_id[i] for i in target.links] or [None]
        jobs += [_quality_job(quality, target, link) for link in over]
    return jobs


def _quality_job(quality: QualityConfig, target: QualityTarget, link: Link | None) -> Job:
    link_id = link.id if link else DEFAULT_LINK
    check = target.check
    spec = PROBES["quality"].spec.model_validate(
        {
            "probe": "quality",
            "target": target.id,
            "role": target.role,
            "link": link_id,
            "link_kind": link.kind if link else None,
            "method": check.method,
            "host": check.host,
            "port": check.port,
            "url": check.url,
            "count": quality.count,
            "spacing": quality.spacing,
            "reply_timeout": quality.timeout,
            "interface": link.interface if link else None,
            "source_address": link.source_address if link else None,
        }
    )
    # The round's own length, the last reply's wait, and a second to spare.
    timeout = quality.count * quality.spacing + quality.timeout + 1.0
    return Job(
        id=f"quality:{target.id}@{link_id}",
        role="quality",
        probe=PROBES["quality"],
        spec=spec,
        interval=quality.interval,
        timeout=timeout,
        name=target.name or target.id,
        attributes={
            "target": target.id,
            "link": link_id,
            "role": target.role,
            "method": check.method,
            "link_role": link.role if link else "primary",
        },
    )
