"""The likely cause of a loss (nguyên nhân có khả năng): power, link, device, central or agent.

Pure: given a site's events around a loss (sorted by wall time, as the store gives them) and the
moment of the loss, it says what went first.  The order of the questions is the order of blame:

1. ``central``: the moment is inside a central outage (many sites lost the same system at once).
2. ``power``: mains were lost before the loss and not restored by then (a ``mains_state lost``
   before it, flapping in progress, a ``mains_state restored`` after it whose outage started
   before it, or a UPS that ran out within ``lookback`` and was not retracted).  Power comes
   before link: a cut power takes the modem down with it, and the alert must say power.
3. ``agent``: the agent was stopped (or restarted) within ``lookback``: nobody was looking.
4. ``link``: a link went down, an interface dropped or a quality round lost every request within
   ``lookback`` before the loss.
5. ``device``: none of these: the device or service alone.

With no events at all the cause is ``unknown``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from collector.evaluate.clock import started_at
from collector.evaluate.depletion import DEPLETED, resolve
from collector.evaluate.model import Cause
from collector.events import StoredEvent

Interval = tuple[float, float]


def likely_cause(
    events: Sequence[StoredEvent],
    at: float,
    *,
    lookback: float = 600.0,
    central: Sequence[Interval] = (),
) -> Cause:
    """The likely cause of a loss at ``at`` (Unix seconds) from the site's ``events``."""
    if any(start <= at < end for start, end in central):
        return "central"
    if not events:
        return "unknown"
    end = bisect_right(events, at, key=_wall)  # events[:end] happened at or before the loss
    if _mains_out(events, end, at) or _ups_ran_out(events, end, at - lookback):
        return "power"
    recent = _recent(events, end, at - lookback)
    if any(e.kind in ("agent_stopped", "agent_started") for e in recent):
        return "agent"
    if any(_link_lost(e) for e in recent):
        return "link"
    return "device"


def _wall(event: StoredEvent) -> float:
    return event.wall_time


def _recent(events: Sequence[StoredEvent], end: int, since: float) -> list[StoredEvent]:
    found = []
    for i in range(end - 1, -1, -1):
        if events[i].wall_time < since:
            break
        found.append(events[i])
    return found


def _mains_out(events: Sequence[StoredEvent], end: int, at: float) -> bool:
    """Mains were off at ``at``: as the newest mains event before says, or as a restore after
    it tells (the outage's start, when the host itself went down and came back)."""
    for i in range(end - 1, -1, -1):
        e = events[i]
        if e.kind == "mains_state":
            if e.state == "lost":
                return True
            break
        if e.kind == "mains_flapping":
            if e.state == "started":
                return True
            break
    for i in range(end, len(events)):
        e = events[i]
        if e.kind == "mains_state":
            started = started_at(e) if e.state == "restored" else None
            return started is not None and started <= at
    return False


def _ups_ran_out(events: Sequence[StoredEvent], end: int, since: float) -> bool:
    recent = [e for e in _recent(events, end, since) if e.kind == DEPLETED]
    if not recent:
        return False
    standing = {e.ref for e in resolve(events).standing}  # a retraction may come after the loss
    return any(e.ref in standing for e in recent)


def _link_lost(e: StoredEvent) -> bool:
    if e.kind in ("link_state", "interface_state"):
        return e.state == "down"
    if e.kind == "link_quality":
        return e.value is None and _lost_all(e)
    return False


def _lost_all(e: StoredEvent) -> bool:
    loss = e.details.get("loss_ratio")
    received = e.details.get("received")
    return (isinstance(loss, int | float) and loss >= 1.0) or received == 0
