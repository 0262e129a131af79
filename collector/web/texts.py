"""Words and figures of the collector's web UI: Vietnamese first, English with ``?lang=en``.

Figures are written the way a Vietnamese reader writes them: ``99,2 %``, ``1.234 lần``,
``48 Mbit/s`` (comma decimals, dot thousands).  Times are Vietnam's time (UTC+7).  The figures,
the time zone and the words the findings and alerts also use (causes, kinds, roles) are the
shared kernel's (:mod:`sansang.i18n`); this module only adds the board's and the site page's own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from collector.evaluate.model import Finding, Status, Window
from collector.inventory.model import RISK_NAMES
from collector.targets import ThresholdValue
from sansang.i18n import CAUSES, Lang, duration, local, number, percent, pick

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
    # The heading says the cause in the words of the findings and alerts.
    "central": (CAUSES["central"][0].capitalize(), CAUSES["central"][1].capitalize()),
    "central_item": (
        "{system}: {sites} điểm cùng mất kết nối, từ {start}{end}",
        "{system}: {sites} sites lost it at once, from {start}{end}",
    ),
    "central_until": (" đến {end}", " to {end}"),
    "central_ongoing": (" (đang tiếp diễn)", " (ongoing)"),
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
    "map": ("Bản đồ các điểm", "Map of the sites"),
    "map_note": (
        "Mỗi chấm là một điểm, màu theo chỉ tiêu kém nhất; di chuột để xem tên.",
        "Each dot is a site, coloured by its worst target; hover for its name.",
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


_COUNTS: dict[str, tuple[str, str]] = {
    "outages": ("lần", "outages"),
    "times": ("lần", "times"),
    "count": ("", ""),
    "tests": ("lần đo", "tests"),
    "points": ("điểm đo", "points"),
    "sites": ("điểm", "sites"),
    "terminals": ("thiết bị", "terminals"),
    "risks": ("rủi ro", "risks"),  # SEC-TEAM, SEC-CONTINGENCY
    "days": ("ngày", "days"),  # SEC-DRILL: the last drill's age
}


def figure(value: float | None, unit: str, lang: Lang) -> str:
    """A finding's value as a person reads it: ``99,2 %``, ``6 lần``, ``48 Mbit/s``."""
    if value is None:
        return "—"
    if unit == "ratio":
        return percent(value, lang)
    if unit in ("seconds", "s"):
        return duration(value, lang)
    if unit in ("minutes", "min"):
        return duration(value * 60, lang)
    if unit in _COUNTS:
        word = pick(_COUNTS, unit, lang)
        return f"{number(value, 0, lang)} {word}".strip()
    decimals = 0 if abs(value) >= 10 or value == round(value) else 1
    return f"{number(value, decimals, lang)} {unit}".strip()


def threshold(value: ThresholdValue | None, unit: str, lang: Lang) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, int | float):
        return figure(float(value), unit, lang)
    if isinstance(value, list):
        return ", ".join(value)
    return value


def _slowest_line(f: Finding) -> tuple[float, float] | None:
    """INF-BW's value is the lowest ratio of a median to its minimum over the lines (Internet,
    TSLCD); a person reads that line's download in Mbit/s against its minimum."""
    lines = []
    for prefix in ("internet", "tslcd"):
        got = f.details.get(f"{prefix}_download_mbps")
        floor = f.details.get(f"{prefix}_download_min_mbps")
        if isinstance(got, int | float) and isinstance(floor, int | float) and floor > 0:
            lines.append((got / floor, float(got), float(floor)))
    if not lines:
        return None
    _, got, floor = min(lines)
    return got, floor


def finding_figures(f: Finding, lang: Lang) -> tuple[str, str]:
    """The finding's value and threshold as a person reads them: ``(48 Mbit/s, 100 Mbit/s)``."""
    if f.target == "INF-BW" and f.unit == "ratio":
        line = _slowest_line(f)
        if line is not None:
            return figure(line[0], "Mbit/s", lang), figure(line[1], "Mbit/s", lang)
    return figure(f.value, f.unit, lang), threshold(f.threshold, f.unit, lang)


def window(w: Window, lang: Lang) -> str:
    return t("window", lang, days=round(w.seconds / 86400), start=day(w.start), end=day(w.end))
