"""One SSH conversation with a machine of the centre, shared by the probes that ask over SSH (a
machine's security measures: :mod:`agent.probes.security`; a router's interfaces:
:mod:`agent.probes.router`).

Trust is pinned, never learnt: the machine's public host key comes from the config and paramiko's
:class:`~paramiko.RejectPolicy` refuses any other, so a key that does not match is
``host_key_mismatch`` and nothing is sent.  Authentication is by the configured private key only
(no agent, no ``~/.ssh`` keys, no password).  A command is a fixed string of the calling probe;
its output is read up to a cap, so a hostile machine cannot fill the agent's memory.

paramiko blocks, so :func:`converse` runs the whole conversation in a thread with one deadline;
if the thread still runs at the deadline the connection is closed under it and the run is a
``timeout``.  Every failure is one :class:`SshFailure` with a reason code of the contract:
``unreachable``, ``timeout``, ``auth_failed``, ``host_key_mismatch``, ``host_key_unknown``,
``command_failed`` or ``key_unreadable``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import paramiko

from sansang.errors import SansangError

OUTPUT_CAP = 64 * 1024  # bytes read of one command's output, unless the caller says otherwise
_POLL = 0.02  # seconds between two looks at a channel that has nothing to read yet
# The asyncio side waits this much longer than the thread's own deadline, so the thread's more
# precise reason (banner timeout, a command that hung) normally wins; well within the runner's
# one-second grace.
_BACKSTOP = 0.5
# paramiko polls its handshake every 0.1 s: a failure this close to the deadline is the deadline.
_DEADLINE_SLACK = 0.25
# paramiko's transport thread logs every failed handshake as an ERROR with a traceback (a machine
# that is off, a port that does not speak SSH).  The check's outcome already says what happened,
# so its own log goes to a channel of this module that is quiet below CRITICAL.
_PARAMIKO_LOG = "agent.probes.ssh.paramiko"
logging.getLogger(_PARAMIKO_LOG).setLevel(logging.CRITICAL)

SshReason = Literal[
    "unreachable",
    "timeout",
    "auth_failed",
    "host_key_mismatch",
    "host_key_unknown",
    "command_failed",
    "key_unreadable",
]

T = TypeVar("T")


def parse_host_key(text: str) -> paramiko.PKey:
    """A public key as a line of ``known_hosts`` or ``ssh-keyscan`` writes it, without the host:
    ``ssh-ed25519 AAAA...`` (a trailing comment is allowed).  Raises ValueError naming what is
    wrong."""
    fields = text.split()
    if len(fields) < 2:
        raise ValueError(
            "host_key must be '<type> <base64>' as ssh-keyscan prints it after the host name, "
            "e.g. 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...'"
        )
    kind, blob = fields[0], fields[1]
    try:
        data = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("host_key: the key after the type is not base64") from None
    try:
        key = paramiko.PKey.from_type_string(kind, data)
    except paramiko.pkey.UnknownKeyType:
        raise ValueError(
            f"host_key: unknown key type '{kind}' (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa)"
        ) from None
    except Exception as err:  # paramiko raises SSHException, struct errors, ValueError...
        raise ValueError(
            f"host_key: not a valid '{kind}' public key ({type(err).__name__})"
        ) from None
    if key.get_name() != kind and not (kind.startswith("rsa-sha2") and key.get_name() == "ssh-rsa"):
        raise ValueError(f"host_key: the key inside is '{key.get_name()}', not '{kind}'")
    return key


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom to log in, and the key the machine must show."""

    host: str
    port: int
    user: str
    key_file: Path
    host_key: str

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


class SshFailure(SansangError):
    """The machine could not be asked: a reason code of the contract and a short detail."""

    def __init__(self, reason: SshReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Result:
    """One command's stdout (at most the cap), exit status (-1: none given) and whether the
    output was cut at the cap."""

    exit_status: int
    stdout: str
    truncated: bool


class _Conversation:
    """The client of one check, reachable from the event loop so that a check that outlives its
    deadline can be cut (closing the transport wakes every blocked read)."""

    def __init__(self) -> None:
        self.client: paramiko.SSHClient | None = None
        self.lock = threading.Lock()

    def close(self) -> None:
        with self.lock:
            if self.client is not None:
                self.client.close()


async def converse(
    endpoint: Endpoint, timeout: float, talk: Callable[[paramiko.SSHClient, float], T]
) -> T:
    """Log in to ``endpoint`` and return what ``talk(client, deadline)`` returns, all within
    ``timeout`` seconds; raises :class:`SshFailure`."""
    conversation = _Conversation()
    deadline = time.monotonic() + timeout
    try:
        async with asyncio.timeout(timeout + _BACKSTOP):
            return await asyncio.to_thread(_in_thread, endpoint, deadline, conversation, talk)
    except TimeoutError:
        conversation.close()
        raise SshFailure("timeout", f"no complete answer within {timeout:g}s") from None


def _in_thread(
    endpoint: Endpoint,
    deadline: float,
    conversation: _Conversation,
    talk: Callable[[paramiko.SSHClient, float], T],
) -> T:
    key = load_key(endpoint.key_file)
    client = paramiko.SSHClient()
    client.set_log_channel(_PARAMIKO_LOG)
    with conversation.lock:
        conversation.client = client
    try:
        _connect(client, endpoint, key, deadline)
        return talk(client, deadline)
    finally:
        conversation.close()


def load_key(path: Path) -> paramiko.PKey:
    """The private key, or ``key_unreadable`` naming why (never its content)."""
    try:
        return paramiko.PKey.from_path(path)
    except FileNotFoundError:
        raise SshFailure("key_unreadable", f"key file {path} does not exist") from None
    except PermissionError:
        raise SshFailure(
            "key_unreadable", f"key file {path} cannot be read (permissions)"
        ) from None
    except paramiko.PasswordRequiredException:
        raise SshFailure(
            "key_unreadable", f"key file {path} is protected by a passphrase; use a key without"
        ) from None
    except Exception as err:  # not a key cryptography or paramiko can read
        raise SshFailure(
            "key_unreadable", f"key file {path} is not a usable private key ({type(err).__name__})"
        ) from None


def left(deadline: float) -> float:
    """Seconds left before ``deadline``; ``timeout`` when none."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise SshFailure("timeout", "the check ran out of time")
    return remaining


def _connect(
    client: paramiko.SSHClient, endpoint: Endpoint, key: paramiko.PKey, deadline: float
) -> None:
    pinned = parse_host_key(endpoint.host_key)
    host, port = endpoint.host, endpoint.port
    name = host if port == 22 else f"[{host}]:{port}"
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.get_host_keys().add(name, pinned.get_name(), pinned)
    limit = left(deadline)
    try:
        client.connect(
            host,
            port=port,
            username=endpoint.user,
            pkey=key,
            allow_agent=False,
            look_for_keys=False,
            timeout=limit,
            banner_timeout=limit,
            auth_timeout=limit,
            channel_timeout=limit,
        )
    except paramiko.BadHostKeyException as err:
        raise SshFailure(
            "host_key_mismatch",
            f"the machine's host key is {err.key.get_name()} "
            f"{err.key.fingerprint}, not the pinned one ({err.expected_key.fingerprint}); "
            "nothing was sent to it",
        ) from None
    except paramiko.AuthenticationException as err:
        raise SshFailure("auth_failed", f"the key was refused ({type(err).__name__})") from None
    except paramiko.SSHException as err:
        raise _ssh_failure(err, deadline) from None
    except TimeoutError:
        raise SshFailure("timeout", "no connection within the time limit") from None
    except OSError as err:
        raise SshFailure("unreachable", _os_error(err)) from None


def _ssh_failure(err: paramiko.SSHException, deadline: float) -> SshFailure:
    text = str(err)
    if time.monotonic() >= deadline - _DEADLINE_SLACK:
        # paramiko's handshake wait ends at the limit without an error of its own ("No existing
        # session" follows): the time ran out, whatever the message.
        return SshFailure("timeout", f"no SSH session within the time limit ({text[:120]})")
    if "banner" in text.lower():
        # Something accepts TCP there but does not speak SSH in time.
        return SshFailure("timeout", f"no SSH greeting in time ({text[:120]})")
    if "known_hosts" in text or text == "Invalid key":
        # RejectPolicy refused a key it had no pin for (paramiko 5 says "Invalid key" for some).
        return SshFailure("host_key_unknown", f"the host key was refused: {text[:120]}")
    if isinstance(err.__context__, socket.timeout):
        return SshFailure("timeout", text[:160])
    return SshFailure("unreachable", f"SSH negotiation failed: {text[:160]}")


def _os_error(err: OSError) -> str:
    if isinstance(err, paramiko.ssh_exception.NoValidConnectionsError):
        return "connection refused or no route on every address"
    if isinstance(err, socket.gaierror):
        return f"name not resolved ({err.strerror})"
    if err.errno == errno.ECONNREFUSED:
        return "connection refused (no SSH server listening)"
    return err.strerror or type(err).__name__


def run_command(
    client: paramiko.SSHClient, command: str, deadline: float, cap: int = OUTPUT_CAP
) -> Result:
    """Run one fixed command; its stdout (at most ``cap`` bytes, then the channel is closed) and
    exit status.  stderr is drained and dropped (it can be long and is not an answer)."""
    transport = client.get_transport()
    if transport is None or not transport.is_active():
        raise SshFailure("command_failed", "the SSH connection closed before the commands ran")
    try:
        channel = transport.open_session(timeout=left(deadline))
        channel.settimeout(left(deadline))
        channel.exec_command(command)
    except paramiko.SSHException as err:
        raise SshFailure("command_failed", f"the machine did not run a command ({err})") from None
    out = bytearray()
    truncated = False
    with channel:
        while len(out) <= cap:
            if channel.recv_ready():
                out += channel.recv(32768)
            elif channel.recv_stderr_ready():
                channel.recv_stderr(32768)
            elif channel.eof_received or channel.closed:
                break
            else:
                left(deadline)
                time.sleep(_POLL)
        if len(out) > cap:
            del out[cap:]
            truncated = True
        elif not channel.status_event.wait(min(left(deadline), 5.0)):
            return Result(-1, out.decode("utf-8", "replace"), truncated)
        status = channel.exit_status if channel.exit_status_ready() else -1
    return Result(status, out.decode("utf-8", "replace"), truncated)


def open_sftp(client: paramiko.SSHClient, deadline: float) -> paramiko.SFTPClient:
    """An SFTP session on the same connection, its reads bounded by the deadline."""
    try:
        sftp = client.open_sftp()
    except (paramiko.SSHException, OSError) as err:
        raise SshFailure("command_failed", f"SFTP unavailable ({type(err).__name__})") from None
    channel = sftp.get_channel()
    if channel is not None:
        channel.settimeout(left(deadline))
    return sftp
