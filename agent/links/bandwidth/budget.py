"""The monthly data budget (hạn mức dữ liệu) of the throughput tests, computed from the journal.

What the tests used is the sum of ``details.bytes_used`` of the ``speedtest_result`` events since
the start of the calendar month in the site's time zone: link bytes, headers and ACKs included
(:mod:`agent.links.bandwidth.wire`).  Reading it from the journal counts the tests run from the
CLI (another process writing the same journal) and loses nothing at a restart.

A test runs while at least ``MIN_TEST_BYTES`` are left, bounded by what is left: below the
backend's estimate it is a smaller test, not none.  Under ``MIN_TEST_BYTES`` tests are suspended
until the first day of the next month.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from agent import clock
from agent.journal.store import Journal

RESULT_KIND = "speedtest_result"
MIB = 1024 * 1024
# Before a backend has a successful test to go by: about what an 8-second test at 10 Mbit/s
# each way moves (2 × 8 s × 1.25 MB/s), rounded up.
DEFAULT_ESTIMATE_BYTES = 24 * MIB
# The smallest test worth its bytes: about 2 MiB each way, a second at 16 Mbit/s, twice the
# self-hosted backend's rate probe (1 MB) and sixteen of iperf3's 128 KiB writes.  Less left:
# tests are suspended until next month.
MIN_TEST_BYTES = 4 * MIB


def month_start(wall: float, timezone: str) -> float:
    """Unix time of the first instant of the calendar month containing ``wall`` in ``timezone``."""
    zone = ZoneInfo(timezone)
    local = datetime.fromtimestamp(wall, zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def next_month_start(wall: float, timezone: str) -> float:
    """Unix time of the first instant of the calendar month after the one containing ``wall``."""
    zone = ZoneInfo(timezone)
    local = datetime.fromtimestamp(wall, zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=zone).timestamp()


class Budget:
    """The month's allowance and what the journal says the tests used of it."""

    def __init__(
        self,
        journal: Journal,
        monthly_bytes: int,
        timezone: str,
        *,
        wall: Callable[[], float] = clock.wall,
    ) -> None:
        self.journal = journal
        self.monthly_bytes = monthly_bytes
        self.timezone = timezone
        self._wall = wall

    def month_start(self, wall: float | None = None) -> float:
        return month_start(self._wall() if wall is None else wall, self.timezone)

    def used(self) -> int:
        """Bytes the tests used this month (a query of the journal: call it off the event loop)."""
        return int(self.journal.sum_detail(RESULT_KIND, "bytes_used", self.month_start()))

    def left(self) -> int:
        return max(0, self.monthly_bytes - self.used())

    def suspended_until(self, used: int) -> float | None:
        """When tests resume (next month's first instant) if ``used`` leaves less than
        ``MIN_TEST_BYTES`` of the month; None while a test may run."""
        if self.monthly_bytes - used >= MIN_TEST_BYTES:
            return None
        return next_month_start(self._wall(), self.timezone)

    def estimate(self, backend_id: str) -> int:
        """What the next test of this backend will likely use: what its last successful test
        used, or a default before it has one."""
        last = self.journal.newest_of(RESULT_KIND, backend_id, "ok")
        if last is not None:
            used = last.details.get("bytes_used")
            if isinstance(used, int | float) and used > 0:
                return int(used)
        return DEFAULT_ESTIMATE_BYTES

    def skip_noted(self, backend_id: str) -> bool:
        """Whether a skip for lack of budget of this backend is already journalled this month
        (it is journalled once per month and backend, not at every attempt)."""
        since = self.month_start()
        return any(
            e.subject == backend_id and e.details.get("reason") == "budget_exhausted"
            for e in self.journal.of_kinds([RESULT_KIND], since)
        )
