"""One alert as the collector sends it to Alertmanager, what the builders read, and how an entry
of the alert catalogue becomes an alert (labels, annotations, playbook): shared by
:mod:`collector.alerts.build` (the sites' incidents and the targets not met) and
:mod:`collector.alerts.certificates` (the inventory's signature certificates)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from collector.alerts import texts
from collector.alerts.catalogue import AlertDef, not_met_playbook, not_met_severity
from collector.alerts.texts import clip
from collector.config import AlertmanagerConfig
from collector.evaluate.model import Evaluation, LiveSite
from collector.events import StoredEvent
from collector.inventory.model import Inventory, Site
from collector.targets import Catalogue, ThresholdValue
from sansang import playbooks

AlertKey = frozenset[tuple[str, str]]
DEFAULT_PLAYBOOK_BASE_URL = str(AlertmanagerConfig.model_fields["playbook_base_url"].default)


@dataclass(frozen=True)
class Alert:
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: float  # when the incident began, as far as the collector knows
    generator_url: str = ""

    @property
    def key(self) -> AlertKey:
        """Alertmanager's identity of an alert: its label set."""
        return frozenset(self.labels.items())


@dataclass(frozen=True)
class AlertInputs:
    now: float
    inventory: Inventory
    catalogue: Catalogue
    evaluation: Evaluation | None = None
    live: Mapping[str, LiveSite] = field(default_factory=dict)
    recent: Mapping[str, Sequence[StoredEvent]] = field(default_factory=dict)
    last_received: Mapping[str, float] = field(default_factory=dict)
    thresholds: Mapping[str, Mapping[str, ThresholdValue]] = field(default_factory=dict)
    playbook_base_url: str = ""
    public_url: str | None = None
    silent_after: float = 1800.0  # nothing received for this long: unreachable
    live_max_age: float = 300.0  # live values older than this are ignored
    # Signature certificates (collector/alerts/certificates.py): days before the last valid day
    # when the warning, then the critical alert begins.
    certificate_days: tuple[float, float] = (30.0, 7.0)


def make_alert(
    inputs: AlertInputs,
    entry: AlertDef,
    site: Site | None,
    *,
    cause: str,
    since: float,
    summary: tuple[str, str],
    description: tuple[str, str],
    target_id: str | None = None,
    worst: bool = False,
    extra: Mapping[str, str] | None = None,
) -> Alert:
    """The alert ``entry`` of the catalogue: its name, severity (``worst``: at the incident's
    worst), agency and playbook from there; ``target_id`` is the target of an entry that has
    none of its own (a target not met), whose owner is then the agency."""
    target_id = entry.target or target_id or ""
    severity, playbook = entry.severity, entry.playbook
    if entry.target is None:  # a target not met: that target's severity and playbook
        severity = not_met_severity(target_id)
        playbook = not_met_playbook(target_id)
    if worst and entry.worst is not None:
        severity = entry.worst
    target = inputs.catalogue.get(target_id)
    labels = {
        "alertname": entry.name,
        "province": inputs.inventory.province.name,
        "target": target_id,
        "severity": severity,
        "agency": entry.agency or (target.owner if target else ""),
        **(extra or {}),
    }
    if site is not None:
        labels |= {"site": site.key, "commune_code": site.commune_code}
        labels["commune"] = site.commune.name
    runbook = runbook_url(inputs, playbook)
    annotations = {
        "summary": clip(summary[0], texts.SUMMARY_MAX),
        "summary_en": clip(summary[1], texts.SUMMARY_MAX),
        "description": clip(description[0], texts.DESCRIPTION_MAX),
        "description_en": clip(description[1], texts.DESCRIPTION_MAX),
        "runbook_url": runbook,
        "cause": cause,
    }
    return Alert(labels, annotations, since, _generator_url(inputs, site))


def runbook_url(inputs: AlertInputs, playbook: str) -> str:
    """Where the alert's reader finds the playbook: the collector's own page
    (``public_url/playbooks/<kind>#<first checks>``, reachable where the province's network is)
    when ``public_url`` is set and ``playbook_base_url`` was left at its default (or empty);
    otherwise ``playbook_base_url`` + the file, as before."""
    base = inputs.playbook_base_url
    if not inputs.public_url or base not in ("", DEFAULT_PLAYBOOK_BASE_URL):
        return base + playbook
    root = inputs.public_url.rstrip("/") + "/playbooks/"
    book = playbooks.get(playbook.removesuffix(".md"))
    if book is None:  # the index
        return root
    return f"{root}{book.kind}#{book.sections['check']}"


def _generator_url(inputs: AlertInputs, site: Site | None) -> str:
    if not inputs.public_url:
        return ""
    base = inputs.public_url.rstrip("/")
    return f"{base}/sites/{site.key}" if site is not None else base + "/"
