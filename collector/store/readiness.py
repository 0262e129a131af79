"""Readiness records edited in the web UI (table ``readiness_edits``, migration 0008).

Rows are only ever added: an edit is a new row, the newest plan or team of a target is the one
that holds, and every row stays as the history of who set what when (the audit log says the
same in words).  What the rows mean is :mod:`collector.inventory.overlay`'s business; this
module only stores and lists them, oldest first (the order the overlay applies them in).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, select

from collector.store import queries
from collector.store.schema import readiness_edits

EditKind = Literal["plan", "site_drill", "province_drill", "team"]
EDIT_KINDS: tuple[str, ...] = EditKind.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ReadinessEdit:
    """One edit: ``kind`` and what it replaces or adds to (``target``: a site key, a commune
    code, "" for a province drill; ``risk`` for a plan or a site's drill), the full new value
    (JSON, as the inventory's models read it), who and when."""

    kind: EditKind
    target: str
    risk: str
    value: dict[str, Any]
    at: float
    author: str
    role: str
    id: int = 0

    @property
    def where(self) -> str:
        """``plan 23527-main/cyberattack``, ``team 23527``: how a report names the edit."""
        what = "/".join(p for p in (self.target, self.risk) if p) or "province"
        return f"{self.kind} {what} (#{self.id})"


_COLUMNS = ("kind", "target", "risk", "value", "at", "author", "role", "id")


def add(engine: Engine, edit: ReadinessEdit) -> ReadinessEdit:
    values = {name: getattr(edit, name) for name in _COLUMNS if name != "id"}
    values["value"] = queries.dumps(edit.value)
    stmt = readiness_edits.insert().values(**values).returning(readiness_edits.c.id)
    with engine.begin() as conn:
        new_id = int(conn.execute(stmt).scalar_one())
    return dataclasses.replace(edit, id=new_id)


def listed(engine: Engine) -> list[ReadinessEdit]:
    """Every edit, oldest first."""
    stmt = select(*(readiness_edits.c[n] for n in _COLUMNS)).order_by(readiness_edits.c.id)
    with engine.connect() as conn:
        return [
            ReadinessEdit(**{**row._asdict(), "value": json.loads(row.value)})
            for row in conn.execute(stmt)
        ]
