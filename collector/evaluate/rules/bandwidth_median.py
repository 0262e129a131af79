"""INF-BW: the median of the window's throughput tests against the minimum, Internet and the
government WAN (TSLCD, truyền số liệu chuyên dùng) apart.

``speedtest_result`` events with state ``ok``; ``download_bps``/``upload_bps`` are BYTES per second
(the agent's unit), thresholds Mbit/s.  A test's ``link_kind`` says which line carried it; a test
over the default route (no kind) counts as Internet.  Each line the inventory lists (``internet``,
``tslcd``) is held against its own thresholds; a site with neither (mobile only) is held against
the Internet figures with its mobile tests.  Fewer than ``min_tests`` tests on a line: unknown.

The finding's value, threshold and unit are the one figure that decided it, as a person reads it
(:class:`Decider`): not met, the median furthest below its minimum (the lowest median/minimum),
in Mbit/s against that minimum; unknown, the line with the fewest tests against ``min_tests``
(``tests``), or a median with no figure (Mbit/s, value none); met, the median closest to its
minimum.  Details carry every figure and ``decided_by`` names the one given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from collector.evaluate.model import Finding, RuleEntry, SiteInputs, Status, Thresholds, Window
from collector.evaluate.rules._common import (
    events_evidence,
    finding,
    mbit,
    median,
    number,
    refs_note,
)
from collector.evaluate.timeline import SiteIndex, site_index
from collector.events import StoredEvent
from sansang import i18n

TARGET = "INF-BW"
KINDS = ("speedtest_result",)
LINE_VI = {"internet": "Internet", "tslcd": "mạng TSLCD", "mobile": "di động"}


@dataclass(frozen=True)
class Throughput:
    """The medians of one line's tests, Mbit/s."""

    download_mbps: float | None
    upload_mbps: float | None
    tests: Sequence[StoredEvent]


@dataclass(frozen=True)
class Decider:
    """A figure the verdict may rest on: a median against its minimum, or a test count."""

    name: str  # e.g. "tslcd_upload", "internet_tests"
    status: Status
    value: float | None
    threshold: float
    unit: str  # "Mbit/s" or "tests"

    @property
    def ratio(self) -> float:
        """How far the figure is from its threshold: below 1 it misses it."""
        if self.value is None or self.threshold <= 0:
            return float("inf") if self.value is not None else 0.0
        return self.value / self.threshold


def decisive(deciders: Sequence[Decider], status: Status) -> Decider | None:
    """The figure that decided ``status``: the furthest below (or, met, closest to) its
    threshold among those with that status."""
    same = [d for d in deciders if d.status == status]
    return min(same, key=lambda d: (d.ratio, d.name), default=None)


def _figure(e: StoredEvent, name: str) -> float | None:
    value = e.details.get(name)
    return mbit(float(value)) if isinstance(value, int | float) and value >= 0 else None


def throughput(index: SiteIndex) -> dict[str, Throughput]:
    """Medians per ``link_kind`` (``internet`` for the default route) of the window's ok tests."""
    found = index.memo.get("throughput")
    if isinstance(found, dict):
        return found
    by_kind: dict[str, list[StoredEvent]] = {}
    for e in index.kind("speedtest_result"):
        if e.state == "ok":
            kind = e.details.get("link_kind")
            key = kind if isinstance(kind, str) and kind != "other" else "internet"
            by_kind.setdefault(key, []).append(e)
    result: dict[str, Throughput] = {}
    for kind, tests in by_kind.items():
        downs = [v for e in tests if (v := _figure(e, "download_bps")) is not None]
        ups = [v for e in tests if (v := _figure(e, "upload_bps")) is not None]
        result[kind] = Throughput(median(downs), median(ups), tests)
    index.memo["throughput"] = result
    return result


def _lines(inputs: SiteInputs) -> list[tuple[str, str]]:
    """(threshold prefix, link kind of the tests) of each line to hold against its minimum."""
    links = inputs.site.links
    lines: list[tuple[str, str]] = [(k, k) for k in ("internet", "tslcd") if k in links]
    return lines or [("internet", "mobile")]


def bandwidth_median(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    min_tests = int(number(thresholds, "min_tests"))
    measured = throughput(site_index(inputs))
    details: dict[str, float | int | str | None] = {}
    deciders: list[Decider] = []
    vi_parts: list[str] = []
    en_parts: list[str] = []
    used: list[StoredEvent] = []
    for prefix, kind in _lines(inputs):
        got = measured.get(kind, Throughput(None, None, ()))
        used += got.tests
        details[f"{prefix}_tests"] = len(got.tests)
        line_vi = LINE_VI[kind]
        if len(got.tests) < min_tests:
            count = float(len(got.tests))
            deciders.append(Decider(f"{prefix}_tests", "unknown", count, min_tests, "tests"))
            vi_parts.append(f"{line_vi}: mới có {len(got.tests)} lần đo (cần {min_tests})")
            en_parts.append(f"{kind}: {len(got.tests)} tests (needs {min_tests})")
            continue
        for way, value in (("download", got.download_mbps), ("upload", got.upload_mbps)):
            minimum = number(thresholds, f"{prefix}_{way}_mbps")
            details[f"{prefix}_{way}_mbps"] = round(value, 2) if value is not None else None
            details[f"{prefix}_{way}_min_mbps"] = minimum
            met: Status = "unknown" if value is None else "met" if value >= minimum else "not_met"
            deciders.append(Decider(f"{prefix}_{way}", met, value, minimum, "Mbit/s"))
        vi_parts.append(
            f"{line_vi}: tải xuống {_mb(got.download_mbps, 'vi')}, "
            f"tải lên {_mb(got.upload_mbps, 'vi')} Mbit/s "
            f"(tối thiểu {_mb(number(thresholds, f'{prefix}_download_mbps'), 'vi')}/"
            f"{_mb(number(thresholds, f'{prefix}_upload_mbps'), 'vi')})"
        )
        en_parts.append(
            f"{kind}: {_mb(got.download_mbps, 'en')} down, "
            f"{_mb(got.upload_mbps, 'en')} up Mbit/s "
            f"(minimum {_mb(number(thresholds, f'{prefix}_download_mbps'), 'en')}/"
            f"{_mb(number(thresholds, f'{prefix}_upload_mbps'), 'en')})"
        )
    statuses = {d.status for d in deciders}
    status: Status = (
        "not_met" if "not_met" in statuses else "unknown" if "unknown" in statuses else "met"
    )
    decider = decisive(deciders, status)
    details["decided_by"] = decider.name if decider else None
    head_vi = {"met": "Băng thông đạt", "not_met": "Băng thông thấp", "unknown": "Chưa đủ số đo"}
    head_en = {"met": "Bandwidth meets", "not_met": "Bandwidth low", "unknown": "Too few tests"}
    note_vi, note_en = refs_note(len(used))
    used.sort(key=lambda e: e.wall_time)
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=decider.value if decider else None,
        threshold=decider.threshold if decider else None,
        unit=decider.unit if decider else "Mbit/s",
        vi=f"{head_vi[status]} (trung vị): " + "; ".join(vi_parts),
        en=f"{head_en[status]} (median): " + "; ".join(en_parts),
        evidence=[events_evidence(used, "Các lần đo tốc độ" + note_vi, "Speed tests" + note_en)]
        if used
        else [],
        cause="link",
        details=details,
    )


def _mb(value: float | None, lang: i18n.Lang) -> str:
    """A figure in Mbit/s cut to one decimal (never rounded up to the minimum it misses);
    ``?`` when there is none."""
    return "?" if value is None else i18n.number(math.floor(value * 10) / 10, 1, lang)


RULE = RuleEntry(
    bandwidth_median,
    KINDS,
    frozenset(
        {
            "internet_download_mbps",
            "internet_upload_mbps",
            "tslcd_download_mbps",
            "tslcd_upload_mbps",
            "min_tests",
        }
    ),
)
