"""A real OpenSSH server for the security check's tests: ``/usr/sbin/sshd`` on 127.0.0.1.

    from tests.integration.sshlab import SshLab, skip_without_sshd

    @skip_without_sshd
    def test_something():
        with SshLab() as lab:                      # started, greeting with its banner
            spec = lab.spec(os="linux")            # SecuritySpec fields: host, port, key, pin
        with SshLab(windows=True) as lab:          # PATH holds a stand-in `powershell`
            lab.answer(text)                       # what that stand-in prints
            lab.ran()                              # how often it was run with the fixed command

sshd runs in the foreground (``-D -e``) with its own config, host key and ``authorized_keys`` in
a directory of its own (``UsePAM no``, ``StrictModes no``, key authentication only), as root, and
is stopped by PID.  It logs in the unprivileged system account :data:`USER` (created when missing:
password field ``*``, so the account is not locked for key logins; shell ``/bin/sh``).  The lab's
directory is world-readable (pytest's ``tmp_path`` is not: its parents are 0700 for root), since
sshd reads ``authorized_keys`` as that user and the user's commands read the lab's files.

``windows=True`` stands in for a Windows machine with OpenSSH Server: sshd sets ``PATH`` for the
session (``SetEnv``) so that ``powershell`` is the lab's script, which checks that it got exactly
the check's fixed ``-EncodedCommand`` line, notes the run in a file and prints the recorded answer
the test gave it.  The SSH part, the host-key pinning and the timeouts are real; only the far side's
answers are recorded.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from agent.probes.security import windows_command
from tests.support import wait_until
from tests.support.env import stop_process
from tests.support.net import free_port

SSHD = Path("/usr/sbin/sshd")
USER = "sansang-ssh-test"


def sshd_missing() -> str | None:
    """Why a lab cannot run here, or None when it can."""
    if not os.access(SSHD, os.X_OK):
        return f"{SSHD} not found: apt-get install -y openssh-server"
    if os.geteuid() != 0:
        return "sshd runs as root and the test account is created with useradd"
    return None


skip_without_sshd = pytest.mark.skipif(sshd_missing() is not None, reason=str(sshd_missing()))


def ensure_user() -> pwd.struct_passwd:
    """The test account: a system user, no home, ``*`` as password (unlocked for keys)."""
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/bin/sh", "--password", "*", USER],
            check=True,
        )  # fmt: skip
        return pwd.getpwnam(USER)


def keygen(path: Path) -> str:
    """A new ed25519 key pair at ``path`` (private, 0600) and ``path.pub``; the public key as
    ``ssh-ed25519 AAAA...`` (no comment)."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True
    )
    kind, blob = path.with_suffix(".pub").read_text(encoding="ascii").split()[:2]
    return f"{kind} {blob}"


class SshLab:
    """sshd on 127.0.0.1 and a free port, logging in :data:`USER` with the lab's client key."""

    def __init__(self, *, windows: bool = False) -> None:
        self.windows = windows
        self.host = "127.0.0.1"
        self.port = 0
        self.dir = Path()
        self.proc: subprocess.Popen[bytes] | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> SshLab:
        reason = sshd_missing()
        if reason:
            pytest.skip(reason)
        ensure_user()
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation
        self.dir = Path(tempfile.mkdtemp(prefix="sansang-sshlab-"))
        self.dir.chmod(0o755)
        try:
            self._configure()
            self.port = free_port(self.host)
            config = self._write_config()
            subprocess.run([str(SSHD), "-t", "-f", str(config)], check=True, capture_output=True)
            log = (self.dir / "sshd.log").open("wb")
            self.proc = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
            log.close()
            wait_until(self._greets, timeout, f"sshd to greet on {self.host}:{self.port}")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None
        if self.dir != Path() and self.dir.is_dir():
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> SshLab:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- what the tests use ----------------------------------------------------------------

    @property
    def client_key(self) -> Path:
        return self.dir / "client_ed25519"

    def spec(self, **overrides: Any) -> dict[str, Any]:
        """SecuritySpec fields that reach this lab as :data:`USER` with the lab's key, the lab's
        host key pinned."""
        return {
            "host": self.host,
            "port": self.port,
            "user": USER,
            "key_file": self.client_key,
            "host_key": self.host_key,
            "os": "windows" if self.windows else "linux",
            **overrides,
        }

    def answer(self, text: str) -> None:
        """What the stand-in ``powershell`` prints from now on."""
        path = self.dir / "answer.json"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)

    def ran(self) -> int:
        """Runs of the stand-in with the fixed command line so far."""
        runs = self.dir / "runs" / "log"
        return len(runs.read_text(encoding="ascii").splitlines()) if runs.exists() else 0

    def refused_command_lines(self) -> int:
        """Runs of the stand-in with any other command line (it answered nothing to those)."""
        bad = self.dir / "runs" / "refused"
        return len(bad.read_text(encoding="ascii").splitlines()) if bad.exists() else 0

    def folder(self, name: str) -> Path:
        """A directory in the lab the test account can list (a backup folder)."""
        path = self.dir / name
        path.mkdir(mode=0o755, exist_ok=True)
        path.chmod(0o755)
        return path

    def log(self) -> str:
        path = self.dir / "sshd.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # ---- internals -------------------------------------------------------------------------

    def _configure(self) -> None:
        self.host_key = keygen(self.dir / "host_ed25519")
        client_pub = keygen(self.client_key)
        keys = self.dir / "authorized_keys"
        keys.write_text(client_pub + "\n", encoding="ascii")
        keys.chmod(0o644)
        if self.windows:
            self._stand_in_powershell()

    def _stand_in_powershell(self) -> None:
        """``bin/powershell``: answers the fixed command line, and only that one."""
        bin_dir = self.folder("bin")
        runs = self.dir / "runs"
        runs.mkdir()
        runs.chmod(0o777)  # the test account notes its runs here
        expected = windows_command().split()
        (self.dir / "expected-args").write_text("\n".join(expected[1:]) + "\n", encoding="ascii")
        (self.dir / "expected-args").chmod(0o644)
        self.answer("")
        script = bin_dir / "powershell"
        script.write_text(
            "#!/bin/sh\n"
            "# Stand-in for Windows PowerShell in tests/integration/sshlab.py.\n"
            f'lab="{self.dir}"\n'
            'if [ "$(printf \'%s\\n\' "$@")" = "$(cat "$lab/expected-args")" ]; then\n'
            '  date +%s >> "$lab/runs/log"\n'
            '  cat "$lab/answer.json"\n'
            "  exit 0\n"
            "fi\n"
            'date +%s >> "$lab/runs/refused"\n'
            'echo "powershell: not the check\'s command line" >&2\n'
            "exit 64\n",
            encoding="ascii",
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    def _write_config(self) -> Path:
        lines = [
            f"ListenAddress {self.host}:{self.port}",
            f"HostKey {self.dir / 'host_ed25519'}",
            f"AuthorizedKeysFile {self.dir / 'authorized_keys'}",
            "PidFile none",
            "UsePAM no",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin no",
            f"AllowUsers {USER}",
            "Subsystem sftp internal-sftp",
            "LogLevel VERBOSE",
        ]
        if self.windows:
            lines.append(f"SetEnv PATH={self.dir / 'bin'}:/usr/local/bin:/usr/bin:/bin")
        config = self.dir / "sshd_config"
        config.write_text("\n".join(lines) + "\n", encoding="ascii")
        return config

    def _greets(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"sshd exited ({self.proc.returncode}): {self.log()[-2000:]}")
        with socket.create_connection((self.host, self.port), timeout=1.0) as sock:
            return sock.recv(64).startswith(b"SSH-2.0-")
