"""The rules, by the catalogue's ``rule`` name: pure functions ``(SiteInputs, Thresholds, Window)
-> Finding`` (see :mod:`collector.evaluate.model`).

SEC-TEAM (``responder``), SEC-DRILL (``drill``) and SEC-CONTINGENCY (``contingency``) read the
inventory's contingency plans (and, for the last, the journal's evidence that a fallback works).

Province-level lists beside them: :func:`power_dead_zones` (INF-PWR), :func:`dead_zone_points`
(INF-DZ survey points tied to no site) and :func:`central_outages` (OPS-247).
"""

from __future__ import annotations

from collector.evaluate.model import Rule
from collector.evaluate.rules import bandwidth_median as bandwidth
from collector.evaluate.rules import conference_endpoint as conference
from collector.evaluate.rules import contingency, dead_zone, drill, responder
from collector.evaluate.rules import power_outages as power
from collector.evaluate.rules import service_availability as service
from collector.evaluate.rules import terminal_availability as terminals
from collector.evaluate.rules import uptime as uptime_rule
from collector.evaluate.rules.dead_zone import dead_zone_points
from collector.evaluate.rules.power_outages import power_dead_zones
from collector.evaluate.rules.service_availability import CentralOutage, central_outages
from collector.evaluate.timeline import AGENT_KINDS, CAUSE_KINDS

RULES: dict[str, Rule] = {
    "uptime": uptime_rule.uptime,
    "power_outages": power.power_outages,
    "bandwidth_median": bandwidth.bandwidth_median,
    "dead_zone": dead_zone.dead_zone,
    "conference_endpoint": conference.conference_endpoint,
    "terminal_availability": terminals.terminal_availability,
    "service_availability": service.service_availability,
    "responder": responder.responder,
    "drill": drill.drill,
    "contingency": contingency.contingency,
}

# The event kinds each rule reads (besides the agent's own and those the cause looks at).
RULE_KINDS: dict[str, tuple[str, ...]] = {
    "uptime": uptime_rule.KINDS,
    "power_outages": power.KINDS,
    "bandwidth_median": bandwidth.KINDS,
    "dead_zone": dead_zone.KINDS,
    "conference_endpoint": conference.KINDS,
    "terminal_availability": terminals.KINDS,
    "service_availability": service.KINDS,
    "responder": responder.KINDS,
    "drill": drill.KINDS,
    "contingency": contingency.KINDS,
}


def kinds_for(rules: list[str]) -> frozenset[str]:
    """Every event kind the given rules need, with the agent's and the cause's."""
    kinds = set(AGENT_KINDS) | set(CAUSE_KINDS) | {"link_quality"}
    for name in rules:
        kinds.update(RULE_KINDS.get(name, ()))
    return frozenset(kinds)


__all__ = [
    "RULES",
    "RULE_KINDS",
    "CentralOutage",
    "central_outages",
    "dead_zone_points",
    "kinds_for",
    "power_dead_zones",
]
