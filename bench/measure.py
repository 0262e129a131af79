"""Measuring tools shared by the benchmarks: a Prometheus-like scraper, a process watcher, stats."""

from __future__ import annotations

import http.client
import math
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field

import psutil

# What Prometheus 2.42 sends when it scrapes: OpenMetrics preferred, gzip accepted.
PROMETHEUS_HEADERS = {
    "Accept": "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "Accept-Encoding": "gzip",
    "User-Agent": "Prometheus/2.42.0",
    "X-Prometheus-Scrape-Timeout-Seconds": "10",
}


class Scraper:
    """Scrapes one ``/metrics`` URL over a kept-alive connection, as Prometheus does."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def scrape(self) -> tuple[float, int]:
        """One scrape: (seconds from request to the last byte of the body, body bytes)."""
        for attempt in (1, 2):  # a kept-alive connection may have been closed by the server
            conn = self._conn or http.client.HTTPConnection(self.host, self.port, self.timeout)
            self._conn = conn
            started = time.perf_counter()
            try:
                conn.request("GET", self.path, headers=PROMETHEUS_HEADERS)
                resp = conn.getresponse()
                body = resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if resp.status != 200:
                raise RuntimeError(f"{self.host}:{self.port}{self.path} answered {resp.status}")
            return elapsed, len(body)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


@dataclass
class Watched:
    """A process whose resident memory is sampled and whose CPU time is counted over a window."""

    name: str
    process: psutil.Process
    rss: list[int] = field(default_factory=list)
    cpu_start: float = 0.0
    cpu_end: float = 0.0

    @classmethod
    def pid(cls, name: str, pid: int) -> Watched:
        return cls(name, psutil.Process(pid))

    def _cpu(self) -> float:
        t = self.process.cpu_times()
        return float(t.user + t.system)

    def start(self) -> None:
        self.cpu_start = self._cpu()

    def sample(self) -> None:
        self.rss.append(self.process.memory_info().rss)

    def stop(self) -> None:
        self.cpu_end = self._cpu()

    @property
    def cpu_seconds(self) -> float:
        return self.cpu_end - self.cpu_start

    @property
    def rss_peak(self) -> int:
        return max(self.rss)

    @property
    def rss_mean(self) -> float:
        return statistics.fmean(self.rss)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between the closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


MIB = 1024 * 1024
