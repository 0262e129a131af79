"""The real agent behind its web config: HTTPS with a test CA, basic auth, bearer token.

The agent (``sansang agent run``) serves TLS with a certificate from a trustme CA; clients are
urllib with and without that CA.  Secrets must never reach the agent's log or /metrics.
"""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import trustme

from tests.support import wait_until, yaml_writer
from tests.support.agent import AgentProcess
from tests.support.env import SANSANG
from tests.support.net import free_port

pytestmark = pytest.mark.integration

PASSWORD = "mật-khẩu-Đúng-42"  # non-ASCII on purpose
TOKEN = "tok-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4"


class TlsAgent(AgentProcess):
    """The real agent served over HTTPS, logging at debug level (the most it ever says)."""

    def __init__(self, config: dict[str, Any], workdir: Path, ca_file: Path) -> None:
        super().__init__(config, workdir)
        self.base_url = self.base_url.replace("http://", "https://", 1)
        self.trusting = ssl.create_default_context(cafile=str(ca_file))

    def start(self, timeout: float = 20.0) -> TlsAgent:
        self.config_path.write_text(yaml_writer.dump(self.config), encoding="utf-8")
        cmd = [
            str(SANSANG),
            "--log-level",
            "debug",
            "agent",
            "run",
            "--config",
            str(self.config_path),
        ]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        wait_until(self._healthy, timeout, f"agent at {self.base_url} to serve")
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"agent exited with {self.proc.returncode}:\n{self.log()}")
        return self.get("/healthz")[0] == 200

    def get(
        self,
        path: str,
        headers: dict[str, str] | None = None,
        context: ssl.SSLContext | None = None,
    ) -> tuple[int, bytes]:
        req = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=5, context=context or self.trusting) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def basic(user: str, password: str) -> dict[str, str]:
    raw = f"{user}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


BEARER = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca = trustme.CA(organization_name="sansang test CA")
    issued = ca.issue_cert("127.0.0.1")
    pki = Pki(tmp_path / "ca.crt", tmp_path / "agent.crt", tmp_path / "agent.key")
    ca.cert_pem.write_to_path(str(pki.ca_file))
    issued.cert_chain_pems[0].write_to_path(str(pki.cert_file))
    issued.private_key_pem.write_to_path(str(pki.key_file))
    return pki


def agent_config(tmp_path: Path, web_config: Path) -> dict[str, Any]:
    return {
        "site": {
            "commune_code": "23527",
            "name": "Trung tâm Một cửa xã Sa Thầy",
            "latitude": 14.4167,
            "longitude": 107.7833,
        },
        "server": {"listen": f"127.0.0.1:{free_port()}", "web_config_file": str(web_config)},
        "journal": {"path": str(tmp_path / "journal.db")},
        "host": {"enabled": False},
    }


@pytest.fixture
def agent(tmp_path: Path, pki: Pki) -> Iterator[TlsAgent]:
    (tmp_path / "agent.token").write_text(TOKEN + "\n", encoding="utf-8")
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    web = tmp_path / "web-config.yaml"
    web.write_text(
        yaml_writer.dump(
            {
                # relative paths: relative to the web config file, as in exporter-toolkit
                "tls_server_config": {"cert_file": "agent.crt", "key_file": "agent.key"},
                "basic_auth_users": {"prometheus": hashed},
                "authorization": {"type": "Bearer", "credentials_file": "agent.token"},
            }
        ),
        encoding="utf-8",
    )
    workdir = tmp_path / "run"  # not the config's folder: relative paths must not use the cwd
    workdir.mkdir()
    proc = TlsAgent(agent_config(tmp_path, web), workdir, pki.ca_file).start()
    try:
        yield proc
    finally:
        proc.stop()


def test_https_scrape_works_with_the_ca_and_fails_verification_without_it(
    agent: TlsAgent,
) -> None:
    status, body = agent.get("/metrics", BEARER)
    assert status == 200
    assert b"sansang_site_info" in body
    with pytest.raises(urllib.error.URLError) as caught:
        agent.get("/metrics", BEARER, context=ssl.create_default_context())
    assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)
    plain = agent.base_url.replace("https://", "http://", 1)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(plain + "/healthz", timeout=5)


def test_basic_auth_with_a_bcrypt_hash(agent: TlsAgent) -> None:
    assert agent.get("/metrics", basic("prometheus", PASSWORD))[0] == 200
    assert agent.get("/metrics", basic("prometheus", PASSWORD))[0] == 200  # cached check
    assert agent.get("/metrics", basic("prometheus", "sai-mật-khẩu"))[0] == 401
    assert agent.get("/metrics", basic("nobody", PASSWORD))[0] == 401
    status, body = agent.get("/metrics")
    assert status == 401
    assert b"sansang_" not in body
    assert agent.get("/metrics", {"Authorization": "Basic !!notbase64"})[0] == 401
    assert agent.get("/metrics", basic("prometheus", "x" * 100))[0] == 401, "over 72 bytes"


def test_bearer_token_from_credentials_file(agent: TlsAgent) -> None:
    status, body = agent.get("/api/v1/events?after=0", BEARER)
    assert status == 200
    assert json.loads(body)["events"][0]["kind"] == "agent_started"
    assert agent.get("/api/v1/events", {"Authorization": "Bearer wrong-token"})[0] == 401
    assert agent.get("/api/v1/events", {"Authorization": f"Bearer {TOKEN}x"})[0] == 401
    assert agent.get("/api/v1/events")[0] == 401
    assert agent.get("/", BEARER)[0] == 200
    assert agent.get("/")[0] == 401


def test_healthz_is_open(agent: TlsAgent) -> None:
    status, body = agent.get("/healthz")
    assert (status, body) == (200, b"ok\n")


def test_secrets_never_reach_the_log_or_metrics(agent: TlsAgent) -> None:
    secrets = [TOKEN, PASSWORD, base64.b64encode(f"prometheus:{PASSWORD}".encode()).decode()]
    for headers in (BEARER, basic("prometheus", PASSWORD), basic("prometheus", "sai")):
        agent.get("/metrics", headers)
        agent.get("/api/v1/events", headers)
        agent.get("/", headers)
    exposed = [
        agent.get("/metrics", BEARER)[1].decode(),
        agent.get("/", BEARER)[1].decode(),
        agent.get("/api/v1/events", BEARER)[1].decode(),
    ]
    agent.stop()
    log = agent.log()
    assert "serving on https://127.0.0.1" in log, "the log is the agent's, at debug level"
    for secret in secrets:
        assert secret not in log
        for text in exposed:
            assert secret not in text


# --- invalid web configs -------------------------------------------------------------------------
def run_agent_expecting_config_error(tmp_path: Path, web_text: str) -> str:
    web = tmp_path / "web-config.yaml"
    web.write_text(web_text, encoding="utf-8")
    config = tmp_path / "agent.yaml"
    config.write_text(yaml_writer.dump(agent_config(tmp_path, web)), encoding="utf-8")
    done = subprocess.run(
        [str(SANSANG), "agent", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    return done.stderr


def test_plain_text_password_is_refused_with_file_and_line(tmp_path: Path) -> None:
    stderr = run_agent_expecting_config_error(
        tmp_path,
        "# web config\nbasic_auth_users:\n  prometheus: hunter2-plain\n",
    )
    assert f"{tmp_path / 'web-config.yaml'}:3: basic_auth_users.prometheus: " in stderr
    assert "must be a bcrypt hash" in stderr
    assert "hunter2-plain" not in stderr, "the error never repeats the password"


def test_missing_files_are_reported_with_file_and_line(tmp_path: Path, pki: Pki) -> None:
    stderr = run_agent_expecting_config_error(
        tmp_path,
        "tls_server_config:\n"
        f"  cert_file: {pki.cert_file}\n"
        "  key_file: missing.key\n"
        "authorization:\n"
        "  credentials_file: /nonexistent/agent.token\n",
    )
    web = tmp_path / "web-config.yaml"
    assert f"{web}:3: tls_server_config.key_file: cannot read {tmp_path / 'missing.key'}" in stderr
    assert (
        f"{web}:5: authorization.credentials_file: cannot read /nonexistent/agent.token" in stderr
    )


def test_key_that_does_not_match_the_certificate_is_refused(tmp_path: Path, pki: Pki) -> None:
    other = trustme.CA().issue_cert("127.0.0.1")
    other_key = tmp_path / "other.key"
    other.private_key_pem.write_to_path(str(other_key))
    stderr = run_agent_expecting_config_error(
        tmp_path,
        f"tls_server_config:\n  cert_file: {pki.cert_file}\n  key_file: {other_key}\n",
    )
    assert "tls_server_config.cert_file: cannot use certificate and key" in stderr
