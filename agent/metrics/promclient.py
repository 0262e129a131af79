"""The exporter's rows as prometheus_client metric families, for tests and tools.

The agent serves ``/metrics`` with :mod:`sansang.exposition` and never imports this module
(prometheus_client serves it only for the standard process and platform series,
``sansang/standard_metrics.py``).  The tests register
``agent.metrics.exporter.AgentCollector`` (whose ``collect`` comes here) in a
``CollectorRegistry`` to compare prometheus_client's own encoders with the agent's writer.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)

from sansang.exposition import Family, Labels
from sansang.metrics import family_name


def metrics(families: Iterable[Family]) -> list[Metric]:
    return [_metric(fam) for fam in families]


def _metric(fam: Family) -> Metric:
    m = fam.metric
    name = family_name(m)
    label_names = list(m.labels)
    rows = [([labels.get(label, "") for label in label_names], value) for labels, value in fam.rows]
    if m.type == "info":
        info = InfoMetricFamily(name, m.help, labels=[])
        for values, _ in rows:
            info.add_metric([], dict(zip(label_names, values, strict=True)))
        return info
    # prometheus_client wants the name to end with the unit when a unit is given; "_seconds_total"
    # (a counter of seconds) ends with it once _total is taken off.
    unit = m.unit if m.unit and name.endswith("_" + m.unit) else ""
    if m.type == "histogram":
        return _histogram(fam, name, unit)
    fam_type = CounterMetricFamily if m.type == "counter" else GaugeMetricFamily
    metric = fam_type(name, m.help, labels=label_names, unit=unit)
    for values, value in rows:
        metric.add_metric(values, value)
    return metric


def _histogram(fam: Family, name: str, unit: str) -> Metric:
    """Bucket rows then a sum row per series (the shape :class:`sansang.exposition.Family`
    describes), as one ``add_metric`` per series."""
    label_names = list(fam.metric.labels)
    metric = HistogramMetricFamily(name, fam.metric.help, labels=label_names, unit=unit)
    buckets: list[tuple[str, float]] = []
    for labels, value in fam.rows:
        if "le" in labels:
            buckets.append((labels["le"], value))
        else:
            metric.add_metric(_values(labels, label_names), buckets, value)
            buckets = []
    return metric


def _values(labels: Labels, names: list[str]) -> list[str]:
    return [labels.get(label, "") for label in names]
