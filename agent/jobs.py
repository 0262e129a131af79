"""Turn the config into scheduled jobs: one per check, service, terminal, power source, and the
host probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agent.config import AgentConfig
from agent.probes import PROBES
from agent.probes.base import ProbeKind, ProbeSpec

Role = Literal["host", "check", "service", "terminal", "power"]

# Event kind written when a job of this role changes state.
STATE_EVENT: dict[Role, str] = {
    "check": "check_state",
    "service": "service_state",
    "terminal": "terminal_state",
    "power": "power_source_state",
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
    return jobs
