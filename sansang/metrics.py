"""What a metric family is (name, type, unit, help, labels), shared by the agent's and the
collector's catalogues and by the exposition writer (``sansang/exposition.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricType = Literal["gauge", "counter", "info", "histogram"]


@dataclass(frozen=True)
class MetricDef:
    name: str  # full exposed name: counters end in _total, info in _info
    type: MetricType
    unit: str  # base unit ("seconds", "bytes", "ratio", "volts", "bytes_per_second"), "" for counts
    help: str
    labels: tuple[str, ...] = ()
    source: str = "runner"  # which part of the agent emits it (documentation only)
    buckets: tuple[float, ...] = ()  # histograms: the upper bounds, increasing, without +Inf


def family_name(metric: MetricDef) -> str:
    """The family's name in OpenMetrics (and prometheus_client): counters without _total, info
    without _info."""
    if metric.type == "counter":
        return metric.name.removesuffix("_total")
    if metric.type == "info":
        return metric.name.removesuffix("_info")
    return metric.name


def bucket_label(bound: float) -> str:
    """A bucket's ``le`` label value in the form OpenMetrics calls canonical (Go's, and
    prometheus_client's): ``0.005``, ``1.0``, ``+Inf``."""
    if bound == float("inf"):
        return "+Inf"
    return repr(float(bound))


def bucket_labels(metric: MetricDef) -> tuple[str, ...]:
    """The ``le`` values of a histogram's buckets, ``+Inf`` last."""
    return (*(bucket_label(b) for b in metric.buckets), "+Inf")
