"""A UPS through NUT's upsd (network protocol, TCP 3493): status flags, battery, input, load.

One connection per poll: connect (STARTTLS, login when configured), pick the UPS, ``LIST VAR``,
``LOGOUT``.  A poll every few seconds costs upsd next to nothing, and a fresh connection never
carries a half-read reply, a TLS session or a login state from a poll that timed out into the
next one.  Every way upsd (or the network) can fail is an ``Outcome.down`` with a reason:

- ``ERR DRIVER-NOT-CONNECTED`` → ``driver_not_connected`` (driver stopped, USB cable out);
- ``ERR DATA-STALE``, or ``ups.status`` ``WAIT`` (upsd started, no data from the driver yet)
  → ``data_stale``;
- ``ERR UNKNOWN-UPS``, no UPS, or several UPS and no ``ups`` configured → ``unknown_device``;
- ``ERR ACCESS-DENIED``, ``INVALID-USERNAME``/``-PASSWORD``, ``USERNAME-``/``PASSWORD-REQUIRED``
  → ``access_denied``.  NUT 2.8's upsd checks a password only for commands that change
  something (SET, INSTCMD, LOGIN, FSD), never for reading: a wrong password on such a upsd is
  not noticed by a read-only poll.  The agent does not send ``LOGIN`` to check it: that would
  count the agent as a machine powered by the UPS (upsmon's primary waits for those before it
  shuts down) and needs an ``upsmon`` role in upsd.users;
- a reply that is not NUT's protocol → ``protocol_error``; socket errors by
  ``reason_for_os_error``; no complete answer within the timeout → ``timeout``.

The password is read from ``password_file`` at each poll (a changed file needs no restart) and
is never logged nor put in a detail.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from agent.power.nut.client import NutConnection, NutError, connect
from agent.power.nut.protocol import NutProtocolError, reading_from_vars
from agent.probes._tls import client_context
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec
from sansang.reasons import Reason, describe, reason_for_os_error

NUT_PORT = 3493


class NutSpec(ProbeSpec):
    """A UPS served by NUT's upsd (the UPS on USB, read by a NUT driver on this or another box)."""

    probe: Literal["nut"] = Field(default="nut", description="`nut`")
    host: str = Field(default="127.0.0.1", min_length=1, description="upsd host name or address")
    port: int = Field(default=NUT_PORT, ge=1, le=65535, description="upsd TCP port")
    ups: str | None = Field(
        default=None,
        description="UPS name on that upsd (`upsc -l` lists them); default: the only one it "
        "serves (an error when it serves several)",
    )
    username: str | None = Field(
        default=None, description="upsd user (upsd.users); reading needs no login by default"
    )
    password_file: Path | None = Field(
        default=None, description="file holding that user's password (never put it in this file)"
    )
    tls: bool = Field(
        default=False, description="STARTTLS before anything else; the certificate is verified"
    )
    ca_file: Path | None = Field(
        default=None, description="CA bundle to verify upsd with; default: the system's"
    )
    server_name: str | None = Field(
        default=None, description="TLS server name to verify; default: `host`"
    )

    @model_validator(mode="after")
    def _login_pair(self) -> NutSpec:
        if (self.username is None) != (self.password_file is None):
            raise ValueError("give both `username` and `password_file`, or neither")
        return self


async def run(spec: NutSpec, ctx: ProbeContext) -> Outcome:
    where = f"upsd {spec.host}:{spec.port}"
    tls: ssl.SSLContext | None = None
    if spec.tls:
        try:
            tls = client_context(spec.ca_file, add_to_system=False)
        except (OSError, ssl.SSLError) as err:
            return Outcome.down("error", f"CA file {spec.ca_file}: {describe(err)}")
    password: str | None = None
    if spec.password_file is not None:
        password_or_error = _read_password(spec.password_file)
        if isinstance(password_or_error, Outcome):
            return password_or_error
        password = password_or_error
    try:
        async with asyncio.timeout(ctx.timeout):
            return await _poll(spec, tls, password, where)
    except TimeoutError:
        return Outcome.down("timeout", f"{where}: no complete answer within {ctx.timeout:g}s")
    except NutError as err:
        return _refused(err, spec, where)
    except NutProtocolError as err:
        ctx.logger.debug("%s: protocol error: %s", where, err)
        return Outcome.down("protocol_error", f"{where}: {err}")
    except OSError as err:
        ctx.logger.debug("%s: %r", where, err)
        return Outcome.down(reason_for_os_error(err), f"{where}: {describe(err)}")


async def _poll(
    spec: NutSpec, tls: ssl.SSLContext | None, password: str | None, where: str
) -> Outcome:
    nut = await connect(
        spec.host,
        spec.port,
        tls=tls,
        server_name=spec.server_name,
        username=spec.username,
        password=password,
    )
    async with nut:
        ups = spec.ups or await _only_ups(nut, where)
        if isinstance(ups, Outcome):
            return ups
        variables = await nut.list_var(ups)
    reading = reading_from_vars(variables)
    if "WAIT" in reading.flags:
        return Outcome.down(
            "data_stale", f"{where}: the driver of {ups} has not sent data yet (status WAIT)"
        )
    return Outcome(True, reading=reading)


async def _only_ups(nut: NutConnection, where: str) -> str | Outcome:
    """The one UPS upsd serves, or a down outcome that names what it serves."""
    names = list(await nut.list_ups())
    if len(names) == 1:
        return names[0]
    if not names:
        return Outcome.down("unknown_device", f"{where} serves no UPS")
    return Outcome.down(
        "unknown_device",
        f"{where} serves several UPS ({', '.join(names)}): set `ups` to one of them",
    )


_ERR_REASONS: dict[str, Reason] = {
    "DRIVER-NOT-CONNECTED": "driver_not_connected",
    "DATA-STALE": "data_stale",
    "UNKNOWN-UPS": "unknown_device",
    "ACCESS-DENIED": "access_denied",
    "INVALID-USERNAME": "access_denied",
    "INVALID-PASSWORD": "access_denied",
    "USERNAME-REQUIRED": "access_denied",
    "PASSWORD-REQUIRED": "access_denied",
    "FEATURE-NOT-SUPPORTED": "tls_error",  # only STARTTLS gets these two
    "FEATURE-NOT-CONFIGURED": "tls_error",
}

_ERR_DETAILS: dict[str, str] = {
    "DRIVER-NOT-CONNECTED": "upsd runs but has no connection to the UPS driver",
    "DATA-STALE": "the driver gets no fresh data from the UPS",
    "UNKNOWN-UPS": "no such UPS on this upsd",
    "FEATURE-NOT-SUPPORTED": "upsd was built without TLS (STARTTLS refused)",
    "FEATURE-NOT-CONFIGURED": "upsd has no certificate configured (STARTTLS refused)",
}


def _refused(err: NutError, spec: NutSpec, where: str) -> Outcome:
    """An ERR reply → a down outcome; the code is always in the detail."""
    reason = _ERR_REASONS.get(err.code, "error")
    what = _ERR_DETAILS.get(err.code)
    if reason == "access_denied":
        what = f"upsd refused the login of user {spec.username!r}" if spec.username else None
    ups = f" ({spec.ups})" if spec.ups else ""
    detail = f"{where}{ups}: ERR {err.code}" + (f": {what}" if what else "")
    return Outcome.down(reason, detail)


def _read_password(path: Path) -> str | Outcome:
    """The password (one line; a trailing line break is not part of it), or a down outcome whose
    detail never shows the file's content."""
    try:
        password = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as err:
        cause = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
        return Outcome.down("error", f"password file {path}: {cause}")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in password):
        return Outcome.down("error", f"password file {path}: holds a control character")
    return password


def from_target(target: str) -> NutSpec:
    """``UPS@HOST[:PORT]`` as upsc writes it, ``HOST[:PORT]``, or ``UPS@`` for this box."""
    ups, _, where = target.rpartition("@")
    host, _, port = where.partition(":")
    if port and not port.isdigit():
        raise ValueError(f"'{target}' is not UPS@HOST[:PORT]")
    return NutSpec(ups=ups or None, host=host or "127.0.0.1", port=int(port or NUT_PORT))


KIND = ProbeKind(
    "nut",
    NutSpec,
    run,
    from_target,
    "a UPS through NUT's upsd: status flags, charge, runtime, input voltage, load (UPS@HOST)",
    category="power",
)
