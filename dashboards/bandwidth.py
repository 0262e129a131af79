"""Băng thông và lõm sóng (bandwidth and coverage dead zones): the latest download and upload
per site and link kind, the INF-BW and INF-DZ readiness, loss per link."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, table, timeseries
from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common as cm

from dashboards.common import (
    DATASOURCE,
    SITES,
    grid,
    last_value,
    new_dashboard,
    query,
    readiness_table,
    steps,
)

UID = "sansang-bandwidth"
S = "{" + SITES + "}"


def _throughput(metric: str) -> str:
    """bit/s of the last good test per site, link and link kind (from the link's info)."""
    return (
        f"max by (site, link, kind) ({metric}{S} * 8"
        f" * on (site, link) group_left (kind) sansang_link_info{S})"
    )


def speed(title: str, description: str, metric: str, x: int) -> bargauge.Panel:
    return (
        bargauge.Panel()
        .reduce_options(last_value())
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(query(_throughput(metric), "{{site}} {{link}} ({{kind}})", instant=True))
        .unit("bps")
        .orientation(cm.VizOrientation.HORIZONTAL)
        .display_mode(cm.BarGaugeDisplayMode.BASIC)
        .min(0)
        .thresholds(steps((None, "red"), (10e6, "orange"), (100e6, "green")))
        .grid_pos(grid(x, 0, 12, 10))
    )


def readiness() -> table.Panel:
    return readiness_table(
        "Mức sẵn sàng INF-BW và INF-DZ theo điểm",
        "Băng thông tốc độ cao (INF-BW) và xoá lõm sóng (INF-DZ): kết quả đánh giá gần nhất "
        "của bộ thu thập. / INF-BW and INF-DZ findings per site.",
        "INF-BW|INF-DZ",
        grid(0, 10, 24, 8),
    )


def loss() -> timeseries.Panel:
    legend = (
        cb.VizLegendOptions()
        .display_mode(cm.LegendDisplayMode.LIST)
        .placement(cm.LegendPlacement.BOTTOM)
        .show_legend(True)
    )
    return (
        timeseries.Panel()
        .title("Tỷ lệ mất gói theo đường truyền")
        .description("1 - số trả lời / số gói gửi, trong 5 phút. / Packet loss per link, 5 min.")
        .datasource(DATASOURCE)
        .with_target(query("site_link:sansang_link_loss:ratio_rate5m" + S, "{{site}} {{link}}"))
        .unit("percentunit")
        .legend(legend)
        .grid_pos(grid(0, 18, 24, 9))
    )


def build() -> db.Dashboard:
    return (
        new_dashboard(
            UID,
            "Băng thông và lõm sóng",
            "Tốc độ đo được theo điểm và loại đường truyền, lõm sóng, tỷ lệ mất gói. "
            "/ Bandwidth and coverage dead zones.",
            multi_commune=True,
        )
        .with_panel(
            speed(
                "Tốc độ tải xuống gần nhất",
                "Lần đo tốc độ thành công gần nhất, bit/s, theo điểm và loại đường truyền "
                "(internet, TSLCD, di động). / Latest download per site and link kind.",
                "sansang_speedtest_download_bytes_per_second",
                0,
            )
        )
        .with_panel(
            speed(
                "Tốc độ tải lên gần nhất",
                "Lần đo tốc độ thành công gần nhất, bit/s, theo điểm và loại đường truyền. "
                "/ Latest upload per site and link kind.",
                "sansang_speedtest_upload_bytes_per_second",
                12,
            )
        )
        .with_panel(readiness())
        .with_panel(loss())
    )
