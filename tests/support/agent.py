"""A real agent for tests: ``sansang agent run`` in a subprocess (optionally inside a network
namespace), or the agent's aiohttp app around a real journal for aiohttp's TestServer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import wait_until, yaml_writer
from tests.support.env import SANSANG, stop_process
from tests.support.metrics import parse_metrics, value
from tests.support.net import http_get


class AgentProcess:
    """A real ``sansang agent run`` in a subprocess, optionally inside a network namespace."""

    def __init__(
        self,
        config: dict[str, Any],
        workdir: Path,
        netns: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.workdir = workdir
        self.netns = netns
        self.env = {**os.environ, **env} if env else None  # e.g. LD_PRELOAD of libfaketime
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
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir, env=self.env
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


@contextmanager
def running_agent(
    config: dict[str, Any],
    workdir: Path,
    netns: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[AgentProcess]:
    agent = AgentProcess(config, workdir, netns, env).start()
    try:
        yield agent
    finally:
        agent.stop()


def make_agent_app(
    journal: Any, scrape: Any = list, web_config: Any = None, readiness: Any = None
) -> Any:
    """The agent's aiohttp app around a real journal, for tests with aiohttp's TestServer: a
    site in Xã Sa Thầy with no jobs, metrics from ``scrape``, auth from ``web_config``,
    ``/-/ready`` from ``readiness`` (None: ready)."""
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
        readiness,
    )
