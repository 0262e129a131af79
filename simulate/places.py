"""Where the simulated sites are: communes of one province, and plausible coordinates.

Names and codes are the official ones (``sansang.communes``, QĐ 19/2025/QĐ-TTg).  Coordinates are
NOT the communes' real locations: each is a point drawn (from the commune code, so a commune keeps
its point) inside a rough box of the area it belongs to.  For Quảng Ngãi (51) the boxes follow
the two provinces it was merged from: the former Kon Tum (codes 23xxx: the Tây Nguyên plateau and
the Ngọc Linh range, west) and the former Quảng Ngãi (codes 21xxx and 22xxx: the coastal plain,
with its mountain districts to the west); Lý Sơn is an island.  Other provinces get a box around
the province's rough centre.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from sansang import communes
from sansang.communes import Commune

# Seed 003, footnote 1 (Công văn 472/SKHCN-BCVT&CĐS, 27/7/2025): the 20 communes of Quảng Ngãi
# still without a terminal able to join the province's video conferences (HNTH).
FOOTNOTE_PROVINCE = "51"
FOOTNOTE_COMMUNES: tuple[str, ...] = (
    "Xã Ba Động", "Xã Ba Xa", "Xã Ba Vì", "Xã Sơn Mai", "Xã Sơn Kỳ", "Phường Đăk Cấm",
    "Xã Ngọk Bay", "Xã Đăk Rơ Wa", "Xã Ia Chim", "Xã Dục Nông", "Xã Xốp", "Xã Ngọc Linh",
    "Xã Đăk Plô", "Xã Đăk Môn", "Xã Ya Ly", "Xã Đăk Kôi", "Xã Đăk Rve", "Xã Măng Bút",
    "Xã Kon Plông", "Xã Rờ Kơi",
)  # fmt: skip

# (lat_min, lat_max, lon_min, lon_max): rough boxes, see the module docstring.
_KON_TUM = (14.05, 15.30, 107.50, 108.40)
_QUANG_NGAI_WEST = (14.55, 15.30, 108.30, 108.65)  # Ba Tơ, Sơn Hà, Sơn Tây, Trà Bồng, Minh Long
_QUANG_NGAI_PLAIN = (14.60, 15.35, 108.65, 108.95)
_LY_SON = (15.37, 15.39, 109.09, 109.14)
# Former Quảng Ngãi communes in the western mountains, by the start of their name.
_QN_UPLAND_PREFIXES = ("Ba ", "Sơn Hà", "Sơn Hạ", "Sơn Kỳ", "Sơn Linh", "Sơn Mai", "Sơn Thủy",
                       "Sơn Tây", "Trà ", "Tây Trà", "Đông Trà", "Thanh Bồng", "Cà Đam",
                       "Minh Long", "Long Phụng", "Đặng Thùy Trâm")  # fmt: skip


@dataclass(frozen=True)
class Place:
    commune: Commune
    latitude: float
    longitude: float
    upland: bool  # mountains or plateau: where the afternoon power cuts and dead zones are


def fold(name: str) -> str:
    """A name for matching: no diacritics, ``đ`` as ``d``, lower case, single spaces."""
    text = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().split())


def province_communes(province: str) -> list[Commune]:
    """The official communes of the province, by code."""
    found = [communes.lookup(code) for code in communes.all_codes()]
    return [c for c in found if c is not None and c.province_code == province]


def match_footnote(province: str) -> tuple[list[Commune], list[str]]:
    """The footnote's communes found in the province's official list (by name, diacritics and
    case aside), and the names that match none there."""
    if province != FOOTNOTE_PROVINCE:
        return [], []
    by_name = {fold(c.name): c for c in province_communes(province)}
    matched, unmatched = [], []
    for name in FOOTNOTE_COMMUNES:
        commune = by_name.get(fold(name))
        if commune is None:
            unmatched.append(name)
        else:
            matched.append(commune)
    return matched, unmatched


def _unit(code: str, what: str) -> float:
    digest = hashlib.blake2b(f"{code}/{what}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _box(c: Commune) -> tuple[tuple[float, float, float, float], bool]:
    bare = c.name.split(" ", 1)[1] if " " in c.name else c.name
    if c.province_code != "51":
        return _generic_box(c.province_code), not c.name.startswith("Phường")
    if c.name.startswith("Đặc khu"):
        return _LY_SON, False
    if c.code.startswith("23"):
        return _KON_TUM, not c.name.startswith("Phường")
    if bare.startswith(_QN_UPLAND_PREFIXES):
        return _QUANG_NGAI_WEST, True
    return _QUANG_NGAI_PLAIN, False


def _generic_box(province: str) -> tuple[float, float, float, float]:
    """A box of about 1° inside Vietnam for a province this module has no area for."""
    lat = 10.0 + 12.0 * _unit(province, "lat")
    lon = 104.5 + 4.0 * _unit(province, "lon")
    return (lat - 0.4, lat + 0.4, lon - 0.4, lon + 0.4)


def place(c: Commune) -> Place:
    (lat0, lat1, lon0, lon1), upland = _box(c)
    lat = lat0 + (lat1 - lat0) * _unit(c.code, "lat")
    lon = lon0 + (lon1 - lon0) * _unit(c.code, "lon")
    return Place(c, round(lat, 4), round(lon, 4), upland)
