"""Run one throughput test against one backend, over one link.

- ``selfhosted``: speedtest-cli driven offline against the province's endpoint
  (:mod:`agent.links.bandwidth.selfhosted`);
- ``ookla``: speedtest-cli against speedtest.net (:mod:`agent.links.bandwidth.ookla`);
- ``iperf3``: the iperf3 client, JSON output (:mod:`agent.links.bandwidth.iperf3`).
"""

from __future__ import annotations

from agent.config.links import Link, SpeedtestBackend
from agent.links.bandwidth import iperf3, ookla, selfhosted
from agent.links.bandwidth.result import SpeedResult, SpeedtestError


async def run_backend(
    backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
) -> SpeedResult:
    """One test; raises :class:`agent.links.bandwidth.result.SpeedtestError` when it fails.

    ``duration`` bounds each direction's transfer; ``max_bytes`` bounds the bytes the whole test
    may move (what is left of the month's budget): the backend stops a transfer at that size."""
    if backend.kind == "selfhosted" and backend.url:
        return await selfhosted.run(backend.url, link, duration=duration, max_bytes=max_bytes)
    if backend.kind == "ookla":
        return await ookla.run(backend.server_id, link, duration=duration, max_bytes=max_bytes)
    if backend.kind == "iperf3" and backend.host:
        return await iperf3.run(
            backend.host, backend.port, link, duration=duration, max_bytes=max_bytes
        )
    raise SpeedtestError("error", f"backend {backend.id}: kind {backend.kind} is not configured")
