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

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sansang.event_details import VALUE_ANY, VALUE_RANGE, UnixTime, details_model
from sansang.events import SCHEMA_VERSION

MAX_DETAILS_BYTES = 16 * 1024  # one event's details, as JSON
SITE_KEY_PATTERN = r"^[0-9]{5}-[a-z0-9][a-z0-9_.-]{0,62}$"  # 23527-main
WALL_TIME_TEXT_MAX = 40  # characters of ``wall_time`` (ISO 8601 with microseconds and offset)
NUL_REFUSED = "the NUL character (U+0000) is not allowed"


def _no_nul(text: str) -> str:
    """PostgreSQL's text cannot hold U+0000: refused here, naming the field, not by the
    database for the whole batch."""
    if "\x00" in text:
        raise ValueError(NUL_REFUSED)
    return text


def _iso_text(value: Any) -> Any:
    """``wall_time`` is ISO 8601 text: not a number pydantic would read as a timestamp."""
    if not isinstance(value, str) or len(value) > WALL_TIME_TEXT_MAX:
        raise ValueError(f"ISO 8601 text of at most {WALL_TIME_TEXT_MAX} characters is expected")
    return value


Line = Annotated[str, AfterValidator(_no_nul)]
IsoTime = Annotated[datetime, Strict(False), BeforeValidator(_iso_text)]


class EventIn(BaseModel):
    """One event as an agent sends it, every field of the type and in the range docs/events.md
    gives it (strict: ``"5"`` is not a number, ``true`` not an integer), and its ``details``
    checked by the model of its kind (:mod:`sansang.event_details`).

    A field this version does not know is dropped, not refused: a newer agent of schema 1 may add
    fields (docs/events.md, "Versioning"), and refusing them would refuse its every batch.  A key
    of ``details`` no model names is kept as sent."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    schema_: int = Field(alias="schema", ge=1, le=SCHEMA_VERSION)
    site: str = Field(pattern=SITE_KEY_PATTERN)
    boot_id: Line = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1, lt=2**63)
    wall_time: IsoTime
    wall_time_unix: UnixTime
    monotonic_ns: int = Field(ge=0, lt=2**63)
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    subject: Line = Field(max_length=200)
    state: Line | None = Field(default=None, max_length=64)
    value: float | None = Field(default=None, allow_inf_nan=False)
    details: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _by_kind(self) -> EventIn:
        """The value's range and the details' size, characters and model, by kind; each problem
        named by its path (``details.role``), as a field's own would be."""
        problems: list[InitErrorDetails] = []
        low, high = VALUE_RANGE.get(self.kind, VALUE_ANY)
        if self.value is not None and not low <= self.value <= high:
            expected = f"{low:.15g} to {high:.15g} for a {self.kind} event"
            problems.append(_problem(("value",), "value_range", expected, self.value))
        text = _json_text(self.details)
        if len(text) > MAX_DETAILS_BYTES:
            limit = f"at most {MAX_DETAILS_BYTES} bytes as JSON, not {len(text)}"
            problems.append(_problem(("details",), "details_too_large", limit, len(text)))
        elif b"\\u0000" in text:  # PostgreSQL refuses it even as a JSON escape
            problems += [
                _problem(("details", key), "nul_character", NUL_REFUSED, value)
                for key, value in self.details.items()
                if "\x00" in key or (isinstance(value, str) and "\x00" in value)
            ]
        else:
            try:
                details_model(self.kind).model_validate(self.details)
            except ValidationError as err:
                problems += [
                    _problem(("details", *e["loc"]), e["type"], e["msg"], e["input"])
                    for e in err.errors()
                ]
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self


def _json_text(details: dict[str, Any]) -> bytes:
    """``details`` as compact JSON; json's reach where orjson's ends (an integer beyond 64 bits,
    which a pulled page may hold: the model refuses it after)."""
    try:
        return orjson.dumps(details)
    except TypeError:  # orjson.JSONEncodeError
        text = json.dumps(details, ensure_ascii=False, separators=(",", ":"), default=str)
        return text.encode("utf-8", "surrogatepass")


def _problem(loc: tuple[str | int, ...], code: str, message: str, given: Any) -> InitErrorDetails:
    error = PydanticCustomError(code, "{message}", {"message": message})
    return InitErrorDetails(type=error, loc=loc, input=given)


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
