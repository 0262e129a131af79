"""Links: a round's quality (loss, latency) on the LAN or a WAN link, the router's WAN port, and
the advice for a link by its kind (fibre, TSLCD, 4G) or for the LAN."""

from __future__ import annotations

from agent.diagnose.model import Advice, CheckResult
from agent.diagnose.plan import Planned
from agent.diagnose.verdict._result import (
    Figure,
    Figures,
    _cause,
    _fail,
    _ok,
    _warn,
    _words,
    advice,
)
from agent.diagnose.verdict.thresholds import LATENCY_WARN_SECONDS, LOSS_WARN_RATIO
from agent.probes.base import Outcome

# --- links ------------------------------------------------------------------------------------


def link_advice(link: str, kind: str, thing: str, code: str) -> Advice:
    """What to check on a link, by its kind: the fibre's modem, the TSLCD box, the 4G stick."""
    name = "mặc định" if link in ("", "default") else link
    name_en = "the default link" if link in ("", "default") else f"link {link}"
    if kind == "tslcd":
        vi = (
            f"Kiểm tra thiết bị mạng truyền số liệu chuyên dùng (TSLCD) của đường {name}: "
            "nguồn, cáp; gọi đầu mối TSLCD của tỉnh nếu vẫn mất"
        )
        en = (
            f"Check the government-network (TSLCD) box of {name_en}: power, cables; "
            "call the province's TSLCD contact if it stays down"
        )
    elif kind == "mobile":
        vi = (
            f"Kiểm tra modem 4G của đường {name}: sóng, SIM, hạn mức dữ liệu; đặt modem chỗ "
            "sóng tốt hơn"
        )
        en = (
            f"Check the 4G modem of {name_en}: signal, SIM, data allowance; move it "
            "where the signal is better"
        )
    else:
        vi = f"Kiểm tra cáp quang và modem của đường {name}; gọi nhà mạng nếu đèn LOS đỏ"
        en = (
            f"Check the fibre and the modem of {name_en}; call the provider if the LOS light is red"
        )
    return advice(thing, code, vi, en)


def _quality(p: Planned, outcome: Outcome, now: float) -> CheckResult:
    vi, en = _words("quality", outcome, now)
    values = {s.name: s.value for s in outcome.samples if "le" not in s.labels}
    sent = values.get("sansang_link_echo_requests_sent_total", 0.0)
    got = values.get("sansang_link_echo_replies_received_total", 0.0)
    median = values.get("sansang_link_rtt_median_seconds")
    loss = (sent - got) / sent if sent else None
    figures: dict[str, Figure] = {
        "sent": int(sent),
        "received": int(got),
        "loss_ratio": loss,
        "rtt_median_seconds": median,
        "link": p.attributes.get("link", "default"),
    }
    link, kind = p.attributes.get("link", ""), p.attributes.get("link_kind", "")
    if not outcome.success and outcome.reason == "name_not_resolved":
        return _unresolved(p, figures)
    if not outcome.success and outcome.reason == "refused" and p.layer == "wan":
        # a reset came back: the packets crossed the link, the port is another layer's matter
        return _ok(
            p,
            "máy đích trả lời nhưng từ chối cổng: đường truyền vẫn thông",
            "the far end answered but refused the port: the link carries packets",
            figures,
        )
    if not outcome.success:
        cause_vi, cause_en = _cause(outcome.reason, vi, en, outcome.detail)
        return _fail(
            p,
            outcome.reason,
            cause_vi,
            cause_en,
            figures=figures,
            advice=_reach_advice(p, link, kind, outcome.reason),
        )
    if loss is not None and loss > LOSS_WARN_RATIO:
        return _warn(
            p,
            "packet_loss",
            vi,
            en,
            figures=figures,
            advice=link_advice(link, kind, "quality", "link"),
        )
    if median is not None and median > LATENCY_WARN_SECONDS:
        return _warn(
            p,
            "high_latency",
            vi,
            en,
            figures=figures,
            advice=link_advice(link, kind, "quality", "link"),
        )
    return _ok(p, vi, en, figures)


def _unresolved(p: Planned, figures: Figures) -> CheckResult:
    """A reach that stopped at its host name tested no link: the DNS layer says why (a WAN
    failure here would name the link first for a DNS fault)."""
    return CheckResult(
        p.layer,
        p.id,
        p.name,
        "skip",
        "name_not_resolved",
        "chưa kiểm tra được: không phân giải được tên (xem Phân giải tên (DNS))",
        "not checked: the name did not resolve (see DNS)",
        figures=dict(figures),
    )


def _reach_advice(p: Planned, link: str, kind: str, code: str) -> Advice:
    if p.layer == "lan":
        return _lan_advice(p, code)
    return link_advice(link, kind, "quality" if p.thing == "quality" else "check", code)


def _lan_advice(p: Planned, code: str) -> Advice:
    where = p.attributes.get("address") or p.name
    return advice(
        p.thing or "check",
        code,
        f"Kiểm tra {p.name} ({where}): đèn nguồn, cáp mạng từ máy giám sát tới switch và router; "
        "tắt bật lại router nếu đèn tắt",
        f"Check {p.name} ({where}): power light, the cables from this machine to the switch "
        "and the router; power-cycle the router if its lights are off",
    )


def _router(p: Planned, outcome: Outcome, now: float) -> CheckResult:
    vi, en = _words("router", outcome, now)
    details = outcome.state_details
    iface = str(details.get("wan_interface", "WAN"))
    figures: dict[str, Figure] = {
        "wan_interface": iface,
        "wan_state": str(details.get("wan_state", "unknown")),
    }
    if outcome.success:
        return _ok(p, f"cổng WAN {iface} hoạt động", f"WAN interface {iface} up", figures)
    cause_vi, cause_en = _cause(outcome.reason, vi, en, outcome.detail)
    if outcome.reason in ("wan_down", "no_wan_address"):
        # the router says its WAN port is down: that is the link, not the LAN
        base = link_advice(iface, "internet", "router", outcome.reason)
        adv = Advice(
            f"Cổng WAN {iface} của {p.name} mất kết nối. " + base.vi,
            f"WAN port {iface} of {p.name} is down. " + base.en,
            base.playbook,
            base.anchor,
        )
        return CheckResult(
            "wan", p.id, p.name, "fail", outcome.reason, cause_vi, cause_en, adv, figures
        )
    return _fail(
        p,
        outcome.reason,
        cause_vi,
        cause_en,
        figures=figures,
        advice=advice(
            "router",
            "device",
            f"Kiểm tra {p.name} ({p.attributes.get('address', '')}): nguồn, cáp LAN; "
            "tài khoản SSH chỉ đọc và khoá định danh đã ghim (docs/routers.md)",
            f"Check {p.name}: power, LAN cable; its read-only SSH account and pinned "
            "host key (docs/routers.md)",
        ),
    )
