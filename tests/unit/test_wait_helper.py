"""The tests' one wait helper (``tests.support.wait_until`` and its async twin): it polls the
condition until a deadline, never a bare sleep; returns the condition's value; fails with a
message naming what was awaited; never sleeps past the deadline."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from tests.support import NotYet, wait_until, wait_until_async


def test_returns_the_conditions_truthy_value_as_soon_as_it_comes() -> None:
    answers = iter([None, 0, "", {"seq": 3}])
    looks = itertools.count(1)

    def condition() -> object:
        next(looks)
        return next(answers)

    started = time.monotonic()
    assert wait_until(condition, 10, "the third event", interval=0.01) == {"seq": 3}
    assert next(looks) == 5  # four looks, then stopped
    assert time.monotonic() - started < 1  # not the timeout


def test_fails_at_the_deadline_naming_what_was_awaited_and_the_last_answer() -> None:
    with pytest.raises(AssertionError, match=r"after 0\.2s waiting for the journal to hold 5"):
        wait_until(lambda: NotYet("3 events"), 0.2, "the journal to hold 5", interval=0.05)
    with pytest.raises(AssertionError, match=r"last: NotYet\(why='3 events'\)"):
        wait_until(lambda: NotYet("3 events"), 0.1, "the journal to hold 5", interval=0.05)


def test_an_exception_is_not_yet_and_shown_at_the_deadline() -> None:
    answers = iter([ConnectionRefusedError("not listening"), None, "ok"])

    def condition() -> object:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert wait_until(condition, 5, "the server", interval=0.01) == "ok"
    with pytest.raises(AssertionError, match=r"last: ZeroDivisionError"):
        wait_until(lambda: 1 / 0 or "never", 0.1, "a division", interval=0.02)


@pytest.mark.parametrize(("timeout", "interval"), [(0.3, 0.1), (0.2, 1.0), (0.0, 0.5)])
def test_polls_until_the_deadline_and_never_sleeps_past_it(timeout: float, interval: float) -> None:
    looks: list[float] = []
    started = time.monotonic()
    with pytest.raises(AssertionError):
        wait_until(lambda: looks.append(time.monotonic() - started), timeout, "never", interval)
    elapsed = time.monotonic() - started
    assert elapsed < timeout + interval  # at most one interval past it
    assert elapsed < timeout + 0.25  # here: the pause is cut short at the deadline
    assert looks[-1] >= timeout  # a last look at the deadline
    assert len(looks) >= min(3, int(timeout / interval))  # polled, not one sleep


async def test_the_async_twin_lets_the_loop_run_and_takes_either_kind_of_condition() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    try:
        assert await wait_until_async(lambda: ticks >= 5 and ticks, 5, "five ticks") >= 5

        async def later() -> int | None:
            return ticks if ticks >= 10 else None

        assert await wait_until_async(later, 5, "ten ticks") >= 10
        started = time.monotonic()
        with pytest.raises(AssertionError, match="waiting for a tick that never comes"):
            await wait_until_async(lambda: ticks < 0, 0.2, "a tick that never comes", 1.0)
        assert time.monotonic() - started < 0.2 + 0.1
    finally:
        task.cancel()
