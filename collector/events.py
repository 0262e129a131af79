"""Events as the collector receives and keeps them (the schema of ``docs/events.md``).

On the wire (pull: the agent's ``/api/v1/events``; push: ``POST /api/v1/ingest``) an event is the
JSON of :meth:`sansang.events.Event.to_json`; :class:`EventIn` validates one and
:class:`StoredEvent` is what the store gives back to the evaluator.

Identity: an event is stored once per (site, journal_id, seq).  ``seq`` is assigned by the
agent's journal and never reused within it, across reboots; ``journal_id`` changes only when the
journal file is replaced (then ``seq`` starts again).  ``boot_id`` is kept with every event:
monotonic times compare only within one boot.  See docs/architecture.md ("Ingest").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sansang.events import SCHEMA_VERSION

MAX_DETAILS_BYTES = 16 * 1024  # one event's details, as JSON
SITE_KEY_PATTERN = r"^[0-9]{5}-[a-z0-9][a-z0-9_.-]{0,62}$"  # 23527-main


class EventIn(BaseModel):
    """One event as an agent sends it; unknown fields are refused (a newer schema is a 4xx
    naming the field, never silently half-read)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: int = Field(alias="schema", ge=1, le=SCHEMA_VERSION)
    site: str = Field(pattern=SITE_KEY_PATTERN)
    boot_id: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1, le=2**63 - 1)
    wall_time: datetime
    wall_time_unix: float
    monotonic_ns: int = Field(ge=0)
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    subject: str = Field(max_length=200)
    state: str | None = Field(default=None, max_length=64)
    value: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the store returns it (ordered by site, then wall time, then seq)."""

    site: str
    journal_id: str
    seq: int
    boot_id: str
    wall_time: float  # Unix seconds, the agent's wall clock when it happened
    monotonic_ns: int
    kind: str
    subject: str
    state: str | None = None
    value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """How evidence names this event: ``SITE/JOURNAL_ID/SEQ``."""
        return f"{self.site}/{self.journal_id}/{self.seq}"
