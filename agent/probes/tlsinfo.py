"""Read what a verified TLS session tells about the server's certificate."""

from __future__ import annotations

import ssl
from typing import Any


def certificate_expiry(ssl_object: Any) -> float | None:
    """notAfter of the peer certificate as Unix time, or None without a verified TLS session."""
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    cert = ssl_object.getpeercert()
    if not cert or "notAfter" not in cert:
        return None
    return float(ssl.cert_time_to_seconds(str(cert["notAfter"])))
