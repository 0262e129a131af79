"""A Prometheus scrape read back: {sample name: {labels: value}}."""

from __future__ import annotations

Metrics = dict[str, dict[frozenset[tuple[str, str]], float]]


def parse_metrics(text: str) -> Metrics:
    """A scrape as {sample name: {labels: value}}, parsed by prometheus_client's parser."""
    from prometheus_client.parser import text_string_to_metric_families

    out: Metrics = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out.setdefault(s.name, {})[frozenset(s.labels.items())] = s.value
    return out


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.get(name, {}).get(frozenset(labels.items()))
