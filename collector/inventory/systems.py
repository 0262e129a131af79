"""The province's information systems (hệ thống thông tin) and their protection by security level
(SEC-LEVEL: NĐ 85/2016/NĐ-CP, TT 12/2022/TT-BTTTT; seed 004 §III.7 and Phụ lục II.23, seed 003 §4.a
with the police's guidance CV 943/CAT-ANM, seed 001 §2.2.6.a).

For each system the inventory keeps what the police review: its level (cấp độ 1–5), the decision
approving its level dossier (hồ sơ đề xuất cấp độ: number, day, authority), whether the protection
plan of that dossier is deployed (phương án bảo vệ), the last periodic check (kiểm tra, đánh giá),
and the communes that use it (absent: every site of the province, as for the one-stop e-system).
The interval of the periodic check per level is the catalogue's (SEC-LEVEL thresholds), not here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from sansang import communes
from sansang.models import Slug, StrictModel

CommuneCode = Annotated[str, BeforeValidator(communes.check_code)]


class Dossier(StrictModel):
    """The decision approving a system's level dossier (quyết định phê duyệt hồ sơ đề xuất cấp
    độ)."""

    decision: str = Field(min_length=1, description="its number, e.g. '125/QĐ-UBND'")
    approved_on: date = Field(description="the day of the decision")
    authority: str = Field(
        default="", description="who approved it, e.g. 'UBND tỉnh', 'Sở Khoa học và Công nghệ'"
    )


class System(StrictModel):
    """An information system with its security level (cấp độ, NĐ 85/2016)."""

    id: Slug
    name: str = Field(min_length=1)
    security_level: int = Field(ge=1, le=5, description="cấp độ an toàn hệ thống thông tin, 1–5")
    owner: str = Field(default="", description="the agency that owns it (chủ quản)")
    dossier: Dossier | None = Field(
        default=None, description="the decision approving its level dossier; absent: not approved"
    )
    dossier_approved_on: date | None = Field(
        default=None,
        description="older inventories: the day the dossier was approved, without its decision "
        "(still read; write `dossier:` with the decision's number instead)",
    )
    protection_plan_deployed: bool | None = Field(
        default=None,
        description="the dossier's protection plan (phương án bảo vệ) is deployed; absent: "
        "nobody said, and SEC-LEVEL is unknown for the system",
    )
    last_checked_on: date | None = Field(
        default=None, description="the last periodic check (kiểm tra, đánh giá định kỳ)"
    )
    communes: list[CommuneCode] | None = Field(
        default=None,
        description="the communes whose centres use it; absent: every site of the province",
    )

    @model_validator(mode="after")
    def _one_dossier_day(self) -> System:
        given = self.dossier_approved_on
        if self.dossier is not None and given is not None and self.dossier.approved_on != given:
            raise ValueError(
                "`dossier_approved_on` and `dossier.approved_on` differ: keep `dossier` only"
            )
        return self

    @property
    def approved_on(self) -> date | None:
        """The day the level dossier was approved, whichever way the inventory writes it."""
        return self.dossier.approved_on if self.dossier is not None else self.dossier_approved_on

    def used_by(self, commune_code: str) -> bool:
        return self.communes is None or commune_code in self.communes
