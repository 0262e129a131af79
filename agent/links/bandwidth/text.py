"""What a person reads about throughput tests and surveys: Vietnamese first, then English.

Megabits per second for people; the journal and the metrics keep bytes per second.
"""

from __future__ import annotations

from typing import Any

from agent.links.bandwidth.runs import TestOutcome
from sansang.i18n import REASONS, pick

MIB = 1024 * 1024


def mbit(bytes_per_second: float | None) -> str:
    return "–" if bytes_per_second is None else f"{bytes_per_second * 8 / 1e6:.1f} Mbit/s"


def millis(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.1f} ms"


def mib(count: float) -> str:
    return f"{count / MIB:.1f} MiB"


def cause(reason: str, detail: str) -> str:
    vi, en = pick(REASONS, reason, "vi"), pick(REASONS, reason, "en")
    return f"{vi} / {en}" + (f" ({detail})" if detail else "")


def outcome_lines(o: TestOutcome) -> list[str]:
    head = (
        f"Đo băng thông / speed test: {o.backend.id} ({o.backend.kind}), "
        f"đường truyền / link {o.link}"
    )
    if o.result is None:
        assert o.error is not None
        verdict = "BỎ QUA / skipped" if o.skipped else "THẤT BẠI / failed"
        return [head, f"  {verdict}: {cause(o.error.reason, o.error.detail)}"]
    r = o.result
    return [
        head,
        f"  Máy chủ / server: {r.server}",
        f"  Tải xuống / download: {mbit(r.download_bps)}   Tải lên / upload: {mbit(r.upload_bps)}"
        f"   Độ trễ khi chưa tải / idle latency: {millis(r.latency_seconds)}",
        f"  Dữ liệu dùng / data used: {mib(r.bytes_used)} trong / in {r.duration_seconds:.1f} s",
    ]


def budget_line(used: int, monthly: int) -> str:
    left = max(0, monthly - used)
    return (
        f"Hạn mức tháng / monthly budget: đã dùng / used {mib(used)} của / of {mib(monthly)}, "
        f"còn / left {mib(left)}"
    )


def survey_lines(record: dict[str, Any], out: str) -> list[str]:
    lines = [
        f"Khảo sát vùng lõm sóng / dead-zone survey: {record['label']} "
        f"({record['latitude']:.6f}, {record['longitude']:.6f}), {record['time']}"
    ]
    for name, t in record["throughput"].items():
        if t["ok"]:
            lines.append(
                f"  {name}: tải xuống / download {mbit(t['download_bps'])}, "
                f"tải lên / upload {mbit(t['upload_bps'])} ({mib(t['bytes_used'])})"
            )
        else:
            lines.append(f"  {name}: THẤT BẠI / failed: {cause(t['reason'], t['detail'])}")
    lat = record["latency"]
    lines.append(
        f"  Độ trễ / latency: trung vị / median {millis(lat['median_seconds'])}, "
        f"jitter {millis(lat['jitter_seconds'])}; mất gói / loss {lat['loss_ratio']:.0%} "
        f"({lat['received']}/{lat['sent']} kết nối TCP / TCP connects)"
    )
    lines.append(f"  Sóng di động / cellular: {_cellular(record['cellular'])}")
    lines.append(f"Đã ghi vào / appended to: {out}")
    return lines


def _cellular(cellular: dict[str, Any] | None) -> str:
    if cellular is None:
        return "không đọc được (không có ModemManager) / not read (no ModemManager)"
    if not cellular["modems"]:
        return "không có modem / no modem"
    parts = []
    for m in cellular["modems"]:
        tech = ",".join(m["access_technologies"]) or "–"
        quality = m["signal_quality_percent"]
        shown = "–" if quality is None else f"{quality:.0f} %"
        extra = "".join(
            f" {k.upper()} {v:g}"
            for t in m["signal"].values()
            for k, v in t.items()
            if k in ("rsrp", "rssi")
        )
        parts.append(f"{m['operator_name'] or '?'} {tech} {shown}{extra}")
    return "; ".join(parts)
