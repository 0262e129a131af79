"""``POST /api/v1/ingest`` and ``GET /api/v1/ingest/cursor``: agents behind NAT or 4G push their
journal (the contract: docs/ingest.md).

Order of the checks, cheapest and most telling first: the token (401), the body's size read with
a limit, never whole first (413), JSON and the batch's envelope (400), the batch's length (413),
the site of the token against the batch and every event (403), then each event (400, naming the
event's index and field; the same seq twice names both indexes).  A batch is stored whole or not
at all, in a thread: the event loop never waits for the database.  Nothing a client sends makes a
5xx: a database that is locked, down or full is a 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from collector.context import Collector
from collector.events import SITE_KEY_PATTERN, EventIn, Line
from collector.ingest.credentials import Credentials
from collector.store import AuditEntry, SeqConflict
from sansang.errors import SansangError
from sansang.events import SCHEMA_VERSION

log = logging.getLogger(__name__)
MAX_PROBLEMS = 50  # listed in one 400 answer
MAX_ECHO = 80  # characters of a client's own text repeated in an answer or a log line
RETRY_AFTER_SECONDS = 10  # a 503's Retry-After: the database should be back by then
CREDENTIALS_KEY = web.AppKey("sansang_push_credentials", Credentials)


class Batch(BaseModel):
    """The envelope of a push; the events are validated one by one (problems by index).  As for
    an event, a field this version does not know is dropped (docs/events.md, "Versioning")."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    schema_: int = Field(alias="schema", ge=1, le=SCHEMA_VERSION)
    site: str = Field(pattern=SITE_KEY_PATTERN)
    journal_id: Line = Field(min_length=1, max_length=64)
    # The oldest seq the agent's journal still holds: what is below and not stored is lost for
    # good, and the contiguous cursor moves past it (collector/store/contiguous.py).
    first_seq: int | None = Field(default=None, ge=1, lt=2**63)
    events: list[Any]


class Refused(SansangError):
    """A push answered with a 4xx: ``status``, the body, and a reason for the counters."""

    def __init__(self, status: int, reason: str, body: Mapping[str, Any]) -> None:
        super().__init__(body.get("error", ""))
        self.status, self.reason, self.body = status, reason, dict(body)


def add_routes(app: web.Application, c: Collector) -> None:
    """Add the push endpoints; the credentials file is read now (a ConfigError stops the start)."""
    credentials = Credentials(c.config.ingest.credentials_file)
    app[CREDENTIALS_KEY] = credentials

    async def ingest(request: web.Request) -> web.Response:
        site = ""
        try:
            site = _site_of(request, c, credentials)
            return await _ingest(request, c, site)
        except Refused as refused:
            c.ingest.rejected[(site, refused.reason)] += 1
            log.info("push from %s refused (%s): %s", site or "?", refused.status, refused)
            return _json(refused.body, refused.status)

    async def cursor(request: web.Request) -> web.Response:
        try:
            site = _site_of(request, c, credentials)
            journal_id = request.query.get("journal_id", "")
            if not 1 <= len(journal_id) <= 64 or "\x00" in journal_id:
                raise _refuse(400, "invalid", "journal_id: cần 1–64 ký tự / 1 to 64 characters")
        except Refused as refused:
            return _json(refused.body, refused.status)
        try:
            found = await asyncio.to_thread(c.store.cursor, site, journal_id)
        except SQLAlchemyError as err:
            return _unavailable(site, err)
        return _json(
            {
                "journal_id": journal_id,
                "last_seq": found.last_seq,
                "highest_seq": found.highest_seq,
            }
        )

    app.router.add_post("/api/v1/ingest", ingest)
    app.router.add_get("/api/v1/ingest/cursor", cursor)


def _refuse(status: int, reason: str, error: str, **extra: Any) -> Refused:
    return Refused(status, reason, {"error": error, **extra})


def _json(
    body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def _unavailable(site: str, err: Exception) -> web.Response:
    """The database is locked, down or full: nothing is wrong with the request, so a 503 the
    agent retries (after ``Retry-After`` seconds at least)."""
    cause = getattr(err, "orig", None) or err  # the driver's words, not the SQL and its rows
    log.error("push from %s not served, database error: %s", site, cause)
    return _json(
        {"error": "cơ sở dữ liệu lỗi, gửi lại sau / database error, retry"},
        503,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _echo(text: str) -> str:
    """A client's text as an answer or a log line repeats it: at most ``MAX_ECHO`` characters."""
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


def _site_of(request: web.Request, c: Collector, credentials: Credentials) -> str:
    """The site key the request's bearer token is for; 401 or 403 otherwise."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _refuse(401, "unauthenticated", "thiếu mã đẩy / no push token (Bearer)")
    cred_id = credentials.lookup(token)
    if cred_id is None:
        raise _refuse(401, "unauthenticated", "mã đẩy không hợp lệ / unknown push token")
    for site in c.inventory.sites:
        if site.push is not None and site.push.credential_id == cred_id:
            return site.key
    raise _refuse(
        403,
        "forbidden",
        f"mã đẩy '{cred_id}' chưa gán cho trạm nào / credential '{cred_id}' is not the push "
        "credential of any site in the inventory",
    )


async def _read_limited(request: web.Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    too_big = _refuse(413, "too_large", f"thân yêu cầu quá {limit} byte / body over {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, max_events: int) -> Batch:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise _refuse(400, "invalid", f"không phải JSON / not JSON: {err}") from None
    events = data.get("events") if isinstance(data, dict) else None
    if isinstance(events, list) and len(events) > max_events:
        raise _refuse(
            413,
            "too_large",
            f"lô {len(events)} sự kiện, tối đa {max_events} / batch of {len(events)} events, "
            f"at most {max_events}",
        )
    try:
        return Batch.model_validate(data)
    except ValidationError as err:
        raise _refuse(
            400, "invalid", "lô không hợp lệ / invalid batch", problems=_problems(None, err)
        ) from None


def _problems(index: int | None, err: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "event": index,
            "field": _echo(".".join(str(p) for p in e["loc"])) or "(batch)",
            "message": e["msg"],
        }
        for e in err.errors()
    ]


def _repeated_seqs(events: list[tuple[int, EventIn]]) -> list[dict[str, Any]]:
    """A seq given twice in one batch: the agent's journal never does it, and which copy to keep
    would be a guess.  Each later copy is a problem naming the index of the first."""
    first: dict[int, int] = {}
    problems: list[dict[str, Any]] = []
    for i, event in events:
        seen = first.setdefault(event.seq, i)
        if seen != i:
            problems.append(
                {
                    "event": i,
                    "field": "seq",
                    "message": f"seq {event.seq} đã có ở sự kiện {seen} / seq {event.seq} is "
                    f"also event {seen}'s: events {seen} and {i}",
                }
            )
    return problems


def _events(batch: Batch, site: str) -> list[EventIn]:
    """Every event validated; 403 when one names another site, 400 listing the problems."""
    for i, raw in enumerate(batch.events):
        if isinstance(raw, dict) and isinstance(raw.get("site"), str) and raw["site"] != site:
            other = _echo(raw["site"])
            raise _refuse(
                403,
                "forbidden",
                f"sự kiện {i} của trạm '{other}', không phải '{site}' / event {i} is of "
                f"site '{other}', not '{site}'",
            )
    events: list[tuple[int, EventIn]] = []
    problems: list[dict[str, Any]] = []
    for i, raw in enumerate(batch.events):
        try:
            events.append((i, EventIn.model_validate(raw)))
        except ValidationError as err:
            problems += _problems(i, err)
    problems += _repeated_seqs(events)
    if problems:
        raise _refuse(
            400,
            "invalid",
            f"{len(problems)} lỗi trong các sự kiện / problems in the events",
            problems=problems[:MAX_PROBLEMS],
        )
    return [event for _, event in events]


async def _ingest(request: web.Request, c: Collector, site: str) -> web.Response:
    body = await _read_limited(request, c.config.ingest.max_body_bytes)
    batch = _parse(body, c.config.ingest.max_batch_events)
    if batch.site != site:
        raise _refuse(
            403,
            "forbidden",
            f"mã đẩy này của trạm '{site}', không phải '{batch.site}' / this token is site "
            f"'{site}''s, not '{batch.site}''s",
        )
    events = _events(batch, site)
    now = time.time()
    try:
        result = await asyncio.to_thread(
            c.store.insert_events,
            site,
            batch.journal_id,
            events,
            now,
            first_seq=batch.first_seq,
            ahead_limit=c.config.ingest.max_batch_events,
        )
    except SeqConflict as conflict:
        return await _conflict(c, site, conflict, now)
    except (DataError, IntegrityError) as err:  # this batch can never be stored: say why
        raise _refuse(
            400,
            "invalid",
            f"cơ sở dữ liệu từ chối lô / the database refused the batch: {_echo(str(err.orig))}",
        ) from None
    except SQLAlchemyError as err:  # the database is locked, down or full: the agent retries
        return _unavailable(site, err)
    c.ingest.accepted[site] += result.accepted
    c.ingest.duplicates[site] += result.duplicates
    c.ingest.last_received[site] = now
    if result.ahead:
        log.warning(
            "push from %s: %d event(s) of journal %s more than %d seqs beyond its contiguous seq "
            "%d not stored",
            site, result.ahead, _echo(batch.journal_id), c.config.ingest.max_batch_events,
            result.last_seq,
        )  # fmt: skip
    if result.lost:
        c.ingest.gap_events[site] += result.lost
    return _json(
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "ahead": result.ahead,
            "last_seq": result.last_seq,
            "highest_seq": result.highest_seq,
        }
    )


async def _conflict(c: Collector, site: str, conflict: SeqConflict, now: float) -> web.Response:
    """Seqs already stored with other content: the agent's journal went back (restored from an
    older copy).  Refused whole with a 409 naming them, logged and audited: never dropped as
    duplicates; the agent then begins a new journal_id for what follows."""
    seqs = ", ".join(str(s) for s in conflict.seqs)
    log.error("push from %s refused (409): %s", site, conflict)
    c.ingest.rejected[(site, "conflict")] += 1
    entry = AuditEntry(
        at=now,
        actor=f"push:{site}",
        role="agent",
        action="ingest.seq_conflict",
        target=site,
        details={
            "result": "refused",
            "journal_id": conflict.journal_id,
            "seqs": conflict.seqs,
        },
    )
    try:
        await asyncio.to_thread(c.store.audit, entry)
    except SQLAlchemyError as err:  # the refusal stands; the log line above says it
        log.error("cannot write the audit entry of a seq conflict from %s: %s", site, err)
    return _json(
        {
            "error": f"seq {seqs} đã có với nội dung khác / seq {seqs} already stored with other "
            f"content: the journal {_echo(conflict.journal_id)} went back",
            "seqs": conflict.seqs,
            "last_seq": conflict.contiguous_seq,
        },
        409,
    )
