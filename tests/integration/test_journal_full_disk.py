"""A full disk (đĩa đầy) under the journal: a real 256 KiB tmpfs, filled by a filler file.

The agent must keep running: appends do not raise, failures are counted, events wait in memory,
and once space is freed they land in the order they happened, by ``flush`` and by the agent's own
maintenance loop (``agent.app._maintain``).
"""

from __future__ import annotations

import asyncio
import errno
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import app
from agent.journal.store import Journal
from tests.support import wait_until_async
from tests.support.env import have_root

pytestmark = pytest.mark.integration


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    if not have_root():
        pytest.skip("mounting a 256 KiB tmpfs (the full-disk test) needs root")
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(directory: Path) -> Path:
    """Write a filler file until the file system says ENOSPC; return it."""
    filler = directory / "filler.bin"
    chunk = b"\0" * 4096
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError as err:
            assert err.errno == errno.ENOSPC, err
    return filler


def append_until_writes_fail(journal: Journal, more: int = 5) -> list[str]:
    """Append until one event is not written, then ``more`` others; the subjects, in order."""
    subjects: list[str] = []
    for i in range(5000):
        subject = f"quầy-{i}"
        subjects.append(subject)
        if journal.append("terminal_state", subject, "down", None, {"i": i}) is None:
            break
    else:
        pytest.fail("5000 appends on a full 256 KiB file system all succeeded")
    for i in range(more):
        subject = f"sau-khi-đầy-{i}"
        subjects.append(subject)
        journal.append("terminal_state", subject, "up", None, {"after_full": i})
    return subjects


def test_full_disk_keeps_events_in_memory_and_writes_them_in_order_once_freed(
    tiny_fs: Path,
) -> None:
    journal = Journal(tiny_fs / "journal.db", boot_id="full-disk")
    before = [f"trước-{i}" for i in range(5)]
    for subject in before:
        assert journal.append("check_state", subject, "up") is not None
    filler = fill(tiny_fs)
    subjects = append_until_writes_fail(journal)
    assert journal.stats.write_errors >= 6, "every failed attempt is counted"
    waiting = journal.pending()
    assert waiting >= 6, "the failed events wait in memory"
    kept_on_disk = [e.subject for e in journal.read(0, 10_000)]
    assert kept_on_disk == (before + subjects)[: len(kept_on_disk)], "nothing out of order"

    filler.unlink()
    assert journal.flush() == waiting
    assert journal.pending() == 0
    events = journal.read(0, 10_000)
    assert [e.subject for e in events] == before + subjects
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    journal.close()
    with sqlite3.connect(tiny_fs / "journal.db") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_agent_maintenance_loop_writes_pending_events_once_space_is_freed(
    tiny_fs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "_MAINTENANCE_INTERVAL", 0.05)
    journal = Journal(tiny_fs / "journal.db", boot_id="full-disk")
    maintenance = asyncio.create_task(app._maintain(journal))
    try:
        filler = fill(tiny_fs)
        subjects = append_until_writes_fail(journal)
        waiting = journal.pending()
        assert waiting >= 6
        # While the disk stays full the loop retries, fails, and keeps everything.
        await wait_until_async(
            lambda: journal.stats.write_errors >= 6 + 3, 5, "the maintenance loop to retry"
        )
        assert journal.pending() == waiting
        filler.unlink()
        await wait_until_async(lambda: journal.pending() == 0, 5, "the maintenance loop to flush")
    finally:
        maintenance.cancel()
        with pytest.raises(asyncio.CancelledError):
            await maintenance
    assert [e.subject for e in journal.read(0, 10_000)] == subjects
    journal.close()
