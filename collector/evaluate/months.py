"""Findings per calendar month (Asia/Ho_Chi_Minh): one month evaluated from the store alone and
kept (``Store.save_month``), the base of the board's trend, the API's ``?month=`` and the monthly
report.

:func:`evaluate_month` is :func:`collector.evaluate.run.evaluate_all` over the month's window (the
month so far while it is open) with no live values, so a closed month evaluated again from the
same events gives the same findings: every rule reads the window, never the wall clock.  The
findings carry the versions of what they were made from: the SHA-256 of the inventory's content
and of the catalogue with the province's thresholds (canonical JSON: keys sorted, so the same
content has the same version whatever the order of its mappings).

:func:`keep_forever` keeps the months up to date beside the evaluation loop: the current month
so far every ``periods.refresh`` seconds, and the previous month closed once,
``periods.close_after_hours`` into the new month (late pushes from agents that were offline still
count); a month already closed after that point is never evaluated again automatically
(``sansang collector evaluate-month`` does it by hand).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from collector.config import PeriodsConfig
from collector.evaluate.model import Window
from collector.evaluate.run import Host, evaluate_all
from collector.inventory.model import Inventory
from collector.periods import Month, MonthFindings
from collector.store import MonthEntry, Store
from collector.targets import Catalogue, ThresholdValue

log = logging.getLogger(__name__)

CHECK_EVERY = 300.0  # seconds between two looks at what is due (a cheap query)


def version(content: Any) -> str:
    """SHA-256 (hex) of ``content`` as canonical JSON: keys sorted, no spaces, UTF-8."""
    text = orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(text).hexdigest()


def inventory_version(inventory: Inventory) -> str:
    return version(inventory.model_dump(mode="json"))


def catalogue_version(
    catalogue: Catalogue, thresholds: Mapping[str, Mapping[str, ThresholdValue]]
) -> str:
    """The catalogue and the thresholds in force (the province's overrides applied)."""
    effective = {target: dict(values) for target, values in thresholds.items()}
    return version({"catalogue": catalogue.model_dump(mode="json"), "thresholds": effective})


def month_window(month: Month, now: float) -> Window:
    """The month, or the month so far while it is open; a month not begun is a ValueError."""
    if now <= month.start:
        raise ValueError(f"month: {month} has not begun yet (tháng {month.label} chưa bắt đầu)")
    return Window(month.start, min(month.end, now))


def evaluate_month(
    store: Store,
    inventory: Inventory,
    catalogue: Catalogue,
    thresholds: Mapping[str, Mapping[str, ThresholdValue]],
    month: Month,
    now: float,
) -> MonthFindings:
    """The month's findings as of ``now`` (final once ``now`` is past the month's end)."""
    window = month_window(month, now)
    evaluation = evaluate_all(store, inventory, catalogue, thresholds, window, live=None)
    return MonthFindings(
        month=month,
        evaluated_at=now,
        window=window,
        findings=tuple(evaluation.findings),
        province_findings=tuple(evaluation.province_findings),
        dead_zone_points=tuple(evaluation.dead_zone_points),
        inventory_version=inventory_version(inventory),
        catalogue_version=catalogue_version(catalogue, thresholds),
        closed=month.closed_at(now),
    )


def due(now: float, kept: Sequence[MonthEntry], periods: PeriodsConfig) -> list[Month]:
    """The months to evaluate and save at ``now``, oldest first.

    - The previous month, once ``close_after_hours`` into this one, when it was kept while
      open and not yet evaluated after that point (closed for good: never again
      automatically).  Before that point it is left as last saved, as of its final hours; a
      month the collector never kept (it was not running then) is evaluated only by hand.
    - The current month so far, when it was never saved or was saved ``refresh`` seconds ago."""
    current = Month.of(now)
    previous = current.previous()
    by_month = {e.month: e for e in kept}
    found: list[Month] = []
    close_at = previous.end + periods.close_after_hours * 3600
    last = by_month.get(previous)
    if now >= close_at and last is not None and last.evaluated_at < close_at:
        found.append(previous)
    mine = by_month.get(current)
    if mine is None or now - mine.evaluated_at >= periods.refresh:
        found.append(current)
    return found


def keep_once(c: Host, now: float) -> list[MonthFindings]:
    """Evaluate and save every month :func:`due` at ``now``; returns what was saved."""
    saved = []
    for month in due(now, c.store.month_entries(), c.config.periods):
        if now <= month.start:  # the first instant of a month: nothing to evaluate yet
            continue
        kept = evaluate_month(c.store, c.inventory, c.catalogue, c.thresholds, month, now)
        c.store.save_month(kept)
        saved.append(kept)
        log.info(
            "month %s %s: %d findings saved",
            month,
            "closed" if kept.closed else "so far",
            len(kept.findings),
        )
    return saved


async def keep_forever(c: Host) -> None:
    """:func:`keep_once` every :data:`CHECK_EVERY` seconds (at most ``periods.refresh``), in a
    worker thread; a failure (the database) is logged and tried again at the next look."""
    while True:
        try:
            await asyncio.to_thread(keep_once, c, time.time())
        except Exception:
            log.exception("keeping the month's findings failed; trying again later")
        await asyncio.sleep(min(CHECK_EVERY, c.config.periods.refresh))
