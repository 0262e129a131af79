"""The security check over real SSH (tests/integration/sshlab.py): a real sshd on loopback, the
check's own paramiko client, host-key pinning and timeouts for real.

Linux: the check's commands run for real on this machine through sshd, as the unprivileged test
account, and what it reports is compared with what this test reads itself (the package database's
time, the same commands run as the same account).  Windows: the account's ``powershell`` is a
stand-in that answers the fixed command line with recorded answers
(tests/unit/fixtures/security/) and notes each run, so a test can tell that nothing was run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent import config as agent_config
from agent.jobs import build_jobs
from agent.journal.store import Journal
from agent.probes import _security_parse as p
from agent.probes import security
from agent.probes.base import Outcome, ProbeContext
from agent.runner import Runner
from agent.state import SiteState
from sansang.event_details import DETAILS
from sansang.events import Change
from tests.integration.sshlab import USER, SshLab, keygen, skip_without_sshd
from tests.support.net import free_port
from tests.support.security_answers import good_parts, recorded, windows_answer

pytestmark = [pytest.mark.integration, skip_without_sshd]

TIMEOUT = 10.0  # a check's limit here; generous for a loaded CI machine


def check(spec: dict[str, Any], timeout: float = TIMEOUT) -> Outcome:
    ctx = ProbeContext("test", timeout, logging.getLogger("test.security"))
    return asyncio.run(security.run(security.SecuritySpec(**spec), ctx))


@pytest.fixture(scope="module")
def linux_lab() -> Iterator[SshLab]:
    with SshLab() as lab:
        yield lab


@pytest.fixture
def windows_lab() -> Iterator[SshLab]:
    with SshLab(windows=True) as lab:
        lab.answer(windows_answer(good_parts()))
        yield lab


# --- Linux, for real ---------------------------------------------------------------------------


def as_test_account(*argv: str) -> tuple[int, str]:
    """Run a command here as the test account, as sshd would (no shell); (exit, stdout)."""
    if shutil.which(argv[0]) is None and not os.access(argv[0], os.X_OK):
        return 127, ""
    done = subprocess.run(
        ["runuser", "-u", USER, "--", *argv], capture_output=True, text=True, timeout=30
    )
    return done.returncode, done.stdout


def test_linux_facts_are_what_this_machine_says(linux_lab: SshLab) -> None:
    outcome = check(linux_lab.spec())
    assert outcome.success, outcome.detail
    facts = outcome.state_details
    assert facts["os"] == "linux" and facts["backup_expected"] is False
    # The package database's modification time, read here with os.stat.
    assert facts["update_at"] == int(os.stat("/var/lib/dpkg/status").st_mtime)
    # The same commands, run here as the same account.
    lsblk = as_test_account("lsblk", "-J", "-o", "NAME,TYPE,MOUNTPOINTS")
    assert facts.get("encryption") == p.lsblk_root_encrypted(lsblk[1], lsblk[0])
    ntp = as_test_account("timedatectl", "show", "-p", "NTPSynchronized", "--value")
    assert facts.get("time_sync") == p.timedatectl_synchronized(ntp[1], ntp[0])
    nft = as_test_account("/usr/sbin/nft", "list", "ruleset")
    ufw = as_test_account("/usr/sbin/ufw", "status")
    units = as_test_account("systemctl", "is-active", "firewalld")
    conf = Path("/etc/ufw/ufw.conf")
    firewall = p.linux_firewall(
        p.nft_filters_input(nft[1], nft[0]),
        p.ufw_status(ufw[1], ufw[0]),
        p.ufw_enabled(conf.read_text(encoding="utf-8") if conf.exists() else None),
        units[1].strip() if units[0] in (0, 3) else None,
    )
    assert facts.get("firewall") == firewall
    assert "antivirus" not in facts or Path("/var/lib/clamav").exists()
    names = {s.name for s in outcome.samples}
    assert "sansang_security_update_timestamp_seconds" in names
    assert "BEGIN" not in outcome.detail and "PRIVATE" not in outcome.detail


def test_backup_time_is_the_newest_file(linux_lab: SshLab) -> None:
    backups = linux_lab.folder("backups-linux")
    times = {"2026-11-30.tar.zst": 1796000000, "2026-12-01.tar.zst": 1796090400}
    for name, when in times.items():
        path = backups / name
        path.write_bytes(b"backup")
        os.utime(path, (when, when))
    newer_dir = backups / "old-month"
    newer_dir.mkdir()
    os.utime(newer_dir, (1796999999, 1796999999))  # a folder is not a backup
    outcome = check(linux_lab.spec(backup_path=str(backups)))
    assert outcome.state_details["backup_at"] == 1796090400
    assert outcome.state_details["backup_expected"] is True
    missing = check(linux_lab.spec(backup_path=str(linux_lab.dir / "nowhere")))
    assert missing.success and "backup_at" not in missing.state_details
    assert "unreadable" in missing.detail


# --- Windows (recorded answers behind real SSH) ------------------------------------------------


def test_windows_answer_through_ssh(windows_lab: SshLab) -> None:
    backups = windows_lab.folder("SaoLuu")
    for name, when in {"full.bak": 1796500000, "diff.bak": 1796586400}.items():
        (backups / name).write_bytes(b"x")
        os.utime(backups / name, (when, when))
    outcome = check(windows_lab.spec(backup_path=str(backups)))
    assert outcome.success, outcome.detail
    assert outcome.state_details == {
        "os": "windows",
        "firewall": True,
        "antivirus": True,
        "realtime": True,
        "encryption": True,
        "time_sync": True,
        "signature_at": 1787604096,
        "update_at": 1733961600,
        "backup_at": 1796586400,
        "backup_expected": True,
    }
    assert windows_lab.ran() == 1 and windows_lab.refused_command_lines() == 0


def test_windows_bitlocker_denied_is_unknown(windows_lab: SshLab) -> None:
    parts = good_parts()
    parts.pop("bitlocker")
    windows_lab.answer(windows_answer(parts, {"bitlocker": "Access is denied."}))
    outcome = check(windows_lab.spec())
    assert outcome.success
    assert "encryption" not in outcome.state_details
    assert outcome.state_details["firewall"] is True
    assert "bitlocker unreadable" in outcome.detail


@pytest.mark.parametrize(
    "answer",
    [
        "'powershell' is not recognized as an internal or external command",
        '{"schema":1,"w32tm":"' + "x" * (4 * security.OUTPUT_CAP) + '"}',  # longer than the cap
    ],
)
def test_windows_garbage_or_huge_answer_is_command_failed(windows_lab: SshLab, answer: str) -> None:
    windows_lab.answer(answer)
    started = time.monotonic()
    outcome = check(windows_lab.spec())
    assert (outcome.success, outcome.reason) == (False, "command_failed")
    assert time.monotonic() - started < TIMEOUT  # it returned, it did not wait for the limit
    assert outcome.state_details == {
        "os": "windows",
        "reason": "command_failed",
        "backup_expected": False,
    }


def test_wrong_pinned_host_key_sends_nothing(windows_lab: SshLab, tmp_path: Path) -> None:
    other = keygen(tmp_path / "another_host_key")
    outcome = check(windows_lab.spec(host_key=other))
    assert (outcome.success, outcome.reason) == (False, "host_key_mismatch")
    assert "nothing was sent" in outcome.detail
    assert windows_lab.ran() == 0 and windows_lab.refused_command_lines() == 0
    assert "Accepted publickey" not in windows_lab.log()  # it never even logged in


def test_key_not_in_authorized_keys_is_auth_failed(windows_lab: SshLab, tmp_path: Path) -> None:
    keygen(tmp_path / "stranger")
    outcome = check(windows_lab.spec(key_file=tmp_path / "stranger"))
    assert (outcome.success, outcome.reason) == (False, "auth_failed")
    assert windows_lab.ran() == 0


def test_unreadable_key_file(windows_lab: SshLab, tmp_path: Path) -> None:
    missing = check(windows_lab.spec(key_file=tmp_path / "no-such-key"))
    assert (missing.success, missing.reason) == (False, "key_unreadable")
    garbage = tmp_path / "garbage"
    garbage.write_text("not a key\n", encoding="ascii")
    unusable = check(windows_lab.spec(key_file=garbage))
    assert unusable.reason == "key_unreadable" and "not a key" not in unusable.detail
    assert windows_lab.ran() == 0


def test_nothing_listening_is_unreachable() -> None:
    spec = {
        "host": "127.0.0.1",
        "port": free_port(),
        "user": USER,
        "key_file": Path("/nonexistent"),
        "host_key": recorded_host_key(),
        "os": "linux",
    }
    # The key file is read first: give a real one so the connect is what fails.
    with SshLab() as lab:
        spec["key_file"] = lab.client_key
        outcome = check(spec)
    assert (outcome.success, outcome.reason) == (False, "unreachable")


def recorded_host_key() -> str:
    return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKspVgZjGC8tj0pSPvU6+/Tvogj/dd/BK6nTJnIHaiy7"


def test_a_listener_that_never_speaks_ssh_times_out(linux_lab: SshLab) -> None:
    """Something accepts TCP and says nothing: the check gives up at its limit and returns."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)  # kept open, never written to
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        limit = 2.0
        started = time.monotonic()
        outcome = check(linux_lab.spec(port=server.getsockname()[1]), timeout=limit)
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()
    assert (outcome.success, outcome.reason) == (False, "timeout")
    assert held, "the check never connected"
    assert took < limit + 10.0, f"took {took:.1f}s for a {limit:g}s limit"


# --- the agent's own job path: build_jobs, runner, state, journal ------------------------------


def test_security_state_lands_in_the_journal(windows_lab: SshLab, tmp_path: Path) -> None:
    backups = windows_lab.folder("SaoLuu")
    (backups / "full.bak").write_bytes(b"x")
    os.utime(backups / "full.bak", (1796500000, 1796500000))
    spec = windows_lab.spec(backup_path=str(backups))
    path = tmp_path / "agent.yaml"
    path.write_text(
        "site: {commune_code: '23527', name: Xã Sa Thầy, latitude: 14.4, longitude: 107.8}\n"
        "host: {enabled: false}\n"
        "security:\n"
        "  timeout: 10s\n"
        "  hosts:\n"
        "    - id: counter-pc-1\n"
        "      name: Máy tính quầy 1\n"
        f"      host: {spec['host']}\n"
        f"      port: {spec['port']}\n"
        f"      user: {spec['user']}\n"
        f"      key_file: {spec['key_file']}\n"
        f"      host_key: {spec['host_key']}\n"
        "      os: windows\n"
        f"      backup_path: {backups}\n",
        encoding="utf-8",
    )
    jobs = build_jobs(agent_config.load(path))
    assert [j.id for j in jobs] == ["counter-pc-1"]
    journal = Journal(tmp_path / "journal.db", boot_id="test-boot")

    async def journalled(changes: list[Change]) -> None:
        for c in changes:
            journal.append(c.kind, c.subject, c.state, c.value, c.details)

    async def runs() -> None:
        runner = Runner(jobs, SiteState(jobs, lambda _when: True), journalled)
        await runner.run_once(jobs[0])
        await runner.run_once(jobs[0])  # nothing changed: nothing journalled
        profiles = recorded("firewall-profiles-win2019.json")
        profiles[2]["Enabled"] = 0  # the Public profile turned off
        windows_lab.answer(windows_answer(good_parts() | {"firewall": profiles}))
        await runner.run_once(jobs[0])

    asyncio.run(runs())
    events = journal.of_kinds(["security_state"], 0)
    journal.close()
    assert [(e.subject, e.state) for e in events] == [
        ("counter-pc-1", "checked"),
        ("counter-pc-1", "checked"),
    ]
    first, second = (e.details for e in events)
    assert first["firewall"] is True and second["firewall"] is False
    assert second["previous"] == "checked"
    assert first["backup_at"] == 1796500000 and first["backup_expected"] is True
    assert first["probe"] == "security" and first["os"] == "windows"
    for e in events:
        DETAILS["security_state"].model_validate(e.details, strict=True)
    assert windows_lab.ran() == 3
