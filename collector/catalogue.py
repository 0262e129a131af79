"""The collector's metric catalogue: every family its ``/metrics`` may emit, in one place.

Unlike the agent's series, these carry the site (``site`` is the site key, ``23527-main``; with
``commune_code`` beside it for Grafana joins), since one collector speaks for the whole province.
Readiness is a stateset: ``sansang_readiness_status`` has one series per status, 1 for the
current one, so an unknown finding is visible as ``status="unknown"`` and never a faked 0 value.
``docs/collector-metrics.md`` is generated from here (``python -m collector.catalogue``); the
entries use the shared :class:`sansang.metrics.MetricDef`, so ``sansang/exposition.py`` writes them.
"""

from __future__ import annotations

import sys

from sansang.metrics import MetricDef, MetricType
from sansang.standard_metrics import BUILD_INFO, STANDARD_NAMES


def _m(name: str, type_: MetricType, unit: str, help_: str, *labels: str, source: str) -> MetricDef:
    return MetricDef(name, type_, unit, help_, tuple(labels), source)


# fmt: off
CATALOGUE: tuple[MetricDef, ...] = (
    # --- the collector itself ------------------------------------------------------------------
    _m("sansang_collector_info", "info", "", "Collector version (always 1).", "version",
       source="collector"),
    BUILD_INFO,  # shared with the agent (sansang/standard_metrics.py)
    _m("sansang_collector_start_timestamp_seconds", "gauge", "seconds",
       "When the collector process started (Unix time).", source="collector"),
    _m("sansang_collector_sites", "gauge", "", "Sites in the inventory.", source="inventory"),
    _m("sansang_collector_site_info", "info", "",
       "A site of the inventory (always 1): its commune and coordinates, for maps.", "site",
       "commune_code", "commune_name", "name", "latitude", "longitude", "access",
       source="inventory"),
    # --- readiness: the findings of the newest evaluation --------------------------------------
    _m("sansang_collector_evaluation_timestamp_seconds", "gauge", "seconds",
       "When the newest evaluation ended (Unix time); absent before the first one.",
       source="evaluate"),
    _m("sansang_collector_evaluation_window_seconds", "gauge", "seconds",
       "The span the newest evaluation's findings cover.", source="evaluate"),
    _m("sansang_readiness_status", "gauge", "",
       "1 for the site's current status on the target (met, not_met, unknown), 0 for the other "
       "two (a stateset: unknown is its own series, never a value of 0).", "site",
       "commune_code", "target", "status", source="evaluate"),
    _m("sansang_readiness_value", "gauge", "",
       "The figure the finding measured, in the unit of the `unit` label (ratio, Mbit/s, "
       "outages, minutes, risks, days, ...); absent when unknown.", "site", "commune_code",
       "target", "unit",
       source="evaluate"),
    _m("sansang_readiness_threshold", "gauge", "",
       "The threshold the figure is held against, when it is a number (same unit as "
       "sansang_readiness_value).", "site", "commune_code", "target", "unit", source="evaluate"),
    _m("sansang_readiness_sites", "gauge", "",
       "Sites of the province per target and status (the province rollup).", "target", "status",
       source="evaluate"),
    _m("sansang_collector_evaluation_errors_total", "counter", "",
       "Findings made unknown because the rule failed on the site's data (a bad event, a bug), "
       "counted every evaluation since the collector started; 0 for every evaluated target "
       "without. The finding's evidence and the log say which site and why.", "target",
       source="evaluate"),
    # --- ingest --------------------------------------------------------------------------------
    _m("sansang_collector_ingest_events_total", "counter", "",
       "Events received from the site's agent since the collector started, by result: stored "
       "(accepted) or already there (duplicate).", "site", "result", source="ingest"),
    _m("sansang_collector_ingest_rejected_total", "counter", "",
       "Batches refused since the collector started, by reason (site empty when unknown).",
       "site", "reason", source="ingest"),
    _m("sansang_collector_ingest_gap_events_total", "counter", "",
       "Events the site's agent pruned before the collector read them (lost to retention).",
       "site", source="ingest"),
    _m("sansang_collector_pull_errors_total", "counter", "",
       "Failed fetches of the site's journal since the collector started, by reason.", "site",
       "reason", source="ingest"),
    _m("sansang_collector_last_received_timestamp_seconds", "gauge", "seconds",
       "When something last arrived from the site (Unix time); absent when nothing has since "
       "the collector started.", "site", source="ingest"),
)
# fmt: on

BY_NAME: dict[str, MetricDef] = {m.name: m for m in CATALOGUE}


def markdown() -> str:
    """docs/collector-metrics.md (``python -m collector.catalogue > docs/collector-metrics.md``)."""
    lines = [
        "# Collector metrics",
        "",
        "Generated from `collector/catalogue.py` by `python -m collector.catalogue`; do not edit",
        "by hand. Served at the collector's `/metrics` (a token of any role: `Authorization:",
        "Bearer`).",
        "",
        "Every series of a site carries `site` (the site key, e.g. `23527-main`) and, for",
        "readiness, `commune_code`. Readiness is a stateset: `sansang_readiness_status` has one",
        "series per status with 1 for the current one, so unknown is visible and never a 0.",
        "",
        "Beside these, `/metrics` carries prometheus-client's standard process and platform "
        "series: " + ", ".join(f"`{n}`" for n in sorted(STANDARD_NAMES)) + ".",
        "",
        "| name | type | unit | labels | emitted by | help |",
        "|---|---|---|---|---|---|",
    ]
    for m in CATALOGUE:
        labels = ", ".join(f"`{label}`" for label in m.labels) or "–"
        lines.append(
            f"| `{m.name}` | {m.type} | {m.unit or '–'} | {labels} | {m.source} | {m.help} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
