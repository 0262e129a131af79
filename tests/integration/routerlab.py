"""A router behind a real OpenSSH server, for the router check's tests: the sshd of
:class:`tests.integration.sshlab.SshLab` (127.0.0.1, its own host key, key-only login of the test
account) with a ``ForceCommand`` that stands in for the router's command line.

    with RouterLab() as lab:
        lab.answer(answers("routeros", "up"))   # command line -> what the router prints
        lab.ran()                               # the command lines it answered, in order
        lab.refused()                           # any other command line it was sent

The stand-in answers exactly the command lines it was given (compared whole, by their SHA-256),
notes each one, and refuses anything else with exit 127 after noting it too, so a test can tell
that the check sent nothing but its profile's fixed commands.  The SSH part, the host-key pinning
and the timeouts are real; only the router's answers are recorded.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
from pathlib import Path

from tests.integration.sshlab import SshLab


class RouterLab(SshLab):
    """sshd whose every session runs the lab's ``router-shell``."""

    def answer(self, said: dict[str, str]) -> None:  # type: ignore[override]
        """What the router prints from now on, by command line; other lines are refused."""
        folder = self.dir / "answers"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
        for command, text in said.items():
            path = folder / hashlib.sha256(command.encode()).hexdigest()
            path.write_text(text, encoding="utf-8")
            path.chmod(0o644)

    def ran(self) -> list[str]:  # type: ignore[override]
        return self._lines("log")

    def refused(self) -> list[str]:
        return self._lines("refused")

    def _lines(self, name: str) -> list[str]:
        path = self.dir / "runs" / name
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def _configure(self) -> None:
        super()._configure()
        runs = self.dir / "runs"
        runs.mkdir()
        runs.chmod(0o777)  # the test account notes its runs here
        self.answer({})
        script = self.folder("bin") / "router-shell"
        script.write_text(
            "#!/bin/sh\n"
            "# Stand-in for a router's command line in tests/integration/routerlab.py.\n"
            f'lab="{self.dir}"\n'
            "key=$(printf '%s' \"$SSH_ORIGINAL_COMMAND\" | sha256sum | cut -d' ' -f1)\n"
            'if [ -f "$lab/answers/$key" ]; then\n'
            '  printf \'%s\\n\' "$SSH_ORIGINAL_COMMAND" >> "$lab/runs/log"\n'
            '  cat "$lab/answers/$key"\n'
            "  exit 0\n"
            "fi\n"
            'printf \'%s\\n\' "$SSH_ORIGINAL_COMMAND" >> "$lab/runs/refused"\n'
            "echo 'bad command name' >&2\n"
            "exit 127\n",
            encoding="ascii",
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    def _write_config(self) -> Path:
        config = super()._write_config()
        with config.open("a", encoding="ascii") as handle:
            handle.write(f"ForceCommand {self.dir / 'bin' / 'router-shell'}\n")
        return config
