"""A probe's :class:`~agent.probes.base.Outcome` as a diagnose result: ok, warn or fail, the
result in words (Vietnamese first), and for a warn or fail the next step with its playbook.

The words reuse the probe text of ``sansang agent probe`` (:func:`agent.probe_text.words`) and
the one vocabulary of :mod:`sansang.i18n`; what only diagnose says (a UPS on battery with its
charge, a printer's errors as actions, a link's fault by its kind) is here.  The advice names the
thing and what to do with it, and the playbook section comes from
:func:`sansang.playbooks.advice` (``THINGS``).

Thresholds a warning rests on, each with its reason:

- a filesystem more than :data:`DISK_WARN_RATIO` used;
- a round losing more than :data:`LOSS_WARN_RATIO` (INF-DZ's ``max_loss_ratio``: above it
  interactive use fails) or slower than :data:`LATENCY_WARN_SECONDS` (median);
- a certificate with less than :data:`CERT_WARN_DAYS` days left;
- throughput under the plan's floor (:data:`BANDWIDTH_FLOOR_MBPS`, the defaults of the
  collector's ``targets/catalogue.yaml``: INF-BW per link kind, INF-HNTH for a conference).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from agent import probe_text
from agent.diagnose.model import Advice, CheckResult, Layer, Status
from agent.diagnose.plan import Planned
from agent.power.reading import PowerReading
from agent.probes.base import Outcome
from sansang import i18n, playbooks
from sansang.i18n import Lang

DISK_WARN_RATIO = 0.90
LOSS_WARN_RATIO = 0.05
LATENCY_WARN_SECONDS = 0.3  # a 4G link answers in 30-100 ms; beyond this the portal crawls
CERT_WARN_DAYS = 30
Figure = float | int | str | bool | None
Figures = Mapping[str, Figure]
# (download, upload) Mbit/s: INF-BW's internet_/tslcd_ and INF-HNTH's min_ thresholds (a unit
# test holds them to collector/targets/catalogue.yaml; the agent does not import the collector).
BANDWIDTH_FLOOR_MBPS: dict[str, tuple[float, float]] = {
    "internet": (100.0, 20.0),
    "tslcd": (20.0, 20.0),
}
CONFERENCE_FLOOR_MBPS: tuple[float, float] = (4.0, 4.0)

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


def advice(thing: str, code: str, vi: str, en: str) -> Advice:
    """The next step, with the section ``sansang.playbooks`` gives ``thing`` failing for
    ``code`` (a reason, or a cause such as ``power`` or ``device``)."""
    found = playbooks.advice(thing, code) if thing else None
    if found is None:
        return Advice(vi, en)
    return Advice(vi, en, found[0], found[1])


def skipped(p: Planned) -> CheckResult:
    return CheckResult(p.layer, p.id, p.name, "skip", "skipped", p.note_vi, p.note_en)


def broken(p: Planned, err: BaseException) -> CheckResult:
    """A check that raised: a failure with the reason, never an exception out of diagnose."""
    detail = f"{type(err).__name__}: {err}"[:200]
    return CheckResult(
        p.layer,
        p.id,
        p.name,
        "fail",
        "error",
        f"lỗi khi kiểm tra: {detail}",
        f"the check raised: {detail}",
        advice(
            "host",
            "error",
            "Chạy lại với --log-level debug và gửi kết quả cho kỹ thuật tỉnh",
            "Run again with --log-level debug and send the output to the province",
        ),
    )


def judge(p: Planned, outcome: Outcome, now: float, duration: float = 0.0) -> CheckResult:
    """The result of one probe run of ``p``."""
    assert p.job is not None
    kind = p.job.probe.name
    if p.job.role == "power":
        result = _power(p, outcome)
    elif kind == "host":
        result = _host(p, outcome, now)
    elif kind == "quality":
        result = _quality(p, outcome, now)
    elif kind == "router":
        result = _router(p, outcome, now)
    elif kind == "printer":
        result = _printer(p, outcome)
    elif kind == "conference":
        result = _conference(p, outcome, now)
    else:
        result = _generic(p, outcome, now)
    return _with(result, duration=duration)


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


# --- helpers ----------------------------------------------------------------------------------


def _words(kind: str, outcome: Outcome, now: float) -> tuple[str, str]:
    return probe_text.words(kind, outcome, now, "vi"), probe_text.words(kind, outcome, now, "en")


def _cause(reason: str, vi: str = "", en: str = "", detail: str = "") -> tuple[str, str]:
    """The failure's cause in words, then the figures the run still gave (and, for a check that
    broke rather than failed, its detail: "see the log" means nothing on a technician's screen)."""
    if reason == "error" and detail:
        vi, en = ", ".join(filter(None, (detail, vi))), ", ".join(filter(None, (detail, en)))
    cause_vi, cause_en = (
        i18n.pick(i18n.REASONS, reason, "vi"),
        i18n.pick(i18n.REASONS, reason, "en"),
    )
    return (f"{cause_vi}; {vi}" if vi else cause_vi), (f"{cause_en}; {en}" if en else cause_en)


def _result(
    p: Planned,
    status: Status,
    reason: str,
    vi: str,
    en: str,
    figures: Figures | None = None,
    advice: Advice | None = None,
) -> CheckResult:
    return CheckResult(p.layer, p.id, p.name, status, reason, vi, en, advice, dict(figures or {}))


def _ok(p: Planned, vi: str, en: str, figures: Figures | None = None) -> CheckResult:
    return _result(p, "ok", "ok", vi or "tốt", en or "ok", figures)


def _warn(
    p: Planned, reason: str, vi: str, en: str, *, figures: Figures | None = None, advice: Advice
) -> CheckResult:
    return _result(p, "warn", reason, vi, en, figures, advice)


def _fail(
    p: Planned, reason: str, vi: str, en: str, *, figures: Figures | None = None, advice: Advice
) -> CheckResult:
    return _result(p, "fail", reason, vi, en, figures, advice)


def _with(result: CheckResult, *, duration: float) -> CheckResult:
    return replace(result, duration_seconds=duration)
