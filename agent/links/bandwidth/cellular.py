"""Cellular signal (sóng di động) as ModemManager reports it, for the dead-zone survey.

``mmcli -L -J`` lists the modems, ``mmcli -m N -J`` gives operator, access technology and signal
quality (percent), ``mmcli -m N --signal-get -J`` the extended values (RSRP, RSRQ, RSSI, SNR) when
the modem's signal refresh is on.  No mmcli, no ModemManager, or no modem: None (recorded as
null), never an error.  The IMEI and the SIM are not recorded.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from typing import Any

log = logging.getLogger(__name__)

_TIMEOUT = 10.0


def read_cellular(mmcli: str | None = None) -> dict[str, Any] | None:
    """Every modem's signal, or None when there is no ModemManager to ask."""
    exe = mmcli or shutil.which("mmcli")
    if exe is None:
        return None
    listing = _mmcli(exe, "-L", "-J")
    if listing is None:
        return None
    modems = []
    for path in listing.get("modem-list", []):
        index = str(path).rsplit("/", 1)[-1]
        info = _mmcli(exe, "-m", index, "-J")
        if info is None:
            continue
        modems.append(modem_record(index, info, _mmcli(exe, "-m", index, "--signal-get", "-J")))
    return {"source": "mmcli", "modems": modems}


def _mmcli(exe: str, *args: str) -> dict[str, Any] | None:
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [exe, *args], capture_output=True, text=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        log.info("mmcli %s: %s", " ".join(args), err)
        return None
    if done.returncode != 0:
        log.info("mmcli %s: exit %d: %s", " ".join(args), done.returncode, done.stderr.strip())
        return None
    try:
        parsed = json.loads(done.stdout)
    except ValueError as err:
        log.info("mmcli %s: not JSON (%s)", " ".join(args), err)
        return None
    return parsed if isinstance(parsed, dict) else None


def modem_record(index: str, info: dict[str, Any], signal: dict[str, Any] | None) -> dict[str, Any]:
    """One modem's survey record from mmcli's JSON (``--`` means unknown: null)."""
    modem = info.get("modem", {})
    generic = modem.get("generic", {})
    gpp = modem.get("3gpp", {})
    quality = generic.get("signal-quality", {})
    return {
        "index": index,
        "manufacturer": _text(generic.get("manufacturer")),
        "model": _text(generic.get("model")),
        "state": _text(generic.get("state")),
        "access_technologies": list(generic.get("access-technologies") or []),
        "signal_quality_percent": _number(quality.get("value")),
        "signal_quality_recent": quality.get("recent") == "yes",
        "operator_name": _text(gpp.get("operator-name")),
        "operator_code": _text(gpp.get("operator-code")),
        "registration_state": _text(gpp.get("registration-state")),
        "signal": _extended(signal),
    }


def _extended(signal: dict[str, Any] | None) -> dict[str, dict[str, float]]:
    """Per technology, the values the modem gave (technologies with none are left out)."""
    out: dict[str, dict[str, float]] = {}
    if not signal:
        return out
    for tech, values in signal.get("modem", {}).get("signal", {}).items():
        if tech in ("refresh", "threshold") or not isinstance(values, dict):
            continue
        known = {k: v for k, raw in values.items() if (v := _number(raw)) is not None}
        if known:
            out[tech] = known
    return out


def _text(value: Any) -> str | None:
    return None if value in (None, "", "--") else str(value)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
