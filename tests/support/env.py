"""What this checkout and machine offer the tests: the repository, the installed ``sansang``
command, tools on the PATH, root; and stopping a process a test started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SANSANG = Path(sys.executable).parent / "sansang"


def have_root() -> bool:
    return os.geteuid() == 0


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5) -> None:
    """Terminate a process the test started (kill it after ``timeout``), close its stdout pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    if proc.stdout is not None:
        proc.stdout.close()
