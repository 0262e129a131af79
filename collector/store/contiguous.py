"""Storing a batch against its journal's contiguous cursor (docs/ingest.md, "The cursor").

An agent resumes after the collector's cursor and acknowledges only what the collector holds
without a hole, so the cursor is the end of the run without a hole from the journal's first seq,
not the highest seq held: a collector restored from a backup, or a batch lost between two others,
leaves holes that the agent is then asked to fill.  The run starts

- after the ``first_seq`` the batch declares (the oldest seq the agent's journal still holds),
  when the collector has not got that far: what the journal pruned before it was sent is lost for
  good, and waiting for it would stop the journal forever;
- else, for a journal the collector has never seen, before the batch's lowest seq (an agent
  of before ``first_seq`` starts its first push at the oldest event it kept).

An event more than ``ahead_limit`` seqs beyond the cursor (the push gives its batch limit) is not
stored: no agent sends it (its batches start right after the cursor), so it is a stray or forged
one, or a journal the collector lost the start of; stored, it would collide with the real event
of that seq later.

The same seq sent again with other content is a :class:`SeqConflict`: the agent's journal went
back (restored from an older copy) and reuses seqs; the batch is refused whole, never dropped as
a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from collector.events import EventIn
from collector.store import queries
from sansang.errors import SansangError

log = logging.getLogger(__name__)
MAX_CONFLICTS_NAMED = 20  # seqs a conflict names


@dataclass(frozen=True)
class InsertResult:
    accepted: int  # newly stored
    duplicates: int  # already there with the same content: ignored, not an error
    last_seq: int = 0  # after the batch: the journal's contiguous seq (where the agent resumes)
    highest_seq: int = 0  # the highest seq of the journal the store holds
    ahead: int = 0  # events too far beyond the cursor: not stored, not acknowledged
    lost: int = 0  # seqs the agent's journal no longer holds, skipped by its first_seq


class SeqConflict(SansangError):
    """Seqs of the batch the store holds with other content: the journal went back."""

    def __init__(self, journal_id: str, seqs: Sequence[int], contiguous_seq: int) -> None:
        named = ", ".join(str(s) for s in seqs[:MAX_CONFLICTS_NAMED])
        super().__init__(f"journal {journal_id}: seq {named} already stored with other content")
        self.journal_id = journal_id
        self.seqs = list(seqs[:MAX_CONFLICTS_NAMED])
        self.contiguous_seq = contiguous_seq


def insert(
    conn: Connection,
    site: str,
    journal_id: str,
    batch: Sequence[EventIn],
    received_at: float,
    *,
    first_seq: int | None,
    ahead_limit: int | None,
) -> InsertResult:
    """Store ``batch`` in the caller's transaction and move the journal's cursors."""
    journal = {"site": site, "journal_id": journal_id}
    queries.lock_journal(conn, site, journal_id)
    row = conn.execute(queries.JOURNAL_ROW, journal).first()
    lowest = min((e.seq for e in batch), default=1)
    stored_cursor = int(row[0]) if row is not None else 0
    lost = 0
    if row is None:
        base = (first_seq if first_seq is not None else lowest) - 1
    else:
        base = stored_cursor
        if first_seq is not None and first_seq - 1 > base and lowest == first_seq:
            base, lost = first_seq - 1, first_seq - 1 - stored_cursor
            log.warning(
                "%s: journal %s pruned seq %d..%d before sending them: they are lost",
                site, journal_id, stored_cursor + 1, first_seq - 1,
            )  # fmt: skip
    kept = list(batch) if ahead_limit is None else [e for e in batch if e.seq <= base + ahead_limit]
    accepted = queries.insert_batch(conn, site, journal_id, kept, received_at)
    if accepted < len(kept):
        _check_same_content(conn, site, journal_id, kept, stored_cursor)
    contiguous = base
    if conn.execute(queries.HAS_SEQ, {**journal, "seq": base + 1}).first() is not None:
        contiguous = int(conn.execute(queries.RUN_END, {**journal, "after": base}).scalar_one())
    highest = int(conn.execute(queries.MAX_SEQ, journal).scalar() or 0)
    if row is not None or kept:
        cursor = {"last_seq": highest, "contiguous_seq": contiguous, "received_at": received_at}
        conn.execute(queries.upsert_journal(conn.dialect.name), {**journal, **cursor})
    return InsertResult(
        accepted,
        len(kept) - accepted,
        contiguous,
        highest,
        ahead=len(batch) - len(kept),
        lost=lost,
    )


def _check_same_content(
    conn: Connection, site: str, journal_id: str, kept: Sequence[EventIn], cursor: int
) -> None:
    """Raise :class:`SeqConflict` when a seq already stored was sent with other content (the
    rows just inserted compare equal to themselves)."""
    by_seq = {e.seq: e for e in kept}
    bounds = {"site": site, "journal_id": journal_id, "low": min(by_seq), "high": max(by_seq)}
    stored = conn.execute(queries.STORED_RANGE, bounds).all()
    conflicts = sorted(
        int(r[0]) for r in stored if r[0] in by_seq and not queries.same_content(r, by_seq[r[0]])
    )
    if conflicts:
        raise SeqConflict(journal_id, conflicts, cursor)
