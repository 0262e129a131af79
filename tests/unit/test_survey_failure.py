"""A survey whose measurement failed because of the endpoint (a mistyped URL, a server that
refuses) is an error with its reason, kept out of the coverage file: never a dead zone.  A
dead zone (nothing answers) stays the survey's finding."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.unit.test_cli import SANSANG
from tools import speedtest_endpoint as endpoint
from tools.survey import Place, SurveyOptions, measurement_failure, survey


def _closed_port() -> tuple[socket.socket, int]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))  # bound, not listening: connects are refused
    return s, s.getsockname()[1]


def test_a_survey_against_a_refusing_endpoint_is_an_error_not_a_dead_zone(tmp_path: Path) -> None:
    blocker, port = _closed_port()
    with blocker:
        done = subprocess.run(
            [str(SANSANG), "survey", "--lat", "14.4", "--lon", "107.8", "--label", "Thôn 3",
             "--endpoint", f"http://127.0.0.1:{port}/", "--count", "2", "--duration", "1",
             "--out", str(tmp_path / "survey.jsonl")],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert not (tmp_path / "survey.jsonl").exists()  # nothing to upload as coverage
    assert "ĐO KHÔNG ĐƯỢC / measurement failed at Thôn 3: từ chối kết nối" in done.stderr
    assert "not recorded as a dead zone" in done.stderr
    errors = (tmp_path / "survey.errors.jsonl").read_text(encoding="utf-8").splitlines()
    [error] = [json.loads(line) for line in errors]
    assert (error["kind"], error["reason"]) == ("dead_zone_survey_error", "refused")
    assert error["label"] == "Thôn 3"


@pytest.fixture
async def province_endpoint() -> AsyncIterator[int]:
    async with TestServer(endpoint.build_app(), host="127.0.0.1") as server:
        yield server.port


async def test_a_mistyped_path_is_an_error_and_the_right_one_is_coverage(
    province_endpoint: int,
) -> None:
    def run(url: str) -> Any:
        options = SurveyOptions(url, duration=0.3, max_bytes=2 * 1024 * 1024, count=2, spacing=0)
        return survey(Place("Thôn 3", 14.4, 107.8), options, cellular=lambda: None)

    wrong = await run(f"http://127.0.0.1:{province_endpoint}/sai-duong-dan/")
    assert wrong["latency"]["received"] == 2  # the network works: the URL is wrong
    failed = measurement_failure(wrong)
    assert failed is not None and failed[0] == "http_status" and "404" in failed[1]
    right = await run(f"http://127.0.0.1:{province_endpoint}/")
    assert right["throughput"]["selfhosted"]["ok"], right["throughput"]
    assert measurement_failure(right) is None


def _record(throughput: dict[str, Any], received: int, faults: dict[str, int]) -> dict[str, Any]:
    latency = {"host": "192.0.2.10", "port": 8080, "sent": 4, "received": received,
               "endpoint_faults": faults}  # fmt: skip
    return {"throughput": {"selfhosted": throughput}, "latency": latency}


def test_what_is_a_failed_measurement_and_what_is_a_dead_zone() -> None:
    timeout = {"ok": False, "reason": "timeout", "detail": "no result", "bytes_used": 0}
    unresolved = {"ok": False, "reason": "name_not_resolved", "detail": "x", "bytes_used": 0}
    # nothing answers at all: the dead zone itself, kept as coverage
    assert measurement_failure(_record(timeout, 0, {})) is None
    # a DNS server said the name does not exist: a mistyped host
    assert measurement_failure(_record(unresolved, 0, {"no_such_name": 4})) == (
        "no_such_name", "192.0.2.10:8080: 4/4 TCP connects: no_such_name"
    )  # fmt: skip
    # no DNS answer at all (EAI_AGAIN): as likely a dead zone
    assert measurement_failure(_record(unresolved, 0, {})) is None
    # weak coverage: some connects went through, the throughput test timed out
    assert measurement_failure(_record(timeout, 2, {})) is None
    # every connect answered, then not a byte: a silent endpoint, not a dead zone
    assert measurement_failure(_record(timeout, 4, {})) == (
        "endpoint_silent",
        "192.0.2.10:8080: 4/4 TCP connects answered, no byte of the throughput test "
        "(the endpoint accepts and stays silent)",
    )
    # every connect answered and some bytes came: slow coverage, the survey's finding
    trickle = {**timeout, "bytes_used": 20_000}
    assert measurement_failure(_record(trickle, 4, {})) is None


def test_a_survey_against_a_silent_endpoint_is_an_error_not_a_dead_zone(tmp_path: Path) -> None:
    """A listener that accepts every connection and never answers (a hung server): the
    survey says the endpoint failed, and the coverage file gets no point."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # the kernel completes the handshakes; nothing is ever read or sent
        port = silent.getsockname()[1]
        done = subprocess.run(
            [str(SANSANG), "survey", "--lat", "14.4", "--lon", "107.8", "--label", "Thôn 5",
             "--endpoint", f"http://127.0.0.1:{port}/", "--count", "3", "--duration", "1",
             "--out", str(tmp_path / "survey.jsonl")],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert not (tmp_path / "survey.jsonl").exists()
    assert "ĐO KHÔNG ĐƯỢC / measurement failed at Thôn 5" in done.stderr
    assert "stays silent" in done.stderr
    errors = (tmp_path / "survey.errors.jsonl").read_text(encoding="utf-8").splitlines()
    [error] = [json.loads(line) for line in errors]
    assert (error["kind"], error["reason"]) == ("dead_zone_survey_error", "endpoint_silent")
