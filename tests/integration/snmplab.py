"""A real SNMP agent for tests: snmpsim's command responder on 127.0.0.1 with UPS data files.

snmpsim answers from ``.snmprec`` files (``OID|type|value`` lines).  The file's name is the v2c
community and the v3 context name, so one agent is several devices:

- ``ietf``: a UPS-MIB (RFC 1628) UPS on line (an Eaton 9PX-like card),
- ``apc``: an APC PowerNet-MIB UPS on line (a Smart-UPS with a Network Management Card),
- ``router``: a device with no UPS MIB at all.

One SNMPv3 user (SHA / AES-128, authPriv) reads any of them by context name.  snmpsim re-reads
a data file when its mtime (whole seconds) changes: :meth:`SnmpLab.set` rewrites the file
atomically and moves its mtime on by at least a second, so every edit is seen by the next GET.

Installed from PyPI with the dev extra (``snmpsim`` + ``pysmi``, which snmpsim needs and does
not declare); snmpsim 1.2 runs on the same pysnmp 7.1 as the agent, in the same virtualenv.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import wait_until
from tests.support.env import stop_process
from tests.support.net import free_port

RESPONDER = Path(sys.executable).parent / "snmpsim-command-responder"

V3_USER = "sansang"
V3_AUTH_KEY = "auth-key-sa-thay-2026"
V3_PRIV_KEY = "priv-key-sa-thay-2026"

# snmprec types: 2 Integer32, 4 OCTET STRING, 6 OBJECT IDENTIFIER, 66 Gauge32, 67 TimeTicks
INTEGER, STRING, OID, GAUGE, TIMETICKS = 2, 4, 6, 66, 67
Record = tuple[int, int | str]

_SYSTEM = "1.3.6.1.2.1.1"
_UPS = "1.3.6.1.2.1.33.1"
_APC = "1.3.6.1.4.1.318.1.1.1"

# UPS-MIB names (RFC 1628) of the objects a test changes.
UPS_OUTPUT_SOURCE = f"{_UPS}.4.1.0"
UPS_BATTERY_STATUS = f"{_UPS}.2.1.0"
UPS_MINUTES_REMAINING = f"{_UPS}.2.3.0"
UPS_CHARGE_REMAINING = f"{_UPS}.2.4.0"
# PowerNet-MIB
APC_OUTPUT_STATUS = f"{_APC}.4.1.1.0"
APC_BATTERY_STATUS = f"{_APC}.2.1.1.0"
APC_RUNTIME = f"{_APC}.2.2.3.0"
APC_HIGHPREC_CAPACITY = f"{_APC}.2.3.1.0"

IETF_UPS: dict[str, Record] = {
    f"{_SYSTEM}.1.0": (STRING, "Eaton 9PX 1500i RT2U Network-M2"),
    f"{_SYSTEM}.2.0": (OID, "1.3.6.1.4.1.534.1"),
    f"{_UPS}.1.1.0": (STRING, "EATON"),  # upsIdentManufacturer
    f"{_UPS}.1.2.0": (STRING, "Eaton 9PX 1500i"),  # upsIdentModel
    UPS_BATTERY_STATUS: (INTEGER, 2),  # batteryNormal
    f"{_UPS}.2.2.0": (INTEGER, 0),  # upsSecondsOnBattery
    UPS_MINUTES_REMAINING: (INTEGER, 42),
    UPS_CHARGE_REMAINING: (INTEGER, 100),
    f"{_UPS}.3.2.0": (INTEGER, 1),  # upsInputNumLines
    f"{_UPS}.3.3.1.3.1": (INTEGER, 229),  # upsInputVoltage.1
    UPS_OUTPUT_SOURCE: (INTEGER, 3),  # normal
    f"{_UPS}.4.4.1.5.1": (INTEGER, 23),  # upsOutputPercentLoad.1
    f"{_UPS}.6.1.0": (GAUGE, 0),  # upsAlarmsPresent
}

APC_UPS: dict[str, Record] = {
    f"{_SYSTEM}.1.0": (STRING, "APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.9.6 AN1:apc_hw05)"),
    f"{_SYSTEM}.2.0": (OID, "1.3.6.1.4.1.318.1.3.27"),
    f"{_APC}.1.1.1.0": (STRING, "Smart-UPS 1500"),  # upsBasicIdentModel
    f"{_APC}.1.2.3.0": (STRING, "AS1935123456"),  # upsAdvIdentSerialNumber
    APC_BATTERY_STATUS: (INTEGER, 2),  # batteryNormal
    f"{_APC}.2.2.1.0": (GAUGE, 100),  # upsAdvBatteryCapacity
    APC_RUNTIME: (TIMETICKS, 246000),  # upsAdvBatteryRunTimeRemaining: 41 min
    f"{_APC}.2.2.4.0": (INTEGER, 1),  # upsAdvBatteryReplaceIndicator: noBatteryNeedsReplacing
    APC_HIGHPREC_CAPACITY: (GAUGE, 1000),  # upsHighPrecBatteryCapacity: 100.0 %
    f"{_APC}.3.2.1.0": (GAUGE, 230),  # upsAdvInputLineVoltage
    f"{_APC}.3.3.1.0": (GAUGE, 2304),  # upsHighPrecInputLineVoltage: 230.4 V
    APC_OUTPUT_STATUS: (INTEGER, 2),  # onLine
    f"{_APC}.4.2.3.0": (GAUGE, 24),  # upsAdvOutputLoad
    f"{_APC}.4.3.3.0": (GAUGE, 235),  # upsHighPrecOutputLoad: 23.5 %
}

ROUTER: dict[str, Record] = {
    f"{_SYSTEM}.1.0": (STRING, "DrayTek Vigor2927"),
    f"{_SYSTEM}.2.0": (OID, "1.3.6.1.4.1.7367"),
    f"{_SYSTEM}.3.0": (TIMETICKS, 123456),
}

DEVICES: dict[str, dict[str, Record]] = {"ietf": IETF_UPS, "apc": APC_UPS, "router": ROUTER}

# SNMPv2c GET sysDescr.0 with community "router", BER by hand (the readiness check must not
# depend on the client under test): Message{version 1, community, GetRequest-PDU{request-id 1,
# error-status 0, error-index 0, varbinds {{1.3.6.1.2.1.1.1.0, NULL}}}}.
_GET_SYSDESCR_ROUTER = bytes.fromhex(
    "30260201010406" + b"router".hex() + "a019020101020100020100300e300c06082b060102010101000500"
)


class SnmpLab:
    """snmpsim on 127.0.0.1:``port`` serving ``DEVICES`` from ``workdir/data``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.port = free_port()
        self.log_path = workdir / "snmpsim.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._records: dict[str, dict[str, Record]] = {}
        self._mtime = int(time.time())

    def start(self, timeout: float = 30.0) -> SnmpLab:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.reset()
        cmd = [
            str(RESPONDER),
            f"--data-dir={self.data_dir}",
            f"--cache-dir={self.workdir / 'cache'}",
            f"--agent-udpv4-endpoint=127.0.0.1:{self.port}",
            f"--v3-user={V3_USER}",
            f"--v3-auth-key={V3_AUTH_KEY}",
            "--v3-auth-proto=SHA",
            f"--v3-priv-key={V3_PRIV_KEY}",
            "--v3-priv-proto=AES",
        ]
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        # "Listening at" is logged before snmpsim loads its MIBs and starts its loop (up to
        # seconds later on a busy box): ready is when a GET gets an answer.
        wait_until(self._answers, timeout, f"snmpsim on 127.0.0.1:{self.port} to answer")
        return self

    def _answers(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"snmpsim exited with {self.proc.returncode}:\n{self.log()}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.2)
            sock.sendto(_GET_SYSDESCR_ROUTER, ("127.0.0.1", self.port))
            try:
                return len(sock.recv(2048)) > 0
            except TimeoutError:
                return False

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=10)

    def reset(self) -> None:
        """Every device back to its default data (each test starts from these)."""
        for name, records in DEVICES.items():
            self._records[name] = dict(records)
            self._write(name)

    def set(self, device: str, oid: str, kind: int, value: int | str) -> None:
        """Change (or add) one object of a live device."""
        self._records[device][oid] = (kind, value)
        self._write(device)

    def remove(self, device: str, oid: str) -> None:
        """Take one object away (the agent then answers NoSuchInstance for it)."""
        self._records[device].pop(oid, None)
        self._write(device)

    def _write(self, device: str) -> None:
        # snmprec lines sorted by OID (numerically): snmpsim's index expects that order.
        def numeric(oid: str) -> tuple[int, ...]:
            return tuple(int(part) for part in oid.split("."))

        lines = [
            f"{oid}|{kind}|{value}"
            for oid, (kind, value) in sorted(
                self._records[device].items(), key=lambda r: numeric(r[0])
            )
        ]
        path = self.data_dir / f"{device}.snmprec"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # snmpsim compares whole-second mtimes: move on by at least one second per edit.
        self._mtime = max(self._mtime + 1, int(time.time()))
        os.utime(tmp, (self._mtime, self._mtime))
        os.replace(tmp, path)


@contextmanager
def snmp_lab(workdir: Path) -> Iterator[SnmpLab]:
    lab = SnmpLab(workdir).start()
    try:
        yield lab
    finally:
        lab.stop()
