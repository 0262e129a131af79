"""A UPS check's result: on mains or on battery with its charge and time left, a low battery,
bypass or overload, each with what to do about it."""

from __future__ import annotations

from agent.diagnose.model import CheckResult
from agent.diagnose.plan import Planned
from agent.diagnose.verdict._result import Figure, _cause, _fail, _ok, _warn, advice
from agent.power.reading import PowerReading
from agent.probes.base import Outcome
from sansang import i18n
from sansang.i18n import Lang

# --- power ------------------------------------------------------------------------------------


def _power(p: Planned, outcome: Outcome) -> CheckResult:
    r = outcome.reading
    figures = _power_figures(r)
    if not outcome.success:
        return _fail(
            p,
            outcome.reason,
            *_cause(outcome.reason, detail=outcome.detail),
            figures=figures,
            advice=advice(
                "power",
                outcome.reason,
                f"Kiểm tra cáp USB/mạng nối {p.name} và dịch vụ NUT (upsd) trên máy "
                "giám sát; xem đèn báo trên UPS",
                f"Check the USB/network cable of {p.name} and the NUT service (upsd) "
                "on this machine; look at the UPS's lights",
            ),
        )
    if r is None:
        return _ok(p, "có số liệu", "answered", figures)
    left_vi, left_en = _battery_words(r, "vi"), _battery_words(r, "en")
    if r.on_battery:
        reason = "battery_low" if r.battery_low else "on_battery"
        vi = "mất điện lưới, UPS đang chạy bằng pin" + (f": {left_vi}" if left_vi else "")
        en = "mains lost, the UPS runs on battery" + (f": {left_en}" if left_en else "")
        if r.battery_low:
            vi, en = vi + ", PIN YẾU", en + ", BATTERY LOW"
        return _fail(
            p,
            reason,
            vi,
            en,
            figures=figures,
            advice=advice(
                "power",
                "power",
                f"Mất điện lưới tại {p.name}: báo điện lực; lưu hồ sơ đang làm và tắt "
                "máy an toàn trước khi pin cạn" + (f" ({left_vi})" if left_vi else ""),
                f"Mains lost at {p.name}: call the power company; save work and shut "
                "down cleanly before the battery runs out" + (f" ({left_en})" if left_en else ""),
            ),
        )
    if r.battery_low:
        return _fail(
            p,
            "battery_low",
            f"pin UPS yếu ({left_vi})",
            f"UPS battery low ({left_en})",
            figures=figures,
            advice=advice(
                "power",
                "device",
                f"Pin {p.name} yếu khi vẫn có điện: kiểm tra ắc quy, gọi bảo hành để thay",
                f"{p.name}'s battery is low on mains: have it replaced",
            ),
        )
    if r.bypass or r.forced_shutdown:
        reason = "bypass" if r.bypass else "forced_shutdown"
        vi = "UPS chạy bypass: tải không được bảo vệ" if r.bypass else "UPS yêu cầu tắt máy (FSD)"
        en = "UPS on bypass: the load is unprotected" if r.bypass else "UPS forced shutdown (FSD)"
        return _fail(
            p,
            reason,
            vi,
            en,
            figures=figures,
            advice=advice(
                "power",
                "device",
                f"Kiểm tra {p.name}: quá tải hoặc lỗi UPS; giảm tải, gọi bảo hành UPS",
                f"Check {p.name}: overload or a UPS fault; shed load, call its service",
            ),
        )
    if "RB" in r.flags or "OVER" in r.flags:
        over = "OVER" in r.flags
        vi = "UPS quá tải" if over else "UPS báo cần thay ắc quy"
        en = "UPS overloaded" if over else "UPS asks for a battery replacement"
        return _warn(
            p,
            "overload" if over else "replace_battery",
            vi,
            en,
            figures=figures,
            advice=advice(
                "power",
                "device",
                f"{p.name}: " + ("bớt thiết bị cắm vào UPS" if over else "thay ắc quy UPS sớm"),
                f"{p.name}: " + ("unplug some load" if over else "replace the battery soon"),
            ),
        )
    vi = "có điện lưới" + (f", {left_vi}" if left_vi else "")
    en = "on mains" + (f", {left_en}" if left_en else "")
    return _ok(p, vi, en, figures)


def _battery_words(r: PowerReading, lang: Lang) -> str:
    parts = []
    if r.battery_charge_ratio is not None:
        parts.append(
            ("pin còn " if lang == "vi" else "battery at ")
            + i18n.percent(r.battery_charge_ratio, lang)
        )
    if r.battery_runtime_seconds is not None:
        left = i18n.duration(r.battery_runtime_seconds, lang)
        parts.append(f"còn khoảng {left}" if lang == "vi" else f"about {left} left")
    return ", ".join(parts)


def _power_figures(r: PowerReading | None) -> dict[str, Figure]:
    if r is None:
        return {}
    return {
        "flags": " ".join(sorted(r.flags)),
        "battery_charge_ratio": r.battery_charge_ratio,
        "battery_runtime_seconds": r.battery_runtime_seconds,
        "on_battery": r.on_battery,
    }
