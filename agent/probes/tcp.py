"""TCP connect, optionally followed by a TLS handshake (certificate verification always on)."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from agent.probes._tls import certificate_expiry, client_context
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.reasons import describe, reason_for_os_error


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
    sock: socket.socket | None = None
    writer: asyncio.StreamWriter | None = None
    started = time.perf_counter()
    try:
        async with asyncio.timeout(ctx.timeout):
            if tls_context is None:
                sock = await _connect(spec.host, spec.port)
            else:
                _, writer = await asyncio.open_connection(
                    spec.host,
                    spec.port,
                    ssl=tls_context,
                    server_hostname=spec.server_name or spec.host,
                )
    except TimeoutError:
        return Outcome.down("timeout", f"no answer within {ctx.timeout:g}s")
    except OSError as err:
        ctx.logger.debug("connect to %s:%d failed: %r", spec.host, spec.port, err)
        return Outcome.down(reason_for_os_error(err), describe(err))
    samples = [Sample("sansang_tcp_connect_duration_seconds", time.perf_counter() - started)]
    if sock is not None:
        sock.close()
    if writer is not None:
        samples += await _close_tls(writer, spec, ctx)
    return Outcome(True, samples=samples)


async def _close_tls(
    writer: asyncio.StreamWriter, spec: TcpSpec, ctx: ProbeContext
) -> list[Sample]:
    """The server certificate's expiry, read before the TLS connection is closed."""
    samples = []
    expiry = certificate_expiry(writer.get_extra_info("ssl_object"))
    if expiry is not None:
        samples.append(Sample("sansang_tls_certificate_expiry_timestamp_seconds", expiry))
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), timeout=1.0)
    except (OSError, TimeoutError):
        ctx.logger.debug("closing the connection to %s:%d did not finish", spec.host, spec.port)
    return samples


async def _connect(host: str, port: int) -> socket.socket:
    """A connected non-blocking socket to HOST:PORT, each resolved address tried in turn.

    The plain path: asyncio's streams (a transport, a protocol, a reader and a writer per
    connection) cost three times the CPU of this, and a TCP check only needs the handshake.
    Errors are asyncio's own (``sock_connect`` is what ``open_connection`` uses inside), except
    that when several addresses all fail the first one's error is raised, not one combined
    message without an errno.
    """
    loop = asyncio.get_running_loop()
    first_error: OSError | None = None
    for family, kind, proto, _, address in await _addresses(loop, host, port):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError as err:
            sock.close()
            first_error = first_error or err
            continue
        except BaseException:  # cancelled (the timeout): never leak the socket
            sock.close()
            raise
        return sock
    raise first_error or OSError(f"no address for {host}")


async def _addresses(
    loop: asyncio.AbstractEventLoop, host: str, port: int
) -> list[tuple[Any, ...]]:
    """getaddrinfo for a stream socket; a literal address (a terminal's, nearly always) is taken
    as it is, without the resolver thread asyncio's ``getaddrinfo`` always uses."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        address = (host, port) if family == socket.AF_INET else (host, port, 0, 0)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]
    return await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def from_target(target: str) -> TcpSpec:
    """``HOST:PORT`` or ``[IPv6]:PORT``; prefix ``tls://`` for a TLS handshake."""
    tls = target.startswith("tls://")
    target = target.removeprefix("tls://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"'{target}' is not HOST:PORT")
    return TcpSpec(host=host.strip("[]"), port=int(port), tls=tls)


KIND = ProbeKind("tcp", TcpSpec, run, from_target, "TCP connect (and TLS handshake with tls://)")
