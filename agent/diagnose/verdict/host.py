"""The box's own check (the monitoring machine): a filling disk or an unsynchronised clock."""

from __future__ import annotations

from agent.diagnose.model import CheckResult
from agent.diagnose.plan import Planned
from agent.diagnose.verdict._result import Figure, _cause, _fail, _ok, _warn, _words, advice
from agent.diagnose.verdict.thresholds import DISK_WARN_RATIO
from agent.probes.base import Outcome
from sansang import i18n

# --- the box ----------------------------------------------------------------------------------


def _host(p: Planned, outcome: Outcome, now: float) -> CheckResult:
    vi, en = _words("host", outcome, now)
    if not outcome.success:
        return _fail(
            p,
            outcome.reason,
            *_cause(outcome.reason, vi, en, outcome.detail),
            advice=advice(
                "host",
                "device",
                "Kiểm tra máy giám sát (ổ đĩa, nhật ký hệ thống)",
                "Check this machine (disks, system log)",
            ),
        )
    size = {
        s.labels.get("mountpoint", ""): s.value
        for s in outcome.samples
        if s.name == "sansang_host_filesystem_size_bytes"
    }
    free = {
        s.labels.get("mountpoint", ""): s.value
        for s in outcome.samples
        if s.name == "sansang_host_filesystem_free_bytes"
    }
    figures: dict[str, Figure] = {}
    full = []
    for mount, total in size.items():
        if total > 0 and mount in free:
            used = 1 - free[mount] / total
            figures[f"disk_used_ratio:{mount}"] = round(used, 4)
            if used > DISK_WARN_RATIO:
                full.append((mount, used))
    synced = next(
        (s.value for s in outcome.samples if s.name == "sansang_host_clock_synchronized"), None
    )
    figures["clock_synchronized"] = None if synced is None else bool(synced)
    if full:
        mount, used = full[0]
        pv, pe = i18n.percent(used, "vi"), i18n.percent(used, "en")
        return _warn(
            p,
            "disk_full",
            f"ổ {mount} đã dùng {pv}; {vi}",
            f"{mount} is {pe} full; {en}",
            figures=figures,
            advice=advice(
                "host",
                "device",
                f"Dọn ổ {mount} của máy giám sát (tệp tải về, bản ghi cũ) hoặc thay ổ lớn hơn",
                f"Free space on {mount} of this machine, or fit a larger disk",
            ),
        )
    if synced == 0:
        return _warn(
            p,
            "clock_unsynchronised",
            vi,
            en,
            figures=figures,
            advice=advice(
                "host",
                "device",
                "Bật đồng bộ thời gian (chrony hoặc systemd-timesyncd) trên máy giám "
                "sát và cho phép máy ra NTP (cổng UDP 123)",
                "Enable time sync (chrony or systemd-timesyncd) on this machine and "
                "let it reach NTP (UDP 123)",
            ),
        )
    return _ok(p, vi, en, figures)
