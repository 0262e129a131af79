"""The workbook's sheets of the province's information systems (``Hệ thống``, one row per system,
:data:`SYSTEMS`) and of the officials' signature certificates (``Chứng thư số``, one row per
certificate, :data:`CERTIFICATES`), as the importer reads them besides the site list.

Each sheet is a :class:`Section` of the inventory: the names its sheet may have, its columns
(a Vietnamese header as provinces write them, the English field name, a few other spellings met
in provinces' sheets), the model a row must pass and the column of the communes a row names (the
importer checks they are the province's).  Cells are converted as in the site list
(:mod:`collector.inventory.columns`): dates as Excel dates or dd/mm/yyyy, commune codes that lost
their leading zero as numbers get it back.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from collector.inventory import columns as cols
from collector.inventory.certificates import SignatureCertificate
from collector.inventory.columns import CellError, Column
from collector.inventory.systems import System

# A yes/no cell (đã triển khai phương án bảo vệ): blank means nobody said.
YES = frozenset({"có", "x", "đã", "rồi", "đã triển khai", "yes", "true", "1", "✓", "✔"})
NO = frozenset({"không", "chưa", "chưa triển khai", "no", "false", "0"})
# Agencies as provinces often shorten them, besides the catalogue's names.
AGENCY_WORDS = {"sở kh&cn": "so_khcn", "sở khcn": "so_khcn", "ubnd xã": "ubnd_xa"}


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = cols.normalise(cols._text(value))
    if word in YES or word in NO:
        return word in YES
    raise CellError(f"'{cols._text(value)}' is not yes or no; write có or không (x: có)")


def _security_level(value: Any) -> int:
    """``3``, ``Cấp độ 3``, ``cấp 3``; 1–5 is the model's to say."""
    text = cols._text(value)
    found = re.fullmatch(r"(?:cấp(?: độ)?|level)?\s*(\d+)", cols.normalise(text))
    if isinstance(value, bool) or found is None:
        raise CellError(f"'{text}' is not a security level; write 1 to 5 (cấp độ 1–5)")
    return int(found.group(1))


def _system_communes(value: Any) -> list[str] | None:
    """Commune codes (``23527; 23534``); ``tất cả``: every site, as a blank cell."""
    found = cols._communes(value)
    return found if isinstance(found, list) else None


def _serial(value: Any) -> str:
    """Hexadecimal, spaces dropped (``54 01 01 04 ...`` as Windows shows a certificate's)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            f"{cols._text(value)} was stored as a number and may have lost digits: format the "
            "column as text (Định dạng ô → Văn bản)"
        )
    text = "".join(cols._text(value).split())
    if not re.fullmatch(r"[0-9A-Fa-f:]+", text):
        raise CellError(
            f"'{cols._text(value)}' is not a serial number; write its hexadecimal digits "
            "(0-9, A-F), e.g. 5401 0104 92C3 7A1B"
        )
    return text


@functools.cache
def _agencies() -> tuple[dict[str, str], str]:
    """Each word naming an agency of the target catalogue (its id, Vietnamese and English
    names), and the agencies as a problem lists them."""
    from collector.targets import load_catalogue

    agencies = load_catalogue().agencies
    words = {cols.normalise(w): k for w, k in AGENCY_WORDS.items() if k in agencies}
    for key, name in agencies.items():
        words |= {cols.normalise(key): key, cols.normalise(name.vi): key}
        words[cols.normalise(name.en)] = key
    shown = ", ".join(f"{name.vi} ({key})" for key, name in agencies.items())
    return words, shown


def _agency(value: Any) -> str:
    words, shown = _agencies()
    found = words.get(cols.normalise(cols._text(value)))
    if found is None:
        raise CellError(f"'{cols._text(value)}' is not an agency; use: {shown}")
    return found


@dataclass(frozen=True)
class Section:
    """A sheet of the workbook that becomes one list of the inventory."""

    key: str  # the inventory's list: `systems`
    what: str  # a row, as a problem names it: "hệ thống / system"
    sheets: frozenset[str]  # the sheet's names, normalised
    columns: tuple[Column, ...]
    by_header: dict[str, Column]
    model: type[BaseModel]
    communes: str  # the key of the communes a row names (a list, or one code)

    @property
    def first(self) -> str:
        """The header that tells the header row, as a missing one is named."""
        column = self.columns[0]
        return f"'{column.vi}' or '{column.key}'"

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def communes_of(self, item: dict[str, Any]) -> list[str]:
        found = item.get(self.communes)
        return [found] if isinstance(found, str) else list(found or [])


def _headers(columns: tuple[Column, ...], other: dict[str, str]) -> dict[str, Column]:
    """Each column by its two headers, and by the other spellings ``other`` gives its key."""
    found = cols.by_header(columns)
    keys = {c.key: c for c in columns}
    return found | {cols.normalise(header): keys[key] for header, key in other.items()}


SYSTEM_COLUMNS: tuple[Column, ...] = (
    Column("id", "Mã hệ thống", ("id",), cols._text, True),
    Column("name", "Tên hệ thống", ("name",), cols._text, True),
    Column("security_level", "Cấp độ", ("security_level",), _security_level, True),
    Column("owner", "Chủ quản", ("owner",)),
    Column("dossier_decision", "Số quyết định phê duyệt hồ sơ cấp độ", ("dossier", "decision")),
    Column("dossier_approved_on", "Ngày phê duyệt", ("dossier", "approved_on"), cols._date),
    Column("dossier_authority", "Cơ quan phê duyệt", ("dossier", "authority")),
    Column("protection_plan_deployed", "Đã triển khai phương án bảo vệ",
           ("protection_plan_deployed",), _yes_no),
    Column("last_checked_on", "Ngày kiểm tra, đánh giá gần nhất", ("last_checked_on",),
           cols._date),
    Column("communes", "Xã sử dụng", ("communes",), _system_communes),
)  # fmt: skip
SYSTEMS = Section(
    key="systems",
    what="hệ thống / system",
    sheets=frozenset({"hệ thống", "hệ thống thông tin", "systems"}),
    columns=SYSTEM_COLUMNS,
    by_header=_headers(
        SYSTEM_COLUMNS,
        {
            "Mã": "id",
            "Tên hệ thống thông tin": "name",
            "Cấp độ an toàn": "security_level",
            "Cấp độ an toàn hệ thống thông tin": "security_level",
            "Cơ quan chủ quản": "owner",
            "Đơn vị chủ quản": "owner",
            "Số quyết định": "dossier_decision",
            "decision": "dossier_decision",
            "Ngày phê duyệt hồ sơ cấp độ": "dossier_approved_on",
            "approved_on": "dossier_approved_on",
            "authority": "dossier_authority",
            "Phương án bảo vệ": "protection_plan_deployed",
            "Ngày kiểm tra gần nhất": "last_checked_on",
            "Các xã sử dụng": "communes",
        },
    ),
    model=System,
    communes="communes",
)

CERTIFICATE_COLUMNS: tuple[Column, ...] = (
    Column("id", "Mã", ("id",), cols._text, True),
    Column("holder", "Người/cơ quan được cấp", ("holder",), cols._text, True),
    Column("position", "Chức vụ", ("position",)),
    Column("commune_code", "Mã xã", ("commune_code",), cols._commune_code),
    Column("serial", "Số hiệu", ("serial",), _serial),
    Column("issuer", "Tổ chức cấp", ("issuer",)),
    Column("not_after", "Ngày hết hạn", ("not_after",), cols._date, True),
    Column("agency", "Cơ quan nhận cảnh báo", ("agency",), _agency),
)
CERTIFICATES = Section(
    key="signature_certificates",
    what="chứng thư / certificate",
    sheets=frozenset({"chứng thư số", "chữ ký số", "certificates", "signature_certificates"}),
    columns=CERTIFICATE_COLUMNS,
    by_header=_headers(
        CERTIFICATE_COLUMNS,
        {
            "Mã chứng thư": "id",
            "Người / cơ quan được cấp": "holder",
            "Người được cấp": "holder",
            "Số hiệu (serial)": "serial",
            "Số serial": "serial",
            "Đơn vị cấp": "issuer",
            "Hiệu lực đến": "not_after",
            "Đơn vị nhận cảnh báo": "agency",
        },
    ),
    model=SignatureCertificate,
    communes="commune_code",
)

SECTIONS: tuple[Section, ...] = (SYSTEMS, CERTIFICATES)
