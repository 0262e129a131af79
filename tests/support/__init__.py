"""The tests' support package: the one way to wait, the one event converter, and the helpers the
tests share (one module each).

Never sleep-and-hope: :func:`wait_until` (and :func:`wait_until_async` in async tests) polls a
condition until a deadline and fails with a message naming what was awaited.  Events are turned
into what an agent sends by :func:`event_json` (every field, ``value`` too).

    agent          a real ``sansang agent run`` (AgentProcess, running_agent, make_agent_app)
    alerts         a small inventory, events in a store, a Collector for the alert tests
    browser        a real headless Chromium driven over DevTools
    clock          FakeWall, an injected wall clock
    collector      a real ``sansang collector run`` (running_collector, site, inventory_of)
    env            REPO, SANSANG, have(tool), have_root(), stop_process()
    evaluate       hand-built journals and a window for the rule tests
    fakes          fake probes and sinks for tests of the probe runtime
    ingest         a collector context for ingest tests (real store, inventory, credentials)
    ingest_server  the real push ingest alone (``python -m tests.support.ingest_server``)
    metrics        parse_metrics, value
    net            free_port, http_get, ThreadedServer
    speedtestnet   a stand-in for speedtest.net on 127.0.0.1
    survey         coverage survey records made by the real ``sansang survey`` code
    webdata        hand-built inventories and evaluations for the web UI
    yaml_writer    test configs as YAML
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collector.events import EventIn, StoredEvent
    from sansang.events import Event

T = TypeVar("T")
INTERVAL = 0.05  # seconds between two looks


@dataclass(frozen=True)
class NotYet:
    """A condition's falsy answer that says why: shown as the last result at the deadline."""

    why: Any

    def __bool__(self) -> bool:
        return False


class _Deadline:
    """Shared by both waits: when to give up, how long the next pause may be, the failure."""

    def __init__(self, timeout: float, what: str, interval: float) -> None:
        self.timeout, self.what, self.interval = timeout, what, interval
        self.end = time.monotonic() + timeout

    def pause(self) -> float | None:
        """Seconds to pause before the next look, never past the deadline; None: it has passed."""
        left = self.end - time.monotonic()
        return None if left <= 0 else min(self.interval, left)

    def failure(self, last: Any) -> AssertionError:
        return AssertionError(
            f"timed out after {self.timeout:g}s waiting for {self.what}; last: {last!r}"
        )


def wait_until(
    condition: Callable[[], T | None], timeout: float, what: str, interval: float = INTERVAL
) -> T:
    """Poll ``condition`` every ``interval`` seconds until it returns something truthy, and return
    that; at the deadline (``timeout`` seconds on) fail with ``what`` and the last result.

    An exception from the condition counts as "not yet" (the thing may still be starting) and is
    shown at the deadline.  The condition is always looked at once more at the deadline, and no
    pause runs past it."""
    deadline = _Deadline(timeout, what, interval)
    while True:
        try:
            last: Any = condition()
        except Exception as err:
            last = err
        if last and not isinstance(last, Exception):
            return last  # type: ignore[no-any-return]
        pause = deadline.pause()
        if pause is None:
            raise deadline.failure(last)
        time.sleep(pause)


async def wait_until_async(
    condition: Callable[[], Awaitable[T | None] | T | None],
    timeout: float,
    what: str,
    interval: float = INTERVAL,
) -> T:
    """:func:`wait_until` for async tests: the pauses are ``asyncio.sleep`` (servers and tasks in
    the same loop keep running); ``condition`` may be a coroutine function or a plain one."""
    deadline = _Deadline(timeout, what, interval)
    while True:
        try:
            last: Any = condition()
            if inspect.isawaitable(last):
                last = await last
        except Exception as err:
            last = err
        if last and not isinstance(last, Exception):
            return last  # type: ignore[no-any-return]
        pause = deadline.pause()
        if pause is None:
            raise deadline.failure(last)
        await asyncio.sleep(pause)


def event_json(event: StoredEvent | Event, site: str | None = None) -> dict[str, Any]:
    """An event as an agent sends it (pull or push): the JSON of ``sansang.events.Event.to_json``,
    every field kept, ``value`` too.  A ``StoredEvent`` names its own site."""
    from collector.events import StoredEvent
    from sansang.events import Event

    if isinstance(event, StoredEvent):
        site = site or event.site
        event = Event(
            event.seq,
            event.boot_id,
            event.wall_time,
            event.monotonic_ns,
            event.kind,
            event.subject,
            event.state,
            event.value,
            dict(event.details),
        )
    if site is None:
        raise ValueError("an Event needs the site it is sent for")
    return {**event.to_json(site), "details": dict(event.details)}


def event_in(event: StoredEvent | Event, site: str | None = None) -> EventIn:
    """:func:`event_json` as the collector's ingest reads it (for ``Store.insert_events``)."""
    from collector.events import EventIn

    return EventIn.model_validate(event_json(event, site))
