"""The rules, by the catalogue's ``rule`` name: one :class:`RuleEntry` per rule, exported by the
module of the same name as ``RULE`` (adding a rule is one module and one line here).

An entry carries the pure function ``(SiteInputs, Thresholds, Window) -> Finding``, the event
kinds it reads, the names of the thresholds it reads, and, for the rules that need the whole
province before judging a site, its province pass: ``uptime`` and ``service_availability`` (a
loss half the province shares is a central outage), ``dead_zone`` (surveyed places tied to no
site).  The evaluation run (:mod:`collector.evaluate.run`) reads only this registry.
"""

from __future__ import annotations

from collections.abc import Iterable

from collector.evaluate import reporting
from collector.evaluate.model import RuleEntry
from collector.evaluate.rules import (
    bandwidth_median,
    conference_endpoint,
    contingency,
    dead_zone,
    drill,
    incident_times,
    power_outages,
    responder,
    security_level,
    security_measures,
    service_availability,
    service_continuity,
    terminal_availability,
    uptime,
)
from collector.evaluate.timeline import AGENT_KINDS, CAUSE_KINDS, CLOCK_KINDS

RULES: dict[str, RuleEntry] = {
    "uptime": uptime.RULE,
    "power_outages": power_outages.RULE,
    "bandwidth_median": bandwidth_median.RULE,
    "dead_zone": dead_zone.RULE,
    "conference_endpoint": conference_endpoint.RULE,
    "terminal_availability": terminal_availability.RULE,
    "service_availability": service_availability.RULE,
    "service_continuity": service_continuity.RULE,
    "responder": responder.RULE,
    "drill": drill.RULE,
    "contingency": contingency.RULE,
    "incident_times": incident_times.RULE,
    "security_level": security_level.RULE,
    "security_measures": security_measures.RULE,
}

# What ``collector.targets.load_catalogue`` checks every evaluated target's block against.
# RPT-MONTHLY and RPT-CENTRAL are judged from the reports kept, not events: not rules here, but
# their thresholds are declared like the rules' (collector.evaluate.reporting).
THRESHOLDS_READ: dict[str, frozenset[str]] = {
    **{name: e.thresholds for name, e in RULES.items()},
    **reporting.THRESHOLDS_READ,
}


def kinds_for(rules: Iterable[str]) -> frozenset[str]:
    """Every event kind the given rules need, with the agent's, the cause's and the clock
    steps (which put a boot's events on one clock)."""
    kinds = set(AGENT_KINDS) | set(CAUSE_KINDS) | set(CLOCK_KINDS) | {"link_quality"}
    for name in rules:
        entry = RULES.get(name)
        kinds.update(entry.kinds if entry else ())
    return frozenset(kinds)


__all__ = ["RULES", "THRESHOLDS_READ", "RuleEntry", "kinds_for"]
