"""The router check over real SSH (tests/integration/routerlab.py): a real sshd on loopback whose
account answers the profile's fixed commands with recordings (tests/unit/fixtures/routers/) and
refuses anything else; the check's own paramiko client, host-key pinning and deadline for real.
Every test asserts which command lines reached the "router", so a command that is not in the
profile would fail it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import config as agent_config
from agent.jobs import build_jobs
from agent.journal.store import Journal
from agent.probes import router
from agent.probes._router_profiles import profiles
from agent.probes.base import Outcome, ProbeContext
from agent.runner import Runner
from agent.state import SiteState
from sansang.event_details import DETAILS
from sansang.events import Change
from tests.integration.routerlab import RouterLab
from tests.integration.sshlab import USER, keygen, skip_without_sshd
from tests.support.router_answers import WAN, answers

pytestmark = [pytest.mark.integration, skip_without_sshd]

TIMEOUT = 10.0  # a check's limit here; generous for a loaded CI machine


@pytest.fixture(scope="module")
def lab() -> Iterator[RouterLab]:
    with RouterLab() as started:
        yield started


def check(lab: RouterLab, profile: str, **access: object) -> Outcome:
    spec = router.RouterSpec(
        host=lab.host,
        ssh=router.RouterAccess.model_validate(
            {
                "port": lab.port,
                "user": USER,
                "key_file": lab.client_key,
                "host_key": lab.host_key,
                "profile": profile,
                "wan_interface": WAN[profile],
                **access,
            }
        ),
    )
    ctx = ProbeContext("router", TIMEOUT, logging.getLogger("test.router"))
    return asyncio.run(router.run(spec, ctx))


def sent_since(lab: RouterLab, before: int) -> list[str]:
    return lab.ran()[before:]


@pytest.mark.parametrize("profile", ["openwrt", "routeros", "ios"])
def test_each_profile_up_through_ssh(lab: RouterLab, profile: str) -> None:
    lab.answer(answers(profile, "up"))
    before, refused = len(lab.ran()), len(lab.refused())
    outcome = check(lab, profile)
    assert outcome.success, outcome.detail
    assert outcome.state_details == {"wan_interface": WAN[profile], "wan_state": "up"}
    assert sent_since(lab, before) == list(profiles()[profile].sent())
    assert len(lab.refused()) == refused
    names = {s.name for s in outcome.samples}
    assert {"sansang_router_interface_up", "sansang_router_uptime_seconds"} <= names


@pytest.mark.parametrize("profile", ["openwrt", "routeros", "ios"])
def test_wan_down_is_down(lab: RouterLab, profile: str) -> None:
    lab.answer(answers(profile, "wan_down"))
    before, refused = len(lab.ran()), len(lab.refused())
    outcome = check(lab, profile)
    assert (outcome.success, outcome.reason) == (False, "wan_down")
    assert outcome.state_details["wan_state"] == "down"
    assert sent_since(lab, before) == list(profiles()[profile].sent())
    assert len(lab.refused()) == refused


def test_a_missing_optional_command_is_no_failure(lab: RouterLab) -> None:
    """A Linux router without ubus: the command is refused there, the check reads the device."""
    said = answers("openwrt", "up")
    said.pop("ubus call network.interface.wan status")
    lab.answer(said)
    refused_before = len(lab.refused())
    outcome = check(lab, "openwrt", wan_interface="eth1")
    assert outcome.success, outcome.detail
    assert "ubus call network.interface.wan status unavailable" in outcome.detail
    assert lab.refused()[refused_before:] == ["ubus call network.interface.wan status"]


def test_wrong_pinned_host_key_sends_nothing(lab: RouterLab, tmp_path: Path) -> None:
    lab.answer(answers("routeros", "up"))
    before, refused, logins = len(lab.ran()), len(lab.refused()), logged_in(lab)
    outcome = check(lab, "routeros", host_key=keygen(tmp_path / "another_host_key"))
    assert (outcome.success, outcome.reason) == (False, "host_key_mismatch")
    assert outcome.state_details == {"wan_interface": "ether1", "wan_state": "unknown"}
    assert "nothing was sent" in outcome.detail
    assert sent_since(lab, before) == [] and len(lab.refused()) == refused
    assert logged_in(lab) == logins  # it never even logged in


def logged_in(lab: RouterLab) -> int:
    return lab.log().count("Accepted publickey")


def test_router_state_lands_in_the_journal(lab: RouterLab, tmp_path: Path) -> None:
    """Through config, jobs, runner, state and journal: up, then the WAN goes down, then it comes
    back without an address: still down, but journalled again since wan_state changed."""
    path = tmp_path / "agent.yaml"
    path.write_text(
        "site: {commune_code: '23527', name: Xã Sa Thầy, latitude: 14.4, longitude: 107.8}\n"
        "host: {enabled: false}\n"
        "terminals:\n"
        "  - id: router\n"
        "    name: Bộ định tuyến\n"
        "    kind: router\n"
        f"    address: {lab.host}\n"
        "    check: {timeout: 10s}\n"
        "    ssh:\n"
        f"      port: {lab.port}\n"
        f"      user: {USER}\n"
        f"      key_file: {lab.client_key}\n"
        f"      host_key: {lab.host_key}\n"
        "      profile: ios\n"
        f"      wan_interface: {WAN['ios']}\n",
        encoding="utf-8",
    )
    jobs = build_jobs(agent_config.load(path))
    assert [(j.id, j.probe.name) for j in jobs] == [("router", "router")]
    refused = len(lab.refused())
    journal = Journal(tmp_path / "journal.db", boot_id="test-boot")

    async def journalled(changes: list[Change]) -> None:
        for c in changes:
            journal.append(c.kind, c.subject, c.state, c.value, c.details)

    async def runs() -> None:
        runner = Runner(jobs, SiteState(jobs, lambda _when: True), journalled)
        for scenario in ("up", "up", "wan_down", "no_address"):
            lab.answer(answers("ios", scenario))
            await runner.run_once(jobs[0])

    asyncio.run(runs())
    events = journal.of_kinds(["terminal_state"], 0)
    journal.close()
    assert [(e.state, e.details["reason"], e.details["wan_state"]) for e in events] == [
        ("up", "ok", "up"),
        ("down", "wan_down", "down"),
        ("down", "no_wan_address", "no_address"),
    ]
    for e in events:
        assert e.details["wan_interface"] == WAN["ios"] and e.details["probe"] == "router"
        DETAILS["terminal_state"].model_validate(e.details, strict=True)
    assert len(lab.refused()) == refused
