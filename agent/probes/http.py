"""HTTP(S) request with status, duration, body size and TLS certificate expiry.

Certificate verification is always on: ``ca_file`` adds trust (a province's own CA) to the
system's, and there is deliberately no option to turn verification off.  Proxy environment
variables are ignored (``trust_env=False``): the probe measures the path from the centre to the
server, not to a proxy.

Which status is success: when ``valid_status`` is empty, any 2xx or 3xx (the server answered
and did not report an error; with ``follow_redirects`` a 3xx is only final when it has no
``Location``); otherwise exactly the listed codes.

The body is read up to ``max_body_bytes`` and then cut: duration and size then cover the part
read, and the run is still judged by its status.  The size counts bytes as they came over the
link (no decompression).  Header values are never logged (they may carry a token).

The TLS context is built once per CA file (and again when the file changes), not on every run:
loading the system's CA bundle costs ~20 ms of CPU, which 200 terminals every 30 s would feel.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path
from typing import Literal

import aiohttp
from aiohttp.tracing import Trace
from pydantic import Field, field_validator
from yarl import URL

from agent.probes._tls import certificate_expiry, client_context
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.reasons import Reason, describe, reason_for_os_error

_CHUNK = 64 * 1024


class HttpSpec(ProbeSpec):
    """Send one HTTP(S) request; certificate verification is always on."""

    probe: Literal["http"] = Field(default="http", description="`http`")
    url: str = Field(description="http:// or https:// URL")
    method: Literal["GET", "HEAD"] = Field(default="GET", description="`GET` or `HEAD`")
    valid_status: tuple[int, ...] = Field(
        default=(), description="status codes that count as success; empty: any 2xx or 3xx"
    )
    follow_redirects: bool = Field(default=True, description="follow 3xx redirects")
    ca_file: Path | None = Field(
        default=None, description="CA bundle trusted in addition to the system's"
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="extra request headers (values are never logged)"
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=0, le=64 * 1024 * 1024, description="read at most this much body"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        url = URL(value)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"'{value}' is not an http:// or https:// URL")
        return value

    @field_validator("valid_status")
    @classmethod
    def _status_codes(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        wrong = [code for code in value if not 100 <= code <= 599]
        if wrong:
            raise ValueError(f"{wrong} are not HTTP status codes (100-599)")
        return value

    @field_validator("headers")
    @classmethod
    def _one_line_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not name or any(c in name + text for c in "\r\n"):
                raise ValueError(f"header '{name}' must be one non-empty line")
        return value


class _CertRecordingConnector(aiohttp.TCPConnector):
    """Remembers the certificate expiry of the newest connection, read while it is open.

    Each request of a run (redirects included) gets a new connection (``force_close``), so after
    the run this is the certificate of the server that gave the final response.
    """

    expiry: float | None = None

    async def connect(
        self, req: aiohttp.ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> aiohttp.connector.Connection:
        conn = await super().connect(req, traces, timeout)
        transport = conn.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport else None
        self.expiry = certificate_expiry(ssl_object)
        return conn


async def run(spec: HttpSpec, ctx: ProbeContext) -> Outcome:
    try:
        tls = client_context(spec.ca_file, add_to_system=True)
    except (OSError, ssl.SSLError) as err:
        return Outcome.down("error", f"CA file {spec.ca_file}: {describe(err)}")
    connector = _CertRecordingConnector(ssl=tls, force_close=True, use_dns_cache=False)
    started = time.perf_counter()
    try:
        async with (
            asyncio.timeout(ctx.timeout),
            aiohttp.ClientSession(
                connector=connector, trust_env=False, auto_decompress=False
            ) as session,
        ):
            status, size = await _fetch(session, spec, ctx)
    except TimeoutError:
        return Outcome.down("timeout", f"no complete answer within {ctx.timeout:g}s")
    except aiohttp.ClientError as err:
        reason, detail = _reason(err)
        ctx.logger.debug("%s %s failed: %r", spec.method, _safe(spec.url), err)
        return Outcome.down(reason, detail)
    samples = [
        Sample("sansang_http_status_code", status),
        Sample("sansang_http_duration_seconds", time.perf_counter() - started),
        Sample("sansang_http_content_length_bytes", size),
    ]
    if connector.expiry is not None:
        samples.append(Sample("sansang_tls_certificate_expiry_timestamp_seconds", connector.expiry))
    valid = status in spec.valid_status if spec.valid_status else 200 <= status < 400
    if not valid:
        return Outcome.down("http_status", f"HTTP {status}", samples)
    return Outcome(True, samples=samples)


async def _fetch(
    session: aiohttp.ClientSession, spec: HttpSpec, ctx: ProbeContext
) -> tuple[int, int]:
    """The final status and the number of body bytes read (at most ``max_body_bytes``)."""
    async with session.request(
        spec.method, spec.url, headers=spec.headers, allow_redirects=spec.follow_redirects
    ) as resp:
        size = 0
        while size < spec.max_body_bytes:
            chunk = await resp.content.read(min(_CHUNK, spec.max_body_bytes - size))
            if not chunk:
                break
            size += len(chunk)
        cut = size >= spec.max_body_bytes and not resp.content.at_eof()
        hops = " -> ".join(str(r.status) for r in (*resp.history, resp))
        ctx.logger.debug(
            "%s %s: %s, %d body bytes%s, headers sent: %s",
            spec.method, _safe(spec.url), hops, size, " (cut at max_body_bytes)" if cut else "",
            ", ".join(spec.headers) or "none",
        )  # fmt: skip
        return resp.status, size


def _reason(err: aiohttp.ClientError) -> tuple[Reason, str]:
    """Translate an aiohttp error into a reason code and a short detail (once, here)."""
    if isinstance(err, aiohttp.ClientConnectorCertificateError):
        cert_err = err.certificate_error
        text = getattr(cert_err, "verify_message", "") or describe(cert_err)
        return "certificate_invalid", f"certificate not accepted: {text}"
    if isinstance(err, aiohttp.ClientSSLError):
        return "tls_error", describe(err)
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return "name_not_resolved", describe(err)
    if isinstance(err, aiohttp.ClientConnectorError):
        return reason_for_os_error(err.os_error), describe(err)
    if isinstance(err, aiohttp.TooManyRedirects):
        return "protocol_error", f"more than {len(err.history)} redirects"
    if isinstance(err, aiohttp.ClientResponseError | aiohttp.ServerDisconnectedError):
        return "protocol_error", describe(err)
    if isinstance(err, aiohttp.ClientPayloadError | aiohttp.RedirectClientError):
        return "protocol_error", describe(err)
    return "error", describe(err)


def _safe(url: str) -> str:
    """The URL without a user name or password, for logs."""
    return str(URL(url).with_user(None))


def from_target(target: str) -> HttpSpec:
    """``http://HOST[:PORT]/PATH`` or ``https://...``."""
    return HttpSpec(url=target.strip())


KIND = ProbeKind("http", HttpSpec, run, from_target, "HTTP(S) request: status, latency, TLS expiry")
