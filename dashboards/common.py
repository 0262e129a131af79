"""Shared pieces of every dashboard: the datasource and place variables, queries, thresholds.

Built with grafana-foundation-sdk (Grafana's own typed builders). Every panel queries the
Prometheus chosen in the ``datasource`` variable; ``province`` (tỉnh) and ``commune`` (xã)
narrow the sites.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import common as cb
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import prometheus, table, timeseries
from grafana_foundation_sdk.models import common as cm
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import prometheus as pm

from dashboards.navigation import links_from
from sansang.i18n import ZONE_NAME

DATASOURCE = dm.DataSourceRef(type_val="prometheus", uid="${datasource}")
COMMUNE = 'commune_code=~"$commune"'
"""Label matcher of the commune variable; the collector's and the agents' series both carry it."""
SITES = f'province=~"$province", {COMMUNE}'
"""Matcher for agent series: file_sd target labels carry province and commune_code."""


def query(
    expr: str, legend: str = "", *, ref: str = "A", instant: bool = False, table: bool = False
) -> prometheus.Dataquery:
    """One PromQL target of a panel (``ref``: its refId, A, B, ... within the panel)."""
    q = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE)
    if legend:
        q = q.legend_format(legend)
    q = q.instant() if instant else q.range()
    if table:
        q = q.format(pm.PromQueryFormat.TABLE)
    return q


def steps(*pairs: tuple[float | None, str]) -> db.ThresholdsConfig:
    """Absolute thresholds: (None, base colour), then (from value, colour)."""
    return (
        db.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps([dm.Threshold(value=v, color=c) for v, c in pairs])
    )


RED_GREEN = steps((None, "red"), (1, "green"))
"""0 red, 1 green: for the 0/1 gauges (up, mains present)."""


def last_value() -> cb.ReduceDataOptions:
    """Stat and bar gauge panels show the newest value of each series."""
    return cb.ReduceDataOptions().calcs(["lastNotNull"]).values(False)


def grid(x: int, y: int, w: int, h: int) -> dm.GridPos:
    return dm.GridPos(x=x, y=y, w=w, h=h)


def datasource_variable() -> db.DatasourceVariable:
    return db.DatasourceVariable("datasource").label("Nguồn dữ liệu").type("prometheus")


def province_variable() -> db.QueryVariable:
    """Tỉnh: from the file_sd target labels of the agents' series."""
    return (
        db.QueryVariable("province")
        .label("Tỉnh")
        .description("Tỉnh / thành phố (province)")
        .datasource(DATASOURCE)
        .query("label_values(sansang_site_info, province)")
        .refresh(dm.VariableRefresh.ON_DASHBOARD_LOAD)
        .include_all(True)
        .all_value(".*")
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )


def commune_variable(*, multi: bool) -> db.QueryVariable:
    """Xã: every site of the inventory (the collector's site info): name shown, code used."""
    var = (
        db.QueryVariable("commune")
        .label("Xã")
        .description("Xã / phường / đặc khu (commune), theo mã đơn vị hành chính")
        .datasource(DATASOURCE)
        .query("query_result(sansang_collector_site_info)")
        .regex('/commune_code="(?<value>[^"]+)".*commune_name="(?<text>[^"]+)"/')
        .refresh(dm.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(dm.VariableSort.ALPHABETICAL_ASC)
    )
    if multi:
        var = var.multi(True).include_all(True).all_value(".*")
    return var


def new_dashboard(uid: str, title: str, description: str, *, multi_commune: bool) -> db.Dashboard:
    """A dashboard with the three variables, Vietnamese time zone and the sansang tag; links to
    the other dashboards and the shared crosshair (hovering one graph marks the same moment on
    every graph, so a power cut and a link loss line up)."""
    return (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["sansang"])
        .timezone(ZONE_NAME)
        .tooltip(dm.DashboardCursorSync.CROSSHAIR)
        .links(links_from(uid))
        .refresh("1m")
        .time("now-24h", "now")
        .editable()
        .with_variable(datasource_variable())
        .with_variable(province_variable())
        .with_variable(commune_variable(multi=multi_commune))
    )


def series(title: str, description: str, unit: str, *targets: tuple[str, str]) -> timeseries.Panel:
    """A time series panel of ``(expr, legend)`` targets, refIds A, B, ... in order."""
    legend = (
        cb.VizLegendOptions()
        .display_mode(cm.LegendDisplayMode.LIST)
        .placement(cm.LegendPlacement.BOTTOM)
        .show_legend(True)
    )
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .legend(legend)
    )
    for i, (expr, text) in enumerate(targets):
        panel = panel.with_target(query(expr, text, ref=chr(ord("A") + i)))
    return panel


def readiness_table(title: str, description: str, targets: str, pos: dm.GridPos) -> table.Panel:
    """The newest finding of each site for the targets matching the regex ``targets``."""
    expr = f'sansang_readiness_status{{target=~"{targets}", {COMMUNE}}} == 1'
    return (
        table.Panel()
        .show_header(True)
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(query(expr, instant=True, table=True))
        .grid_pos(pos)
    )
