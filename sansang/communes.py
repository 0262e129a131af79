"""Official administrative units (QĐ 19/2025/QĐ-TTg), from the ``vietnam-provinces`` package.

Since 1/7/2025 Vietnam has 34 provinces and 3,321 communes (xã, phường, đặc khu).  A commune code
is 5 digits (zero-padded), a province code 2 digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from vietnam_provinces import Province, Ward


@dataclass(frozen=True)
class Commune:
    code: str  # 5 digits, zero-padded
    name: str  # "Xã Sa Thầy"
    province_code: str  # 2 digits
    province_name: str


@cache
def _index() -> dict[str, Commune]:
    provinces = {int(p.code): p.name for p in Province.iter_all()}
    return {
        f"{int(w.code):05d}": Commune(
            code=f"{int(w.code):05d}",
            name=w.name,
            province_code=f"{int(w.province_code):02d}",
            province_name=provinces[int(w.province_code)],
        )
        for w in Ward.iter_all()
    }


def lookup(code: str) -> Commune | None:
    """The commune with this 5-digit code, or None when the official list has no such code."""
    return _index().get(code)


def count() -> int:
    return len(_index())


def all_codes() -> list[str]:
    """Every official commune code, in order."""
    return sorted(_index())


@cache
def _provinces() -> dict[str, str]:
    return {f"{int(p.code):02d}": str(p.name) for p in Province.iter_all()}


def province_name(code: str) -> str | None:
    """The official name of the province with this 2-digit code, or None."""
    return _provinces().get(code)


def check_province_code(value: Any) -> str:
    """``value`` as an official 2-digit province code, or ValueError saying what is wrong."""
    if not isinstance(value, str) or not (len(value) == 2 and value.isdigit()):
        raise ValueError(
            f"{value!r} is not a 2-digit province code; write it quoted, e.g. '51' or '01'"
        )
    if province_name(value) is None:
        raise ValueError(f"province code '{value}' is not in the official list of provinces")
    return value


def check_code(value: Any) -> str:
    """``value`` as an official commune code, or ValueError saying what is wrong (the agent's
    config and the collector's inventory share these messages)."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"write the commune code as a quoted 5-digit string, e.g. '{value:05d}'")
    if not isinstance(value, str) or not (len(value) == 5 and value.isdigit()):
        raise ValueError(
            f"'{value}' is not a 5-digit commune code (keep the leading zeros, e.g. '02020')"
        )
    if lookup(value) is None:
        raise ValueError(
            f"commune code '{value}' is not in the official list of {count()} communes "
            "(QĐ 19/2025/QĐ-TTg)"
        )
    return value
