"""The running collector: what every part (ingest, evaluation, alerts, web) shares.

``collector.app`` builds one :class:`Collector` at start and hands it to each loop; the loops
replace ``evaluation`` and ``live`` whole (no partial update is ever visible to a reader).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from collector.config import CollectorConfig
from collector.evaluate.model import Evaluation, LiveSite
from collector.ingest.stats import IngestStats
from collector.inventory.model import Inventory, Site
from collector.store import Store
from collector.targets import Catalogue, ThresholdValue


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

    def site(self, key: str) -> Site | None:
        return next((s for s in self.inventory.sites if s.key == key), None)
