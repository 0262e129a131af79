"""The handover record (biên bản kiểm tra và bàn giao kỹ thuật): what a technician's
``sansang agent diagnose --out FILE.html`` found and did on site, as data shared by the agent
(which writes it into a self-contained HTML file, ``agent.diagnose.record``) and the collector
(which takes it over HTTP from outside and keeps it as a note on the site,
``collector.web.handovers``).

Because the collector receives it from anyone holding a technician's token, the model is strict
(no unknown keys, no coercion, finite numbers, no control characters) and bounded (at most
:data:`MAX_RESULTS` checks, :data:`MAX_DONE` items of work, :data:`MAX_TEXT` characters a text).

The content hash ("mã kiểm tra nội dung") is ``sha256:`` and the hex digest of
:func:`canonical`: the record without its ``hash`` field as JSON with sorted keys, compact
separators and UTF-8 text.  It is computed from the validated model, never from the bytes that
arrived, so the agent and the collector agree on it however the JSON was spaced; any change to a
value changes it.

    record = seal(HandoverRecord(...))          # the same record with its hash
    parsed = parse(raw_json)                    # validated, or HandoverError listing problems
    verify(parsed)                              # the hash checked: HandoverError when it differs
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)

from sansang import i18n
from sansang.errors import SansangError
from sansang.event_details import WALL_TIME_MAX, WALL_TIME_MIN
from sansang.i18n import Lang, pick

VERSION: Literal[1] = 1  # the record's format; a reader refuses another
MAX_RESULTS = 500
MAX_DONE = 50
MAX_TEXT = 2000  # a result's words, an advice, an item of work
MAX_NAME = 200  # a name, an id, the technician, a figure's text
MAX_FIGURES = 50  # per check
MAX_PROBLEMS = 10  # validation problems named in one error
HASH_PATTERN = r"^sha256:[0-9a-f]{64}$"
PLAYBOOK_PATH_PATTERN = r"^/playbooks/[A-Za-z0-9_-]+(#[A-Za-z0-9_-]*)?$"  # a link on the pages

# The layers of ``sansang agent diagnose``, bottom up (agent.diagnose.model.LAYERS, which the
# kernel cannot import; tests/unit/test_handover.py holds the two equal).
Layer = Literal[
    "power", "box", "lan", "wan", "dns", "services", "terminals", "conference", "printers"
]
LAYERS: tuple[Layer, ...] = Layer.__args__  # type: ignore[attr-defined]
Status = Literal["ok", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = Status.__args__  # type: ignore[attr-defined]

LAYER_NAMES: dict[str, tuple[str, str]] = {
    "power": ("Nguồn điện và UPS", "Power and UPS"),
    "box": ("Máy tác tử", "The agent's machine"),
    "lan": ("Mạng nội bộ (LAN)", "Local network (LAN)"),
    "wan": ("Đường truyền (WAN)", "WAN links"),
    "dns": ("Phân giải tên miền (DNS)", "Name resolution (DNS)"),
    "services": ("Hệ thống Một cửa và Cổng DVC", "One-stop system and national portal"),
    "terminals": ("Thiết bị đầu cuối", "Terminals"),
    "conference": ("Hội nghị truyền hình", "Video conference"),
    "printers": ("Máy in", "Printers"),
}
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "ok": ("Đạt", "Passed"),
    "warn": ("Cảnh báo", "Warning"),
    "fail": ("Hỏng", "Failed"),
    "skip": ("Bỏ qua", "Skipped"),
}
STATUS_SYMBOLS: dict[str, str] = {"ok": "✔", "warn": "!", "fail": "✖", "skip": "–"}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab and newline stay


class HandoverError(SansangError, ValueError):
    """A handover record that cannot be used: not one, invalid (each problem named), or its
    content hash differs from its content (changed after it was written).  ``vi`` and ``en``
    are the message for a person; ``problems`` the fields at fault."""

    def __init__(self, vi: str, en: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi = vi
        self.en = en
        self.problems = problems


def _no_control(value: str) -> str:
    """No control characters (PostgreSQL's text refuses NUL; a terminal would act on ESC)."""
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_no_control)]
Name = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_no_control)]
FigureKey = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_no_control)]
Figure = StrictBool | StrictInt | StrictFloat | Name | None
UnixTime = Annotated[float, Field(ge=WALL_TIME_MIN, le=WALL_TIME_MAX)]
SiteKey = Annotated[str, Field(pattern=r"^[0-9]{5}-[a-z0-9][a-z0-9_.-]{0,62}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class HandoverAdvice(_Strict):
    """The next step of a check that warned or failed, and the playbook section to read."""

    vi: Text
    en: Text = ""
    path: Annotated[str, Field(max_length=MAX_NAME, pattern=PLAYBOOK_PATH_PATTERN)] | None = None


class HandoverCheck(_Strict):
    """One check's result (``agent.diagnose.model.CheckResult``)."""

    layer: Layer
    id: Name
    name: Name
    status: Status
    reason: Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9_]*$")] = "ok"
    vi: Text = ""
    en: Text = ""
    advice: HandoverAdvice | None = None
    figures: Annotated[dict[FigureKey, Figure], Field(max_length=MAX_FIGURES)] = Field(
        default_factory=dict
    )


class HandoverRecord(_Strict):
    """The whole record.  ``site`` is the site key (``23527-main``), None when diagnose ran
    without a config (such a record cannot be uploaded: the collector files it by site);
    ``first_failure`` is the failed check to fix first (a copy of one of ``results``)."""

    version: Literal[1] = VERSION
    site: SiteKey | None
    site_name: Name
    commune: Name = ""
    host: Name = ""
    technician: Annotated[Name, Field(min_length=1)]
    started_at: UnixTime
    finished_at: UnixTime
    done: Annotated[list[Annotated[Text, Field(min_length=1)]], Field(max_length=MAX_DONE)] = Field(
        default_factory=list
    )
    results: Annotated[list[HandoverCheck], Field(max_length=MAX_RESULTS)]
    exit_code: Annotated[int, Field(ge=0, le=4)]
    first_failure: HandoverCheck | None = None
    hash: Annotated[str, Field(pattern=HASH_PATTERN)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HandoverRecord:
        if self.finished_at < self.started_at:
            raise ValueError("finished_at is before started_at")
        failed = [r for r in self.results if r.status == "fail"]
        if self.first_failure is not None and self.first_failure not in failed:
            raise ValueError("first_failure is not one of the failed results")
        if failed and self.first_failure is None:
            raise ValueError("results failed but first_failure is empty")
        return self

    def counts(self) -> Counter[str]:
        """How many checks of each status."""
        return Counter(r.status for r in self.results)


def canonical(record: HandoverRecord) -> bytes:
    """The bytes the hash is computed over: the record without ``hash``, JSON with sorted keys,
    compact separators, UTF-8 (``ensure_ascii=False``)."""
    data = record.model_dump(mode="json", exclude={"hash"})
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_hash(record: HandoverRecord) -> str:
    """``sha256:<hex>`` of :func:`canonical` (the ``hash`` field itself never counts)."""
    return "sha256:" + hashlib.sha256(canonical(record)).hexdigest()


def seal(record: HandoverRecord) -> HandoverRecord:
    """The record with its content hash."""
    return record.model_copy(update={"hash": content_hash(record)})


def dumps(record: HandoverRecord) -> str:
    """The whole record, hash included, as the canonical JSON text (what is embedded in the
    HTML file and posted to the collector)."""
    return json.dumps(
        record.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def problems_of(err: ValidationError) -> tuple[str, ...]:
    """Each validation problem as ``results.3.vi: String should have at most 2000 characters``
    (at most :data:`MAX_PROBLEMS`, then how many more)."""
    lines = [
        f"{'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}" for e in err.errors()
    ]
    if len(lines) > MAX_PROBLEMS:
        lines = [*lines[:MAX_PROBLEMS], f"… +{len(lines) - MAX_PROBLEMS}"]
    return tuple(lines)


def parse(raw: str | bytes) -> HandoverRecord:
    """A record from its JSON text, validated; :class:`HandoverError` naming the problems."""
    try:
        return HandoverRecord.model_validate_json(raw)
    except ValidationError as err:
        problems = problems_of(err)
        listed = "; ".join(problems)
        raise HandoverError(
            f"biên bản không hợp lệ: {listed}", f"not a valid handover record: {listed}", problems
        ) from None


def validate(data: object) -> HandoverRecord:
    """As :func:`parse`, for JSON already decoded (the collector's body)."""
    return parse(json.dumps(data, ensure_ascii=False, allow_nan=False))


def verify(record: HandoverRecord) -> str:
    """The record's hash when it matches its content; else :class:`HandoverError`."""
    if record.hash is None:
        raise HandoverError(
            "biên bản không có mã kiểm tra nội dung", "the record has no content hash"
        )
    computed = content_hash(record)
    if computed != record.hash:
        raise HandoverError(
            "mã kiểm tra nội dung không khớp: biên bản đã bị sửa sau khi lập "
            f"(ghi {record.hash}, tính được {computed})",
            "the content hash does not match: the record was changed after it was written "
            f"(says {record.hash}, computed {computed})",
        )
    return computed


def layer_name(layer: str, lang: Lang = "vi") -> str:
    return pick(LAYER_NAMES, layer, lang)


def status_word(status: str, lang: Lang = "vi") -> str:
    return pick(STATUS_WORDS, status, lang)


def counts_text(record: HandoverRecord, lang: Lang = "vi") -> str:
    """``12 đạt, 1 hỏng``: each status that occurs, in the order ok, warn, fail, skip."""
    counts = record.counts()
    parts = [f"{counts[s]} {status_word(s, lang).lower()}" for s in STATUSES if counts[s]]
    return ", ".join(parts) or ("không có phép kiểm tra nào" if lang == "vi" else "no checks")


def first_failure_text(record: HandoverRecord, lang: Lang = "vi") -> str:
    """``Đường truyền (WAN) (Cáp quang VNPT)``, or that no layer failed."""
    first = record.first_failure
    if first is None:
        return "không lớp nào hỏng" if lang == "vi" else "no layer failed"
    return f"{layer_name(first.layer, lang)} ({first.name})"


def summary(record: HandoverRecord, lang: Lang = "vi") -> str:
    """The note the collector keeps: ``Biên bản bàn giao của Nguyễn Văn An: 12 đạt, 1 hỏng —
    lớp hỏng đầu tiên: Đường truyền (WAN) (Cáp quang); sha256:…``."""
    if lang == "vi":
        head = f"Biên bản bàn giao của {record.technician}: {counts_text(record, lang)}"
        first = (
            f"lớp hỏng đầu tiên: {first_failure_text(record, lang)}"
            if record.first_failure
            else "không lớp nào hỏng"
        )
    else:
        head = f"Handover record by {record.technician}: {counts_text(record, lang)}"
        first = (
            f"first failing layer: {first_failure_text(record, lang)}"
            if record.first_failure
            else "no layer failed"
        )
    return f"{head} — {first}; {record.hash or content_hash(record)}"


def when(unix: float) -> str:
    """``07/12/2026 08:05:09``, Vietnam's time."""
    return i18n.local(unix).strftime("%d/%m/%Y %H:%M:%S")


def date_line(unix: float) -> str:
    """``ngày 07 tháng 12 năm 2026`` as an administrative document writes the date (Nghị định
    30/2020/NĐ-CP: a day under 10 and the months 1 and 2 with a leading 0)."""
    day = i18n.local(unix)
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"
