"""The journal survives ``kill -9``: every acknowledged event is there after a restart.

Two real processes are killed: a small writer that prints each seq ``Journal.append`` returned,
and the real agent (``sansang agent run``) whose events a client has read over the API.
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.journal.store import Journal
from tests.support import wait_until
from tests.support.agent import AgentProcess
from tests.support.net import free_port, http_get

pytestmark = pytest.mark.integration

# The writer: appends forever, prints each acknowledged seq (after append returned, i.e. after
# the commit) and flushes, so whatever the parent read was acknowledged before the kill.
WRITER = """
import sys
from pathlib import Path
from agent.journal.store import Journal

journal = Journal(Path(sys.argv[1]), boot_id=sys.argv[2])
i = 0
while True:
    event = journal.append(
        "terminal_state", f"quầy-{i % 7}", "down" if i % 2 else "up", float(i),
        {"i": i, "run": sys.argv[2], "ghi_chú": "Máy in ở bộ phận Một cửa mất kết nối"},
    )
    if event is not None:
        sys.stdout.write(f"{event.seq} {i}\\n")
        sys.stdout.flush()
    i += 1
"""


def run_writer_and_kill(path: Path, run: str, acks_wanted: int) -> dict[int, int]:
    """Start the writer, SIGKILL it after ``acks_wanted`` acknowledgements; {seq: i} acked."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), run], stdout=subprocess.PIPE, text=True
    )
    acked: dict[int, int] = {}
    try:
        assert proc.stdout is not None
        while len(acked) < acks_wanted:
            line = proc.stdout.readline()
            assert line, f"writer exited early with {proc.poll()}"
            seq, i = line.split()
            acked[int(seq)] = int(i)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # Lines already in the pipe were acknowledged before the kill too.
        for line in proc.stdout.read().splitlines():
            if line.strip():
                seq, i = line.split()
                acked[int(seq)] = int(i)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return acked


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as raw:
        return str(raw.execute("PRAGMA integrity_check").fetchone()[0])


KILL_AFTER = (40, 250, 1000)  # acknowledgements before each of three kills, on the same file


def test_every_acknowledged_event_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    all_acked: dict[int, tuple[str, int]] = {}
    for n, acks_wanted in enumerate(KILL_AFTER):
        run = f"run{n}"
        acked = run_writer_and_kill(path, run, acks_wanted)
        assert len(acked) >= acks_wanted
        assert not set(acked) & set(all_acked), "a seq was given twice"
        all_acked.update({seq: (run, i) for seq, i in acked.items()})

        assert integrity(path) == "ok", f"round {n}: the file opens cleanly after kill -9"
        journal = Journal(path, boot_id="checker")
        events = {e.seq: e for e in journal.read(0, 100_000)}
        journal.close()
        missing = sorted(set(all_acked) - set(events))
        assert not missing, f"round {n}: acknowledged but lost: {missing[:10]}"
        for seq, (run_name, i) in all_acked.items():
            e = events[seq]
            assert e.details == {
                "i": i,
                "run": run_name,
                "ghi_chú": "Máy in ở bộ phận Một cửa mất kết nối",
            }
            assert e.value == float(i)
            assert e.boot_id == run_name
        seq_list = sorted(events)
        assert seq_list == list(range(1, len(seq_list) + 1)), "no holes: seq order is commit order"

    journal = Journal(path, boot_id="after")
    later = journal.append("agent_started", "agent")
    journal.close()
    assert later is not None and later.seq > max(all_acked)


# --- the real agent ------------------------------------------------------------------------------
@pytest.fixture
def listening_port() -> Iterator[int]:
    """A TCP port that accepts connections (a check of it is 'up')."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield int(server.getsockname()[1])


def agent_config(tmp_path: Path, port: int, up_port: int) -> dict[str, Any]:
    return {
        "site": {
            "commune_code": "23527",
            "site_id": "main",
            "name": "Trung tâm Một cửa xã Sa Thầy",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"127.0.0.1:{port}"},
        "journal": {"path": str(tmp_path / "journal.db")},
        "probes": {"interval": "1s", "timeout": "1s", "start_spread": 0},
        "host": {"enabled": False},
        "checks": [
            {"id": "gateway", "check": {"probe": "tcp", "host": "127.0.0.1", "port": up_port}},
            {
                "id": "closed-port",
                "check": {"probe": "tcp", "host": "127.0.0.1", "port": free_port()},
            },
        ],
    }


def all_events(base_url: str) -> list[dict[str, Any]]:
    body = json.loads(http_get(f"{base_url}/api/v1/events?after=0&limit=5000"))
    return list(body["events"])


def test_events_served_before_agent_kill_9_are_there_after_restart(
    tmp_path: Path, listening_port: int
) -> None:
    config = agent_config(tmp_path, free_port(), listening_port)
    agent = AgentProcess(config, tmp_path).start()
    try:

        def both_checks_journaled() -> list[dict[str, Any]] | None:
            events = all_events(agent.base_url)
            subjects = {e["subject"] for e in events if e["kind"] == "check_state"}
            return events if {"gateway", "closed-port"} <= subjects else None

        served = wait_until(both_checks_journaled, 15, "both checks' first state in the journal")
        agent.kill9()
    finally:
        agent.stop()
    by_seq = {e["seq"]: e for e in served}
    states = {e["subject"]: e["state"] for e in served if e["kind"] == "check_state"}
    assert states == {"gateway": "up", "closed-port": "down"}

    restarted = AgentProcess(config, tmp_path).start()
    try:
        after = wait_until(
            lambda: [e for e in all_events(restarted.base_url) if e["seq"] > max(by_seq)],
            10,
            "the restarted agent's first event",
        )
        everything = {e["seq"]: e for e in all_events(restarted.base_url)}
    finally:
        restarted.stop()
    for seq, event in by_seq.items():
        assert everything.get(seq) == event, f"event {seq} changed or vanished after kill -9"
    started = [e for e in after if e["kind"] == "agent_started"]
    assert started, f"the restart journals agent_started: {after}"
    first_run = next(e for e in served if e["kind"] == "agent_started")
    assert started[0]["seq"] > max(by_seq)
    assert started[0]["details"]["run_id"] != first_run["details"]["run_id"]
    assert started[0]["details"]["pid"] != first_run["details"]["pid"]
    assert not [e for e in everything.values() if e["kind"] == "agent_stopped"], (
        "kill -9 leaves no agent_stopped: a reader can tell a crash from a clean stop"
    )
