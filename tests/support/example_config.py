"""deploy/examples/agent.yaml with the files it names made in a test's directory: `sansang agent
check-config` reads every file a config names (a missing NUT password file is an error)."""

from __future__ import annotations

import re
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "agent.yaml"


def example_with_its_files(directory: Path) -> Path:
    """The example config with the files it names (``/etc/sansang/…``) made under
    ``directory``: check-config reads them."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in set(re.findall(r"/etc/sansang/([\w./-]+)", text)):
        made = directory / name
        made.parent.mkdir(parents=True, exist_ok=True)
        made.write_text("x\n", encoding="utf-8")
    config = directory / "agent.yaml"
    config.write_text(text.replace("/etc/sansang/", f"{directory}/"), encoding="utf-8")
    return config
