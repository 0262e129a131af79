"""Counters of the ingest, read by the collector's /metrics (``sansang_collector_ingest_*``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class IngestStats:
    """Per site key: events stored, duplicates ignored, batches refused, gaps, and the last
    time something arrived.  Only the ingest writes these; readers copy."""

    accepted: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)  # (site or "", reason)
    gap_events: Counter[str] = field(default_factory=Counter)
    pull_errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (site, reason)
    last_received: dict[str, float] = field(default_factory=dict)
