"""Answers of the Windows security script put together from recorded parts
(tests/unit/fixtures/security/, whose README says where each part comes from).

The script (agent/probes/_security_parse.py ``WINDOWS_SCRIPT``) prints one JSON object whose
members are what each cmdlet returned after its ``Select-Object``; :func:`windows_answer` builds
that object from the recordings, keeping only the selected properties, so a test reads exactly
what a machine would have printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "security"
WINDOWS = FIXTURES / "windows"
LINUX = FIXTURES / "linux"

# What the script's Select-Object keeps of each part.
SELECTED = {
    "defender": (
        "AMServiceEnabled",
        "AMRunningMode",
        "AntivirusEnabled",
        "RealTimeProtectionEnabled",
        "AntivirusSignatureLastUpdated",
    ),
    "products": ("displayName", "productState"),
    "firewall": ("Name", "Enabled"),
    "hotfix": ("HotFixID", "InstalledOn"),
    "history": ("Date",),
    "bitlocker": ("MountPoint", "VolumeStatus", "ProtectionStatus"),
}


def recorded(name: str) -> Any:
    return json.loads((WINDOWS / name).read_text(encoding="utf-8"))


def select(part: str, value: Any) -> Any:
    """``Select-Object`` of the script on a recorded part (an object or a list of them)."""
    keep = SELECTED[part]
    if isinstance(value, list):
        return [select(part, v) for v in value]
    return {k: value.get(k) for k in keep}


def good_parts() -> dict[str, Any]:
    """A Windows Server 2019 with everything on (recordings; the hotfix part hand-written)."""
    return {
        "defender": recorded("defender-win2019.json"),
        "firewall": recorded("firewall-profiles-win2019.json"),
        "hotfix": recorded("hotfix-ps51-handwritten.json"),
        # Get-BitLockerVolume -MountPoint $env:SystemDrive: the system drive's volume only
        "bitlocker": recorded("bitlocker-fleet-win-vm.json")[0],
        "w32tm": (WINDOWS / "w32tm-synced.txt").read_text(encoding="utf-8").strip(),
        "w32time": "Running",
    }


def windows_answer(parts: dict[str, Any], errors: dict[str, str] | None = None) -> str:
    """The script's one line of JSON: ``schema``, each part as selected, ``<part>_error`` for
    the parts whose cmdlet failed."""
    answer: dict[str, Any] = {"schema": 1}
    for part, value in parts.items():
        answer[part] = select(part, value) if part in SELECTED and value is not None else value
    for part, message in (errors or {}).items():
        answer[f"{part}_error"] = message
    return json.dumps(answer, separators=(",", ":"))
