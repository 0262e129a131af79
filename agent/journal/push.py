"""The push client (gửi nhật ký về tỉnh): the journal to the province collector, outbound only.

For a site behind NAT or 4G that the collector cannot reach.  The contract is docs/ingest.md:

- at start, ``GET {url}api/v1/ingest/cursor?journal_id=`` says the highest seq the collector
  holds of this journal; sending resumes after it (the collector is the truth of what it stores:
  one restored from a backup gets again what it lost, while the journal still has it);
- batches of at most ``batch`` events, oldest first, ``POST {url}api/v1/ingest``; the client
  moves on only after a 200, and then writes the batch's last seq to the journal's ``meta`` table
  (``push_acknowledged_seq``) and holds the journal's pruning to it (:meth:`Journal.hold`): an
  event not acknowledged survives retention, the size cap (up to ``max_unsent_mib``), a
  ``kill -9`` and a restart while the collector is unreachable;
- connection errors, timeouts, 5xx and 429 are retried with exponential backoff and jitter;
  other 4xx are logged with the collector's message and retried slowly (a 401 or 403 re-reads
  the token file first; a 413 halves the batch).  Nothing is ever skipped: only the journal's
  hard ceiling can remove an event not acknowledged, and the client then logs the gap once;
- an error the client did not expect (a bug, a journal error) is logged with its traceback,
  counted as ``internal`` and retried after backoff: the task ends only when the agent stops.

A batch goes as a streamed body with its Content-Length (a 5,000-event batch is about 2 MiB).

A batch the collector stored but whose 200 was lost is sent again: the collector ignores the
duplicates (its key is site, journal_id, seq).
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
from typing import Any

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
        self.wait = wait  # at least this long before the next try (a 429's Retry-After)


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
            page = await asyncio.to_thread(
                self.journal.page, self.stats.acknowledged_seq, self._batch
            )
            self._check_gap(page)
            if page.events:
                await self._send(session, page)
        except PushError as failure:
            return self._failed(failure)
        self._recovered()
        return 0.0 if page.events else self.config.interval

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
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            raise PushError("bad_reply", f"cursor reply without a last_seq: {body!r}")
        if last_seq < self.stats.acknowledged_seq:
            log.warning(
                "máy thu tỉnh chỉ có đến seq %d (đã xác nhận %d): gửi lại từ đó / the collector "
                "holds up to seq %d, below the %d acknowledged: sending again from there",
                last_seq, self.stats.acknowledged_seq, last_seq, self.stats.acknowledged_seq,
            )  # fmt: skip
        self._synced = True
        await self._acknowledge(min(last_seq, self.journal.newest_seq))
        log.info(
            "gửi tiếp sau seq %d / push resumes after seq %d (journal %s)",
            last_seq, last_seq, self.journal.journal_id,
        )  # fmt: skip

    def _encode(self, page: Page) -> bytes:
        payload = {
            "schema": SCHEMA_VERSION,
            "site": self.site_key,
            "journal_id": self.journal.journal_id,
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
            raise
        if not isinstance(body.get("accepted"), int):
            raise PushError("bad_reply", f"ingest reply without 'accepted': {body!r}")
        await self._acknowledge(page.events[-1].seq)
        self.stats.last_success = clock.wall()

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
        if status >= 500:
            return PushError("server_error", message, status=status)
        if status == 429:
            wait = float(retry_after) if retry_after and retry_after.isdigit() else None
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


def _collector_message(text: str) -> str:
    """The ``error`` of the collector's JSON answer, else the start of the body."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:_MESSAGE_LIMIT]
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:_MESSAGE_LIMIT]
    return text.strip()[:_MESSAGE_LIMIT]
