"""The router check's readers and verdict on recorded answers (tests/unit/fixtures/routers/):
each profile with its WAN up, down and without address; garbage; huge answers; the profiles file
itself; the config's `ssh:` of a router terminal."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from agent import config
from agent.config import Terminal
from agent.jobs import build_jobs
from agent.metrics.catalogue import CATALOGUE
from agent.probes import PROBES
from agent.probes import _router_parse as p
from agent.probes._router_profiles import PROFILES_FILE, Profiles, profiles
from agent.probes._ssh import Result, SshFailure
from agent.probes.router import OUTPUT_CAP, RouterSpec, outcome, read_answers
from agent.state import SiteState
from agent.web.status import StatusPage
from sansang import i18n
from sansang.configfile import ConfigError, load_model, validate_text
from sansang.reasons import Reason
from tests.support.router_answers import FIXTURES, SCENARIOS, WAN, answers

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKspVgZjGC8tj0pSPvU6+/Tvogj/dd/BK6nTJnIHaiy7"


def verdict(
    profile: str, scenario: str, wan: str | None = None
) -> tuple[bool, Reason, dict[str, str | int | bool]]:
    said = answers(profile, scenario)
    prof = profiles()[profile]
    results = [Result(0, said[c.command], False) for c in prof.commands]
    facts, notes = read_answers(prof, results)
    out = outcome(facts, wan or WAN[profile], notes)
    return out.success, out.reason, out.state_details


@pytest.mark.parametrize("profile", sorted(WAN))
@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("up", (True, "ok", "up")),
        ("wan_down", (False, "wan_down", "down")),
        ("no_address", (False, "no_wan_address", "no_address")),
    ],
)
def test_each_profile_reads_its_recordings(
    profile: str, scenario: str, expected: tuple[bool, str, str]
) -> None:
    success, reason, details = verdict(profile, scenario)
    assert (success, reason, details["wan_state"]) == expected
    assert details["wan_interface"] == WAN[profile]


def test_openwrt_facts() -> None:
    said = answers("openwrt", "up")
    facts = p.merge(
        [
            p.ip_link_json(said["ip -j -s link"]),
            p.ip_addr_json(said["ip -j addr"]),
            p.proc_uptime(said["cat /proc/uptime"]),
            p.ubus_interface(said["ubus call network.interface.wan status"], "wan"),
        ]
    )
    assert facts.interfaces["wan"].addresses == ("192.0.2.10/24",)
    eth1 = facts.interfaces["eth1"]
    assert (eth1.admin_up, eth1.oper_up, eth1.addresses) == (True, True, ("192.0.2.10/24",))
    assert eth1.rx_errors == 0 and eth1.tx_errors == 0
    assert facts.interfaces["lo"].addresses == ()  # loopback is no WAN address
    assert facts.uptime_seconds == 5969.97
    down = p.ip_link_json(answers("openwrt", "wan_down")["ip -j -s link"])
    eth1_down = next(i for i in down.interfaces if i.name == "eth1")
    assert (eth1_down.admin_up, eth1_down.oper_up) == (True, False)  # LOWERLAYERDOWN


def test_openwrt_without_ubus_uses_the_device() -> None:
    """A plain Linux router: ubus missing (optional), the WAN named by its device."""
    prof = profiles()["openwrt"]
    said = answers("openwrt", "up")
    results = [
        Result(127, "", False) if c.optional else Result(0, said[c.command], False)
        for c in prof.commands
    ]
    facts, notes = read_answers(prof, results)
    assert notes == ["ubus call network.interface.wan status unavailable"]
    assert outcome(facts, "eth1").success
    missing = outcome(facts, "wan")
    assert (missing.reason, missing.state_details["wan_state"]) == ("wan_down", "missing")
    assert "no interface 'wan'" in missing.detail and "eth1" in missing.detail


def test_routeros_flags_and_uptime() -> None:
    real = p.routeros_interfaces((FIXTURES / "routeros/interface-print-terse.ntc.raw").read_text())
    by_name = {i.name: i for i in real.interfaces}
    assert len(by_name) == 11
    assert (by_name["ether2_UniFi2"].admin_up, by_name["ether2_UniFi2"].oper_up) == (True, True)
    assert (by_name["bridge-VLAN2"].admin_up, by_name["bridge-VLAN2"].oper_up) == (False, False)
    assert by_name["ether3 UniFi1"].oper_up is False  # a name with a space, as RouterOS allows
    resource = p.routeros_resource(
        (FIXTURES / "routeros/system-resource-print.ntc1.raw").read_text()
    )
    assert resource.uptime_seconds == 6 * 604800 + 5 * 86400 + 11 * 3600 + 55 * 60 + 45
    addresses = p.routeros_addresses((FIXTURES / "routeros/ip-address-terse-up.txt").read_text())
    assert {i.name: i.addresses for i in addresses.interfaces} == {
        "bridge": ("192.168.88.1/24",),
        "ether1": ("203.0.113.45/24",),  # ether5's address is disabled (X)
    }


def test_ios_readers_on_the_real_recordings() -> None:
    shown = p.ios_interfaces((FIXTURES / "ios/show-interfaces.ntc3.raw").read_text())
    by_name = {i.name: i for i in shown.interfaces}
    assert by_name["GigabitEthernet0/1"].admin_up is False
    wan = by_name["FastEthernet0/1/0.50"]
    assert (wan.oper_up, wan.addresses) == (True, ("192.20.194.29/30",))
    assert (by_name["GigabitEthernet0/0"].rx_errors, by_name["GigabitEthernet0/0"].tx_errors) == (
        0,
        0,
    )
    brief = p.ios_ip_brief((FIXTURES / "ios/show-ip-interface-brief.ntc.raw").read_text())
    rows = {i.name: (i.admin_up, i.oper_up, i.addresses) for i in brief.interfaces}
    assert rows["Ethernet0/1"] == (True, True, ("1.1.1.1/32",))
    assert rows["Ethernet0/2"] == (False, False, ())
    version = p.ios_version((FIXTURES / "ios/show-version.ntc1.raw").read_text())
    assert version.uptime_seconds == 28 * 604800 + 86400 + 7 * 3600 + 54 * 60


def test_samples_are_catalogued_and_bounded() -> None:
    said = answers("ios", "up")
    prof = profiles()["ios"]
    facts, _ = read_answers(prof, [Result(0, said[c.command], False) for c in prof.commands])
    out = outcome(facts, WAN["ios"])
    catalogue = {m.name: m for m in CATALOGUE}
    for s in out.samples:
        assert s.name in catalogue
        assert set(s.labels) | {"check"} == set(catalogue[s.name].labels)
    first = out.samples[0]
    assert (first.name, first.labels, first.value) == (
        "sansang_router_interface_up",
        {"interface": "FastEthernet0/1/0.50"},
        1.0,
    )
    errors = [s for s in out.samples if s.name == "sansang_router_interface_errors_total"]
    assert {s.labels["direction"] for s in errors} == {"rx", "tx"} and not any(
        s.increment for s in errors
    )  # the router's own total, exposed as it is
    assert catalogue["sansang_router_interface_errors_total"].type == "counter"
    uptime = [s.value for s in out.samples if s.name == "sansang_router_uptime_seconds"]
    assert uptime == [28 * 604800 + 86400 + 7 * 3600 + 54 * 60]
    many = p.RouterFacts({f"ge{n}": p.Interface(f"ge{n}", True, True) for n in range(500)})
    assert len(outcome(many, "ge499").samples) == 64
    assert outcome(many, "ge499").samples[0].labels == {"interface": "ge499"}


@pytest.mark.parametrize("profile", sorted(WAN))
@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "bash: ip: command not found\n",
        "% Invalid input detected at '^' marker.\n",
        "bad command name print (line 1 column 12)\n",
        '{"up": "yes"}',
        "[" * 100_000,
    ],
)
def test_garbage_is_command_failed(profile: str, garbage: str) -> None:
    prof = profiles()[profile]
    results = [Result(0, garbage, False) for _ in prof.commands]
    with pytest.raises(SshFailure) as failure:
        read_answers(prof, results)
    assert failure.value.reason == "command_failed"
    assert "unreadable answer to" in failure.value.detail


@pytest.mark.parametrize("profile", sorted(WAN))
def test_huge_answers_are_read_in_linear_time(profile: str) -> None:
    """Answers cut at the cap: long lines, long runs of spaces, endless `key=` words."""
    prof = profiles()[profile]
    said = answers(profile, "up")
    started = time.monotonic()
    for filler in ("x" * OUTPUT_CAP, " " * OUTPUT_CAP, " 0  R  " + "a=b " * (OUTPUT_CAP // 4)):
        results = [
            Result(0, (said[c.command] + "\n" + filler)[:OUTPUT_CAP], True) for c in prof.commands
        ]
        try:
            facts, notes = read_answers(prof, results)
        except SshFailure as failure:  # a JSON answer cut short is unreadable, and says so
            assert failure.reason == "command_failed" and "cut at" in failure.detail
            continue
        assert outcome(facts, WAN[profile]).success
        assert any("cut at" in n for n in notes)
    assert time.monotonic() - started < 5.0


def test_the_shipped_profiles() -> None:
    known = profiles()
    assert set(known) >= {"openwrt", "routeros", "ios"}
    assert known["ios"].sent()[0] == "terminal length 0"
    for prof in known.values():
        assert all(c.read in p.READERS for c in prof.commands)
        assert not any(word in line for line in prof.sent() for word in ("set ", "rm ", ";", "|"))


def test_a_broken_profiles_file_names_line_and_field(tmp_path: Path) -> None:
    text = PROFILES_FILE.read_text(encoding="utf-8").replace(
        "read: routeros_resource", "read: routeros_resources"
    )
    broken = tmp_path / "router_profiles.yaml"
    broken.write_text(text + "evil:\n  description: x\n  wan_interface: a\n  commands:\n"
                      "    - command: \"show run\\nreload\"\n      read: ios_version\n",
                      encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError) as err:
        load_model(Profiles, broken)
    said = str(err.value)
    assert "routeros.commands.2.read" in said and "unknown reader 'routeros_resources'" in said
    assert "evil.commands.0.command" in said and "one non-empty line" in said


def router_terminal(**ssh: object) -> dict[str, object]:
    access = {"user": "sansang", "key_file": "/etc/sansang/router_ed25519", "host_key": HOST_KEY}
    return {"id": "router", "kind": "router", "address": "192.0.2.1", "ssh": access | ssh}


def test_a_router_terminal_becomes_a_router_check() -> None:
    spec = Terminal.model_validate(router_terminal(profile="routeros")).spec()
    assert isinstance(spec, RouterSpec)
    assert (spec.host, spec.ssh.port, spec.wan, spec.interval, spec.timeout) == (
        "192.0.2.1",
        22,
        "ether1",
        60.0,
        20.0,
    )
    own = Terminal.model_validate(
        router_terminal(profile="ios", wan_interface="Dialer1") | {"check": {"timeout": 8}}
    ).spec()
    assert isinstance(own, RouterSpec) and (own.wan, own.timeout) == ("Dialer1", 8.0)
    assert PROBES["router"].category == "terminal"


@pytest.mark.parametrize(
    ("terminal", "message"),
    [
        (router_terminal(profile="junos"), "unknown profile 'junos'"),
        (router_terminal(profile="ios", host_key="ssh-ed25519"), "host_key must be"),
        (router_terminal(profile="ios") | {"kind": "printer"}, "`ssh` is for a router"),
    ],
)
def test_router_terminal_errors(terminal: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Terminal.model_validate(terminal)


def test_reasons_have_vietnamese_words() -> None:
    for code in ("wan_down", "no_wan_address"):
        vi, en = i18n.REASONS[code]
        assert "WAN" in vi and vi != en
    assert set(SCENARIOS) == {"up", "wan_down", "no_address"}


ROUTER_YAML = f"""\
site:
  commune_code: "23527"
  name: "Bộ phận một cửa Xã Sa Thầy"
  latitude: 14.4167
  longitude: 107.7833
terminals:
  - id: router
    name: Router của xã
    kind: {{kind}}
    address: 192.0.2.1
    ssh:
      user: sansang
      key_file: /etc/sansang/router_ed25519
      host_key: "{HOST_KEY}"
      profile: {{profile}}
"""


def load_router(kind: str = "router", profile: str = "routeros") -> config.AgentConfig:
    return validate_text(
        config.AgentConfig,
        ROUTER_YAML.format(kind=kind, profile=profile),
        "agent.yaml",
        union_tags=config.PROBE_TAGS,
        cross_check=config.cross_check,
    )


def test_config_errors_name_file_line_and_field() -> None:
    with pytest.raises(ConfigError) as caught:
        load_router(profile="junos")
    assert "agent.yaml:15: terminals.0.ssh.profile: unknown profile" in caught.value.render()
    with pytest.raises(ConfigError) as caught:
        load_router(kind="switch")
    assert "`ssh` is for a router (kind: router), not a 'switch'" in caught.value.render()


def test_the_status_page_names_the_wan_interface() -> None:
    cfg = load_router()
    [job] = [j for j in build_jobs(cfg) if j.role == "terminal"]
    state = SiteState([job], lambda _when: True)
    page = StatusPage(cfg.site, state)
    prof = profiles()["routeros"]
    said = answers("routeros", "wan_down")
    facts, _ = read_answers(prof, [Result(0, said[c.command], False) for c in prof.commands])
    state.record(job, outcome(facts, "ether1"), 0.01, 1000.0, 10**9)
    vi = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.render("vi", 1000.0, [])))
    assert "cổng WAN của bộ định tuyến mất kết nối" in vi and "(cổng WAN ether1)" in vi
