"""deploy/systemd: the agent's and the collector's units pass ``systemd-analyze verify``, carry
the hardening directives, give the agent exactly CAP_NET_RAW and the collector no capability,
score low in ``systemd-analyze security --offline=yes``, and the code really runs under
MemoryDenyWriteExecute (the kernel's PR_SET_MDWE, the same refusal systemd's filter makes)."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import wait_until
from tests.support.env import stop_process
from tests.support.example_config import example_with_its_files
from tests.support.metrics import parse_metrics, value
from tests.support.net import free_port, http_get

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
AGENT = UNITS / "sansang-agent.service"
COLLECTOR = UNITS / "sansang-collector.service"
INSTALLED = "/opt/sansang/venv/bin/sansang"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(
    ANALYZE is None, reason="needs systemd-analyze (Debian package systemd)"
)
# Highest acceptable `systemd-analyze security` exposure (0 best, 10 worst): the agent needs the
# host's network and CAP_NET_RAW, the collector nothing.
EXPOSURE_LIMIT = {AGENT.name: 2.0, COLLECTOR.name: 1.5}

HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "ProtectClock": "yes",
    "ProtectHostname": "yes",
    "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "UMask": "0077",
    "User": "sansang",
    "Group": "sansang",
    "StateDirectory": "sansang",
    "ConfigurationDirectory": "sansang",
    "Restart": "on-failure",
    "Type": "exec",
}


def directives(path: Path) -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value in order (systemd keys repeat, so no plain configparser)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, sep, val = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
        current.setdefault(key.strip(), []).append(val.strip())
    return sections


def service(path: Path) -> dict[str, list[str]]:
    return directives(path)["Service"]


def last(svc: dict[str, list[str]], key: str) -> str:
    assert key in svc, f"{key}= missing"
    return svc[key][-1]


@pytest.mark.parametrize("unit", [AGENT, COLLECTOR], ids=lambda p: p.name)
def test_hardening_directives(unit: Path) -> None:
    svc = service(unit)
    for key, expected in HARDENING.items():
        assert last(svc, key) == expected, f"{unit.name}: {key}"
    assert float(last(svc, "RestartSec").removesuffix("s")) >= 1
    assert int(last(svc, "LimitNOFILE")) >= 4096
    assert svc["SystemCallFilter"][0] == "@system-service"
    assert "@privileged" in svc["SystemCallFilter"][1].removeprefix("~").split()
    families = set(last(svc, "RestrictAddressFamilies").split())
    assert {"AF_INET", "AF_INET6", "AF_UNIX"} <= families
    assert "AF_PACKET" not in families
    assert directives(unit)["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize(
    ("unit", "command"),
    [
        (AGENT, "agent run --config /etc/sansang/agent.yaml"),
        (COLLECTOR, "collector run --config /etc/sansang/collector.yaml"),
    ],
    ids=["agent", "collector"],
)
def test_exec_start_names_the_config_under_etc(unit: Path, command: str) -> None:
    assert service(unit)["ExecStart"] == [f"{INSTALLED} {command}"]


def test_agent_has_exactly_cap_net_raw() -> None:
    svc = service(AGENT)
    assert last(svc, "CapabilityBoundingSet").split() == ["CAP_NET_RAW"]
    assert last(svc, "AmbientCapabilities").split() == ["CAP_NET_RAW"]
    # interface addresses come from getifaddrs (netlink); raw packets (AF_PACKET) are not needed
    assert set(last(svc, "RestrictAddressFamilies").split()) == {
        "AF_UNIX",
        "AF_INET",
        "AF_INET6",
        "AF_NETLINK",
    }
    assert "PrivateUsers" not in svc  # a capability in a user namespace is void on host links
    assert "ProcSubset" not in svc  # the host probe reads /proc/stat, /proc/net/dev


def test_collector_has_no_capability() -> None:
    svc = service(COLLECTOR)
    assert last(svc, "CapabilityBoundingSet") == ""
    assert last(svc, "AmbientCapabilities") == ""
    assert last(svc, "PrivateUsers") == "yes"
    assert "AF_NETLINK" not in last(svc, "RestrictAddressFamilies").split()


def test_agent_pre_start_check_accepts_the_example_config(tmp_path: Path) -> None:
    pre = service(AGENT)["ExecStartPre"]
    assert pre == [f"{INSTALLED} agent check-config /etc/sansang/agent.yaml"]
    sansang = Path(sys.executable).parent / "sansang"
    example = example_with_its_files(tmp_path)  # as installed: the files it names exist
    done = subprocess.run(
        [str(sansang), "agent", "check-config", str(example)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_sysusers_snippet() -> None:
    users = (UNITS / "sysusers.d" / "sansang.conf").read_text(encoding="utf-8")
    assert re.search(r"^u sansang -", users, re.MULTILINE)


def _local_copies(tmp_path: Path) -> list[Path]:
    """The units with ExecStart pointing at this checkout's sansang: `verify` checks that the
    command exists, and /opt/sansang/venv is not installed on a test machine."""
    here = str(Path(sys.executable).parent / "sansang")
    copies = []
    for unit in (AGENT, COLLECTOR):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text(encoding="utf-8").replace(INSTALLED, here), "utf-8")
        copies.append(copy)
    return copies


@needs_analyze
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    assert ANALYZE is not None
    done = subprocess.run(
        [ANALYZE, "verify", *map(str, _local_copies(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stdout + done.stderr


def _supports_offline() -> bool:
    assert ANALYZE is not None
    helped = subprocess.run(
        [ANALYZE, "security", "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    return "--offline" in helped.stdout


@needs_analyze
def test_security_exposure(tmp_path: Path) -> None:
    assert ANALYZE is not None
    if not _supports_offline():
        pytest.skip("systemd-analyze security has no --offline (systemd < 250)")
    for copy in _local_copies(tmp_path):
        limit = EXPOSURE_LIMIT[copy.name]
        done = subprocess.run(
            [ANALYZE, "security", "--offline=yes", "--no-pager", str(copy)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
        assert found, done.stdout + done.stderr
        score = float(found.group(1))
        print(f"{copy.name}: exposure {score} (limit {limit})")
        assert score <= limit, f"{copy.name}: exposure {score} > {limit}\n{done.stdout}"


def _mdwe_available() -> bool:
    """PR_SET_MDWE (Linux 6.3+) in a throwaway child: it cannot be undone once set."""
    probe = subprocess.run(
        [sys.executable, "-c", _MDWE_PRELUDE + "print('ok')"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return probe.returncode == 0


# Refuse W+X memory for this process and everything it execs, then prove it is refused.
_MDWE_PRELUDE = """
import ctypes, mmap, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit("prctl: " + os.strerror(ctypes.get_errno()))
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
except PermissionError:
    pass
else:
    sys.exit("W+X memory was not refused")
"""
needs_mdwe = pytest.mark.skipif(
    not hasattr(ctypes, "CDLL") or not _mdwe_available(),
    reason="needs PR_SET_MDWE (Linux 6.3 or later)",
)


@needs_mdwe
def test_agent_runs_without_writable_executable_memory(tmp_path: Path) -> None:
    port = free_port()
    config = {
        "site": {
            "commune_code": "23527",
            "name": "MDWE",
            "latitude": 14.4,
            "longitude": 107.8,
        },
        "server": {"listen": f"127.0.0.1:{port}"},
        "journal": {"path": str(tmp_path / "journal.db")},
        "checks": [{"id": "loop", "name": "loop", "check": {"probe": "icmp", "host": "127.0.0.1"}}],
        "services": [
            {
                "id": "self",
                "name": "self",
                "role": "other",
                "check": {"probe": "http", "url": f"http://127.0.0.1:{port}/healthz"},
            },
        ],
        "probes": {"interval": "1s", "timeout": "1s"},
    }
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    sansang = str(Path(sys.executable).parent / "sansang")
    wrapper = _MDWE_PRELUDE + "os.execv(sys.argv[1], sys.argv[1:])\n"
    with (tmp_path / "agent.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", wrapper, sansang, "agent", "run", "--config", str(path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:

        def both_up() -> bool:
            if proc.poll() is not None:
                log_text = (tmp_path / "agent.log").read_text(errors="replace")
                raise AssertionError(f"agent exited {proc.returncode}:\n{log_text}")
            metrics = parse_metrics(http_get(f"http://127.0.0.1:{port}/metrics", 1.0).decode())
            return all(
                value(metrics, "sansang_probe_success", check=c, probe=p) == 1.0
                for c, p in (("loop", "icmp"), ("self", "http"))
            )

        wait_until(both_up, 30, "the agent's probes to succeed under MDWE")
    finally:
        stop_process(proc, timeout=10)
    assert proc.returncode == 0, (tmp_path / "agent.log").read_text(errors="replace")


@needs_mdwe
def test_collector_stack_loads_without_writable_executable_memory(tmp_path: Path) -> None:
    code = _MDWE_PRELUDE + (
        "import collector.app, collector.web, sqlalchemy\n"
        f"engine = sqlalchemy.create_engine('sqlite:///{tmp_path / 'c.db'}')\n"
        "with engine.connect() as c:\n"
        "    assert c.execute(sqlalchemy.text('select 1')).scalar() == 1\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
