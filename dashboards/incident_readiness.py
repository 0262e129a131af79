"""Sẵn sàng ứng cứu sự cố (incident readiness, for Công an tỉnh): the readiness of the targets
Công an tỉnh owns and of OPS-247, outages of the central systems, sites unreachable now and UPS
whose communication is lost.

Only targets the collector evaluates are queried: one the catalogue marks ``planned`` or
``tracked`` has no ``sansang_readiness_*`` series, so a panel for it would stay empty.  Such a
target gets a text panel instead that says, in Vietnamese first, that it is not evaluated yet and
why (the catalogue's ``reason``)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import stat, table, text, timeseries
from grafana_foundation_sdk.models import text as tm

from collector.targets import Target, load_catalogue
from dashboards.common import (
    COMMUNE,
    DATASOURCE,
    SITES,
    grid,
    last_value,
    new_dashboard,
    query,
    readiness_table,
    steps,
)

UID = "sansang-incident-readiness"
OWNER = "cong_an_tinh"
S = "{" + SITES + "}"
CENTRAL = '{role=~"one_stop_system|national_portal|province_datacenter", province=~"$province"}'
"""Checks of the central systems from every site of the province (not only the communes chosen):
an outage of the centre shows as many sites losing it at once."""
UNREACHABLE = (
    f'sansang_collector_site_info{{access="pull", {COMMUNE}}} unless on (site) sansang_site_info{S}'
)
"""Pull sites of the inventory whose agent Prometheus has no fresh series of (scrape failing).
Push sites (behind NAT or 4G) are never scraped: they are not in the file_sd file, so they are
left out rather than shown as unreachable for ever."""
UPS_LOST = "sansang_power_source_up" + S + " == 0"


NOT_EVALUATED_BECAUSE = {
    "planned": "số liệu đã được thu thập, quy tắc đánh giá sẽ có trong một đợt sau",
    "tracked": "chỉ theo dõi từ danh mục hạ tầng, bộ thu thập không đánh giá",
}
"""Why a target of each status has no findings, said plainly (catalogue.yaml's status field)."""


def _police_catalogue() -> list[Target]:
    """Targets of the catalogue that Công an tỉnh owns, and OPS-247 (the 24/7 services)."""
    catalogue = load_catalogue()
    owned = sorted((t for t in catalogue.targets if t.owner == OWNER), key=lambda t: t.id)
    ops = catalogue.get("OPS-247")
    return [*owned, *([ops] if ops is not None else [])]


def police_targets() -> list[str]:
    """The police's targets and OPS-247 that the collector evaluates: the ones with series."""
    return [t.id for t in _police_catalogue() if t.status == "evaluated"]


def not_evaluated() -> list[Target]:
    """The police's targets and OPS-247 that the collector does not evaluate (yet)."""
    return [t for t in _police_catalogue() if t.status != "evaluated"]


def not_evaluated_note(targets: list[Target], y: int) -> text.Panel:
    """A text panel naming each target that is not evaluated, why, and what it waits for."""
    lines = [
        f"- **{t.id}** — {t.title.vi}: chưa đánh giá, {NOT_EVALUATED_BECAUSE[t.status]}. "
        f"/ *{t.title.en}: not evaluated yet ({t.status}): {t.reason.strip()}*"
        for t in targets
    ]
    content = (
        "Các chỉ tiêu sau chưa được bộ thu thập đánh giá nên chưa có số liệu trên bảng này "
        "/ These targets are not evaluated yet, so this dashboard has no data for them:\n\n"
        + "\n".join(lines)
        + "\n"
    )
    return (
        text.Panel()
        .title("Chỉ tiêu chưa đánh giá")
        .description(
            "Chỉ tiêu của Công an tỉnh mà danh mục ghi là chưa đánh giá (collector/targets/"
            "catalogue.yaml). / Police targets the catalogue marks as not evaluated."
        )
        .mode(tm.TextMode.MARKDOWN)
        .content(content)
        .grid_pos(grid(0, y, 24, 2 + 2 * len(targets)))
    )


def readiness() -> table.Panel:
    return readiness_table(
        "Mức sẵn sàng theo chỉ tiêu của Công an tỉnh và OPS-247",
        "An toàn thông tin theo cấp độ, biện pháp bảo vệ, phương án dự phòng, diễn tập, đội "
        "ứng cứu, cảnh báo sớm, và Một cửa điện tử / Cổng DVCQG 24/7, theo điểm. "
        "/ Findings of the police's targets and OPS-247 per site.",
        "|".join(police_targets()),
        grid(0, 0, 24, 10),
    )


def central_outages() -> timeseries.Panel:
    expr = (
        f"sum by (service, role) (1 - sansang_service_up{CENTRAL})"
        f" / count by (service, role) (sansang_service_up{CENTRAL})"
    )
    return (
        timeseries.Panel()
        .title("Sự cố hệ thống trung tâm")
        .description(
            "Tỷ lệ điểm không kết nối được tới Hệ thống Một cửa điện tử, Cổng DVC quốc gia, "
            "trung tâm dữ liệu tỉnh; từ 50 % trở lên là sự cố ở trung tâm. "
            "/ Share of sites that cannot reach each central system."
        )
        .datasource(DATASOURCE)
        .with_target(query(expr, "{{service}} ({{role}})"))
        .unit("percentunit")
        .min(0)
        .max(1)
        .thresholds(steps((None, "green"), (0.25, "orange"), (0.5, "red")))
        .grid_pos(grid(0, 10, 24, 8))
    )


def count_stat(title: str, description: str, expr: str, x: int) -> stat.Panel:
    return (
        stat.Panel()
        .reduce_options(last_value())
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(query(f"count({expr}) or vector(0)", instant=True))
        .thresholds(steps((None, "green"), (1, "red")))
        .grid_pos(grid(x, 18, 4, 8))
    )


def listing(title: str, description: str, expr: str, x: int) -> table.Panel:
    return (
        table.Panel()
        .show_header(True)
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(query(expr, instant=True, table=True))
        .grid_pos(grid(x, 18, 8, 8))
    )


def build() -> db.Dashboard:
    dash = (
        new_dashboard(
            UID,
            "Sẵn sàng ứng cứu sự cố",
            "Cho Công an tỉnh: mức sẵn sàng an toàn thông tin, sự cố hệ thống trung tâm, điểm "
            "mất liên lạc, bộ lưu điện mất kết nối. / Incident readiness for the provincial "
            "police.",
            multi_commune=True,
        )
        .with_panel(readiness())
        .with_panel(central_outages())
        .with_panel(
            count_stat(
                "Số điểm mất liên lạc",
                "Điểm trong danh mục mà Prometheus không có số liệu mới của tác tử. "
                "/ Sites unreachable now.",
                UNREACHABLE,
                0,
            )
        )
        .with_panel(
            listing(
                "Điểm mất liên lạc",
                "Các điểm trong danh mục không lấy được số liệu của tác tử lúc này. "
                "/ Inventory sites with no fresh agent series.",
                UNREACHABLE,
                4,
            )
        )
        .with_panel(
            count_stat(
                "Số UPS mất kết nối",
                "Bộ lưu điện không trả lời lần hỏi gần nhất. / UPS communication lost.",
                UPS_LOST,
                12,
            )
        )
        .with_panel(
            listing(
                "Bộ lưu điện mất kết nối",
                "UPS không trả lời hoặc trình điều khiển NUT mất kết nối, theo điểm. "
                "/ UPS whose communication is lost.",
                UPS_LOST,
                16,
            )
        )
    )
    missing = not_evaluated()
    if missing:
        dash = dash.with_panel(not_evaluated_note(missing, 26))
    return dash
