"""Read the kernel's clock-discipline state with adjtimex(2), read-only, on Linux.

Written by hand with ctypes because no maintained Python library exposes adjtimex: ``time`` has
no binding for it, and psutil does not report clock synchronisation.  The call is made with
``modes = 0``, which only reads (no privilege needed, nothing is changed).  This is what
``timedatectl``'s "System clock synchronized" and node_exporter's timex collector read.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from dataclasses import dataclass

log = logging.getLogger(__name__)

TIME_ERROR = 5  # adjtimex return value: the clock is not synchronised
STA_UNSYNC = 0x0040  # status bit: the clock is not synchronised


@dataclass(frozen=True)
class ClockReading:
    """A raw adjtimex(2) result: the return value, the status bits and the error bounds (µs)."""

    state: int  # TIME_OK (0) .. TIME_ERROR (5)
    status: int  # STA_* bits
    maxerror_us: int
    esterror_us: int

    @property
    def synchronized(self) -> bool:
        return self.state != TIME_ERROR and not self.status & STA_UNSYNC

    @property
    def max_error_seconds(self) -> float:
        return self.maxerror_us / 1e6


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    """``struct timex`` from <sys/timex.h> (glibc and musl agree on this layout)."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        # The kernel reserves 11 ints here; extra room costs nothing and guards against a libc
        # with a larger struct writing past our buffer.
        ("_reserved", ctypes.c_int * 32),
    ]


def read() -> ClockReading | None:
    """The clock state, or None where the OS does not say (not Linux, or the call failed)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        adjtimex = libc.adjtimex
    except (OSError, AttributeError) as err:
        log.debug("adjtimex is not available: %r", err)
        return None
    adjtimex.argtypes = [ctypes.POINTER(_Timex)]
    adjtimex.restype = ctypes.c_int
    timex = _Timex()  # zeroed: modes = 0 means read only
    state = adjtimex(ctypes.byref(timex))
    if state < 0:
        log.debug("adjtimex failed: errno %d", ctypes.get_errno())
        return None
    return ClockReading(state, timex.status, timex.maxerror, timex.esterror)
