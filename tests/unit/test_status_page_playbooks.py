"""The playbooks on the agent's status page, offline (real HTTP: aiohttp's test server on
loopback): the index and a playbook from the package's files, 404 for anything else (no path
traversal), the status page's failing check linking the section to read."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from agent.journal.store import Journal
from agent.probes.base import Outcome, ProbeContext
from agent.runner import Runner
from agent.state import SiteState
from agent.web.status import StatusPage
from sansang import playbooks
from tests.support.agent import make_agent_app
from tests.support.clock import FakeWall
from tests.support.fakes import FakeSpec, Journalled, always_open, fake_job
from tests.unit.test_status_page_technician import SITE


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    wall = FakeWall()
    j = Journal(tmp_path / "j.db", boot_id="b", retention_seconds=86400.0, wall=wall,
                monotonic_ns=wall.monotonic_ns)  # fmt: skip
    yield j
    j.close()


@pytest.fixture
async def client(journal: Journal) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(make_agent_app(journal), host="127.0.0.1")) as c:
        yield c


async def test_a_playbook_is_served_as_html_with_its_sections_anchored(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get("/playbooks/power_loss")
    assert resp.status == 200 and resp.content_type == "text/html"
    html = await resp.text()
    assert "<title>Mất điện lưới</title>" in html
    for anchor in ("kiem-tra-dau-tien-tai-xa", "goi-ai", "khi-nao-bao-cap-tren"):
        assert f'<h2 id="{anchor}">' in html
    assert "kind: power_loss" not in html  # the front matter is not shown
    assert "@media print" in html


async def test_the_index_links_every_playbook_and_each_answers(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get("/playbooks/")
    assert resp.status == 200
    kinds = set(re.findall(r'<a href="([a-z_]+)">', await resp.text()))
    assert kinds == set(playbooks.load_all())  # every shipped playbook, 14
    assert len(kinds) == 14
    for kind in kinds:
        assert (await client.get(f"/playbooks/{kind}")).status == 200, kind


@pytest.mark.parametrize(
    "path",
    [
        "/playbooks/nope",
        "/playbooks/README",
        "/playbooks/..%2f..%2fetc%2fpasswd",
        "/playbooks/power_loss.md",
        "/playbooks/%2e%2e",
    ],
)
async def test_anything_else_is_404(client: TestClient[Any, Any], path: str) -> None:
    resp = await client.get(URL(path, encoded=True))  # sent as is, never normalised
    assert resp.status == 404
    assert "root:" not in await resp.text()


async def test_a_failing_check_links_its_playbook_section() -> None:
    async def down(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome.down("timeout", "no reply")

    async def up(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return Outcome(True, "ok")

    printer = fake_job("printer-1", down, role="terminal", kind="printer", address="10.0.0.31")
    camera = fake_job("vc", down, role="terminal", kind="video_conference", address="10.0.0.9")
    fine = fake_job("pc", up, role="terminal", kind="counter_pc", address="10.0.0.5")
    jobs = [printer, camera, fine]
    state = SiteState(jobs, always_open, links=[])  # type: ignore[arg-type]
    runner = Runner(jobs, state, Journalled())  # type: ignore[arg-type]
    for job in jobs:
        await runner.run_once(job)  # type: ignore[arg-type]
    html = StatusPage(SITE, state).render("vi", FakeWall.T0, [])
    wanted = [
        "playbooks/conference_endpoint#kiem-tra-dau-tien-tai-xa",
        "playbooks/terminal_down#kiem-tra-dau-tien-tai-xa",
    ]
    banner = re.findall(r'<a href="(playbooks/[^"]+)">Sổ tay xử lý</a>', html)
    assert sorted(banner) == wanted
    # The cause cell of each failing row links the same section; the working PC's links none.
    cells = re.findall(r'<a class="book" href="(playbooks/[^"]+)">Sổ tay xử lý</a>', html)
    assert sorted(cells) == wanted
    assert "Playbook" in StatusPage(SITE, state).render("en", FakeWall.T0, [])
