"""Run one throughput test against one backend, over one link.

STUB (issue 4): selfhosted (speedtest-cli driven offline against the province's endpoint), ookla
(speedtest-cli against speedtest.net), iperf3 (the iperf3 client, JSON output).
"""

from __future__ import annotations

from agent.bandwidth.result import SpeedResult
from agent.linkconfig import Link, SpeedtestBackend


async def run_backend(
    backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
) -> SpeedResult:
    """One test; raises :class:`agent.bandwidth.result.SpeedtestError` when it fails.

    ``duration`` bounds each direction's transfer; ``max_bytes`` bounds the bytes the whole test
    may move (what is left of the month's budget): the backend stops a transfer at that size."""
    raise NotImplementedError
