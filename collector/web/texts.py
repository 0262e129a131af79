"""Words and figures of the collector's web UI: Vietnamese first, English with ``?lang=en``.

Figures are written the way a Vietnamese reader writes them: ``99,2 %``, ``1.234 lần``,
``48 Mbit/s`` (comma decimals, dot thousands).  Times are Vietnam's time (UTC+7).  The figures,
the time zone and the words the findings and alerts also use (causes, kinds, roles) are the
shared kernel's (:mod:`sansang.i18n`); this module only adds the board's and the site page's own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from collector.evaluate.model import Status, Window
from collector.inventory.model import RISK_NAMES
from sansang.i18n import SERVICE_ROLES, Lang, local, pick

_TEXT: dict[str, tuple[str, str]] = {
    "board_title": ("Bảng tổng hợp mức sẵn sàng", "Readiness board"),
    "other_lang": ("English", "Tiếng Việt"),
    "evaluated_at": ("Đánh giá lúc {when}", "Evaluated at {when}"),
    "window": (
        "khoảng thời gian {days} ngày, từ {start} đến {end}",
        "over {days} days, {start} to {end}",
    ),
    "no_evaluation": (
        "Chưa có kết quả đánh giá: lần đánh giá đầu tiên đang chạy. Mọi ô tạm là «chưa rõ».",
        "No evaluation yet: the first one is running. Every cell is 'unknown' until then.",
    ),
    "rollup": ("{met}/{total} xã đạt", "{met}/{total} communes meet"),
    "rollup_rest": (
        "{not_met} chưa đạt · {unknown} chưa rõ",
        "{not_met} not met · {unknown} unknown",
    ),
    "communes": ("Xã/phường/đặc khu", "Commune"),
    "code": ("Mã", "Code"),
    "site": ("Điểm", "Site"),
    "showing": ("Hiển thị {shown}/{total} điểm", "Showing {shown} of {total} sites"),
    "filter": ("Lọc", "Filter"),
    "search": ("Tìm xã", "Find a commune"),
    "any_target": ("mọi chỉ tiêu", "any target"),
    "any_status": ("mọi trạng thái", "any status"),
    "clear": ("Bỏ lọc", "Clear"),
    "sort_by": ("Sắp xếp", "Sort"),
    # A shared system's outage: named by the system (the province's own one-stop e-system is
    # the province's, not the centre's), counted against the board's sites.
    "central": (
        "Sự cố hệ thống dùng chung: nhiều điểm mất kết nối cùng lúc",
        "Shared system outage: many sites lost it at once",
    ),
    "central_item": (
        "{system}: {sites}/{total} điểm trên bảng cùng mất kết nối, từ {start}{end}",
        "{system}: {sites} of the board's {total} sites lost it at once, from {start}{end}",
    ),
    "central_until": (" đến {end}", " to {end}"),
    "central_ongoing": (", đang diễn ra", ", ongoing"),
    "central_hint": (
        "Đây là sự cố của hệ thống dùng chung, không phải lỗi tại từng xã.",
        "This is a fault of the shared system, not of each commune.",
    ),
    "power_dead_zones": ("Điểm lõm điện (mất điện nhiều)", "Power dead zones"),
    "coverage_dead_zones": ("Điểm lõm sóng di động", "Mobile coverage dead zones"),
    "dead_zone_points": (
        "Nơi khảo sát dưới ngưỡng, chưa gắn với điểm một cửa nào",
        "Surveyed places below threshold, tied to no site",
    ),
    "dead_zone_point": ("Nơi khảo sát lõm sóng", "Surveyed dead-zone place"),
    "survey_failed": ("không đo được", "failed"),
    "survey_sentence": (
        "tải xuống {down}, mất gói {loss}, đo lúc {when}{operator}",
        "download {down}, loss {loss}, measured {when}{operator}",
    ),
    "map_points_note": (
        "Tam giác ▲: nơi khảo sát lõm sóng không gắn với điểm nào.",
        "Triangles ▲: surveyed dead-zone places tied to no site.",
    ),
    "none": ("Không có.", "None."),
    "province_systems": ("Hệ thống dùng chung của tỉnh", "The province's shared systems"),
    "system_outages": ("{n} lần ngừng, tổng {length}", "{n} outages, {length} in all"),
    "system_no_outage": ("không có lần ngừng nào", "no outage"),
    "system_outage": (
        "ngừng từ {start}{end}: {sites}/{total} điểm cùng mất kết nối",
        "down from {start}{end}: {sites} of {total} sites lost it at once",
    ),
    "no_figure": ("chưa có số đo", "no figure"),
    "at_least": ("{figure} (cần ≥ {bound})", "{figure} (needs ≥ {bound})"),
    "at_most": ("{figure} (tối đa {bound})", "{figure} (at most {bound})"),
    "bound_at_least": ("cần ≥ {bound}", "needs ≥ {bound}"),
    "bound_at_most": ("tối đa {bound}", "at most {bound}"),
    "all_met": ("đạt mọi chỉ tiêu", "meets every target"),
    "more": ("và {n} chỉ tiêu khác", "and {n} more"),
    "map_by_target": ("Màu theo chỉ tiêu “{target}”", "Coloured by the target '{target}'"),
    "map_by_worst": (
        "Màu theo chỉ tiêu kém nhất của mỗi điểm; chọn một chỉ tiêu ở bộ lọc để tô theo "
        "chỉ tiêu đó",
        "Coloured by each site's worst target; choose a target in the filter to colour by it",
    ),
    "map_shown": ("{shown}/{total} điểm trên bản đồ", "{shown} of {total} sites on the map"),
    "map": ("Bản đồ các điểm", "Map of the sites"),
    "map_note": (
        "Mỗi chấm là một điểm; di chuột để xem tên xã, chỉ tiêu và số đo.",
        "Each dot is a site; hover for the commune, the target and the figure.",
    ),
    "back": ("← Bảng tổng hợp", "← Board"),
    "inventory": ("Danh mục", "Inventory"),
    "coordinates": ("Toạ độ", "Coordinates"),
    "links": ("Đường truyền", "Links"),
    "way_in": ("Thu thập nhật ký", "Journal collection"),
    "pull": ("Tỉnh kéo từ {url}", "Pulled from {url}"),
    "push": ("Điểm tự gửi lên (mã {cred})", "Pushed by the site (credential {cred})"),
    "terminals": ("Thiết bị đầu cuối", "Terminals"),
    "kind": ("Loại", "Kind"),
    "name": ("Tên", "Name"),
    "address": ("Địa chỉ", "Address"),
    "ups": ("Bộ lưu điện (UPS)", "UPS"),
    "model": ("Model", "Model"),
    "rated": ("Thời gian lưu điện", "Hold-up time"),
    "no_hnth": (
        "Chưa khai báo thiết bị hội nghị truyền hình",
        "No video-conference endpoint listed",
    ),
    "live": ("Số liệu hiện tại", "Live values"),
    "live_none": ("Chưa có số liệu từ Prometheus.", "No values from Prometheus yet."),
    "live_at": ("Truy vấn lúc {when}", "Queried at {when}"),
    "agent_up": ("Tác tử trả lời Prometheus", "Agent answers Prometheus"),
    "mains": ("Điện lưới", "Mains"),
    "on_battery": ("Đang chạy pin UPS", "On UPS battery"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
    "link_up": ("hoạt động", "up"),
    "link_down": ("mất kết nối", "down"),
    "findings": ("Kết quả theo chỉ tiêu", "Findings by target"),
    "target": ("Chỉ tiêu", "Target"),
    "status": ("Trạng thái", "Status"),
    "value": ("Số đo", "Value"),
    "threshold": ("Ngưỡng", "Threshold"),
    "finding": ("Nhận định", "Finding"),
    "cause": ("Nguyên nhân khả dĩ", "Likely cause"),
    "evidence": ("Căn cứ", "Evidence"),
    "no_finding": ("Chưa đánh giá chỉ tiêu này cho điểm này.", "Not evaluated for this site yet."),
    "timeline": ("Diễn biến", "Timeline"),
    "timeline_none": ("Không có sự kiện trong khoảng thời gian này.", "No events in this span."),
    "timeline_all": (
        "Hiện cả các lượt đo chất lượng đường truyền",
        "Show the link-quality rounds too",
    ),
    "timeline_changes": ("Chỉ hiện các thay đổi", "Show changes only"),
    "timeline_limit": ("Hiển thị {n} sự kiện mới nhất.", "The newest {n} events."),
    "time": ("Thời gian", "Time"),
    "event": ("Sự kiện", "Event"),
    "contingency": ("Phương án ứng phó sự cố", "Contingency plans"),
    "contingency_hidden": (
        "Có phương án cho {n}/{total} rủi ro. Chi tiết và số điện thoại người phụ trách chỉ "
        "hiển thị cho Công an tỉnh và quản trị.",
        "Plans for {n} of {total} risks. Details and responders' phones are shown to the "
        "security reviewer and admins only.",
    ),
    "risk": ("Rủi ro", "Risk"),
    "approved_on": ("Phê duyệt", "Approved"),
    "fallback": ("Phương án dự phòng", "Fallback"),
    "drills": ("Diễn tập", "Drills"),
    "responder": ("Người phụ trách", "Responder"),
    "notes": ("Ghi chú", "Notes"),
    "notes_none": ("Chưa có ghi chú.", "No notes yet."),
    "add_note": ("Thêm ghi chú", "Add a note"),
    "save": ("Lưu", "Save"),
    "logged_in_as": ("Đăng nhập: {name} ({role})", "Signed in: {name} ({role})"),
    "logout": ("Đăng xuất", "Sign out"),
    "trend": ("Theo tháng", "Month by month"),
    "trend_so_far": ("* tháng đang diễn ra, tính đến nay", "* the month so far"),
    "trend_none": ("Chưa lưu kết quả đánh giá theo tháng.", "No monthly findings kept yet."),
    "trend_met": ("Số xã đạt theo tháng", "Communes meeting it, by month"),
    "not_found": ("Không có điểm {site} trong danh mục.", "No site {site} in the inventory."),
}

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "met": ("đạt", "met"),
    "not_met": ("chưa đạt", "not met"),
    "unknown": ("chưa rõ", "unknown"),
}
# Colour is never alone: each status also has a symbol and a word (accessibility).
STATUS_SYMBOLS: dict[str, str] = {"met": "✔", "not_met": "✖", "unknown": "?"}

RISKS: dict[str, tuple[str, str]] = RISK_NAMES

ROLES: dict[str, tuple[str, str]] = {
    "viewer": ("Sở KH&CN (xem)", "viewer"),
    "security_reviewer": ("Công an tỉnh", "security reviewer"),
    "technician": ("kỹ thuật viên", "technician"),
    "admin": ("quản trị", "admin"),
}

DRILL_RESULTS: dict[str, tuple[str, str]] = {
    "passed": ("đạt", "passed"),
    "partial": ("đạt một phần", "partial"),
    "failed": ("không đạt", "failed"),
}

EVIDENCE_KINDS: dict[str, tuple[str, str]] = {
    "events": ("Nhật ký", "Journal"),
    "query": ("Prometheus", "Prometheus"),
    "inventory": ("Danh mục", "Inventory"),
    "survey": ("Khảo sát sóng", "Coverage survey"),
    "error": ("Lỗi đánh giá", "Evaluation error"),
}


def t(key: str, lang: Lang, **values: object) -> str:
    return pick(_TEXT, key, lang).format(**values)


def status_word(status: Status | str, lang: Lang) -> str:
    return pick(STATUS_WORDS, status, lang)


def when(unix: float) -> str:
    """``14:05 22/11/2026``, Vietnam time."""
    return local(unix).strftime("%H:%M %d/%m/%Y")


def iso(unix: float) -> str:
    """ISO 8601 in UTC, as the API writes times (``<time datetime>``)."""
    return datetime.fromtimestamp(unix, UTC).isoformat()


def day(unix: float) -> str:
    return local(unix).strftime("%d/%m/%Y")


# The figures of findings (one formatter per unit) and the targets' short names are shared with
# the monthly report: they live in collector/figures.py.


# The province runs its own one-stop e-system: an outage of it is the province's, not the
# centre's ("Trung ương"), and the board names it so.
PROVINCE_SYSTEMS: dict[str, tuple[str, str]] = {
    "one_stop_system": ("Hệ thống Một cửa điện tử của tỉnh", "The province's one-stop e-system"),
}


def system_name(role: str, given: object, lang: Lang) -> str:
    """A shared system's name: the name the evaluation gives (Vietnamese), else its role's from
    the vocabulary, the province's own systems called the province's."""
    own = role in PROVINCE_SYSTEMS
    if lang == "en" or not isinstance(given, str) or not given:
        return pick(PROVINCE_SYSTEMS if own else SERVICE_ROLES, role, lang)
    if own and "tỉnh" not in given.casefold():
        return f"{given} của tỉnh"
    return given


def window(w: Window, lang: Lang) -> str:
    return t("window", lang, days=round(w.seconds / 86400), start=day(w.start), end=day(w.end))
