"""The config `make run` uses starts a real agent whose every check succeeds on this machine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.support import wait_until
from tests.support.agent import running_agent
from tests.support.env import REPO
from tests.support.net import free_port

pytestmark = pytest.mark.integration


def _local_config(tmp_path: Path) -> dict[str, object]:
    text = (REPO / "deploy/examples/agent-local.yaml").read_text(encoding="utf-8")
    port = free_port()
    text = text.replace("9717", str(port))  # the agent checks its own port: move them together
    config: dict[str, object] = YAML(typ="safe").load(text)
    config["journal"] = {"path": str(tmp_path / "journal.db")}
    return config


def test_every_check_of_the_make_run_config_succeeds(tmp_path: Path) -> None:
    config = _local_config(tmp_path)
    with running_agent(config, tmp_path) as agent:
        expected = {"host", "loopback", "agent-status", "this-machine"}

        def all_succeeded() -> dict[str, float] | None:
            found = {
                m.group(1): float(m.group(2))
                for m in re.finditer(
                    r'^sansang_probe_success\{check="([^"]+)",probe="[^"]+"\} (\S+)$',
                    agent.metrics(),
                    re.M,
                )
            }
            return found if set(found) == expected and all(found.values()) else None

        # start_spread 0.2 of a 15 s interval: every first run is due within 3 s.
        wait_until(all_succeeded, 15, "every check of agent-local.yaml to succeed")
