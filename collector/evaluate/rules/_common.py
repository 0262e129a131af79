"""What every rule shares: reading thresholds, building findings and their evidence."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

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
from sansang import i18n

MAX_REFS = 20  # event refs kept per piece of evidence; the count says how many there were
Details = dict[str, float | int | str | None]


def threshold(thresholds: Thresholds, name: str) -> ThresholdValue:
    """A threshold of the target's catalogue block, with the province's override.  No fallback:
    the catalogue is the one place a value is written (loading it checks that every evaluated
    target declares each name its rule reads), so a value in code could only contradict it."""
    try:
        return thresholds[name]
    except KeyError:
        message = f"threshold '{name}' is not declared in the target's catalogue block"
        raise KeyError(message) from None


def number(thresholds: Thresholds, name: str) -> float:
    value = threshold(thresholds, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"threshold '{name}' is {value!r}, not a number")
    return float(value)


def names(thresholds: Thresholds, name: str) -> list[str]:
    value = threshold(thresholds, name)
    if not isinstance(value, list):
        raise TypeError(f"threshold '{name}' is {value!r}, not a list")
    return [str(v) for v in value]


def flag(thresholds: Thresholds, name: str) -> bool:
    value = threshold(thresholds, name)
    if not isinstance(value, bool):
        raise TypeError(f"threshold '{name}' is {value!r}, not true or false")
    return value


def text(thresholds: Thresholds, name: str) -> str:
    value = threshold(thresholds, name)
    if not isinstance(value, str):
        raise TypeError(f"threshold '{name}' is {value!r}, not text")
    return value


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
    return i18n.local(t).strftime("%d/%m %H:%M")


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def mbit(bytes_per_second: float) -> float:
    """Bytes per second (the agent's unit) to Mbit/s (the thresholds' unit)."""
    return bytes_per_second * 8 / 1e6


def plural(n: int, word: str) -> str:
    """``1 outage``, ``3 outages`` (English sentences)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
