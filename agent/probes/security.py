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

The SSH part (pinning, key loading, the thread with its deadline, the output cap, the failures'
reason codes) is :mod:`agent.probes._ssh`, shared with the router check.

A machine that answered is ``checked`` (Outcome success) with what it said in
``state_details``; one that could not be asked is ``failed`` with a reason: ``unreachable``,
``timeout``, ``auth_failed``, ``host_key_mismatch``, ``host_key_unknown``, ``command_failed`` or
``key_unreadable`` (docs/events.md, ``security_state``).
"""

from __future__ import annotations

import base64
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import paramiko
from pydantic import Field, field_validator

from agent.probes import _security_parse as parse
from agent.probes._ssh import (
    OUTPUT_CAP,
    Endpoint,
    SshFailure,
    SshReason,
    converse,
    open_sftp,
    parse_host_key,
    run_command,
)
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.reasons import Reason

__all__ = ["OUTPUT_CAP", "CheckFailed", "SecurityReason", "parse_host_key"]

SecurityReason = SshReason
# The error of a machine that could not be asked (sansang/errors.py names it here).
CheckFailed = SshFailure

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


async def run(spec: SecuritySpec, ctx: ProbeContext) -> Outcome:
    endpoint = Endpoint(spec.host, spec.port, spec.user, spec.key_file, spec.host_key)
    try:
        facts = await converse(endpoint, ctx.timeout, lambda c, deadline: _check(c, spec, deadline))
    except CheckFailed as failure:
        ctx.logger.debug("%s: %s (%s)", endpoint.where, failure.reason, failure.detail)
        return _failed(spec, failure.reason, f"{endpoint.where}: {failure.detail}")
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


def _check(client: paramiko.SSHClient, spec: SecuritySpec, deadline: float) -> parse.SecurityFacts:
    read = _windows if spec.os == "windows" else _linux
    facts = read(client, deadline)
    if spec.backup_path is not None:
        facts = _backup(client, spec.backup_path, facts, deadline)
    return facts


def _windows(client: paramiko.SSHClient, deadline: float) -> parse.SecurityFacts:
    result = run_command(client, windows_command(), deadline)
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
    out = {name: run_command(client, cmd, deadline) for name, cmd in LINUX_COMMANDS.items()}
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
            sftp = open_sftp(client, deadline)
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
        sftp = open_sftp(client, deadline)
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
