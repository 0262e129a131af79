"""The security check's reading of what machines answer, on recorded answers
(tests/unit/fixtures/security/README.md says where each comes from); and what the agent makes of
the facts: the config, the jobs, the ``security_state`` events and the status page.

The SSH conversation itself runs against a real sshd in tests/integration/test_security_ssh.py.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agent import config as agent_config
from agent.config import Site
from agent.jobs import STATE_EVENT, build_jobs
from agent.metrics.catalogue import BY_NAME
from agent.probes import PROBES, security
from agent.probes import _security_parse as p
from agent.probes.base import Outcome
from agent.state import SiteState
from agent.web.status import StatusPage
from sansang.configfile import ConfigError
from sansang.event_details import DETAILS
from tests.support.security_answers import LINUX, WINDOWS, good_parts, recorded, windows_answer

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKspVgZjGC8tj0pSPvU6+/Tvogj/dd/BK6nTJnIHaiy7"
DAY = 86400


def linux(name: str) -> str:
    return (LINUX / name).read_text(encoding="utf-8")


def parts(**changes: Any) -> dict[str, Any]:
    """The good Windows parts, with some replaced."""
    base = good_parts()
    base.update(changes)
    return base


def answer_with(**members: Any) -> str:
    """The good answer with members set as they are written (None: the member is absent)."""
    answer = json.loads(windows_answer(good_parts()))
    for name, value in members.items():
        if value is None:
            answer.pop(name, None)
        else:
            answer[name] = value
    return json.dumps(answer)


# --- Windows -----------------------------------------------------------------------------------


def test_windows_all_good() -> None:
    facts = p.parse_windows(windows_answer(good_parts()))
    assert facts.known() == {
        "firewall": True,
        "antivirus": True,
        "realtime": True,
        "encryption": True,  # ProtectionStatus 1 of the recorded C: volume
        "time_sync": True,
        "signature_at": 1787604096,  # "/Date(1787604096000)/"
        "update_at": 1733961600,  # {"value": "\/Date(1733961600000)\/", "DateTime": ...}
    }
    assert facts.notes == ()


def test_windows_defender_off() -> None:
    defender = recorded("defender-win2019.json") | {"AntivirusEnabled": False}  # changed
    facts = p.parse_windows(windows_answer(parts(defender=defender)))
    assert (facts.antivirus, facts.realtime, facts.signature_at) == (False, False, None)
    assert facts.firewall is True  # the other measures are still read


def test_windows_defender_service_stopped() -> None:
    defender = recorded("defender-win2019.json") | {"AMServiceEnabled": False}  # changed
    assert p.parse_windows(windows_answer(parts(defender=defender))).antivirus is False


def test_windows_realtime_off() -> None:
    defender = recorded("defender-win2019.json") | {"RealTimeProtectionEnabled": False}
    facts = p.parse_windows(windows_answer(parts(defender=defender)))
    assert (facts.antivirus, facts.realtime) == (True, False)


def test_windows_one_firewall_profile_off() -> None:
    profiles = copy.deepcopy(recorded("firewall-profiles-win2019.json"))
    profiles[2]["Enabled"] = 0  # Public off: GpoBoolean.False
    assert p.parse_windows(windows_answer(parts(firewall=profiles))).firewall is False


@pytest.mark.parametrize(
    ("profiles", "expected"),
    [
        ([{"Name": "Domain", "Enabled": "True"}], None),  # two profiles not said: not known
        ([{"Name": n, "Enabled": True} for n in ("Domain", "Private", "Public")], True),
        ([{"Name": n, "Enabled": 2} for n in ("Domain", "Private", "Public")], None),
        ({"Name": "Public", "Enabled": 0}, False),  # one profile: ConvertTo-Json unwraps it
    ],
)
def test_windows_firewall_shapes(profiles: Any, expected: bool | None) -> None:
    assert p.parse_windows(answer_with(firewall=profiles)).firewall is expected


def test_windows_signatures_twelve_days_old_and_more() -> None:
    """The Windows Server 2016 recording: the machine said its signatures were 13 days old."""
    facts = p.parse_windows(windows_answer(parts(defender=recorded("defender-win2016.json"))))
    assert facts.signature_at == 1786499208
    assert facts.antivirus is True  # old signatures are not "no antivirus": the age is the rule's


def test_windows_bitlocker_unreadable_is_unknown_not_off() -> None:
    # The cmdlet's error for a standard user (message hand-written from .NET's E_ACCESSDENIED).
    denied = "Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))"
    facts = p.parse_windows(answer_with(bitlocker=None, bitlocker_error=denied))
    assert facts.encryption is None
    assert "bitlocker unreadable" in facts.notes
    assert denied not in " ".join(facts.notes)  # the machine's words stay out of the event
    assert facts.firewall is True and facts.antivirus is True


def test_windows_bitlocker_off_and_unknown() -> None:
    off = recorded("bitlocker-fleet-win-vm.json")[1]  # the recorded E: volume, protection off
    assert p.parse_windows(windows_answer(parts(bitlocker=off))).encryption is False
    unknown = recorded("bitlocker-fleet-win-vm.json")[0] | {"ProtectionStatus": 2}  # changed
    assert p.parse_windows(windows_answer(parts(bitlocker=unknown))).encryption is None


def test_windows_iso_dates_as_powershell_7_writes_them() -> None:
    defender = recorded("defender-win10-realmjoin-iso.json")
    facts = p.parse_windows(windows_answer(parts(defender=defender)))
    assert facts.signature_at == 1502807866  # 2017-08-15T14:37:46+00:00


def test_windows_third_party_antivirus_in_security_center() -> None:
    answer = windows_answer(
        parts(
            defender=recorded("defender-passive-handwritten.json"),
            products=recorded("wsc-kaspersky-handwritten.json"),
        )
    )
    facts = p.parse_windows(answer)
    assert (facts.antivirus, facts.realtime, facts.signature_at) == (True, True, None)
    assert any("another antivirus" in n for n in facts.notes)


def test_windows_passive_defender_and_no_security_center_is_unknown() -> None:
    answer = windows_answer(
        parts(defender=recorded("defender-passive-handwritten.json")),
        {"products": "Invalid namespace"},  # a server has no root/SecurityCenter2
    )
    facts = p.parse_windows(answer)
    assert (facts.antivirus, facts.realtime) == (None, None)


def test_windows_time_sync() -> None:
    unsynced = (WINDOWS / "w32tm-unsynced.txt").read_text(encoding="utf-8")
    assert p.parse_windows(windows_answer(parts(w32tm=unsynced))).time_sync is False
    cmos = (WINDOWS / "w32tm-synced.txt").read_text(encoding="utf-8")
    cmos = cmos.replace("dc01.corp.example.com", "Local CMOS Clock")  # changed
    assert p.parse_windows(windows_answer(parts(w32tm=cmos))).time_sync is False
    refused = "The following error occurred: Access is denied. (0x80070005)"
    assert (
        p.parse_windows(windows_answer(parts(w32tm=refused, w32time="Stopped"))).time_sync is False
    )
    assert p.parse_windows(windows_answer(parts(w32tm=refused))).time_sync is None


def test_windows_update_from_history_when_no_hotfix_has_a_date() -> None:
    answer = windows_answer(parts(hotfix=None, history=recorded("update-history-handwritten.json")))
    assert p.parse_windows(answer).update_at == 1734652800


@pytest.mark.parametrize(
    "text",
    [
        "",
        "'powershell' is not recognized as an internal or external command,\r\n"
        "operable program or batch file.\r\n",  # cmd.exe without PowerShell
        "<html><body>Access denied</body></html>",
        "[1, 2, 3]",
        '{"AntivirusEnabled": true}',  # JSON, but not the script's answer
        windows_answer(good_parts())[:300],  # cut off in the middle
        '{"schema":1,"w32tm":"' + "x" * 200_000,  # huge and unterminated
    ],
)
def test_windows_garbage_is_unreadable(text: str) -> None:
    with pytest.raises(p.UnreadableOutput):
        p.parse_windows(text)


def test_windows_answer_with_bom_and_crlf() -> None:
    assert p.parse_windows("\ufeff" + windows_answer(good_parts()) + "\r\n").firewall is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/Date(1733011200000)/", 1733011200),
        ("/Date(1733011200000+0700)/", 1733011200),  # the milliseconds are UTC either way
        ({"value": "/Date(1733011200000)/", "DateTime": "Sunday, December 1, 2024"}, 1733011200),
        ("/Date(-11644473600000)/", None),  # 1601-01-01: Windows' "never"
        ("2024-12-01T00:00:00Z", 1733011200),
        ("2024-12-01T07:00:00+07:00", 1733011200),
        ("2024-12-01T00:00:00", 1733011200),  # no offset: UTC
        ("0001-01-01T00:00:00", None),
        ("yesterday", None),
        (1733011200, None),
        (None, None),
    ],
)
def test_ps_time(value: Any, expected: int | None) -> None:
    assert p.ps_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (1, True), (0, False), (2, None), ("True", True), ("Off", False), (None, None)],
)
def test_ps_bool(value: Any, expected: bool | None) -> None:
    assert p.ps_bool(value) is expected


def test_windows_command_is_fixed_and_fits_cmd_exe() -> None:
    command = security.windows_command()
    prefix = "powershell -NoProfile -NonInteractive -EncodedCommand "
    assert command.startswith(prefix)
    assert len(command) < 8191  # cmd.exe's limit: OpenSSH on Windows runs the command through it
    encoded = command.removeprefix(prefix)
    assert base64.b64decode(encoded).decode("utf-16-le") == p.WINDOWS_SCRIPT
    assert command == security.windows_command()  # nothing varies between calls


# --- Linux -------------------------------------------------------------------------------------


def test_nft() -> None:
    assert p.nft_filters_input("", 1) is None  # nft-nonroot: "Operation not permitted"
    assert p.nft_filters_input(linux("nft-empty-root.txt"), 0) is False
    assert p.nft_filters_input(linux("nft-debian-default.txt"), 0) is False  # accept, no rule
    assert p.nft_filters_input(linux("nft-input-drop.txt"), 0) is True
    assert "Operation not permitted" in linux("nft-nonroot.stderr.txt")


def test_ufw() -> None:
    assert p.ufw_status("", 1) is None  # ufw-nonroot: "You need to be root"
    assert p.ufw_status(linux("ufw-status-inactive.txt"), 0) is False
    assert p.ufw_status("Status: active\n\nTo   Action  From\n", 0) is True
    assert p.ufw_enabled(linux("ufw.conf")) is False
    assert p.ufw_enabled(linux("ufw.conf").replace("ENABLED=no", "ENABLED=yes")) is True
    assert p.ufw_enabled(None) is None


@pytest.mark.parametrize(
    ("nft", "ufw", "conf", "firewalld", "expected"),
    [
        (None, None, None, None, None),
        (None, None, False, "inactive", None),  # ufw off does not mean nothing filters
        (None, None, True, None, True),
        (None, None, None, "active", True),
        (False, False, False, "inactive", False),  # the kernel's own word
        (True, None, None, None, True),
    ],
)
def test_linux_firewall(
    nft: bool | None,
    ufw: bool | None,
    conf: bool | None,
    firewalld: str | None,
    expected: bool | None,
) -> None:
    assert p.linux_firewall(nft, ufw, conf, firewalld) is expected


UNITS = ("firewalld", "clamav-daemon", "clamav-freshclam", "clamav-clamonacc")


def test_units_and_clamav() -> None:
    assert p.unit_states(linux("systemctl-no-systemd.txt"), UNITS) == {}
    units = p.unit_states(linux("systemctl-clamav-running.txt"), UNITS)
    assert units == {
        "firewalld": "inactive",
        "clamav-daemon": "active",
        "clamav-freshclam": "active",
        "clamav-clamonacc": "inactive",
    }
    assert p.clamav(units, [1765000000, None]) == (True, False, 1765000000)
    stopped = dict.fromkeys(UNITS, "inactive")
    assert p.clamav(stopped, [1765000000]) == (False, False, 1765000000)  # installed, not running
    assert p.clamav(stopped, [None, None]) == (None, None, None)  # not installed: unknown
    assert p.clamav({}, [None, None]) == (None, None, None)


def test_timedatectl() -> None:
    assert p.timedatectl_synchronized(linux("timedatectl-no-systemd.txt"), 1) is None
    assert p.timedatectl_synchronized(linux("timedatectl-yes.txt"), 0) is True
    assert p.timedatectl_synchronized("no\n", 0) is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lsblk-debian12-vm-mountpoints.json", False),
        ("lsblk-debian12-vm-mountpoint.json", False),
        ("lsblk-luks-lvm-mountpoint.json", True),
        # cryptroot holds "/" but MOUNTPOINT shows a subvolume's mount: not found, so not known
        ("lsblk-nixos-btrfs-luks-mountpoint.json", None),
    ],
)
def test_lsblk_root_encrypted(name: str, expected: bool | None) -> None:
    assert p.lsblk_root_encrypted(linux(name), 0) is expected


def test_lsblk_with_mountpoints_finds_the_btrfs_root() -> None:
    tree = linux("lsblk-nixos-btrfs-luks-mountpoint.json").replace(
        '"mountpoint": "/etc/NetworkManager/system-connections"',
        '"mountpoints": ["/etc/NetworkManager/system-connections", "/", "/nix"]',
    )  # changed: what MOUNTPOINTS would list for that device
    assert p.lsblk_root_encrypted(tree, 0) is True


@pytest.mark.parametrize("stdout", ["", "lsblk: unknown column: MOUNTPOINTS", '{"x": 1}', "[]"])
def test_lsblk_unreadable(stdout: str) -> None:
    assert p.lsblk_root_encrypted(stdout, 0) is None


def test_newest_file() -> None:
    assert p.newest_file_mtime([(True, 10), (False, 99), (True, 30)]) == 30
    assert p.newest_file_mtime([(False, 99)]) is None


# --- samples, state, events, page --------------------------------------------------------------


def test_samples_are_catalogued_and_unknown_is_absent() -> None:
    facts = p.SecurityFacts(firewall=False, antivirus=True, signature_at=1786499208)
    samples = security._samples(facts)
    assert {(s.name, s.labels.get("measure"), s.value) for s in samples} == {
        ("sansang_security_measure_ok", "firewall", 0.0),
        ("sansang_security_measure_ok", "antivirus", 1.0),
        ("sansang_security_signature_timestamp_seconds", None, 1786499208.0),
    }
    for s in samples:
        assert s.name in BY_NAME
        assert set(s.labels) <= set(BY_NAME[s.name].labels) - {"check"}


def _config(tmp_path: Path, hosts: str, extra: str = "") -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            site: {commune_code: '23527', name: Xã Sa Thầy, latitude: 14.4, longitude: 107.8}
            """
        )
        + extra
        + "security:\n  hosts:\n"
        + textwrap.indent(textwrap.dedent(hosts), "    "),
        encoding="utf-8",
    )
    return path


HOST = f"""\
- id: counter-pc-1
  name: Máy tính quầy 1
  host: 10.51.20.11
  user: sansang-check
  key_file: /etc/sansang/ssh/id_ed25519
  host_key: {HOST_KEY}
  os: windows
  backup_path: /D:/SaoLuu
"""


def test_config_builds_one_security_job_per_machine(tmp_path: Path) -> None:
    cfg = agent_config.load(_config(tmp_path, HOST))
    jobs = [j for j in build_jobs(cfg) if j.role == "security"]
    assert len(jobs) == 1
    job = jobs[0]
    assert (job.id, job.interval, job.timeout) == ("counter-pc-1", 3600.0, 30.0)
    assert job.probe is PROBES["security"]
    assert job.attributes == {"os": "windows", "name": "Máy tính quầy 1"}
    assert isinstance(job.spec, security.SecuritySpec)
    assert (job.spec.port, job.spec.backup_path) == (22, "/D:/SaoLuu")
    assert STATE_EVENT["security"] == "security_state"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ssh-ed25519", "host_key must be '<type> <base64>'"),
        ("ssh-ed25519 not*base64", "not base64"),
        ("ssh-dss AAAAB3NzaC1kc3MAAAAA", "unknown key type 'ssh-dss'"),
        ("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQCZRzMOiBHVbBTPFhj+L5/C", "not a valid"),
    ],
)
def test_config_refuses_a_host_key_that_is_not_a_key(
    tmp_path: Path, key: str, message: str
) -> None:
    path = _config(tmp_path, HOST.replace(HOST_KEY, key))
    with pytest.raises(ConfigError) as err:
        agent_config.load(path)
    text = str(err.value)
    assert "agent.yaml:" in text and "security.hosts.0.host_key" in text and message in text
    line = int(re.search(r"agent\.yaml:(\d+): security\.hosts\.0\.host_key", text).group(1))  # type: ignore[union-attr]
    assert "host_key:" in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_config_requires_the_host_key(tmp_path: Path) -> None:
    path = _config(tmp_path, HOST.replace(f"  host_key: {HOST_KEY}\n", ""))
    with pytest.raises(ConfigError, match=r"security\.hosts\.0\.host_key"):
        agent_config.load(path)


def test_config_ids_do_not_collide_with_terminals(tmp_path: Path) -> None:
    terminals = "terminals:\n  - {id: counter-pc-1, kind: counter_pc, address: 10.51.20.11}\n"
    with pytest.raises(ConfigError, match=r"id 'counter-pc-1' is already used by terminals\.0"):
        agent_config.load(_config(tmp_path, HOST, terminals))


def test_cli_target_explains_where_a_security_check_is_configured() -> None:
    with pytest.raises(ValueError, match="pinned host key") as err:
        PROBES["security"].from_target("ssh://sansang-check@10.51.20.11")
    assert "security.hosts" in str(err.value)


def _checked(**facts: Any) -> Outcome:
    details: dict[str, str | int | bool] = {"os": "windows", "backup_expected": True, **facts}
    return Outcome(True, state_details=details)


def test_state_is_checked_or_failed_and_changes_are_journalled(tmp_path: Path) -> None:
    cfg = agent_config.load(_config(tmp_path, HOST))
    jobs = build_jobs(cfg)
    job = next(j for j in jobs if j.role == "security")
    state = SiteState(jobs, lambda _when: True)
    good = {
        "firewall": True,
        "antivirus": True,
        "signature_at": 1786499208,
        "backup_at": 1786000000,
    }
    first = state.record(job, _checked(**good), 1.2, 1.79e9, 10**9)
    assert [(c.kind, c.subject, c.state) for c in first] == [
        ("security_state", "counter-pc-1", "checked")
    ]
    assert state.record(job, _checked(**good), 1.2, 1.79e9 + 3600, 2 * 10**9) == []  # same
    changed = state.record(
        job, _checked(**{**good, "firewall": False}), 1.2, 1.79e9 + 7200, 3 * 10**9
    )
    assert [c.state for c in changed] == ["checked"]
    assert changed[0].details["firewall"] is False and changed[0].details["previous"] == "checked"
    failed = security._failed(job.spec, "auth_failed", "sansang-check@10.51.20.11:22: refused")  # type: ignore[arg-type]
    gone = state.record(job, failed, 0.3, 1.79e9 + 10800, 4 * 10**9)
    assert [(c.state, c.details["reason"]) for c in gone] == [("failed", "auth_failed")]
    other = security._failed(job.spec, "host_key_mismatch", "another key")  # type: ignore[arg-type]
    again = state.record(job, other, 0.3, 1.79e9 + 14400, 5 * 10**9)
    assert [(c.state, c.details["reason"]) for c in again] == [("failed", "host_key_mismatch")]
    for change in [*first, *changed, *gone, *again]:
        DETAILS["security_state"].model_validate(change.details, strict=True)  # the contract
        assert "firewall" not in change.details or isinstance(change.details["firewall"], bool)


def test_status_page_names_what_is_off_in_vietnamese(tmp_path: Path) -> None:
    cfg = agent_config.load(_config(tmp_path, HOST))
    jobs = build_jobs(cfg)
    job = next(j for j in jobs if j.role == "security")
    state = SiteState(jobs, lambda _when: True)
    signed = 1786499208
    now = signed + 12 * DAY + 3600
    facts = {"firewall": False, "antivirus": True, "realtime": True, "signature_at": signed}
    state.record(job, _checked(**facts, backup_at=now - DAY), 1.0, now - 60, 10**9)
    site = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)
    html = StatusPage(site, state).render("vi", now, [])
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Máy tính quầy 1 : tường lửa tắt, chữ ký chống virus 12 ngày" in plain
    assert "An toàn thông tin các máy" in plain
    en = re.sub(r"<[^>]+>", " ", StatusPage(site, state).render("en", now, []))
    assert "firewall off, antivirus signatures 12 d 1 h old" in en


def test_status_page_shows_a_machine_that_could_not_be_checked(tmp_path: Path) -> None:
    cfg = agent_config.load(_config(tmp_path, HOST))
    jobs = build_jobs(cfg)
    job = next(j for j in jobs if j.role == "security")
    state = SiteState(jobs, lambda _when: True)
    failed = security._failed(job.spec, "host_key_mismatch", "another key")  # type: ignore[arg-type]
    state.record(job, failed, 0.2, 1.79e9, 10**9)
    site = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)
    plain = re.sub(r"<[^>]+>", " ", StatusPage(site, state).render("vi", 1.79e9 + 5, []))
    assert "không kiểm tra được" in plain and "KHÁC khoá đã ghim" in plain
