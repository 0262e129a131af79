"""The dead-zone survey: its place checks, its record, latency and loss over real TCP, and the
cellular signal from ModemManager's mmcli (absent, present, broken)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agent.config.links import Link, SpeedtestBackend
from agent.links.bandwidth.cellular import read_cellular
from agent.links.bandwidth.result import SpeedResult, SpeedtestError
from tools.survey import (
    Place,
    SurveyOptions,
    append_record,
    endpoint_address,
    iperf3_address,
    place,
    survey,
    tcp_round,
)

MMCLI_FIXTURES = Path(__file__).parent / "fixtures" / "mmcli"


def fake_mmcli(directory: Path, *, fail: bool = False) -> Path:
    """An executable ``mmcli`` that prints the recorded JSON for the arguments it gets."""
    script = directory / "mmcli"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"fixtures = {str(MMCLI_FIXTURES)!r}\n"
        f"if {fail!r}:\n"
        '    sys.stderr.write("error: couldn\'t find the ModemManager process in the bus\\n")\n'
        "    sys.exit(1)\n"
        "args = sys.argv[1:]\n"
        "name = {('-L', '-J'): 'list'}.get(tuple(args))\n"
        "if name is None and args[:1] == ['-m'] and args[2:] == ['-J']:\n"
        "    name = 'modem-' + args[1]\n"
        "if name is None and args[:1] == ['-m'] and args[2:] == ['--signal-get', '-J']:\n"
        "    name = 'signal-' + args[1]\n"
        "if name is None:\n"
        "    sys.exit(2)\n"
        "sys.stdout.write(open(fixtures + '/' + name + '.json').read())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_place_checks_ranges_and_label() -> None:
    assert place(" Thôn 3 ", 14.4, 107.8) == Place("Thôn 3", 14.4, 107.8)
    for args, words in (
        (("Thôn 3", 91.0, 107.8), "latitude 91.0"),
        (("Thôn 3", 14.4, -180.5), "longitude -180.5"),
        (("  ", 14.4, 107.8), "label is empty"),
    ):
        with pytest.raises(ValueError, match=words):
            place(*args)


def test_addresses() -> None:
    assert endpoint_address("http://10.200.0.1:8080/") == ("10.200.0.1", 8080)
    assert endpoint_address("https://speed.tinh.example/") == ("speed.tinh.example", 443)
    with pytest.raises(ValueError, match="not an http"):
        endpoint_address("10.200.0.1:8080")
    assert iperf3_address("10.200.0.1") == ("10.200.0.1", 5201)
    assert iperf3_address("10.200.0.1:5202") == ("10.200.0.1", 5202)
    with pytest.raises(ValueError, match="HOST:PORT"):
        iperf3_address("10.200.0.1:http")


def test_cellular_is_null_without_mmcli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no mmcli anywhere
    assert read_cellular() is None


def test_cellular_is_null_when_modemmanager_does_not_answer(tmp_path: Path) -> None:
    assert read_cellular(str(fake_mmcli(tmp_path, fail=True))) is None


def test_cellular_from_the_recorded_mmcli_output(tmp_path: Path) -> None:
    cellular = read_cellular(str(fake_mmcli(tmp_path)))
    assert cellular == {
        "source": "mmcli",
        "modems": [
            {
                "index": "3",
                "manufacturer": "Quectel",
                "model": "EC25",
                "state": "connected",
                "access_technologies": ["lte"],
                "signal_quality_percent": 48.0,
                "signal_quality_recent": True,
                "operator_name": "Viettel",
                "operator_code": "45204",
                "registration_state": "home",
                "signal": {"lte": {"rsrp": -109.0, "rsrq": -13.0, "rssi": -77.0, "snr": 3.4}},
            }
        ],
    }
    assert "860000000000003" not in json.dumps(cellular)  # the IMEI stays out


@pytest.fixture
async def listener() -> AsyncIterator[int]:
    """A real TCP server on loopback that accepts and closes."""

    async def accept(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_tcp_round_measures_latency_and_no_loss(listener: int) -> None:
    r = await tcp_round("127.0.0.1", listener, count=5, spacing=0.01)
    assert (r["sent"], r["received"], r["loss_ratio"]) == (5, 5, 0.0)
    assert 0 < r["min_seconds"] <= r["median_seconds"] <= r["max_seconds"] < 1.0
    assert r["jitter_seconds"] is not None and r["jitter_seconds"] >= 0


async def test_tcp_round_to_nothing_is_total_loss() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connects are refused
        r = await tcp_round("127.0.0.1", port, count=3, spacing=0.01)
    assert (r["received"], r["loss_ratio"], r["median_seconds"]) == (0, 1.0, None)
    assert r["errors"] == {"ConnectionRefusedError": 3}


class Runner:
    def __init__(self) -> None:
        self.backends: list[SpeedtestBackend] = []

    async def __call__(
        self, backend: SpeedtestBackend, link: Link | None, *, duration: float, max_bytes: int
    ) -> SpeedResult:
        assert link is None and max_bytes == 50 * 1024 * 1024 and duration == 4.0
        self.backends.append(backend)
        if backend.kind == "iperf3":
            raise SpeedtestError("refused", "iperf3 server not running", 0)
        return SpeedResult("selfhosted", str(backend.url), 1.5e6, 4e5, 0.05, 20_000_000, 8.8)


async def test_a_survey_record_holds_place_results_and_signal(
    listener: int, tmp_path: Path
) -> None:
    runner = Runner()
    endpoint = f"http://127.0.0.1:{listener}/"
    options = SurveyOptions(
        endpoint, "127.0.0.1:5299", duration=4.0, max_bytes=50 * 1024 * 1024, count=4, spacing=0.01
    )
    signal: dict[str, Any] = {"source": "mmcli", "modems": []}
    record = await survey(
        Place("Thôn 3", 14.41, 107.78), options, runner=runner, cellular=lambda: signal,
        wall=lambda: 1_780_000_000.0,
    )  # fmt: skip
    assert [(b.kind, b.url, b.host, b.port) for b in runner.backends] == [
        ("selfhosted", endpoint, None, 5201), ("iperf3", None, "127.0.0.1", 5299)
    ]  # fmt: skip
    assert record["time"] == "2026-05-28T20:26:40+00:00"
    assert (record["label"], record["latitude"], record["longitude"]) == ("Thôn 3", 14.41, 107.78)
    assert record["throughput"]["selfhosted"] == {
        "ok": True, "server": endpoint, "download_bps": 1.5e6, "upload_bps": 4e5,
        "latency_seconds": 0.05, "bytes_used": 20_000_000, "duration_seconds": 8.8,
    }  # fmt: skip
    assert record["throughput"]["iperf3"] == {
        "ok": False, "reason": "refused", "detail": "iperf3 server not running", "bytes_used": 0
    }  # fmt: skip
    assert record["latency"]["received"] == 4 and record["latency"]["port"] == listener
    assert record["cellular"] == signal
    out = tmp_path / "sub" / "survey.jsonl"
    append_record(out, record)
    append_record(out, record)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[1]) == record
    assert "Thôn 3" in lines[0]  # readable UTF-8, not \\u escapes
    assert os.stat(out).st_size > 0
