"""Survey points as the collector keeps them: one coverage measurement of ``sansang survey`` per
place (``collector.ingest.survey`` reads the records, the store keeps them, INF-DZ reads them).

Plain data beside :mod:`collector.events`, so the store and the evaluation both import it and
neither imports the other's package for it: the evaluation run reads the store, never the
reverse.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SurveyPoint:
    """A coverage measurement from ``sansang survey`` (one JSON line per place)."""

    label: str
    latitude: float
    longitude: float
    wall_time: float
    download_bps: float | None
    upload_bps: float | None
    loss_ratio: float | None
    latency_seconds: float | None
    operator: str | None = None
    technology: str | None = None
    site: str | None = None  # the site it was taken for, when the surveyor said so
    # The modem's signal (LTE or 5G), when it reported one: RSRP in dBm, RSRQ in dB.
    rsrp_dbm: float | None = None
    rsrq_db: float | None = None
