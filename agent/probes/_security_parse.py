"""What a machine's answers to the security check mean: pure functions from command output to
facts (agent/probes/security.py runs the commands over SSH; tests/unit/test_security_parse.py
reads recorded answers).

Every fact is three-valued: ``True``/``False`` when the machine said so, ``None`` when it could not
or would not say (a read-only account that may not read the firewall ruleset, BitLocker without
administrator rights, no antivirus on a Linux server).  Unknown is never turned into "off": the
province would see a measure missing that may well be there.  Times are integer Unix seconds of
*when* something happened (the newest signature, update, backup); ages are the collector's
arithmetic.

Windows answers with one JSON object written by the fixed PowerShell script of
:data:`WINDOWS_SCRIPT`.  Windows PowerShell 5.1's ``ConvertTo-Json`` writes a ``DateTime`` as
``"\\/Date(1733011200000)\\/"`` (milliseconds since 1970, UTC), sometimes wrapped in an object
``{"value": "\\/Date(...)\\/", "DateTime": "Sunday, ..."}`` (a date that went through the
extended type system); PowerShell 7 writes ISO 8601.  Enums come as numbers (``Enabled: 1`` of a
firewall profile is ``GpoBoolean.True``; ``ProtectionStatus: 1`` is ``On``), or as names when a
newer shell writes them as strings.  All of these are read here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sansang.errors import SansangError

# Times outside this range are a machine's placeholder ("never": 1601-01-01, 0001-01-01), not a
# time something happened.
_TIME_MIN = 946_684_800  # 2000-01-01
_TIME_MAX = 4_102_444_800  # 2100-01-01 (sansang.event_details.WALL_TIME_MAX)

MEASURES = ("firewall", "antivirus", "realtime", "encryption", "time_sync")
TIMES = ("signature_at", "update_at", "backup_at")


class UnreadableOutput(SansangError, ValueError):
    """The machine answered, but not with what the fixed command prints (not JSON, cut off, an
    error page of a shell that is not PowerShell)."""


@dataclass(frozen=True)
class SecurityFacts:
    """What one check found.  ``notes`` says, in short English codes, what could not be read and
    why (for the event's ``detail``); never a secret, never a whole output."""

    firewall: bool | None = None
    antivirus: bool | None = None
    realtime: bool | None = None
    encryption: bool | None = None
    time_sync: bool | None = None
    signature_at: int | None = None
    update_at: int | None = None
    backup_at: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def known(self) -> dict[str, bool | int]:
        """The facts that are known, for ``Outcome.state_details`` (unknown keys are omitted)."""
        values: dict[str, bool | int | None] = {
            name: getattr(self, name) for name in (*MEASURES, *TIMES)
        }
        return {k: v for k, v in values.items() if v is not None}

    def noting(self, *notes: str) -> SecurityFacts:
        return replace(self, notes=self.notes + tuple(n for n in notes if n))


# --- values as PowerShell writes them --------------------------------------------------------

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


def ps_time(value: Any) -> int | None:
    """A date as ``ConvertTo-Json`` writes it, as integer Unix seconds; None when absent, not a
    date, or a placeholder outside 2000..2100.

    ``/Date(ms)/`` and ``/Date(ms+0700)/`` (the milliseconds are UTC either way), the object form
    ``{"value": ..., "DateTime": ...}``, and ISO 8601 (a time without an offset is taken as UTC:
    PowerShell 7 writes the offset for a local time)."""
    if isinstance(value, dict):
        return ps_time(value.get("value"))
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _MS_DATE.match(text)
    if match:
        seconds = int(match.group(1)) // 1000
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        seconds = int(parsed.timestamp())
    return seconds if _TIME_MIN <= seconds < _TIME_MAX else None


def ps_bool(value: Any) -> bool | None:
    """``true``/``false``, a ``GpoBoolean`` or BitLocker enum as a number (1 on, 0 off, anything
    else: not configured or unknown) or as its name."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {1: True, 0: False}.get(value)
    if isinstance(value, str):
        return {"true": True, "on": True, "false": False, "off": False}.get(value.strip().lower())
    return None


def _objects(value: Any) -> list[dict[str, Any]]:
    """``ConvertTo-Json`` writes a one-element array as the element itself: always a list."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


# --- Windows ---------------------------------------------------------------------------------

# The one PowerShell script sent to a Windows machine (powershell -EncodedCommand): fixed text,
# nothing from outside.  Each part is read on its own, so a cmdlet a standard user may not run
# (BitLocker) costs that fact, not the others; Windows Update's history is asked only when no
# hotfix has an install date (it takes seconds).  It prints one JSON object on one line.  Kept
# short: cmd.exe takes at most 8191 characters, and the script travels as base64 of UTF-16LE.
WINDOWS_SCRIPT = """$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue'
$r=[ordered]@{schema=1}
function T($k,[scriptblock]$b){try{$r[$k]=& $b}catch{$r[$k+'_error']=$_.Exception.Message}}
T defender {Get-MpComputerStatus|Select-Object AMServiceEnabled,AMRunningMode,AntivirusEnabled,\
RealTimeProtectionEnabled,AntivirusSignatureLastUpdated}
T products {@(Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct|\
Select-Object displayName,productState)}
T firewall {@(Get-NetFirewallProfile|Select-Object Name,Enabled)}
T hotfix {Get-HotFix|Where-Object InstalledOn|Sort-Object InstalledOn -Descending|\
Select-Object -First 1 HotFixID,InstalledOn}
if(-not $r.hotfix){T history {$s=(New-Object -ComObject Microsoft.Update.Session).\
CreateUpdateSearcher()
$n=[Math]::Min($s.GetTotalHistoryCount(),50);if($n -gt 0){$s.QueryHistory(0,$n)|\
Where-Object ResultCode -eq 2|Sort-Object Date -Descending|Select-Object -First 1 Date}}}
T bitlocker {Get-BitLockerVolume -MountPoint $env:SystemDrive|\
Select-Object MountPoint,VolumeStatus,ProtectionStatus}
T w32tm {(& w32tm /query /status 2>&1|Out-String).Trim()}
T w32time {(Get-Service w32time).Status.ToString()}
$r|ConvertTo-Json -Depth 4 -Compress
"""

_PROFILES = ("domain", "private", "public")


def parse_windows(text: str) -> SecurityFacts:
    """The facts in the script's JSON answer.  Raises :class:`UnreadableOutput` when the answer
    is not that JSON object."""
    answer = _json_object(text)
    if answer.get("schema") != 1:
        raise UnreadableOutput("the answer is JSON but not the security script's (no schema 1)")
    antivirus, realtime, signature_at, av_notes = _windows_antivirus(answer)
    return SecurityFacts(
        firewall=_windows_firewall(answer.get("firewall")),
        antivirus=antivirus,
        realtime=realtime,
        encryption=_windows_bitlocker(answer.get("bitlocker")),
        time_sync=_windows_time_sync(answer.get("w32tm"), answer.get("w32time")),
        signature_at=signature_at,
        update_at=_newest(ps_time(o.get("InstalledOn")) for o in _objects(answer.get("hotfix")))
        or _newest(ps_time(o.get("Date")) for o in _objects(answer.get("history"))),
        notes=(*av_notes, *_errors(answer)),
    )


def _json_object(text: str) -> dict[str, Any]:
    body = text.strip().lstrip("\ufeff")
    if not body:
        raise UnreadableOutput("empty answer")
    try:
        value = json.loads(body)
    except json.JSONDecodeError as err:
        raise UnreadableOutput(f"not JSON ({err.msg} at character {err.pos})") from None
    if not isinstance(value, dict):
        raise UnreadableOutput("the answer is JSON but not an object")
    return value


def _errors(answer: dict[str, Any]) -> list[str]:
    """Which parts the machine refused (their messages stay out: they can be long and local)."""
    return sorted(f"{k.removesuffix('_error')} unreadable" for k in answer if k.endswith("_error"))


def _windows_firewall(value: Any) -> bool | None:
    """On only when the Domain, Private and Public profiles are all on; off when one is off."""
    states = {str(p.get("Name", "")).lower(): ps_bool(p.get("Enabled")) for p in _objects(value)}
    if any(states.get(name) is False for name in _PROFILES):
        return False
    if all(states.get(name) is True for name in _PROFILES):
        return True
    return None


# Windows Security Center's productState (root/SecurityCenter2 AntiVirusProduct): bits 12-15 say
# whether the product is on (1), off (0), snoozed (2) or expired (3).
_WSC_STATE_MASK, _WSC_ON = 0xF000, 0x1000
_PASSIVE_MODES = ("passive mode", "edr block mode", "sxs passive mode")


def _windows_antivirus(
    answer: dict[str, Any],
) -> tuple[bool | None, bool | None, int | None, list[str]]:
    """Antivirus on, real-time protection on, signature time; Microsoft Defender's own answer,
    or Security Center's list of products when another antivirus (Kaspersky, BKAV...) has put
    Defender in passive mode.  A third-party product gives no signature time."""
    defender = next(iter(_objects(answer.get("defender"))), None)
    products = _objects(answer.get("products"))
    others_on = [
        p
        for p in products
        if "defender" not in str(p.get("displayName", "")).lower()
        and isinstance(p.get("productState"), int)
        and p["productState"] & _WSC_STATE_MASK == _WSC_ON
    ]
    if defender is not None:
        mode = str(defender.get("AMRunningMode") or "normal").lower()
        service = ps_bool(defender.get("AMServiceEnabled"))
        enabled = ps_bool(defender.get("AntivirusEnabled"))
        if mode not in _PASSIVE_MODES and service is not False and enabled is True:
            realtime = ps_bool(defender.get("RealTimeProtectionEnabled"))
            signature = ps_time(defender.get("AntivirusSignatureLastUpdated"))
            return True, realtime, signature, []
    if others_on:
        return True, True, None, ["another antivirus than Defender is on: no signature time"]
    if defender is None:
        return None, None, None, []
    if str(defender.get("AMRunningMode") or "").lower() in _PASSIVE_MODES and not products:
        # Defender stands aside for a product Security Center does not show (a server).
        return None, None, None, ["Defender is passive and no other antivirus is listed"]
    return False, False, None, []


def _windows_bitlocker(value: Any) -> bool | None:
    volume = next(iter(_objects(value)), None)
    if volume is None:
        return None
    return ps_bool(volume.get("ProtectionStatus"))


_LEAP = re.compile(r"^[^:\n]*Leap[^:\n]*:\s*(\d)", re.MULTILINE | re.IGNORECASE)
_SOURCE = re.compile(r"^\s*Source\s*:\s*(.+?)\s*$", re.MULTILINE | re.IGNORECASE)
_FREE_RUNNING = ("local cmos clock", "free-running system clock")


def _windows_time_sync(w32tm: Any, service: Any) -> bool | None:
    """``w32tm /query /status``: leap indicator 3 (not synchronised) or a source that is the
    machine's own clock means not synchronised; 0-2 with another source means synchronised.
    Without a readable status (w32tm refused, another language), a stopped time service means
    not synchronised, and anything else unknown."""
    if isinstance(w32tm, str):
        leap = _LEAP.search(w32tm)
        source = _SOURCE.search(w32tm)
        if leap is not None:
            if leap.group(1) == "3":
                return False
            return source is None or source.group(1).lower() not in _FREE_RUNNING
    if isinstance(service, str) and service.strip().lower() == "stopped":
        return False
    return None


def _newest(times: Any) -> int | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


# --- Linux -----------------------------------------------------------------------------------


def nft_filters_input(stdout: str, exit_status: int) -> bool | None:
    """``nft list ruleset``: True when some chain hooks ``input`` and filters (a drop policy or
    at least one rule), False when the kernel has no such chain (no firewall on what comes in);
    None when the command failed (a read-only account may not read the ruleset)."""
    if exit_status != 0:
        return None
    for chain in re.finditer(r"chain\s+\S+\s*\{(.*?)\n\s*\}", stdout, re.DOTALL):
        body = chain.group(1)
        if not re.search(r"hook\s+input\b", body):
            continue
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        rules = [line for line in lines if not line.startswith(("type ", "#"))]
        if "policy drop" in body or rules:
            return True
    return False


def ufw_status(stdout: str, exit_status: int) -> bool | None:
    """``ufw status``: ``Status: active`` / ``inactive``; None when it could not say (it needs
    root)."""
    if exit_status != 0:
        return None
    match = re.search(r"^Status:\s*(\w+)", stdout, re.MULTILINE)
    if match is None:
        return None
    return {"active": True, "inactive": False}.get(match.group(1).lower())


def ufw_enabled(conf: str | None) -> bool | None:
    """``/etc/ufw/ufw.conf`` (world-readable): ``ENABLED=yes`` is ufw started at boot."""
    if conf is None:
        return None
    match = re.search(r"^\s*ENABLED\s*=\s*\"?(\w+)", conf, re.MULTILINE)
    if match is None:
        return None
    return {"yes": True, "no": False}.get(match.group(1).lower())


def unit_states(stdout: str, units: tuple[str, ...]) -> dict[str, str]:
    """``systemctl is-active U1 U2 ...`` prints one state per unit, in order; a machine without
    systemd prints something else (then no unit has a state)."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    known = {"active", "inactive", "failed", "activating", "deactivating", "reloading"}
    if len(lines) != len(units) or not all(line in known for line in lines):
        return {}
    return dict(zip(units, lines, strict=True))


def linux_firewall(
    nft: bool | None, ufw: bool | None, ufw_conf: bool | None, firewalld: str | None
) -> bool | None:
    """On when any source says a firewall is on; off only on the kernel's own word (the nft
    ruleset has no input filter): ufw being off does not mean nothing else filters."""
    if nft is True or ufw is True or ufw_conf is True or firewalld == "active":
        return True
    if nft is False:
        return False
    return None


def timedatectl_synchronized(stdout: str, exit_status: int) -> bool | None:
    """``timedatectl show -p NTPSynchronized --value``: ``yes`` / ``no``."""
    if exit_status != 0:
        return None
    return {"yes": True, "no": False}.get(stdout.strip().lower())


def lsblk_root_encrypted(stdout: str, exit_status: int) -> bool | None:
    """``lsblk -J -o NAME,TYPE,MOUNTPOINT``: True when the device mounted at ``/`` is a ``crypt``
    device or sits on one (LUKS under LVM), False when it is found and none is; None when ``/``
    is not a block device lsblk knows (a container's overlay) or the output is unreadable."""
    if exit_status != 0:
        return None
    try:
        devices = json.loads(stdout).get("blockdevices")
    except (ValueError, AttributeError):
        return None
    if not isinstance(devices, list):
        return None
    path = _path_to_root(devices, [])
    if path is None:
        return None
    return any(str(node.get("type", "")).lower() == "crypt" for node in path)


def _path_to_root(nodes: list[Any], above: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    for node in nodes:
        if not isinstance(node, dict):
            continue
        path = [*above, node]
        mounts = node.get("mountpoints", [node.get("mountpoint")])
        if isinstance(mounts, list) and "/" in mounts:
            return path
        found = _path_to_root(node.get("children") or [], path)
        if found is not None:
            return found
    return None


def clamav(
    units: dict[str, str], signature_times: list[int | None]
) -> tuple[bool | None, bool | None, int | None]:
    """Antivirus, real-time protection and signature time from ClamAV: on when its daemon or its
    signature updater runs; real-time when on-access scanning (clamonacc) runs.  Not installed
    (no signature database, no unit running): unknown, as a Linux server often has none."""
    signature_at = _newest(signature_times)
    running = any(units.get(u) == "active" for u in ("clamav-daemon", "clamav-freshclam"))
    if running:
        return True, units.get("clamav-clamonacc") == "active", signature_at
    if signature_at is not None and units:
        return False, False, signature_at
    return None, None, signature_at


def newest_file_mtime(entries: list[tuple[bool, int | None]]) -> int | None:
    """The newest modification time among regular files (``(is_file, mtime)`` pairs)."""
    return _newest(mtime for is_file, mtime in entries if is_file)
