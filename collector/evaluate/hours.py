"""Service hours (giờ phục vụ) over a window, as sorted spans of Unix seconds.

The inventory has no schedule per site yet, so every site uses the agent's default
(:class:`sansang.service_hours.ServiceHours`: Monday to Friday 07:30–11:30 and 13:30–17:00, Saturday
morning, Asia/Ho_Chi_Minh).  The spans are computed once per window (cached), so a rule only
intersects sorted lists: no per-event clock arithmetic.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from collector.evaluate.model import Window
from collector.evaluate.timeline import Span
from collector.inventory.model import Site
from sansang.service_hours import WEEKDAYS, ServiceHours, parse_range

DEFAULT_HOURS = ServiceHours()


def service_spans(site: Site, window: Window) -> tuple[Span, ...]:
    """The service hours of ``site`` inside ``window``, sorted (for now the default schedule for
    every site)."""
    return _default_spans(window)


@functools.lru_cache(maxsize=16)
def _default_spans(window: Window) -> tuple[Span, ...]:
    return _spans(DEFAULT_HOURS, window)


def _spans(hours: ServiceHours, window: Window) -> tuple[Span, ...]:
    zone = ZoneInfo(hours.timezone)
    day = datetime.fromtimestamp(window.start, UTC).astimezone(zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(window.end, UTC).astimezone(zone).date()
    spans: list[Span] = []
    while day <= last:
        if day not in hours.holidays:
            for text in hours.weekly.get(WEEKDAYS[day.weekday()], []):
                start, end = parse_range(text)
                a = datetime.combine(day, start, zone).timestamp()
                b = datetime.combine(day, end, zone).timestamp()
                a, b = max(a, window.start), min(b, window.end)
                if b > a:
                    spans.append((a, b))
        day += timedelta(days=1)
    return tuple(spans)
