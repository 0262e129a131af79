"""A probe's :class:`~agent.probes.base.Outcome` as a diagnose result: ok, warn or fail, the
result in words (Vietnamese first), and for a warn or fail the next step with its playbook.

The words reuse the probe text of ``sansang agent probe`` (:func:`agent.probe_text.words`) and
the one vocabulary of :mod:`sansang.i18n`; what only diagnose says (a UPS on battery with its
charge, a printer's errors as actions, a link's fault by its kind) is here.  The advice names the
thing and what to do with it, and the playbook section comes from
:func:`sansang.playbooks.advice` (``THINGS``).

Thresholds a warning rests on, each with its reason:

- a filesystem more than :data:`DISK_WARN_RATIO` used;
- a round losing more than :data:`LOSS_WARN_RATIO` (INF-DZ's ``max_loss_ratio``: above it
  interactive use fails) or slower than :data:`LATENCY_WARN_SECONDS` (median);
- a certificate with less than :data:`CERT_WARN_DAYS` days left;
- throughput under the plan's floor (:data:`BANDWIDTH_FLOOR_MBPS`, the defaults of the
  collector's ``targets/catalogue.yaml``: INF-BW per link kind, INF-HNTH for a conference).

The parts, one job each: :mod:`._result` (the shared builders and :func:`advice`),
:mod:`.thresholds` (the figures above), :mod:`.power`, :mod:`.host`, :mod:`.network` (link
quality, the router and the advice for a link), :mod:`.devices` (printers, the conference
endpoint, terminals) and :mod:`.generic` (reach, DNS, services).
"""

from __future__ import annotations

from agent.diagnose.model import CheckResult
from agent.diagnose.plan import Planned
from agent.diagnose.verdict._result import Figure, Figures, _with, advice
from agent.diagnose.verdict.devices import PRINTER_ACTIONS, PRINTER_WARNINGS, _conference, _printer
from agent.diagnose.verdict.generic import _generic
from agent.diagnose.verdict.host import _host
from agent.diagnose.verdict.network import _quality, _router, link_advice
from agent.diagnose.verdict.power import _power
from agent.diagnose.verdict.thresholds import (
    BANDWIDTH_FLOOR_MBPS,
    CERT_WARN_DAYS,
    CONFERENCE_FLOOR_MBPS,
    DISK_WARN_RATIO,
    LATENCY_WARN_SECONDS,
    LOSS_WARN_RATIO,
)
from agent.probes.base import Outcome

__all__ = [
    "BANDWIDTH_FLOOR_MBPS",
    "CERT_WARN_DAYS",
    "CONFERENCE_FLOOR_MBPS",
    "DISK_WARN_RATIO",
    "LATENCY_WARN_SECONDS",
    "LOSS_WARN_RATIO",
    "PRINTER_ACTIONS",
    "PRINTER_WARNINGS",
    "Figure",
    "Figures",
    "advice",
    "broken",
    "judge",
    "link_advice",
    "skipped",
]


def skipped(p: Planned) -> CheckResult:
    return CheckResult(p.layer, p.id, p.name, "skip", "skipped", p.note_vi, p.note_en)


def broken(p: Planned, err: BaseException) -> CheckResult:
    """A check that raised: a failure with the reason, never an exception out of diagnose."""
    detail = f"{type(err).__name__}: {err}"[:200]
    return CheckResult(
        p.layer,
        p.id,
        p.name,
        "fail",
        "error",
        f"lỗi khi kiểm tra: {detail}",
        f"the check raised: {detail}",
        advice(
            "host",
            "error",
            "Chạy lại với --log-level debug và gửi kết quả cho kỹ thuật tỉnh",
            "Run again with --log-level debug and send the output to the province",
        ),
    )


def judge(p: Planned, outcome: Outcome, now: float, duration: float = 0.0) -> CheckResult:
    """The result of one probe run of ``p``."""
    assert p.job is not None
    kind = p.job.probe.name
    if p.job.role == "power":
        result = _power(p, outcome)
    elif kind == "host":
        result = _host(p, outcome, now)
    elif kind == "quality":
        result = _quality(p, outcome, now)
    elif kind == "router":
        result = _router(p, outcome, now)
    elif kind == "printer":
        result = _printer(p, outcome)
    elif kind == "conference":
        result = _conference(p, outcome, now)
    else:
        result = _generic(p, outcome, now)
    return _with(result, duration=duration)
