"""What a throughput test gives back, whatever backend ran it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sansang.errors import SansangError
from sansang.reasons import Reason


@dataclass(frozen=True)
class SpeedResult:
    kind: str  # "selfhosted", "ookla", "iperf3"
    server: str  # the endpoint URL, the Ookla server ("name (sponsor), id"), or iperf3 host:port
    download_bps: float | None  # bytes per second; None when the direction was not measured
    upload_bps: float | None
    # the idle round trip before the load, every backend alike (agent.links.bandwidth.idle_rtt)
    latency_seconds: float | None
    # both directions; TCP payload from a backend module, link bytes from run_backend (wire.py)
    bytes_used: int
    duration_seconds: float  # the whole test, start to end

    def figures(self) -> dict[str, Any]:
        """Server and figures, as the journal and the survey record write them."""
        return {k: v for k, v in asdict(self).items() if k != "kind"}


class SpeedtestError(SansangError):
    """A test that could not be run or finished: a reason code (the status page translates it)
    and a short technical detail (never a secret), plus the bytes it used before failing."""

    def __init__(self, reason: Reason, detail: str, bytes_used: int = 0) -> None:
        super().__init__(detail)
        self.reason: Reason = reason
        self.detail = detail
        self.bytes_used = bytes_used
