"""Incident readiness in the inventory: what Công an tỉnh reviews before an incident happens.

- A contingency plan per site and risk (phương án dự phòng, ứng phó sự cố theo từng cấp độ rủi
  ro: 001 §2.2.6.b, 003 §4.b, 000 Phụ lục I.1–2, due 31/12/2025): its ``status`` (``missing``,
  ``draft``, ``approved``), the decision approving it (số quyết định), the hash of the approved
  file the commune keeps, the risk level, the fallback, the drills and the responder.  A risk
  left out of a site's ``contingency`` is ``missing``: a province starts with many communes
  without plans, and the inventory records that instead of refusing to load.
- Drills (diễn tập, 001 §2.2.6.b, 000 §V.4): of one site's plan, or held by the province for many
  communes at once (:class:`ProvinceDrill`, the inventory's top-level ``drills``), written once
  and counted for every site it covers.
- The commune's focal point and response team (đầu mối phối hợp, đội/tổ ứng cứu sự cố: 001
  §2.2.6.a–b, 004 §I.4 and Phụ lục II.18), one :class:`ResponseTeam` per COMMUNE (the
  inventory's top-level ``response_teams``), not per site: the clauses give the duty to the
  commune (the UBND xã names its focal point and sets up its team), a second point of a commune
  shares them, and keeping persons out of the site entries keeps them out of what every role
  reads of a site.

Every record is a small frozen model of its own, so a form can later edit one plan, one drill or
one team.  Names, phones, fallback texts, drill notes and participants are personal or internal
(``read_personal`` in ``collector.web.auth``): findings carry counts, dates, statuses and
document numbers only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from sansang import communes
from sansang.models import StrictModel

Risk = Literal["hardware", "software", "cyberattack", "link_loss", "power_loss"]
RISKS: tuple[str, ...] = Risk.__args__  # type: ignore[attr-defined]
# What a person reads for each risk (Vietnamese, English): the site page and the findings.
RISK_NAMES: dict[str, tuple[str, str]] = {
    "hardware": ("Hỏng phần cứng", "Hardware failure"),
    "software": ("Lỗi phần mềm", "Software failure"),
    "cyberattack": ("Tấn công mạng", "Cyberattack"),
    "link_loss": ("Mất đường truyền", "Link loss"),
    "power_loss": ("Mất điện", "Power loss"),
}
FallbackKind = Literal[
    "spare_device", "backup_link", "ups_generator", "restore_procedure", "isolation_procedure"
]
DrillResult = Literal["passed", "partial", "failed"]

PlanStatus = Literal["missing", "draft", "approved"]
PLAN_STATUS_NAMES: dict[str, tuple[str, str]] = {
    "missing": ("Chưa có", "None yet"),
    "draft": ("Dự thảo", "Draft"),
    "approved": ("Đã phê duyệt", "Approved"),
}
# The clauses ask for plans "theo từng cấp độ rủi ro" (003 §4.b, 001 §2.2.6.b) and name no scale:
# three levels of the usual likelihood-and-impact grading; a province with a finer scale maps
# onto them.
RiskLevel = Literal["low", "medium", "high"]
RISK_LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "low": ("Thấp", "Low"),
    "medium": ("Trung bình", "Medium"),
    "high": ("Cao", "High"),
}

_PHONE = re.compile(r"^\+?[0-9][0-9 .]{7,16}[0-9]$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_phone(value: Any) -> str:
    """A phone number as people write it (``0912 345 678``, ``+84 905 333 444``), quoted."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f"write the phone number quoted, e.g. '0{value}' (as a number it loses its 0)"
        )
    if not isinstance(value, str) or not _PHONE.match(value):
        raise ValueError(f"'{value}' is not a phone number, e.g. '0912 345 678'")
    return value


def check_sha256(value: Any) -> str:
    """64 hex digits (``sha256sum FILE``), kept in lower case."""
    text = value.strip().lower() if isinstance(value, str) else value
    if not isinstance(text, str) or not _SHA256.match(text):
        raise ValueError(
            f"{value!r} is not a SHA-256: 64 hex digits, as `sha256sum FILE` prints them"
        )
    return text


Phone = Annotated[str, BeforeValidator(check_phone)]
Sha256 = Annotated[str, BeforeValidator(check_sha256)]
# An official commune code (5 digits, quoted) in a list: each bad item is named by its index.
CommuneCode = Annotated[str, BeforeValidator(communes.check_code)]


class Fallback(StrictModel):
    """What the site falls back on (phương án dự phòng)."""

    kind: FallbackKind
    text: str = Field(min_length=1, description="the plan in a sentence or two")


class Minutes(StrictModel):
    """The drill's minutes (biên bản diễn tập)."""

    reference: str = Field(min_length=1, description="its number, e.g. `12/BB-CAT`")
    sha256: Sha256 | None = Field(default=None, description="SHA-256 of the signed file kept")


class Participants(StrictModel):
    """Who took part in a drill: a count, the names, or both (the count may exceed the names
    listed).  In YAML a bare number is the count."""

    count: int | None = Field(default=None, ge=1, description="how many took part")
    names: list[str] = Field(default_factory=list, description="who, by name (personal)")

    @model_validator(mode="after")
    def _count_or_names(self) -> Participants:
        if self.count is None and not self.names:
            raise ValueError("give the number who took part (`count: 12`) or their `names`")
        if self.count is not None and self.count < len(self.names):
            raise ValueError(f"count {self.count} is less than the {len(self.names)} names listed")
        return self

    @property
    def total(self) -> int:
        return self.count if self.count is not None else len(self.names)


def _bare_count(value: Any) -> Any:
    """``participants: 25`` is ``participants: {count: 25}``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"count": value}
    return value


class Drill(StrictModel):
    """A rehearsal of the plan (diễn tập)."""

    held_on: date
    result: DrillResult
    notes: str = ""
    scope: str = Field(default="", description="what was rehearsed (phạm vi, kịch bản)")
    participants: Annotated[Participants | None, BeforeValidator(_bare_count)] = Field(
        default=None, description="a count (`participants: 25`) or `{count, names}`"
    )
    minutes: Minutes | None = Field(default=None, description="biên bản: `{reference, sha256}`")


class ProvinceDrill(Drill):
    """A drill the province held for many communes at once (e.g. Công an tỉnh's cyberattack
    drill, 000 §V.4), written once and counted for every site of the communes it covers."""

    risks: list[Risk] = Field(
        default_factory=lambda: list[Risk](["cyberattack"]),
        min_length=1,
        description="the risks rehearsed",
    )
    communes: list[CommuneCode] | None = Field(
        default=None, description="the communes that took part (official 5-digit codes, quoted)"
    )
    all_sites: bool = Field(default=False, description="true: every site of the province")
    organiser: str = Field(default="", description="who held it, e.g. `Công an tỉnh`")

    @model_validator(mode="after")
    def _who_took_part(self) -> ProvinceDrill:
        if self.all_sites == bool(self.communes):
            raise ValueError(
                "say who took part: either `communes: ['23527', ...]` or `all_sites: true`, "
                "not both and not neither"
            )
        return self

    def covers(self, commune_code: str) -> bool:
        return self.all_sites or commune_code in (self.communes or ())


class Responder(StrictModel):
    """The named person who acts when the risk happens (người chịu trách nhiệm)."""

    name: str = Field(min_length=1)
    phone: Phone
    confirmed_on: date = Field(description="when the person last confirmed the duty")


class ContingencyPlan(StrictModel):
    """The plan for one risk at one site.

    ``status`` ``approved`` (the default, so a file written before there was a status reads as
    it did) needs ``approved_on``, ``fallback`` and ``responder``: an approved plan says what
    the site falls back on and who acts.  A ``draft`` may have them, without the approval's date
    or decision.  ``missing`` is the same as leaving the risk out (a row of a sheet or a form may
    say it), with at most the ``risk_level`` assessed before any plan is written.
    """

    status: PlanStatus = Field(
        default="approved",
        description="`missing` (chưa có), `draft` (dự thảo) or `approved` (đã phê duyệt); "
        "absent: approved",
    )
    approved_on: date | None = Field(
        default=None,
        validate_default=True,
        description="when the plan was approved (ngày phê duyệt); only and always when approved",
    )
    decision: str | None = Field(
        default=None, min_length=1, description="the approving decision, e.g. `125/QĐ-UBND`"
    )
    file_sha256: Sha256 | None = Field(
        default=None, description="SHA-256 of the plan's file the commune keeps (64 hex digits)"
    )
    risk_level: RiskLevel | None = Field(
        default=None, description="cấp độ rủi ro: `low` (thấp), `medium` (trung bình), `high` (cao)"
    )
    fallback: Fallback | None = Field(
        default=None, validate_default=True, description="required when approved"
    )
    drills: list[Drill] = Field(default_factory=list)
    responder: Responder | None = Field(
        default=None, validate_default=True, description="required when approved"
    )

    @field_validator("approved_on")
    @classmethod
    def _approval_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        status = info.data.get("status")
        if status == "approved" and value is None:
            raise ValueError(
                "an approved plan needs its approval date (ngày phê duyệt), e.g. "
                "`approved_on: 2025-08-15`; a plan not approved yet says `status: draft`"
            )
        if status in ("draft", "missing") and value is not None:
            raise ValueError(
                f"a {status} plan has no approval date; once approved write `status: approved`"
            )
        return value

    @field_validator("decision", "file_sha256")
    @classmethod
    def _not_if_missing(cls, value: str | None, info: ValidationInfo) -> str | None:
        status = info.data.get("status")
        if value is None or status == "approved":
            return value
        if status == "missing" or info.field_name == "decision":
            raise ValueError(
                f"a {status} plan has no {info.field_name}; once approved write `status: approved`"
            )
        return value

    @field_validator("fallback", "responder")
    @classmethod
    def _required_when_approved(cls, value: Any, info: ValidationInfo) -> Any:
        status = info.data.get("status")
        if status == "approved" and value is None:
            what = "what the site falls back on" if info.field_name == "fallback" else "who acts"
            raise ValueError(f"an approved plan needs its {info.field_name} ({what})")
        if status == "missing" and value is not None:
            raise ValueError(
                f"a missing plan has no {info.field_name}; a plan being written says "
                "`status: draft`"
            )
        return value

    @field_validator("drills")
    @classmethod
    def _no_drill_without_plan(cls, value: list[Drill], info: ValidationInfo) -> list[Drill]:
        if value and info.data.get("status") == "missing":
            raise ValueError("a missing plan has no drills; a plan being written says `draft`")
        return value

    def approved_by(self, day: date) -> bool:
        """Approved on or before ``day``."""
        return (
            self.status == "approved" and self.approved_on is not None and self.approved_on <= day
        )


class FocalPoint(StrictModel):
    """The commune's focal point (đầu mối phối hợp) with the province and central agencies."""

    name: str = Field(min_length=1)
    phone: Phone
    role: str = Field(min_length=1, description="position (chức vụ), e.g. `Phó Chủ tịch UBND xã`")
    confirmed_on: date = Field(description="when the person last confirmed the duty")


class TeamMember(StrictModel):
    """A member of the response team (thành viên đội ứng cứu sự cố)."""

    name: str = Field(min_length=1)
    phone: Phone
    role: str = Field(default="", description="position or duty in the team")


class ResponseTeam(StrictModel):
    """A commune's incident response team and focal point (đội / tổ ứng cứu sự cố, chuyên trách
    hoặc kiêm nhiệm; đầu mối phối hợp), shared by every site of the commune."""

    commune_code: CommuneCode = Field(description="official 5-digit commune code, quoted")
    focal_point: FocalPoint | None = None
    members: list[TeamMember] = Field(default_factory=list)
    decision: str = Field(
        default="", description="the decision setting up the team, e.g. `45/QĐ-UBND`"
    )
