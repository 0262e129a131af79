"""The devices at the counters: a printer's errors as actions, the video-conference endpoint's
signalling, and what to check on a terminal that does not answer."""

from __future__ import annotations

from agent.diagnose.model import Advice, CheckResult
from agent.diagnose.plan import Planned
from agent.diagnose.verdict._result import Figure, _cause, _fail, _ok, _warn, _words, advice
from agent.probes.base import Outcome
from sansang import i18n

# What to do about each printer error (the codes of sansang.i18n.PRINTER_ERRORS).
PRINTER_ACTIONS: dict[str, tuple[str, str]] = {
    "no_paper": ("nạp giấy vào khay", "load paper"),
    "low_paper": ("chuẩn bị giấy", "have paper ready"),
    "input_tray_empty": ("nạp giấy vào khay", "load paper"),
    "jammed": ("mở máy in, gỡ giấy kẹt", "open the printer and clear the jam"),
    "door_open": ("đóng nắp máy in", "close the printer's door"),
    "no_toner": ("thay hộp mực", "replace the toner"),
    "low_toner": ("chuẩn bị hộp mực thay", "have a toner cartridge ready"),
    "marker_supply_missing": ("lắp hộp mực", "fit the toner cartridge"),
    "offline": ("bấm Online (trực tuyến) trên máy in", "press Online on the printer"),
    "input_tray_missing": ("lắp khay giấy", "fit the paper tray"),
    "output_tray_missing": ("lắp khay ra giấy", "fit the output tray"),
    "output_full": ("lấy giấy ở khay ra", "empty the output tray"),
    "output_near_full": ("lấy giấy ở khay ra", "empty the output tray"),
    "service_requested": ("gọi bảo hành máy in", "call the printer's service"),
    "overdue_prevent_maint": ("gọi bảo dưỡng máy in", "call for maintenance"),
    "device_down": ("tắt bật lại máy in; gọi bảo hành nếu vẫn lỗi", "power-cycle it; call service"),
}
# Printer errors that still let it print: a warning, not a failure.
PRINTER_WARNINGS = frozenset(
    {"low_paper", "low_toner", "output_near_full", "overdue_prevent_maint"}
)


# --- terminals, the conference endpoint, printers ---------------------------------------------


def _printer(p: Planned, outcome: Outcome) -> CheckResult:
    codes = [c for c in str(outcome.state_details.get("printer_errors", "")).split(",") if c]
    figures: dict[str, Figure] = {"printer_errors": ",".join(codes)}
    said_vi, said_en = (
        i18n.printer_errors(",".join(codes), "vi"),
        i18n.printer_errors(",".join(codes), "en"),
    )
    actions_vi = "; ".join(dict.fromkeys(i18n.pick(PRINTER_ACTIONS, c, "vi") for c in codes))
    actions_en = "; ".join(dict.fromkeys(i18n.pick(PRINTER_ACTIONS, c, "en") for c in codes))
    if not outcome.success and outcome.reason == "printer_error":
        return _fail(
            p,
            "printer_error",
            f"máy in báo: {said_vi}",
            f"the printer says: {said_en}",
            figures=figures,
            advice=advice(
                "terminal", "printer_error", f"{p.name}: {actions_vi}", f"{p.name}: {actions_en}"
            ),
        )
    if not outcome.success:
        return _fail(
            p,
            outcome.reason,
            *_cause(outcome.reason, detail=outcome.detail),
            figures=figures,
            advice=_terminal_advice(p, outcome.reason),
        )
    if codes:
        return _warn(
            p,
            "printer_warning",
            f"in được, nhưng {said_vi}",
            f"prints, but {said_en}",
            figures=figures,
            advice=advice(
                "terminal", "printer_error", f"{p.name}: {actions_vi}", f"{p.name}: {actions_en}"
            ),
        )
    return _ok(p, "in được, không báo lỗi", "ready, no error", figures)


def _conference(p: Planned, outcome: Outcome, now: float) -> CheckResult:
    vi, en = _words("conference", outcome, now)
    signalling = str(outcome.state_details.get("signalling", ""))
    port = outcome.state_details.get("signalling_port", "")
    figures: dict[str, Figure] = {
        "signalling": signalling or None,
        "signalling_port": str(port) if port else None,
    }
    if not outcome.success:
        return _fail(
            p,
            outcome.reason,
            *_cause(outcome.reason, vi, en, outcome.detail),
            figures=figures,
            advice=_terminal_advice(p, outcome.reason),
        )
    if signalling and signalling != "answered":
        return _fail(
            p,
            signalling,
            vi,
            en,
            figures=figures,
            advice=advice(
                "video_conference",
                signalling,
                f"{p.name} trả lời ping nhưng chưa nhận cuộc gọi: bật ứng dụng hội nghị "
                f"/ đăng ký SIP trên thiết bị, mở cổng {port} trên tường lửa",
                f"{p.name} answers ping but takes no call: start its conference "
                f"application / SIP registration, open port {port} in the firewall",
            ),
        )
    return _ok(p, vi, en, figures)


def _terminal_advice(p: Planned, code: str) -> Advice:
    kind = p.attributes.get("kind", "other")
    address = p.attributes.get("address", "")
    thing = "video_conference" if kind == "video_conference" else p.thing or "terminal"
    return advice(
        thing,
        code,
        f"Kiểm tra {p.name} ({address}): bật nguồn, cắm cáp mạng, đúng địa chỉ IP",
        f"Check {p.name} ({address}): power on, network cable in, the right IP address",
    )
