"""`make run`'s launcher (simulate/demo.py): it starts the agent, the collector and a
simulated province, prints where to look, and Ctrl-C stops everything cleanly."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from collector.tokens import ROLES
from tests.support import wait_until
from tests.support.env import REPO, stop_process
from tests.support.net import free_port, http_get

pytestmark = pytest.mark.integration


def _agent_config(tmp_path: Path) -> Path:
    text = (REPO / "deploy/examples/agent-local.yaml").read_text(encoding="utf-8")
    text = text.replace("9717", str(free_port()))  # the agent checks its own port: move both
    text = text.replace("path: var/journal.db", f"path: {tmp_path / 'journal.db'}")
    path = tmp_path / "agent.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _answers(url: str) -> bool:
    try:
        return http_get(url, timeout=1.0) == b"ok\n"
    except OSError:
        return False


def test_make_run_starts_everything_prints_the_urls_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    listen = f"127.0.0.1:{free_port()}"
    cmd = [
        sys.executable, "-m", "simulate.demo",
        "--agent-config", str(_agent_config(tmp_path)), "--workdir", str(tmp_path / "demo"),
        "--collector", listen, "--sites", "4", "--backfill-days", "0.05",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.append(raw.decode("utf-8", errors="replace"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        text = wait_until(
            lambda: "".join(lines) if "history done" in "".join(lines) else None,
            60,
            "the URLs and the end of the history",
        )
        board = re.search(r"province board: (http://\S+)  .*viewer token: (\S+)\)", text)
        agent = re.search(r"this machine's agent: (http://\S+)", text)
        assert board and agent, text
        assert board.group(1) == f"http://{listen}/"
        assert _answers(board.group(1) + "healthz")
        assert _answers(agent.group(1) + "healthz")
        token = board.group(2)
        sites = json.loads(
            http_get(board.group(1) + "api/v1/sites", headers={"Authorization": f"Bearer {token}"})
        )
        assert len(sites["sites"]) == 5  # four simulated, and this machine's agent
        # Each a commune of its own: the board counts the communes it shows.
        assert len({s["commune_code"] for s in sites["sites"]}) == 5, sites
        # The province by its official name, not its code alone.
        assert "Tỉnh / province: Quảng Ngãi (51): 4 xã mô phỏng" in text, text
        assert "Tỉnh / province 51" not in text
        # A login for each role a person logs in with, saying in Vietnamese who it is for, and
        # each token lets its holder in with that role; the commune's police read their
        # commune only (this machine's, Sa Thầy).
        logins = dict(re.findall(r"^    (.+?) / .+?: (\S+)$", text, re.M))
        commune_police = "Công an xã Sa Thầy (chỉ xem xã Sa Thầy)"
        expected = {
            "Sở KH&CN, tổ mạng (xem bảng tỉnh)": "viewer",
            "Công an tỉnh (xem cả phương án dự phòng, nhật ký)": "security_reviewer",
            commune_police: "security_reviewer",
            "kỹ thuật viên (ghi chú cho điểm 23527-demo)": "technician",
            "quản trị hệ thống": "admin",
        }
        assert set(logins) == set(expected), text
        assert set(expected.values()) == set(ROLES) - {"alertmanager"}  # no person's login
        for who, role in expected.items():
            me = json.loads(
                http_get(
                    board.group(1) + "api/v1/whoami",
                    headers={"Authorization": f"Bearer {logins[who]}"},
                )
            )
            assert me["role"] == role, (who, me)
            assert me["reads"] == ("sites" if who == commune_police else "province"), me
        police_sites = json.loads(
            http_get(
                board.group(1) + "api/v1/sites",
                headers={"Authorization": f"Bearer {logins[commune_police]}"},
            )
        )
        assert {s["commune_code"] for s in police_sites["sites"]} == {"23527"}, police_sites
        assert logins["Sở KH&CN, tổ mạng (xem bảng tỉnh)"] == token
        # The tokens are for the terminal: no log file of the demo holds one.
        for log in (tmp_path / "demo").glob("*.log"):
            assert not any(t in log.read_text(errors="replace") for t in logins.values()), log
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=40) == 0, "".join(lines)
        reader.join(timeout=5)
        assert "stopped" in "".join(lines)
        assert not _answers(board.group(1) + "healthz")  # the collector stopped too
        assert not _answers(agent.group(1) + "healthz")  # and the agent
    finally:
        stop_process(proc, timeout=10)
