"""Tình trạng tác tử (agent health): whether Prometheus scrapes each site's agent, how long its
checks take, its journal, what the collector last received from each site, and the checks and
journal fetches that failed.

The agent's own push metrics (``sansang_push_*``) are not used: a site is either pulled (scraped
by Prometheus through file_sd, its journal fetched by the collector) or pushes (behind NAT or 4G,
never scraped), so Prometheus never holds them.  What the collector received is the view that
covers both kinds of site: ``sansang_collector_*`` series, carried to the chosen communes through
``sansang_collector_site_info``."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common as cm

from dashboards.common import (
    COMMUNE,
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
IN_COMMUNES = f" * on (site) group_left () sansang_collector_site_info{{{COMMUNE}}}"
"""Keeps a collector series of a site in the chosen communes (the site info is always 1)."""


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
        "Tác tử tại các điểm: Prometheus lấy được số liệu không, nhật ký, sự kiện bộ thu thập "
        "nhận được, lỗi kiểm tra. / Agent health: scrapes, journal, events received, errors.",
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
            "Thời gian từ lần nhận sự kiện gần nhất",
            "Bao lâu từ khi bộ thu thập nhận được sự kiện mới của điểm (tác tử gửi lên hoặc bộ "
            "thu thập lấy về). / Age of the newest events the collector received from the site.",
            "(time() - sansang_collector_last_received_timestamp_seconds)" + IN_COMMUNES,
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
            "Sự kiện chờ ghi và sự kiện bộ thu thập nhận",
            "Sự kiện chờ ghi vào nhật ký của tác tử (A); sự kiện mới bộ thu thập nhận được "
            "trong giờ qua (B). / Events waiting for the journal; new events the collector "
            "received, last hour.",
            "short",
            ("sansang_journal_pending_events" + S, "{{site}} chờ ghi"),
            (
                "sum by (site) (increase("
                'sansang_collector_ingest_events_total{result="accepted"}[1h]))' + IN_COMMUNES,
                "{{site}} đã nhận",
            ),
        ).grid_pos(grid(0, 16, 12, 8)),
        series(
            "Lỗi kiểm tra và lỗi nhận sự kiện (1 giờ)",
            "Lần chạy kiểm tra gặp lỗi bất thường tại điểm, 0 khi không có (A); lần bộ thu thập "
            "không lấy được nhật ký hoặc từ chối lần gửi, theo lý do (B). / Probe errors per "
            "site (0 when none); failed journal fetches and refused pushes, last hour.",
            "short",
            (
                "sum by (site) (increase(sansang_probe_errors_total" + S + "[1h]))",
                "{{site}} lỗi kiểm tra",
            ),
            (
                "sum by (site, reason) (increase(sansang_collector_pull_errors_total[1h])"
                " or increase(sansang_collector_ingest_rejected_total[1h]))" + IN_COMMUNES,
                "{{site}} nhận: {{reason}}",
            ),
        ).grid_pos(grid(12, 16, 12, 8)),
    ]
    for panel in panels:
        dash = dash.with_panel(panel)
    return dash
