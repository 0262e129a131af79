"""The throughput part of ``diagnose``: a short test against the self-hosted endpoint on loopback
(the real one, as its own process), journalled and within the budget; skipped when the budget
is used up; the figures against INF-BW's floor and the conference line against INF-HNTH's."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.config import AgentConfig, load
from agent.diagnose import throughput
from agent.diagnose.plan import Planned
from agent.journal.store import Journal
from tests.support import wait_until
from tests.support.env import stop_process
from tests.support.net import free_port, http_get

WAN = Planned("wan", "speedtest", "Đo băng thông / throughput", "bandwidth", step="speedtest")
LINE = Planned(
    "conference", "conference:bandwidth", "Băng thông HNTH", "bandwidth", step="bandwidth"
)


def config_of(tmp_path: Path, **speedtest: Any) -> AgentConfig:
    path = tmp_path / "agent.yaml"
    path.write_text(
        "site: {commune_code: '23527', name: 'Xã Sa Thầy', latitude: 14.4, longitude: 107.8}\n"
        f"journal: {{path: '{tmp_path / 'journal.db'}'}}\n"
        "links: [{id: fibre, kind: internet}]\n",
        encoding="utf-8",
    )
    cfg = load(path)
    return cfg.model_copy(update={"speedtest": cfg.speedtest.model_validate(speedtest)})


@pytest.fixture
def endpoint() -> Iterator[str]:
    """The self-hosted endpoint (``sansang speedtest-server``) on loopback."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.speedtest_endpoint", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until(lambda: http_get(url), 10, f"the endpoint at {url}")
        yield url
    finally:
        stop_process(proc)


async def test_a_short_test_measures_journals_and_feeds_the_conference_line(
    tmp_path: Path, endpoint: str
) -> None:
    cfg = config_of(tmp_path, backends=[{"id": "tinh", "kind": "selfhosted", "url": endpoint}])
    results, measured = await throughput.speedtests(WAN, cfg)
    assert [r.id for r in results] == ["speedtest:tinh@default"]
    r = results[0]
    down, up = r.figures["download_mbps"], r.figures["upload_mbps"]
    assert isinstance(down, float) and isinstance(up, float) and down > 0 and up > 0
    low = down < 100 or up < 20  # the default route counts as Internet: INF-BW's floor
    assert (r.status, r.reason) == (("warn", "bandwidth_low") if low else ("ok", "ok"))
    assert r.vi.startswith("tải xuống ") and "(tối thiểu 100,0/20,0 Mbit/s)" in r.vi
    journal = Journal(tmp_path / "journal.db", boot_id="reader")
    events = [e for e in journal.read() if e.kind == "speedtest_result"]
    journal.close()
    assert [(e.subject, e.state, e.details["trigger"]) for e in events] == [("tinh", "ok", "cli")]
    line = throughput.conference_bandwidth(LINE, measured)
    enough = down >= 4 and up >= 4
    assert (line.status, line.figures["link"]) == ("ok" if enough else "fail", "default")


async def test_no_budget_left_is_a_skip_and_the_line_is_not_measured(tmp_path: Path) -> None:
    cfg = config_of(
        tmp_path,
        monthly_budget_mib=1,  # under the 4 MiB a test needs at least: nothing is sent
        backends=[{"id": "tinh", "kind": "selfhosted", "url": "http://127.0.0.1:9/"}],
    )
    results, measured = await throughput.speedtests(WAN, cfg)
    assert [(r.status, r.reason) for r in results] == [("skip", "budget_exhausted")]
    assert results[0].vi.startswith("không đo được: đã dùng hết hạn mức dữ liệu")
    assert measured == []
    line = throughput.conference_bandwidth(LINE, measured)
    assert (line.status, line.reason) == ("skip", "not_measured")
    assert "--no-speedtest" in line.vi


def test_a_line_under_the_floor_warns_and_cannot_carry_a_conference() -> None:
    r = throughput._against_floor("s", "s", "tslcd", "tslcd", "tinh", 15.0, 25.0)
    assert (r.status, r.reason) == ("warn", "bandwidth_low")
    assert r.vi == "tải xuống 15,0 Mbit/s, tải lên 25,0 Mbit/s (tối thiểu 20,0/20,0 Mbit/s)"
    assert r.advice is not None and r.advice.playbook == "bandwidth_low"
    mobile = throughput._against_floor("s", "s", "4g", "mobile", "tinh", 3.0, 1.0)
    assert mobile.status == "ok"  # no floor for a mobile line: nothing to compare with
    slow = [throughput.Measured("4g", "mobile", 3.0, 1.0)]
    line = throughput.conference_bandwidth(LINE, slow)
    assert (line.status, line.reason) == ("fail", "bandwidth_low")
    assert line.vi == "đường 4g: tải xuống 3,0, tải lên 1,0 Mbit/s (HNTH cần 4,0/4,0 Mbit/s)"
    assert line.advice is not None and line.advice.playbook == "bandwidth_low"
