"""SEC-MEASURES: the machines of the centre keep their security measures (tường lửa, chống virus,
mã hoá, sao lưu, giám sát tập trung: 001 §2.2.6.a), as the agent's ``security_state`` events say.

The agent asks each machine over SSH every hour and journals ``security_state`` (subject: the
machine's id) when what it found changes, and once more after every start: state ``checked``
with the measures (true/false, null when not known) and the times of the newest antivirus
signature, OS update and backup; or ``failed`` with the reason it could not ask.  The agent never
journals an age: every age here is the window's end minus such a time, so a closed month
evaluated again gives the same finding, and a replayed or late event never looks younger.

Per machine, its NEWEST event before the window's end decides (by wall time, then seq: an old
event stored late does not override a newer one).  As events come on change only, an event's own
age says nothing; a state holds while the agent keeps checking.  The machine is:

- unknown when the agent has sent nothing for more than ``max_unchecked_days`` before the
  window's end, or started again that long before it and has not reported the machine since
  (the machine left its config);
- when the newest is ``failed``: unknown, naming why in Vietnamese (SSH login refused, host key
  mismatch...), except a machine that does not answer (``unreachable``, ``timeout``: switched off
  for the evening or the weekend, a power cut) for at most ``max_unchecked_days``: it is judged
  on its newest ``checked`` event, its ages still counted to the window's end.  A closed month
  ends at midnight, when counter PCs are off: without this every month would be unknown;
- not met when a measure of ``required`` is false, or an age exceeds its maximum: the antivirus
  signatures (``max_signature_age_days``, when ``antivirus`` is required), the newest OS update
  (``max_update_age_days``), the newest backup (``max_backup_age_days``, only when the agent has
  a backup place for the machine: ``backup_expected``).  An age is judged to the second: exactly
  the maximum is met;
- unknown when a required measure is null (or not a boolean), an age's time is missing, or a
  time is after the window's end or after the moment the machine was asked (a clock stepped
  ahead must not make a stale machine look fresh);
- met otherwise.

The site: not met when a machine is not met (the sentence names each and what failed), else
unknown when a machine is unknown or no machine was ever checked, else met.  Value: the machines
meeting every measure; threshold: the machines the agent reported; unit ``hosts`` (``3/4 máy``).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from collector.evaluate.model import (
    Evidence,
    Finding,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import Details, finding, names, number
from collector.evaluate.rules._plans import moment_en, moment_vi
from collector.evaluate.timeline import SiteIndex, site_index
from collector.events import StoredEvent
from sansang import i18n
from sansang.event_details import WALL_TIME_MAX, WALL_TIME_MIN

TARGET = "SEC-MEASURES"
KIND = "security_state"
KINDS = (KIND,)
CHECKED, FAILED = "checked", "failed"
DAY = 86400.0
# A time the machine reports may run this far past the moment the agent asked it (the two clocks
# differ by seconds when synchronised); further, the machine's clock is ahead and its times are
# not believed.
CLOCK_SKEW = 300.0
NAME_CHARS = 80  # of a machine's name from the agent, in a sentence
# Machines named in a sentence, and given evidence, at most (a site has a few; an agent sending
# thousands of subjects must not make a finding of megabytes): the rest are counted.
MAX_NAMED = 10
MAX_EVIDENCE = 20

# The measures the agent reports true/false: (on, off, unknown) in Vietnamese, then English.
MEASURES: dict[str, tuple[str, str, str, str, str, str]] = {
    "firewall": (
        "tường lửa bật",
        "tường lửa tắt",
        "chưa biết tường lửa",
        "firewall on",
        "firewall off",
        "firewall unknown",
    ),
    "antivirus": (
        "chống virus bật",
        "không có hoặc tắt phần mềm chống virus",
        "chưa biết phần mềm chống virus",
        "antivirus on",
        "no antivirus, or off",
        "antivirus unknown",
    ),
    "realtime": (
        "bảo vệ thời gian thực bật",
        "bảo vệ thời gian thực tắt",
        "chưa biết bảo vệ thời gian thực",
        "real-time protection on",
        "real-time protection off",
        "real-time protection unknown",
    ),
    "encryption": (
        "ổ đĩa đã mã hoá",
        "ổ đĩa chưa mã hoá",
        "chưa biết mã hoá ổ đĩa",
        "disk encrypted",
        "disk not encrypted",
        "disk encryption unknown",
    ),
    "time_sync": (
        "đồng hồ đã đồng bộ",
        "đồng hồ chưa đồng bộ",
        "chưa biết đồng bộ đồng hồ",
        "clock synchronised",
        "clock not synchronised",
        "clock synchronisation unknown",
    ),
}

# Why a machine could not be asked (details.reason of a `failed` event, agent/probes/security.py).
FAILURES: dict[str, tuple[str, str]] = {
    "unreachable": ("không có đường tới máy (máy tắt hoặc mất mạng?)", "no route to the machine"),
    "timeout": ("máy không trả lời (quá thời gian chờ)", "no answer (timed out)"),
    "auth_failed": ("máy từ chối khoá đăng nhập SSH", "the machine refused the SSH login key"),
    "host_key_mismatch": (
        "khoá máy chủ SSH không khớp (máy bị thay hoặc bị giả mạo?)",
        "SSH host key mismatch (machine replaced or impersonated?)",
    ),
    "host_key_unknown": (
        "chưa khai báo khoá máy chủ SSH của máy",
        "the machine's SSH host key is not configured",
    ),
    "command_failed": ("lệnh kiểm tra trên máy bị lỗi", "the check command failed on the machine"),
    "key_unreadable": (
        "tác nhân không đọc được khoá SSH của mình",
        "the agent cannot read its SSH key",
    ),
}


# A machine that does not answer is most likely switched off (counter PCs are shut down every
# evening and weekend) or without power: it keeps its last checked state for a while.  Any other
# failure (a key refused, a host key that changed) is a machine answering that cannot be
# verified: unknown at once.
SWITCHED_OFF = frozenset({"unreachable", "timeout"})


@dataclass(frozen=True)
class Age:
    """A time the agent reports, whose age at the window's end is held against a maximum."""

    key: str  # in the event's details
    threshold: str
    vi: str
    en: str


SIGNATURE = Age(
    "signature_at", "max_signature_age_days", "chữ ký chống virus", "antivirus signatures"
)
UPDATE = Age("update_at", "max_update_age_days", "cập nhật hệ điều hành", "OS update")
BACKUP = Age("backup_at", "max_backup_age_days", "bản sao lưu", "backup")


@dataclass(frozen=True)
class Limits:
    required: tuple[str, ...]
    ages: dict[str, float]  # Age.key -> maximum in days
    unchecked_days: float


@dataclass(frozen=True)
class History:
    """A machine's newest event and newest ``checked`` event before the window's end."""

    newest: StoredEvent
    checked: StoredEvent | None


@dataclass(frozen=True)
class Machine:
    """One machine, judged."""

    id: str
    label: tuple[str, str]
    status: Status
    why: tuple[tuple[str, str], ...]  # what is not met, else what is unknown
    seen: tuple[tuple[str, str], ...]  # what its events say, for the evidence
    refs: tuple[str, ...]

    def sentence(self, lang: int) -> str:
        return f"{self.label[lang]}: " + "; ".join(w[lang] for w in self.why)


def security_measures(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    limits = _limits(thresholds)
    index = site_index(inputs)
    labels = _labels(inputs)
    last_seen = _last_seen(index, window)
    started = _last_start(index, window)
    machines = [
        _judge(subject, h, labels.get(subject), limits, window, last_seen, started)
        for subject, h in sorted(_histories(index, window).items())
    ]
    count = {s: sum(m.status == s for m in machines) for s in ("met", "not_met", "unknown")}
    details: Details = {
        "hosts": len(machines),
        "hosts_met": count["met"],
        "hosts_not_met": count["not_met"],
        "hosts_unknown": count["unknown"],
        **{f"status:{m.id}": m.status for m in machines},
    }
    if not machines:
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=None,
            threshold=None,
            unit="hosts",
            vi="Chưa có máy nào được kiểm tra biện pháp an toàn (tác nhân chưa có mục security)",
            en="No machine checked for security measures (no `security` section in the agent)",
            details=details,
        )
    status: Status = "not_met" if count["not_met"] else "unknown" if count["unknown"] else "met"
    vi, en = _sentences(machines, status, limits)
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=float(count["met"]),
        threshold=len(machines),
        unit="hosts",
        vi=vi,
        en=en,
        evidence=_evidence_of(machines),
        cause="device",
        details=details,
    )


def _limits(thresholds: Thresholds) -> Limits:
    required = tuple(dict.fromkeys(names(thresholds, "required")))
    unknown = [r for r in required if r not in MEASURES]
    if unknown:
        known = ", ".join(MEASURES)
        raise ValueError(f"threshold 'required' names {', '.join(unknown)}: not one of {known}")
    ages = {a.key: number(thresholds, a.threshold) for a in (SIGNATURE, UPDATE, BACKUP)}
    return Limits(required, ages, number(thresholds, "max_unchecked_days"))


# -- reading the journal --------------------------------------------------------------------------


def _later(e: StoredEvent, than: StoredEvent | None) -> bool:
    """By wall time, then seq: whatever order the events were stored in (a replayed old event
    stored last is still old)."""
    return than is None or (e.wall_time, e.seq) > (than.wall_time, than.seq)


def _histories(index: SiteIndex, window: Window) -> dict[str, History]:
    """Each machine's newest event and newest ``checked`` before the window's end: in the window,
    or the state before it (the store keeps the newest per subject: a ``checked`` older than a
    ``failed`` before the window is not there, and the machine is judged on the failure)."""
    newest: dict[str, StoredEvent] = {}
    checked: dict[str, StoredEvent] = {}
    for e in [*index.before(KIND), *index.kind(KIND)]:
        if e.wall_time >= window.end:
            continue
        if _later(e, newest.get(e.subject)):
            newest[e.subject] = e
        if e.state == CHECKED and _later(e, checked.get(e.subject)):
            checked[e.subject] = e
    return {s: History(e, checked.get(s)) for s, e in newest.items()}


def _last_seen(index: SiteIndex, window: Window) -> float | None:
    """The site's newest event of any kind before the window's end: the agent's last sign of
    life (its quality rounds every five minutes, at a site that has them)."""
    i = bisect_left(index.times, window.end)
    times = [index.times[i - 1]] if i else []
    times += [e.wall_time for events in index.before_by_kind.values() for e in events]
    return max((t for t in times if t < window.end), default=None)


def _last_start(index: SiteIndex, window: Window) -> float | None:
    starts = [*index.before("agent_started"), *index.kind("agent_started")]
    return max((e.wall_time for e in starts if e.wall_time < window.end), default=None)


def _labels(inputs: SiteInputs) -> dict[str, tuple[str, str]]:
    """``Máy tính quầy “Quầy 1” (counter-1)`` for a machine the inventory lists by the same id."""
    labels: dict[str, tuple[str, str]] = {}
    for t in inputs.site.terminals:
        vi, en = i18n.TERMINAL_KINDS.get(t.kind, (t.kind, t.kind))
        shown = f" “{t.name}”" if t.name else ""
        labels[t.id] = (f"{vi}{shown} ({t.id})", f"{en}{shown} ({t.id})")
    return labels


def _agent_label(subject: str, e: StoredEvent) -> tuple[str, str]:
    """``Máy tính quầy 1 (pc-quay-1)``: the name the agent's config gives (``security.hosts``;
    its ids are unique among the agent's, so a machine that is also a terminal has another id
    there), else ``Máy pc-quay-1``."""
    name = e.details.get("name")
    if isinstance(name, str) and name.strip() and name != subject:
        shown = name.strip()[:NAME_CHARS]
        return f"{shown} ({subject})", f"{shown} ({subject})"
    return f"Máy {subject}", f"Machine {subject}"


# -- one machine ----------------------------------------------------------------------------------


def _judge(
    subject: str,
    h: History,
    label: tuple[str, str] | None,
    limits: Limits,
    window: Window,
    last_seen: float | None,
    started: float | None,
) -> Machine:
    label = label or _agent_label(subject, h.newest)
    e, checked = h.newest, h.checked
    refs = (checked.ref, e.ref) if checked is not None and checked is not e else (e.ref,)
    seen = _seen(h, window)

    def unknown(why: tuple[str, str]) -> Machine:
        return Machine(subject, label, "unknown", (why,), seen, refs)

    stale = _stale(e, limits, window, last_seen, started)
    if stale is not None:
        return unknown(stale)
    if e.state not in (CHECKED, FAILED):
        return unknown((f"trạng thái kiểm tra lạ ({e.state})", f"unexpected state ({e.state})"))
    if e.state == FAILED:
        reason = e.details.get("reason")
        reason = reason if isinstance(reason, str) else ""
        vi, en = _failure(reason)
        since_vi, since_en = moment_vi(e.wall_time), moment_en(e.wall_time)
        off_for = window.end - e.wall_time
        if reason not in SWITCHED_OFF or checked is None:
            return unknown(
                (f"không kiểm tra được từ {since_vi}: {vi}", f"not checked since {since_en}: {en}")
            )
        if off_for > limits.unchecked_days * DAY:
            days = f"{limits.unchecked_days:g}"
            return unknown(
                (
                    f"không kiểm tra được từ {since_vi} (quá {days} ngày): {vi}",
                    f"not checked since {since_en} (over {days} days): {en}",
                )
            )
        e = checked  # switched off a short while (evening, weekend, power cut): as last checked
    failed: list[tuple[str, str]] = []
    unknowns: list[tuple[str, str]] = []
    for key in limits.required:
        _on_vi, off_vi, unknown_vi, _on_en, off_en, unknown_en = MEASURES[key]
        value = e.details.get(key)
        if value is False:
            failed.append((off_vi, off_en))
        elif value is not True:  # null, left out, or not a boolean: not known
            unknowns.append((unknown_vi, unknown_en))
    for age in _judged_ages(e, limits):
        verdict = _age(e, age, limits.ages[age.key], window)
        if verdict is not None:
            (failed if verdict[0] else unknowns).append(verdict[1])
    if failed:
        return Machine(subject, label, "not_met", tuple(failed), seen, refs)
    if unknowns:
        return Machine(subject, label, "unknown", tuple(unknowns), seen, refs)
    return Machine(subject, label, "met", (), seen, refs)


def _stale(
    e: StoredEvent,
    limits: Limits,
    window: Window,
    last_seen: float | None,
    started: float | None,
) -> tuple[str, str] | None:
    """Why the newest event no longer says the machine's state at the window's end, if so: the
    agent silent, or restarted without reporting the machine again (it reports every machine it
    checks after a start), for more than ``max_unchecked_days``."""
    limit = limits.unchecked_days * DAY
    days = f"{limits.unchecked_days:g}"
    seen = e.wall_time if last_seen is None else max(last_seen, e.wall_time)
    if window.end - seen > limit:
        return (
            f"tác nhân không gửi số liệu từ {moment_vi(seen)} (quá {days} ngày)",
            f"the agent has sent nothing since {moment_en(seen)} (over {days} days)",
        )
    if started is not None and started > e.wall_time and window.end - started > limit:
        return (
            f"không được kiểm tra lại từ khi tác nhân khởi động lúc {moment_vi(started)} "
            "(đã bỏ khỏi cấu hình?)",
            f"not checked again since the agent started at {moment_en(started)} "
            "(removed from its config?)",
        )
    return None


def _failure(reason: str) -> tuple[str, str]:
    found = FAILURES.get(reason) or i18n.REASONS.get(reason)
    if found is not None:
        return found
    return (f"lỗi {reason}", f"error {reason}") if reason else ("không rõ lý do", "no reason given")


def _judged_ages(e: StoredEvent, limits: Limits) -> Iterable[Age]:
    """The signatures when antivirus is required, the OS update always, the backup when the agent
    has a place to look for one."""
    if "antivirus" in limits.required:
        yield SIGNATURE
    yield UPDATE
    if e.details.get("backup_expected") is True:
        yield BACKUP


def _time(e: StoredEvent, key: str) -> float | None:
    value = e.details.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Outside the journal's range (ingest refuses it; an old store may hold one): not a time.
    return float(value) if WALL_TIME_MIN <= value <= WALL_TIME_MAX else None


def _age(
    e: StoredEvent, age: Age, max_days: float, window: Window
) -> tuple[bool, tuple[str, str]] | None:
    """None when the age is within its maximum; else (True: not met | False: unknown, why)."""
    at = _time(e, age.key)
    if at is None:
        return False, (f"chưa biết thời điểm {age.vi}", f"{age.en} time unknown")
    if at > window.end or at > e.wall_time + CLOCK_SKEW:
        return False, (
            f"{age.vi} ghi lúc {moment_vi(at)}, sau lúc kiểm tra (đồng hồ máy sai?)",
            f"{age.en} dated {moment_en(at)}, after the check (machine clock wrong?)",
        )
    seconds = window.end - at
    if seconds <= max_days * DAY:
        return None
    limit = f"{max_days:g}"
    shown = math.floor(seconds / DAY)
    vi_days = f"{shown} ngày" if shown > max_days else f"hơn {limit} ngày"
    en_days = f"{shown} days" if shown > max_days else f"over {limit} days"
    return True, (
        f"{age.vi} đã {vi_days} (tối đa {limit})",
        f"{age.en} {en_days} old (max {limit})",
    )


def _seen(h: History, window: Window) -> tuple[tuple[str, str], ...]:
    """What the events say, ages at the window's end, for the evidence: the newest, and the
    newest ``checked`` when the machine could not be asked since."""
    seen: list[tuple[str, str]] = []
    for e in (h.checked, h.newest) if h.checked is not h.newest else (h.newest,):
        if e is None:
            continue
        os_name = e.details.get("os")
        shown = f", {os_name.capitalize()}" if isinstance(os_name, str) and os_name else ""
        if e.state == CHECKED:
            said = _said(e, window)
            seen.append(
                (
                    f"kiểm tra lúc {moment_vi(e.wall_time)}{shown}: "
                    + ("; ".join(x[0] for x in said) or "không có số liệu"),
                    f"checked at {moment_en(e.wall_time)}{shown}: "
                    + ("; ".join(x[1] for x in said) or "nothing reported"),
                )
            )
        else:
            reason = e.details.get("reason")
            vi, en = _failure(reason if isinstance(reason, str) else "")
            seen.append(
                (
                    f"không kiểm tra được từ {moment_vi(e.wall_time)}: {vi}",
                    f"not checked since {moment_en(e.wall_time)}: {en}",
                )
            )
    return tuple(seen)


def _said(e: StoredEvent, window: Window) -> list[tuple[str, str]]:
    """Everything a ``checked`` event says, ages at the window's end."""
    said: list[tuple[str, str]] = []
    for key, (on_vi, off_vi, _u_vi, on_en, off_en, _u_en) in MEASURES.items():
        value = e.details.get(key)
        if value is True:
            said.append((on_vi, on_en))
        elif value is False:
            said.append((off_vi, off_en))
    for age in (SIGNATURE, UPDATE, BACKUP):
        at = _time(e, age.key)
        if at is not None and at <= window.end:
            days = math.floor((window.end - at) / DAY)
            if days < 1:
                said.append((f"{age.vi}: chưa đến 1 ngày", f"{age.en}: under a day old"))
            else:
                unit_en = "day" if days == 1 else "days"
                said.append((f"{age.vi}: {days} ngày trước", f"{age.en}: {days} {unit_en} old"))
    if e.details.get("backup_expected") is False:
        said.append(("không khai báo nơi sao lưu", "no backup place configured"))
    return said


# -- the site -------------------------------------------------------------------------------------


def _sentences(machines: Sequence[Machine], status: Status, limits: Limits) -> tuple[str, str]:
    n = len(machines)
    bad = [m for m in machines if m.status == "not_met"]
    unsure = [m for m in machines if m.status == "unknown"]
    if status == "met":
        ages = [SIGNATURE] if "antivirus" in limits.required else []
        ages += [UPDATE, BACKUP]
        within = [(a, f"{limits.ages[a.key]:g}") for a in ages]
        on_vi = ", ".join(MEASURES[r][0] for r in limits.required)
        on_en = ", ".join(MEASURES[r][3] for r in limits.required)
        ages_vi = ", ".join(f"{a.vi} không quá {d} ngày" for a, d in within)
        ages_en = ", ".join(f"{a.en} at most {d} days old" for a, d in within)
        vi = "; ".join(x for x in (on_vi, ages_vi) if x) + " (nơi có khai báo sao lưu)"
        en = "; ".join(x for x in (on_en, ages_en) if x) + " (where a backup place is configured)"
        return f"{n}/{n} máy đạt: {vi}", f"{n}/{n} machines meet the measures: {en}"
    parts_vi: list[str] = []
    parts_en: list[str] = []
    if bad:
        parts_vi.append(f"{len(bad)}/{n} máy chưa đạt: " + _named(bad, 0))
        parts_en.append(f"{len(bad)}/{n} machines fall short: " + _named(bad, 1))
    if unsure:
        parts_vi.append(f"{len(unsure)}/{n} máy chưa rõ: " + _named(unsure, 0))
        parts_en.append(f"{len(unsure)}/{n} machines unknown: " + _named(unsure, 1))
    return ". ".join(parts_vi), ". ".join(parts_en)


def _named(machines: Sequence[Machine], lang: int) -> str:
    text = ". ".join(m.sentence(lang) for m in machines[:MAX_NAMED])
    more = len(machines) - MAX_NAMED
    if more > 0:
        text += f". Và {more} máy khác" if lang == 0 else f". And {more} more"
    return text


def _evidence_of(machines: Sequence[Machine]) -> list[Evidence]:
    """A piece per machine, those not met first, then the unknown ones."""
    rank = {"not_met": 0, "unknown": 1, "met": 2}
    ordered = sorted(machines, key=lambda m: rank[m.status])
    return [_evidence(m) for m in ordered[:MAX_EVIDENCE]]


def _evidence(m: Machine) -> Evidence:
    vi = f"{m.label[0]}: " + ". ".join(x[0] for x in m.seen)
    en = f"{m.label[1]}: " + ". ".join(x[1] for x in m.seen)
    return Evidence("events", vi, en, m.refs)


RULE = RuleEntry(
    security_measures,
    KINDS,
    frozenset(
        {
            "required",
            "max_signature_age_days",
            "max_update_age_days",
            "max_backup_age_days",
            "max_unchecked_days",
        }
    ),
)
