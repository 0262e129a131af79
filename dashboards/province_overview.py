"""Tổng quan tỉnh (province overview): the map of sites by readiness, communes meeting each
target, and the findings that are not met."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, geomap, stat, table
from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.common import COMMUNE, DATASOURCE, grid, last_value, new_dashboard, query, steps
from dashboards.navigation import SITE_FIELD, site_drill_down

UID = "sansang-province-overview"

MET_SHARE = (
    f'sum by (site) (sansang_readiness_status{{status="met", {COMMUNE}}})'
    f' / count by (site) (sansang_readiness_status{{status="met", {COMMUNE}}})'
    " * on (site) group_left (commune_code, commune_name, name, latitude, longitude)"
    f" sansang_collector_site_info{{{COMMUNE}}}"
)
"""Share of the targets a site meets, with its coordinates and commune (the site info's labels:
the commune code is what the drill-down to the site dashboard reads)."""

NOT_MET_VALUE = (
    f"sansang_readiness_value{{{COMMUNE}}}"
    f' and on (site, target) (sansang_readiness_status{{status="not_met", {COMMUNE}}} == 1)'
)
NOT_MET_THRESHOLD = (
    f"sansang_readiness_threshold{{{COMMUNE}}}"
    f' and on (site, target) (sansang_readiness_status{{status="not_met", {COMMUNE}}} == 1)'
)

COMMUNE_CODE_HEADER = "Mã xã"
"""The table's header of ``commune_code``: Grafana matches an override by the name shown, and
the drill-down still reads the field by its own name."""


def _to_number(*fields: str) -> dm.DataTransformerConfig:
    conversions = [{"targetField": f, "destinationType": "number"} for f in fields]
    return dm.DataTransformerConfig(id_val="convertFieldType", options={"conversions": conversions})


def site_map() -> geomap.Panel:
    markers = (
        cb.MapLayerOptions()
        .type("markers")
        .name("Điểm phục vụ")
        .config(
            {
                "showLegend": True,
                "style": {
                    "size": {"fixed": 8},
                    "color": {"field": "Value", "fixed": "dark-green"},
                    "opacity": 0.9,
                },
            }
        )
        .location(
            cb.FrameGeometrySource()
            .mode(cm.FrameGeometrySourceMode.COORDS)
            .latitude("latitude")
            .longitude("longitude")
        )
        .tooltip(True)
    )
    return (
        geomap.Panel()
        .title("Bản đồ điểm phục vụ theo mức sẵn sàng")
        .description(
            "Mỗi chấm là một điểm (Trung tâm phục vụ hành chính công cấp xã), màu theo tỷ lệ chỉ "
            "tiêu đạt: đỏ dưới 50 %, cam dưới 100 %, xanh khi đạt hết; bấm vào chấm để mở chi "
            "tiết điểm của xã. / Sites coloured by the share of readiness targets met; a marker "
            "opens its commune's site dashboard."
        )
        .datasource(DATASOURCE)
        .with_target(query(MET_SHARE, instant=True, table=True))
        .with_transformation(_to_number("latitude", "longitude"))
        .unit("percentunit")
        .min(0)
        .max(1)
        .thresholds(steps((None, "red"), (0.5, "orange"), (1, "green")))
        .view(geomap.MapViewConfig().id("fit").zoom(8))
        .basemap(cb.MapLayerOptions().type("default").name("Nền"))
        .layers([markers])
        .override_by_name(SITE_FIELD, [site_drill_down()])
        .grid_pos(grid(0, 0, 14, 16))
    )


def sites_total() -> stat.Panel:
    return (
        stat.Panel()
        .reduce_options(last_value())
        .title("Số điểm trong danh mục")
        .description("Số điểm phục vụ trong danh mục của tỉnh. / Sites in the inventory.")
        .datasource(DATASOURCE)
        .with_target(query("sansang_collector_sites", instant=True))
        .grid_pos(grid(14, 0, 10, 4))
    )


def communes_meeting() -> bargauge.Panel:
    return (
        bargauge.Panel()
        .reduce_options(last_value())
        .title("Số xã đạt theo chỉ tiêu")
        .description(
            "Số điểm đạt từng chỉ tiêu sẵn sàng trong lần đánh giá gần nhất của bộ thu thập. "
            "/ Sites meeting each readiness target (the collector's province rollup)."
        )
        .datasource(DATASOURCE)
        .with_target(query('sansang_readiness_sites{status="met"}', "{{target}}", instant=True))
        .orientation(cm.VizOrientation.HORIZONTAL)
        .display_mode(cm.BarGaugeDisplayMode.BASIC)
        .min(0)
        .thresholds(steps((None, "blue")))
        .grid_pos(grid(14, 4, 10, 12))
    )


def not_met_table() -> table.Panel:
    return (
        table.Panel()
        .show_header(True)
        .title("Chỉ tiêu chưa đạt")
        .description(
            "Các điểm chưa đạt chỉ tiêu: giá trị đo (A) và ngưỡng (B), cùng đơn vị; bấm vào mã "
            "xã để mở chi tiết điểm của xã. / Findings that are not met: measured value (A) and "
            "threshold (B); a commune code opens its site dashboard."
        )
        .datasource(DATASOURCE)
        .with_target(query(NOT_MET_VALUE, instant=True, table=True))
        .with_target(query(NOT_MET_THRESHOLD, ref="B", instant=True, table=True))
        .with_transformation(dm.DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            dm.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {
                        "Time": True,
                        "__name__": True,
                        "job": True,
                        "instance": True,
                    },
                    "renameByName": {
                        "site": "Điểm",
                        SITE_FIELD: COMMUNE_CODE_HEADER,
                        "target": "Chỉ tiêu",
                        "unit": "Đơn vị",
                        "Value #A": "Giá trị",
                        "Value #B": "Ngưỡng",
                    },
                },
            )
        )
        .override_by_name(COMMUNE_CODE_HEADER, [site_drill_down()])
        .grid_pos(grid(0, 16, 24, 10))
    )


def build() -> db.Dashboard:
    return (
        new_dashboard(
            UID,
            "Tổng quan tỉnh",
            "Mức sẵn sàng của các điểm phục vụ hành chính công cấp xã trong tỉnh. "
            "/ Province overview: readiness of the communes' one-stop centres.",
            multi_commune=True,
        )
        .with_panel(site_map())
        .with_panel(sites_total())
        .with_panel(communes_meeting())
        .with_panel(not_met_table())
    )
