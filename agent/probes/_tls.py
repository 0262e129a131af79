"""TLS for the probes: the client contexts they verify servers with, and what a verified
session tells about the server's certificate."""

from __future__ import annotations

import functools
import ssl
from pathlib import Path
from typing import Any


def client_context(ca_file: Path | None, *, add_to_system: bool) -> ssl.SSLContext:
    """A client context that verifies the chain and the host name, built once per CA file
    (building one costs ~20 ms of CPU) and again when the file changes (its mtime).

    Without ``ca_file``: the system's trust.  With it: the system's trust plus ``ca_file``
    (``add_to_system``, the http probe) or ``ca_file`` alone (the tcp probe).  Raises
    ``OSError`` or ``ssl.SSLError`` when the file cannot be read or holds no certificate."""
    if ca_file is None:
        return _client_context(None, 0, False)
    return _client_context(ca_file, ca_file.stat().st_mtime_ns, add_to_system)


@functools.lru_cache(maxsize=16)
def _client_context(ca_file: Path | None, _mtime_ns: int, add_to_system: bool) -> ssl.SSLContext:
    if ca_file is None:
        return ssl.create_default_context()
    if not add_to_system:
        return ssl.create_default_context(cafile=str(ca_file))
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=str(ca_file))
    return context


def certificate_expiry(ssl_object: Any) -> float | None:
    """notAfter of the peer certificate as Unix time, or None without a verified TLS session."""
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    cert = ssl_object.getpeercert()
    if not cert or "notAfter" not in cert:
        return None
    return float(ssl.cert_time_to_seconds(str(cert["notAfter"])))
