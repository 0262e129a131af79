"""Text shown to people, one layer for the agent's pages and the collector's findings, board and
alerts: Vietnamese first, English with ``?lang=en``.  Identifiers stay English.

Every figure and every word that more than one of them shows is written here once, so a finding,
the board and an alert never disagree: numbers with a decimal comma and a dot for thousands in
Vietnamese; percentages cut (never rounded up) to a tenth, so a figure below its target never
reads as the target; durations in a unit and the next one down (``2 giờ 5 phút``); times in
Vietnam's zone; the names of causes, service roles, terminal and link kinds, event kinds, states
and reasons.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

Lang = Literal["vi", "en"]

# Vietnam keeps UTC+7 all year (no daylight saving).  The province's times are written in it.
ZONE_NAME = "Asia/Ho_Chi_Minh"
ZONE = ZoneInfo(ZONE_NAME)


def choose(asked: str | None) -> Lang:
    """The language of a page from its ``?lang=``: English only when asked for by name, so a
    missing or mistyped value gives the Vietnamese a commune official reads."""
    return "en" if asked == "en" else "vi"


def other(lang: Lang) -> Lang:
    """The language a page's switch link leads to."""
    return "en" if lang == "vi" else "vi"


REASONS: dict[str, tuple[str, str]] = {
    "ok": ("bình thường", "ok"),
    "timeout": ("không phản hồi (quá thời gian chờ)", "no answer (timed out)"),
    "refused": (
        "từ chối kết nối (dịch vụ không chạy?)",
        "connection refused (service not running?)",
    ),
    "unreachable": (
        "không có đường tới thiết bị (mất mạng?)",
        "no route to the device (network down?)",
    ),
    "name_not_resolved": ("không phân giải được tên miền (DNS)", "name not resolved (DNS)"),
    "tls_error": ("lỗi bắt tay TLS", "TLS handshake failed"),
    "certificate_invalid": ("chứng thư số không hợp lệ", "certificate not valid"),
    "http_status": ("máy chủ trả mã lỗi HTTP", "server answered with an HTTP error"),
    "protocol_error": ("trả lời sai giao thức", "malformed reply"),
    "no_answer": ("không có bản ghi trả lời", "no records in the answer"),
    "permission_denied": ("không đủ quyền gửi gói tin", "not permitted to send the probe"),
    "access_denied": ("thiết bị từ chối thông tin đăng nhập", "the device refused our credentials"),
    "driver_not_connected": (
        "mất liên lạc với UPS (trình điều khiển NUT không kết nối)",
        "lost contact with the UPS (NUT driver not connected)",
    ),
    "data_stale": ("số liệu UPS không còn cập nhật", "UPS data is stale"),
    "unknown_device": ("không tìm thấy UPS được khai báo", "no such UPS"),
    "no_device": ("máy không có pin hoặc bộ nguồn để đọc", "no battery or adapter to read"),
    "budget_exhausted": (
        "đã dùng hết hạn mức dữ liệu đo băng thông của tháng",
        "the month's data budget for speed tests is used up",
    ),
    "auth_failed": ("máy từ chối khoá đăng nhập của tác tử", "the machine refused the agent's key"),
    "host_key_mismatch": (
        "khoá định danh của máy KHÁC khoá đã ghim (có thể bị giả mạo hoặc máy được cài lại)",
        "the machine's host key DIFFERS from the pinned one (spoofed, or reinstalled)",
    ),
    "host_key_unknown": ("máy đưa ra khoá định danh chưa được ghim", "the host key is not pinned"),
    "command_failed": (
        "máy không trả lời đúng lệnh kiểm tra",
        "the machine did not answer the check's commands",
    ),
    "key_unreadable": (
        "tác tử không đọc được tệp khoá đăng nhập",
        "the agent cannot read its login key file",
    ),
    "printer_error": ("máy in báo lỗi, không in được", "the printer reports an error"),
    "wan_down": (
        "cổng WAN của bộ định tuyến mất kết nối (mất đường truyền Internet)",
        "the router's WAN interface is down (uplink lost)",
    ),
    "no_wan_address": (
        "cổng WAN của bộ định tuyến chưa nhận được địa chỉ IP từ nhà mạng",
        "the router's WAN interface has no IP address from the provider",
    ),
    "endpoint_silent": (
        "máy chủ nhận kết nối nhưng không trả lời",
        "the server accepts the connection but never answers",
    ),
    "error": ("lỗi kiểm tra (xem nhật ký)", "check failed (see the log)"),
}

# What a printer says of itself (hrPrinterDetectedErrorState, RFC 2790/3805; agent/probes/
# printer_mib.py), as the status page and INF-EQUIP's sentence word it: "máy in hết giấy".
PRINTER_ERRORS: dict[str, tuple[str, str]] = {
    "low_paper": ("sắp hết giấy", "paper low"),
    "no_paper": ("hết giấy", "out of paper"),
    "low_toner": ("sắp hết mực", "toner low"),
    "no_toner": ("hết mực", "out of toner"),
    "door_open": ("mở nắp", "door open"),
    "jammed": ("kẹt giấy", "paper jam"),
    "offline": ("ngoại tuyến", "offline"),
    "service_requested": ("cần bảo trì", "service requested"),
    "input_tray_missing": ("thiếu khay giấy", "input tray missing"),
    "output_tray_missing": ("thiếu khay ra giấy", "output tray missing"),
    "marker_supply_missing": ("thiếu hộp mực", "toner cartridge missing"),
    "output_near_full": ("khay ra giấy sắp đầy", "output tray nearly full"),
    "output_full": ("khay ra giấy đầy", "output tray full"),
    "input_tray_empty": ("khay giấy trống", "input tray empty"),
    "overdue_prevent_maint": ("quá hạn bảo dưỡng định kỳ", "preventive maintenance overdue"),
    "device_down": ("máy in báo hỏng", "the printer reports itself down"),
}


def printer_errors(codes: str, lang: Lang) -> str:
    """``no_paper,jammed`` (an event's ``printer_errors``) in words: ``hết giấy, kẹt giấy``."""
    return ", ".join(pick(PRINTER_ERRORS, code, lang) for code in codes.split(",") if code)


# States of observed things (interfaces, the clock), as the journal writes them.
STATES: dict[str, tuple[str, str]] = {
    "up": ("hoạt động", "up"),
    "down": ("mất kết nối", "down"),
    "synchronized": ("đã đồng bộ", "synchronised"),
    "unsynchronized": ("chưa đồng bộ", "not synchronised"),
    "lost": ("mất điện lưới", "mains lost"),
    "restored": ("có điện trở lại", "mains restored"),
    "low": ("pin yếu", "battery low"),
    "normal": ("bình thường", "normal"),
    "on": ("bật", "on"),
    "off": ("tắt", "off"),
    "started": ("bắt đầu", "started"),
    "ended": ("kết thúc", "ended"),
    "depleted": ("cạn pin", "ran out"),
    "ok": ("thành công", "ok"),
    "failed": ("thất bại", "failed"),
    "checked": ("đã kiểm tra", "checked"),
}

TERMINAL_KINDS: dict[str, tuple[str, str]] = {
    "counter_pc": ("Máy tính quầy", "Counter PC"),
    "citizen_pc": ("Máy tính cho người dân", "Citizen PC"),
    "printer": ("Máy in", "Printer"),
    "scanner": ("Máy quét", "Scanner"),
    "id_card_reader": ("Đầu đọc CCCD gắn chip", "Chip ID-card reader"),
    "queue_machine": ("Máy xếp hàng tự động", "Queue machine"),
    "lookup_kiosk": ("Máy tra cứu", "Lookup kiosk"),
    "camera": ("Camera", "Camera"),
    "video_conference": ("Thiết bị hội nghị truyền hình", "Video-conference endpoint"),
    "router": ("Bộ định tuyến", "Router"),
    "switch": ("Thiết bị chuyển mạch", "Switch"),
    "other": ("Khác", "Other"),
}

LINK_KINDS: dict[str, tuple[str, str]] = {
    "internet": ("Internet", "Internet"),
    "tslcd": ("Mạng truyền số liệu chuyên dùng", "Government network (TSLCD)"),
    "mobile": ("Di động (3G/4G/5G)", "Mobile (3G/4G/5G)"),
    "other": ("Khác", "Other"),
}

# The likely cause of a loss, as the collector names it (collector.evaluate.model.Cause): one
# wording for the findings, the board and the alerts (the Alertmanager template's
# ``sansang.cause`` repeats the Vietnamese, and a test holds it to these).  Read by a provincial
# official: "central" says where the fault is and why it is not the commune's.  At most 41
# characters each: the template's Telegram budget cuts any other cause there.
CAUSES: dict[str, tuple[str, str]] = {
    "power": ("mất điện lưới", "mains power lost"),
    "link": ("mất đường truyền", "link lost"),
    "device": ("bản thân thiết bị hoặc dịch vụ", "the device or service itself"),
    "central": (
        "sự cố phía trung tâm, nhiều điểm cùng lúc",
        "central outage, many sites at once",
    ),
    "agent": (
        "tác tử giám sát ngừng hoặc khởi động lại",
        "the monitoring agent stopped or restarted",
    ),
    "unknown": ("chưa rõ nguyên nhân", "cause not known"),
}

SERVICE_ROLES: dict[str, tuple[str, str]] = {
    "one_stop_system": ("Hệ thống Một cửa điện tử", "One-stop e-system"),
    "national_portal": ("Cổng Dịch vụ công quốc gia", "National public-service portal"),
    "province_datacenter": ("Trung tâm dữ liệu tỉnh", "Province data centre"),
    "other": ("Hệ thống khác", "Other system"),
}

EVENT_KINDS: dict[str, tuple[str, str]] = {
    "agent_started": ("Tác tử khởi động", "Agent started"),
    "agent_stopped": ("Tác tử dừng", "Agent stopped"),
    "check_state": ("Kết nối", "Reachability"),
    "service_state": ("Hệ thống", "Service"),
    "terminal_state": ("Thiết bị", "Terminal"),
    "interface_state": ("Cổng mạng", "Interface"),
    "clock_sync_state": ("Đồng bộ đồng hồ", "Clock sync"),
    "clock_step": ("Đồng hồ bị chỉnh", "Clock stepped"),
    "journal_reset": ("Nhật ký hỏng, đã lập nhật ký mới", "Journal unreadable, a new one begun"),
    "power_source_state": ("Liên lạc với UPS", "UPS communication"),
    "mains_state": ("Điện lưới", "Mains power"),
    "mains_flapping": ("Điện lưới chập chờn", "Mains flapping"),
    "battery_low": ("Pin UPS", "UPS battery"),
    "ups_bypass": ("UPS chạy bypass", "UPS on bypass"),
    "ups_forced_shutdown": ("UPS yêu cầu tắt máy (FSD)", "UPS forced shutdown"),
    "ups_depleted": ("UPS cạn pin", "UPS ran out"),
    "ups_depletion_retracted": (
        "UPS chưa cạn pin (hủy báo cạn pin: UPS trả lời lại, vẫn chạy bằng pin)",
        "UPS had not run out (withdrawn: it answers again, still on battery)",
    ),
    "link_quality": ("Chất lượng đường truyền", "Link quality"),
    "link_state": ("Đường truyền", "Link"),
    "backup_link_working": ("Đường truyền dự phòng hoạt động", "Backup link seen working"),
    "speedtest_result": ("Đo băng thông", "Throughput test"),
}


def pick(table: Mapping[str, tuple[str, str]], key: str, lang: Lang) -> str:
    """``key``'s words in ``lang``; the key itself when the table has no words for it, so a new
    identifier still shows (in English) rather than failing the page."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


def local(unix: float) -> datetime:
    """``unix`` as a wall-clock time in Vietnam, for the ``strftime`` of a sentence or a page."""
    return datetime.fromtimestamp(unix, ZONE)


def number(value: float, decimals: int, lang: Lang) -> str:
    """``1.234,5`` in Vietnamese, ``1,234.5`` in English (rounded to ``decimals``)."""
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def percent(ratio: float, lang: Lang) -> str:
    """``99,4 %`` for 0.99496: cut to a tenth, never rounded up, and no ``,0`` (``100 %``).

    A finding compares the ratio with its target and then prints both, so the print must keep
    the order: 0.99496 must not read ``99,5 %`` next to a 99.5 % target it misses.  The cut works
    on the float's shortest decimal (``repr``), which keeps the floats' order exactly: 0.995
    itself still reads ``99,5 %`` and the float just below it ``99,4 %``."""
    if not math.isfinite(ratio):
        return "—"
    tenths = int((Decimal(repr(ratio)) * 1000).to_integral_value(rounding=ROUND_FLOOR))
    if tenths % 10 == 0:
        return f"{number(tenths // 10, 0, lang)} %"
    return f"{number(tenths / 10, 1, lang)} %"


_UNITS = (("ngày", "d"), ("giờ", "h"), ("phút", "min"), ("giây", "s"))


def duration(seconds: float, lang: Lang) -> str:
    """``2 giờ 5 phút`` / ``2 h 5 min``: the largest unit and, when not zero, the next one down
    (``1 ngày 3 giờ``, ``45 phút``, ``1 giờ``).

    The one form for every span a person reads: an outage in a finding, the board, an alert, the
    agent's page; a reader compares them without converting ``2,1 giờ`` to minutes.  Cut, like
    :func:`percent`, never rounded up: a UPS that held 9 min 59.6 s does not read as the 10 min
    it was required to hold."""
    s = int(max(0.0, seconds))
    counts = (s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60)
    first = next((i for i, n in enumerate(counts) if n), len(counts) - 1)
    shown = [i for i in (first, first + 1) if i < len(counts) and (i == first or counts[i])]
    return " ".join(f"{counts[i]} {_UNITS[i][0 if lang == 'vi' else 1]}" for i in shown)
