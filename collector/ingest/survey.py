"""Coverage survey records (khảo sát vùng lõm sóng) into survey points for the store.

``sansang survey`` (``tools/survey.py``) appends one JSON record per place to a file;
``sansang collector import-survey FILE.jsonl`` and ``POST /api/v1/survey`` (a JSON list of the
same records) bring them here.  Each record becomes one :class:`SurveyPoint`:

- ``download_bps`` / ``upload_bps``: the best of the throughput tests that worked (bytes per
  second, as the agent measures); none worked: ``None`` — in a dead zone, failing is the finding;
- ``loss_ratio`` and ``latency_seconds``: the round of TCP connects (``latency``);
- ``operator`` and ``technology``: the first modem ModemManager reported, when there was one;
- ``rsrp_dbm`` and ``rsrq_db``: that modem's extended signal (``signal``, per technology as
  ``mmcli --signal-get`` gives it): of its current access technology when the modem gave figures
  for it, else of the newest technology that has them (5G, then LTE); a figure outside what a
  modem can report (RSRP -160 to -20 dBm, RSRQ -45 to 25 dB) is a bad record;
- ``site``: the record's own ``site`` field, else the one given for the whole file (``--site``).

Every bad record is reported with its line number (or index) and field; the callers store
nothing when any record is bad, unless told to skip the bad ones.  Extra fields are ignored (a
newer ``sansang survey`` may add some); a record must be ``kind: dead_zone_survey`` of a schema
this collector knows.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from collector.events import SITE_KEY_PATTERN
from collector.survey import SurveyPoint
from sansang.errors import SansangError

RECORD_SCHEMA = 1  # tools.survey.RECORD_SCHEMA, the newest this collector reads
MAX_OPERATOR_CHARS = 100  # the store's columns
MAX_TECHNOLOGY_CHARS = 40
_STRICT = ConfigDict(strict=True, extra="ignore", frozen=True, allow_inf_nan=False)


class _Throughput(BaseModel):
    """One backend's result (``{"ok": true, **SpeedResult.figures()}`` or a failure)."""

    model_config = _STRICT

    ok: bool
    download_bps: float | None = Field(default=None, ge=0)
    upload_bps: float | None = Field(default=None, ge=0)
    latency_seconds: float | None = Field(default=None, ge=0)


class _Latency(BaseModel):
    model_config = _STRICT

    loss_ratio: float = Field(ge=0, le=1)
    median_seconds: float | None = Field(default=None, ge=0)


class _Signal(BaseModel):
    """One technology's extended signal (other figures, RSSI, SNR, ..., are ignored)."""

    model_config = _STRICT

    rsrp: float | None = Field(default=None, ge=-160, le=-20)  # dBm
    rsrq: float | None = Field(default=None, ge=-45, le=25)  # dB


# mmcli's names for the technologies with RSRP/RSRQ, the newest first; access technologies
# name them otherwise (``lte``, ``5gnr``).
SIGNAL_TECHNOLOGIES = ("5g", "lte")
_ACCESS_TO_SIGNAL = {"5gnr": "5g", "lte": "lte"}


class _Modem(BaseModel):
    model_config = _STRICT

    operator_name: str | None = None
    access_technologies: list[str] = Field(default_factory=list)
    signal: dict[str, _Signal] = Field(default_factory=dict)

    def rsrp_rsrq(self) -> tuple[float | None, float | None]:
        """RSRP and RSRQ of one technology: the modem's current one when it has figures, else
        the newest that has."""
        current = [_ACCESS_TO_SIGNAL.get(t) for t in self.access_technologies]
        for tech in (*[t for t in current if t], *SIGNAL_TECHNOLOGIES):
            found = self.signal.get(tech)
            if found is not None and (found.rsrp is not None or found.rsrq is not None):
                return found.rsrp, found.rsrq
        return None, None


class _Cellular(BaseModel):
    model_config = _STRICT

    modems: list[_Modem] = Field(default_factory=list)


class SurveyRecord(BaseModel):
    """One line of ``sansang survey``'s file, the fields the collector reads."""

    model_config = _STRICT

    schema_: int = Field(alias="schema", ge=1, le=RECORD_SCHEMA)
    kind: Literal["dead_zone_survey"]
    wall_time_unix: float | None = Field(default=None, gt=0)
    time: str | None = None  # ISO 8601 with an offset; read when wall_time_unix is absent
    label: str = Field(min_length=1, max_length=200)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    throughput: dict[str, _Throughput] = Field(min_length=1)
    latency: _Latency
    cellular: _Cellular | None = None
    site: str | None = Field(default=None, pattern=SITE_KEY_PATTERN)

    @field_validator("label")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("trống / empty")
        return value.strip()

    def when(self) -> float | None:
        """Unix seconds: ``wall_time_unix``, else ``time`` when it has an offset; else None."""
        if self.wall_time_unix is not None:
            return self.wall_time_unix
        try:
            parsed = datetime.fromisoformat(self.time or "")
        except ValueError:
            return None
        return parsed.timestamp() if parsed.tzinfo is not None else None


@dataclass(frozen=True)
class Problem:
    """What is wrong with one record: where (line number, or index in a list), which field."""

    where: int
    field: str  # dotted path, e.g. ``throughput.selfhosted.download_bps``; "" for the record
    message: str

    def render(self, filename: str) -> str:
        column = f"{self.field}: " if self.field else ""
        return f"{filename}: dòng / line {self.where}: {column}{self.message}"


class BadRecord(SansangError):
    """One record's problems (every field that is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in problems))
        self.problems = problems


@dataclass
class Parsed:
    """The good records' points, and every bad record's problems."""

    points: list[SurveyPoint] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records: int = 0  # non-empty lines read

    @property
    def bad(self) -> int:
        return len({p.where for p in self.problems})


def _message(error: Any) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        return "thiếu / missing"
    if error["type"] == "literal_error":
        return f"phải là / must be 'dead_zone_survey' (có / found {error.get('input')!r})"
    if error["type"] != "value_error":
        return f"giá trị sai / {msg} (có / found {error.get('input')!r})"
    return msg


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def point(
    data: Any, *, site: str | None = None, known_sites: Collection[str] | None = None
) -> SurveyPoint:
    """The survey point of one record (a decoded JSON object); :class:`BadRecord` names every
    field that is wrong.  ``site``: for a record without its own; ``known_sites``: the
    inventory's keys a record's site must be one of."""
    if not isinstance(data, dict):
        raise BadRecord([("", "cần một đối tượng JSON / expected a JSON object")])
    try:
        record = SurveyRecord.model_validate(data)
    except ValidationError as err:
        found = [(_field(tuple(e["loc"])), _message(e)) for e in err.errors()]
        raise BadRecord(list(dict.fromkeys(found))) from None
    problems: list[tuple[str, str]] = []
    when = record.when()
    if when is None:
        name = "wall_time_unix" if record.time is None else "time"
        problems.append(
            (name, "thiếu giờ đo / no time: wall_time_unix, or time (ISO 8601 with an offset)")
        )
    chosen = record.site or site
    if chosen is not None and known_sites is not None and chosen not in known_sites:
        problems.append(("site", f"không có điểm / no such site '{chosen}' in the inventory"))
    if problems or when is None:
        raise BadRecord(problems)
    return _to_point(record, when, chosen)


def _to_point(r: SurveyRecord, when: float, site: str | None) -> SurveyPoint:
    worked = [t for t in r.throughput.values() if t.ok]
    downloads = [t.download_bps for t in worked if t.download_bps is not None]
    uploads = [t.upload_bps for t in worked if t.upload_bps is not None]
    latency = r.latency.median_seconds
    if latency is None:
        latency = next((t.latency_seconds for t in worked if t.latency_seconds is not None), None)
    modem = r.cellular.modems[0] if r.cellular and r.cellular.modems else None
    operator = modem.operator_name[:MAX_OPERATOR_CHARS] if modem and modem.operator_name else None
    technology = ",".join(modem.access_technologies)[:MAX_TECHNOLOGY_CHARS] if modem else ""
    rsrp, rsrq = modem.rsrp_rsrq() if modem else (None, None)
    return SurveyPoint(
        label=r.label,
        latitude=r.latitude,
        longitude=r.longitude,
        wall_time=when,
        download_bps=max(downloads) if downloads else None,
        upload_bps=max(uploads) if uploads else None,
        loss_ratio=r.latency.loss_ratio,
        latency_seconds=latency,
        operator=operator,
        technology=technology or None,
        site=site,
        rsrp_dbm=rsrp,
        rsrq_db=rsrq,
    )


def parse_lines(
    lines: Iterable[str], *, site: str | None = None, known_sites: Collection[str] | None = None
) -> Parsed:
    """Every line (numbered from 1; blank lines skipped) into a point or its problems."""
    parsed = Parsed()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        parsed.records += 1
        try:
            data = json.loads(text)
        except ValueError as err:
            parsed.problems.append(Problem(number, "", f"không phải JSON / not JSON: {err}"))
            continue
        try:
            parsed.points.append(point(data, site=site, known_sites=known_sites))
        except BadRecord as bad:
            parsed.problems += [Problem(number, f, m) for f, m in bad.problems]
    return parsed


def read_file(
    path: Path, *, site: str | None = None, known_sites: Collection[str] | None = None
) -> Parsed:
    """A survey file (UTF-8, one JSON record a line); OSError and UnicodeDecodeError escape."""
    with path.open(encoding="utf-8") as lines:
        return parse_lines(lines, site=site, known_sites=known_sites)
