"""Live values (giá trị hiện thời) of every site, from Prometheus' HTTP query API.

The agents' series carry no site label: the province's scrape config adds it as a target label
(``prometheus.site_label``, default ``site``) holding the site key, e.g. ``23527-main``.  The
label should be set on the agents' targets only: ``up`` of another target carrying it (a
node_exporter on the same host) would count as the agent answering.

:func:`snapshot` asks five queries at once and returns a :class:`LiveSite` per site of the
inventory (a value nobody reported is ``None``, unknown); :func:`refresh_forever` replaces
``Collector.live`` every ``interval`` and empties it when no refresh succeeded for
``stale_after`` seconds, so old values never pass for live ones.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from collector.evaluate.model import LiveSite
from collector.live.promapi import PromClient, PromError, Vector

if TYPE_CHECKING:
    from collector.context import Collector

__all__ = ["PromClient", "PromError", "queries", "refresh_forever", "snapshot"]

log = logging.getLogger(__name__)

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
STALE_AFTER = 120.0
UNREACHABLE_AFTER = 300.0


def queries(site_label: str, unreachable_after: float = UNREACHABLE_AFTER) -> dict[str, str]:
    """The PromQL behind each field of :class:`LiveSite`, grouped by the site label.

    ``up`` is the best scrape of the last ``unreachable_after`` seconds: a site is down only
    when every scrape failed for that long (the hysteresis of the SansangSiteUnreachable
    rule), not at the first scrape that timed out."""
    if not _LABEL_NAME.match(site_label):
        raise ValueError(f"'{site_label}' is not a Prometheus label name")
    s = site_label
    sel = f'{s}!=""'
    window = f"{max(1, round(unreachable_after))}s"
    return {
        "up": f"max by ({s}) (max_over_time(up{{{sel}}}[{window}]))",
        "mains_present": f"max by ({s}) (sansang_power_site_mains_present{{{sel}}})",
        "on_battery": f"max by ({s}) (sansang_power_on_battery{{{sel}}})",
        "links_up": f"max by ({s}, link) (sansang_link_up{{{sel}}})",
        # last_over_time: once a certificate has expired the probe's handshake fails and writes
        # no expiry; the value seen last still says when it ran out (as the alert rules read it).
        "tls_expiry": f"min by ({s}, check) (last_over_time("
        f"sansang_tls_certificate_expiry_timestamp_seconds{{{sel}}}[1d]))",
    }


async def snapshot(
    client: PromClient,
    site_label: str,
    site_keys: Collection[str],
    unreachable_after: float = UNREACHABLE_AFTER,
) -> dict[str, LiveSite]:
    """What Prometheus says now about each site of ``site_keys``; series of other sites are
    ignored.  Raises :class:`PromError` when any query fails (no partial snapshot)."""
    qs = queries(site_label, unreachable_after)
    names = list(qs)
    results = await asyncio.gather(*(client.vector(qs[n]) for n in names))
    by_name = dict(zip(names, results, strict=True))
    queried_at = time.time()
    up = _flags(by_name["up"], site_label)
    mains = _flags(by_name["mains_present"], site_label)
    battery = _flags(by_name["on_battery"], site_label)
    links: dict[str, dict[str, bool]] = {}
    for sample in by_name["links_up"].samples:
        key, link = sample.labels.get(site_label), sample.labels.get("link")
        if key and link:
            links.setdefault(key, {})[link] = sample.value >= 1
    expiry: dict[str, dict[str, float]] = {}
    for sample in by_name["tls_expiry"].samples:
        key, check = sample.labels.get(site_label), sample.labels.get("check")
        if key and check and math.isfinite(sample.value) and sample.value > 0:
            expiry.setdefault(key, {})[check] = sample.value
    evidence = tuple(qs.values())
    return {
        key: LiveSite(
            queried_at=queried_at,
            up=up.get(key),
            mains_present=mains.get(key),
            on_battery=battery.get(key),
            links_up=links.get(key, {}),
            tls_expiry=expiry.get(key, {}),
            queries=evidence,
        )
        for key in site_keys
    }


def _flags(vector: Vector, site_label: str) -> dict[str, bool]:
    """``{site: value >= 1}``; NaN (no answer) is left out: unknown."""
    out: dict[str, bool] = {}
    for sample in vector.samples:
        key = sample.labels.get(site_label)
        if key and sample.value == sample.value:  # not NaN
            out[key] = sample.value >= 1
    return out


async def refresh_forever(
    c: Collector,
    *,
    interval: float | None = None,
    stale_after: float = STALE_AFTER,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Replace ``c.live`` every ``interval`` s (default: ``prometheus.refresh_interval``);
    errors are logged and the last values kept until ``stale_after`` s after the last success,
    then dropped (``c.live = {}``).
    Returns at once when ``prometheus.url`` is not set."""
    cfg = c.config.prometheus
    if cfg.url is None:
        log.info("prometheus.url not set: no live values")
        return
    last_ok: float | None = None
    async with PromClient(cfg.url, timeout=cfg.timeout) as client:
        while True:
            try:
                keys = [site.key for site in c.inventory.sites]
                c.live = await snapshot(client, cfg.site_label, keys, cfg.unreachable_after)
                last_ok = clock()
            except PromError as err:
                log.warning("live values from %s failed: %s", cfg.url, err)
                if c.live and (last_ok is None or clock() - last_ok > stale_after):
                    log.warning("live values older than %gs dropped", stale_after)
                    c.live = {}
            await asyncio.sleep(cfg.refresh_interval if interval is None else interval)
