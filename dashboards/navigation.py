"""Moving between the dashboards: a link from each to the other five, and the drill-down from a
commune on the province view to the site dashboard.

The links carry the time range and the variables (data source, tỉnh, xã), so a person who found
something on one dashboard sees the same sites and the same hours on the next.  Explicit links
by uid rather than a tag search: each dashboard shows exactly the other five, in one order, and
a test can check that every link leads somewhere.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models import dashboard as dm

DASHBOARDS: dict[str, str] = {
    "sansang-province-overview": "Tổng quan tỉnh",
    "sansang-site-detail": "Chi tiết điểm",
    "sansang-power": "Nguồn điện và lõm điện",
    "sansang-bandwidth": "Băng thông và lõm sóng",
    "sansang-incident-readiness": "Sẵn sàng ứng cứu sự cố",
    "sansang-agent-health": "Tình trạng tác tử",
}
"""uid -> title of every dashboard, in the order of the link bar (a test holds it to the JSON)."""

SITE_DETAIL = "sansang-site-detail"
SITE_FIELD = "commune_code"
"""The label a drill-down reads: the site dashboard chooses its sites by the ``commune``
variable, whose value is the commune's code (``commune_code``)."""


def url(uid: str) -> str:
    """Grafana's own path of a dashboard by uid (the slug is optional)."""
    return f"/d/{uid}"


def links_from(uid: str) -> list[Builder[dm.DashboardLink]]:
    """The header links of dashboard ``uid``: every other dashboard, time and variables kept."""
    return [
        db.DashboardLink(title)
        .type(dm.DashboardLinkType.LINK)
        .url(url(other))
        .tooltip(
            f"Mở bảng «{title}», giữ khoảng thời gian và lựa chọn / same time range and filter"
        )
        .icon("dashboard")
        .include_vars(True)
        .keep_time(True)
        for other, title in DASHBOARDS.items()
        if other != uid
    ]


def site_drill_down() -> dm.DynamicConfigValue:
    """A field's data link to the site dashboard for the commune of the clicked row or marker.

    Grafana does not apply ``includeVars``/``keepTime`` to data links, so the URL carries them:
    the time range, the data source and the province as chosen, the commune from the data.
    """
    target = (
        f"{url(SITE_DETAIL)}?${{__url_time_range}}&${{datasource:queryparam}}"
        f"&${{province:queryparam}}&var-commune=${{__data.fields.{SITE_FIELD}}}"
    )
    link = {
        "title": "Xem chi tiết điểm của xã này / open this commune's site dashboard",
        "url": target,
        "targetBlank": False,
    }
    return dm.DynamicConfigValue(id_val="links", value=[link])
