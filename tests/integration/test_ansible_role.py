"""deploy/ansible: the sansang_agent role, run for real with a local connection into throwaway
prefixes (one per site), hosts from ``sansang collector ansible-inventory``.

The install step is real and offline: the repo is built into a wheel in a temporary directory,
and the role copies that wheelhouse and runs ``pip install --no-index --find-links``.  The
sansang wheel's dependencies are not downloaded: the test makes each site's virtualenv itself
(the one step of the role it does not run) with a ``.pth`` naming a directory of links to the
test venv's installed dependencies (sansang itself left out), so pip finds them already
satisfied.  No systemd (not PID 1 here) and no user ``sansang``: ``sansang_agent_systemd`` and
``sansang_agent_create_user`` are false and the secrets are owned by root.  Ansible's own state
goes to the test's temporary directory (ANSIBLE_HOME, ANSIBLE_LOCAL_TEMP, ANSIBLE_REMOTE_TMP).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = ROOT / "deploy" / "ansible"
BIN = Path(sys.executable).parent
PLAYBOOK = BIN / "ansible-playbook"
SANSANG = BIN / "sansang"
# The example group_vars (checks, services, UPS...) go in as extra vars: the test checks that
# they make a valid agent.yaml; the test's own vars, given after them, override the secrets.
EXAMPLE_VARS = ANSIBLE_DIR / "examples" / "group_vars" / "sansang_agents.yml"
HOSTS = ("21548-main", "23527-main")  # the example inventory's push and pull sites
PUSH_TOKEN = "push-secret-" + "Zx81" * 8
PULL_TOKEN = "pull-secret-" + "Qm27" * 8
OWN_ENTRIES = re.compile(r"^(sansang[-.]|__editable__|_?_?editable___sansang)")

# pip reads no config file of this machine and writes no cache outside the test's directory.
PIP_ENV = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1"}

pytestmark = pytest.mark.integration


@dataclass
class Run:
    rc: int
    out: str
    seconds: float

    def recap(self, host: str) -> dict[str, int]:
        line = re.search(rf"^{re.escape(host)}\s*:\s*(.*)$", self.out, re.MULTILINE)
        assert line is not None, self.out[-3000:]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line.group(1))}


def _build_wheelhouse(tmp: Path) -> Path:
    """The repo built into a wheel (sources copied first: the build writes nothing in the repo)."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for pkg in ("agent", "collector", "sansang"):
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp / "wheels"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    cmd += ["--no-index", "-q", "-w", str(wheels), str(src)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120, env=PIP_ENV)
    return wheels


def _deps_dir(tmp: Path) -> Path:
    """Links to the test venv's installed distributions, sansang's own left out."""
    deps = tmp / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not OWN_ENTRIES.match(entry.name) and not entry.name.endswith(".pth"):
            (deps / entry.name).symlink_to(entry)
    return deps


def _site_venv(prefix: Path, deps: Path) -> None:
    venv = prefix / "opt" / "sansang" / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    purelib = next((venv / "lib").glob("python3*")) / "site-packages"
    (purelib / "zz-test-deps.pth").write_text(f"{deps}\n")


def _tls_files(tmp: Path) -> tuple[Path, Path]:
    ca = trustme.CA()
    cert = ca.issue_cert("sa-thay.agent.example")
    crt, key = tmp / "secrets" / "agent.crt", tmp / "secrets" / "agent.key"
    crt.parent.mkdir()
    cert.cert_chain_pems[0].write_to_path(str(crt))
    cert.private_key_pem.write_to_path(str(key))
    return crt, key


class Lab:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        wheels = _build_wheelhouse(tmp)
        deps = _deps_dir(tmp)
        crt, key = _tls_files(tmp)
        for host in HOSTS:
            _site_venv(self.prefix(host), deps)
        self.extra = tmp / "test-vars.json"
        self.extra.write_text(
            json.dumps(
                {
                    "ansible_python_interpreter": sys.executable,
                    "sansang_agent_prefix": str(tmp / "root") + "/{{ inventory_hostname }}",
                    "sansang_agent_systemd": False,
                    "sansang_agent_create_user": False,
                    "sansang_agent_user": "root",
                    "sansang_agent_group": "root",
                    "sansang_agent_wheelhouse_src": str(wheels),
                    "sansang_agent_push_url": "https://127.0.0.1:9718/",
                    "sansang_agent_push_token": PUSH_TOKEN,
                    "sansang_agent_pull_token": PULL_TOKEN,
                    "sansang_agent_tls_cert_src": str(crt),
                    "sansang_agent_tls_key_src": str(key),
                }
            )
        )
        self.env = {
            **PIP_ENV,
            "ANSIBLE_HOME": str(tmp / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-local"),
            "ANSIBLE_REMOTE_TMP": str(tmp / "ansible-remote"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_CONFIG": str(tmp / "no-ansible.cfg"),
            "SANSANG": str(SANSANG),
            "SANSANG_INVENTORY": str(ROOT / "deploy" / "examples" / "inventory.yaml"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def prefix(self, host: str) -> Path:
        return self.tmp / "root" / host

    def playbook(self, *args: str) -> Run:
        cmd = [str(PLAYBOOK), "-i", str(ANSIBLE_DIR / "inventory" / "sansang.sh"), "-c", "local"]
        cmd += ["-e", f"@{EXAMPLE_VARS}", "-e", f"@{self.extra}", *args]
        cmd.append(str(ANSIBLE_DIR / "site.yml"))
        start = time.monotonic()
        done = subprocess.run(
            cmd, cwd=self.tmp, env=self.env, capture_output=True, text=True, timeout=300
        )
        return Run(done.returncode, done.stdout + done.stderr, time.monotonic() - start)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return Lab(tmp_path_factory.mktemp("ansible"))


@pytest.fixture(scope="module")
def runs(lab: Lab) -> tuple[Run, Run]:
    first = lab.playbook("--limit", ",".join(HOSTS))
    assert first.rc == 0, first.out[-5000:]
    second = lab.playbook("--limit", ",".join(HOSTS))
    assert second.rc == 0, second.out[-5000:]
    print(f"ansible-playbook: first run {first.seconds:.1f} s, second {second.seconds:.1f} s")
    return first, second


def test_syntax_check(lab: Lab) -> None:
    done = lab.playbook("--syntax-check")
    assert done.rc == 0, done.out
    assert "playbook: " in done.out


def test_first_run_installs_a_checked_config_and_the_credentials(
    lab: Lab, runs: tuple[Run, Run]
) -> None:
    first, _ = runs
    for host in HOSTS:
        assert first.recap(host)["failed"] == 0
        etc = lab.prefix(host) / "etc" / "sansang"
        installed = lab.prefix(host) / "opt" / "sansang" / "venv" / "bin" / "sansang"
        checked = subprocess.run(
            [str(installed), "agent", "check-config", str(etc / "agent.yaml")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0, checked.stderr
        assert host.split("-")[0] in checked.stdout
        unit = lab.prefix(host) / "etc" / "systemd" / "system" / "sansang-agent.service"
        assert unit.read_bytes() == (ROOT / "deploy/systemd/sansang-agent.service").read_bytes()
        sysusers = lab.prefix(host) / "etc" / "sysusers.d" / "sansang.conf"
        assert (
            sysusers.read_bytes() == (ROOT / "deploy/systemd/sysusers.d/sansang.conf").read_bytes()
        )


def test_push_site_gets_its_token_0600_and_never_shown(lab: Lab, runs: tuple[Run, Run]) -> None:
    etc = lab.prefix("21548-main") / "etc" / "sansang"
    token = etc / "push-token"
    assert token.read_text().strip() == PUSH_TOKEN
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    text = (etc / "agent.yaml").read_text()
    assert f'token_file: "{token}"' in text
    assert "Đặc khu Lý Sơn" in text and 'commune_code: "21548"' in text
    for run in runs:
        assert PUSH_TOKEN not in run.out
        assert PULL_TOKEN not in run.out


def test_pull_site_gets_tls_and_the_collectors_bearer_token(
    lab: Lab, runs: tuple[Run, Run]
) -> None:
    etc = lab.prefix("23527-main") / "etc" / "sansang"
    for name in ("agent.token", "agent.key"):
        assert stat.S_IMODE((etc / name).stat().st_mode) == 0o600, name
    assert (etc / "agent.token").read_text().strip() == PULL_TOKEN
    web = (etc / "web-config.yaml").read_text()
    assert str(etc / "agent.token") in web and str(etc / "agent.crt") in web
    assert not (etc / "push-token").exists()
    assert "hnth.sa-thay.example" in (etc / "agent.yaml").read_text()  # inventory terminals


def test_second_run_changes_nothing(runs: tuple[Run, Run]) -> None:
    _, second = runs
    for host in HOSTS:
        recap = second.recap(host)
        assert recap["changed"] == 0, second.out[-5000:]
        assert recap["ok"] > 5


def test_bad_variables_fail_early_naming_the_variable(lab: Lab) -> None:
    bad = lab.tmp / "bad-inventory.yaml"
    site = {
        "sansang_agent_site_name": "Bộ phận một cửa",
        "sansang_agent_latitude": 14.4,
        "sansang_agent_longitude": 107.8,
    }
    bad.write_text(
        json.dumps(
            {
                "sansang_agents": {
                    "hosts": {
                        "no-code": site,
                        "bad-latitude": {
                            **site,
                            "sansang_agent_commune_code": "23527",
                            "sansang_agent_latitude": "bắc",
                        },
                        "push-no-url": {
                            **site,
                            "sansang_agent_commune_code": "23527",
                            "sansang_agent_ingest": "push",
                        },
                    }
                }
            },
            ensure_ascii=False,
        )
    )
    cmd = [str(PLAYBOOK), "-i", str(bad), "-c", "local"]
    cmd += ["-e", f"ansible_python_interpreter={sys.executable}"]
    cmd += ["-e", f"sansang_agent_push_token={PUSH_TOKEN}", str(ANSIBLE_DIR / "site.yml")]
    done = subprocess.run(
        cmd, cwd=lab.tmp, env=lab.env, capture_output=True, text=True, timeout=120
    )
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    for host, variable in (
        ("no-code", "sansang_agent_commune_code"),
        ("bad-latitude", "sansang_agent_latitude"),
        ("push-no-url", "sansang_agent_push_url"),
    ):
        line = re.search(rf"fatal: \[{host}\].*", out)
        assert line is not None, out[-4000:]
        assert variable in line.group(0), line.group(0)
        assert Run(done.returncode, out, 0.0).recap(host)["changed"] == 0
    assert PUSH_TOKEN not in out  # not even in the argument errors


def test_config_the_agent_refuses_is_never_put_in_place(lab: Lab) -> None:
    """A commune code of the right type but not in the official list passes the role's variable
    check; `sansang agent check-config` (validate:) refuses it and the old agent.yaml stays."""
    prefix = lab.tmp / "refused"
    old = prefix / "etc" / "sansang" / "agent.yaml"
    old.parent.mkdir(parents=True)
    old.write_text("# the config that runs now\n")
    inventory = lab.tmp / "refused-inventory.yaml"
    host = {
        "sansang_agent_commune_code": "99999",
        "sansang_agent_site_name": "Bộ phận một cửa",
        "sansang_agent_latitude": 14.4,
        "sansang_agent_longitude": 107.8,
        "sansang_agent_prefix": str(prefix),
        "sansang_agent_install": False,
        "sansang_agent_bin": str(SANSANG),  # the test venv's: nothing to install
        "sansang_agent_systemd": False,
        "sansang_agent_create_user": False,
        "sansang_agent_user": "root",
        "sansang_agent_group": "root",
        "ansible_python_interpreter": sys.executable,
    }
    inventory.write_text(json.dumps({"sansang_agents": {"hosts": {"refused": host}}}))
    cmd = [str(PLAYBOOK), "-i", str(inventory), "-c", "local", str(ANSIBLE_DIR / "site.yml")]
    done = subprocess.run(
        cmd, cwd=lab.tmp, env=lab.env, capture_output=True, text=True, timeout=120
    )
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    line = re.search(r"fatal: \[refused\].*", out)
    assert line is not None, out[-4000:]
    assert "failed to validate" in line.group(0) and "commune_code" in line.group(0)
    assert old.read_text() == "# the config that runs now\n"
