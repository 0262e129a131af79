"""INF-HNTH: a video-conference endpoint (thiết bị hội nghị truyền hình) that is registered,
reachable in service hours, and a link able to carry a conference.

1. Registered: the inventory site has a terminal of kind ``video_conference``; none is not met
   with cause ``device`` (003 footnote 1 lists communes without one).
2. Reachable: its ``terminal_state`` availability in service hours (the agent's default schedule)
   against ``min_availability_in_service``; with several endpoints the best one counts.
3. Carried: the best line's median download and upload (INF-BW's tests) against
   ``min_download_mbps`` and ``min_upload_mbps``.

Any part not met: not met (cause of the first such part); any part without data: unknown.
"""

from __future__ import annotations

from collector.evaluate.model import (
    Cause,
    Finding,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import finding, number
from collector.evaluate.rules.bandwidth_median import throughput
from collector.evaluate.rules.terminal_availability import terminal_hours
from collector.evaluate.timeline import site_index
from sansang import i18n

TARGET = "INF-HNTH"
KINDS = ("terminal_state", "speedtest_result")


def conference_endpoint(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    minimum = number(thresholds, "min_availability_in_service")
    max_unknown = number(thresholds, "max_unknown_ratio")
    need_down = number(thresholds, "min_download_mbps")
    need_up = number(thresholds, "min_upload_mbps")
    endpoints = [t for t in inputs.site.terminals if t.kind == "video_conference"]
    if not endpoints:
        return finding(
            TARGET,
            inputs,
            window,
            "not_met",
            value=None,
            threshold=minimum,
            unit="ratio",
            vi="Chưa có thiết bị đầu cuối HNTH",
            en="No video-conference endpoint registered",
            cause="device",
            details={"endpoints": 0},
        )
    hours = terminal_hours(inputs, window)
    seen = [hours[t.id] for t in endpoints if t.id in hours]
    usable = [t for t in seen if t.counted.unknown <= max_unknown * t.counted.total]
    best = max(usable, key=lambda t: t.availability or 0.0, default=None)
    availability = best.availability if best else None
    lines = throughput(site_index(inputs)).values()
    carried = [
        (line.download_mbps, line.upload_mbps)
        for line in lines
        if line.download_mbps is not None and line.upload_mbps is not None
    ]
    # The line that carries a conference best: the highest of its two ratios to the need.
    need = (max(need_down, 1e-9), max(need_up, 1e-9))
    fastest = max(carried, key=lambda du: min(du[0] / need[0], du[1] / need[1]), default=None)
    best_down, best_up = fastest if fastest else (None, None)
    link_ok = fastest is not None and fastest[0] >= need_down and fastest[1] >= need_up
    details: dict[str, float | int | str | None] = {
        "endpoints": len(endpoints),
        "availability_in_service": round(availability, 4) if availability is not None else None,
        "best_download_mbps": round(best_down, 2) if best_down is not None else None,
        "best_upload_mbps": round(best_up, 2) if best_up is not None else None,
    }
    parts: list[tuple[Status, Cause | None, str, str]] = []
    if availability is None:
        parts.append(("unknown", None, "chưa có số liệu thiết bị HNTH", "no endpoint data"))
    else:
        ok = availability >= minimum
        cause = None if ok else (best.cause if best and best.cause else "device")
        parts.append(
            (
                "met" if ok else "not_met",
                cause,
                f"thiết bị HNTH hoạt động {i18n.percent(availability, 'vi')} giờ phục vụ "
                f"(tối thiểu {i18n.percent(minimum, 'vi')})",
                f"endpoint up {i18n.percent(availability, 'en')} of service hours "
                f"(minimum {i18n.percent(minimum, 'en')})",
            )
        )
    if not carried:
        parts.append(("unknown", None, "chưa đo tốc độ đường truyền", "no speed tests"))
    else:
        speed_vi = _speeds(best_down or 0.0, best_up or 0.0, "vi")
        speed_en = _speeds(best_down or 0.0, best_up or 0.0, "en")
        parts.append(
            (
                "met" if link_ok else "not_met",
                None if link_ok else "link",
                f"đường truyền {speed_vi} Mbit/s (cần {_speeds(need_down, need_up, 'vi')})",
                f"link {speed_en} Mbit/s (needs {_speeds(need_down, need_up, 'en')})",
            )
        )
    statuses = [p[0] for p in parts]
    status: Status = (
        "not_met" if "not_met" in statuses else "unknown" if "unknown" in statuses else "met"
    )
    first_cause = next((p[1] for p in parts if p[0] == "not_met"), None)
    head_vi = {"met": "Đủ điều kiện HNTH", "not_met": "Chưa đủ điều kiện HNTH", "unknown": "HNTH"}
    head_en = {
        "met": "Ready for conferences",
        "not_met": "Not ready for conferences",
        "unknown": "Conference readiness unknown",
    }
    return finding(
        TARGET,
        inputs,
        window,
        status,
        value=availability,
        threshold=minimum,
        unit="ratio",
        vi=f"{head_vi[status]}: " + "; ".join(p[2] for p in parts),
        en=f"{head_en[status]}: " + "; ".join(p[3] for p in parts),
        cause=first_cause,
        details=details,
    )


def _speeds(down: float, up: float, lang: i18n.Lang) -> str:
    """``12,5/4,0``: download/upload in Mbit/s, one decimal."""
    return f"{i18n.number(down, 1, lang)}/{i18n.number(up, 1, lang)}"


RULE = RuleEntry(
    conference_endpoint,
    KINDS,
    frozenset(
        {"min_availability_in_service", "max_unknown_ratio", "min_download_mbps", "min_upload_mbps"}
    ),
)
