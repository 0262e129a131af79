"""The shared builders of a diagnose result: ok, warn or fail with its words and figures, a
failure's cause in words, and :func:`advice` (the next step with its playbook section)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from agent import probe_text
from agent.diagnose.model import Advice, CheckResult, Status
from agent.diagnose.plan import Planned
from agent.probes.base import Outcome
from sansang import i18n, playbooks

Figure = float | int | str | bool | None
Figures = Mapping[str, Figure]


def advice(thing: str, code: str, vi: str, en: str) -> Advice:
    """The next step, with the section ``sansang.playbooks`` gives ``thing`` failing for
    ``code`` (a reason, or a cause such as ``power`` or ``device``)."""
    found = playbooks.advice(thing, code) if thing else None
    if found is None:
        return Advice(vi, en)
    return Advice(vi, en, found[0], found[1])


# --- helpers ----------------------------------------------------------------------------------


def _words(kind: str, outcome: Outcome, now: float) -> tuple[str, str]:
    return probe_text.words(kind, outcome, now, "vi"), probe_text.words(kind, outcome, now, "en")


def _cause(reason: str, vi: str = "", en: str = "", detail: str = "") -> tuple[str, str]:
    """The failure's cause in words, then the figures the run still gave (and, for a check that
    broke rather than failed, its detail: "see the log" means nothing on a technician's screen)."""
    if reason == "error" and detail:
        vi, en = ", ".join(filter(None, (detail, vi))), ", ".join(filter(None, (detail, en)))
    cause_vi, cause_en = (
        i18n.pick(i18n.REASONS, reason, "vi"),
        i18n.pick(i18n.REASONS, reason, "en"),
    )
    return (f"{cause_vi}; {vi}" if vi else cause_vi), (f"{cause_en}; {en}" if en else cause_en)


def _result(
    p: Planned,
    status: Status,
    reason: str,
    vi: str,
    en: str,
    figures: Figures | None = None,
    advice: Advice | None = None,
) -> CheckResult:
    return CheckResult(p.layer, p.id, p.name, status, reason, vi, en, advice, dict(figures or {}))


def _ok(p: Planned, vi: str, en: str, figures: Figures | None = None) -> CheckResult:
    return _result(p, "ok", "ok", vi or "tốt", en or "ok", figures)


def _warn(
    p: Planned, reason: str, vi: str, en: str, *, figures: Figures | None = None, advice: Advice
) -> CheckResult:
    return _result(p, "warn", reason, vi, en, figures, advice)


def _fail(
    p: Planned, reason: str, vi: str, en: str, *, figures: Figures | None = None, advice: Advice
) -> CheckResult:
    return _result(p, "fail", reason, vi, en, figures, advice)


def _with(result: CheckResult, *, duration: float) -> CheckResult:
    return replace(result, duration_seconds=duration)
