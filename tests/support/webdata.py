"""Hand-built inventories and evaluations for the web UI's tests and its benchmark.

``inventory(codes)`` makes a site per commune code (coordinates spread deterministically over
the province's real area when the code is in Quảng Ngãi, else over Vietnam), and
``evaluation(inventory, status_of)`` a finding for every site and evaluated target with a
figure in the target's unit.  No randomness: the same call gives the same board.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from collector.evaluate.model import (
    STATUSES,
    Evaluation,
    Evidence,
    Finding,
    Status,
    TargetRollup,
    Window,
)
from collector.inventory.model import Inventory, ProvinceRef, Push, Site, Terminal, Ups
from collector.targets import Catalogue
from sansang import communes

T_END = 1_780_000_000.0  # 2026-05-28
WINDOW = Window(T_END - 30 * 86400, T_END)

# What each evaluated target measures, and a figure that meets it or not.
UNITS: dict[str, tuple[str, float, float]] = {
    # target: (unit, value when met, value when not met)
    "INF-BW": ("Mbit/s", 148.0, 48.0),
    "INF-LINK": ("ratio", 0.9985, 0.962),
    "INF-DZ": ("Mbit/s", 35.0, 3.5),
    "INF-PWR": ("outages", 1.0, 6.0),
    "INF-HNTH": ("ratio", 0.991, 0.41),
    "INF-EQUIP": ("ratio", 0.978, 0.87),
    "OPS-247": ("ratio", 0.9991, 0.982),
}


# The threshold of the targets not measured as a ratio or an outage count.
THRESHOLDS: dict[str, float] = {"INF-BW": 100, "INF-DZ": 10}


def quang_ngai_codes(n: int) -> list[str]:
    """The first ``n`` official communes of Quảng Ngãi (province code 51)."""
    found = sorted(c.code for c in communes._index().values() if c.province_code == "51")
    return found[:n]


def site(code: str, i: int, lat: float, lon: float) -> Site:
    commune = communes.lookup(code)
    assert commune is not None
    return Site(
        commune_code=code,
        name=f"Bộ phận một cửa {commune.name}",
        latitude=lat,
        longitude=lon,
        links=["internet", "tslcd"] if i % 3 else ["mobile"],
        push=Push(credential_id=f"site-{code}"),
        terminals=[
            Terminal(
                id="counter-1", name="Quầy 1", kind="counter_pc", address=f"10.51.{i % 250}.11"
            ),
            Terminal(id="hnth", name="Điểm cầu HNTH", kind="video_conference", address="10.0.0.9"),
        ],
        ups=[Ups(id="ups-1", model="APC Back-UPS 1100", rated_minutes=25)],
        contingency={},
    )


def inventory(codes: Sequence[str]) -> Inventory:
    """A site per code; Quảng Ngãi's spread over 14.5–15.4°N, 108.2–109.0°E (its real area)."""
    sites = []
    province = set(quang_ngai_codes(10_000))
    for i, code in enumerate(codes):
        in_qn = code in province
        row, col = divmod(i, 7)
        if in_qn:
            lat = 14.55 + (row * 0.11 + (i * 37 % 11) * 0.013) % 0.85
            lon = 108.25 + col * 0.11 + (i * 53 % 7) * 0.012
        else:
            lat = 8.6 + (i * 0.61803 % 1) * 14.5
            lon = 103.0 + (i * 0.41421 % 1) * 6.4
        sites.append(site(code, i, round(lat, 4), round(lon, 4)))
    return Inventory(province=ProvinceRef(code="51", name="Quảng Ngãi"), sites=sites)


def pattern(i: int, j: int) -> Status:
    """6 of 10 cells met, 3 not met, 1 unknown, spread over rows and columns."""
    k = (i * 7 + j * 3) % 10
    return "met" if k < 6 else "not_met" if k < 9 else "unknown"


_VI = {"met": "đạt", "not_met": "không đạt", "unknown": "thiếu số liệu"}


def finding(key: str, target: str, status: Status) -> Finding:
    unit, good, bad = UNITS.get(target, ("ratio", 0.99, 0.5))
    value = None if status == "unknown" else good if status == "met" else bad
    return Finding(
        target=target,
        site=key,
        status=status,
        value=value,
        threshold=0.99
        if unit == "ratio"
        else 4
        if unit == "outages"
        else THRESHOLDS.get(target, 100),
        unit=unit,
        window=WINDOW,
        vi=f"{target}: {_VI[status]}",
        en=f"{target}: {status}",
        evidence=(
            Evidence("events", "3 lần mất điện", "3 outages", (f"{key}/j1/4", f"{key}/j1/9")),
        ),
        cause="power" if status == "not_met" else None,
    )


def evaluation(
    inv: Inventory, catalogue: Catalogue, status_of: Callable[[int, int], Status] = pattern
) -> Evaluation:
    targets = [t.id for t in catalogue.targets if t.status == "evaluated" and t.scope == "site"]
    findings = [
        finding(s.key, target, status_of(i, j))
        for i, s in enumerate(inv.sites)
        for j, target in enumerate(targets)
    ]
    rollups = [
        TargetRollup(
            target,
            *(sum(f.target == target and f.status == s for f in findings) for s in STATUSES),
        )
        for target in targets
    ]
    return Evaluation(T_END, WINDOW, findings, rollups)
