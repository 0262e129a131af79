"""Push credentials: the file of hashes, its errors with file:line, the command that makes one."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
from pathlib import Path

import pytest

from collector.ingest.credentials import (
    RECHECK_SECONDS,
    Credentials,
    load,
    new_credential,
    token_hash,
)
from sansang.configfile import ConfigError
from tests.support import wait_until
from tests.support.env import SANSANG


def test_the_command_prints_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "push-credentials.yaml"
    path.write_text("# thông tin đẩy của các trạm\nsite-a: " + "ab" * 32 + "\n", encoding="utf-8")
    done = subprocess.run(
        [str(SANSANG), "collector", "credential", "new", "cred-21548", "--file", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert len(token) >= 43 and "\n" not in token
    text = path.read_text(encoding="utf-8")
    assert token not in text and "thông tin đẩy" in text  # comments and other entries kept
    assert load(path) == {
        "site-a": "ab" * 32,
        "cred-21548": hashlib.sha256(token.encode()).hexdigest(),
    }
    assert path.stat().st_mode & 0o077 == 0
    assert Credentials(path).lookup(token) == "cred-21548"
    assert Credentials(path).lookup(token + "x") is None


def test_a_new_token_for_the_same_id_replaces_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    old = new_credential(path, "cred-a")
    new = new_credential(path, "cred-a")
    creds = Credentials(path)
    assert (creds.lookup(old), creds.lookup(new), len(creds)) == (None, "cred-a", 1)


def test_a_bad_file_names_file_line_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("cred-a: " + "a" * 64 + "\ncred-b: not-a-hash\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Credentials(path)
    assert f"{path}:2: cred-b:" in caught.value.render()
    with pytest.raises(ConfigError):
        new_credential(path, "cred-c")  # refuses to rewrite a broken file
    assert "cred-c" not in path.read_text(encoding="utf-8")


def test_a_bad_id_is_refused_by_the_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SANSANG), "collector", "credential", "new", "Bad ID", "--file", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "not a valid credential id" in done.stderr
    assert not (tmp_path / "c").exists()


def test_a_rotation_that_keeps_size_and_mtime_still_revokes_the_old_token(tmp_path: Path) -> None:
    """Reloaded by content: the new file has the old one's size and modification time (a copy
    with ``cp -p``, a restore), and the revoked token is refused within the deadline."""
    path = tmp_path / "c.yaml"
    old = new_credential(path, "cred-a")
    before = path.stat()
    creds = Credentials(path)
    assert creds.lookup(old) == "cred-a"
    new = secrets.token_urlsafe(32)
    path.write_text(f"cred-a: '{token_hash(new)}'\n", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    wait_until(lambda: creds.lookup(old) is None, RECHECK_SECONDS + 4, "the old token refused")
    assert creds.lookup(new) == "cred-a"


def test_a_broken_edit_keeps_the_credentials_last_read_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.yaml"
    token = new_credential(path, "cred-a")
    now = [0.0]
    creds = Credentials(path, clock=lambda: now[0])
    path.write_text("cred-a: not-a-hash\n", encoding="utf-8")
    for step in range(1, 4):
        now[0] = step * RECHECK_SECONDS
        assert creds.lookup(token) == "cred-a"
    assert len([r for r in caplog.records if "not reloaded" in r.getMessage()]) == 1


def test_the_file_is_read_at_most_once_per_recheck_interval(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    old = new_credential(path, "cred-a")
    now = [100.0]
    creds = Credentials(path, clock=lambda: now[0])
    new_credential(path, "cred-a")  # rotated
    now[0] += RECHECK_SECONDS / 2
    assert creds.lookup(old) == "cred-a"  # not looked at again yet
    now[0] += RECHECK_SECONDS / 2
    assert creds.lookup(old) is None
