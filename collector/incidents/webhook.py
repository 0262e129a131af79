"""Alertmanager's webhook notification (version 4), checked before any incident is touched.

Alertmanager POSTs ``{"version": "4", "status", "receiver", "groupKey", "alerts": [{"status",
"labels", "annotations", "startsAt", "endsAt", "fingerprint", ...}], ...}``.  Two levels of
"wrong":

- the notification is not one (not an object, no ``alerts`` list, an alert whose fields have the
  wrong types, a time that is not RFC 3339, more than :data:`MAX_ALERTS` alerts):
  :class:`BadNotification` listing every problem with its path; nothing is stored (HTTP 400:
  Alertmanager does not retry a 4xx, and a sender that is not Alertmanager learns why);
- a well-formed alert that cannot become an incident is skipped with its reason
  (:class:`Skipped`) while the others are taken: an alert of no incident kind (a target not met,
  a certificate about to expire, an alert unknown to the catalogue), a site not in the
  inventory, a start more than :data:`MAX_SKEW` in the future or older than :data:`MAX_AGE` (Go's
  zero time ``0001-01-01`` included), a resolved alert without an end or ending before it began.
  A confidently wrong incident is worse than none: nothing is guessed.  A resolved alert whose
  end is in the future (clocks apart) ends now: it is over, that much is known.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collector.incidents.model import PROVINCE_WIDE_KINDS, SEVERITIES, AlertSignal
from sansang.errors import SansangError

MAX_ALERTS = 500  # in one notification (the deploy's receivers group per alertname and site)
MAX_SKEW = 300.0  # seconds a start may lie ahead of the collector's clock
MAX_AGE = 366 * 86400.0  # an alert that started longer ago than this is not believed
SUMMARY_MAX = 300
SUBJECT_LABELS = ("service", "terminal")  # a thing at the site that fails on its own
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{1,64}$")
_MAX_LABEL = 1024  # characters of one label or annotation value kept for checking


class BadNotification(SansangError, ValueError):
    """Not an Alertmanager notification; ``problems``: ``(path, message)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in problems))


@dataclass(frozen=True)
class Skipped:
    """A well-formed alert that opens or closes nothing, and why (English, for the answer)."""

    index: int
    alertname: str
    reason: str


@dataclass(frozen=True)
class Notification:
    signals: tuple[AlertSignal, ...]
    skipped: tuple[Skipped, ...]


def rfc3339(text: str) -> float:
    """Unix seconds of ``2026-12-07T10:00:00.123456789Z`` (nanoseconds cut to microseconds)."""
    if not _TIME.match(text):
        raise ValueError(f"not an RFC 3339 time: {text[:40]!r}")
    head, frac, zone = text[:19], "", text[19:]
    if zone.startswith("."):
        digits = re.match(r"\.(\d+)", zone)
        assert digits is not None
        frac, zone = "." + digits.group(1)[:6], zone[digits.end() :]
    when = datetime.fromisoformat(head + frac + ("+00:00" if zone == "Z" else zone))
    return when.timestamp()


def parse(
    body: Any,
    *,
    now: float,
    kinds: Mapping[str, str],
    sites: Collection[str],
) -> Notification:
    """The notification's alerts as signals; ``kinds`` maps an alert name to its incident kind
    (only the alerts that are incidents), ``sites`` are the inventory's keys."""
    alerts = _shape(body)
    signals: list[AlertSignal] = []
    skipped: list[Skipped] = []
    problems: list[tuple[str, str]] = []
    for i, alert in enumerate(alerts):
        try:
            fields = _fields(alert, f"alerts[{i}]")
        except BadNotification as bad:
            problems += bad.problems
            continue
        signal_or_reason = _signal(fields, now, kinds, sites)
        if isinstance(signal_or_reason, str):
            skipped.append(Skipped(i, fields.labels.get("alertname", ""), signal_or_reason))
        else:
            signals.append(signal_or_reason)
    if problems:
        raise BadNotification(problems)
    return Notification(tuple(signals), tuple(skipped))


def _shape(body: Any) -> list[Any]:
    if not isinstance(body, dict):
        raise BadNotification([("", "expected a JSON object (Alertmanager's webhook body)")])
    problems: list[tuple[str, str]] = []
    if body.get("version") != "4":
        problems.append(("version", f'expected "4", not {str(body.get("version"))[:20]!r}'))
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        problems.append(("alerts", "expected a list"))
    elif len(alerts) > MAX_ALERTS:
        problems.append(("alerts", f"at most {MAX_ALERTS} alerts in one notification"))
    if problems:
        raise BadNotification(problems)
    assert isinstance(alerts, list)
    return alerts


@dataclass(frozen=True)
class _Fields:
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    ends_at: float
    fingerprint: str


def _fields(alert: Any, path: str) -> _Fields:
    """The alert's fields with their types checked (every problem listed)."""
    if not isinstance(alert, dict):
        raise BadNotification([(path, "expected an object")])
    problems: list[tuple[str, str]] = []
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        problems.append((f"{path}.status", 'expected "firing" or "resolved"'))
    maps: dict[str, dict[str, str]] = {}
    for name in ("labels", "annotations"):
        value = alert.get(name, {})
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
        if not ok:
            problems.append((f"{path}.{name}", "expected an object of strings"))
        maps[name] = {k: v[:_MAX_LABEL] for k, v in value.items()} if ok else {}
    times: dict[str, float] = {}
    for name in ("startsAt", "endsAt"):
        value = alert.get(name)
        try:
            times[name] = rfc3339(value) if isinstance(value, str) else math.nan
        except ValueError:
            times[name] = math.nan
        if math.isnan(times[name]):
            problems.append((f"{path}.{name}", "expected an RFC 3339 time"))
    fingerprint = alert.get("fingerprint")
    if not isinstance(fingerprint, str) or not _FINGERPRINT.match(fingerprint):
        problems.append((f"{path}.fingerprint", "expected Alertmanager's hex fingerprint"))
    if not maps["labels"].get("alertname"):
        problems.append((f"{path}.labels.alertname", "missing"))
    if problems:
        raise BadNotification(problems)
    return _Fields(
        str(status),
        maps["labels"],
        maps["annotations"],
        times["startsAt"],
        times["endsAt"],
        str(fingerprint),
    )


def _signal(
    f: _Fields, now: float, kinds: Mapping[str, str], sites: Collection[str]
) -> AlertSignal | str:
    """The signal, or why the alert is skipped."""
    name = f.labels.get("alertname", "")
    kind = kinds.get(name)
    if kind is None:
        return "not an incident alert (a target not met, a warning ahead, or unknown)"
    site = f.labels.get("site") or None
    if site is None and kind not in PROVINCE_WIDE_KINDS:
        return "no site label"
    if site is not None and site not in sites:
        return "site not in the inventory"
    if f.starts_at > now + MAX_SKEW:
        return "startsAt in the future"
    if f.starts_at < now - MAX_AGE:
        return "startsAt too old"
    ends_at: float | None = None
    if f.status == "resolved":
        if f.ends_at < f.starts_at:
            return "endsAt before startsAt"
        ends_at = min(f.ends_at, now)  # over, at the latest now
    severity = f.labels.get("severity", "")
    subject = next((f.labels[k] for k in SUBJECT_LABELS if f.labels.get(k)), "")
    summary = " ".join(f.annotations.get("summary", "").split()) or name
    if len(summary) > SUMMARY_MAX:
        summary = summary[: SUMMARY_MAX - 1].rstrip() + "…"
    return AlertSignal(
        fingerprint=f.fingerprint,
        alertname=name,
        firing=f.status == "firing",
        starts_at=f.starts_at,
        ends_at=ends_at,
        site=site,
        kind=kind,
        subject=subject[:200],
        severity=severity if severity in SEVERITIES else "warning",
        summary=summary,
    )
