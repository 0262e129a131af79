"""Waiting for a test server that is not taking connections yet: attempts spaced by a delay that
doubles, never past a limit.

An iperf3 server closes its listening socket after every test (or after a connection that left
before its parameters) and opens it again a few milliseconds later, and answers "busy" while
another client's test runs: the next attempt must wait for it, but only as long as the test's
time allows.  A delay that grows keeps the attempts few when the server stays away (a port that
is really closed costs ``limit`` seconds, then fails as refused).
"""

from __future__ import annotations

import time
from collections.abc import Callable

FIRST_DELAY = 0.05  # seconds: a re-opening server is back within milliseconds
LONGEST_DELAY = 1.0  # seconds between two attempts at most


class Backoff:
    """The delays between attempts, until ``limit`` seconds after it was made."""

    def __init__(
        self,
        limit: float,
        *,
        first: float = FIRST_DELAY,
        longest: float = LONGEST_DELAY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._deadline = clock() + limit
        self._delay = first
        self._longest = longest
        self.attempts = 1  # the first attempt needs no delay

    def next_delay(self) -> float | None:
        """How long to wait before the next attempt; None when it would start past the limit."""
        delay = self._delay
        if self._clock() + delay > self._deadline:
            return None
        self._delay = min(2 * delay, self._longest)
        self.attempts += 1
        return delay
