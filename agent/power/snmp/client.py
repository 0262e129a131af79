"""The SNMP client of the ``snmp_ups`` probe (pysnmp 7, asyncio): UPS-MIB (RFC 1628) or APC
PowerNet-MIB, SNMPv2c or SNMPv3 authPriv.

``read`` gives a ``PowerReading`` or raises ``SnmpFailure`` (a reason and a detail); the probe
(``agent/probes/snmp_ups.py``) turns either into its outcome, so nothing here knows the probes.

One GET per poll carries every scalar of the MIB (``agent/power/snmp/mibs.py`` has the OIDs and
the mapping onto NUT's flags).  ``mib: auto`` asks UPS-MIB first and PowerNet when the card has
no ``upsOutputSource``; the MIB that answered is asked first on the next polls.

pysnmp's low-level API (``pysnmp.entity.config`` + ``rfc3413.cmdgen``) is used rather than the
``hlapi`` ``get_cmd``: ``get_cmd`` resolves every OID through a MIB view controller, which loads
MIB modules (and imports pysmi when it is installed) on the first request, about 0.3-0.5 s, and
pysmi 2 makes that import raise DeprecationWarnings.  With numeric OIDs nothing is resolved.

Each source has its own SnmpEngine (its USM user and its discovered engine ID are cached in it,
so a v3 poll is one round trip after the first), but the engine holds no socket between polls:
the UDP transport is opened on the running loop for one poll and closed after it.  A silent
device therefore costs only its own poll's time, never another source's, and nothing is bound to
an event loop that may be gone by the next poll.  Secrets (community, v3 keys) are read from the
target and the key files at each poll; they are never logged nor put in a failure's detail.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
from pyasn1.type import univ  # type: ignore[import-untyped]
from pysnmp.carrier.asyncio.dgram import udp, udp6  # type: ignore[import-untyped]
from pysnmp.entity import config, engine  # type: ignore[import-untyped]
from pysnmp.entity.rfc3413 import cmdgen  # type: ignore[import-untyped]
from pysnmp.error import PySnmpError  # type: ignore[import-untyped]
from pysnmp.proto import errind  # type: ignore[import-untyped]
from pysnmp.proto.rfc1902 import ObjectName  # type: ignore[import-untyped]
from pysnmp.proto.rfc1905 import (  # type: ignore[import-untyped]
    EndOfMibView,
    NoSuchInstance,
    NoSuchObject,
)

from agent.power.reading import PowerReading
from agent.power.snmp.mibs import MIBS, Mib, MibName, MibValueError, Value
from agent.power.snmp.target import MibChoice, SnmpTarget
from sansang.errors import SansangError
from sansang.reasons import Reason, describe, reason_for_os_error

# pysnmp's v3 protocol names for the spec's; AES192/AES256 are the Blumenthal draft ciphers
# (what net-snmp calls AES-192/AES-256), not Cisco's "AES192C".
_AUTH_PROTOCOLS = {
    "SHA": config.USM_AUTH_HMAC96_SHA,
    "SHA224": config.USM_AUTH_HMAC128_SHA224,
    "SHA256": config.USM_AUTH_HMAC192_SHA256,
    "SHA384": config.USM_AUTH_HMAC256_SHA384,
    "SHA512": config.USM_AUTH_HMAC384_SHA512,
}
_PRIV_PROTOCOLS = {
    "AES": config.USM_PRIV_CFB128_AES,
    "AES192": config.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "AES256": config.USM_PRIV_CFB256_AES_BLUMENTHAL,
}
# errorIndications that mean "the agent does not accept these credentials" (SNMPv3 USM reports).
_DENIED = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.DecryptionError,
    errind.UnknownSecurityName,
    errind.UnsupportedSecurityLevel,
    errind.AuthenticationFailure,
    errind.AuthenticationError,
    errind.NoAccessEntry,
)
_DENIED_STATUS = {"noAccess", "authorizationError"}
_MIN_KEY_LENGTH = 8  # RFC 3414 (11.2): shorter pass phrases are refused
_PYSNMP_MARGIN = 0.2  # pysnmp's own timeout ends this much before ours (its timer ticks 0.1 s)
_TARGET, _PARAMS, _COMMUNITY_INDEX = "ups", "ups-params", "sansang"

Command = Literal["get", "next"]
T = TypeVar("T")

_sessions: dict[tuple[object, ...], _Session] = {}
# (host, port, context name) -> the MIB that answered there last (``mib: auto`` asks it first)
_answered: dict[tuple[str, int, str], MibName] = {}


class SnmpFailure(SansangError):
    """Why a poll read nothing: a machine reason (the status page translates it) and a detail
    without secrets; the probe reports them as its outcome's reason and detail."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason: Reason = reason
        self.detail = detail


@dataclass(frozen=True)
class _Credentials:
    community: str = ""
    auth_key: str = ""
    priv_key: str = ""

    def digest(self) -> str:
        """Tells whether the secrets changed since the session was built, without keeping them
        a second time."""
        text = "\0".join((self.community, self.auth_key, self.priv_key))
        return hashlib.sha256(text.encode()).hexdigest()


class _Session:
    """One source's SnmpEngine with its credentials configured; a transport only during a poll."""

    def __init__(self, target: SnmpTarget, creds: _Credentials) -> None:
        self.digest = creds.digest()
        self.busy = False
        self.engine = engine.SnmpEngine()
        if target.version == "2c":
            config.add_v1_system(self.engine, _COMMUNITY_INDEX, creds.community)
            config.add_target_parameters(self.engine, _PARAMS, _COMMUNITY_INDEX, "noAuthNoPriv", 1)
        else:
            config.add_v3_user(
                self.engine,
                target.user,
                _AUTH_PROTOCOLS[target.auth_protocol],
                creds.auth_key,
                _PRIV_PROTOCOLS[target.priv_protocol],
                creds.priv_key,
            )
            config.add_target_parameters(self.engine, _PARAMS, target.user, "authPriv", 3)

    async def get(
        self,
        address: tuple[str, int],
        ipv6: bool,
        oids: list[str],
        context: str,
        budget: float,
        command: Command = "get",
    ) -> list[tuple[str, Any]]:
        """One GET (or GETNEXT) of ``oids``; pysnmp's timeout and retries fit in ``budget``
        seconds."""
        retries = 1 if budget >= 2.0 else 0  # one retry against a lost datagram when time allows
        per_try = max(0.1, (budget - _PYSNMP_MARGIN) / (retries + 1))
        domain, transport = (
            (udp6.DOMAIN_NAME, udp6.Udp6AsyncioTransport())
            if ipv6
            else (udp.DOMAIN_NAME, udp.UdpAsyncioTransport())
        )
        config.add_transport(self.engine, domain, transport.open_client_mode())
        try:
            config.add_target_address(
                self.engine,
                _TARGET,
                domain,
                address,
                _PARAMS,
                timeout=round(per_try * 100),  # hundredths of a second
                retryCount=retries,
            )
            try:
                return await self._send(oids, context, command)
            finally:
                config.delete_target_address(self.engine, _TARGET)
        finally:
            self.engine.close_dispatcher()  # closes the socket; a new one on the next poll

    async def _send(self, oids: list[str], context: str, command: Command) -> list[tuple[str, Any]]:
        future: asyncio.Future[tuple[Any, Any, Any, Any]] = (
            asyncio.get_running_loop().create_future()
        )

        def done(*args: Any) -> None:  # (engine, handle, indication, status, index, varbinds, ctx)
            if not future.done():
                future.set_result(args[2:6])

        generator = (
            cmdgen.NextCommandGeneratorSingleRun()
            if command == "next"
            else cmdgen.GetCommandGenerator()
        )
        generator.send_varbinds(
            self.engine, _TARGET, None, context, [(ObjectName(oid), None) for oid in oids], done
        )
        indication, status, index, varbinds = await future
        if indication:
            raise _indication_failure(indication)
        if status:
            name = status.prettyPrint()
            reason: Reason = "access_denied" if name in _DENIED_STATUS else "protocol_error"
            raise SnmpFailure(reason, f"the agent answered {name} (error index {int(index)})")
        return [(str(oid), value) for oid, value in varbinds]


async def read(target: SnmpTarget, timeout: float, logger: logging.Logger) -> PowerReading:
    """What the UPS says now, within ``timeout`` seconds; ``SnmpFailure`` when it says nothing
    usable."""
    return await exchange(target, timeout, logger, lambda ask: _read(target, ask))


class Requester:
    """One poll's questions to one agent (GET and GETNEXT on numeric OIDs), each within what is
    left of the poll's budget; handed to the reader that :func:`exchange` runs."""

    def __init__(
        self, session: _Session, address: tuple[str, int], ipv6: bool, context: str, deadline: float
    ) -> None:
        self._session, self._address, self._ipv6 = session, address, ipv6
        self._context, self._deadline = context, deadline

    async def get(self, oids: list[str]) -> list[tuple[str, Any]]:
        return await self._ask(oids, "get")

    async def next(self, oids: list[str]) -> list[tuple[str, Any]]:
        """GETNEXT: for each OID, the agent's next object and its value."""
        return await self._ask(oids, "next")

    async def _ask(self, oids: list[str], command: Command) -> list[tuple[str, Any]]:
        budget = self._deadline - asyncio.get_running_loop().time()
        return await self._session.get(
            self._address, self._ipv6, oids, self._context, budget, command
        )


async def exchange(
    target: SnmpTarget,
    timeout: float,
    logger: logging.Logger,
    reader: Callable[[Requester], Awaitable[T]],
) -> T:
    """Run ``reader`` against the target's agent within ``timeout`` seconds; every failure (no
    answer, refused credentials, a malformed reply) comes out as ``SnmpFailure``.  Other SNMP
    readers than the UPS's (a printer's Printer MIB) use this too."""
    creds = _read_credentials(target)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        async with asyncio.timeout_at(deadline):
            address, ipv6 = await _resolve(target.host, target.port)
            with _session(target, creds) as session:
                return await reader(
                    Requester(session, address, ipv6, target.context_name, deadline)
                )
    except TimeoutError:
        raise SnmpFailure("timeout", _no_answer(target, timeout)) from None
    except SnmpFailure as failure:
        if failure.reason == "timeout":
            raise SnmpFailure("timeout", _no_answer(target, timeout)) from None
        raise
    except (PySnmpError, PyAsn1Error) as err:
        logger.debug("SNMP to %s:%d failed: %r", target.host, target.port, err)
        raise SnmpFailure("protocol_error", describe(err)) from None


async def _read(target: SnmpTarget, ask: Requester) -> PowerReading:
    """GET the MIB(s) in order until one has its status object; remember which one did."""
    where = (target.host, target.port, target.context_name)
    for mib in _mib_order(target.mib, _answered.get(where)):
        names = list(mib.objects)
        oids = [mib.objects[name] for name in names]
        varbinds = await ask.get(oids)
        values = _decode(names, oids, varbinds)
        if mib.answered(values):
            _answered[where] = mib.name
            try:
                return mib.to_reading(values)
            except MibValueError as err:
                raise SnmpFailure("protocol_error", str(err)) from None
    asked = " nor ".join(f"{MIBS[m].name} {MIBS[m].status_object}" for m in _mib_names(target.mib))
    raise SnmpFailure("unknown_device", f"the agent has no {asked}: not a UPS-MIB/PowerNet UPS")


def _mib_names(choice: MibChoice) -> list[MibName]:
    if choice == "auto":
        return ["ups-mib", "powernet"]
    return [choice]


def _mib_order(choice: MibChoice, remembered: MibName | None) -> list[Mib]:
    names = _mib_names(choice)
    if remembered is not None and remembered in names:
        names.remove(remembered)
        names.insert(0, remembered)
    return [MIBS[name] for name in names]


def _decode(names: list[str], oids: list[str], varbinds: list[tuple[str, Any]]) -> dict[str, Value]:
    """pysnmp values → int / str / None, by object name; the answer must match the question."""
    if [oid for oid, _ in varbinds] != oids:
        raise SnmpFailure("protocol_error", "the answer's OIDs do not match the GET")
    return {name: _value(value) for name, (_, value) in zip(names, varbinds, strict=True)}


def _value(value: Any) -> Value:
    if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView | univ.Null):
        return None  # the agent does not have this object: unknown, not 0
    if isinstance(value, univ.Integer):  # Integer32, Gauge32, Counter32/64, TimeTicks, Unsigned32
        return int(value)
    if isinstance(value, univ.OctetString):
        return bytes(value).decode("utf-8", "replace")
    return str(value.prettyPrint())


@contextmanager
def _session(target: SnmpTarget, creds: _Credentials) -> Iterator[_Session]:
    """This source's cached session, rebuilt when its secrets changed; a throw-away one when a
    poll of the same source is still running (the runner never overlaps two polls of a source,
    but nothing else has to promise that)."""
    key = (
        target.host,
        target.port,
        target.version,
        target.user,
        target.auth_protocol,
        target.priv_protocol,
    )
    session = _sessions.get(key)
    if session is None or session.digest != creds.digest():
        session = _sessions[key] = _Session(target, creds)
    if session.busy:
        session = _Session(target, creds)
    session.busy = True
    try:
        yield session
    finally:
        session.busy = False


def _read_credentials(target: SnmpTarget) -> _Credentials:
    """The community, or the v3 keys read from their files now (a rotated key is picked up)."""
    if target.version == "2c":
        return _Credentials(community=target.community)
    # v3 without both key files never passes the spec's validator
    assert target.auth_key_file is not None and target.priv_key_file is not None
    return _Credentials(
        auth_key=_read_key(target.auth_key_file, "auth"),
        priv_key=_read_key(target.priv_key_file, "priv"),
    )


def _read_key(path: Path, which: str) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as err:
        reason: Reason = "permission_denied" if isinstance(err, PermissionError) else "error"
        raise SnmpFailure(
            reason, f"cannot read the SNMPv3 {which} key file {path}: {err.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise SnmpFailure(
            "error", f"the SNMPv3 {which} key file {path} is not UTF-8 text"
        ) from None
    if len(key) < _MIN_KEY_LENGTH:
        raise SnmpFailure(
            "error",
            f"the SNMPv3 {which} key in {path} is shorter than {_MIN_KEY_LENGTH} characters",
        )
    return key


async def _resolve(host: str, port: int) -> tuple[tuple[str, int], bool]:
    """An address pysnmp's UDP transport takes (it wants a literal address) and whether it is
    IPv6; a literal address is used as it is, without the resolver."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return (host, port), family == socket.AF_INET6
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as err:
        raise SnmpFailure(reason_for_os_error(err), describe(err)) from None
    family, _, _, _, sockaddr = infos[0]
    return (str(sockaddr[0]), port), family == socket.AF_INET6


def _indication_failure(indication: Any) -> SnmpFailure:
    """pysnmp's errorIndication → a reason (never with a secret: these texts have none)."""
    if isinstance(indication, errind.RequestTimedOut):
        return SnmpFailure("timeout", str(indication))
    if isinstance(indication, _DENIED):
        return SnmpFailure("access_denied", f"SNMPv3 credentials refused: {indication}")
    if isinstance(indication, errind.UnknownContextName | errind.NoSuchContext):
        return SnmpFailure("unknown_device", f"the agent has no such SNMP context: {indication}")
    return SnmpFailure("protocol_error", str(indication))


def _no_answer(target: SnmpTarget, timeout: float) -> str:
    """A silent agent: on v2c a wrong community is silent too (the agent drops the request)."""
    if target.version == "2c":
        return f"no answer within {timeout:g}s: wrong community or agent down"
    return f"no answer within {timeout:g}s: agent down or unreachable"
