"""Coverage survey records made by the real ``sansang survey`` code (``tools.survey``):
latency and loss over real TCP to a loopback listener, the throughput backend injected (a
download figure, or a failure), the signal from the recorded mmcli output when given.

    async with listener() as port:
        record = await survey_record(port, "Đèo Lò Xo", 14.62, 108.31, download_bps=1e5)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.config.links import Link, SpeedtestBackend
from agent.links.bandwidth.cellular import modem_record
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from agent.links.bandwidth.runs import BackendRunner
from tools.survey import Place, SurveyOptions, survey

T_SURVEY = 1_780_000_000.0  # 2026-05-28, inside tests.support.webdata.WINDOW
MMCLI = Path(__file__).parents[1] / "unit" / "fixtures" / "mmcli"


def viettel_lte() -> dict[str, Any]:
    """The signal record of the recorded Quectel EC25 on Viettel LTE (agent code, real output)."""
    info = json.loads((MMCLI / "modem-3.json").read_text(encoding="utf-8"))
    signal = json.loads((MMCLI / "signal-3.json").read_text(encoding="utf-8"))
    return {"source": "mmcli", "modems": [modem_record("3", info, signal)]}


def _runner(download_bps: float | None) -> BackendRunner:
    async def run(
        backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
    ) -> SpeedResult:
        if download_bps is None:
            raise SpeedtestError("timeout", "no answer within 4 s", 1200)
        return SpeedResult("selfhosted", str(backend.url), download_bps, 2e4, 0.21, 50_000, 4.1)

    return run


async def survey_record(
    port: int,
    label: str,
    latitude: float,
    longitude: float,
    *,
    download_bps: float | None,
    at: float = T_SURVEY,
    cellular: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One record as ``sansang survey`` appends it (``download_bps=None``: the test failed)."""
    options = SurveyOptions(
        f"http://127.0.0.1:{port}/", duration=1.0, max_bytes=1024 * 1024, count=3, spacing=0.01
    )
    return await survey(
        Place(label, latitude, longitude),
        options,
        runner=_runner(download_bps),
        cellular=lambda: cellular,
        wall=lambda: at,
    )
