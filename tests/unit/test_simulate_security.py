"""The simulated province's counter PCs (SEC-MEASURES): about seven sites in ten in order, one
fault each at the others, deterministic for a seed; the times a machine reports advance with the
scenario's time (never past it), so the agent re-journals the machine as they change."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from agent.config.security import SecurityHost
from simulate.files import prepare
from simulate.scenario import COUNTER_PC, SECURITY_FAULTS, Scenario, SiteWorld

END = datetime(2026, 11, 11, 15, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()
DAY = 86400.0


def _planned(n: int = 20, seed: int = 1) -> Scenario:
    scenario = Scenario.build(n, seed)
    scenario.plan_history(END - 3 * DAY, END)
    return scenario


def test_seven_in_ten_sites_are_in_order_and_each_fault_is_shown_once() -> None:
    scenario = _planned()
    faults = Counter(s.security_fault for s in scenario.sites)
    assert faults == {None: 14, **dict.fromkeys(SECURITY_FAULTS, 1)}
    again = Scenario.build(20, 1)
    assert [s.security_fault for s in again.sites] == [s.security_fault for s in scenario.sites]
    other = Scenario.build(20, 2)
    assert [s.security_fault for s in other.sites] != [s.security_fault for s in scenario.sites]
    assert [s.security_fault for s in Scenario.build(1, 1).sites] == [None]


def test_each_fault_shows_in_what_the_machine_says() -> None:
    scenario = _planned()
    t = END - 3600  # 14:00, no site's afternoon cut assumed: pick powered moments below
    for site in scenario.sites:
        world = SiteWorld(scenario, site)
        moment = next(x for x in (t, END - 6 * 3600, END - 20 * 3600) if world.powered(x))
        answer = world.security(COUNTER_PC.id, moment)
        fault = site.security_fault
        if fault == "unreachable":
            assert answer.reason == "timeout"
            continue
        if answer.reason is not None:  # restarting at that moment (a glitch of 20 minutes)
            continue
        f = answer.facts
        assert f.firewall is (fault != "firewall_off") and f.antivirus is True
        assert f.realtime is (fault != "realtime_off") and f.time_sync is True
        assert f.signature_at is not None and f.update_at is not None
        assert f.backup_at is not None
        ages = {k: (moment - v) / DAY for k, v in
                (("sig", f.signature_at), ("upd", f.update_at), ("bak", f.backup_at))}  # fmt: skip
        assert all(a >= 0 for a in ages.values()), (site.key, ages)  # never after the check
        # A fault's stuck time counts back from the history's end (the window's end).
        stuck = 10 * DAY <= END - f.signature_at <= 20 * DAY
        assert stuck if fault == "old_signatures" else ages["sig"] < 2
        assert f.update_at == int(END - 45 * DAY) if fault == "no_updates" else ages["upd"] < 8
        assert f.backup_at == int(END - 12 * DAY) if fault == "old_backup" else ages["bak"] < 2


def test_signatures_advance_daily_and_a_machine_without_power_does_not_answer() -> None:
    scenario = _planned()
    site = next(s for s in scenario.sites if s.security_fault is None and not s.mountain)
    world = SiteWorld(scenario, site)
    seen = []
    for hour in range(0, 72):
        t = END - 3 * DAY + hour * 3600
        answer = world.security(COUNTER_PC.id, t)
        if answer.reason is None and answer.facts.signature_at is not None:
            seen.append(answer.facts.signature_at)
    assert seen == sorted(seen) and len(set(seen)) >= 3  # a new one every morning
    mountain = next(s for s in scenario.sites if s.mountain)
    world = SiteWorld(scenario, mountain)
    dark = [t for t in (END - 3 * DAY + m * 600 for m in range(432)) if not world.powered(t)]
    assert dark and all(world.security(COUNTER_PC.id, t).reason == "timeout" for t in dark)


def test_every_site_checks_its_counter_pc_over_ssh(tmp_path: Path) -> None:
    scenario = Scenario.build(3, 1)
    prepared = prepare(scenario, tmp_path / "sim", collector_listen="127.0.0.1:1")
    for site in scenario.sites:
        (host,) = prepared.configs[site.key].security.hosts
        assert isinstance(host, SecurityHost)
        assert (host.id, host.name, host.os) == (COUNTER_PC.id, COUNTER_PC.name, "windows")
        assert host.backup_path and host.key_file.stat().st_mode & 0o077 == 0
        assert host.host.startswith(site.lan + ".")
