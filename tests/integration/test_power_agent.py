"""The agent watching a real UPS: NUT's upsd with the dummy-ups driver, the real agent process.

Every change of the UPS (the dummy-ups file rewritten) must show in ``/metrics`` and in the
journal within the poll interval plus 2 s, measured from the rewrite.  The driver is killed
(UPS communication lost) and restarted; the agent is killed with SIGKILL in the middle of an
outage and the outage is still measured whole when it ends; upsd itself is stopped and restarted
while the UPS is on battery with a low battery, shorter and longer than the grace before silence
counts as the UPS running out.
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


def agent_config(lab: NutLab, workdir: Path, **power: str) -> dict[str, Any]:
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
            **power,
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
    agent: AgentProcess, after: int, kind: str, state: str | None, deadline: float
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


# The grace before a silent UPS on low battery counts as run out, shortened for the test: the
# shipped default is 30 s with a 5 s poll (power.silent_depletion_grace, power.interval).  An upsd
# restart here is about 2 s of refused connections and WAIT, as NUT's driver poll is 1 s.
GRACE = 10.0


@pytest.fixture
def grace_agent(lab: NutLab, tmp_path: Path) -> Iterator[AgentProcess]:
    workdir = tmp_path / "agent"
    workdir.mkdir()
    config = agent_config(lab, workdir, silent_depletion_grace=f"{GRACE:g}s")
    with running_agent(config, workdir) as agent:
        wait_until(
            lambda: agent.sample("sansang_power_source_up", source="ups-1", probe="nut") == 1.0,
            10,
            "the agent's first poll of the UPS",
        )
        yield agent


def seconds_between(a: dict[str, Any], b: dict[str, Any]) -> float:
    assert a["boot_id"] == b["boot_id"]
    return (int(b["monotonic_ns"]) - int(a["monotonic_ns"])) / 1e9


def test_upsd_stopped_on_low_battery_is_unknown_within_the_grace_and_retracted_after(
    lab: NutLab, grace_agent: AgentProcess
) -> None:
    agent, src = grace_agent, {"source": "ups-1"}
    holdup = {"window": "24h"}
    change(lab, agent, "OB DISCHRG", ("sansang_power_on_battery", src, 1.0),
           ("mains_state", "lost"), charge=40, runtime=900)  # fmt: skip
    change(lab, agent, "OB DISCHRG LB", ("sansang_power_battery_low", src, 1.0),
           ("battery_low", "low"), charge=15, runtime=120)  # fmt: skip

    # upsd restarted within the grace: silent for a few polls, and nothing ran out.
    after = last_seq(agent)
    lab.stop_upsd()
    down = wait_event(agent, after, "power_source_state", "down", LIMIT)
    lab.start_upsd()
    lab.wait_ready()
    up = wait_event(agent, after, "power_source_state", "up", LIMIT)
    silent = seconds_between(down, up)  # about 2 s: upsd serves WAIT until the driver's data
    assert silent < GRACE, f"silent {silent:.1f} s: the machine is too slow for this grace"
    assert [e for e in agent.events(after) if e["kind"] == "ups_depleted"] == []
    assert agent.sample("sansang_power_ups_holdup_shortest_seconds", **holdup) is None

    # upsd down for longer than the grace: the UPS is journalled as run out...
    after = last_seq(agent)
    lab.stop_upsd()
    down = wait_event(agent, after, "power_source_state", "down", LIMIT)
    depleted = wait_event(agent, after, "ups_depleted", "depleted", GRACE + LIMIT)
    assert depleted["details"]["how"] == "silent_after_low_battery"
    assert depleted["details"]["silent_seconds"] >= GRACE
    assert seconds_between(down, depleted) >= GRACE - POLL  # not before the grace ran out
    assert depleted["value"] > 0
    held = depleted["value"]
    wait_until(
        lambda: agent.sample("sansang_power_ups_holdup_shortest_seconds", **holdup) == held,
        LIMIT,
        "the hold-up figure",
    )

    # ...and upsd back with the UPS still on battery takes it back.
    lab.start_upsd()
    lab.wait_ready()
    retracted = wait_event(agent, after, "ups_depletion_retracted", None, LIMIT)
    assert retracted["subject"] == "ups-1" and retracted["seq"] > depleted["seq"]
    assert retracted["details"]["how"] == "silent_after_low_battery"
    assert retracted["details"]["silent_seconds"] >= GRACE
    wait_until(
        lambda: agent.sample("sansang_power_ups_holdup_shortest_seconds", **holdup) is None,
        LIMIT,
        "no hold-up figure once retracted",
    )

    _, _, restored = change(
        lab, agent, "OL CHRG", ("sansang_power_mains_present", src, 1.0),
        ("mains_state", "restored"), charge=16,
    )  # fmt: skip
    assert restored is not None
    assert restored["details"]["depleted"] is False
    assert restored["details"]["battery_low_reached"] is True
