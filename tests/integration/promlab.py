"""Real time-series servers for tests: Prometheus and VictoriaMetrics scraping the same targets.

    from tests.integration.promlab import MetricsServer, running_tsdb, TSDB_KINDS

    with MetricsServer() as exporter:                         # serves /site/<key> on 127.0.0.1
        exporter.set("23527-main", "sansang_link_up{link=\"internet\"} 1\n")
        targets = {"23527-main": exporter.url("23527-main"), "23528-main": dead_url}
        with running_tsdb("prometheus", tmp_path, targets) as tsdb:   # or "victoria-metrics"
            tsdb.url                                          # the query API's base URL
            tsdb.flush()                                      # VM: make new samples queryable

Both servers read one scrape config (:func:`scrape_config`): a job per site, scraping every
``interval`` with the site key as the target label ``site`` (as a province's Prometheus adds it),
so a target that does not answer gives ``up{site=...} 0``.  Prometheus 2.42 (Debian
``prometheus``): the first sample is queryable a few seconds after start (service discovery),
poll the query rather than ``/-/ready``.  VictoriaMetrics 1.79 (Debian ``victoria-metrics``):
samples are queryable after ``/internal/force_flush`` (and ``-search.latencyOffset=0s``).
Each server runs on a free loopback port in its own directory and is stopped by PID.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.support import wait_until, yaml_writer
from tests.support.env import stop_process
from tests.support.net import ThreadedServer, free_port, http_get

TSDB_KINDS = ("prometheus", "victoria-metrics")
BINARIES = {"prometheus": "prometheus", "victoria-metrics": "victoria-metrics"}
PACKAGES = {"prometheus": "prometheus", "victoria-metrics": "victoria-metrics"}


def tsdb_missing(kind: str) -> str | None:
    if shutil.which(BINARIES[kind]) is None:
        return f"{BINARIES[kind]} not found: apt-get install -y {PACKAGES[kind]}"
    return None


def tsdb_params() -> list[Any]:
    """``pytest.mark.parametrize`` values for both servers, each skipped when not installed."""
    return [
        pytest.param(
            kind,
            id=kind,
            marks=pytest.mark.skipif(
                tsdb_missing(kind) is not None, reason=str(tsdb_missing(kind))
            ),
        )
        for kind in TSDB_KINDS
    ]


class MetricsServer(ThreadedServer):
    """A static exporter on 127.0.0.1: ``GET /site/<key>`` serves the text set for ``key``
    (Prometheus text format); an unknown key is a 404 (the scrape fails: ``up`` is 0)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self._lock = threading.Lock()
        pages, lock = self.pages, self._lock

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                key = self.path.removeprefix("/site/")
                with lock:
                    text = pages.get(key)
                body = (text or "not found\n").encode()
                self.send_response(200 if text is not None else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        super().__init__(Handler)

    def url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/site/{key}"

    def set(self, key: str, text: str) -> None:
        with self._lock:
            self.pages[key] = text

    def drop(self, key: str) -> None:
        with self._lock:
            self.pages.pop(key, None)


def scrape_config(
    targets: Mapping[str, str], interval: str = "1s", site_label: str = "site"
) -> dict[str, Any]:
    """One job per site key: scrape ``targets[key]`` (a full URL) with the label
    ``site_label: key`` on the target."""
    jobs = []
    for key, url in targets.items():
        scheme, _, rest = url.partition("://")
        host, _, path = rest.partition("/")
        jobs.append(
            {
                "job_name": f"sansang-{key}",
                "scheme": scheme,
                "metrics_path": "/" + path,
                "scrape_interval": interval,
                "scrape_timeout": interval,
                "static_configs": [{"targets": [host], "labels": {site_label: key}}],
            }
        )
    return {"global": {"scrape_interval": interval}, "scrape_configs": jobs}


class Tsdb:
    """A running Prometheus or VictoriaMetrics (see the module docstring)."""

    def __init__(self, kind: str, workdir: Path, config: Mapping[str, Any]) -> None:
        self.kind = kind
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.config_path = workdir / f"{kind}.yml"
        self.config_path.write_text(yaml_writer.dump(dict(config)), encoding="utf-8")
        self.log_path = workdir / f"{kind}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        data = self.workdir / f"{self.kind}-data"
        if self.kind == "prometheus":
            return [
                "prometheus",
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
            ]
        return [
            "victoria-metrics",
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={data}",
            f"-promscrape.config={self.config_path}",
            "-search.latencyOffset=0s",
            "-search.disableCache",
        ]

    def start(self, timeout: float = 30.0) -> Tsdb:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        # Prometheus answers its API with 503 until /-/ready (a loaded CI machine showed it: a
        # query right after /-/healthy came back "HTTP 503", not the API's own error).
        health = "-/ready" if self.kind == "prometheus" else "health"
        wait_until(lambda: self._answers(health), timeout, f"{self.kind} at {self.url}")
        return self

    def _answers(self, path: str) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.kind} exited with {self.proc.returncode}:\n{self.log()}")
        http_get(self.url + path, timeout=1.0)
        return True

    def flush(self) -> None:
        """Make what was scraped so far queryable (VictoriaMetrics; Prometheus needs nothing)."""
        if self.kind == "victoria-metrics":
            http_get(self.url + "internal/force_flush", timeout=5.0)

    def push(self, text: str) -> None:
        """Import samples in the text format (VictoriaMetrics only), then flush."""
        assert self.kind == "victoria-metrics", "push needs VictoriaMetrics"
        req = urllib.request.Request(
            self.url + "api/v1/import/prometheus", data=text.encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=5.0) as resp:
            assert resp.status == 204, resp.status
        self.flush()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=10)


@contextmanager
def running_tsdb(
    kind: str, workdir: Path, targets: Mapping[str, str], interval: str = "1s"
) -> Iterator[Tsdb]:
    """Start ``kind`` (``prometheus`` or ``victoria-metrics``) scraping ``targets``."""
    tsdb = Tsdb(kind, workdir, scrape_config(targets, interval))
    try:
        yield tsdb.start()
    finally:
        tsdb.stop()


def province_prometheus(
    rules: Path,
    sd_dir: Path,
    *,
    alertmanager_port: int | None = None,
    collector: tuple[str, str] | None = None,
    remote_write: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The province's Prometheus as the tests run it: every interval 1 s, ``rules`` loaded, the
    agents through the file_sd files in ``sd_dir`` (``collector.file_sd`` writes them); with
    ``alertmanager_port`` its alerts go to that Alertmanager on loopback, with ``collector``
    (``host:port``, token) the collector's ``/metrics`` is scraped too, and ``remote_write``
    blocks are copied in as given."""
    scrapes: list[dict[str, Any]] = [
        {
            "job_name": "sansang-agents",
            "file_sd_configs": [{"files": [str(sd_dir / "*.json")], "refresh_interval": "1s"}],
        }
    ]
    if collector is not None:
        listen, token = collector
        scrapes.append(
            {
                "job_name": "sansang-collector",
                "static_configs": [{"targets": [listen]}],
                "authorization": {"credentials": token},
            }
        )
    config: dict[str, Any] = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": scrapes,
    }
    if alertmanager_port is not None:
        target = f"127.0.0.1:{alertmanager_port}"
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [target]}]}]}
    if remote_write is not None:
        config["remote_write"] = remote_write
    return config
