"""The running collector: what every part (ingest, evaluation, alerts, web) shares.

``collector.app`` builds one :class:`Collector` at start and hands it to each loop; the loops
replace ``evaluation`` and ``live`` whole (no partial update is ever visible to a reader).
``inventory`` is the EFFECTIVE inventory: the YAML (``source_inventory``) with the readiness
records edited in the web UI laid over it (:mod:`collector.inventory.overlay`); every reader uses
it, and :meth:`Collector.use_inventory` is the one place that sets it.
The ingest's counters live here rather than in ``collector.ingest``: the ingest is one of the
loops built on this module, so this module must not import it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from collector.config import CollectorConfig
from collector.evaluate.model import Evaluation, LiveSite
from collector.inventory import overlay
from collector.inventory.model import Inventory, Site
from collector.store import ReadinessEdit, Store
from collector.targets import Catalogue, ThresholdValue

log = logging.getLogger(__name__)


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
    # The inventory as its YAML says (None: ``inventory`` is it, no overlay applied yet), the
    # readiness edits kept in the store (oldest first) and those that did not fit it.
    source_inventory: Inventory | None = None
    readiness_edits: list[ReadinessEdit] = field(default_factory=list)
    readiness_ignored: tuple[tuple[ReadinessEdit, overlay.Refusal], ...] = ()

    def use_inventory(
        self, source: Inventory, edits: list[ReadinessEdit] | None = None
    ) -> overlay.Overlaid:
        """Make ``source`` (the YAML) with the readiness ``edits`` (None: the ones held) the
        inventory every part reads; replaced whole, as ``evaluation``."""
        held = self.readiness_edits if edits is None else edits
        done = overlay.apply(source, held)
        self.source_inventory, self.readiness_edits = source, list(held)
        self.readiness_ignored = done.ignored
        for edit, refusal in done.ignored:  # kept in the store, not used: say so
            log.warning("readiness edit %s not applied: %s", edit.where, refusal)
        self.inventory = done.inventory
        return done

    def site(self, key: str) -> Site | None:
        return next((s for s in self.inventory.sites if s.key == key), None)
