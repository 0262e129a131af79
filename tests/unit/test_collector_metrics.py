"""The collector's metric catalogue and the /metrics body built from it
(``collector/catalogue.py``, ``collector/web/metrics.py``); promtool on a real process is in
tests/integration/test_collector_api.py."""

from __future__ import annotations

import re
from typing import Any, cast

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as om_families,
)

from agent.metrics.catalogue import CATALOGUE as AGENT_CATALOGUE
from collector.catalogue import CATALOGUE, markdown
from collector.context import Collector
from collector.evaluate.model import Evaluation, Finding, TargetRollup, Window
from collector.inventory import model as inventory_model
from collector.targets import effective_thresholds, load_catalogue
from collector.web.metrics import families
from sansang import exposition
from sansang.standard_metrics import BUILD_INFO
from tests.support.env import REPO
from tests.support.metrics import parse_metrics, value

NAME = re.compile(r"^sansang_[a-z0-9_]+$")


def test_names_follow_prometheus_conventions_and_do_not_clash_with_the_agents() -> None:
    # sansang_build_info is the one family both catalogues hold: the same definition, shared.
    assert BUILD_INFO in CATALOGUE and BUILD_INFO in AGENT_CATALOGUE
    agent_names = {m.name for m in AGENT_CATALOGUE} - {BUILD_INFO.name}
    for m in CATALOGUE:
        assert NAME.match(m.name), m.name
        assert m.name not in agent_names, m.name
        assert (m.type == "counter") == m.name.endswith("_total"), m.name
        assert (m.type == "info") == m.name.endswith("_info"), m.name
        if m.unit:
            assert m.name.removesuffix("_total").endswith("_" + m.unit), m.name
        assert m.help.endswith((".", ")")), m.name
    assert len({m.name for m in CATALOGUE}) == len(CATALOGUE)


def test_docs_collector_metrics_md_is_generated_from_the_catalogue() -> None:
    on_disk = (REPO / "docs" / "collector-metrics.md").read_text(encoding="utf-8")
    assert on_disk == markdown(), "docs/collector-metrics.md is stale: run `make docs`"


def _collector(evaluation: Evaluation | None) -> Collector:
    inventory = inventory_model.load(REPO / "deploy" / "examples" / "inventory.yaml")
    catalogue = load_catalogue()
    store: Any = None  # /metrics never reads the store
    c = Collector(inventory=inventory, config=cast(Any, None), catalogue=catalogue,
                  thresholds=effective_thresholds(catalogue), store=store,
                  evaluation=evaluation)  # fmt: skip
    c.ingest.accepted["23527-main"] = 120
    c.ingest.duplicates["23527-main"] = 3
    c.ingest.rejected[("", "bad_credential")] = 2
    c.ingest.pull_errors[("23527-main", "timeout")] = 1
    c.ingest.last_received["23527-main"] = 1_780_000_000.5
    return c


def _finding(site: str, target: str, status: Any, value: float | None) -> Finding:
    window = Window(1_777_400_000.0, 1_780_000_000.0)
    return Finding(target, site, status, value, 0.99, "ratio", window, "vi", "en")


def test_readiness_is_a_stateset_and_unknown_has_no_value() -> None:
    evaluation = Evaluation(
        evaluated_at=1_780_000_100.0,
        window=Window(1_777_400_000.0, 1_780_000_000.0),
        findings=[
            _finding("23527-main", "INF-LINK", "met", 0.995),
            _finding("21548-main", "INF-LINK", "unknown", None),
        ],
        rollups=[TargetRollup("INF-LINK", met=1, not_met=0, unknown=1)],
    )
    text = exposition.render(families(_collector(evaluation), 1_779_999_000.0)).decode()
    m = parse_metrics(text)
    sa_thay = {"site": "23527-main", "commune_code": "23527", "target": "INF-LINK"}
    ly_son = {"site": "21548-main", "commune_code": "21548", "target": "INF-LINK"}
    assert value(m, "sansang_readiness_status", **sa_thay, status="met") == 1
    assert value(m, "sansang_readiness_status", **sa_thay, status="not_met") == 0
    assert value(m, "sansang_readiness_status", **ly_son, status="unknown") == 1
    assert value(m, "sansang_readiness_status", **ly_son, status="met") == 0
    assert value(m, "sansang_readiness_value", **sa_thay, unit="ratio") == 0.995
    assert value(m, "sansang_readiness_value", **ly_son, unit="ratio") is None
    assert value(m, "sansang_readiness_threshold", **ly_son, unit="ratio") == 0.99
    assert value(m, "sansang_readiness_sites", target="INF-LINK", status="unknown") == 1
    assert value(m, "sansang_collector_evaluation_timestamp_seconds") == 1_780_000_100.0
    assert (
        value(m, "sansang_collector_ingest_events_total", site="23527-main", result="accepted")
        == 120
    )
    assert (
        value(m, "sansang_collector_ingest_rejected_total", site="", reason="bad_credential")
        is not None
    )
    assert value(m, "sansang_collector_pull_errors_total", site="23527-main", reason="timeout") == 1
    assert (
        value(m, "sansang_collector_last_received_timestamp_seconds", site="23527-main")
        == 1_780_000_000.5
    )
    assert value(m, "sansang_collector_sites") == 2
    # OpenMetrics too, read back by prometheus_client's strict parser.
    om = exposition.render(families(_collector(evaluation), 0.0), openmetrics=True).decode()
    names = {f.name for f in om_families(om)}
    assert {"sansang_readiness_status", "sansang_collector_ingest_events"} <= names


def test_before_the_first_evaluation_there_is_no_readiness_series() -> None:
    m = parse_metrics(exposition.render(families(_collector(None), 0.0)).decode())
    assert "sansang_readiness_status" not in m
    assert "sansang_collector_evaluation_timestamp_seconds" not in m
    assert value(m, "sansang_collector_sites") == 2
