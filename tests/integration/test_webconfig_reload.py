"""The real agent re-reads its web config: a rotated certificate, a new user, a broken edit.

``sansang agent run`` serves HTTPS with a trustme leaf and exporter-toolkit's
``http_server_config.headers``.  The test then rewrites the files on disk and waits (with a
deadline) for new TLS connections to see the change, without restarting the agent.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
import trustme
from cryptography import x509

from agent.web.live_config import RELOAD_INTERVAL
from tests.integration.test_webconfig_tls import TlsAgent, agent_config, basic
from tests.support import wait_until, yaml_writer

pytestmark = pytest.mark.integration

# Two looks at the files (a change must settle for one interval) plus slack for a busy machine.
RELOAD_DEADLINE = 2 * RELOAD_INTERVAL + 20
HEADERS = {
    "Strict-Transport-Security": "max-age=31536000",
    "X-Frame-Options": "deny",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
}


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def _web_config(users: dict[str, str]) -> str:
    return yaml_writer.dump(
        {
            "tls_server_config": {"cert_file": "agent.crt", "key_file": "agent.key"},
            "http_server_config": {"http2": True, "headers": HEADERS},
            "basic_auth_users": users,
        }
    )


class Site:
    def __init__(self, tmp_path: Path) -> None:
        self.folder = tmp_path
        self.ca = trustme.CA(organization_name="sansang reload CA")
        self.ca_file = tmp_path / "ca.crt"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.web = tmp_path / "web-config.yaml"

    def issue(self) -> int:
        """Write a new leaf and its key; return its serial."""
        leaf = self.ca.issue_cert("127.0.0.1")
        leaf.cert_chain_pems[0].write_to_path(str(self.folder / "agent.crt"))
        leaf.private_key_pem.write_to_path(str(self.folder / "agent.key"))
        cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
        return cert.serial_number


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


@pytest.fixture
def agent(tmp_path: Path, site: Site) -> Iterator[TlsAgent]:
    site.issue()
    site.web.write_text(_web_config({"prometheus": _hash("pw-1")}), encoding="utf-8")
    workdir = tmp_path / "run"
    workdir.mkdir()
    proc = TlsAgent(agent_config(tmp_path, site.web), workdir, site.ca_file).start()
    try:
        yield proc
    finally:
        proc.stop()


def served_serial(agent: TlsAgent) -> int:
    """The serial of the certificate a new TLS connection is given (verified against the CA)."""
    port = int(agent.base_url.rsplit(":", 1)[1].split("/")[0])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        agent.trusting.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der).serial_number


def scrape(agent: TlsAgent, user: str, password: str) -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(agent.base_url + "/metrics", headers=basic(user, password))
    try:
        with urllib.request.urlopen(req, timeout=5, context=agent.trusting) as resp:
            return resp.status, dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers)


def test_headers_certificate_users_and_a_broken_edit_without_restart(
    agent: TlsAgent, site: Site
) -> None:
    status, headers = scrape(agent, "prometheus", "pw-1")
    assert status == 200
    assert {k: headers.get(k) for k in HEADERS} == HEADERS
    status, headers = scrape(agent, "prometheus", "wrong")
    assert status == 401
    assert headers.get("X-Frame-Options") == "deny"  # on errors too
    assert scrape(agent, "operator", "pw-2")[0] == 401
    first = served_serial(agent)
    pid = agent.proc.pid if agent.proc else None

    second = site.issue()
    assert second != first
    site.web.write_text(
        _web_config({"prometheus": _hash("pw-1"), "operator": _hash("pw-2")}), encoding="utf-8"
    )
    wait_until(lambda: served_serial(agent) == second, RELOAD_DEADLINE, "the rotated certificate")
    wait_until(lambda: scrape(agent, "operator", "pw-2")[0] == 200, RELOAD_DEADLINE, "the new user")
    assert agent.proc is not None and agent.proc.pid == pid and agent.proc.poll() is None

    site.web.write_text(
        _web_config({"prometheus": _hash("pw-1")}) + "rate_limt: {}\n", encoding="utf-8"
    )
    wait_until(
        lambda: "web config not reloaded" in agent.log(), RELOAD_DEADLINE, "the refusal logged"
    )
    log = agent.log()
    assert f"{site.web}:" in log and "rate_limt" in log
    assert "pw-1" not in log and "$2b$" not in log
    assert scrape(agent, "operator", "pw-2")[0] == 200  # the old config is still in use
    status, headers = scrape(agent, "prometheus", "pw-1")
    assert status == 200 and headers.get("Strict-Transport-Security") == "max-age=31536000"
    assert served_serial(agent) == second
