"""Helpers shared by tests and benchmarks: waiting on conditions, free ports, a real agent process.

Never sleep-and-hope: ``wait_until`` polls a condition and fails with a message at its deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from tests import yaml_writer

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
SANSANG = Path(sys.executable).parent / "sansang"


def wait_until(
    condition: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05
) -> T:
    """Poll ``condition`` until it returns something truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = condition()
        except Exception as err:  # the condition may fail while the thing starts up
            last = err
        if last and not isinstance(last, Exception):
            return last  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def http_get(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> bytes:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()  # type: ignore[no-any-return]


def have_root() -> bool:
    return os.geteuid() == 0


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


class FakeWall:
    """An injected wall clock that a test sets and steps, backwards too.

    It comes with a monotonic clock: moving ``now`` forward is time passing (both advance);
    moving it backwards is a clock step (the monotonic clock stays)."""

    T0 = 1_780_000_000.0  # a fixed wall time (2026)

    def __init__(self, now: float = T0) -> None:
        self._now = now
        self._mono_ns = 10**12

    @property
    def now(self) -> float:
        return self._now

    @now.setter
    def now(self, value: float) -> None:
        self._mono_ns += max(0, int((value - self._now) * 1e9))
        self._now = value

    def __call__(self) -> float:
        return self._now

    def monotonic_ns(self) -> int:
        self._mono_ns += 1000  # a real monotonic clock never reads the same twice here
        return self._mono_ns


class AgentProcess:
    """A real ``sansang agent run`` in a subprocess, optionally inside a network namespace."""

    def __init__(self, config: dict[str, Any], workdir: Path, netns: str | None = None) -> None:
        self.config = config
        self.workdir = workdir
        self.netns = netns
        self.config_path = workdir / "agent.yaml"
        self.log_path = workdir / "agent.log"
        self.proc: subprocess.Popen[bytes] | None = None
        listen = config.get("server", {}).get("listen", "127.0.0.1:9717")
        self.base_url = f"http://{listen}"

    def start(self, timeout: float = 20.0) -> AgentProcess:
        self.config_path.write_text(yaml_writer.dump(self.config), encoding="utf-8")
        cmd = [str(SANSANG), "agent", "run", "--config", str(self.config_path)]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns, *cmd]
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the handle
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        wait_until(lambda: self._healthy(), timeout, f"agent at {self.base_url} to serve")
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"agent exited with {self.proc.returncode}:\n{self.log()}")
        return http_get(self.base_url + "/healthz", timeout=1.0) == b"ok\n"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def metrics(self) -> str:
        return http_get(self.base_url + "/metrics").decode()

    def events(self, after: int = 0) -> list[dict[str, Any]]:
        body = http_get(f"{self.base_url}/api/v1/events?after={after}&limit=5000")
        return json.loads(body)["events"]  # type: ignore[no-any-return]

    def sample(self, name: str, **labels: str) -> float | None:
        """One series' value in a fresh scrape (None: absent)."""
        return value(parse_metrics(self.metrics()), name, **labels)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=10)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5) -> None:
    """Terminate a process the test started (kill it after ``timeout``), close its stdout pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    if proc.stdout is not None:
        proc.stdout.close()


@contextmanager
def running_agent(
    config: dict[str, Any], workdir: Path, netns: str | None = None
) -> Iterator[AgentProcess]:
    agent = AgentProcess(config, workdir, netns).start()
    try:
        yield agent
    finally:
        agent.stop()


def make_agent_app(journal: Any, scrape: Any = list, web_config: Any = None) -> Any:
    """The agent's aiohttp app around a real journal, for tests with aiohttp's TestServer: a
    site in Xã Sa Thầy with no jobs, metrics from ``scrape``, auth from ``web_config``."""
    from agent.config import Site
    from agent.config.web import Authenticator, WebConfig
    from agent.state import SiteState
    from agent.web.server import build_app
    from agent.web.status import StatusPage

    site = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)
    return build_app(
        scrape,
        journal,
        StatusPage(site, SiteState([], lambda _when: True)),
        site.key,
        Authenticator(web_config or WebConfig()),
    )


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


async def wait_until_async(
    condition: Callable[[], Awaitable[T | None]], timeout: float, what: str, interval: float = 0.05
) -> T:
    """``wait_until`` for async tests: awaits ``condition()`` until truthy, without blocking
    the event loop (servers in the same loop keep answering); fails at the deadline."""
    import asyncio

    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = await condition()
        except Exception as err:  # the condition may fail while the thing starts up
            last = err
        if last and not isinstance(last, Exception):
            return last  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last: {last!r}")
        await asyncio.sleep(interval)


class ThreadedServer:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) serving ``handler`` in a daemon thread
    while the ``with`` block runs: the base of the tests' small stand-in endpoints."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port: int = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
