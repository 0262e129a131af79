"""The references: Debian's node_exporter and blackbox_exporter on 127.0.0.1, started and stopped
by PID, with their versions."""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Scraper
from tests.support import wait_until
from tests.support.net import free_port, http_get

NODE_EXPORTER = "prometheus-node-exporter"
BLACKBOX_EXPORTER = "prometheus-blackbox-exporter"

# Blackbox needs at least one module; it stays idle (only its own /metrics is scraped).
_BLACKBOX_CONFIG = """\
modules:
  tcp_connect:
    prober: tcp
    timeout: 5s
  icmp:
    prober: icmp
    timeout: 5s
"""


@dataclass
class Exporter:
    name: str
    proc: subprocess.Popen[bytes]
    url: str  # its /metrics
    version: str

    def scraper(self) -> Scraper:
        return Scraper(self.url)


def version_of(binary: str) -> str:
    """``node_exporter, version 1.5.0+ds (...)`` -> ``1.5.0+ds`` (Debian package ``1.5.0-1+b6``)."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    words = (out.stdout + out.stderr).split()
    upstream = words[words.index("version") + 1] if "version" in words else "?"
    deb = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", binary], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{upstream} (Debian {deb})" if deb else upstream


def _start(name: str, argv: list[str], port: int, workdir: Path) -> Exporter:
    log = (workdir / f"{name}.log").open("ab")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/metrics"

    def serving() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see {log.name}")
        return bool(http_get(url, timeout=2.0))

    try:
        wait_until(serving, 20.0, f"{name} at {url}")
    except BaseException:
        stop(proc)
        raise
    return Exporter(name, proc, url, version_of(argv[0]))


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def start_references(stack: ExitStack, workdir: Path) -> tuple[Exporter, Exporter]:
    """Start both exporters (stopped when ``stack`` closes): node_exporter with its defaults,
    blackbox_exporter with a two-module config."""
    port = free_port()
    node = _start(
        "node_exporter",
        [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}"],
        port,
        workdir,
    )
    stack.callback(stop, node.proc)
    config = workdir / "blackbox.yml"
    config.write_text(_BLACKBOX_CONFIG, encoding="utf-8")
    port = free_port()
    blackbox = _start(
        "blackbox_exporter",
        [BLACKBOX_EXPORTER, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
        port,
        workdir,
    )
    stack.callback(stop, blackbox.proc)
    return node, blackbox
