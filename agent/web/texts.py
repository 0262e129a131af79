"""Words of the agent's own web pages (the status page and its links and power parts):
Vietnamese first, English with ``?lang=en``.

Only these pages use them; what the collector shows as well (reasons, states, kinds, durations,
figures) is in the shared kernel, :mod:`sansang.i18n`, so a technician and the province read the
same words.
"""

from __future__ import annotations

from sansang.i18n import Lang, pick

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
    "pw_charge_left": ("pin còn {pct}", "{pct} charge left"),
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
    "pw_sustained": (
        "Số lần mất điện kéo dài (trên {limit})",
        "Sustained outages (over {limit})",
    ),
    "pw_momentary": (
        "Số lần mất điện thoáng qua (đến {limit})",
        "Momentary outages (up to {limit})",
    ),
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
    "ln_suspended": (
        "Tạm dừng đo băng thông: đã dùng hết dung lượng đo của tháng này; "
        "sẽ đo lại từ ngày {date}.",
        "Throughput tests suspended: this month's test data is used up; they resume on {date}.",
    ),
    "push_line": (
        "Gửi về tỉnh: {n} sự kiện chờ gửi · lần gửi được gần nhất: {last}",
        "Push to the province: {n} event(s) waiting · last success: {last}",
    ),
    "push_never": ("chưa có", "none yet"),
    "push_error": ("lỗi: {error}", "error: {error}"),
    "security": ("An toàn thông tin các máy", "Security of the machines"),
    "sec_machine": ("Máy", "Machine"),
    "sec_checked": ("đã kiểm tra", "checked"),
    "sec_failed": ("không kiểm tra được", "could not be checked"),
    "sec_firewall": ("Tường lửa", "Firewall"),
    "sec_antivirus": ("Chống virus", "Antivirus"),
    "sec_realtime": ("Bảo vệ thời gian thực", "Real-time protection"),
    "sec_encryption": ("Mã hoá ổ đĩa", "Disk encryption"),
    "sec_time_sync": ("Đồng bộ giờ", "Clock sync"),
    "sec_signature": ("Chữ ký chống virus", "Antivirus signatures"),
    "sec_update": ("Cập nhật hệ điều hành", "OS update"),
    "sec_backup": ("Sao lưu", "Backup"),
    "sec_on": ("bật", "on"),
    "sec_off": ("tắt", "off"),
    "sec_unknown": ("không rõ", "unknown"),
    "sec_none": ("chưa có", "none"),
    "sec_age": ("{age} trước", "{age} ago"),
    "sec_off_item": ("{measure} tắt", "{measure} off"),
    "sec_old_item": ("{what} {age}", "{what} {age} old"),
    "sec_no_backup": ("không thấy bản sao lưu", "no backup found"),
    "journal_pending": (
        "Không ghi được nhật ký (ổ đĩa đầy?): {n} sự kiện đang chờ",
        "Journal cannot be written (disk full?): {n} event(s) waiting",
    ),
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


_OUTSIDE = (
    "Có thể do hệ thống trung tâm hoặc đường truyền, không phải thiết bị tại điểm: kiểm tra các "
    "điểm khác (đường truyền, các hệ thống khác trên trang này); nếu chúng vẫn hoạt động, báo "
    "đơn vị quản trị hệ thống.",
    "Likely outside the centre (the central system or the link), not a device here: check the "
    "other points (the links, the other systems on this page); if they work, tell the system's "
    "administrator.",
)

# The same, for a service: a server outside the centre (the one-stop system, the national
# portal, the province's data centre) that a technician on site cannot power up or re-cable.
REMOTE_HINTS: dict[str, tuple[str, str]] = {
    "timeout": _OUTSIDE,
    "unreachable": _OUTSIDE,
    "error": _OUTSIDE,
    "refused": (
        "Máy chủ của hệ thống có trả lời nhưng dịch vụ không chạy: báo đơn vị quản trị hệ thống.",
        "The system's server answers but its service is not running: tell its administrator.",
    ),
    "name_not_resolved": HINTS["name_not_resolved"],
    "tls_error": HINTS["tls_error"],
    "certificate_invalid": HINTS["certificate_invalid"],
    "http_status": HINTS["http_status"],
}


# Why a machine could not be checked over SSH (the reason codes of `security_state`, beside the
# shared ones), and what a technician does next.
SSH_HINTS: dict[str, tuple[str, str]] = {
    "auth_failed": (
        "Kiểm tra tài khoản kiểm tra và tệp authorized_keys trên máy (docs/security-checks.md).",
        "Check the check account and its authorized_keys on the machine (docs/security-checks.md).",
    ),
    "host_key_mismatch": (
        "Không ghim lại khoá khi chưa xác minh: đọc khoá ngay trên màn hình máy đó rồi so sánh.",
        "Do not re-pin before verifying: read the key on that machine's own screen and compare.",
    ),
    "key_unreadable": (
        "Kiểm tra đường dẫn key_file và quyền đọc của người dùng chạy tác tử.",
        "Check key_file's path and that the agent's user may read it.",
    ),
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The page text ``key`` in ``lang``, with ``values`` filled in."""
    return pick(_TEXT, key, lang).format(**values)
