"""The NUT probe against a fake upsd on 127.0.0.1 that misbehaves: garbage, truncated lines, a
1 MiB line, a connection closed in the middle of a list, silence, ERR replies, STARTTLS with a
real TLS handshake.  Each gives a down Outcome with the right reason and a clear detail, within
the timeout; no exception escapes the probe."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trustme

from agent.power.nut.client import NutError, connect
from agent.power.nut.protocol import NutProtocolError, split_words
from agent.probes import nut
from agent.probes.base import Outcome, ProbeContext

TIMEOUT = 1.0
Serve = Callable[["Peer"], Awaitable[None]]

GOOD_VARS = (
    b"BEGIN LIST VAR ups1\n"
    b'VAR ups1 ups.status "OB  DISCHRG"\n'
    b'VAR ups1 battery.charge " 55 "\n'
    b'VAR ups1 battery.runtime "600"\n'
    b'VAR ups1 ups.model "Back-UPS \\"ES\\" 650"\n'
    b"END LIST VAR ups1\n"
)


class Peer:
    """One client connection as the fake upsd sees it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.commands: list[list[str]] = []

    async def command(self) -> list[str]:
        """The next command's words ([] at EOF)."""
        line = await self.reader.readline()
        words = split_words(line.decode()) if line else []
        self.commands.append(words)
        return words

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer_until(self, words: list[str], data: bytes) -> None:
        """Answer OK to everything until the command ``words``, then send ``data``."""
        while (got := await self.command()) and got != words:
            await self.send(b"OK\n")
        await self.send(data)


@asynccontextmanager
async def fake_upsd(serve: Serve) -> AsyncIterator[tuple[int, list[Peer]]]:
    peers: list[Peer] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = Peer(reader, writer)
        peers.append(peer)
        try:
            # the client going away is what many of these tests provoke
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                await serve(peer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, peers
    finally:
        server.close()
        await server.wait_closed()


async def probe(port: int, timeout: float = TIMEOUT, **spec: Any) -> tuple[Outcome, float]:
    ctx = ProbeContext("ups", timeout, logging.getLogger("test.nut"))
    started = time.monotonic()
    outcome = await nut.run(nut.NutSpec(host="127.0.0.1", port=port, **spec), ctx)
    return outcome, time.monotonic() - started


# ---- a good answer -------------------------------------------------------------------------


async def test_good_answer_gives_a_reading() -> None:
    async def serve(peer: Peer) -> None:
        await peer.answer_until(["LIST", "VAR", "ups1"], GOOD_VARS)
        assert await peer.command() == ["LOGOUT"]
        await peer.send(b"OK Goodbye\n")

    async with fake_upsd(serve) as (port, peers):
        outcome, _ = await probe(port, ups="ups1")
    assert outcome.success, outcome
    assert outcome.reading is not None
    assert outcome.reading.flags == {"OB", "DISCHRG"}
    assert outcome.reading.battery_charge_ratio == pytest.approx(0.55)
    assert outcome.reading.model == 'Back-UPS "ES" 650'
    assert outcome.samples == []  # power probes return no samples
    assert peers[0].commands[-1] == ["LOGOUT"]


async def test_the_only_ups_is_picked() -> None:
    async def serve(peer: Peer) -> None:
        await peer.answer_until(["LIST", "UPS"], b'BEGIN LIST UPS\nUPS ups1 "desk"\nEND LIST UPS\n')
        await peer.answer_until(["LIST", "VAR", "ups1"], GOOD_VARS)

    async with fake_upsd(serve) as (port, _):
        outcome, _ = await probe(port)
    assert outcome.success and outcome.reading is not None


async def test_several_ups_and_none_configured_is_unknown_device_naming_them() -> None:
    listing = b'BEGIN LIST UPS\nUPS a "one"\nUPS b "two"\nEND LIST UPS\n'

    async def serve(peer: Peer) -> None:
        await peer.answer_until(["LIST", "UPS"], listing)

    async with fake_upsd(serve) as (port, _):
        outcome, _ = await probe(port)
    assert (outcome.success, outcome.reason) == (False, "unknown_device")
    assert "several UPS (a, b)" in outcome.detail and "`ups`" in outcome.detail


async def test_no_ups_served_is_unknown_device() -> None:
    async def serve(peer: Peer) -> None:
        await peer.answer_until(["LIST", "UPS"], b"BEGIN LIST UPS\nEND LIST UPS\n")

    async with fake_upsd(serve) as (port, _):
        outcome, _ = await probe(port)
    assert (outcome.reason, outcome.detail) == (
        "unknown_device",
        f"upsd 127.0.0.1:{port} serves no UPS",
    )


async def test_status_wait_is_data_stale() -> None:
    wait = b'BEGIN LIST VAR ups1\nVAR ups1 ups.status "WAIT"\nEND LIST VAR ups1\n'

    async def serve(peer: Peer) -> None:
        await peer.answer_until(["LIST", "VAR", "ups1"], wait)

    async with fake_upsd(serve) as (port, _):
        outcome, _ = await probe(port, ups="ups1")
    assert outcome.reason == "data_stale"
    assert "has not sent data yet" in outcome.detail


# ---- ERR replies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("err", "reason", "words"),
    [
        ("DRIVER-NOT-CONNECTED", "driver_not_connected", "no connection to the UPS driver"),
        ("DATA-STALE", "data_stale", "no fresh data"),
        ("UNKNOWN-UPS", "unknown_device", "no such UPS"),
        ("ACCESS-DENIED", "access_denied", "ERR ACCESS-DENIED"),
        ("SOMETHING-NEW", "error", "ERR SOMETHING-NEW"),
    ],
)
async def test_err_replies_map_to_reasons(err: str, reason: str, words: str) -> None:
    async def serve(peer: Peer) -> None:
        await peer.answer_until(["LIST", "VAR", "ups1"], f"ERR {err}\n".encode())

    async with fake_upsd(serve) as (port, _):
        outcome, _ = await probe(port, ups="ups1")
    assert (outcome.success, outcome.reason) == (False, reason)
    assert words in outcome.detail and f"ERR {err}" in outcome.detail


@pytest.mark.parametrize("err", ["INVALID-PASSWORD", "ACCESS-DENIED", "PASSWORD-REQUIRED"])
async def test_refused_login_is_access_denied_without_the_password(
    tmp_path: Path, err: str
) -> None:
    secret = "hunter2 #secret"
    (tmp_path / "pw").write_text(secret + "\n")

    async def serve(peer: Peer) -> None:
        await peer.answer_until(["PASSWORD", secret], f"ERR {err}\n".encode())

    async with fake_upsd(serve) as (port, peers):
        outcome, _ = await probe(port, ups="ups1", username="mon", password_file=tmp_path / "pw")
    assert outcome.reason == "access_denied"
    assert "user 'mon'" in outcome.detail and "hunter2" not in outcome.detail
    assert peers[0].commands[:2] == [["USERNAME", "mon"], ["PASSWORD", secret]]


async def test_missing_password_file_is_an_error_before_connecting(tmp_path: Path) -> None:
    outcome, _ = await probe(1, ups="u", username="mon", password_file=tmp_path / "none")
    assert outcome.reason == "error"
    assert "password file" in outcome.detail and "No such file" in outcome.detail


# ---- garbage, truncation, huge lines, silence ----------------------------------------------


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (b"\x89PNG\r\n\x1a\n", "not a NUT reply"),
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", "not a NUT reply"),
        (b'BEGIN LIST VAR ups1\nVAR ups1 ups.status "OL\n', "quoted word never closed"),
        (b'BEGIN LIST VAR ups1\nUPS x "y"\n', "unexpected line inside list"),
        (b"OK\n", "expected 'BEGIN LIST VAR ups1'"),
        (b'BEGIN LIST VAR ups1\nVAR ups1 ups.status "O', "closed in the middle of a line"),
        (b'BEGIN LIST VAR ups1\nVAR ups1 ups.status "OL"\n', "closed before the reply"),
        (b"", "closed before the reply"),
        (b'BEGIN LIST VAR ups1\nVAR ups1 x "' + b"A" * (1 << 20) + b'"\n', "longer than 8192"),
    ],
    ids=[
        "binary",
        "http",
        "open-quote",
        "wrong-entry",
        "no-begin",
        "truncated",
        "mid-list",
        "closed",
        "1MiB-line",
    ],
)
async def test_bad_replies_are_protocol_errors(reply: bytes, words: str) -> None:
    async def serve(peer: Peer) -> None:
        await peer.answer_until(["LIST", "VAR", "ups1"], reply)
        peer.writer.close()  # then hang up

    async with fake_upsd(serve) as (port, _):
        outcome, took = await probe(port, ups="ups1")
    assert (outcome.success, outcome.reason) == (False, "protocol_error"), outcome
    assert words in outcome.detail and f"127.0.0.1:{port}" in outcome.detail
    assert took < TIMEOUT


async def test_silent_upsd_times_out_on_time() -> None:
    async def serve(peer: Peer) -> None:
        while await peer.command():
            pass  # reads everything, answers nothing

    async with fake_upsd(serve) as (port, _):
        outcome, took = await probe(port, timeout=0.5, ups="ups1")
    assert outcome.reason == "timeout" and "within 0.5s" in outcome.detail
    assert 0.5 <= took < 0.5 + 0.5


async def test_nobody_listening_is_refused() -> None:
    async with fake_upsd(lambda peer: asyncio.sleep(0)) as (port, _):
        pass  # the port is free again
    outcome, _ = await probe(port, ups="ups1")
    assert outcome.reason == "refused"


async def test_client_raises_typed_errors() -> None:
    """The client itself: an ERR is a NutError carrying the code, garbage a NutProtocolError."""

    async def serve(peer: Peer) -> None:
        await peer.answer_until(["GET", "VAR", "ups1", "ups.status"], b"ERR DATA-STALE\n")
        await peer.answer_until(["LIST", "UPS"], b"BEGIN LIST UPS\nnonsense\n")

    async with fake_upsd(serve) as (port, _):
        conn = await connect("127.0.0.1", port)
        with pytest.raises(NutError) as caught:
            await conn.get_var("ups1", "ups.status")
        assert caught.value.code == "DATA-STALE"
        with pytest.raises(NutProtocolError):
            await conn.list_ups()
        await conn.aclose()


# ---- STARTTLS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="sansang NUT test CA")


def _tls_serve(server_ctx: ssl.SSLContext | None, refuse: str = "") -> Serve:
    async def serve(peer: Peer) -> None:
        assert await peer.command() == ["STARTTLS"]  # before anything else
        if refuse:
            await peer.send(f"ERR {refuse}\n".encode())
            return
        await peer.send(b"OK STARTTLS\n")
        assert server_ctx is not None
        try:
            await peer.writer.start_tls(server_ctx)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate
        await peer.answer_until(["LIST", "VAR", "ups1"], GOOD_VARS)

    return serve


def _server_context(ca: trustme.CA, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


async def test_starttls_with_a_verified_certificate(ca: trustme.CA, tmp_path: Path) -> None:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    serve = _tls_serve(_server_context(ca, "ups.example.test"))
    async with fake_upsd(serve) as (port, peers):
        outcome, _ = await probe(
            port, ups="ups1", tls=True, ca_file=tmp_path / "ca.pem", server_name="ups.example.test"
        )
    assert outcome.success, outcome
    assert outcome.reading is not None and outcome.reading.flags == {"OB", "DISCHRG"}
    assert peers[0].writer.get_extra_info("ssl_object") is not None  # really TLS after STARTTLS


async def test_starttls_with_a_wrong_name_is_certificate_invalid(
    ca: trustme.CA, tmp_path: Path
) -> None:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    serve = _tls_serve(_server_context(ca, "other.example.test"))
    async with fake_upsd(serve) as (port, _):
        outcome, _ = await probe(
            port, ups="ups1", tls=True, ca_file=tmp_path / "ca.pem", server_name="ups.example.test"
        )
    assert outcome.reason == "certificate_invalid", outcome


async def test_starttls_from_another_ca_is_certificate_invalid(
    ca: trustme.CA, tmp_path: Path
) -> None:
    trustme.CA().cert_pem.write_to_path(str(tmp_path / "other-ca.pem"))
    serve = _tls_serve(_server_context(ca, "127.0.0.1"))
    async with fake_upsd(serve) as (port, _):
        outcome, _ = await probe(port, ups="ups1", tls=True, ca_file=tmp_path / "other-ca.pem")
    assert outcome.reason == "certificate_invalid", outcome


@pytest.mark.parametrize("err", ["FEATURE-NOT-CONFIGURED", "FEATURE-NOT-SUPPORTED"])
async def test_starttls_refused_is_tls_error(err: str) -> None:
    async with fake_upsd(_tls_serve(None, refuse=err)) as (port, _):
        outcome, _ = await probe(port, ups="ups1", tls=True)
    assert outcome.reason == "tls_error" and f"ERR {err}" in outcome.detail
