"""Throughput tests in a ``link_lab``: the endpoint and ``iperf3 -s`` in the server namespace,
``run_backend`` in the client namespace (the agent's process must be inside it, so each test
runs this file there as a small program that prints the result as JSON).

    with link_lab("bw") as lab:
        servers = start_servers(lab)                      # endpoint :8080, iperf3 :5201
        got = measure(lab, {"id": "p", "kind": "selfhosted", "url": servers.url(0)})
        got["download_bps"], got["bytes_used"]            # or got["reason"], got["detail"]

As a program (run by :func:`measure`; imports only ``agent``):
``python bwlab.py BACKEND_JSON LINK_JSON|null DURATION MAX_BYTES [REPEAT]`` prints one JSON
object per test, one test after the other: the SpeedResult's fields, or
``reason``/``detail``/``bytes_used`` of the SpeedtestError, plus ``elapsed`` (seconds the call
took).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENDPOINT_PORT, IPERF3_PORT = 8080, 5201


@dataclass(frozen=True)
class Servers:
    addresses: list[str]  # the server namespace's address on each link

    def url(self, index: int) -> str:
        return f"http://{self.addresses[index]}:{ENDPOINT_PORT}"


def _listening(lab: Any, address: str, port: int) -> bool:
    probe = f"import socket; socket.create_connection(({address!r}, {port}), 1).close()"
    return bool(lab.run("server", sys.executable, "-c", probe).returncode == 0)


def start_servers(lab: Any, log_dir: Path | None = None) -> Servers:
    """The endpoint (``python -m tools.speedtest_endpoint``) and ``iperf3 -s`` on every address
    of the server namespace; returns once both accept connections."""
    from tests.support import wait_until

    def log(name: str) -> str | None:
        return str(log_dir / name) if log_dir else None

    listen = f"0.0.0.0:{ENDPOINT_PORT}"
    lab.spawn(
        "server", sys.executable, "-m", "tools.speedtest_endpoint", "--listen", listen,
        log=log("endpoint.log"),
    )  # fmt: skip
    lab.spawn("server", "iperf3", "-s", "-p", str(IPERF3_PORT), log=log("iperf3.log"))
    first = lab.links[0].server
    wait_until(lambda: _listening(lab, first, ENDPOINT_PORT), 15, "the endpoint listening")
    wait_until(lambda: _listening(lab, first, IPERF3_PORT), 15, "iperf3 -s listening")
    return Servers([wan.server for wan in lab.links])


def measure(
    lab: Any,
    backend: dict[str, Any],
    link: dict[str, Any] | None = None,
    *,
    duration: float = 8.0,
    max_bytes: int = 500_000_000,
    netns: str | None = None,
) -> dict[str, Any]:
    """``run_backend`` in the client namespace (or ``netns``); its result or error as a dict."""
    (result,) = measure_many(
        lab, backend, link, duration=duration, max_bytes=max_bytes, netns=netns, repeat=1
    )
    return result


def measure_many(
    lab: Any,
    backend: dict[str, Any],
    link: dict[str, Any] | None = None,
    *,
    repeat: int,
    duration: float = 8.0,
    max_bytes: int = 500_000_000,
    netns: str | None = None,
    timeout: float = 120,
) -> list[dict[str, Any]]:
    """``repeat`` tests back to back in one process, as the agent's schedule runs a plan."""
    argv = [sys.executable, str(Path(__file__).resolve()), json.dumps(backend), json.dumps(link)]
    argv += [str(duration), str(max_bytes), str(repeat)]
    from tests.integration.netns import in_netns

    done = in_netns(netns or lab.ns("client"), *argv, timeout=timeout)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"bwlab client failed ({done.returncode}): {done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.strip().splitlines()[-repeat:]]


def interface_bytes(lab: Any, index: int = 0) -> int:
    """Bytes the client's interface of link ``index`` received and sent so far (Ethernet
    frames, as its counters count them)."""
    from tests.integration.netns import in_netns

    dev = lab.links[index].client_dev
    files = [f"/sys/class/net/{dev}/statistics/{d}_bytes" for d in ("rx", "tx")]
    return sum(int(n) for n in in_netns(lab.ns("client"), "cat", *files).stdout.split())


def _main(argv: list[str]) -> int:
    from agent.config.links import Link, SpeedtestBackend
    from agent.links.bandwidth.backends import run_backend
    from agent.links.bandwidth.result import SpeedtestError

    backend = SpeedtestBackend.model_validate(json.loads(argv[0]))
    link_data = json.loads(argv[1])
    link = Link.model_validate(link_data) if link_data else None
    for _ in range(int(argv[4]) if len(argv) > 4 else 1):
        started = time.monotonic()
        try:
            result = asyncio.run(
                run_backend(backend, link, duration=float(argv[2]), max_bytes=int(argv[3]))
            )
            out: dict[str, Any] = dataclasses.asdict(result)
        except SpeedtestError as err:
            out = {"reason": err.reason, "detail": err.detail, "bytes_used": err.bytes_used}
        out["elapsed"] = time.monotonic() - started
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
