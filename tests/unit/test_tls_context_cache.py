"""TLS client contexts are built once per CA file and rebuilt when the file changes."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import trustme

from agent.probes import PROBES
from agent.probes._tls import client_context
from agent.probes.base import ProbeContext
from agent.probes.tcp import TcpSpec


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


def test_one_context_per_file_until_the_file_changes(ca_file: Path) -> None:
    first = client_context(ca_file, add_to_system=False)
    assert client_context(ca_file, add_to_system=False) is first
    assert first.cert_store_stats()["x509_ca"] == 1  # tcp: the CA file alone

    added = client_context(ca_file, add_to_system=True)  # http: the system's trust plus it
    assert added is not first and added is client_context(ca_file, add_to_system=True)

    trustme.CA().cert_pem.write_to_path(str(ca_file))  # a new CA in the same file
    stat = ca_file.stat()
    os.utime(ca_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    rebuilt = client_context(ca_file, add_to_system=False)
    assert rebuilt is not first
    assert rebuilt.get_ca_certs() != first.get_ca_certs()


def test_system_trust_context_is_shared() -> None:
    assert client_context(None, add_to_system=False) is client_context(None, add_to_system=True)


async def test_tcp_probe_with_a_missing_ca_file_is_an_error_outcome(tmp_path: Path) -> None:
    spec = TcpSpec(host="127.0.0.1", port=9, tls=True, ca_file=tmp_path / "missing.pem")
    ctx = ProbeContext("test", 1.0, logging.getLogger("test"))
    outcome = await PROBES["tcp"].run(spec, ctx)
    assert (outcome.success, outcome.reason) == (False, "error")
    assert "missing.pem" in outcome.detail
