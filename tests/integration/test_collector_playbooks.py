"""The playbooks on a real collector (``sansang collector run`` on loopback): every role reads
them behind the login, Vietnamese and printable, their sections anchored as the alerts link
them; no login is 401 (API client) or the login page (browser); an unknown kind or a path that
tries to climb out is 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.alerts.catalogue import KINDS
from tests.support.collector import CollectorProcess, inventory_of, running_collector, site

pytestmark = pytest.mark.integration
ROLES = ("viewer", "security_reviewer", "technician", "admin")


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    workdir = tmp_path_factory.mktemp("collector")
    config = {"public_url": "https://tinh.example/sansang/"}
    with running_collector(config, inventory_of(site("23527")), workdir) as c:
        yield c


def _page(c: CollectorProcess, path: str, as_: str | None = "viewer") -> tuple[int, str]:
    status, _, body = c.request("GET", path, as_=as_)
    return status, body.decode("utf-8", "replace")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_a_playbook(collector: CollectorProcess, role: str) -> None:
    status, html = _page(collector, "/playbooks/power_loss", role)
    assert status == 200, html
    assert "<title>Mất điện lưới – sansang</title>" in html
    assert '<article class="playbook" lang="vi">' in html
    for anchor in ("kiem-tra-dau-tien-tai-xa", "goi-ai", "khi-nao-bao-cap-tren"):
        assert f'<h2 id="{anchor}">' in html
    assert "@media print" in html and "kind: power_loss" not in html


def test_the_index_links_every_kind(collector: CollectorProcess) -> None:
    status, html = _page(collector, "/playbooks/")
    assert status == 200
    assert set(re.findall(r'<a href="([a-z_]+)">', html)) == set(KINDS)
    assert collector.request("GET", "/playbooks", as_="viewer")[1]["Location"] == "/playbooks/"


def test_without_a_login_401_or_the_login_page(collector: CollectorProcess) -> None:
    status, headers, _ = collector.request("GET", "/playbooks/link_loss")
    assert status == 303 and headers["Location"] == "/login?next=/playbooks/link_loss"
    bad = {"Authorization": "Bearer wrong"}
    assert collector.request("GET", "/playbooks/link_loss", headers=bad)[0] == 401


@pytest.mark.parametrize(
    "path",
    [
        "/playbooks/nope",
        "/playbooks/README",
        "/playbooks/power_loss.md",
        "/playbooks/..%2f..%2fetc%2fpasswd",
        "/playbooks/..%2f..%2fpyproject.toml",
    ],
)
def test_an_unknown_kind_or_a_climb_is_404(collector: CollectorProcess, path: str) -> None:
    status, body = _page(collector, path)
    assert status == 404
    assert "root:" not in body and "[project]" not in body


def test_the_files_served_are_the_repository_playbooks(collector: CollectorProcess) -> None:
    source = Path(__file__).resolve().parents[2] / "playbooks" / "certificate.md"
    assert "Ban Cơ yếu Chính phủ" in source.read_text(encoding="utf-8")
    assert "Ban Cơ yếu Chính phủ" in _page(collector, "/playbooks/certificate")[1]
