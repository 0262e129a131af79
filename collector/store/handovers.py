"""Handover records uploaded by technicians (table ``handovers``, migration 0009).

A record (:class:`sansang.handover.HandoverRecord`, already validated and its hash checked by
the caller) is kept with a note on its site in one transaction: the note says it in words
(:func:`sansang.handover.summary`), the row keeps the record's JSON and the figures the site page
lists.  Once per site and content hash: the same record again (a retried upload, two at once)
gives the row already there, never a second note.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from collector.store.schema import handovers, notes
from sansang import handover as h


@dataclass(frozen=True)
class HandoverEntry:
    """One kept record, without its JSON: what the site page lists."""

    id: int
    site: str
    content_hash: str
    note_id: int
    received_at: float
    author: str  # the token that uploaded it
    technician: str
    finished_at: float
    passed: int
    warned: int
    failed: int
    skipped: int
    first_failure_layer: str | None
    first_failure_name: str | None


_ENTRY_COLUMNS = tuple(handovers.c[name] for name in HandoverEntry.__dataclass_fields__)


def _find(conn: Connection, site: str, content_hash: str) -> tuple[HandoverEntry, str] | None:
    stmt = select(*_ENTRY_COLUMNS, handovers.c.record).where(
        handovers.c.site == site, handovers.c.content_hash == content_hash
    )
    row = conn.execute(stmt).first()
    if row is None:
        return None
    *fields, record = row
    return HandoverEntry(*fields), record


def add(
    engine: Engine, record: h.HandoverRecord, author: str, at: float
) -> tuple[HandoverEntry, bool]:
    """Keep ``record`` (sealed, with a site) and its note; (the entry, True) when new, (the
    entry already kept, False) when this site has a record of this hash."""
    assert record.site is not None and record.hash is not None
    site, digest = record.site, record.hash
    with engine.connect() as conn:
        found = _find(conn, site, digest)
    if found is not None:
        return found[0], False
    counts = record.counts()
    first = record.first_failure
    entry = HandoverEntry(
        id=0,
        site=site,
        content_hash=digest,
        note_id=0,
        received_at=at,
        author=author,
        technician=record.technician,
        finished_at=record.finished_at,
        passed=counts["ok"],
        warned=counts["warn"],
        failed=counts["fail"],
        skipped=counts["skip"],
        first_failure_layer=first.layer if first else None,
        first_failure_name=first.name if first else None,
    )
    try:
        with engine.begin() as conn:
            note = notes.insert().values(site=site, author=author, text=h.summary(record), at=at)
            note_id = int(conn.execute(note.returning(notes.c.id)).scalar_one())
            values = {**dataclasses.asdict(entry), "note_id": note_id, "record": h.dumps(record)}
            del values["id"]
            row = handovers.insert().values(**values).returning(handovers.c.id)
            new_id = int(conn.execute(row).scalar_one())
    except IntegrityError:  # the same record stored by another request meanwhile
        with engine.connect() as conn:
            found = _find(conn, site, digest)
        if found is None:
            raise
        return found[0], False
    return dataclasses.replace(entry, id=new_id, note_id=note_id), True


def get(engine: Engine, site: str, content_hash: str) -> tuple[HandoverEntry, str] | None:
    """The entry and the record's JSON text; None when the site has no such record."""
    with engine.connect() as conn:
        return _find(conn, site, content_hash)


def listed(engine: Engine, site: str, limit: int = 50) -> list[HandoverEntry]:
    """The site's records, newest received first."""
    stmt = (
        select(*_ENTRY_COLUMNS)
        .where(handovers.c.site == site)
        .order_by(handovers.c.received_at.desc(), handovers.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [HandoverEntry(*row) for row in conn.execute(stmt)]
