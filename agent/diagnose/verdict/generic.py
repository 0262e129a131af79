"""The generic checks (reach on the LAN or a WAN link, DNS, the services): failure by layer
with its advice, and a certificate close to its end."""

from __future__ import annotations

from datetime import datetime

from agent.diagnose.model import Advice, CheckResult, Layer
from agent.diagnose.plan import Planned
from agent.diagnose.verdict._result import Figure, _cause, _fail, _ok, _warn, _words, advice
from agent.diagnose.verdict.devices import _terminal_advice
from agent.diagnose.verdict.network import _lan_advice, _unresolved, link_advice
from agent.diagnose.verdict.thresholds import CERT_WARN_DAYS
from agent.probes.base import Outcome
from sansang import i18n

# --- generic checks: reach, DNS, services -----------------------------------------------------


def _generic(p: Planned, outcome: Outcome, now: float) -> CheckResult:
    assert p.job is not None
    kind = p.job.probe.name
    vi, en = _words(kind, outcome, now)
    values = {s.name: s.value for s in outcome.samples if "le" not in s.labels}
    expiry = values.get("sansang_tls_certificate_expiry_timestamp_seconds")
    figures: dict[str, Figure] = {}
    if expiry is not None:
        figures["certificate_expiry"] = expiry
    if not outcome.success and outcome.reason == "name_not_resolved" and p.layer in ("lan", "wan"):
        return _unresolved(p, figures)
    if not outcome.success:
        return _fail(
            p,
            outcome.reason,
            *_cause(outcome.reason, vi, en, outcome.detail),
            figures=figures,
            advice=_failure_advice(p, outcome.reason),
        )
    if expiry is not None and expiry - now < CERT_WARN_DAYS * 86400:
        day = datetime.fromtimestamp(expiry, i18n.ZONE).strftime("%d/%m/%Y")
        return _warn(
            p,
            "certificate_expiring",
            vi,
            en,
            figures=figures,
            advice=advice(
                "service",
                "certificate_invalid",
                f"Chứng thư số của {p.name} hết hạn ngày {day}: báo đơn vị quản trị "
                "hệ thống gia hạn trước ngày đó",
                f"The certificate of {p.name} expires on {day}: ask its operator to "
                "renew it before then",
            ),
        )
    return _ok(p, vi, en, figures)


def _failure_advice(p: Planned, code: str) -> Advice:
    layer: Layer = p.layer
    if layer == "lan":
        return _lan_advice(p, code)
    if layer == "wan" and code == "refused":
        # a reset came back: the link carries packets, nothing listens on that port
        where = p.attributes.get("address") or p.name
        return advice(
            "service",
            code,
            f"{where} trả lời nhưng không có dịch vụ ở cổng này (đường truyền vẫn thông): báo "
            f"đơn vị quản lý {p.name}",
            f"{where} answers but nothing listens on that port (the link works): tell the "
            f"operator of {p.name}",
        )
    if layer == "wan":
        return link_advice(
            p.attributes.get("link", ""), p.attributes.get("link_kind", ""), "check", code
        )
    if layer == "dns":
        server = p.attributes.get("server") or "của hệ thống"
        return advice(
            "dns",
            code,
            f"Máy chủ DNS {server} không phân giải được tên: kiểm tra DNS đặt trên router và máy "
            "(thường là DNS của nhà mạng hoặc của tỉnh), thử máy chủ DNS khác; báo nhà mạng nếu "
            "vẫn lỗi",
            f"DNS server {server} does not resolve: check the DNS set on the router and this "
            "machine (the provider's or the province's), try another; call the provider",
        )
    if layer == "services":
        if code in ("certificate_invalid", "tls_error"):
            return advice(
                "service",
                code,
                f"Chứng thư số của {p.name} không hợp lệ: kiểm tra đồng hồ máy giám sát; "
                "báo đơn vị quản trị hệ thống",
                f"{p.name}'s certificate is not valid: check this machine's clock; "
                "tell the system's operator",
            )
        return advice(
            "service",
            code,
            f"{p.name} không trả lời trong khi đường truyền của xã vẫn tốt: báo đơn vị vận hành "
            "hệ thống (Trung tâm dữ liệu tỉnh, Cổng DVCQG) kèm giờ lỗi; tại xã không cần sửa gì",
            f"{p.name} does not answer while the commune's link works: tell its operator (the "
            "province data centre, the national portal) with the time; nothing to fix on site",
        )
    return _terminal_advice(p, code)
