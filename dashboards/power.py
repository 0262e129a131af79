"""Nguồn điện và lõm điện (power and power dead zones): mains per site, sites on battery now,
outages over 30 days by class, the shortest UPS hold-up and the INF-PWR readiness."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, statetimeline, table
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common as cm

from dashboards.common import (
    DATASOURCE,
    RED_GREEN,
    SITES,
    grid,
    last_value,
    new_dashboard,
    query,
    readiness_table,
    steps,
)
from dashboards.site_detail import MAINS

UID = "sansang-power"
S = "{" + SITES + "}"
S30 = '{window="30d", ' + SITES + "}"
"""Agent series of the chosen sites, the 30-day window of the outage summary."""


def mains_per_site() -> statetimeline.Panel:
    return (
        statetimeline.Panel()
        .title("Điện lưới theo điểm")
        .description(
            "1 khi có bộ lưu điện (UPS) báo có điện lưới tại điểm. / Mains present per site."
        )
        .datasource(DATASOURCE)
        .with_target(query("sansang_power_site_mains_present" + S, "{{site}}"))
        .mappings(MAINS)
        .thresholds(RED_GREEN)
        .show_value(cm.VisibilityMode.NEVER)
        .grid_pos(grid(0, 0, 16, 8))
    )


def on_battery_now() -> stat.Panel:
    expr = "count(max by (site) (sansang_power_on_battery" + S + ") == 1) or vector(0)"
    return (
        stat.Panel()
        .reduce_options(last_value())
        .title("Số điểm đang chạy pin")
        .description("Số điểm có bộ lưu điện đang chạy pin lúc này. / Sites on battery now.")
        .datasource(DATASOURCE)
        .with_target(query(expr, instant=True))
        .thresholds(steps((None, "green"), (1, "red")))
        .grid_pos(grid(16, 0, 8, 8))
    )


def outages_30d() -> bargauge.Panel:
    expr = "sum by (site, class) (sansang_power_outages" + S30 + ")"
    return (
        bargauge.Panel()
        .reduce_options(last_value())
        .title("Số lần mất điện lưới trong 30 ngày")
        .description(
            "Theo loại: kéo dài (trên 5 phút) và thoáng qua (5 phút trở xuống), theo Thông tư "
            "05/2025/TT-BCT Điều 15. / Mains outages in 30 days, sustained and momentary."
        )
        .datasource(DATASOURCE)
        .with_target(query(expr, "{{site}} {{class}}", instant=True))
        .orientation(cm.VizOrientation.HORIZONTAL)
        .display_mode(cm.BarGaugeDisplayMode.BASIC)
        .min(0)
        .thresholds(steps((None, "green"), (1, "orange"), (5, "red")))
        .grid_pos(grid(0, 8, 12, 10))
    )


def shortest_holdup() -> bargauge.Panel:
    expr = "min by (site) (sansang_power_ups_holdup_shortest_seconds" + S30 + ")"
    return (
        bargauge.Panel()
        .reduce_options(last_value())
        .title("Thời gian giữ tải ngắn nhất của UPS")
        .description(
            "Thời gian ngắn nhất bộ lưu điện giữ được tải bằng pin trước khi cạn, trong 30 ngày; "
            "không có số khi chưa UPS nào cạn pin. / Shortest UPS hold-up before depletion."
        )
        .datasource(DATASOURCE)
        .with_target(query(expr, "{{site}}", instant=True))
        .unit("s")
        .orientation(cm.VizOrientation.HORIZONTAL)
        .display_mode(cm.BarGaugeDisplayMode.BASIC)
        .min(0)
        .thresholds(steps((None, "red"), (900, "orange"), (1800, "green")))
        .grid_pos(grid(12, 8, 12, 10))
    )


def readiness() -> table.Panel:
    return readiness_table(
        "Mức sẵn sàng INF-PWR theo điểm",
        "Nguồn điện ổn định, khắc phục lõm điện: kết quả đánh giá gần nhất của bộ thu thập "
        "(met / not_met / unknown). / INF-PWR finding per site.",
        "INF-PWR",
        grid(0, 18, 24, 8),
    )


def build() -> db.Dashboard:
    return (
        new_dashboard(
            UID,
            "Nguồn điện và lõm điện",
            "Điện lưới, bộ lưu điện và số lần mất điện của các điểm phục vụ. "
            "/ Power and power dead zones: mains, UPS, outages.",
            multi_commune=True,
        )
        .with_panel(mains_per_site())
        .with_panel(on_battery_now())
        .with_panel(outages_30d())
        .with_panel(shortest_holdup())
        .with_panel(readiness())
    )
