"""The status page as a technician sees it: rendered by a real headless Chromium.

The agent runs on loopback with one counter PC that answers and one whose service is not
running; Chromium loads `/` (and `/?lang=en`), and the rendered DOM must show the site, the down
terminal with its cause and next step in Vietnamese, and the English page in English.  A
screenshot must come out too (a page that fails to render gives none).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.web.texts import HINTS
from sansang import i18n
from tests.support import wait_until
from tests.support.agent import running_agent
from tests.support.net import free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("chromium") is None, reason="needs Debian's chromium (make test installs it)"
    ),
]

# Flags that keep Chromium to the test: no network of its own, no first-run work, a fresh profile.
CHROMIUM = [
    "chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [*CHROMIUM, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def answering_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_technician_sees_what_is_down_why_and_what_to_do(
    tmp_path: Path, answering_port: int
) -> None:
    port = free_port()
    config = {
        "site": {
            "commune_code": "23527",
            "name": "Trung tâm PVHCC xã Sa Thầy",
            "latitude": 14.4167,
            "longitude": 107.7833,
            "service_hours": {"weekly": {d: ["00:00-24:00"] for d in ("mon", "sun")}},
        },
        "server": {"listen": f"127.0.0.1:{port}"},
        "journal": {"path": str(tmp_path / "journal.db")},
        "probes": {"interval": "30s", "timeout": "2s", "start_spread": 0},
        "host": {"enabled": False},
        "terminals": [
            {
                "id": "quay-01",
                "name": "Quầy 1",
                "kind": "counter_pc",
                "address": "127.0.0.1",
                "check": {"method": "tcp", "port": answering_port},
            },
            {
                "id": "quay-02",
                "name": "Quầy 2",
                "kind": "counter_pc",
                "address": "127.0.0.1",
                "check": {"method": "tcp", "port": free_port()},
            },
        ],
    }
    with running_agent(config, tmp_path) as agent:
        wait_until(
            lambda: agent.metrics().count("\nsansang_terminal_up{") == 2,
            10,
            "both terminals checked",
        )
        vi = chromium("--dump-dom", f"{agent.base_url}/")
        assert vi.returncode == 0, vi.stderr[-2000:]
        dom = vi.stdout
        assert "Trung tâm PVHCC xã Sa Thầy" in dom
        assert "Xã Sa Thầy (23527), Quảng Ngãi" in dom
        assert "1 mục không hoạt động" in dom
        assert "Máy tính quầy Quầy 2" in dom
        assert i18n.pick(i18n.REASONS, "refused", "vi") in dom
        assert i18n.pick(HINTS, "refused", "vi") in dom
        assert "Máy tính quầy: 1/2 hoạt động" in dom

        en = chromium("--dump-dom", f"{agent.base_url}/?lang=en")
        assert en.returncode == 0, en.stderr[-2000:]
        assert "1 item(s) down" in en.stdout
        assert "Counter PC Quầy 2" in en.stdout
        assert i18n.pick(i18n.REASONS, "refused", "en") in en.stdout

        shot = tmp_path / "status.png"
        done = chromium("--window-size=1100,900", f"--screenshot={shot}", f"{agent.base_url}/")
        assert done.returncode == 0, done.stderr[-2000:]
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 20_000, "a blank page compresses to almost nothing"
