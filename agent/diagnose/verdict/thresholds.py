"""The thresholds a warning rests on, each with its reason (the list in
:mod:`agent.diagnose.verdict`'s docstring), and the throughput floors of the plan."""

from __future__ import annotations

DISK_WARN_RATIO = 0.90
LOSS_WARN_RATIO = 0.05
LATENCY_WARN_SECONDS = 0.3  # a 4G link answers in 30-100 ms; beyond this the portal crawls
CERT_WARN_DAYS = 30
# (download, upload) Mbit/s: INF-BW's internet_/tslcd_ and INF-HNTH's min_ thresholds (a unit
# test holds them to collector/targets/catalogue.yaml; the agent does not import the collector).
BANDWIDTH_FLOOR_MBPS: dict[str, tuple[float, float]] = {
    "internet": (100.0, 20.0),
    "tslcd": (20.0, 20.0),
}
CONFERENCE_FLOOR_MBPS: tuple[float, float] = (4.0, 4.0)
