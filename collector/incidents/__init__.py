"""Incidents (sự cố): what broke, when it began, when sansang heard of it, who took it on, when
it was restored and when it was reported (SEC-EARLY; docs/incidents.md).

- :mod:`collector.incidents.model`: the incident and its times, the reporting deadline;
- :mod:`collector.incidents.webhook`: Alertmanager's webhook notification, checked;
- kept by the store (:mod:`collector.store.incidents`), shown and changed by
  :mod:`collector.web.incidents`, judged by :mod:`collector.evaluate.rules.incident_times`.

This package imports neither the store nor the alerts: the store and the evaluation import it.
"""

from __future__ import annotations

from collector.incidents.model import (
    INCIDENT_KINDS,
    AlertSignal,
    Incident,
    IncidentAlert,
    IncidentNote,
    Intake,
    SiteIncidents,
    report_deadline,
)

__all__ = [
    "INCIDENT_KINDS",
    "AlertSignal",
    "Incident",
    "IncidentAlert",
    "IncidentNote",
    "Intake",
    "SiteIncidents",
    "report_deadline",
]
