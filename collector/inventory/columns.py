"""The columns of a province's site list (danh sách điểm), one row per site, and of its sheet of
drills held for many communes (:data:`DRILL_COLUMNS`, one row per drill).

Each column has a Vietnamese header, as provinces write them, and an English one (the field name);
either is accepted, in any case and order.  A cell is turned into the value the inventory model
takes (:func:`convert`); what the cell cannot be is a :class:`CellError` naming the reason.

The plan of a risk, its responder, the commune's focal point and team are optional columns: a
province starts with many communes without plans.  A row's plan cells (``PA phần mềm: ...``) left
blank mean no plan for that risk; ``trạng thái`` says ``dự thảo`` for a draft.  The focal point
and team go to the commune's entry (``response_teams``), once per commune.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from collector.inventory.model import RISKS
from collector.inventory.readiness import PLAN_STATUS_NAMES, RISK_LEVEL_NAMES
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
# A cell of the drills' communes that means every site of the province.
ALL_SITES = frozenset({"tất cả", "toàn tỉnh", "all", "all sites"})


def normalise(header: str) -> str:
    """Header text as compared: NFC, case-folded, single spaces, no trailing colon."""
    text = unicodedata.normalize("NFC", str(header)).casefold()
    return " ".join(text.split()).rstrip(":").strip()


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


def _one_of(
    names: dict[str, tuple[str, str]], what: str, extra: dict[str, str] | None = None
) -> Callable[[Any], str]:
    """A cell naming one of ``names`` by its key, Vietnamese or English name (or a word of
    ``extra``), in any case."""
    words = {normalise(k): k for k in names}
    words |= {normalise(vi): k for k, (vi, _en) in names.items()}
    words |= {normalise(en): k for k, (_vi, en) in names.items()}
    words |= {normalise(w): k for w, k in (extra or {}).items()}
    shown = f"{', '.join(vi for vi, _en in names.values())} ({', '.join(names)})"

    def convert(value: Any) -> str:
        found = words.get(normalise(_text(value)))
        if found is None:
            raise CellError(f"'{_text(value)}' is not a {what}; use: {shown}")
        return found

    return convert


_plan_status = _one_of(PLAN_STATUS_NAMES, "plan status", {"đã duyệt": "approved"})
_risk_level = _one_of(RISK_LEVEL_NAMES, "risk level")
_result = _one_of(
    {"passed": ("đạt", "pass"), "partial": ("đạt một phần", "partial"),
     "failed": ("không đạt", "fail")},
    "drill result",
)  # fmt: skip


def _risk(word: str) -> str:
    key = {normalise(v): k for k, v in RISK_VI.items()} | {k: k for k in RISKS}
    found = key.get(normalise(word))
    if found is None:
        raise CellError(f"'{word}' is not a risk; use: {', '.join(RISK_VI.values())}")
    return found


def _risks(value: Any) -> list[str]:
    return list(dict.fromkeys(_risk(w) for w in re.split(r"[,;\n]", _text(value)) if w.strip()))


def _count(value: Any) -> int:
    number = _number(value)
    if not number.is_integer():
        raise CellError(f"'{_text(value)}' is not a whole number")
    return int(number)


def _names(value: Any) -> list[str]:
    """``Lý Thị Hoa; Đinh Văn Sơn`` (one a line in a cell works too)."""
    return [n.strip() for n in re.split(r"[;\n]", _text(value)) if n.strip()]


def _communes(value: Any) -> list[str] | bool:
    """Commune codes (``23527, 23534``), or ``tất cả``: every site (True)."""
    if normalise(_text(value)) in ALL_SITES:
        return True
    return [_commune_code(w.strip()) for w in re.split(r"[,;\s]+", _text(value)) if w.strip()]


def _members(value: Any) -> list[dict[str, str]]:
    """``Họ tên, chức vụ, điện thoại`` per member, members apart by ``;`` or a new line; the
    position may be left out (``Họ tên, điện thoại``)."""
    found: list[dict[str, str]] = []
    for entry in _names(value):
        parts = [p.strip() for p in entry.split(",") if p.strip()]
        if len(parts) < 2:
            raise CellError(
                f"'{entry}': write each member as 'Họ tên, chức vụ, điện thoại' "
                "(name, position, phone), members apart by ';'"
            )
        member = {"name": parts[0], "phone": parts[-1]}
        if len(parts) > 2:
            member["role"] = ", ".join(parts[1:-1])
        found.append(member)
    return found


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
        vi, here = RISK_VI[risk], ("contingency", risk)
        columns += [
            Column(f"{risk}_status", f"PA {vi}: trạng thái", (*here, "status"), _plan_status),
            Column(f"{risk}_approved_on", f"PA {vi}: ngày duyệt", (*here, "approved_on"), _date),
            Column(f"{risk}_decision", f"PA {vi}: số quyết định", (*here, "decision")),
            Column(f"{risk}_file_sha256", f"PA {vi}: SHA-256 tệp", (*here, "file_sha256")),
            Column(f"{risk}_risk_level", f"PA {vi}: cấp độ rủi ro", (*here, "risk_level"),
                   _risk_level),
            Column(f"{risk}_fallback", f"PA {vi}: dự phòng", (*here, "fallback", "text")),
        ]  # fmt: skip
    return columns


TEAM = "response_team"  # a row's team cells, moved to the commune's entry by the importer


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
    Column("responder_name", "Người phụ trách", ("responder", "name"), _text),
    Column("responder_phone", "Điện thoại", ("responder", "phone"), _phone),
    Column("responder_confirmed_on", "Ngày xác nhận", ("responder", "confirmed_on"), _date),
    *_risk_columns(),
    Column("focal_point_name", "Đầu mối: họ tên", (TEAM, "focal_point", "name")),
    Column("focal_point_phone", "Đầu mối: điện thoại", (TEAM, "focal_point", "phone"), _phone),
    Column("focal_point_role", "Đầu mối: chức vụ", (TEAM, "focal_point", "role")),
    Column("focal_point_confirmed_on", "Đầu mối: ngày xác nhận",
           (TEAM, "focal_point", "confirmed_on"), _date),
    Column("team_members", "Đội ứng cứu: thành viên", (TEAM, "members"), _members),
    Column("team_decision", "Đội ứng cứu: quyết định", (TEAM, "decision")),
)  # fmt: skip

# The sheet of drills the province held for many communes (a sheet named "Diễn tập" of the
# workbook, or a file of its own): one row per drill.
DRILL_COLUMNS: tuple[Column, ...] = (
    Column("held_on", "Ngày diễn tập", ("held_on",), _date, True),
    Column("result", "Kết quả", ("result",), _result, True),
    Column("risks", "Rủi ro", ("risks",), _risks),
    Column("communes", "Xã tham gia", ("communes",), _communes, True),
    Column("participants", "Số người tham gia", ("participants", "count"), _count),
    Column("participant_names", "Người tham gia", ("participants", "names"), _names),
    Column("minutes", "Biên bản số", ("minutes", "reference")),
    Column("minutes_sha256", "Biên bản: SHA-256", ("minutes", "sha256")),
    Column("scope", "Nội dung diễn tập", ("scope",)),
    Column("organiser", "Đơn vị chủ trì", ("organiser",)),
)
DRILL_SHEETS = frozenset({"diễn tập", "drills"})  # the workbook's sheet of drills, normalised


def by_header(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {**{normalise(c.vi): c for c in columns}, **{normalise(c.key): c for c in columns}}


BY_HEADER: dict[str, Column] = by_header(COLUMNS)
DRILL_BY_HEADER: dict[str, Column] = by_header(DRILL_COLUMNS)


def convert(column: Column, value: Any) -> Any:
    """The cell's value for the model; raises :class:`CellError`."""
    return column.convert(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
