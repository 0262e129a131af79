"""What an alert says to a person (Vietnamese first, English beside it), kept short."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from collector.evaluate.model import Cause
from collector.inventory.model import Site

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SUMMARY_MAX = 300
DESCRIPTION_MAX = 1200

CAUSE_VI: dict[str, str] = {
    "power": "mất điện lưới",
    "link": "mất đường truyền",
    "device": "thiết bị hoặc dịch vụ tại chỗ",
    "central": "sự cố phía trung tâm (nhiều điểm cùng lúc)",
    "agent": "tác tử giám sát ngừng chạy hoặc khởi động lại",
    "unknown": "chưa rõ",
}
CAUSE_EN: dict[str, str] = {
    "power": "mains power lost",
    "link": "link lost",
    "device": "the device or service on site",
    "central": "a central outage (many sites at once)",
    "agent": "the monitoring agent stopped or restarted",
    "unknown": "unknown",
}
ROLE_VI = {
    "one_stop_system": "Hệ thống Một cửa điện tử",
    "national_portal": "Cổng Dịch vụ công quốc gia",
    "province_datacenter": "Trung tâm dữ liệu tỉnh",
}
ROLE_EN = {
    "one_stop_system": "The one-stop e-system",
    "national_portal": "The national public service portal",
    "province_datacenter": "The province data centre",
}


def at_vi(unix: float) -> str:
    """``10:02 ngày 22/11/2026`` (giờ Việt Nam)."""
    return datetime.fromtimestamp(unix, VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def at_en(unix: float) -> str:
    return datetime.fromtimestamp(unix, VIETNAM).strftime("%H:%M on %d/%m/%Y (UTC+7)")


def place(site: Site) -> str:
    """``Bộ phận Một cửa xã Sa Thầy (Xã Sa Thầy, 23527-main)``."""
    commune = site.commune.name
    if commune.casefold() in site.name.casefold():
        return f"{site.name} ({site.key})"
    return f"{site.name} ({commune}, {site.key})"


def responder(site: Site, risk: str) -> tuple[str, str]:
    """The named responder of the site's plan for ``risk``, as a Vietnamese and an English
    sentence ("" when the inventory names none)."""
    plan = site.contingency.get(risk)  # type: ignore[call-overload]
    if plan is None:
        return "", ""
    r = plan.responder
    return (
        f" Người phụ trách: {r.name}, {r.phone}. Phương án dự phòng: {plan.fallback.text}",
        f" Responder: {r.name}, {r.phone}. Fallback: {plan.fallback.text}",
    )


def cause_sentence(cause: Cause) -> tuple[str, str]:
    return (
        f"Nguyên nhân có khả năng: {CAUSE_VI[cause]}.",
        f"Likely cause: {CAUSE_EN[cause]}.",
    )


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
