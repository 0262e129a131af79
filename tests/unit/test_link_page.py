"""The links part of the status page: links up/down, the last round per target, the latest
throughput test and the month's budget, in words and Mbit/s."""

from __future__ import annotations

import re
from pathlib import Path

from agent.config import Site
from agent.config.links import Link
from agent.journal.store import Journal
from agent.links.bandwidth.budget import Budget
from agent.links.bandwidth.runs import SpeedtestState
from agent.probes.base import Outcome, ProbeContext, Sample
from agent.runner import Runner
from agent.state import SiteState
from agent.web.status import StatusPage
from tests.support.fakes import FakeSpec, Journalled, always_open, fake_job

SITE = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)
LINKS = [
    Link(id="fibre", name="Cáp quang VNPT", kind="internet"),
    Link(id="4g", name="4G dự phòng", kind="mobile", role="backup"),
]


def _round(loss: float, median: float | None) -> Outcome:
    samples = [Sample("sansang_link_loss_ratio", loss)]
    if median is not None:
        samples += [
            Sample("sansang_link_rtt_median_seconds", median),
            Sample("sansang_link_jitter_seconds", median / 10),
        ]
    return Outcome(loss < 1, samples=samples)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_links_rounds_and_speedtests_in_words(tmp_path: Path) -> None:
    outcomes = {"gw@fibre": _round(0.0, 0.0123), "gw@4g": _round(1.0, None)}

    def quality(id_: str, link: str, role: str) -> object:
        async def run(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
            return outcomes[id_]

        return fake_job(id_, run, role="quality", target="gw", link=link, link_role=role)

    jobs = [quality("gw@fibre", "fibre", "primary"), quality("gw@4g", "4g", "backup")]
    state = SiteState(jobs, always_open, links=LINKS)  # type: ignore[arg-type]
    runner = Runner(jobs, state, Journalled())  # type: ignore[arg-type]
    for job in jobs:
        await runner.run_once(job)  # type: ignore[arg-type]
    journal = Journal(tmp_path / "j.db", boot_id="b")
    journal.append(
        "speedtest_result", "province", "ok", 2.5e6,
        {"link": "fibre", "download_bps": 2.5e6, "upload_bps": 1.25e6, "bytes_used": 8 * 2**20},
    )  # fmt: skip
    tests = SpeedtestState(journal, Budget(journal, 2048 * 2**20, "Asia/Ho_Chi_Minh"))
    tests._after = 0  # read the event written above as if it came after the start
    tests.refresh()
    state.speedtest = tests
    now = journal.tail(1)[0].wall_time + 600
    vi = text(StatusPage(SITE, state).render("vi", now, []))
    assert "4G dự phòng : mất kết nối trên đường truyền này" in vi  # the banner
    assert "Cáp quang VNPT Internet chính hoạt động" in vi
    assert "4G dự phòng Di động (3G/4G/5G) dự phòng mất kết nối" in vi
    assert "0 % 12,3 ms 1,2 ms" in vi and "100 %" in vi  # the kernel's figures: decimal comma
    assert "20,0 Mbit/s 10,0 Mbit/s 10 phút trước thành công" in vi
    assert "Dung lượng đo tháng này: 8 / 2.048 MiB" in vi
    en = text(StatusPage(SITE, state).render("en", now, []))
    assert "Throughput (latest test)" in en and "10 min ago" in en
    assert "0 % 12.3 ms 1.2 ms" in en and "20.0 Mbit/s 10.0 Mbit/s" in en
    assert "Test data this month: 8 / 2,048 MiB" in en
    journal.close()
