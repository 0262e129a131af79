"""The running collector: what every part (ingest, evaluation, alerts, web) shares.

``collector.app`` builds one :class:`Collector` at start and hands it to each loop; the loops
replace ``evaluation`` and ``live`` whole (no partial update is ever visible to a reader).
The ingest's counters live here rather than in ``collector.ingest``: the ingest is one of the
loops built on this module, so this module must not import it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from collector.config import CollectorConfig
from collector.evaluate.model import Evaluation, LiveSite
from collector.inventory.model import Inventory, Site
from collector.store import Store
from collector.targets import Catalogue, ThresholdValue


@dataclass
class IngestStats:
    """Counters of the ingest, read by the collector's /metrics (``sansang_collector_ingest_*``).
    Per site key: events stored, duplicates ignored, batches refused, gaps, and the last time
    something arrived.  Only the ingest writes these; readers copy."""

    accepted: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)  # (site or "", reason)
    gap_events: Counter[str] = field(default_factory=Counter)
    pull_errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (site, reason)
    last_received: dict[str, float] = field(default_factory=dict)


@dataclass
class Collector:
    config: CollectorConfig
    inventory: Inventory
    catalogue: Catalogue
    thresholds: dict[str, dict[str, ThresholdValue]]  # effective: defaults + province overrides
    store: Store
    evaluation: Evaluation | None = None  # the newest, None until the first one ends
    live: dict[str, LiveSite] = field(default_factory=dict)  # by site key, from Prometheus
    ingest: IngestStats = field(default_factory=IngestStats)
    # By target: findings a rule's failure made unknown (collector.evaluate.failure), every round.
    evaluation_errors: Counter[str] = field(default_factory=Counter)

    def site(self, key: str) -> Site | None:
        return next((s for s in self.inventory.sites if s.key == key), None)
