"""A small asyncio client for NUT's upsd: STARTTLS, login, LIST UPS, LIST VAR, GET VAR, LOGOUT.

Why our own client rather than one of the libraries on PyPI (the two looked at):
- aionut 4.3.4 (asyncio) has no STARTTLS, splits reply lines on single spaces and only strips
  the quotes of a value (no unescaping of ``\\"`` and ``\\\\``, so a value with two spaces in a
  row or an escaped quote comes out wrong), and reads lines without a length limit (a broken or
  hostile peer can make it buffer without end);
- PyNUTClient 2.8.5 (NUT's own Python client) is blocking (telnetlib, removed in Python 3.13)
  and GPL-3, which the agent's licence cannot take in.
The protocol itself is small and documented (docs/net-protocol.txt); the parsing lives in
``agent.power.nut.protocol`` (pure, property-tested) and this module only moves lines.

Lines are read with a cap (``nutproto.MAX_LINE``): a longer line, a connection closed in the
middle of a line or a list, or a line that is not NUT's protocol raises ``NutProtocolError``; an
``ERR`` reply raises ``NutError`` carrying its code.  Timeouts are the caller's
(``asyncio.timeout`` around the whole exchange).  A password is sent but never logged and never
put in an error message.
"""

from __future__ import annotations

import asyncio
import ssl
from types import TracebackType

from agent.power.nut.protocol import (
    MAX_LINE,
    Err,
    ListReader,
    NutProtocolError,
    Ok,
    Reply,
    VarEntry,
    parse_reply,
    quote,
)
from sansang.errors import SansangError


class NutError(SansangError):
    """upsd answered ``ERR <code> [extra...]``."""

    def __init__(self, code: str, extra: tuple[str, ...] = ()) -> None:
        super().__init__(f"upsd: ERR {code}" + "".join(f" {word}" for word in extra))
        self.code = code
        self.extra = extra

    @classmethod
    def of(cls, reply: Err) -> NutError:
        return cls(reply.code, reply.extra)


class NutConnection:
    """One connection to upsd.  ``async with await connect(...) as nut:`` closes it (after a
    polite LOGOUT when the connection still works)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._broken = False

    async def __aenter__(self) -> NutConnection:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            await self.logout()
        await self.aclose()

    # ---- lines ---------------------------------------------------------------------------

    async def _send(self, line: str) -> None:
        self._writer.write(line.encode("utf-8") + b"\n")
        await self._writer.drain()

    async def _read_line(self) -> str:
        try:
            raw = await self._reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as err:
            self._broken = True
            raise NutProtocolError(f"reply line longer than {MAX_LINE} bytes") from err
        except asyncio.IncompleteReadError as err:
            self._broken = True
            if err.partial:
                raise NutProtocolError(
                    f"connection closed in the middle of a line ({len(err.partial)} bytes)"
                ) from err
            raise NutProtocolError("connection closed before the reply was complete") from err
        return raw.decode("utf-8", errors="replace")

    async def _command(self, line: str) -> Reply:
        """Send one command, read one reply line; ``ERR`` raises ``NutError``."""
        await self._send(line)
        reply = parse_reply(await self._read_line())
        if isinstance(reply, Err):
            raise NutError.of(reply)
        return reply

    async def _expect_ok(self, line: str, what: str) -> Ok:
        reply = await self._command(line)
        if not isinstance(reply, Ok):
            raise NutProtocolError(f"{what}: expected OK, got {type(reply).__name__}")
        return reply

    async def _list(self, *query: str) -> ListReader:
        """``LIST <query>`` read to its end (the words after the first are sent quoted)."""
        await self._send("LIST " + " ".join([query[0], *map(quote, query[1:])]))
        reader = ListReader(tuple(query))
        while not reader.feed(await self._read_line()):
            pass
        if reader.error is not None:
            raise NutError.of(reader.error)
        return reader

    # ---- commands ------------------------------------------------------------------------

    async def starttls(self, context: ssl.SSLContext, server_name: str) -> None:
        """``STARTTLS``, then a TLS handshake that verifies upsd's certificate and name."""
        await self._expect_ok("STARTTLS", "STARTTLS")
        await self._writer.start_tls(context, server_hostname=server_name)

    async def login(self, username: str, password: str) -> None:
        """``USERNAME`` and ``PASSWORD``.  upsd checks them only when a command needs them (or
        at once with a wrong user on newer versions): an ``ERR`` may come here or later."""
        await self._expect_ok(f"USERNAME {quote(username)}", "USERNAME")
        await self._expect_ok(f"PASSWORD {quote(password)}", "PASSWORD")

    async def list_ups(self) -> dict[str, str]:
        """UPS name → description, in upsd's order."""
        return (await self._list("UPS")).devices()

    async def list_var(self, ups: str) -> dict[str, str]:
        """Every variable of ``ups``."""
        return (await self._list("VAR", ups)).variables()

    async def get_var(self, ups: str, name: str) -> str:
        reply = await self._command(f"GET VAR {quote(ups)} {quote(name)}")
        if not isinstance(reply, VarEntry) or (reply.ups, reply.name) != (ups, name):
            raise NutProtocolError(f"GET VAR {ups} {name}: answered {type(reply).__name__}")
        return reply.value

    async def logout(self) -> None:
        """``LOGOUT``, best effort: the answer (``OK Goodbye``, or ``Goodbye...`` from old
        versions) is not checked, and an error while saying goodbye is not one worth raising."""
        if self._broken or self._writer.is_closing():
            return
        try:
            await self._send("LOGOUT")
            await asyncio.wait_for(self._reader.readline(), timeout=1.0)
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            self._broken = True

    def close(self) -> None:
        self._writer.close()

    async def aclose(self) -> None:
        """Close and wait (up to 1 s) until the transport is gone."""
        self._writer.close()
        try:
            await asyncio.wait_for(self._writer.wait_closed(), timeout=1.0)
        except (OSError, TimeoutError):
            self._broken = True


async def connect(
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None = None,
    server_name: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> NutConnection:
    """Open a connection (STARTTLS with ``tls``, then the login when given).  The caller puts
    the timeout around this and the commands that follow."""
    reader, writer = await asyncio.open_connection(host, port, limit=MAX_LINE)
    nut = NutConnection(reader, writer)
    try:
        if tls is not None:
            await nut.starttls(tls, server_name or host)
        if username is not None and password is not None:
            await nut.login(username, password)
    except BaseException:
        nut.close()
        raise
    return nut
