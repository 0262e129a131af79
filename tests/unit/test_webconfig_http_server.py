"""The web config in exporter-toolkit's shape, ``http_server_config`` included, and its reload.

The first file is written exactly as exporter-toolkit's docs/web-configuration.md shows the
sections the agent supports; the reload cases drive :class:`LiveWebConfig` by hand (no timer).
"""

from __future__ import annotations

import base64
import contextlib
import os
import ssl
from pathlib import Path

import bcrypt
import pytest
import trustme
from cryptography import x509

from agent.config import web as webconfig
from agent.web.live_config import LiveWebConfig
from sansang.configfile import ConfigError

TOOLKIT_FILE = """\
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: "NoClientCert"
  min_version: "TLS12"

http_server_config:
  http2: true
  headers:
    Content-Security-Policy: "default-src 'self'"
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
    X-XSS-Protection: "1; mode=block"
    Strict-Transport-Security: "max-age=31536000; includeSubDomains"

basic_auth_users:
  alice: {hash}
"""


def _pki(folder: Path) -> trustme.CA:
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(str(folder / "server.crt"))
    leaf.private_key_pem.write_to_path(str(folder / "server.key"))
    return ca


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _touch_later(path: Path) -> None:
    """Make the change visible even on a file system with coarse timestamps."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_the_toolkit_file_loads_with_its_headers(tmp_path: Path) -> None:
    _pki(tmp_path)
    path = tmp_path / "web.yml"
    path.write_text(TOOLKIT_FILE.format(hash=_hash("pw")), encoding="utf-8")
    cfg = webconfig.load(path)
    assert cfg.http_server_config.http2 is True
    assert cfg.http_server_config.response_headers() == {
        "Content-Security-Policy": "default-src 'self'",
        "X-Frame-Options": "deny",
        "X-Content-Type-Options": "nosniff",
        "X-XSS-Protection": "1; mode=block",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    }
    assert webconfig.Authenticator(cfg).allows(_basic("alice", "pw"))


def test_http2_false_and_blank_headers_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text(
        "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: ''\n",
        encoding="utf-8",
    )
    cfg = webconfig.load(path)
    assert cfg.http_server_config.http2 is False
    assert cfg.http_server_config.response_headers() == {}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("http_server_config:\n  http2: true\n  compress: true\n", 3, "unknown field"),
        ("http_server_config:\n  headers:\n    Server: sansang\n", 2, "'Server' cannot be set"),
        ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 2, "deny, sameorigin"),
    ],
)
def test_a_wrong_key_or_header_is_named_with_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "web.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        webconfig.load(path)
    assert f"{path}:{line}" in str(err.value)
    assert words in str(err.value)


def _served_serial(live: LiveWebConfig) -> int:
    """The serial of the certificate the live context presents, read by a real handshake over
    memory BIOs (no sockets)."""
    assert live.tls is not None
    client = ssl.create_default_context()
    # Only which leaf the server presents is read here (its serial, before and after a
    # rotation); the chain is verified against the test CA by a real agent in
    # tests/integration/test_webconfig_reload.py.
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    cli = client.wrap_bio(c_in, c_out, server_hostname="127.0.0.1")
    srv = live.tls.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for side in (cli, srv):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    der = cli.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der).serial_number


def test_reload_swaps_certificate_users_and_headers_and_keeps_them_on_a_broken_edit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ca = _pki(tmp_path)
    path = tmp_path / "web.yml"
    path.write_text(TOOLKIT_FILE.format(hash=_hash("pw")), encoding="utf-8")
    live = LiveWebConfig(path)
    first = _served_serial(live)
    assert not live.check()  # nothing changed

    leaf = ca.issue_cert("127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "server.crt"))
    leaf.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    _touch_later(tmp_path / "server.key")
    text = TOOLKIT_FILE.format(hash=_hash("pw")) + f"  bob: {_hash('pw2')}\n"
    path.write_text(text.replace("X-Frame-Options: deny", "X-Frame-Options: sameorigin"))
    _touch_later(path)
    assert not live.check()  # changed since the last look: wait until it settles
    assert live.check()
    assert _served_serial(live) != first
    assert live.auth.allows(_basic("bob", "pw2"))
    assert live.config.http_server_config.response_headers()["X-Frame-Options"] == "sameorigin"

    path.write_text(text + "rate_limt: {}\n", encoding="utf-8")
    _touch_later(path)
    live.check()
    assert not live.check()  # refused: the old config stays
    refusals = [r for r in caplog.records if "not reloaded" in r.getMessage()]
    assert len(refusals) == 1
    line = len(text.splitlines()) + 1
    assert f"{path}:{line}" in refusals[0].getMessage()
    assert "$2b$" not in caplog.text
    assert live.auth.allows(_basic("bob", "pw2"))
    assert live.tls is not None
    serial = _served_serial(live)
    assert serial != first
    assert not live.check()  # refused once, not retried until the files change again
