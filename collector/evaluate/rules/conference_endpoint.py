"""INF-HNTH: the communes the province lists have a video-conference endpoint (thiết bị hội nghị
truyền hình) that is reachable in service hours, answers on its call-signalling port, and a line
able to carry a conference.

1. Registered and required.  The inventory's ``video_conference_required`` (a province letter:
   the communes that must have an endpoint, and by when) says whether the site's commune must
   have one (``Site.conference_duty``).  A site with no terminal of kind ``video_conference``:

   - on the list: not met (cause ``device``), value 0 endpoints against 1, the sentence saying
     ``hạn dd/mm/yyyy`` before the deadline and ``quá hạn từ dd/mm/yyyy`` after it;
   - on no list: the target does not apply.  The finding model has no "not applicable" status,
     and ``unknown`` would say data is missing when nothing is: the finding is ``met``, says
     "không bắt buộc" (not required), holds 0 endpoints against 0 required, and carries
     ``details.required = "no"`` so a reader can tell it from a conforming endpoint;
   - the inventory keeps no list: unknown (nobody said whether the commune needs one).

   A site with an endpoint is held to the rest whether or not its commune is on a list.
2. Reachable: its ``terminal_state`` availability in service hours (the agent's default schedule)
   against ``min_availability_in_service``.
3. Signalling answers: the share of the endpoint's known service hours in which its SIP or H.323
   port answered a TCP connect (``details.signalling`` of its ``terminal_state`` events, written
   by the agent for a terminal with ``signalling``) against ``min_signalling_in_service``.  An
   endpoint whose events never say (an older agent, no ``signalling`` in agent.yaml) is unknown
   here, never met: a pingable box is not yet one that takes a call.
4. Carried: the best line's median download and upload (INF-BW's tests) against
   ``min_download_mbps`` and ``min_upload_mbps``.

An endpoint without data for more than ``max_unknown_ratio`` of the service hours is unknown on
that part.  With several endpoints the best one counts (met before unknown before not met).  The
site: not met when a part is not met, else unknown when a part is unknown, else met.  The
finding's value, threshold and unit are those of the part that decided: the first part not met
(the endpoints, the availability ratio, the signalling ratio, or the line's download or upload in
Mbit/s, whichever is furthest below its need), else the first unknown part, else (met) the
endpoint's availability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from collector.evaluate.hours import service_spans
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
from collector.evaluate.rules._common import events_evidence, finding, number, refs_note
from collector.evaluate.rules._plans import day_vi, end_day
from collector.evaluate.rules.bandwidth_median import throughput
from collector.evaluate.rules.terminal_availability import TerminalHours, terminal_hours
from collector.evaluate.timeline import agent_gaps, changes_of, clip, site_index, sweep, tally
from collector.events import StoredEvent
from collector.inventory.model import ConferenceDuty, Terminal
from sansang import i18n

TARGET = "INF-HNTH"
KINDS = ("terminal_state", "speedtest_result")
ANSWERED = "answered"  # details.signalling when the port answered (agent/probes/conference.py)
_PROTOCOLS = {"sip": "SIP", "sips": "SIP/TLS", "h323": "H.323"}
_RANK: dict[Status, int] = {"met": 0, "unknown": 1, "not_met": 2}


@dataclass(frozen=True)
class Part:
    """One condition of the target and the figure that decides it."""

    status: Status
    value: float | None
    threshold: float | None
    unit: str
    vi: str
    en: str
    cause: Cause | None = None


@dataclass(frozen=True)
class Endpoint:
    """One endpoint's reachability and signalling parts."""

    hours: TerminalHours | None
    reach: Part
    signalling: Part

    @property
    def status(self) -> Status:
        return _combined([self.reach, self.signalling])

    def rank(self) -> tuple[int, float]:
        availability = self.hours.availability if self.hours else None
        return _RANK[self.status], -(availability or 0.0)


def conference_endpoint(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    minimum = number(thresholds, "min_availability_in_service")
    min_signalling = number(thresholds, "min_signalling_in_service")
    max_unknown = number(thresholds, "max_unknown_ratio")
    need_down = number(thresholds, "min_download_mbps")
    need_up = number(thresholds, "min_upload_mbps")
    duty = inputs.site.conference_duty
    endpoints = [t for t in inputs.site.terminals if t.kind == "video_conference"]
    if not endpoints:
        return _without_endpoint(inputs, window, duty)
    hours = terminal_hours(inputs, window)
    judged = [
        Endpoint(
            hours.get(t.id),
            _reach(hours.get(t.id), minimum, max_unknown),
            _signalling(inputs, window, t, min_signalling, max_unknown),
        )
        for t in endpoints
    ]
    best = min(judged, key=Endpoint.rank)
    line, line_details = _line(inputs, need_down, need_up)
    parts = [best.reach, best.signalling, line]
    status = _combined(parts)
    decided = next((p for p in parts if p.status == status), best.reach)
    if status == "met":
        decided = best.reach
    details: dict[str, float | int | str | None] = {
        "endpoints": len(endpoints),
        "endpoint": best.hours.id if best.hours else None,
        "availability_in_service": _rounded(best.reach.value),
        "signalling_in_service": _rounded(best.signalling.value),
        **line_details,
        **_duty_details(duty),
    }
    head_vi = {"met": "Đủ điều kiện HNTH", "not_met": "Chưa đủ điều kiện HNTH", "unknown": "HNTH"}
    head_en = {
        "met": "Ready for conferences",
        "not_met": "Not ready for conferences",
        "unknown": "Conference readiness unknown",
    }
    events = _endpoint_events(inputs, best.hours)
    evidence = [_endpoint_evidence(events)] if events else []
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=decided.value,
        threshold=decided.threshold,
        unit=decided.unit,
        vi=f"{head_vi[status]}: " + "; ".join(p.vi for p in parts),
        en=f"{head_en[status]}: " + "; ".join(p.en for p in parts),
        evidence=evidence,
        cause=next((p.cause for p in parts if p.status == "not_met"), None),
        details=details,
    )


def _combined(parts: list[Part]) -> Status:
    statuses = [p.status for p in parts]
    if "not_met" in statuses:
        return "not_met"
    return "unknown" if "unknown" in statuses else "met"


# -- 1. registered and required -------------------------------------------------------------------


def _without_endpoint(inputs: SiteInputs, window: Window, duty: ConferenceDuty | None) -> Finding:
    details: dict[str, float | int | str | None] = {"endpoints": 0, **_duty_details(duty)}
    if duty is None:
        return finding(
            TARGET,
            inputs,
            window,
            "unknown",
            value=0,
            threshold=None,
            unit="terminals",
            vi="Chưa có thiết bị đầu cuối HNTH; danh mục của tỉnh chưa có danh sách xã phải có "
            "(video_conference_required) nên chưa biết xã có bắt buộc không",
            en="No video-conference endpoint registered; the inventory has no list of the "
            "communes that must have one (video_conference_required), so whether this one must "
            "is unknown",
            details=details,
        )
    if not duty.required or duty.deadline is None:
        return finding(
            TARGET,
            inputs,
            window,
            "met",
            value=0,
            threshold=0,
            unit="terminals",
            vi="Không bắt buộc: xã không có trong danh sách phải có thiết bị đầu cuối HNTH và "
            "chưa khai báo thiết bị nào",
            en="Not required: the commune is not on the list of those that must have a "
            "video-conference endpoint, and has none registered",
            evidence=[_list_evidence(duty)],
            details=details,
        )
    today = end_day(window)
    if today > duty.deadline:
        overdue = day_vi(duty.deadline + timedelta(days=1))
        when_vi = f"quá hạn từ {overdue} (hạn {day_vi(duty.deadline)})"
        when_en = f"overdue since {overdue} (deadline {day_vi(duty.deadline)})"
    else:
        when_vi = f"hạn {day_vi(duty.deadline)}"
        when_en = f"due {day_vi(duty.deadline)}"
    return finding(
        TARGET,
        inputs,
        window,
        "not_met",
        value=0,
        threshold=1,
        unit="terminals",
        vi=f"Chưa có thiết bị đầu cuối HNTH, {when_vi}",
        en=f"No video-conference endpoint registered, {when_en}",
        evidence=[_list_evidence(duty)],
        cause="device",
        details=details,
    )


def _duty_details(duty: ConferenceDuty | None) -> dict[str, float | int | str | None]:
    if duty is None:
        return {"required": None}
    deadline = duty.deadline.isoformat() if duty.deadline else None
    return {"required": "yes" if duty.required else "no", "deadline": deadline}


def _list_evidence(duty: ConferenceDuty) -> Evidence:
    source = f" ({duty.source})" if duty.source else ""
    if duty.required and duty.deadline is not None:
        vi = f"Xã có trong danh sách phải có thiết bị HNTH{source}, hạn {day_vi(duty.deadline)}"
        en = f"The commune is on the list that must have an endpoint{source}, due "
        en += day_vi(duty.deadline)
    else:
        vi = "Xã không có trong danh sách phải có thiết bị HNTH của tỉnh"
        en = "The commune is not on the province's list of those that must have an endpoint"
    return Evidence("inventory", vi, en, ("video_conference_required",))


# -- 2. reachable ---------------------------------------------------------------------------------


def _reach(hours: TerminalHours | None, minimum: float, max_unknown: float) -> Part:
    usable = hours is not None and hours.counted.unknown <= max_unknown * hours.counted.total
    availability = hours.availability if hours is not None and usable else None
    if availability is None:
        return Part(
            "unknown",
            None,
            minimum,
            "ratio",
            "chưa có số liệu thiết bị HNTH",
            "no endpoint data",
        )
    ok = availability >= minimum
    cause: Cause | None = None if ok else (hours.cause if hours and hours.cause else "device")
    shown_vi, floor_vi = i18n.percent(availability, "vi"), i18n.percent(minimum, "vi")
    shown_en, floor_en = i18n.percent(availability, "en"), i18n.percent(minimum, "en")
    return Part(
        "met" if ok else "not_met",
        availability,
        minimum,
        "ratio",
        f"thiết bị HNTH hoạt động {shown_vi} giờ phục vụ (tối thiểu {floor_vi})",
        f"endpoint up {shown_en} of service hours (minimum {floor_en})",
        cause,
    )


# -- 3. signalling answers ------------------------------------------------------------------------


def _signalling(
    inputs: SiteInputs, window: Window, endpoint: Terminal, minimum: float, max_unknown: float
) -> Part:
    index = site_index(inputs)
    events = [e for e in index.kind("terminal_state") if e.subject == endpoint.id]
    before = [e for e in index.before("terminal_state") if e.subject == endpoint.id][-1:]
    said = [e for e in [*before, *events] if isinstance(e.details.get("signalling"), str)]
    if not said:
        return Part(
            "unknown",
            None,
            minimum,
            "ratio",
            "chưa kiểm tra cổng báo hiệu cuộc gọi (SIP/H.323) của thiết bị HNTH",
            "the endpoint's call-signalling port (SIP/H.323) is not checked",
        )
    gaps = agent_gaps(inputs, window)
    changes = changes_of(events, _signalling_key, gaps)
    initial = changes_of(before, _signalling_key)
    spans = service_spans(inputs.site, window)
    inside = clip(sweep(changes, initial, gaps, window), spans)
    counted = tally(inside)
    ratio = counted.ratio() if counted.unknown <= max_unknown * counted.total else None
    port_vi, port_en = _port(said[-1])
    if ratio is None:
        return Part(
            "unknown",
            None,
            minimum,
            "ratio",
            f"chưa đủ số liệu cổng báo hiệu {port_vi}",
            f"not enough data on the signalling port {port_en}",
        )
    ok = ratio >= minimum
    last_vi, last_en = _last_failure(said)
    shown_vi, floor_vi = i18n.percent(ratio, "vi"), i18n.percent(minimum, "vi")
    shown_en, floor_en = i18n.percent(ratio, "en"), i18n.percent(minimum, "en")
    return Part(
        "met" if ok else "not_met",
        ratio,
        minimum,
        "ratio",
        f"cổng báo hiệu {port_vi} trả lời {shown_vi} giờ phục vụ (tối thiểu {floor_vi})"
        + ("" if ok else last_vi),
        f"signalling port {port_en} answered {shown_en} of service hours (minimum {floor_en})"
        + ("" if ok else last_en),
        None if ok else "device",
    )


def _signalling_key(e: StoredEvent) -> tuple[str, str, bool | None]:
    said = e.details.get("signalling")
    return "s", "", (said == ANSWERED) if isinstance(said, str) else None


def _port(e: StoredEvent) -> tuple[str, str]:
    """``SIP 5060/tcp`` from the newest event that names it."""
    protocol = e.details.get("signalling_protocol")
    port = e.details.get("signalling_port")
    name = _PROTOCOLS.get(protocol, protocol) if isinstance(protocol, str) else "SIP/H.323"
    text = f"{name} {port}/tcp" if isinstance(port, int) and not isinstance(port, bool) else name
    return text, text


def _last_failure(said: list[StoredEvent]) -> tuple[str, str]:
    """`` (lần gần nhất: từ chối kết nối)``: why the port did not answer, the newest time."""
    for e in reversed(said):
        reason = e.details.get("signalling")
        if isinstance(reason, str) and reason != ANSWERED:
            vi, en = i18n.REASONS.get(reason, (reason, reason))
            return f" (lần gần nhất: {vi})", f" (last time: {en})"
    return "", ""


# -- 4. carried -----------------------------------------------------------------------------------


def _line(
    inputs: SiteInputs, need_down: float, need_up: float
) -> tuple[Part, dict[str, float | int | str | None]]:
    lines = throughput(site_index(inputs)).values()
    carried = [
        (line.download_mbps, line.upload_mbps)
        for line in lines
        if line.download_mbps is not None and line.upload_mbps is not None
    ]
    need = (max(need_down, 1e-9), max(need_up, 1e-9))
    # The line that carries a conference best: the highest of its two ratios to the need.
    fastest = max(carried, key=lambda du: min(du[0] / need[0], du[1] / need[1]), default=None)
    if fastest is None:
        part = Part(
            "unknown", None, need_down, "Mbit/s", "chưa đo tốc độ đường truyền", "no speed tests"
        )
        return part, {"best_download_mbps": None, "best_upload_mbps": None}
    down, up = fastest
    details: dict[str, float | int | str | None] = {
        "best_download_mbps": round(down, 2),
        "best_upload_mbps": round(up, 2),
    }
    # The figure that decides: the direction furthest below (or nearest above) its need.
    if down / need[0] <= up / need[1]:
        value, threshold, word_vi, word_en = down, need_down, "tải xuống", "download"
    else:
        value, threshold, word_vi, word_en = up, need_up, "tải lên", "upload"
    ok = down >= need_down and up >= need_up
    speeds = f"{_speeds(down, up, 'vi')} Mbit/s (cần {_speeds(need_down, need_up, 'vi')})"
    speeds_en = f"{_speeds(down, up, 'en')} Mbit/s (needs {_speeds(need_down, need_up, 'en')})"
    short_vi = "" if ok else f", {word_vi} không đủ"
    short_en = "" if ok else f", {word_en} too slow"
    part = Part(
        "met" if ok else "not_met",
        value,
        threshold,
        "Mbit/s",
        f"đường truyền tải xuống/tải lên {speeds}{short_vi}",
        f"link download/upload {speeds_en}{short_en}",
        None if ok else "link",
    )
    return part, details


def _speeds(down: float, up: float, lang: i18n.Lang) -> str:
    """``12,5/4,0``: download/upload in Mbit/s, cut to a tenth (never rounded up: 3.96 Mbit/s
    must not read ``4,0`` beside a need of 4 it misses)."""
    cut = [math.floor(v * 10 + 1e-9) / 10 for v in (down, up)]
    return f"{i18n.number(cut[0], 1, lang)}/{i18n.number(cut[1], 1, lang)}"


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def _endpoint_events(inputs: SiteInputs, hours: TerminalHours | None) -> list[StoredEvent]:
    """The endpoint's state at the window's start and its changes in the window."""
    if hours is None:
        return []
    index = site_index(inputs)
    before = [e for e in index.before("terminal_state") if e.subject == hours.id][-1:]
    return [*before, *hours.events]


def _endpoint_evidence(events: list[StoredEvent]) -> Evidence:
    note_vi, note_en = refs_note(len(events))
    return events_evidence(
        events, f"Trạng thái thiết bị HNTH{note_vi}", f"Endpoint states{note_en}"
    )


RULE = RuleEntry(
    conference_endpoint,
    KINDS,
    frozenset(
        {
            "min_availability_in_service",
            "min_signalling_in_service",
            "max_unknown_ratio",
            "min_download_mbps",
            "min_upload_mbps",
        }
    ),
)
