"""A real NUT server for tests and benchmarks: upsd plus the dummy-ups driver in a temp dir.

    from tests.integration.nutlab import NutLab, skip_without_nut

    @skip_without_nut
    def test_something(tmp_path):
        with NutLab(tmp_path) as lab:          # started, ups.status has left WAIT
            lab.set_status("OB DISCHRG", charge=80, runtime=900)
            lab.wait_status("OB DISCHRG")      # what upsd now serves
            spec = lab.spec()                  # NutSpec kwargs: host, port, ups
            lab.kill_driver()                  # upsd answers ERR DRIVER-NOT-CONNECTED
            lab.start_driver(); lab.wait_ready()
            lab.stop_upsd()                    # connections refused; the driver keeps running
            lab.start_upsd(); lab.wait_ready()

Debian's NUT 2.8 (``apt-get install -y nut-server nut-client``): ``/lib/nut/upsd`` and
``/lib/nut/dummy-ups``, run as root in the foreground (``-u root -F``) with ``NUT_CONFPATH`` and
``NUT_STATEPATH`` pointing into the lab's directory; ``/sbin/upsd`` is a wrapper that does
nothing here.  upsd listens on 127.0.0.1 on a free port.  Both processes are stopped by PID when
the lab closes (or ``stop()``), even after a failed start.

The UPS is the ``.dev`` file dummy-ups reads (``name: value`` lines).  ``write_vars`` and
``set_status`` replace it atomically (temp file + rename) and move its mtime forward by at
least one second each time: dummy-ups re-reads the file when the mtime (in whole seconds)
changes, then upsd serves the new values within about 2 s (the driver's poll interval).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from agent.power.nut.protocol import (
    NutProtocolError,
    VarEntry,
    parse_reply,
    quote,
    read_dummy_ups_file,
)
from tests.support import wait_until
from tests.support.env import stop_process
from tests.support.net import free_port

NUT_DIR = Path("/lib/nut")
UPSD = NUT_DIR / "upsd"
DUMMY_UPS = NUT_DIR / "dummy-ups"


def nut_missing() -> str | None:
    """Why a lab cannot run here, or None when it can."""
    for binary in (UPSD, DUMMY_UPS):
        if not os.access(binary, os.X_OK):
            return f"{binary} not found: apt-get install -y nut-server nut-client"
    if os.geteuid() != 0:
        return "NUT's upsd and dummy-ups are run as root (-u root) in these tests"
    return None


skip_without_nut = pytest.mark.skipif(nut_missing() is not None, reason=str(nut_missing()))

# What a fresh lab's UPS says: both ups.* and device.* identity (some clients read one, some
# the other), a mains-present status and plausible numbers.
DEFAULT_VARS: dict[str, str] = {
    "device.mfr": "Sansang Test",
    "device.model": "Dummy 1000",
    "device.serial": "SS-0001",
    "device.type": "ups",
    "ups.mfr": "Sansang Test",
    "ups.model": "Dummy 1000",
    "ups.serial": "SS-0001",
    "ups.status": "OL",
    "battery.charge": "100",
    "battery.runtime": "1800",
    "input.voltage": "230.0",
    "ups.load": "25",
}


class NutLab:
    """upsd + dummy-ups serving one UPS (``ups``) on ``host:port`` (loopback by default).

    ``users`` maps upsd user names to passwords (upsd.users); ``poll_interval`` is the driver's
    (NUT's default is 2 s); ``upsd_conf`` adds lines to upsd.conf (e.g. CERTPATH for TLS)."""

    def __init__(
        self,
        root: Path,
        ups: str = "ups1",
        *,
        users: dict[str, str] | None = None,
        variables: dict[str, str] | None = None,
        poll_interval: int = 2,
        upsd_conf: list[str] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.root = root
        self.ups = ups
        self.host = host
        self.port = free_port(host)
        self.users = users or {}
        self.poll_interval = poll_interval
        self.upsd_conf = upsd_conf or []
        self.etc = root / "etc"
        self.state = root / "state"
        self.dev_file = self.etc / f"{ups}.dev"
        self._vars = dict(DEFAULT_VARS if variables is None else variables)
        self._mtime = 0
        self.upsd: subprocess.Popen[bytes] | None = None
        self.driver: subprocess.Popen[bytes] | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> NutLab:
        """Write the configuration, start the driver and upsd, wait until the UPS has data."""
        reason = nut_missing()
        if reason:
            pytest.skip(reason)
        self._configure()
        try:
            self.start_driver()
            self.start_upsd(timeout)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop upsd and the driver (by PID: SIGTERM, then SIGKILL after 5 s)."""
        for attr in ("upsd", "driver"):
            proc: subprocess.Popen[bytes] | None = getattr(self, attr)
            if proc is not None:
                stop_process(proc)
                setattr(self, attr, None)

    def __enter__(self) -> NutLab:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start_upsd(self, timeout: float = 15.0) -> None:
        """Start upsd (again, on the same port) and wait until it listens; it finds the running
        driver by itself (its data may be ``WAIT`` for a moment: ``wait_ready``)."""
        if self.upsd is not None and self.upsd.poll() is None:
            raise RuntimeError("upsd is already running")
        self.upsd = self._spawn([str(UPSD), "-u", "root", "-F"], "upsd.log")
        wait_until(self._listening, timeout, f"upsd to listen on {self.host}:{self.port}")

    def stop_upsd(self) -> None:
        """Stop upsd alone (SIGTERM by PID), as ``systemctl restart nut-server`` does first:
        clients are refused while the driver, and the UPS, go on."""
        if self.upsd is not None:
            stop_process(self.upsd)
            self.upsd = None

    def start_driver(self) -> None:
        """Start dummy-ups (again); upsd reconnects to its socket by itself."""
        if self.driver is not None and self.driver.poll() is None:
            raise RuntimeError("the driver is already running")
        self.driver = self._spawn(
            [str(DUMMY_UPS), "-a", self.ups, "-u", "root", "-F"], "driver.log"
        )

    def kill_driver(self) -> None:
        """Kill dummy-ups (SIGKILL: the UPS's USB cable pulled, the driver crashed)."""
        if self.driver is not None:
            self.driver.kill()
            self.driver.wait(timeout=5)
            self.driver = None

    # ---- the UPS ---------------------------------------------------------------------------

    @property
    def variables(self) -> dict[str, str]:
        """What the .dev file says now."""
        return dict(self._vars)

    def write_vars(self, variables: dict[str, str]) -> None:
        """Replace every variable of the UPS (atomically, with a new mtime)."""
        self._vars = dict(variables)
        self._replace_dev("".join(f"{name}: {value}\n" for name, value in self._vars.items()))

    def load_dev_file(self, path: Path) -> None:
        """Serve a device dump (e.g. a nut-ddl ``.dev`` file) exactly as it is written."""
        self._replace_dev(path.read_text(encoding="utf-8"))
        self._vars = read_dummy_ups_file(self.dev_file.read_text(encoding="utf-8"))

    def _replace_dev(self, text: str) -> None:
        tmp = self.dev_file.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        # whole seconds, always forward: dummy-ups compares st_mtime in seconds
        self._mtime = max(int(time.time()), self._mtime + 1)
        os.utime(tmp, (self._mtime, self._mtime))
        os.replace(tmp, self.dev_file)

    def set_status(
        self,
        status: str,
        *,
        charge: float | None = None,
        runtime: float | None = None,
        voltage: float | None = None,
        load: float | None = None,
        **others: str,
    ) -> None:
        """New ``ups.status`` (e.g. ``"OB DISCHRG"``) and, when given, battery.charge (%),
        battery.runtime (s), input.voltage (V), ups.load (%) and other variables (``others``:
        NUT names with ``_`` for ``.``, e.g. ``ups_alarm="..."``)."""
        variables = dict(self._vars, **{"ups.status": status})
        for name, value in (
            ("battery.charge", charge),
            ("battery.runtime", runtime),
            ("input.voltage", voltage),
            ("ups.load", load),
        ):
            if value is not None:
                variables[name] = f"{value:g}"
        variables.update({name.replace("_", "."): value for name, value in others.items()})
        self.write_vars(variables)

    # ---- what upsd serves ------------------------------------------------------------------

    def get_var(self, name: str, timeout: float = 2.0) -> str:
        """``GET VAR`` over a plain blocking socket (independent of the agent's client).
        Raises ``RuntimeError`` with upsd's ERR code, or ``OSError``."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            sock.sendall(f"GET VAR {quote(self.ups)} {quote(name)}\n".encode())
            line = sock.makefile("r", encoding="utf-8", newline="\n").readline()
        try:
            reply = parse_reply(line)
        except NutProtocolError as err:
            raise RuntimeError(f"upsd answered {line!r}") from err
        if not isinstance(reply, VarEntry):
            raise RuntimeError(f"upsd answered {line.strip()!r}")
        return reply.value

    def status(self) -> str | None:
        """``ups.status`` as upsd serves it, or None when upsd answers an error."""
        try:
            return self.get_var("ups.status")
        except (RuntimeError, OSError):
            return None

    def wait_ready(self, timeout: float = 15.0) -> str:
        """Wait until upsd serves a ``ups.status`` other than ``WAIT`` (the driver's first data
        takes ~2 s); returns it."""
        return wait_until(
            lambda: (s := self.status()) not in (None, "WAIT") and s,
            timeout,
            f"{self.ups} to leave WAIT (driver log: {self._log_tail('driver.log')})",
        )

    def wait_status(self, status: str, timeout: float = 5.0) -> float:
        """Wait until upsd serves ``status``; returns the seconds waited."""
        started = time.monotonic()
        wait_until(lambda: self.status() == status, timeout, f"ups.status {status!r}")
        return time.monotonic() - started

    def spec(self, **overrides: Any) -> dict[str, Any]:
        """The NutSpec fields that point at this lab's UPS."""
        return {"host": self.host, "port": self.port, "ups": self.ups, **overrides}

    # ---- internals -------------------------------------------------------------------------

    def _configure(self) -> None:
        self.etc.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)
        self.write_vars(self._vars)
        (self.etc / "ups.conf").write_text(
            f"[{self.ups}]\n"
            "    driver = dummy-ups\n"
            f"    port = {self.dev_file.name}\n"
            f"    pollinterval = {self.poll_interval}\n"
            '    desc = "sansang test UPS"\n',
            encoding="utf-8",
        )
        upsd_conf = [f"LISTEN {self.host} {self.port}", *self.upsd_conf]
        (self.etc / "upsd.conf").write_text("\n".join(upsd_conf) + "\n", encoding="utf-8")
        users = "".join(
            f"[{name}]\n    password = {quote(password)}\n    upsmon secondary\n"
            for name, password in self.users.items()
        )
        (self.etc / "upsd.users").write_text(users, encoding="utf-8")
        (self.etc / "nut.conf").write_text("MODE=standalone\n", encoding="utf-8")
        for name in ("upsd.conf", "upsd.users"):
            os.chmod(self.etc / name, 0o600)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "NUT_CONFPATH": str(self.etc),
            "NUT_STATEPATH": str(self.state),
            "NUT_ALTPIDPATH": str(self.state),
        }

    def _spawn(self, cmd: list[str], log_name: str) -> subprocess.Popen[bytes]:
        with (self.root / log_name).open("ab") as log:
            return subprocess.Popen(
                cmd,
                env=self._env(),
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _listening(self) -> bool:
        if self.upsd is not None and self.upsd.poll() is not None:
            raise AssertionError(f"upsd exited: {self._log_tail('upsd.log')}")
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def _log_tail(self, name: str) -> str:
        path = self.root / name
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return text[-600:].strip()
