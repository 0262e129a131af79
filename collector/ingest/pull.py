"""Fetching the journals of the agents the province can reach (``pull:`` sites; docs/ingest.md).

One task per site: a site that is slow or down waits on its own timeout and backs off on its
own, never delaying the others; a semaphore bounds the requests in flight.  A pull reads pages of
``/api/v1/events?after=SEQ`` until the agent has nothing newer, storing each page as one batch.
``after`` is the contiguous seq stored of the journal the agent serves (the end of the run without
a hole); a new ``journal_id`` (the agent's journal file was replaced) starts again at 0.
``first_seq > after + 1`` means events were pruned on the site before the collector read them:
logged and counted as a gap.  A seq stored with other content is a ``conflict`` error.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import ValidationError

from collector.context import Collector
from collector.events import EventIn
from collector.inventory.model import Site
from collector.store import SeqConflict
from sansang.errors import SansangError

log = logging.getLogger(__name__)
MAX_CONCURRENT = 32  # requests in flight across all sites
MAX_BACKOFF_FACTOR = 16  # a failing site is retried after at most 16 × pull.interval
MAX_PAGES = 10_000  # per pull: a guard against an agent that never says "nothing newer"


class PullError(SansangError):
    """A pull that failed; ``reason`` is the counter label (sansang_collector_pull_errors)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Puller:
    """What the pulls of one collector share: the HTTP session, the bound on requests in flight,
    and the journal each site served last."""

    c: Collector
    session: aiohttp.ClientSession
    limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONCURRENT))
    journals: dict[str, str] = field(default_factory=dict)  # site key -> journal_id

    async def pull(self, site: Site) -> int:
        """Read everything new from the site's agent; returns how many events were new."""
        assert site.pull is not None
        headers = _auth_headers(site.pull.token_file)
        base = site.pull.url.rstrip("/")
        journal_id = self.journals.get(site.key)
        if journal_id is None:
            latest = await asyncio.to_thread(self.c.store.latest_cursor, site.key)
            journal_id = latest.journal_id if latest else None
        after = await self._after(site.key, journal_id)
        new = 0
        for _ in range(MAX_PAGES):
            page = await self._page(base, headers, after)
            _check_site(page, site)
            served = str(page["journal_id"])
            if served != journal_id:
                log.info("%s: journal %s (was %s)", site.key, served, journal_id or "none")
                journal_id = served
                self.journals[site.key] = served
                resume = await self._after(site.key, served)
                if resume != after:
                    after = resume
                    continue
            self.journals[site.key] = served
            events = _events(page, site.key)
            first_seq = int(page["first_seq"])
            if events and first_seq > after + 1:
                gap = first_seq - after - 1
                self.c.ingest.gap_events[site.key] += gap
                log.warning("%s: %d events pruned on the site before being read", site.key, gap)
            if not events:
                return new
            try:
                result = await asyncio.to_thread(
                    self.c.store.insert_events,
                    site.key,
                    served,
                    events,
                    time.time(),
                    first_seq=first_seq,
                )
            except SeqConflict as conflict:  # the site's journal went back: never a duplicate
                raise PullError("conflict", f"{site.key}: {conflict}") from None
            new += result.accepted
            self.c.ingest.accepted[site.key] += result.accepted
            self.c.ingest.duplicates[site.key] += result.duplicates
            self.c.ingest.last_received[site.key] = time.time()
            after = max(after, events[-1].seq)
            if after >= int(page["last_seq"]):
                return new
        return new

    async def _after(self, site_key: str, journal_id: str | None) -> int:
        if journal_id is None:
            return 0
        cursor = await asyncio.to_thread(self.c.store.cursor, site_key, journal_id)
        return cursor.last_seq

    async def _page(self, base: str, headers: dict[str, str], after: int) -> dict[str, Any]:
        url = f"{base}/api/v1/events"
        params = {"after": str(after), "limit": str(self.c.config.pull.page_size)}
        timeout = aiohttp.ClientTimeout(total=self.c.config.pull.timeout)
        async with self.limit:
            try:
                async with self.session.get(
                    url, params=params, headers=headers, timeout=timeout
                ) as resp:
                    if resp.status != 200:
                        text = (await resp.text(errors="replace"))[:200].strip()
                        raise PullError(f"http_{resp.status}", f"{url}: HTTP {resp.status} {text}")
                    body = await resp.json(content_type=None)
            except TimeoutError as err:
                raise PullError("timeout", f"{url}: no answer in {timeout.total:g} s") from err
            except aiohttp.ClientSSLError as err:
                raise PullError("tls", f"{url}: TLS: {err}") from err
            except aiohttp.ClientError as err:
                raise PullError("connect", f"{url}: {err}") from err
            except ValueError as err:
                raise PullError("protocol", f"{url}: not JSON: {err}") from err
        if not isinstance(body, dict) or not {"journal_id", "first_seq", "last_seq", "events"} <= (
            body.keys()
        ):
            raise PullError("protocol", f"{url}: not an events page")
        return body


def _auth_headers(token_file: Path | None) -> dict[str, str]:
    if token_file is None:
        return {}
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise PullError("token_file", f"cannot read {token_file}: {err.strerror}") from err
    return {"Authorization": f"Bearer {token}"} if token else {}


def _check_site(page: dict[str, Any], site: Site) -> None:
    served = page.get("site")
    if served is not None and served != site.key:
        raise PullError(
            "wrong_site",
            f"the agent at {site.pull.url if site.pull else '?'} is site '{served}', "
            f"the inventory says '{site.key}'",
        )


def _events(page: dict[str, Any], site_key: str) -> list[EventIn]:
    events = page["events"]
    if not isinstance(events, list):
        raise PullError("protocol", "events is not a list")
    out: list[EventIn] = []
    for i, raw in enumerate(events):
        try:
            event = EventIn.model_validate(raw)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise PullError("invalid", f"event {i}: {where}: {first['msg']}") from err
        if event.site != site_key:
            raise PullError("wrong_site", f"event {i} is of site '{event.site}'")
        out.append(event)
    return out


def ssl_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verification always on; the province's own CA when ``pull.ca_file`` says so."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def _session(c: Collector) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(ssl=ssl_context(c.config.pull.ca_file), limit=MAX_CONCURRENT)
    return aiohttp.ClientSession(connector=connector)


async def pull_once(c: Collector, site: Site) -> int:
    """One pull of one site with its own session (tests, ``sansang collector`` tools)."""
    async with _session(c) as session:
        return await Puller(c, session).pull(site)


async def _site_loop(puller: Puller, key: str) -> None:
    interval = puller.c.config.pull.interval
    failures = 0
    while True:
        site = puller.c.site(key)
        if site is None or site.pull is None:
            return
        try:
            await puller.pull(site)
            failures = 0
            delay = interval
        except PullError as err:
            failures += 1
            puller.c.ingest.pull_errors[(key, err.reason)] += 1
            log.warning("%s: pull failed (%d in a row): %s", key, failures, err)
            delay = interval * min(2 ** (failures - 1), MAX_BACKOFF_FACTOR)
        except Exception:  # the database, a bug: logged, retried, the other sites go on
            failures += 1
            puller.c.ingest.pull_errors[(key, "internal")] += 1
            log.exception("%s: pull failed", key)
            delay = interval * min(2 ** (failures - 1), MAX_BACKOFF_FACTOR)
        await asyncio.sleep(delay * random.uniform(0.9, 1.1))


async def run_forever(c: Collector) -> None:
    """Pull every ``pull:`` site of the inventory, each on its own schedule; sites added to or
    removed from the inventory (reloaded) are picked up within a pull interval."""
    async with _session(c) as session:
        puller = Puller(c, session)
        tasks: dict[str, asyncio.Task[None]] = {}
        try:
            while True:
                wanted = {s.key for s in c.inventory.sites if s.pull is not None}
                for key in wanted - tasks.keys():
                    tasks[key] = asyncio.create_task(_site_loop(puller, key), name=f"pull {key}")
                for key in [k for k, t in tasks.items() if k not in wanted or t.done()]:
                    tasks.pop(key).cancel()
                await asyncio.sleep(min(c.config.pull.interval, 30.0))
        finally:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
