"""dashboards/: people can move through the six dashboards (a link from each to the other five,
time and variables kept), drill down from a commune on the province view to its site dashboard,
follow one moment across graphs (shared crosshair), and never meet a panel for a target the
collector does not evaluate."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as dm

from collector.targets import Catalogue, load_catalogue
from dashboards import generate, incident_readiness, navigation, province_overview

VIETNAMESE_LETTER = re.compile(r"[À-ỹĐđ]")
TARGET_MATCHER = re.compile(r'\btarget\s*(=~|=)\s*"([^"]*)"')


def _dashboards() -> dict[str, dict[str, Any]]:
    """uid -> dashboard model, as the generator writes it."""
    models = (json.loads(text) for text in generate.rendered().values())
    return {m["uid"]: m for m in models}


def _panel(model: dict[str, Any], title: str) -> dict[str, Any]:
    (panel,) = [p for p in model["panels"] if p["title"] == title]
    return panel


def _drill_down(panel: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The field a panel's link override matches, and its links."""
    found = [
        (o["matcher"]["options"], prop["value"])
        for o in panel["fieldConfig"]["overrides"]
        for prop in o["properties"]
        if prop["id"] == "links"
    ]
    assert len(found) == 1, f"{panel['title']}: one link override, found {found}"
    return found[0]


def _queried_targets(model: dict[str, Any]) -> set[str]:
    """Target ids named by a ``target=``/``target=~`` matcher in any panel query."""
    ids: set[str] = set()
    for panel in model["panels"]:
        for query in panel.get("targets", []):
            for _, value in TARGET_MATCHER.findall(query["expr"]):
                ids |= set(value.split("|"))
    return ids


def test_every_dashboard_shares_the_crosshair_at_the_sdk_schema() -> None:
    schema = dm.Dashboard().schema_version
    for uid, model in _dashboards().items():
        assert model["graphTooltip"] == 1, f"{uid}: shared crosshair off"
        assert model["schemaVersion"] == schema, uid


def test_navigation_table_is_the_dashboards() -> None:
    models = _dashboards()
    assert {uid: m["title"] for uid, m in models.items()} == navigation.DASHBOARDS
    assert len(models) == 6


def test_every_dashboard_links_to_the_other_five_keeping_time_and_variables() -> None:
    models = _dashboards()
    for uid, model in models.items():
        links = model["links"]
        targets = [link["url"].removeprefix("/d/") for link in links]
        assert sorted(targets) == sorted(set(models) - {uid}), f"{uid}: {targets}"
        for link, target in zip(links, targets, strict=True):
            assert link["type"] == "link", uid
            assert link["includeVars"] and link["keepTime"], f"{uid} -> {target}"
            assert link["title"] == models[target]["title"], f"{uid} -> {target}"
            assert VIETNAMESE_LETTER.search(link["tooltip"]), f"{uid} -> {target}"


@pytest.mark.parametrize("title", ["Chỉ tiêu chưa đạt", "Bản đồ điểm phục vụ theo mức sẵn sàng"])
def test_province_view_drills_down_to_the_commune_site_dashboard(title: str) -> None:
    models = _dashboards()
    site = models[navigation.SITE_DETAIL]
    commune = next(v for v in site["templating"]["list"] if v["name"] == "commune")
    assert "commune_code" in commune["regex"]  # the site dashboard's variable is the code
    assert not commune.get("multi")

    panel = _panel(models[province_overview.UID], title)
    field, links = _drill_down(panel)
    (link,) = links
    url = link["url"]
    path, _, query = url.partition("?")
    assert path == f"/d/{navigation.SITE_DETAIL}"
    params = query.split("&")
    assert "var-commune=${__data.fields.commune_code}" in params
    assert {"${__url_time_range}", "${datasource:queryparam}", "${province:queryparam}"} <= set(
        params
    )
    assert VIETNAMESE_LETTER.search(link["title"])
    # The link sits on the commune code's field, which every query of the panel returns.
    renames = [
        t["options"].get("renameByName", {})
        for t in panel.get("transformations", [])
        if t["id"] == "organize"
    ]
    shown = renames[0].get("commune_code", "commune_code") if renames else "commune_code"
    assert field == shown
    for query_ in panel["targets"]:
        assert "commune_code" in query_["expr"], query_["expr"]


def test_map_query_returns_the_commune_code() -> None:
    assert "group_left (commune_code," in province_overview.MET_SHARE


def test_no_panel_queries_a_target_that_is_not_evaluated() -> None:
    catalogue = load_catalogue()
    status = {t.id: t.status for t in catalogue.targets}
    queried: set[str] = set()
    for uid, model in _dashboards().items():
        ids = _queried_targets(model)
        assert ids <= status.keys(), f"{uid}: unknown targets {ids - status.keys()}"
        not_evaluated = {i for i in ids if status[i] != "evaluated"}
        assert not not_evaluated, f"{uid} queries targets not evaluated: {not_evaluated}"
        queried |= ids
    assert {"INF-PWR", "INF-BW", "OPS-247", "SEC-EARLY"} <= queried  # the matcher finds them


def _with_planned(catalogue: Catalogue, target_id: str, reason: str) -> Catalogue:
    targets = [
        t.model_copy(update={"status": "planned", "reason": reason}) if t.id == target_id else t
        for t in catalogue.targets
    ]
    return catalogue.model_copy(update={"targets": targets})


def test_incident_readiness_says_plainly_which_target_is_not_evaluated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planned = _with_planned(load_catalogue(), "SEC-DRILL", "waits for the drill importer")
    monkeypatch.setattr(incident_readiness, "load_catalogue", lambda: planned)
    model = json.loads(json.dumps(incident_readiness.build().build(), cls=JSONEncoder))

    assert "SEC-DRILL" not in _queried_targets(model)
    assert {"SEC-TEAM", "OPS-247"} <= _queried_targets(model)
    (note,) = [p for p in model["panels"] if p["type"] == "text"]
    content = note["options"]["content"]
    assert "SEC-DRILL" in content and "chưa đánh giá" in content
    assert "waits for the drill importer" in content
    (line,) = [line for line in content.splitlines() if "SEC-DRILL" in line]
    assert line.index("chưa đánh giá") < line.index("not evaluated")  # Vietnamese first
    assert not note.get("targets")


def test_incident_readiness_notes_exactly_the_targets_not_evaluated() -> None:
    """The committed dashboard: a note when (and only when) the catalogue has such a target."""
    model = _dashboards()[incident_readiness.UID]
    missing = [t.id for t in incident_readiness.not_evaluated()]
    notes = [p["options"]["content"] for p in model["panels"] if p["type"] == "text"]
    assert len(notes) == (1 if missing else 0)
    for target_id in missing:
        assert target_id in notes[0]
