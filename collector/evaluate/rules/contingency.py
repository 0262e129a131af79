"""SEC-CONTINGENCY: a contingency plan (phương án dự phòng) for every risk, and for the risks the
journal can show, the fallback seen working (001 §2.2.6.b, 000 §IV.8.3 and Phụ lục I.1–2, 003
§4.b, 004 Phụ lục II.22).

1. Approved: every risk of ``risks`` has a plan with ``status: approved`` whose ``approved_on``
   is on or before the day the evaluation ends (Vietnam's time).  The others are not met and
   named by group: no plan (``chưa có phương án: Tấn công mạng, Mất điện``: absent or ``status:
   missing``), a draft (``dự thảo, chưa phê duyệt: Lỗi phần mềm``), an approval dated after that
   day.  Past ``deadline`` (000 Phụ lục I: 31/12/2025) the sentence says since when they are
   overdue (``quá hạn từ 01/01/2026 (hạn 31/12/2025)``).  A plan approved after the deadline
   exists now and counts: the target is about readiness today, but the finding notes it was late.
2. Proven (for the risks of ``proven_in_journal``: link loss and power loss, the two whose
   fallback the agent can see): the newest evidence within ``evidence_max_age_days`` of the
   window's end.  The clauses ask for a replacement system (hệ thống thay thế), so a plan whose
   fallback is a procedure is proven the same way or not at all.

   - ``link_loss``: a ``backup_link_working`` event (a backup link carried traffic).
   - ``power_loss``: the newest outage decides: a ``mains_state restored`` without ``depleted``
     (the UPS held the load through the outage; a momentary one counts, and so does a deliberate
     test: switching the mains off is journalled as an outage) proves it; a ``restored`` with
     ``depleted`` or an ``ups_depleted`` (the UPS ran out) is a failed fallback: not met, cause
     power.  ``mains_flapping`` summaries say nothing about depletion and are not read.  A
     depletion the agent retracted (``ups_depletion_retracted``: the UPS answered again on
     battery) counts as if it never happened, in an ``ups_depleted`` and in a ``restored``'s
     ``depleted`` alike (:mod:`collector.evaluate.depletion`).
   - another risk listed there: unknown (the journal has no evidence of its fallback).

   The rule reads the window's events and, from before the window, the newest event of each kind
   and subject (``SiteInputs.before``), so evidence older than the window is seen without
   streaming half a year: the newest is all it needs.
   No evidence: if the site's journal reached the collector in the window (any event), the
   fallback is unproven: not met (a fallback never seen working is not known to work; a test or
   drill proves it).  If the site sent nothing in the window, it is unknown: the silence is the
   link's or the agent's finding, not proof that the fallback fails.

Any part not met: not met; else any part unknown: unknown; else met.  Value: the risks ready,
that is with an approved plan and, where required, its fallback seen working (unit ``risks``,
threshold: every risk); unknown has no value (no figure decided it).  The sentence opens with the
same figure (``3/5 rủi ro sẵn sàng``) and then names every risk that is not ready with why (no
plan, draft, fallback failed, not seen, or unknown), then the fallbacks seen working, so the
figure and the words never disagree.  Evidence: inventory paths (field names, never the plans'
texts or persons), the approving decisions' numbers, and event refs.

Details, for the police's list of what is overdue: ``missing_risks`` and ``draft_risks`` (risk
names, comma-separated), their counts, ``overdue`` (``yes``/``no``: a risk not approved after the
deadline), ``overdue_since`` and ``days_overdue``, ``deadline``, ``unleveled`` (approved plans
without a risk level).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from collector.evaluate.depletion import resolve
from collector.evaluate.model import (
    Cause,
    Evidence,
    Finding,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import Details, finding, names, number
from collector.evaluate.rules._plans import (
    DAY_SECONDS,
    day_en,
    day_vi,
    deadline,
    end_day,
    moment_en,
    moment_vi,
    plan_path,
    plan_state,
    plans,
    risk_list,
    risk_words,
    risks_of,
)
from collector.evaluate.timeline import site_index
from collector.events import StoredEvent
from collector.inventory.model import ContingencyPlan

TARGET = "SEC-CONTINGENCY"
KINDS = ("backup_link_working", "mains_state", "ups_depleted", "ups_depletion_retracted")


@dataclass(frozen=True)
class Proof:
    """Whether the journal shows one risk's fallback working."""

    risk: str
    status: Status
    vi: str
    en: str
    events: tuple[StoredEvent, ...] = ()
    cause: Cause | None = None


@dataclass(frozen=True)
class Approval:
    """Where the plans of the risks stand on the evaluation's day."""

    approved: dict[str, ContingencyPlan]
    missing: list[str]  # no plan (absent, or status missing)
    drafts: list[str]
    future: list[str]  # approved with a date after the day
    late: list[tuple[date, str]]  # approved after the deadline, oldest first
    today: date
    due: date | None

    @property
    def not_approved(self) -> list[str]:
        return [*self.missing, *self.drafts, *self.future]

    @property
    def overdue_since(self) -> date | None:
        """The day after the deadline, when a risk is still not approved past it."""
        if self.due is None or not self.not_approved or self.today <= self.due:
            return None
        return self.due + timedelta(days=1)


def approval(
    site_plans: dict[str, ContingencyPlan], risks: Sequence[str], today: date, due: date | None
) -> Approval:
    """Where each risk's plan stands on ``today``, against the deadline ``due``."""
    states = {r: plan_state(site_plans.get(r), today) for r in risks}
    approved = {r: site_plans[r] for r in risks if states[r] == "approved"}
    late = sorted(
        (p.approved_on, r)
        for r, p in approved.items()
        if due and p.approved_on is not None and p.approved_on > due
    )
    return Approval(
        approved=approved,
        missing=[r for r in risks if states[r] == "missing"],
        drafts=[r for r in risks if states[r] == "draft"],
        future=[r for r in risks if states[r] == "future"],
        late=late,
        today=today,
        due=due,
    )


def contingency(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    risks = risks_of(thresholds)
    proven = [r for r in names(thresholds, "proven_in_journal") if r in risks]
    max_age = number(thresholds, "evidence_max_age_days")
    site = inputs.site
    plans_now = approval(plans(site), risks, end_day(window), deadline(thresholds))
    approved = plans_now.approved
    since = window.end - max_age * DAY_SECONDS
    proofs = [_proof(r, inputs, since, max_age) for r in proven if r in approved]
    by_proof = {p.risk: p for p in proofs}
    unready = [
        r for r in risks if r not in approved or (r in by_proof and by_proof[r].status != "met")
    ]
    ready = [r for r in risks if r not in unready]
    statuses = ["not_met" if plans_now.not_approved else "met", *(p.status for p in proofs)]
    status: Status = (
        "not_met" if "not_met" in statuses else "unknown" if "unknown" in statuses else "met"
    )
    cause = next((p.cause for p in proofs if p.status == "not_met" and p.cause), None)
    vi, en = _sentences(status, len(ready), len(risks), unready, by_proof, plans_now)
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=None if status == "unknown" else float(len(ready)),
        threshold=len(risks),
        unit="risks",
        vi=vi,
        en=en,
        evidence=_evidence(inputs, risks, plans_now, proofs),
        cause=cause,
        details=_details(risks, ready, unready, plans_now, proofs),
    )


def _details(
    risks: Sequence[str],
    ready: Sequence[str],
    unready: Sequence[str],
    plans_now: Approval,
    proofs: Sequence[Proof],
) -> Details:
    overdue = plans_now.overdue_since
    return {
        "risks": len(risks),
        "ready": len(ready),
        "not_ready": ",".join(unready),
        "approved": len(plans_now.approved),
        "not_approved": len(plans_now.not_approved),
        "missing": len(plans_now.missing),
        "missing_risks": ",".join(plans_now.missing),
        "draft": len(plans_now.drafts),
        "draft_risks": ",".join(plans_now.drafts),
        "approved_after_end": len(plans_now.future),
        "approved_late": len(plans_now.late),
        "unleveled": sum(p.risk_level is None for p in plans_now.approved.values()),
        "deadline": day_en(plans_now.due) if plans_now.due else None,
        "overdue": "yes" if overdue else "no",
        "overdue_since": day_en(overdue) if overdue else None,
        "days_overdue": (plans_now.today - overdue).days + 1 if overdue else 0,
        "proven": sum(p.status == "met" for p in proofs),
        "unproven": sum(p.status == "not_met" for p in proofs),
        "proof_unknown": sum(p.status == "unknown" for p in proofs),
    }


_HEAD = {
    "met": ("Đủ phương án dự phòng", "Contingency plans ready"),
    "not_met": ("Chưa đủ phương án dự phòng", "Contingency plans not ready"),
    "unknown": ("Chưa rõ phương án dự phòng", "Contingency plans unknown"),
}


def _sentences(
    status: Status,
    ready: int,
    count: int,
    unready: Sequence[str],
    proofs: dict[str, Proof],
    plans_now: Approval,
) -> tuple[str, str]:
    """The figure first (``3/5 rủi ro sẵn sàng``, the finding's value), then the risks without
    an approved plan by group and whether that is overdue, then each approved risk that is not
    ready with why, then the fallbacks seen working, then late approvals."""
    head_vi, head_en = _HEAD.get(status, _HEAD["unknown"])
    parts_vi = [f"{ready}/{count} rủi ro sẵn sàng"]
    parts_en = [f"{ready} of {count} risks ready"]
    vi, en = _approval_parts(plans_now)
    parts_vi += vi
    parts_en += en
    for risk in unready:
        proof = proofs.get(risk)
        if proof is not None:
            word_vi, word_en = risk_words([risk])
            parts_vi.append(f"{word_vi}: {proof.vi}")
            parts_en.append(f"{word_en}: {proof.en}")
    for proof in proofs.values():
        if proof.risk not in unready:
            word_vi, word_en = risk_words([proof.risk])
            parts_vi.append(f"{word_vi}: {proof.vi}")
            parts_en.append(f"{word_en}: {proof.en}")
    late, due = plans_now.late, plans_now.due
    if late and due:
        vi_late, en_late = risk_words(r for _d, r in late)
        newest = late[-1][0]
        parts_vi.append(f"phê duyệt muộn ({vi_late}: đến {day_vi(newest)}, hạn {day_vi(due)})")
        parts_en.append(f"approved late ({en_late}: by {day_en(newest)}, due {day_en(due)})")
    return f"{head_vi}: " + "; ".join(parts_vi), f"{head_en}: " + "; ".join(parts_en)


def _approval_parts(plans_now: Approval) -> tuple[list[str], list[str]]:
    """``chưa có phương án: Tấn công mạng, Mất điện``, ``dự thảo, chưa phê duyệt: Lỗi phần
    mềm``, and the deadline: ``quá hạn từ 01/01/2026 (hạn 31/12/2025)`` or ``hạn 31/12/2025``."""
    vi: list[str] = []
    en: list[str] = []
    groups = (
        (plans_now.missing, "chưa có phương án", "no plan"),
        (plans_now.drafts, "dự thảo, chưa phê duyệt", "draft, not approved"),
        (
            plans_now.future,
            f"ngày phê duyệt sau {day_vi(plans_now.today)}",
            f"approval dated after {day_en(plans_now.today)}",
        ),
    )
    for risks, word_vi, word_en in groups:
        if risks:
            names_vi, names_en = risk_list(risks)
            vi.append(f"{word_vi}: {names_vi}")
            en.append(f"{word_en}: {names_en}")
    due, overdue = plans_now.due, plans_now.overdue_since
    if overdue and due:
        vi.append(f"quá hạn từ {day_vi(overdue)} (hạn {day_vi(due)})")
        en.append(f"overdue since {day_en(overdue)} (deadline {day_en(due)})")
    elif plans_now.not_approved and due:
        vi.append(f"hạn {day_vi(due)}")
        en.append(f"due {day_en(due)}")
    return vi, en


def _evidence(
    inputs: SiteInputs, risks: Sequence[str], plans_now: Approval, proofs: Sequence[Proof]
) -> tuple[Evidence, ...]:
    site = inputs.site
    paths = tuple(plan_path(site, r, "approved_on") for r in risks if r in plans_now.approved)
    paths += tuple(plan_path(site, r, "status") for r in [*plans_now.drafts, *plans_now.future])
    paths += tuple(plan_path(site, r) for r in plans_now.missing)
    counts_vi = (
        f"{len(plans_now.approved)} đã phê duyệt, {len(plans_now.drafts)} dự thảo, "
        f"{len(plans_now.missing)} chưa có"
    )
    counts_en = (
        f"{len(plans_now.approved)} approved, {len(plans_now.drafts)} draft, "
        f"{len(plans_now.missing)} none"
    )
    decisions = list(dict.fromkeys(p.decision for p in plans_now.approved.values() if p.decision))
    if decisions:
        counts_vi += "; quyết định phê duyệt: " + ", ".join(decisions)
        counts_en += "; approving decisions: " + ", ".join(decisions)
    found = [
        Evidence(
            "inventory",
            f"Danh mục: phương án của {len(risks)} rủi ro ({counts_vi})",
            f"Inventory: the plans for {len(risks)} risks ({counts_en})",
            paths,
        )
    ]
    for p in proofs:
        if p.events:
            found.append(Evidence("events", p.vi, p.en, tuple(e.ref for e in p.events)))
    return tuple(found)


def _proof(risk: str, inputs: SiteInputs, since: float, max_age: float) -> Proof:
    if risk == "link_loss":
        return _link_proof(inputs, since, max_age)
    if risk == "power_loss":
        return _power_proof(inputs, since, max_age)
    return Proof(risk, "unknown", "nhật ký không chứng minh được", "not in the journal")


def _newest(inputs: SiteInputs, kinds: Sequence[str]) -> list[StoredEvent]:
    """Every event of ``kinds`` known (the window's, and the newest before it), oldest first,
    on the site's one clock (clock steps undone: :func:`site_index`)."""
    index = site_index(inputs)
    known = [e for kind in kinds for e in (*index.before(kind), *index.kind(kind))]
    return sorted(known, key=lambda e: (e.wall_time, e.seq))


def _unproven(risk: str, inputs: SiteInputs, vi: str, en: str, cause: Cause) -> Proof:
    """Nothing in the age span: not met when the site reported in the window, else unknown."""
    if not inputs.events:
        return Proof(
            risk,
            "unknown",
            f"{vi}: điểm không gửi nhật ký trong kỳ, chưa rõ",
            f"{en}: the site sent no journal in the window, unknown",
        )
    return Proof(risk, "not_met", vi, en, cause=cause)


def _link_proof(inputs: SiteInputs, since: float, max_age: float) -> Proof:
    seen = _newest(inputs, ("backup_link_working",))
    recent = [e for e in seen if since <= e.wall_time]
    days = f"{max_age:g}"
    if recent:
        last = recent[-1]
        return Proof(
            "link_loss",
            "met",
            f"đường truyền dự phòng hoạt động lúc {moment_vi(last.wall_time)}",
            f"backup link seen working at {moment_en(last.wall_time)}",
            (last,),
        )
    older_vi = f" (lần cuối {moment_vi(seen[-1].wall_time)})" if seen else ""
    older_en = f" (last {moment_en(seen[-1].wall_time)})" if seen else ""
    return _unproven(
        "link_loss",
        inputs,
        f"chưa thấy đường truyền dự phòng hoạt động trong {days} ngày{older_vi}",
        f"no backup link seen working in {days} days{older_en}",
        "link",
    )


def _power_proof(inputs: SiteInputs, since: float, max_age: float) -> Proof:
    known = _newest(inputs, ("mains_state", "ups_depleted", "ups_depletion_retracted"))
    depleted = resolve(known)
    standing = {e.ref for e in depleted.standing}
    seen = [
        e for e in known if e.ref in standing or (e.kind == "mains_state" and e.state == "restored")
    ]
    recent = [e for e in seen if since <= e.wall_time]
    days = f"{max_age:g}"
    if not recent:
        return _unproven(
            "power_loss",
            inputs,
            f"chưa thấy UPS giữ điện qua lần mất điện nào trong {days} ngày",
            f"no outage held by the UPS in {days} days",
            "power",
        )
    last = recent[-1]
    when_vi, when_en = moment_vi(last.wall_time), moment_en(last.wall_time)
    if last.kind == "ups_depleted" or depleted.outage_depleted(last):
        return Proof(
            "power_loss",
            "not_met",
            f"UPS cạn pin trong lần mất điện gần nhất ({when_vi})",
            f"the UPS ran out in the last outage ({when_en})",
            (last,),
            cause="power",
        )
    return Proof(
        "power_loss",
        "met",
        f"UPS giữ điện qua lần mất điện gần nhất ({when_vi})",
        f"the UPS held the load through the last outage ({when_en})",
        (last,),
    )


RULE = RuleEntry(
    contingency,
    KINDS,
    frozenset({"risks", "proven_in_journal", "evidence_max_age_days", "deadline"}),
)
