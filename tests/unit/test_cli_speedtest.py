"""`sansang agent speedtest` and `sansang survey` as a user runs them (the installed script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.journal.store import Journal
from tests.support import wait_until, yaml_writer
from tests.support.env import stop_process
from tests.support.net import free_port, http_get
from tests.unit.test_survey import fake_mmcli

SANSANG = Path(sys.executable).with_name("sansang")


def sansang(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SANSANG), *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def write_config(tmp_path: Path, **speedtest: Any) -> Path:
    config = {
        "site": {
            "commune_code": "23527",
            "name": "Xã Sa Thầy",
            "latitude": 14.4,
            "longitude": 107.8,
        },
        "journal": {"path": str(tmp_path / "journal.db")},
        "links": [
            {"id": "fibre", "kind": "internet"},
            {"id": "4g", "kind": "mobile", "role": "backup"},
        ],
        "speedtest": speedtest,
    }
    path = tmp_path / "agent.yaml"
    path.write_text(yaml_writer.dump(config), encoding="utf-8")
    return path


BACKENDS = [{"id": "province", "kind": "selfhosted", "url": "http://10.200.0.1:8080/"}]


def test_speedtest_without_backends_says_so(tmp_path: Path) -> None:
    result = sansang("agent", "speedtest", "--config", str(write_config(tmp_path)))
    assert result.returncode == 2
    assert "no speedtest.backends configured" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "ookla"], "no backend 'ookla'; có / known: province"),
        (["--link", "wifi"], "no link 'wifi'; có / known: default, fibre, 4g"),
    ],
)
def test_speedtest_with_an_unknown_id_names_the_known_ones(
    tmp_path: Path, args: list[str], message: str
) -> None:
    config = write_config(tmp_path, backends=BACKENDS)
    result = sansang("agent", "speedtest", "--config", str(config), *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_speedtest_over_budget_is_skipped_and_journalled_once(tmp_path: Path) -> None:
    """1 MiB a month is less than a test's default estimate: nothing is sent anywhere."""
    config = write_config(tmp_path, backends=BACKENDS, monthly_budget_mib=1)
    for _ in range(2):
        result = sansang("agent", "speedtest", "--config", str(config))
        assert result.returncode == 1, result.stderr
        assert "BỎ QUA / skipped: đã dùng hết hạn mức dữ liệu" in result.stdout
        assert "the month's data budget for speed tests is used up" in result.stdout
        assert "đã dùng / used 0.0 MiB của / of 1.0 MiB" in result.stdout
    journal = Journal(tmp_path / "journal.db", boot_id="reader")
    events = [e for e in journal.read() if e.kind == "speedtest_result"]
    journal.close()
    assert len(events) == 1
    assert (events[0].subject, events[0].state) == ("province", "failed")
    assert events[0].details["reason"] == "budget_exhausted"
    assert events[0].details["trigger"] == "cli"
    assert events[0].details["link"] == "default"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lat", "95", "--lon", "107.8"], "latitude 95.0"),
        (["--lat", "14.4", "--lon", "200"], "longitude 200.0"),
    ],
)
def test_survey_rejects_a_place_out_of_range(args: list[str], message: str) -> None:
    result = sansang("survey", *args, "--label", "Thôn 3", "--endpoint", "http://127.0.0.1:9/")
    assert result.returncode == 2
    assert message in result.stderr


@pytest.fixture
def endpoint() -> Iterator[str]:
    """The self-hosted endpoint on loopback, as its own process."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.speedtest_endpoint", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        from tests.support.net import http_get

        wait_until(lambda: http_get(url), 10, f"the endpoint at {url}")
        yield url
    finally:
        stop_process(proc)


def test_survey_appends_one_line_with_the_modem_signal(endpoint: str, tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake_mmcli(bindir)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    out = tmp_path / "survey.jsonl"
    args = ["--label", "Thôn 3", "--endpoint", endpoint, "--out", str(out), "--count", "5"]
    result = sansang(
        "survey", "--lat", "14.41", "--lon", "107.78", *args, "--duration", "1", env=env
    )
    assert result.returncode == 0, result.stderr
    (line,) = out.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert (record["label"], record["latitude"], record["longitude"]) == ("Thôn 3", 14.41, 107.78)
    assert record["endpoint"] == endpoint
    assert record["latency"]["received"] == 5 and record["latency"]["loss_ratio"] == 0.0
    assert record["cellular"]["modems"][0]["operator_name"] == "Viettel"
    assert "Sóng di động / cellular: Viettel lte 48 % RSRP -109 RSSI -77" in result.stdout
    assert f"Đã ghi vào / appended to: {out}" in result.stdout
    selfhosted = record["throughput"]["selfhosted"]
    assert selfhosted["ok"] is True, selfhosted  # needs agent/links/bandwidth/backends.py
    assert selfhosted["download_bps"] > 0 and selfhosted["upload_bps"] > 0


def test_speedtest_server_serves_and_stops_cleanly_on_sigterm() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(SANSANG), "speedtest-server", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/speedtest/latency.txt"
        wait_until(lambda: _answers(url), 15, "the endpoint to serve")
        assert http_get(url).strip() == b"test=test"
        proc.terminate()
        assert proc.wait(timeout=10) == 0  # SIGTERM is a clean stop, not status 143
    finally:
        stop_process(proc)


def _answers(url: str) -> bool:
    try:
        return bool(http_get(url, timeout=1.0))
    except OSError:
        return False
