"""Run one throughput test against one backend, over one link.

- ``selfhosted``: speedtest-cli driven offline against the province's endpoint
  (:mod:`agent.links.bandwidth.selfhosted`);
- ``ookla``: speedtest-cli against speedtest.net (:mod:`agent.links.bandwidth.ookla`);
- ``iperf3``: the iperf3 client, JSON output (:mod:`agent.links.bandwidth.iperf3`).

The backend modules count TCP payload, as their tools do; here, their one entry, the bytes
become what the link carries (:mod:`agent.links.bandwidth.wire`), both the budget given to them
and the bytes they report.
"""

from __future__ import annotations

from dataclasses import replace

from agent.config.links import Link, SpeedtestBackend
from agent.links.bandwidth import iperf3, ookla, selfhosted, wire
from agent.links.bandwidth.result import SpeedResult, SpeedtestError


async def run_backend(
    backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
) -> SpeedResult:
    """One test; raises :class:`agent.links.bandwidth.result.SpeedtestError` when it fails.

    ``duration`` bounds each direction's transfer; ``max_bytes`` bounds the link bytes the whole
    test may use (what is left of the month's budget): the backend stops a transfer at the
    payload that fits.  The result's and the error's ``bytes_used`` are link bytes."""
    try:
        result = await _payload_test(
            backend, link, duration=duration, max_payload=wire.payload_within(max_bytes)
        )
    except SpeedtestError as err:
        err.bytes_used = wire.on_wire(err.bytes_used)
        raise
    return replace(result, bytes_used=wire.on_wire(result.bytes_used))


async def _payload_test(
    backend: SpeedtestBackend, link: Link | None, *, duration: float, max_payload: int
) -> SpeedResult:
    if backend.kind == "selfhosted" and backend.url:
        return await selfhosted.run(backend.url, link, duration=duration, max_bytes=max_payload)
    if backend.kind == "ookla":
        return await ookla.run(backend.server_id, link, duration=duration, max_bytes=max_payload)
    if backend.kind == "iperf3" and backend.host:
        return await iperf3.run(
            backend.host, backend.port, link, duration=duration, max_bytes=max_payload
        )
    raise SpeedtestError("error", f"backend {backend.id}: kind {backend.kind} is not configured")
