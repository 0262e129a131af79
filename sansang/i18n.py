"""Text shown to people: Vietnamese first, English with ``?lang=en``.  Identifiers stay English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["vi", "en"]

_TEXT: dict[str, tuple[str, str]] = {
    # key: (Vietnamese, English)
    "title": ("Tình trạng điểm phục vụ", "Site status"),
    "all_ok": ("Mọi thứ đang hoạt động bình thường.", "Everything is working."),
    "problems": ("Đang có sự cố", "Problems now"),
    "n_down": ("{n} mục không hoạt động", "{n} item(s) down"),
    "attention": ("Cần chú ý", "Needs attention"),
    "since": ("từ", "since"),
    "for": ("đã", "for"),
    "not_yet": ("chưa kiểm tra", "not checked yet"),
    "services": ("Hệ thống phục vụ", "Services"),
    "checks": ("Kết nối mạng", "Network reachability"),
    "terminals": ("Thiết bị đầu cuối", "Terminals"),
    "host": ("Máy trạm giám sát", "Monitoring box"),
    "recent_events": ("Sự kiện gần đây", "Recent events"),
    "open_now": ("Đang trong giờ phục vụ", "In service hours now"),
    "closed_now": ("Ngoài giờ phục vụ", "Outside service hours"),
    "up": ("hoạt động", "up"),
    "down": ("mất kết nối", "down"),
    "kind": ("Loại", "Kind"),
    "name": ("Tên", "Name"),
    "state": ("Trạng thái", "State"),
    "cause": ("Nguyên nhân", "Cause"),
    "address": ("Địa chỉ", "Address"),
    "time": ("Thời gian", "Time"),
    "event": ("Sự kiện", "Event"),
    "commune": ("Xã/phường", "Commune"),
    "available": ("{up}/{total} hoạt động", "{up}/{total} up"),
    "clock_unsync": ("Đồng hồ chưa được đồng bộ (NTP)", "Clock not synchronised (NTP)"),
    "disk": ("Dung lượng trống", "Free disk"),
    "memory": ("Bộ nhớ trống", "Free memory"),
    "uptime": ("Thời gian chạy liên tục", "Uptime"),
    "interfaces": ("Cổng mạng", "Network interfaces"),
    "other_lang": ("English", "Tiếng Việt"),
    "metrics_link": ("Số liệu Prometheus", "Prometheus metrics"),
    "power": ("Nguồn điện", "Power"),
    "pw_source": ("Nguồn", "Source"),
    "pw_charge": ("Pin", "Charge"),
    "pw_runtime": ("Lưu điện còn", "Runtime left"),
    "pw_voltage": ("Điện áp vào", "Input voltage"),
    "pw_load": ("Tải", "Load"),
    "pw_online": ("điện lưới", "on mains"),
    "pw_charging": ("đang sạc", "charging"),
    "pw_on_battery": ("đang chạy bằng pin UPS", "on UPS battery"),
    "pw_low": ("pin yếu", "battery low"),
    "pw_bypass": ("bypass (tải không được bảo vệ)", "bypass (load unprotected)"),
    "pw_fsd": ("UPS yêu cầu tắt máy", "UPS forced shutdown"),
    "pw_overload": ("quá tải", "overloaded"),
    "pw_replace": ("cần thay ắc quy", "replace battery"),
    "pw_off": ("đầu ra tắt", "output off"),
    "pw_unknown": ("không rõ", "unknown"),
    "pw_banner_lost": (
        "Mất điện lưới từ {since} (đã {duration})",
        "Mains lost since {since} ({duration})",
    ),
    "pw_charge_left": ("pin còn {pct}%", "{pct}% charge left"),
    "pw_runtime_left": ("còn khoảng {left}", "about {left} left"),
    "pw_hint_lost": (
        "Tắt thiết bị không cần thiết để kéo dài thời gian lưu điện; báo điện lực; chuẩn bị "
        "phương án dự phòng mất điện (máy phát, lưu hồ sơ).",
        "Switch off what is not needed to stretch the UPS; call the power company; get the "
        "power-loss contingency ready (generator, save work).",
    ),
    "pw_flapping": (
        "Điện lưới chập chờn: mất và có lại nhiều lần liên tiếp",
        "Mains flapping: lost and back many times in a row",
    ),
    "pw_outages": ("Mất điện lưới", "Mains outages"),
    "pw_window_24h": ("24 giờ", "24 hours"),
    "pw_window_7d": ("7 ngày", "7 days"),
    "pw_window_30d": ("30 ngày", "30 days"),
    "pw_sustained": ("Số lần mất điện kéo dài (trên 5 phút)", "Sustained outages (over 5 min)"),
    "pw_momentary": ("Số lần mất điện thoáng qua (đến 5 phút)", "Momentary outages (up to 5 min)"),
    "pw_total": ("Tổng thời gian mất điện", "Time without mains"),
    "pw_site": ("cả điểm phục vụ", "whole site"),
    "pw_longest": ("Lần mất điện dài nhất", "Longest outage"),
    "pw_holdup": ("UPS giữ điện ngắn nhất (đến khi cạn pin)", "Shortest UPS hold-up (until empty)"),
    "pw_classes": (
        "Kéo dài / thoáng qua theo Thông tư 05/2025/TT-BCT, Điều 15.",
        "Sustained / momentary as in Thông tư 05/2025/TT-BCT, Article 15.",
    ),
    "links": ("Đường truyền", "Links"),
    "ln_link": ("Đường truyền", "Link"),
    "ln_role": ("Vai trò", "Role"),
    "ln_primary": ("chính", "primary"),
    "ln_backup": ("dự phòng", "backup"),
    "ln_default": ("tuyến mặc định", "default route"),
    "ln_down": (
        "mất kết nối trên đường truyền này (mọi đích đều không trả lời)",
        "no target answers over this link",
    ),
    "ln_quality": (
        "Mất gói, độ trễ, độ dao động (lượt đo gần nhất)",
        "Loss, latency, jitter (last round)",
    ),
    "ln_target": ("Đích", "Target"),
    "ln_loss": ("Mất gói", "Loss"),
    "ln_rtt": ("Độ trễ (trung vị)", "Latency (median)"),
    "ln_jitter": ("Độ dao động", "Jitter"),
    "ln_speed": ("Băng thông (lần đo gần nhất)", "Throughput (latest test)"),
    "ln_backend": ("Máy chủ đo", "Test server"),
    "ln_down_rate": ("Tải xuống", "Download"),
    "ln_up_rate": ("Tải lên", "Upload"),
    "ln_last_ok": ("Lần đo được gần nhất", "Last successful"),
    "ln_last": ("Lần đo gần nhất", "Last test"),
    "ln_ok": ("thành công", "ok"),
    "ln_failed": ("thất bại", "failed"),
    "ln_ago": ("{ago} trước", "{ago} ago"),
    "ln_budget": (
        "Dung lượng đo tháng này: {used} / {total} MiB",
        "Test data this month: {used} / {total} MiB",
    ),
    "push_line": (
        "Gửi về tỉnh: {n} sự kiện chờ gửi · lần gửi được gần nhất: {last}",
        "Push to the province: {n} event(s) waiting · last success: {last}",
    ),
    "push_never": ("chưa có", "none yet"),
    "push_error": ("lỗi: {error}", "error: {error}"),
    "journal_pending": (
        "Không ghi được nhật ký (ổ đĩa đầy?): {n} sự kiện đang chờ",
        "Journal cannot be written (disk full?): {n} event(s) waiting",
    ),
}

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
    "error": ("lỗi kiểm tra (xem nhật ký)", "check failed (see the log)"),
}

# What a technician on site does next, per reason (shown under the cause).
HINTS: dict[str, tuple[str, str]] = {
    "timeout": (
        "Kiểm tra thiết bị có bật nguồn, cắm cáp mạng; đèn cổng trên switch có sáng không.",
        "Check the device is powered and cabled; is its switch-port light on?",
    ),
    "refused": (
        "Thiết bị có mạng nhưng dịch vụ không chạy: khởi động lại dịch vụ hoặc thiết bị.",
        "The device is on the network but the service is not running: restart it.",
    ),
    "unreachable": (
        "Không có đường mạng tới thiết bị: kiểm tra cáp, switch, bộ định tuyến và địa chỉ IP.",
        "No network path: check cables, switch, router and the IP address.",
    ),
    "name_not_resolved": (
        "Kiểm tra máy chủ DNS và đường truyền Internet/TSLCD.",
        "Check the DNS server and the Internet/TSLCD link.",
    ),
    "tls_error": (
        "Kiểm tra cấu hình HTTPS của máy chủ.",
        "Check the server's HTTPS configuration.",
    ),
    "certificate_invalid": (
        "Chứng thư số hết hạn hoặc sai tên: báo quản trị hệ thống.",
        "Certificate expired or for another name: tell the system's administrator.",
    ),
    "http_status": (
        "Máy chủ trả lỗi: báo đơn vị quản trị hệ thống.",
        "The server answers with an error: tell the system's administrator.",
    ),
    "permission_denied": (
        "Tác tử không đủ quyền gửi ICMP: chạy với quyền root hoặc mở ping_group_range.",
        "The agent may not send ICMP: run it as root or widen ping_group_range.",
    ),
    "access_denied": (
        "Kiểm tra tài khoản, mật khẩu/khoá (NUT upsd.users, SNMP community, người dùng v3).",
        "Check the user and password or keys (NUT upsd.users, SNMP community or v3 user).",
    ),
    "driver_not_connected": (
        "Kiểm tra cáp USB/COM giữa UPS và máy, UPS có bật không; khởi động lại dịch vụ nut-driver.",
        "Check the USB/serial cable to the UPS and that it is on; restart the nut-driver service.",
    ),
    "data_stale": (
        "UPS không gửi số liệu mới: kiểm tra cáp, rồi khởi động lại trình điều khiển NUT.",
        "The UPS sends no fresh data: check the cable, then restart the NUT driver.",
    ),
    "unknown_device": (
        "Tên UPS hoặc MIB khai báo không đúng: xem `upsc -l` hoặc cấu hình thẻ mạng UPS.",
        "Wrong UPS name or MIB: see `upsc -l` or the UPS card's settings.",
    ),
}

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
}

TERMINAL_KINDS: dict[str, tuple[str, str]] = {
    "counter_pc": ("Máy tính quầy", "Counter PC"),
    "citizen_pc": ("Máy tính cho người dân", "Citizen PC"),
    "printer": ("Máy in", "Printer"),
    "scanner": ("Máy quét", "Scanner"),
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
    "link_quality": ("Chất lượng đường truyền", "Link quality"),
    "link_state": ("Đường truyền", "Link"),
    "backup_link_working": ("Đường truyền dự phòng hoạt động", "Backup link seen working"),
    "speedtest_result": ("Đo băng thông", "Throughput test"),
}


def pick(table: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


def t(key: str, lang: Lang, **values: object) -> str:
    return pick(_TEXT, key, lang).format(**values)


def duration(seconds: float, lang: Lang) -> str:
    """``2 giờ 5 phút`` / ``2 h 5 min``: the two largest units."""
    s = int(max(0, seconds))
    units = (("ngày", "d", 86400), ("giờ", "h", 3600), ("phút", "min", 60), ("giây", "s", 1))
    parts: list[str] = []
    for vi, en, size in units:
        if s >= size or (size == 1 and not parts):
            parts.append(f"{s // size} {vi if lang == 'vi' else en}")
            s %= size
        if len(parts) == 2:
            break
    return " ".join(parts)
