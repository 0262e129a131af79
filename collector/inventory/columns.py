"""The columns of a province's site list (danh sách điểm), one row per site.

Each column has a Vietnamese header, as provinces write them, and an English one (the field name);
either is accepted, in any case and order.  A cell is turned into the value the inventory model
takes (:func:`convert`); what the cell cannot be is a :class:`CellError` naming the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from collector.inventory.model import RISKS
from sansang.errors import SansangError

RISK_VI = {
    "hardware": "phần cứng",
    "software": "phần mềm",
    "cyberattack": "tấn công mạng",
    "link_loss": "mất đường truyền",
    "power_loss": "mất điện",
}
# A spreadsheet row names the plan of each risk; its kind follows from the risk.
FALLBACK_KIND = {
    "hardware": "spare_device",
    "software": "restore_procedure",
    "cyberattack": "isolation_procedure",
    "link_loss": "backup_link",
    "power_loss": "ups_generator",
}
LINK_WORDS = {
    "internet": "internet",
    "tslcd": "tslcd",
    "truyền số liệu chuyên dùng": "tslcd",
    "mobile": "mobile",
    "di động": "mobile",
    "4g": "mobile",
    "5g": "mobile",
}
# Columns a province's sheet often has that mean nothing to the inventory.
IGNORED = frozenset({"stt", "tt", "no", "ghi chú", "notes"})


class CellError(SansangError, ValueError):
    """A cell's value cannot be used; ``str()`` is the reason."""


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _commune_code(value: Any) -> str:
    # A code stored as a number loses its leading zeros (02020 -> 2020): put them back.
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):05d}"
    text = _text(value)
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = _text(value)
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # 14,4132: the Vietnamese decimal comma
    try:
        return float(text)
    except ValueError:
        raise CellError(f"'{text}' is not a number") from None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"'{text}' is not a date; write it as dd/mm/yyyy, e.g. 15/08/2025")


def _dates(value: Any) -> list[date]:
    """A cell of dates: ``22/08/2026; 31/08/2026`` (or one date an Excel cell holds)."""
    if isinstance(value, date | datetime):
        return [_date(value)]
    return [_date(part) for part in re.split(r"[,;\n]", _text(value)) if part.strip()]


def _phone(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            f"{_text(value)} was stored as a number and lost its leading 0: "
            "format the column as text (Định dạng ô → Văn bản)"
        )
    return _text(value)


def _links(value: Any) -> list[str]:
    words = [w.strip() for w in re.split(r"[,;/+]", _text(value)) if w.strip()]
    kinds: list[str] = []
    for word in words:
        kind = LINK_WORDS.get(normalise(word))
        if kind is None:
            known = ", ".join(sorted(LINK_WORDS))
            raise CellError(f"'{word}' is not a link type; use: {known}")
        if kind not in kinds:  # "di động, 4G" is one link type
            kinds.append(kind)
    return kinds


@dataclass(frozen=True)
class Column:
    key: str  # the English header
    vi: str  # the Vietnamese header
    path: tuple[str | int, ...]  # where the value goes in the site mapping
    convert: Callable[[Any], Any] = _text
    required: bool = False

    @property
    def label(self) -> str:
        return f"{self.vi} ({self.key})"


def _risk_columns() -> list[Column]:
    columns: list[Column] = []
    for risk in RISKS:
        vi = RISK_VI[risk]
        here = ("contingency", risk)
        approved = (*here, "approved_on")
        fallback = (*here, "fallback", "text")
        columns.append(Column(f"{risk}_approved_on", f"PA {vi}: ngày duyệt", approved, _date, True))
        columns.append(Column(f"{risk}_fallback", f"PA {vi}: dự phòng", fallback, _text, True))
    return columns


COLUMNS: tuple[Column, ...] = (
    Column("commune_code", "Mã xã", ("commune_code",), _commune_code, True),
    Column("site_id", "Mã điểm", ("site_id",)),
    Column("name", "Tên điểm", ("name",), _text, True),
    Column("latitude", "Vĩ độ", ("latitude",), _number, True),
    Column("longitude", "Kinh độ", ("longitude",), _number, True),
    Column("links", "Đường truyền", ("links",), _links, True),
    Column("pull_url", "Địa chỉ agent", ("pull", "url")),
    Column("token_file", "Tệp token", ("pull", "token_file")),
    Column("push_credential", "Mã xác thực đẩy", ("push", "credential_id")),
    Column("hnth_address", "Địa chỉ điểm cầu HNTH", ("terminals", 0, "address")),
    Column("ups_model", "Model UPS", ("ups", 0, "model")),
    Column("ups_rated_minutes", "UPS (phút)", ("ups", 0, "rated_minutes"), _number),
    Column("closed_days", "Ngày nghỉ riêng", ("calendar", "holidays"), _dates),
    Column("open_days", "Ngày làm bù", ("calendar", "open_days"), _dates),
    Column("responder_name", "Người phụ trách", ("responder", "name"), _text, True),
    Column("responder_phone", "Điện thoại", ("responder", "phone"), _phone, True),
    Column("responder_confirmed_on", "Ngày xác nhận", ("responder", "confirmed_on"), _date, True),
    *_risk_columns(),
)


def normalise(header: str) -> str:
    """Header text as compared: NFC, case-folded, single spaces, no trailing colon."""
    text = unicodedata.normalize("NFC", str(header)).casefold()
    return " ".join(text.split()).rstrip(":").strip()


BY_HEADER: dict[str, Column] = {
    **{normalise(c.vi): c for c in COLUMNS},
    **{normalise(c.key): c for c in COLUMNS},
}


def convert(column: Column, value: Any) -> Any:
    """The cell's value for the model; raises :class:`CellError`."""
    return column.convert(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
