"""What every rule shares: reading thresholds, building findings and their evidence."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from collector.evaluate.model import (
    Cause,
    Evidence,
    Finding,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.events import StoredEvent
from collector.targets import ThresholdValue

MAX_REFS = 20  # event refs kept per piece of evidence; the count says how many there were
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
Details = dict[str, float | int | str | None]

CAUSE_VI: dict[Cause, str] = {
    "power": "mất điện",
    "link": "đứt đường truyền",
    "device": "thiết bị hoặc dịch vụ đích",
    "central": "sự cố tập trung",
    "agent": "tác tử ngừng chạy",
    "unknown": "chưa rõ nguyên nhân",
}
CAUSE_EN: dict[Cause, str] = {
    "power": "power cut",
    "link": "link down",
    "device": "device or target service",
    "central": "central outage",
    "agent": "agent stopped",
    "unknown": "cause unknown",
}


def number(thresholds: Thresholds, name: str, default: float) -> float:
    value = thresholds.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def names(thresholds: Thresholds, name: str, default: Sequence[str]) -> list[str]:
    value = thresholds.get(name)
    if isinstance(value, list):
        return [str(v) for v in value]
    return list(default)


def events_evidence(events: Sequence[StoredEvent], vi: str, en: str) -> Evidence:
    """Evidence naming at most :data:`MAX_REFS` events; the sentences should give the count."""
    return Evidence("events", vi, en, tuple(e.ref for e in events[:MAX_REFS]))


def refs_note(count: int) -> tuple[str, str]:
    """`` (20 trên 57 sự kiện)``: said when the evidence was cut to :data:`MAX_REFS`."""
    if count <= MAX_REFS:
        return f" ({count} sự kiện)", f" ({count} events)"
    return f" ({MAX_REFS} trên {count} sự kiện)", f" ({MAX_REFS} of {count} events)"


def finding(
    target: str,
    inputs: SiteInputs,
    window: Window,
    status: Status,
    *,
    value: float | None,
    threshold: ThresholdValue | None,
    unit: str,
    vi: str,
    en: str,
    evidence: Iterable[Evidence] = (),
    cause: Cause | None = None,
    details: Mapping[str, float | int | str | None] | None = None,
) -> Finding:
    return Finding(
        target=target,
        site=inputs.site.key,
        status=status,
        value=value,
        threshold=threshold,
        unit=unit,
        window=window,
        vi=vi,
        en=en,
        evidence=tuple(evidence),
        cause=cause if status == "not_met" else None,
        details=dict(details or {}),
    )


def local_time(t: float) -> str:
    """``28/05 10:15`` in Vietnam's time, for sentences."""
    return datetime.fromtimestamp(t, UTC).astimezone(ZONE).strftime("%d/%m %H:%M")


def duration_vi(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} phút"
    return f"{seconds / 3600:.1f} giờ".replace(".", ",")


def duration_en(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{seconds / 3600:.1f} h"


def percent(ratio: float) -> str:
    """``99,2 %``: Vietnamese decimal comma."""
    return f"{ratio * 100:.1f} %".replace(".", ",")


def percent_en(ratio: float) -> str:
    return f"{ratio * 100:.1f} %"


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def mbit(bytes_per_second: float) -> float:
    """Bytes per second (the agent's unit) to Mbit/s (the thresholds' unit)."""
    return bytes_per_second * 8 / 1e6


def fmt(value: float) -> str:
    """``12,5``: one decimal, Vietnamese decimal comma."""
    return f"{value:.1f}".replace(".", ",")


def fmt_en(value: float) -> str:
    return f"{value:.1f}"


def plural(n: int, word: str) -> str:
    """``1 outage``, ``3 outages`` (English sentences)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
