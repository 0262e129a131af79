"""The security measures of a machine of the centre, read over SSH (paramiko): firewall,
antivirus and its real-time protection, disk encryption, clock synchronisation, and when the
newest antivirus signature, OS update and backup were made (seed 001 §2.2.6.a).

Trust is pinned, never learnt: the machine's public host key is in the config (``host_key``) and
paramiko's :class:`~paramiko.RejectPolicy` refuses any other.  A key that does not match is
``host_key_mismatch`` and nothing is sent to that machine.  Authentication is by the configured
private key only (no agent, no ``~/.ssh`` keys, no password).

What runs there is a fixed set of commands (:data:`LINUX_COMMANDS`, the PowerShell script of
:data:`agent.probes._security_parse.WINDOWS_SCRIPT`): nothing from the config or the network is
ever put in a command line, and no local shell is involved.  Files (signature databases, the
package database, the backup folder) are read with SFTP ``stat``/``listdir``, which takes a path
and interprets nothing.  Each command's output is read up to :data:`OUTPUT_CAP` bytes, so a
hostile machine cannot fill the agent's memory.

paramiko blocks, so the whole conversation runs in a thread with one deadline; if the thread
still runs at the deadline the connection is closed under it and the run is a ``timeout``.

A machine that answered is ``checked`` (Outcome success) with what it said in
``state_details``; one that could not be asked is ``failed`` with a reason: ``unreachable``,
``timeout``, ``auth_failed``, ``host_key_mismatch``, ``host_key_unknown``, ``command_failed`` or
``key_unreadable`` (docs/events.md, ``security_state``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import errno
import logging
import socket
import stat
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import paramiko
from pydantic import Field, field_validator

from agent.probes import _security_parse as parse
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.errors import SansangError
from sansang.reasons import Reason

OUTPUT_CAP = 64 * 1024  # bytes read of one command's output (and of one file)
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
_PARAMIKO_LOG = "agent.probes.security.paramiko"
logging.getLogger(_PARAMIKO_LOG).setLevel(logging.CRITICAL)

SecurityReason = Literal[
    "unreachable",
    "timeout",
    "auth_failed",
    "host_key_mismatch",
    "host_key_unknown",
    "command_failed",
    "key_unreadable",
]

# Linux: fixed commands, absolute paths where the tool lives in sbin (not on a user's PATH).
LINUX_COMMANDS: dict[str, str] = {
    "nft": "/usr/sbin/nft list ruleset",
    "ufw": "/usr/sbin/ufw status",
    "units": "systemctl is-active firewalld clamav-daemon clamav-freshclam clamav-clamonacc",
    "ntp": "timedatectl show -p NTPSynchronized --value",
    # MOUNTPOINTS (util-linux 2.37+) lists every mount of a device; MOUNTPOINT only one, which
    # for a btrfs root with subvolumes may not be "/".
    "lsblk": "lsblk -J -o NAME,TYPE,MOUNTPOINTS 2>/dev/null || lsblk -J -o NAME,TYPE,MOUNTPOINT",
}
_UNITS = ("firewalld", "clamav-daemon", "clamav-freshclam", "clamav-clamonacc")
_PACKAGE_DATABASES = ("/var/lib/dpkg/status", "/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages")
_CLAMAV_DAILY = ("/var/lib/clamav/daily.cld", "/var/lib/clamav/daily.cvd")
_UFW_CONF = "/etc/ufw/ufw.conf"


def windows_command() -> str:
    """The one command line sent to a Windows machine (OpenSSH runs it with cmd.exe)."""
    encoded = base64.b64encode(parse.WINDOWS_SCRIPT.encode("utf-16-le")).decode("ascii")
    return f"powershell -NoProfile -NonInteractive -EncodedCommand {encoded}"


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


class SecuritySpec(ProbeSpec):
    """A machine of the centre whose security measures are read over SSH (built by
    ``agent/jobs.py`` from ``security.hosts``, never a `check:`)."""

    probe: Literal["security"] = Field(default="security", description="`security`")
    host: str = Field(min_length=1, description="host name or address")
    port: int = Field(default=22, ge=1, le=65535, description="SSH port")
    user: str = Field(min_length=1, description="the read-only account to log in as")
    key_file: Path = Field(description="private key of that account (read at each check)")
    host_key: str = Field(description="the machine's pinned public host key")
    os: Literal["windows", "linux"] = Field(description="`windows` or `linux`")
    backup_path: str | None = Field(
        default=None, description="folder whose newest file is the newest backup (SFTP path)"
    )

    @field_validator("host_key")
    @classmethod
    def _parsable(cls, value: str) -> str:
        parse_host_key(value)
        return value.strip()


class CheckFailed(SansangError):
    """The machine could not be asked: a reason code of the contract and a short detail."""

    def __init__(self, reason: SecurityReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


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


async def run(spec: SecuritySpec, ctx: ProbeContext) -> Outcome:
    where = f"{spec.user}@{spec.host}:{spec.port}"
    conversation = _Conversation()
    deadline = time.monotonic() + ctx.timeout
    try:
        async with asyncio.timeout(ctx.timeout + _BACKSTOP):
            facts = await asyncio.to_thread(_check, spec, deadline, conversation)
    except TimeoutError:
        conversation.close()
        return _failed(spec, "timeout", f"{where}: no complete answer within {ctx.timeout:g}s")
    except CheckFailed as failure:
        ctx.logger.debug("%s: %s (%s)", where, failure.reason, failure.detail)
        return _failed(spec, failure.reason, f"{where}: {failure.detail}")
    detail = "; ".join(facts.notes)
    return Outcome(
        True,
        detail=detail[:500],
        samples=_samples(facts),
        state_details={
            "os": spec.os,
            **facts.known(),
            "backup_expected": spec.backup_path is not None,
        },
    )


def _failed(spec: SecuritySpec, reason: SecurityReason, detail: str) -> Outcome:
    # The contract's reason codes for a machine that could not be asked (docs/events.md).
    code: Reason = reason
    return Outcome(
        False,
        code,
        detail[:500],
        # The reason too: a machine that was unreachable and now shows another host key is news.
        state_details={
            "os": spec.os,
            "reason": reason,
            "backup_expected": spec.backup_path is not None,
        },
    )


def _samples(facts: parse.SecurityFacts) -> list[Sample]:
    samples = [
        Sample("sansang_security_measure_ok", float(value), {"measure": name})
        for name in parse.MEASURES
        if (value := getattr(facts, name)) is not None
    ]
    for name, family in (
        ("signature_at", "sansang_security_signature_timestamp_seconds"),
        ("update_at", "sansang_security_update_timestamp_seconds"),
        ("backup_at", "sansang_security_backup_timestamp_seconds"),
    ):
        value = getattr(facts, name)
        if value is not None:
            samples.append(Sample(family, float(value)))
    return samples


# --- the conversation (in a thread) ----------------------------------------------------------


def _check(spec: SecuritySpec, deadline: float, conversation: _Conversation) -> parse.SecurityFacts:
    key = _load_key(spec.key_file)
    client = paramiko.SSHClient()
    client.set_log_channel(_PARAMIKO_LOG)
    with conversation.lock:
        conversation.client = client
    try:
        _connect(client, spec, key, deadline)
        read = _windows if spec.os == "windows" else _linux
        facts = read(client, deadline)
        if spec.backup_path is not None:
            facts = _backup(client, spec.backup_path, facts, deadline)
        return facts
    finally:
        conversation.close()


def _load_key(path: Path) -> paramiko.PKey:
    """The private key, or ``key_unreadable`` naming why (never its content)."""
    try:
        return paramiko.PKey.from_path(path)
    except FileNotFoundError:
        raise CheckFailed("key_unreadable", f"key file {path} does not exist") from None
    except PermissionError:
        raise CheckFailed(
            "key_unreadable", f"key file {path} cannot be read (permissions)"
        ) from None
    except paramiko.PasswordRequiredException:
        raise CheckFailed(
            "key_unreadable", f"key file {path} is protected by a passphrase; use a key without"
        ) from None
    except Exception as err:  # not a key cryptography or paramiko can read
        raise CheckFailed(
            "key_unreadable", f"key file {path} is not a usable private key ({type(err).__name__})"
        ) from None


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise CheckFailed("timeout", "the check ran out of time")
    return left


def _connect(
    client: paramiko.SSHClient, spec: SecuritySpec, key: paramiko.PKey, deadline: float
) -> None:
    pinned = parse_host_key(spec.host_key)
    name = spec.host if spec.port == 22 else f"[{spec.host}]:{spec.port}"
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.get_host_keys().add(name, pinned.get_name(), pinned)
    left = _left(deadline)
    try:
        client.connect(
            spec.host,
            port=spec.port,
            username=spec.user,
            pkey=key,
            allow_agent=False,
            look_for_keys=False,
            timeout=left,
            banner_timeout=left,
            auth_timeout=left,
            channel_timeout=left,
        )
    except paramiko.BadHostKeyException as err:
        raise CheckFailed(
            "host_key_mismatch",
            f"the machine's host key is {err.key.get_name()} "
            f"{err.key.fingerprint}, not the pinned one ({err.expected_key.fingerprint}); "
            "nothing was sent to it",
        ) from None
    except paramiko.AuthenticationException as err:
        raise CheckFailed("auth_failed", f"the key was refused ({type(err).__name__})") from None
    except paramiko.SSHException as err:
        raise _ssh_failure(err, deadline) from None
    except TimeoutError:
        raise CheckFailed("timeout", "no connection within the time limit") from None
    except OSError as err:
        raise CheckFailed("unreachable", _os_error(err)) from None


def _ssh_failure(err: paramiko.SSHException, deadline: float) -> CheckFailed:
    text = str(err)
    if time.monotonic() >= deadline - _DEADLINE_SLACK:
        # paramiko's handshake wait ends at the limit without an error of its own ("No existing
        # session" follows): the time ran out, whatever the message.
        return CheckFailed("timeout", f"no SSH session within the time limit ({text[:120]})")
    if "banner" in text.lower():
        # Something accepts TCP there but does not speak SSH in time.
        return CheckFailed("timeout", f"no SSH greeting in time ({text[:120]})")
    if "known_hosts" in text or text == "Invalid key":
        # RejectPolicy refused a key it had no pin for (paramiko 5 says "Invalid key" for some).
        return CheckFailed("host_key_unknown", f"the host key was refused: {text[:120]}")
    if isinstance(err.__context__, socket.timeout):
        return CheckFailed("timeout", text[:160])
    return CheckFailed("unreachable", f"SSH negotiation failed: {text[:160]}")


def _os_error(err: OSError) -> str:
    if isinstance(err, paramiko.ssh_exception.NoValidConnectionsError):
        return "connection refused or no route on every address"
    if isinstance(err, socket.gaierror):
        return f"name not resolved ({err.strerror})"
    if err.errno == errno.ECONNREFUSED:
        return "connection refused (no SSH server listening)"
    return err.strerror or type(err).__name__


@dataclass(frozen=True)
class _Result:
    exit_status: int
    stdout: str
    truncated: bool


def _exec(client: paramiko.SSHClient, command: str, deadline: float) -> _Result:
    """Run one fixed command; its stdout (at most OUTPUT_CAP bytes, then the channel is closed)
    and exit status.  stderr is drained and dropped (it can be long and is not an answer)."""
    transport = client.get_transport()
    if transport is None or not transport.is_active():
        raise CheckFailed("command_failed", "the SSH connection closed before the commands ran")
    try:
        channel = transport.open_session(timeout=_left(deadline))
        channel.settimeout(_left(deadline))
        channel.exec_command(command)
    except paramiko.SSHException as err:
        raise CheckFailed("command_failed", f"the machine did not run a command ({err})") from None
    out = bytearray()
    truncated = False
    with channel:
        while len(out) <= OUTPUT_CAP:
            if channel.recv_ready():
                out += channel.recv(32768)
            elif channel.recv_stderr_ready():
                channel.recv_stderr(32768)
            elif channel.eof_received or channel.closed:
                break
            else:
                _left(deadline)
                time.sleep(_POLL)
        if len(out) > OUTPUT_CAP:
            del out[OUTPUT_CAP:]
            truncated = True
        elif not channel.status_event.wait(min(_left(deadline), 5.0)):
            return _Result(-1, out.decode("utf-8", "replace"), truncated)
        status = channel.exit_status if channel.exit_status_ready() else -1
    return _Result(status, out.decode("utf-8", "replace"), truncated)


def _windows(client: paramiko.SSHClient, deadline: float) -> parse.SecurityFacts:
    result = _exec(client, windows_command(), deadline)
    if result.truncated:
        raise CheckFailed(
            "command_failed", f"the answer is longer than {OUTPUT_CAP} bytes: cut off"
        )
    try:
        return parse.parse_windows(result.stdout)
    except parse.UnreadableOutput as err:
        raise CheckFailed(
            "command_failed",
            f"PowerShell did not answer as expected (exit {result.exit_status}: {err})",
        ) from None


def _linux(client: paramiko.SSHClient, deadline: float) -> parse.SecurityFacts:
    out = {name: _exec(client, command, deadline) for name, command in LINUX_COMMANDS.items()}
    files = _SftpFacts.read(client, deadline)
    nft = parse.nft_filters_input(out["nft"].stdout, out["nft"].exit_status)
    if nft is False and out["nft"].truncated:
        nft = None  # the input chain may be in the part that was cut off
    units = (
        parse.unit_states(out["units"].stdout, _UNITS) if out["units"].exit_status in (0, 3) else {}
    )
    antivirus, realtime, signature_at = parse.clamav(units, files.clamav_daily)
    facts = parse.SecurityFacts(
        firewall=parse.linux_firewall(
            nft,
            parse.ufw_status(out["ufw"].stdout, out["ufw"].exit_status),
            parse.ufw_enabled(files.ufw_conf),
            units.get("firewalld"),
        ),
        antivirus=antivirus,
        realtime=realtime,
        encryption=parse.lsblk_root_encrypted(out["lsblk"].stdout, out["lsblk"].exit_status),
        time_sync=parse.timedatectl_synchronized(out["ntp"].stdout, out["ntp"].exit_status),
        signature_at=signature_at,
        update_at=files.package_database,
    )
    unread = [n for n in ("nft", "ufw", "ntp", "lsblk") if out[n].exit_status != 0]
    notes = [f"{', '.join(unread)} unreadable"] if unread else []
    if not units:
        notes.append("systemd unit states unreadable")
    return facts.noting(*notes, *files.notes)


@dataclass(frozen=True)
class _SftpFacts:
    """What the Linux check reads as files: modification times and the ufw config."""

    package_database: int | None
    clamav_daily: list[int | None]
    ufw_conf: str | None
    notes: tuple[str, ...]

    @classmethod
    def read(cls, client: paramiko.SSHClient, deadline: float) -> _SftpFacts:
        try:
            sftp = _sftp(client, deadline)
        except CheckFailed as failure:
            return cls(None, [], None, (failure.detail,))
        with sftp:
            package = next(
                (t for t in (_mtime(sftp, p) for p in _PACKAGE_DATABASES) if t is not None), None
            )
            daily = [_mtime(sftp, p) for p in _CLAMAV_DAILY]
            ufw_conf = _small_file(sftp, _UFW_CONF)
        notes = () if package is not None else ("no package database found",)
        return cls(package, daily, ufw_conf, notes)


def _sftp(client: paramiko.SSHClient, deadline: float) -> paramiko.SFTPClient:
    try:
        sftp = client.open_sftp()
    except (paramiko.SSHException, OSError) as err:
        raise CheckFailed("command_failed", f"SFTP unavailable ({type(err).__name__})") from None
    channel = sftp.get_channel()
    if channel is not None:
        channel.settimeout(_left(deadline))
    return sftp


def _mtime(sftp: paramiko.SFTPClient, path: str) -> int | None:
    try:
        attrs = sftp.stat(path)
    except OSError:
        return None
    return int(attrs.st_mtime) if attrs.st_mtime is not None else None


def _small_file(sftp: paramiko.SFTPClient, path: str) -> str | None:
    try:
        with sftp.open(path, "r") as handle:
            return handle.read(OUTPUT_CAP).decode("utf-8", "replace")
    except OSError:
        return None


def _backup(
    client: paramiko.SSHClient, path: str, facts: parse.SecurityFacts, deadline: float
) -> parse.SecurityFacts:
    """The newest file's modification time in the backup folder (its subfolders not entered)."""
    try:
        sftp = _sftp(client, deadline)
    except CheckFailed as failure:
        return facts.noting(f"backup folder: {failure.detail}")
    with sftp:
        try:
            entries = sftp.listdir_attr(path)
        except OSError as err:
            return facts.noting(
                f"backup folder {path} unreadable ({err.strerror or type(err).__name__})"
            )
    newest = parse.newest_file_mtime(
        [(e.st_mode is not None and stat.S_ISREG(e.st_mode), e.st_mtime) for e in entries]
    )
    if newest is None:
        return facts.noting(f"backup folder {path} has no file")
    return replace(facts, backup_at=int(newest))


def from_target(target: str) -> SecuritySpec:
    """Not from the command line: a security check needs the machine's pinned host key and a
    key file, which belong in the config (``security.hosts`` of agent.yaml), not on a command
    line, and a key is never learnt from the first answer (no trust on first use)."""
    raise ValueError(
        f"'{target}': a security check needs the machine's pinned host key (ssh-keyscan, checked "
        "out of band) and a key file; put the machine under `security.hosts` in agent.yaml "
        "(docs/security-checks.md) and read its result on the status page or /metrics"
    )


KIND = ProbeKind(
    "security",
    SecuritySpec,
    run,
    from_target,
    "security measures of a machine over SSH (configured in `security.hosts`)",
    category="security",
)
