"""Throughput tests for real: the self-hosted endpoint in the lab's server namespace, the CLI
(`sansang agent speedtest`, `sansang survey`) and the agent's schedule in the client namespace,
over shaped links: link 0 (fibre, the default route) at 20 Mbit/s, link 1 (4G backup, by
interface) at 5 Mbit/s."""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.journal.store import Journal
from agent.links.bandwidth import backends
from tests.integration.linklab import LinkLab, link_lab, linklab_missing
from tests.support import wait_until, yaml_writer
from tests.support.metrics import parse_metrics, value

SANSANG = Path(sys.executable).with_name("sansang")
PORT = 8080
FIBRE_MBIT, BACKUP_MBIT = 20, 5


def _backend_missing() -> str | None:
    if "NotImplementedError" in inspect.getsource(backends.run_backend):
        return (
            "waits for the real backend: agent/links/bandwidth/backends.run_backend is still a stub"
        )
    return linklab_missing()


pytestmark = [
    pytest.mark.integration,
    pytest.mark.netns,
    pytest.mark.skipif(_backend_missing() is not None, reason=str(_backend_missing())),
]


@pytest.fixture
def lab() -> Iterator[LinkLab]:
    with link_lab("st", links=2) as lab:
        lab.shape(0, mbit=FIBRE_MBIT)
        lab.shape(1, mbit=BACKUP_MBIT)
        lab.spawn("server", str(SANSANG), "speedtest-server", "--listen", f"0.0.0.0:{PORT}")
        url = f"http://{lab.links[0].server}:{PORT}/"
        wait_until(
            lambda: lab.run("client", "python3", "-c", _GET, url).returncode == 0,
            10,
            "the endpoint to answer in the server namespace",
        )
        yield lab


_GET = (
    "import sys, urllib.request; "
    "print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())"
)


def config(lab: LinkLab, workdir: Path, **speedtest: Any) -> Path:
    data = {
        "site": {"commune_code": "23527", "name": "Xã Sa Thầy",
                 "latitude": 14.4, "longitude": 107.8},
        "server": {"listen": "127.0.0.1:9717"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        "links": [
            {"id": "fibre", "kind": "internet"},
            {"id": "4g", "kind": "mobile", "role": "backup", "interface": lab.links[1].client_dev},
        ],
        "speedtest": {
            "duration": "3s",
            "backends": [
                {"id": "province", "kind": "selfhosted", "url": f"http://{lab.links[0].server}:{PORT}/"},
                {"id": "province-4g", "kind": "selfhosted",
                 "url": f"http://{lab.links[1].server}:{PORT}/", "links": ["4g"]},
            ],
            **speedtest,
        },
    }  # fmt: skip
    path = workdir / "agent.yaml"
    path.write_text(yaml_writer.dump(data), encoding="utf-8")
    return path


def results(workdir: Path) -> list[Any]:
    journal = Journal(workdir / "journal.db", boot_id="reader")
    try:
        return [
            e
            for e in journal.read(limit=10_000)
            if e.kind in ("speedtest_result", "backup_link_working")
        ]
    finally:
        journal.close()


def mbit(bytes_per_second: float) -> float:
    return bytes_per_second * 8 / 1e6


def test_cli_speedtest_over_fibre_and_the_backup_link(lab: LinkLab, tmp_path: Path) -> None:
    done = lab.run(
        "client",
        str(SANSANG),
        "agent",
        "speedtest",
        "--config",
        str(config(lab, tmp_path)),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Tải xuống / download:" in done.stdout and "Mbit/s" in done.stdout
    events = results(tmp_path)
    ok = {e.subject: e for e in events if e.kind == "speedtest_result"}
    assert set(ok) == {"province", "province-4g"}
    fibre, backup = ok["province"], ok["province-4g"]
    assert fibre.state == backup.state == "ok"
    assert (fibre.details["link"], backup.details["link"]) == ("default", "4g")
    assert fibre.details["trigger"] == "cli"
    # Each test ran over its own link: between half and 1.1 times that link's shaped rate, so
    # 5 and 20 Mbit/s are told apart whatever happens.  This tests the path through the CLI and
    # the journal; accuracy (10 %) is the benchmark's.  Single tests here have read 27 % low
    # (5 Mbit/s download, under the full suite's load), which is not diagnosed yet.
    for event, shaped in ((fibre, FIBRE_MBIT), (backup, BACKUP_MBIT)):
        for key in ("download_bps", "upload_bps"):
            measured = mbit(event.details[key])
            assert shaped / 2 <= measured <= shaped * 1.1, (key, event.details)
        assert event.details["bytes_used"] > 0
    (evidence,) = [e for e in events if e.kind == "backup_link_working"]
    assert evidence.subject == "4g" and evidence.details["evidence"] == "speedtest"


def test_survey_from_the_client_namespace(lab: LinkLab, tmp_path: Path) -> None:
    out = tmp_path / "survey.jsonl"
    done = lab.run(
        "client", str(SANSANG), "survey", "--lat", "14.41", "--lon", "107.78", "--label", "Thôn 3",
        "--endpoint", f"http://{lab.links[0].server}:{PORT}/", "--out", str(out),
        "--duration", "3", "--count", "10", timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    selfhosted = record["throughput"]["selfhosted"]
    assert selfhosted["ok"] is True, selfhosted
    assert FIBRE_MBIT / 2 <= mbit(selfhosted["download_bps"]) <= FIBRE_MBIT * 1.1  # this link
    assert record["latency"]["received"] == 10
    assert record["cellular"] is None  # no ModemManager here


def test_the_agent_schedules_tests_and_exports_them(lab: LinkLab, tmp_path: Path) -> None:
    path = config(lab, tmp_path, mean_interval="6s")
    lab.spawn(
        "client",
        str(SANSANG),
        "agent",
        "run",
        "--config",
        str(path),
        log=str(tmp_path / "agent.log"),
    )
    wait_until(
        lambda: len([e for e in results(tmp_path) if e.kind == "speedtest_result"]) >= 2,
        60,
        "the agent's first scheduled run (two tests)",
    )
    scrape = lab.run("client", "python3", "-c", _GET, "http://127.0.0.1:9717/metrics")
    assert scrape.returncode == 0, scrape.stderr
    m = parse_metrics(scrape.stdout)
    assert value(m, "sansang_speedtest_success", backend="province", link="default") == 1.0
    down = value(
        m, "sansang_speedtest_download_bytes_per_second", backend="province", link="default"
    )
    assert down is not None and FIBRE_MBIT / 2 <= mbit(down) <= FIBRE_MBIT * 1.1  # this link
    used = value(m, "sansang_speedtest_budget_used_bytes")
    assert used is not None and used > 0
    assert value(m, "sansang_speedtest_skipped_total", reason="budget_exhausted") == 0
    assert all(
        e.details["trigger"] == "schedule"
        for e in results(tmp_path)
        if e.kind == "speedtest_result"
    )
