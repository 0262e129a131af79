"""Chi tiết điểm (site detail): links, bandwidth, power, terminals and recent state of the
sites of one commune."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import stat, statetimeline, table
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.common import (
    COMMUNE,
    DATASOURCE,
    RED_GREEN,
    SITES,
    grid,
    last_value,
    new_dashboard,
    query,
    series,
    steps,
)

UID = "sansang-site-detail"
S = "{" + SITES + "}"
"""Selector of the chosen commune's sites on agent series."""


def _two_states(off: str, off_color: str, on: str, on_color: str) -> list[dm.ValueMapping]:
    """Value mappings of a 0/1 gauge: what 0 and 1 mean, and their colours."""
    results = {
        "0": dm.ValueMappingResult(text=off, color=off_color),
        "1": dm.ValueMappingResult(text=on, color=on_color),
    }
    return [dm.ValueMap(options=results)]


UP_DOWN = _two_states("Mất / down", "red", "Hoạt động / up", "green")
MAINS = _two_states("Chạy pin / on battery", "red", "Có điện lưới / mains", "green")
ON_BATTERY = _two_states("Điện lưới / on line", "green", "Chạy pin / on battery", "red")


def _states(
    title: str, description: str, mappings: list[dm.ValueMapping], *targets: tuple[str, str]
) -> statetimeline.Panel:
    panel = (
        statetimeline.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .mappings(mappings)
        .thresholds(RED_GREEN)
        .show_value(cm.VisibilityMode.NEVER)
    )
    for i, (expr, legend) in enumerate(targets):
        panel = panel.with_target(query(expr, legend, ref=chr(ord("A") + i)))
    return panel


def _row(title: str, y: int) -> db.Row:
    return db.Row(title).grid_pos(grid(0, y, 24, 1))


def link_panels(y: int) -> list[Builder[dm.Panel]]:
    loss = "site_link:sansang_link_loss:ratio_rate5m" + S
    rtt_p95 = (
        "histogram_quantile(0.95, sum by (site, link, le) "
        f"(rate(sansang_link_rtt_seconds_bucket{S}[$__rate_interval])))"
    )
    return [
        _states(
            "Trạng thái đường truyền",
            "1 khi vòng đo gần nhất qua đường truyền có trả lời. / Link up per round.",
            UP_DOWN,
            ("sansang_link_up" + S, "{{site}} {{link}}"),
        ).grid_pos(grid(0, y, 16, 6)),
        stat.Panel()
        .reduce_options(last_value())
        .title("Tỷ lệ hoạt động trong 1 giờ")
        .description(
            "Tỷ lệ thời gian đường truyền hoạt động trong giờ qua. / Link uptime, last hour."
        )
        .datasource(DATASOURCE)
        .with_target(query("site_link:sansang_link_up:avg_over_time_1h" + S, "{{site}} {{link}}"))
        .unit("percentunit")
        .thresholds(steps((None, "red"), (0.95, "orange"), (0.99, "green")))
        .grid_pos(grid(16, y, 8, 6)),
        series(
            "Tỷ lệ mất gói",
            "1 - số trả lời / số gói gửi, trong 5 phút. / Packet loss over 5 minutes.",
            "percentunit",
            (loss, "{{site}} {{link}}"),
        ).grid_pos(grid(0, y + 6, 12, 8)),
        series(
            "Độ trễ",
            "Độ trễ trung vị của vòng đo gần nhất và phân vị 95. / Median RTT and p95.",
            "s",
            ("sansang_link_rtt_median_seconds" + S, "{{link}} → {{target}} (trung vị)"),
            (rtt_p95, "{{link}} p95"),
        ).grid_pos(grid(12, y + 6, 12, 8)),
    ]


def bandwidth_panels(y: int) -> list[Builder[dm.Panel]]:
    return [
        series(
            "Băng thông đo được",
            "Tốc độ tải xuống / tải lên của lần đo gần nhất, bit/s. / Speed test throughput.",
            "bps",
            ("sansang_speedtest_download_bytes_per_second" + S + " * 8", "{{link}} tải xuống"),
            ("sansang_speedtest_upload_bytes_per_second" + S + " * 8", "{{link}} tải lên"),
        ).grid_pos(grid(0, y, 16, 8)),
        stat.Panel()
        .reduce_options(last_value())
        .title("Thời gian từ lần đo gần nhất")
        .description("Bao lâu từ lần đo tốc độ thành công gần nhất. / Age of the last good test.")
        .datasource(DATASOURCE)
        .with_target(
            query("time() - sansang_speedtest_last_success_timestamp_seconds" + S, "{{link}}")
        )
        .unit("s")
        .thresholds(steps((None, "green"), (172800, "orange")))
        .grid_pos(grid(16, y, 8, 8)),
    ]


def power_panels(y: int) -> list[Builder[dm.Panel]]:
    return [
        _states(
            "Điện lưới",
            "Điện lưới tại điểm theo các bộ lưu điện (UPS). / Mains at the site.",
            MAINS,
            ("sansang_power_site_mains_present" + S, "{{site}}"),
        ).grid_pos(grid(0, y, 12, 5)),
        _states(
            "Đang chạy pin",
            "1 khi bộ lưu điện chạy pin. / UPS on battery.",
            ON_BATTERY,
            ("sansang_power_on_battery" + S, "{{site}} {{source}}"),
        )
        .thresholds(steps((None, "green"), (1, "red")))
        .grid_pos(grid(12, y, 12, 5)),
        series(
            "Dung lượng pin",
            "Mức pin của bộ lưu điện (0-100 %). / Battery charge.",
            "percentunit",
            ("sansang_power_battery_charge_ratio" + S, "{{site}} {{source}}"),
        ).grid_pos(grid(0, y + 5, 12, 7)),
        series(
            "Thời gian chạy pin còn lại",
            "Ước tính của bộ lưu điện ở tải hiện tại. / Estimated runtime on battery.",
            "s",
            ("sansang_power_battery_runtime_seconds" + S, "{{site}} {{source}}"),
        ).grid_pos(grid(12, y + 5, 12, 7)),
    ]


def terminal_panels(y: int) -> list[Builder[dm.Panel]]:
    return [
        stat.Panel()
        .reduce_options(last_value())
        .title("Thiết bị hoạt động theo loại")
        .description(
            "Số thiết bị trả lời / số thiết bị đăng ký, theo loại. / Terminals up by kind."
        )
        .datasource(DATASOURCE)
        .with_target(
            query(
                "sum by (kind) (sansang_terminals_up" + S + ")"
                " / sum by (kind) (sansang_terminals_configured" + S + ")",
                "{{kind}}",
            )
        )
        .unit("percentunit")
        .thresholds(steps((None, "red"), (0.5, "orange"), (1, "green")))
        .grid_pos(grid(0, y, 8, 8)),
        _states(
            "Trạng thái từng thiết bị",
            "Máy tính, máy quét, kiosk, điểm cầu họp trực tuyến... / Each terminal.",
            UP_DOWN,
            ("sansang_terminal_up" + S, "{{terminal}} ({{kind}})"),
        ).grid_pos(grid(8, y, 16, 8)),
    ]


def recent_panels(y: int) -> list[Builder[dm.Panel]]:
    return [
        _states(
            "Dịch vụ và giờ làm việc",
            "Hệ thống Một cửa điện tử, Cổng DVC quốc gia, trung tâm dữ liệu tỉnh; giờ làm việc. "
            "/ Services seen from the site; service hours.",
            UP_DOWN,
            ("sansang_service_up" + S, "{{service}}"),
            ("sansang_site_open" + S, "Giờ làm việc / open"),
        ).grid_pos(grid(0, y, 16, 7)),
        stat.Panel()
        .reduce_options(last_value())
        .title("Prometheus lấy được số liệu (1 giờ)")
        .description("Tỷ lệ lần lấy số liệu của tác tử thành công. / Agent scrapes that worked.")
        .datasource(DATASOURCE)
        .with_target(query("site:up:avg_over_time_1h" + S, "{{site}}"))
        .unit("percentunit")
        .thresholds(steps((None, "red"), (0.99, "green")))
        .grid_pos(grid(16, y, 8, 7)),
        table.Panel()
        .show_header(True)
        .title("Mức sẵn sàng theo chỉ tiêu")
        .description("Kết quả đánh giá gần nhất của bộ thu thập. / The collector's findings.")
        .datasource(DATASOURCE)
        .with_target(query(f"sansang_readiness_status{{{COMMUNE}}} == 1", instant=True, table=True))
        .grid_pos(grid(0, y + 7, 24, 8)),
    ]


def build() -> db.Dashboard:
    dash = new_dashboard(
        UID,
        "Chi tiết điểm",
        "Đường truyền, băng thông, điện, thiết bị và trạng thái gần đây của một xã. "
        "/ Site detail: links, bandwidth, power, terminals, recent state.",
        multi_commune=False,
    )
    sections = [
        ("Đường truyền", link_panels, 14),
        ("Băng thông", bandwidth_panels, 8),
        ("Điện", power_panels, 12),
        ("Thiết bị đầu cuối", terminal_panels, 8),
        ("Trạng thái gần đây", recent_panels, 15),
    ]
    y = 0
    for title, panels, height in sections:
        dash = dash.with_row(_row(title, y))
        for panel in panels(y + 1):
            dash = dash.with_panel(panel)
        y += height + 1
    return dash
