"""The push client (gửi nhật ký về tỉnh): the journal to the province collector, outbound only.

For a site behind NAT or 4G that the collector cannot reach.  The contract is docs/ingest.md:

- at start, ``GET {url}api/v1/ingest/cursor?journal_id=`` says the contiguous seq of the
  collector (it holds this journal without a hole up to it); sending resumes after it, or after
  the journal's own acknowledged seq when that is lower (a journal restored from an older copy);
- batches of at most ``batch`` events, oldest first, ``POST {url}api/v1/ingest``; the client
  moves on only after a 200, whose ``last_seq`` is the collector's contiguous seq after the
  batch: acknowledged is the lower of it and the batch's last seq (a collector restored from a
  backup says less: the client rewinds and sends again; a stray event far ahead never counts).
  That seq goes to the journal's ``meta`` table
  (``push_acknowledged_seq``) and holds the journal's pruning to it (:meth:`Journal.hold`): an
  event not acknowledged survives retention, the size cap (up to ``max_unsent_mib``), a
  ``kill -9`` and a restart while the collector is unreachable;
- connection errors, timeouts, 5xx and 429 are retried with exponential backoff and jitter
  (waiting at least the Retry-After of a 429 or a 503);
  other 4xx are logged with the collector's message and retried slowly (a 401 or 403 re-reads
  the token file first; a 413 halves the batch).  Nothing is ever skipped: only the journal's
  hard ceiling can remove an event not acknowledged, and the client then logs the gap once;
- an error the client did not expect (a bug, a journal error) is logged with its traceback,
  counted as ``internal`` and retried after backoff: the task ends only when the agent stops.

A batch goes as a streamed body with its Content-Length (a 5,000-event batch is about 2 MiB).

A batch the collector stored but whose 200 was lost is sent again: the collector ignores the
duplicates (its key is site, journal_id, seq).  A 409 says the collector holds some of the seqs
with other content: the journal went back, and it goes on under a new journal_id from the batch's
first seq (:meth:`Journal.begin_epoch`, journalled as ``journal_reset``).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import random
import sqlite3
import ssl
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import aiohttp

from agent import clock
from agent.config import PushConfig
from agent.journal.store import Journal, Page
from sansang import __version__
from sansang.errors import SansangError
from sansang.events import SCHEMA_VERSION

log = logging.getLogger(__name__)

META_KEY = "push_acknowledged_seq"
# Bounded values of the `reason` label of sansang_push_failures_total.
REASONS: tuple[str, ...] = (
    "connect",  # no connection (refused, unreachable, DNS, TLS handshake)
    "timeout",
    "server_error",  # 5xx
    "throttled",  # 429
    "unauthorized",  # 401
    "forbidden",  # 403
    "rejected",  # any other 4xx
    "bad_reply",  # a 200 that is not the contract's JSON
    "token",  # the token file cannot be read
    "internal",  # an unexpected error of the client itself (logged with its traceback)
)
_MESSAGE_LIMIT = 300  # characters of the collector's message kept for logs and the status page
# An idle client asks the cursor again this often: a collector restored from a backup while the
# site has nothing new to send still learns of it (one GET per site per 5 min at the province).
RESYNC_IDLE_NS = 300 * 1_000_000_000


@dataclass
class PushStats:
    """What the exporter and the status page show about the push."""

    acknowledged_seq: int = 0  # highest seq the collector acknowledged (0: none yet)
    last_success: float | None = None  # Unix time of the last 200
    failures: Counter[str] = field(default_factory=Counter)  # by reason
    failing_since: float | None = None  # start of the current failure streak
    last_error: str = ""  # the current streak's latest error, for people

    def pending(self, newest_seq: int) -> int:
        """Events journalled but not acknowledged (seqs are consecutive in a journal)."""
        return max(0, newest_seq - self.acknowledged_seq)


class PushError(SansangError):
    """One push attempt that failed: a ``reason`` of :data:`REASONS` for the counters, a message
    for the log and the status page, and what it means for the next try."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        slow: bool = False,
        status: int | None = None,
        wait: float | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message[:_MESSAGE_LIMIT]
        self.slow = slow  # a refusal the agent cannot fix by retrying soon
        self.status = status  # the HTTP status of a refusal
        self.wait = wait  # at least this long before the next try (a 429's or 503's Retry-After)


class PushClient:
    """Sends the journal to the collector until cancelled; :meth:`run` is the task."""

    def __init__(
        self,
        config: PushConfig,
        journal: Journal,
        site_key: str,
        *,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.journal = journal
        self.site_key = site_key
        self._jitter = jitter
        # Raises OSError / ssl.SSLError for an unreadable ca_file: a config error, at start.
        # Verification stays on; a ca_file only chooses whom to trust.
        self._ssl: ssl.SSLContext | bool = True
        if config.url.startswith("https://"):
            self._ssl = ssl.create_default_context(
                cafile=str(config.ca_file) if config.ca_file else None
            )
        stored = journal.read_meta(META_KEY)
        acknowledged = int(stored) if stored and stored.isdigit() else 0
        self.stats = PushStats(acknowledged_seq=acknowledged)
        # Hold pruning at once, before the collector is asked: after a kill -9 the floor
        # is what this journal last saw acknowledged (0: keep everything).
        journal.hold(acknowledged, self._ceiling)
        self._synced = False  # the collector's cursor is known
        self._synced_ns = 0  # when it was last asked (monotonic; 0: never)
        self._synced_before = False  # said once where the push resumes: later, only changes
        self._token: str | None = None
        self._batch = config.batch
        self._attempts = 0  # consecutive failures
        self._gap_logged = 0  # first_seq of the gap already logged
        self._logged_error = ""

    @property
    def _ceiling(self) -> int:
        return self.config.max_unsent_mib * 1024 * 1024

    # --- the loop --------------------------------------------------------------------------------
    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        headers = {"User-Agent": f"sansang-agent/{__version__}"}
        async with aiohttp.ClientSession(
            timeout=timeout, headers=headers, trust_env=False
        ) as session:
            while True:
                try:
                    delay = await self.step(session)
                except Exception as err:  # the task must outlive any bug: log, back off, retry
                    delay = self._crashed(err)
                await asyncio.sleep(delay)

    async def step(self, session: aiohttp.ClientSession) -> float:
        """One request (or none when idle); returns how long to wait before the next step."""
        try:
            if self._token is None:
                self._token = self._read_token()
            if not self._synced:
                await self._sync(session)
            before = self.stats.acknowledged_seq
            page = await asyncio.to_thread(self.journal.page, before, self._batch)
            self._check_gap(page)
            if page.events:
                await self._send(session, page)
        except PushError as failure:
            return self._failed(failure)
        self._recovered()
        # At once while the cursor moves; a collector that confirms nothing new is asked again
        # only after the interval, never in a busy loop.
        moved = self.stats.acknowledged_seq != before
        if not page.events and clock.monotonic_ns() - self._synced_ns > RESYNC_IDLE_NS:
            self._synced = False
        return 0.0 if page.events and moved else self.config.interval

    def _read_token(self) -> str:
        try:
            token = self.config.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as err:
            raise PushError(
                "token", f"cannot read token_file {self.config.token_file}: {err}", slow=True
            ) from err
        if not token:
            raise PushError("token", f"token_file {self.config.token_file} is empty", slow=True)
        return token

    async def _sync(self, session: aiohttp.ClientSession) -> None:
        """Resume where the collector stands (it may hold less than this journal saw acked)."""
        url = f"{self.config.url}api/v1/ingest/cursor"
        params = {"journal_id": self.journal.journal_id}
        body = await self._request(session, "GET", url, params=params)
        last_seq = body.get("last_seq")
        if not _is_seq(last_seq):
            raise PushError("bad_reply", f"cursor reply without a last_seq: {body!r}")
        own = self.stats.acknowledged_seq
        if last_seq < own:
            self._warn_behind(last_seq)
        self._synced_before, self._synced = self._synced_ns > 0, True
        self._synced_ns = clock.monotonic_ns()
        # Never above what this journal saw acknowledged: a cursor ahead of it is a journal that
        # went back (its next sends then meet a 409) or a batch whose 200 was lost (duplicates).
        resume = max(self._floor, min(last_seq, own, self.journal.newest_seq))
        await self._acknowledge(resume)
        log.log(
            logging.INFO if resume != own or not self._synced_before else logging.DEBUG,
            "gửi tiếp sau seq %d / push resumes after seq %d (journal %s)",
            resume, resume, self.journal.journal_id,
        )  # fmt: skip

    @property
    def _floor(self) -> int:
        """The seqs before the journal's current epoch are another journal_id's."""
        return self.journal.epoch_first_seq - 1

    def _warn_behind(self, contiguous: int) -> None:
        log.warning(
            "máy thu tỉnh chỉ có liên tục đến seq %d (đã xác nhận %d): gửi lại từ đó / the "
            "collector holds without a hole up to seq %d, below the %d acknowledged: sending "
            "again from there",
            contiguous, self.stats.acknowledged_seq, contiguous, self.stats.acknowledged_seq,
        )  # fmt: skip

    def _encode(self, page: Page) -> bytes:
        payload = {
            "schema": SCHEMA_VERSION,
            "site": self.site_key,
            "journal_id": self.journal.journal_id,
            # The oldest seq this journal_id still holds: the collector skips a hole below it.
            "first_seq": max(page.first_seq, self.journal.epoch_first_seq),
            "events": [e.to_json(self.site_key) for e in page.events],
        }
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    async def _send(self, session: aiohttp.ClientSession, page: Page) -> None:
        data = await asyncio.to_thread(self._encode, page)  # a 5,000-event batch is ~2 MiB
        try:
            # A file-like body: aiohttp streams it in chunks with a Content-Length (raw bytes
            # over 1 MiB make it warn that the loop may block: an error under -W error).
            body = await self._request(
                session, "POST", f"{self.config.url}api/v1/ingest", data=io.BytesIO(data)
            )
        except PushError as failure:
            if failure.status == 413:  # smaller batches from now on: the agent's own fix
                self._batch = max(1, len(page.events) // 2)
                failure.slow = False
            if failure.status == 409:
                await self._begin_epoch(page, failure.message)
                return
            raise
        contiguous = body.get("last_seq")
        if not isinstance(body.get("accepted"), int) or not _is_seq(contiguous):
            raise PushError(
                "bad_reply", f"ingest reply without 'accepted' and 'last_seq': {body!r}"
            )
        # Only what was sent and the collector holds without a hole is acknowledged: a collector
        # restored from a backup (behind) gets everything again from its cursor, and a stray
        # event far ahead of it never counts.
        if contiguous < page.events[0].seq - 1:
            self._warn_behind(contiguous)
        await self._acknowledge(max(self._floor, min(page.events[-1].seq, contiguous)))
        self.stats.last_success = clock.wall()

    async def _begin_epoch(self, page: Page, message: str) -> None:
        """A 409: the collector holds these seqs with other content, so this journal went back
        (restored from an older copy).  From the batch's first seq on it becomes a new
        journal_id (journalled as ``journal_reset``), and both histories are kept."""
        first = page.events[0].seq
        log.error(
            "máy thu tỉnh đã có các seq này với nội dung khác, nhật ký bắt đầu journal_id mới từ "
            "seq %d / the collector holds these seqs with other content (%s): the journal goes "
            "on under a new journal_id from seq %d",
            first, message, first,
        )  # fmt: skip
        await asyncio.to_thread(self.journal.begin_epoch, "seq_conflict", first)
        await self._acknowledge(first - 1)

    async def _acknowledge(self, seq: int) -> None:
        """Move the cursor: remember it in the journal, then show it and let pruning have what
        is before (in that order: what the metric says acknowledged is already recorded)."""
        try:
            await asyncio.to_thread(self.journal.write_meta, META_KEY, str(seq))
        except sqlite3.Error as err:  # a full disk: the collector's cursor still says where
            log.warning("cannot record the acknowledged seq %d in the journal: %s", seq, err)
        self.stats.acknowledged_seq = seq
        self.journal.hold(seq, self._ceiling)

    async def _request(
        self, session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
    ) -> dict[str, Any]:
        """One request; the JSON object of a 200, or a :class:`PushError` naming why not."""
        assert self._token is not None
        headers = {"Authorization": f"Bearer {self._token}"}
        if method == "POST":
            headers["Content-Type"] = "application/json"
        try:
            async with session.request(
                method, url, headers=headers, ssl=self._ssl, **kwargs
            ) as resp:
                text = await resp.text(errors="replace")
                status, retry_after = resp.status, resp.headers.get("Retry-After")
        except TimeoutError as err:
            raise PushError("timeout", f"no answer within {self.config.timeout:g} s") from err
        except aiohttp.ClientConnectorError as err:
            why = err.os_error.strerror or str(err.os_error)
            raise PushError("connect", f"cannot connect to {err.host}:{err.port}: {why}") from err
        except aiohttp.ClientError as err:
            raise PushError("connect", f"{type(err).__name__}: {err}") from err
        if status == 200:
            try:
                body = json.loads(text)
            except ValueError as err:
                raise PushError("bad_reply", f"200 but not JSON: {text[:100]!r}") from err
            if not isinstance(body, dict):
                raise PushError("bad_reply", f"200 but not a JSON object: {text[:100]!r}")
            return body
        raise self._refusal(status, text, retry_after)

    def _refusal(self, status: int, text: str, retry_after: str | None) -> PushError:
        message = f"{status} {_collector_message(text)}"
        wait = float(retry_after) if retry_after and retry_after.isdigit() else None
        if status >= 500:  # a 503's Retry-After: the collector's database is locked or down
            return PushError("server_error", message, status=status, wait=wait)
        if status == 429:
            return PushError("throttled", message, status=status, wait=wait)
        if status in (401, 403):
            self._token = None  # read the file again: the token may have been rotated or fixed
        if status == 401:
            return PushError("unauthorized", message, status=status)
        reason = "forbidden" if status == 403 else "rejected"
        return PushError(reason, message, slow=True, status=status)

    # --- failures --------------------------------------------------------------------------------
    def _crashed(self, err: Exception) -> float:
        """An error :meth:`step` did not expect (a bug, a journal error): logged with its
        traceback, counted as ``internal`` and retried after backoff, never the task's end.
        The collector's cursor is asked again first: it is the truth of what it holds."""
        self._synced = False
        failure = PushError("internal", f"{type(err).__name__}: {err}")
        return self._failed(failure, exc_info=err)

    def _failed(self, failure: PushError, exc_info: BaseException | None = None) -> float:
        self.stats.failures[failure.reason] += 1
        if self.stats.failing_since is None:
            self.stats.failing_since = clock.wall()
        self.stats.last_error = failure.message
        self._attempts += 1
        delay = self._delay(failure.slow)
        if failure.wait is not None:
            delay = min(self.config.backoff_max, max(delay, failure.wait))
        if failure.message != self._logged_error or failure.slow:
            log.warning(
                "không gửi được nhật ký về tỉnh / push to the collector failed (%s): %s; "
                "thử lại sau / retrying in %.1f s",
                failure.reason, failure.message, delay, exc_info=exc_info,
            )  # fmt: skip
            self._logged_error = failure.message
        return delay

    def _delay(self, slow: bool) -> float:
        """Exponential from backoff_min to backoff_max (at once for a slow retry), with the
        upper half jittered so that sites cut together do not come back together."""
        c = self.config
        doubled = c.backoff_min * 2 ** min(self._attempts - 1, 32)
        base = c.backoff_max if slow else min(c.backoff_max, doubled)
        return base * (0.5 + 0.5 * self._jitter())

    def _recovered(self) -> None:
        if self.stats.failing_since is not None:
            log.warning(
                "gửi nhật ký về tỉnh được trở lại / pushing works again after %.0f s",
                clock.wall() - self.stats.failing_since,
            )
        self.stats.failing_since = None
        self.stats.last_error = ""
        self._logged_error = ""
        self._attempts = 0

    def _check_gap(self, page: Page) -> None:
        after = self.stats.acknowledged_seq
        if page.first_seq > after + 1 and page.first_seq != self._gap_logged:
            self._gap_logged = page.first_seq
            log.error(
                "nhật ký đã xoá seq %d..%d trước khi gửi được / events %d..%d were pruned "
                "before the collector acknowledged them",
                after + 1, page.first_seq - 1, after + 1, page.first_seq - 1,
            )  # fmt: skip


def _is_seq(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _collector_message(text: str) -> str:
    """The ``error`` of the collector's JSON answer, else the start of the body."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:_MESSAGE_LIMIT]
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:_MESSAGE_LIMIT]
    return text.strip()[:_MESSAGE_LIMIT]
