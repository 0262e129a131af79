"""The agent watching a real UPS: NUT's upsd with the dummy-ups driver, the real agent process.

Every change of the UPS (the dummy-ups file rewritten) must show in ``/metrics`` and in the
journal within the poll interval plus 2 s, measured from the rewrite.  The driver is killed
(UPS communication lost) and restarted; the agent is killed with SIGKILL in the middle of an
outage and the outage is still measured whole when it ends.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.nutlab import NutLab, skip_without_nut
from tests.support import wait_until
from tests.support.agent import AgentProcess, running_agent
from tests.support.net import free_port, http_get

pytestmark = [pytest.mark.integration, skip_without_nut]

POLL = 1.0  # the agent's poll interval for the UPS
LIMIT = POLL + 2.0  # the bound: poll interval plus 2 s


def agent_config(lab: NutLab, workdir: Path) -> dict[str, Any]:
    return {
        "site": {
            "commune_code": "23527",
            "name": "Bộ phận Một cửa xã Sa Thầy (thử nghiệm)",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        "power": {
            "interval": f"{POLL:g}s",
            "timeout": "1s",
            "sources": [
                {"id": "ups-1", "name": "UPS quầy", "source": {"probe": "nut", **lab.spec()}}
            ],
        },
    }


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[NutLab]:
    with NutLab(tmp_path / "nut", poll_interval=1) as lab:
        yield lab


@pytest.fixture
def agent(lab: NutLab, tmp_path: Path) -> Iterator[AgentProcess]:
    workdir = tmp_path / "agent"
    workdir.mkdir()
    with running_agent(agent_config(lab, workdir), workdir) as agent:
        wait_until(
            lambda: agent.sample("sansang_power_source_up", source="ups-1", probe="nut") == 1.0,
            10,
            "the agent's first poll of the UPS",
        )
        yield agent


def flag(agent: AgentProcess, name: str) -> float | None:
    return agent.sample("sansang_power_ups_status", source="ups-1", flag=name)


def wait_event(
    agent: AgentProcess, after: int, kind: str, state: str, deadline: float
) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def seen() -> bool:
        found[:] = [e for e in agent.events(after) if (e["kind"], e["state"]) == (kind, state)]
        return bool(found)

    wait_until(seen, deadline, f"{kind} {state} in the journal")
    return found[0]


def last_seq(agent: AgentProcess) -> int:
    events = agent.events()
    return int(events[-1]["seq"]) if events else 0


def change(
    lab: NutLab,
    agent: AgentProcess,
    status: str,
    metric: tuple[str, dict[str, str], float],
    event: tuple[str, str] | None,
    **numbers: float,
) -> tuple[float, float | None, dict[str, Any] | None]:
    """Rewrite the UPS's state; wait for the metric and the event, each within LIMIT.
    Returns (seconds to the metric, seconds to the event, the event)."""
    after = last_seq(agent)
    started = time.monotonic()
    lab.set_status(status, **numbers)
    name, labels, expected = metric
    wait_until(
        lambda: agent.sample(name, **labels) == expected, LIMIT, f"{name}{labels} == {expected}"
    )
    to_metric = time.monotonic() - started
    if event is None:
        return to_metric, None, None
    found = wait_event(agent, after, *event, deadline=max(0.1, LIMIT - to_metric))
    return to_metric, time.monotonic() - started, found


def test_outage_with_low_battery_then_return_in_metrics_and_journal(
    lab: NutLab, agent: AgentProcess
) -> None:
    src = {"source": "ups-1"}
    _, _, lost = change(
        lab, agent, "OB DISCHRG", ("sansang_power_on_battery", src, 1.0),
        ("mains_state", "lost"), charge=90, runtime=1200,
    )  # fmt: skip
    assert lost is not None and lost["details"]["source"] == "ups-1"
    assert lost["details"]["charge_ratio"] == 0.9
    assert agent.sample("sansang_power_site_mains_present") == 0.0
    assert agent.sample("sansang_power_battery_runtime_seconds", **src) == 1200.0
    change(
        lab, agent, "OB DISCHRG LB", ("sansang_power_battery_low", src, 1.0),
        ("battery_low", "low"), charge=20, runtime=120,
    )  # fmt: skip
    _, _, restored = change(
        lab, agent, "OL CHRG", ("sansang_power_mains_present", src, 1.0),
        ("mains_state", "restored"), charge=21,
    )  # fmt: skip
    assert restored is not None
    assert restored["details"]["class"] == "momentary"
    assert restored["details"]["battery_low_reached"] is True
    assert 1.0 < restored["value"] < 30
    assert flag(agent, "CHRG") == 1.0 and flag(agent, "OB") == 0.0
    out = {"window": "24h", "class": "momentary"}
    wait_until(lambda: agent.sample("sansang_power_outages", **out) == 1.0, 2, "summary")
    page = agent.metrics()
    assert 'sansang_power_ups_status{source="ups-1",flag="LB"} 0' in page


def test_bypass_and_forced_shutdown(lab: NutLab, agent: AgentProcess) -> None:
    src = {"source": "ups-1"}
    change(lab, agent, "OL BYPASS", ("sansang_power_ups_status", src | {"flag": "BYPASS"}, 1.0),
           ("ups_bypass", "on"))  # fmt: skip
    change(lab, agent, "OL", ("sansang_power_ups_status", src | {"flag": "BYPASS"}, 0.0),
           ("ups_bypass", "off"))  # fmt: skip
    change(lab, agent, "OB DISCHRG", ("sansang_power_on_battery", src, 1.0),
           ("mains_state", "lost"))  # fmt: skip
    _, _, depleted = change(
        lab, agent, "OB LB FSD", ("sansang_power_ups_status", src | {"flag": "FSD"}, 1.0),
        ("ups_depleted", "depleted"),
    )  # fmt: skip
    assert depleted is not None and depleted["details"]["how"] == "forced_shutdown"
    assert depleted["value"] > 0
    kinds = [e["kind"] for e in agent.events() if e["kind"] != "power_source_state"]
    # The order a person would tell it: FSD raised, then the UPS gave out.
    assert kinds[-2:] == ["ups_forced_shutdown", "ups_depleted"]


def test_driver_killed_is_communication_lost_and_restart_restores_it(
    lab: NutLab, agent: AgentProcess
) -> None:
    up = {"source": "ups-1", "probe": "nut"}
    after = last_seq(agent)
    started = time.monotonic()
    lab.kill_driver()
    wait_until(lambda: agent.sample("sansang_power_source_up", **up) == 0.0, LIMIT, "up == 0")
    lost = wait_event(agent, after, "power_source_state", "down", LIMIT)
    assert time.monotonic() - started < LIMIT
    assert lost["details"]["reason"] in ("driver_not_connected", "data_stale")
    assert flag(agent, "OL") is None  # unknown while silent: absent, not 0
    lab.start_driver()
    lab.wait_ready()
    wait_until(lambda: agent.sample("sansang_power_source_up", **up) == 1.0, LIMIT, "up == 1")
    wait_event(agent, after, "power_source_state", "up", LIMIT)


def test_outage_survives_an_agent_killed_in_the_middle(
    lab: NutLab, agent: AgentProcess, tmp_path: Path
) -> None:
    src = {"source": "ups-1"}
    change(lab, agent, "OB DISCHRG", ("sansang_power_on_battery", src, 1.0),
           ("mains_state", "lost"))  # fmt: skip
    lost_at = time.monotonic()
    agent.kill9()
    agent.start()  # same config, same journal
    wait_until(lambda: agent.sample("sansang_power_on_battery", **src) == 1.0, 10, "re-read")
    _, _, restored = change(
        lab, agent, "OL", ("sansang_power_mains_present", src, 1.0), ("mains_state", "restored")
    )
    assert restored is not None
    # One outage, measured whole across the restart (same boot: the monotonic clock).
    assert restored["details"]["duration_clock"] == "monotonic"
    assert restored["value"] == pytest.approx(time.monotonic() - lost_at, abs=LIMIT)
    mains = [e["state"] for e in agent.events() if e["kind"] == "mains_state"]
    assert mains == ["lost", "restored"]


def test_status_page_tells_the_technician(lab: NutLab, agent: AgentProcess) -> None:
    change(lab, agent, "OB DISCHRG", ("sansang_power_on_battery", {"source": "ups-1"}, 1.0),
           None, charge=55, runtime=600)  # fmt: skip
    page = http_get(agent.base_url + "/").decode()
    assert "Mất điện lưới từ" in page and "pin còn 55 %" in page and "còn khoảng 10 phút" in page
