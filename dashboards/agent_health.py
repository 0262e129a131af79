"""Tình trạng tác tử (agent health): whether Prometheus scrapes each site's agent, how long its
checks take, its journal and the events waiting to be pushed, the last push the collector
acknowledged, and the checks that raised errors."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common as cm

from dashboards.common import (
    DATASOURCE,
    SITES,
    grid,
    last_value,
    new_dashboard,
    query,
    series,
    steps,
)

UID = "sansang-agent-health"
S = "{" + SITES + "}"


def _bars(title: str, description: str, expr: str, legend: str) -> bargauge.Panel:
    return (
        bargauge.Panel()
        .reduce_options(last_value())
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(query(expr, legend, instant=True))
        .orientation(cm.VizOrientation.HORIZONTAL)
        .display_mode(cm.BarGaugeDisplayMode.BASIC)
        .min(0)
    )


def build() -> db.Dashboard:
    dash = new_dashboard(
        UID,
        "Tình trạng tác tử",
        "Tác tử tại các điểm: Prometheus lấy được số liệu không, nhật ký, sự kiện chờ gửi, lỗi "
        "kiểm tra. / Agent health: scrapes, journal, push, probe errors.",
        multi_commune=True,
    )
    panels = [
        _bars(
            "Prometheus lấy được số liệu (1 giờ)",
            "Tỷ lệ lần lấy số liệu của tác tử thành công trong giờ qua, theo điểm. "
            "/ Share of the agent's scrapes that worked, last hour.",
            "site:up:avg_over_time_1h" + S,
            "{{site}}",
        )
        .unit("percentunit")
        .max(1)
        .thresholds(steps((None, "red"), (0.9, "orange"), (0.99, "green")))
        .grid_pos(grid(0, 0, 12, 8)),
        _bars(
            "Thời gian gửi thành công gần nhất",
            "Bao lâu từ khi bộ thu thập xác nhận lần gửi sự kiện gần nhất của tác tử. "
            "/ Age of the last push the collector acknowledged.",
            "time() - sansang_push_last_success_timestamp_seconds" + S,
            "{{site}}",
        )
        .unit("s")
        .thresholds(steps((None, "green"), (900, "orange"), (3600, "red")))
        .grid_pos(grid(12, 0, 12, 8)),
        series(
            "Thời gian chạy kiểm tra dài nhất",
            "Lần chạy gần nhất của kiểm tra lâu nhất tại điểm (thay cho thời gian lấy số liệu). "
            "/ Longest check duration per site.",
            "s",
            ("max by (site) (sansang_probe_duration_seconds" + S + ")", "{{site}}"),
        ).grid_pos(grid(0, 8, 12, 8)),
        series(
            "Dung lượng nhật ký",
            "Cơ sở dữ liệu nhật ký sự kiện và tệp ghi trước (WAL). / Journal size.",
            "bytes",
            ("sansang_journal_size_bytes" + S, "{{site}}"),
        ).grid_pos(grid(12, 8, 12, 8)),
        series(
            "Sự kiện chờ gửi",
            "Sự kiện trong nhật ký bộ thu thập chưa xác nhận (A); sự kiện chờ ghi vào nhật ký (B). "
            "/ Events not yet acknowledged; events waiting for the journal.",
            "short",
            ("sansang_push_pending_events" + S, "{{site}} chờ gửi"),
            ("sansang_journal_pending_events" + S, "{{site}} chờ ghi"),
        ).grid_pos(grid(0, 16, 12, 8)),
        series(
            "Lỗi kiểm tra và lỗi gửi (1 giờ)",
            "Lần chạy kiểm tra gặp lỗi bất thường (A) và lần gửi thất bại theo lý do (B). "
            "/ Probe errors and failed pushes, last hour.",
            "short",
            (
                "sum by (site, check) (increase(sansang_probe_errors_total" + S + "[1h])) > 0",
                "{{site}} {{check}}",
            ),
            (
                "sum by (site, reason) (increase(sansang_push_failures_total" + S + "[1h])) > 0",
                "{{site}} gửi: {{reason}}",
            ),
        ).grid_pos(grid(12, 16, 12, 8)),
    ]
    for panel in panels:
        dash = dash.with_panel(panel)
    return dash
