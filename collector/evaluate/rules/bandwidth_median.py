"""INF-BW: the median of the window's throughput tests against the minimum, Internet and the
government WAN (TSLCD, truyền số liệu chuyên dùng) apart.

``speedtest_result`` events with state ``ok``; ``download_bps``/``upload_bps`` are BYTES per second
(the agent's unit), thresholds Mbit/s.  A test's ``link_kind`` says which line carried it; a test
over the default route (no kind) counts as Internet.  Each line the inventory lists (``internet``,
``tslcd``) is held against its own thresholds; a site with neither (mobile only) is held against
the Internet figures with its mobile tests.  Fewer than ``min_tests`` tests on a line: unknown.
The value is the worst ratio median/minimum (below 1: not met); details carry every figure.
"""

from __future__ import annotations

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
    statuses: list[Status] = []
    ratios: list[float] = []
    vi_parts: list[str] = []
    en_parts: list[str] = []
    used: list[StoredEvent] = []
    for prefix, kind in _lines(inputs):
        got = measured.get(kind, Throughput(None, None, ()))
        used += got.tests
        details[f"{prefix}_tests"] = len(got.tests)
        line_vi = LINE_VI[kind]
        if len(got.tests) < min_tests:
            statuses.append("unknown")
            vi_parts.append(f"{line_vi}: mới có {len(got.tests)} lần đo (cần {min_tests})")
            en_parts.append(f"{kind}: {len(got.tests)} tests (needs {min_tests})")
            continue
        for way, value in (("download", got.download_mbps), ("upload", got.upload_mbps)):
            minimum = number(thresholds, f"{prefix}_{way}_mbps")
            details[f"{prefix}_{way}_mbps"] = round(value, 2) if value is not None else None
            details[f"{prefix}_{way}_min_mbps"] = minimum
            if value is None or minimum <= 0:
                statuses.append("unknown" if value is None else "met")
                continue
            ratios.append(value / minimum)
            statuses.append("met" if value >= minimum else "not_met")
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
    status: Status = (
        "not_met" if "not_met" in statuses else "unknown" if "unknown" in statuses else "met"
    )
    head_vi = {"met": "Băng thông đạt", "not_met": "Băng thông thấp", "unknown": "Chưa đủ số đo"}
    head_en = {"met": "Bandwidth meets", "not_met": "Bandwidth low", "unknown": "Too few tests"}
    note_vi, note_en = refs_note(len(used))
    used.sort(key=lambda e: e.wall_time)
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=round(min(ratios), 4) if ratios else None,
        threshold=1.0,
        unit="ratio",
        vi=f"{head_vi[status]} (trung vị): " + "; ".join(vi_parts),
        en=f"{head_en[status]} (median): " + "; ".join(en_parts),
        evidence=[events_evidence(used, "Các lần đo tốc độ" + note_vi, "Speed tests" + note_en)]
        if used
        else [],
        cause="link",
        details=details,
    )


def _mb(value: float | None, lang: i18n.Lang) -> str:
    """A figure in Mbit/s to one decimal; ``?`` when there is none."""
    return "?" if value is None else i18n.number(value, 1, lang)


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
