"""What an alert says to a person (Vietnamese first, English beside it), kept short."""

from __future__ import annotations

from collector.evaluate.model import Cause
from collector.inventory.model import Site
from sansang import i18n

SUMMARY_MAX = 300
DESCRIPTION_MAX = 1200


def at_vi(unix: float) -> str:
    """``10:02 ngày 22/11/2026`` (giờ Việt Nam)."""
    return i18n.local(unix).strftime("%H:%M ngày %d/%m/%Y")


def at_en(unix: float) -> str:
    return i18n.local(unix).strftime("%H:%M on %d/%m/%Y (UTC+7)")


def place(site: Site) -> str:
    """``Bộ phận Một cửa xã Sa Thầy (Xã Sa Thầy, 23527-main)``."""
    commune = site.commune.name
    if commune.casefold() in site.name.casefold():
        return f"{site.name} ({site.key})"
    return f"{site.name} ({commune}, {site.key})"


def responder(site: Site, risk: str) -> tuple[str, str]:
    """The named responder of the site's plan for ``risk`` and its fallback, as a Vietnamese and
    an English sentence; without a responder (no plan, or a draft naming none) the commune's
    focal point; "" when the inventory names no one."""
    plan = site.contingency.get(risk)  # type: ignore[call-overload]
    fallback = plan.fallback if plan is not None and plan.status != "missing" else None
    r = plan.responder if plan is not None and plan.status != "missing" else None
    focal = site.response_team.focal_point if site.response_team is not None else None
    if r is not None:
        who_vi, who_en = (
            f" Người phụ trách: {r.name}, {r.phone}.",
            f" Responder: {r.name}, {r.phone}.",
        )
    elif focal is not None:
        who_vi = f" Đầu mối phối hợp của xã: {focal.name}, {focal.phone}."
        who_en = f" The commune's focal point: {focal.name}, {focal.phone}."
    else:
        who_vi = who_en = ""
    if fallback is None:
        return who_vi, who_en
    return (
        f"{who_vi} Phương án dự phòng: {fallback.text}",
        f"{who_en} Fallback: {fallback.text}",
    )


def service_name(role: str, service: str) -> tuple[str, str]:
    """The system a service check watches, by its role (``Hệ thống Một cửa điện tử``); a
    service of no known role by its id."""
    if role in i18n.SERVICE_ROLES and role != "other":
        return i18n.SERVICE_ROLES[role]
    return f"Dịch vụ {service}", f"Service {service}"


def cause_sentence(cause: Cause) -> tuple[str, str]:
    """The cause in the words of the findings and the board (:data:`sansang.i18n.CAUSES`)."""
    cause_vi, cause_en = i18n.CAUSES[cause]
    return f"Nguyên nhân có khả năng: {cause_vi}.", f"Likely cause: {cause_en}."


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
