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
    # The site page's readiness (SEC-CONTINGENCY, SEC-DRILL, SEC-TEAM): collector/web/sitepage.py.
    "plan_status": ("Trạng thái", "Status"),
    "risk_level": ("Cấp độ rủi ro", "Risk level"),
    "plan_approved": ("Đã phê duyệt{decision} ngày {day}", "Approved{decision} on {day}"),
    "plan_decision": (" số {decision}", " by decision {decision}"),
    "province_drills": ("Diễn tập do tỉnh tổ chức", "Drills held by the province"),
    "province_drills_none": (
        "Chưa ghi lần diễn tập chung nào của tỉnh có xã này.",
        "No province drill that included this commune is recorded.",
    ),
    "drill_people": ("{n} người tham gia", "{n} taking part"),
    "drill_minutes": ("biên bản {ref}", "minutes {ref}"),
    "team": ("Đầu mối phối hợp và đội ứng cứu sự cố của xã", "The commune's focal point and team"),
    "focal_point": ("Đầu mối phối hợp", "Focal point"),
    "focal_none": ("Chưa có", "None yet"),
    "focal_confirmed": ("xác nhận {day}", "confirmed {day}"),
    "team_members": ("Đội ứng cứu", "Response team"),
    "team_size": ("{n} người", "{n} members"),
    "team_decision": ("Quyết định thành lập", "Set up by decision"),
    "team_none": (
        "Danh mục chưa ghi đầu mối phối hợp và đội ứng cứu của xã.",
        "The inventory lists no focal point or response team for this commune.",
    ),
    "personal_hidden": (
        "Họ tên, số điện thoại và nội dung phương án chỉ hiển thị cho Công an tỉnh và quản trị.",
        "Names, phones and the plans' texts are shown to the security reviewer and admins only.",
    ),
    "readiness_not_saved": ("Chưa lưu được", "Not saved"),
    "readiness_edit": ("Sửa", "Edit"),
    "readiness_back": ("← Quay lại trang của điểm", "← Back to the site page"),
    "readiness_plan_form": ("Cập nhật phương án: {risk}", "Update the plan: {risk}"),
    "readiness_drill_form": ("Ghi nhận diễn tập", "Record a drill"),
    "readiness_team_form": ("Cập nhật đầu mối và đội ứng cứu", "Update the focal point and team"),
    "readiness_members_hint": (
        "Mỗi dòng một người: Họ tên, chức vụ, điện thoại",
        "One per line: name, position, phone",
    ),
    "readiness_eval_note": (
        "Trang hiển thị ngay; kết quả đánh giá cập nhật ở lần đánh giá kế tiếp.",
        "The page shows it at once; the findings follow at the next evaluation.",
    ),
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
    # A token scoped to some sites (a commune's police): what its pages show, and a refusal.
    "central_item_province": (
        "{system}: {sites}/{total} điểm của tỉnh cùng mất kết nối, từ {start}{end}",
        "{system}: {sites} of the province's {total} sites lost it at once, from {start}{end}",
    ),
    "scope_note": (
        "Mã truy cập này chỉ được xem {n} điểm: {places}. Số liệu tổng hợp chỉ tính các điểm này.",
        "This token may read {n} sites only: {places}. The counts are of these sites only.",
    ),
    "forbidden_title": ("Không được xem trang này", "You may not see this page"),
    "forbidden_site": (
        "Mã truy cập của bạn chỉ được xem các điểm của mình; trang này thuộc điểm khác "
        "(hoặc không có).",
        "Your token may read its own sites only; this page is another site's (or none's).",
    ),
    "forbidden_yours": ("Các điểm bạn được xem: {places}.", "The sites you may read: {places}."),
    "police_link": ("An ninh thông tin", "Information security"),
    "reports_link": ("Báo cáo tháng", "Monthly reports"),
    # The police page (/police): Công an tỉnh's review of every commune's readiness.
    "police_title": (
        "An ninh thông tin — Công an tỉnh",
        "Information security — provincial police",
    ),
    "police_intro": (
        "Các chỉ tiêu an toàn thông tin của kế hoạch (do Công an tỉnh theo dõi) cho từng xã; "
        "mỗi ô là kết quả đánh giá mới nhất, di chuột để xem nhận định.",
        "The plan's information-security targets (the provincial police's) for every commune; "
        "each cell is the newest finding, hover for its sentence.",
    ),
    "not_evaluated": ("chưa đánh giá", "not evaluated"),
    "not_evaluated_note": (
        "«chưa đánh giá»: hệ thống chưa đo được chỉ tiêu này; lý do ghi ở tiêu đề cột.",
        "'not evaluated': the system does not measure this target yet; the column says why.",
    ),
    "police_met": ("{met}/{total} đạt", "{met}/{total} met"),
    "overdue": ("Quá hạn", "Overdue"),
    "overdue_none": ("Không có việc quá hạn.", "Nothing overdue."),
    "overdue_what": ("Việc quá hạn", "What is overdue"),
    "overdue_plan_missing": (
        "{n} rủi ro chưa có phương án được phê duyệt: quá hạn từ {since} ({days} ngày, hạn {due})",
        "{n} risks without an approved plan: overdue since {since} ({days} days, due {due})",
    ),
    "overdue_plan_late": (
        "{n} phương án phê duyệt sau hạn {due}",
        "{n} plans approved after the deadline {due}",
    ),
    "overdue_unproven": (
        "{n} phương án dự phòng chưa thấy hoạt động trong {days} ngày",
        "{n} fallbacks not seen working in {days} days",
    ),
    "overdue_no_drill": ("chưa diễn tập lần nào", "no drill held"),
    "overdue_drill_old": (
        "lần diễn tập gần nhất cách đây {age} ngày (tối đa {days} ngày)",
        "the last drill was {age} days ago (at most {days} days)",
    ),
    "overdue_focal": (
        "đầu mối phối hợp chưa xác nhận lại trong {days} ngày (lần cuối {day})",
        "the focal point not confirmed within {days} days (last {day})",
    ),
    "overdue_confirm": (
        "{n} người phụ trách phương án chưa xác nhận lại trong {days} ngày",
        "{n} plan responders not confirmed within {days} days",
    ),
    "contacts": ("Người phụ trách", "Responders"),
    "contacts_hidden": (
        "Tên và số điện thoại người phụ trách chỉ hiển thị cho Công an tỉnh và quản trị.",
        "Responders' names and phones are shown to the security reviewer and admins only.",
    ),
    "confirmed_on": ("xác nhận {day}", "confirmed {day}"),
    "machines": ("Máy không đạt kiểm tra an ninh", "Machines failing security checks"),
    "machines_none": (
        "Không có máy nào không đạt trong lần đánh giá này.",
        "No machine failed in this evaluation.",
    ),
    "machines_not_evaluated": (
        "Chưa đánh giá ({target}): {reason}",
        "Not evaluated ({target}): {reason}",
    ),
    "certificates": ("Chứng chỉ sắp hết hạn", "Certificates about to expire"),
    "certificates_no_data": (
        "Chưa có dữ liệu: máy chủ tổng hợp chưa đọc được từ Prometheus ngày hết hạn chứng chỉ TLS "
        "mà tác tử các điểm đo (prometheus.url chưa đặt, Prometheus không trả lời, hoặc chưa "
        "điểm nào kiểm tra hệ thống qua HTTPS).",
        "No data: the collector has not read from Prometheus the TLS expiry the sites' agents "
        "measure (prometheus.url not set, Prometheus not answering, or no site checks a system "
        "over HTTPS).",
    ),
    "cert_tls_check": ("Kiểm tra (hệ thống)", "Check (system)"),
    "cert_tls_sites": ("Số điểm thấy", "Sites that saw it"),
    "cert_tls_none_soon": (
        "Không chứng chỉ TLS nào hết hạn trong {days} ngày tới.",
        "No TLS certificate expires within {days} days.",
    ),
    "incidents": ("Sự cố đang mở", "Open incidents"),
    "incidents_none": ("Không có sự cố nào đang mở.", "No incident is open."),
    "incident_started": ("Bắt đầu", "Began"),
    "incident_kind": ("Loại", "Kind"),
    "incident_state": ("Xử lý", "Handling"),
    "incident_taken": ("{who} đã nhận xử lý", "taken on by {who}"),
    "incident_new": ("chưa ai nhận xử lý", "nobody has taken it on"),
    "province_wide": ("Toàn tỉnh", "Province-wide"),
    "commune_col": ("Xã / điểm", "Commune / site"),
    "more_places": ("và {n} điểm khác", "and {n} more"),
    "cert_signatures": (
        "Chứng thư số (chữ ký số) đăng ký trong danh mục, hết hạn trong {days} ngày tới",
        "Signature certificates registered in the inventory, expiring within {days} days",
    ),
    "cert_none_soon": (
        "Không có chứng thư số nào hết hạn trong {days} ngày tới.",
        "No certificate expires within {days} days.",
    ),
    "cert_none_registered": (
        "Danh mục chưa đăng ký chứng thư số nào.",
        "The inventory registers no signature certificate.",
    ),
    "cert_holder": ("Chủ thể", "Holder"),
    "cert_until": ("Hạn cuối", "Valid until"),
    "cert_left": ("còn {n} ngày", "{n} days left"),
    "cert_expired": ("đã hết hạn {n} ngày", "expired {n} days ago"),
    "cert_province": ("cơ quan cấp tỉnh", "a province body"),
    "cert_tls": (
        "Chứng chỉ TLS của hệ thống (Một cửa điện tử, Cổng Dịch vụ công)",
        "TLS certificates of the systems (one-stop system, public-service portal)",
    ),
}

# Why a target of the catalogue is not evaluated, in Vietnamese (the catalogue's ``reason`` is
# the English); a target missing here shows the catalogue's words.
NOT_EVALUATED: dict[str, str] = {
    "SEC-LEVEL": "lấy từ danh mục (cấp độ, hồ sơ, lần kiểm tra gần nhất); chưa đo",
    "SEC-MEASURES": (
        "cần tác tử kiểm tra an ninh từng máy (tường lửa, chống virus, mã hoá ổ đĩa, sao lưu)"
    ),
    "SEC-EARLY": "thời gian phát hiện và khắc phục từng sự cố, từ cảnh báo và sự kiện: "
    "có cùng hệ thống cảnh báo",
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
    "incident": ("Sổ sự cố", "Incident log"),
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


# The readiness forms (collector.web.readinessforms): each field of a plan, a drill and a team, as
# the form labels it and as a refusal names it.  A list's index is left out of the key
# (``members.2.phone`` is ``members.phone``).
READINESS_FIELDS: dict[str, tuple[str, str]] = {
    "status": ("Trạng thái", "Status"),
    "approved_on": ("Ngày phê duyệt", "Approved on"),
    "decision": ("Số quyết định", "Decision number"),
    "file_sha256": ("SHA-256 của tệp phương án", "SHA-256 of the plan's file"),
    "risk_level": ("Cấp độ rủi ro", "Risk level"),
    "fallback": ("Phương án dự phòng", "Fallback"),
    "fallback.kind": ("Loại dự phòng", "Kind of fallback"),
    "fallback.text": ("Nội dung dự phòng", "Fallback text"),
    "responder": ("Người phụ trách", "Responder"),
    "responder.name": ("Người phụ trách: họ tên", "Responder: name"),
    "responder.phone": ("Người phụ trách: điện thoại", "Responder: phone"),
    "responder.confirmed_on": ("Người phụ trách: ngày xác nhận", "Responder: confirmed on"),
    "drills": ("Diễn tập", "Drills"),
    "risk": ("Rủi ro", "Risk"),
    "held_on": ("Ngày diễn tập", "Held on"),
    "result": ("Kết quả", "Result"),
    "participants": ("Số người tham gia", "Participants"),
    "participants.count": ("Số người tham gia", "Participants"),
    "minutes": ("Biên bản", "Minutes"),
    "minutes.reference": ("Biên bản số", "Minutes number"),
    "minutes.sha256": ("Biên bản: SHA-256", "Minutes: SHA-256"),
    "scope": ("Nội dung diễn tập", "What was rehearsed"),
    "notes": ("Ghi chú", "Notes"),
    "risks": ("Các rủi ro diễn tập", "Risks rehearsed"),
    "communes": ("Xã tham gia", "Communes taking part"),
    "all_sites": ("Mọi điểm", "Every site"),
    "organiser": ("Đơn vị chủ trì", "Organiser"),
    "focal_point": ("Đầu mối phối hợp", "Focal point"),
    "focal_point.name": ("Đầu mối: họ tên", "Focal point: name"),
    "focal_point.phone": ("Đầu mối: điện thoại", "Focal point: phone"),
    "focal_point.role": ("Đầu mối: chức vụ", "Focal point: position"),
    "focal_point.confirmed_on": ("Đầu mối: ngày xác nhận", "Focal point: confirmed on"),
    "members": ("Đội ứng cứu: thành viên", "Team members"),
    "members.name": ("Thành viên: họ tên", "Member: name"),
    "members.phone": ("Thành viên: điện thoại", "Member: phone"),
    "members.role": ("Thành viên: chức vụ", "Member: position"),
    "team_decision": ("Quyết định thành lập đội", "Decision setting up the team"),
}
# What a refusal says of the common errors (pydantic's types); other errors give the model's own
# message (the inventory's, which the YAML's errors also say).
READINESS_ERRORS: dict[str, tuple[str, str]] = {
    "missing": ("cần nhập", "is required"),
    "string_too_short": ("không được để trống", "may not be empty"),
    "date_from_datetime_parsing": ("không phải ngày (ngày/tháng/năm)", "is not a date"),
    "date_parsing": ("không phải ngày (ngày/tháng/năm)", "is not a date"),
    "date_type": ("không phải ngày (ngày/tháng/năm)", "is not a date"),
    "literal_error": ("không phải một giá trị được chọn", "is not one of the choices"),
    "int_parsing": ("không phải số nguyên", "is not a whole number"),
    "greater_than_equal": ("phải từ 1 trở lên", "must be at least 1"),
    "extra_forbidden": ("không có trường này", "is not a field of this record"),
}
