"""A real Alertmanager for tests, and a webhook receiver that records what it is sent.

    from tests.integration.amlab import WebhookRecorder, running_alertmanager, skip_without_am

    with WebhookRecorder() as hook, running_alertmanager(tmp_path, hook.url) as am:
        am.url                                   # API v2 base, e.g. http://127.0.0.1:P/
        hook.alerts(status="firing", alertname="SansangPowerLost")   # what reached the webhook

Debian's ``prometheus-alertmanager`` 0.25, run in the foreground on a free loopback port with
``--cluster.listen-address=`` (empty: no gossip; without it the first notification waits ~10 s
and it listens on 0.0.0.0:9094).  Route: everything to the webhook, grouped by alertname and
site, ``group_wait`` / ``group_interval`` short (1 s by default) so that firing and resolved
notifications arrive within seconds.  Stopped by PID.  The recorder is a threaded HTTP server on
127.0.0.1, usable from sync and async tests alike.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.support import wait_until, yaml_writer
from tests.support.env import stop_process
from tests.support.net import ThreadedServer, free_port, http_get

BINARY = "prometheus-alertmanager"


def am_missing() -> str | None:
    if shutil.which(BINARY) is None:
        return f"{BINARY} not found: apt-get install -y prometheus-alertmanager"
    return None


skip_without_am = pytest.mark.skipif(am_missing() is not None, reason=str(am_missing()))


class WebhookRecorder(ThreadedServer):
    """Records every POST body (Alertmanager's webhook JSON) with the time it arrived."""

    def __init__(self) -> None:
        self.posts: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()
        posts, lock = self.posts, self._lock

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with lock:
                    posts.append((time.monotonic(), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        """Every POST body received, in order (its ``receiver`` says which route took it)."""
        with self._lock:
            return [body for _, body in self.posts]

    def alerts(
        self, status: str | None = None, **labels: str
    ) -> list[tuple[float, dict[str, Any]]]:
        """Every alert received (arrival time, alert), optionally only with this status and
        these labels."""
        with self._lock:
            posts = list(self.posts)
        return [
            (at, alert)
            for at, body in posts
            for alert in body.get("alerts", [])
            if (status is None or alert.get("status") == status)
            and all(alert.get("labels", {}).get(k) == v for k, v in labels.items())
        ]


def am_config(
    webhook_url: str, group_wait: str = "1s", group_interval: str = "1s"
) -> dict[str, Any]:
    return {
        "route": {
            "receiver": "hook",
            "group_by": ["alertname", "site"],
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": "1h",
        },
        "receivers": [
            {"name": "hook", "webhook_configs": [{"url": webhook_url, "send_resolved": True}]}
        ],
    }


class Alertmanager:
    def __init__(self, workdir: Path, config: dict[str, Any]) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.config_path = workdir / "alertmanager.yml"
        self.config_path.write_text(yaml_writer.dump(config), encoding="utf-8")
        self.log_path = workdir / "alertmanager.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> Alertmanager:
        cmd = [
            BINARY,
            f"--config.file={self.config_path}",
            f"--storage.path={self.workdir / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
        ]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        wait_until(self._ready, timeout, f"alertmanager at {self.url}")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"alertmanager exited with {self.proc.returncode}:\n{self.log()}")
        http_get(self.url + "-/ready", timeout=1.0)
        return True

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=10)


@contextmanager
def running_alertmanager(
    workdir: Path, webhook_url: str, group_wait: str = "1s", group_interval: str = "1s"
) -> Iterator[Alertmanager]:
    am = Alertmanager(workdir, am_config(webhook_url, group_wait, group_interval))
    try:
        yield am.start()
    finally:
        am.stop()
