"""TCP connect, optionally followed by a TLS handshake (certificate verification always on)."""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path
from typing import Literal

from pydantic import Field

from agent.probes.base import (
    Outcome,
    ProbeContext,
    ProbeKind,
    ProbeSpec,
    Sample,
    describe,
    reason_for_os_error,
)
from agent.probes.tlsinfo import certificate_expiry, client_context


class TcpSpec(ProbeSpec):
    """Connect to a TCP port (and complete a TLS handshake with `tls: true`)."""

    probe: Literal["tcp"] = Field(default="tcp", description="`tcp`")
    host: str = Field(min_length=1, description="host name or address")
    port: int = Field(ge=1, le=65535, description="TCP port")
    tls: bool = Field(default=False, description="complete a TLS handshake after connecting")
    ca_file: Path | None = Field(
        default=None, description="CA bundle to verify the server with; default: the system's"
    )
    server_name: str | None = Field(
        default=None, description="TLS server name to verify; default: `host`"
    )


async def run(spec: TcpSpec, ctx: ProbeContext) -> Outcome:
    tls_context: ssl.SSLContext | None = None
    if spec.tls:
        try:
            tls_context = client_context(spec.ca_file, add_to_system=False)
        except (OSError, ssl.SSLError) as err:
            return Outcome.down("error", f"CA file {spec.ca_file}: {describe(err)}")
    started = time.perf_counter()
    try:
        async with asyncio.timeout(ctx.timeout):
            _, writer = await asyncio.open_connection(
                spec.host,
                spec.port,
                ssl=tls_context,
                server_hostname=(spec.server_name or spec.host) if tls_context else None,
            )
    except TimeoutError:
        return Outcome.down("timeout", f"no answer within {ctx.timeout:g}s")
    except OSError as err:
        ctx.logger.debug("connect to %s:%d failed: %r", spec.host, spec.port, err)
        return Outcome.down(reason_for_os_error(err), describe(err))
    elapsed = time.perf_counter() - started
    samples = [Sample("sansang_tcp_connect_duration_seconds", elapsed)]
    expiry = certificate_expiry(writer.get_extra_info("ssl_object"))
    if expiry is not None:
        samples.append(Sample("sansang_tls_certificate_expiry_timestamp_seconds", expiry))
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), timeout=1.0)
    except (OSError, TimeoutError):
        ctx.logger.debug("closing the connection to %s:%d did not finish", spec.host, spec.port)
    return Outcome(True, samples=samples)


def from_target(target: str) -> TcpSpec:
    """``HOST:PORT`` or ``[IPv6]:PORT``; prefix ``tls://`` for a TLS handshake."""
    tls = target.startswith("tls://")
    target = target.removeprefix("tls://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"'{target}' is not HOST:PORT")
    return TcpSpec(host=host.strip("[]"), port=int(port), tls=tls)


KIND = ProbeKind("tcp", TcpSpec, run, from_target, "TCP connect (and TLS handshake with tls://)")
