"""dashboards/: the committed JSON is what the generator writes, every panel is titled in
Vietnamese, queries the ``datasource`` variable and has a target, every PromQL expression passes
``promtool check rules``, and every metric it names is documented or recorded."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboards import generate

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "metrics.md", ROOT / "docs" / "collector-metrics.md"]
RULES = ROOT / "deploy" / "prometheus" / "sansang.rules.yml"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
TEMPLATE_VALUES = {
    "${datasource}": "sansang-prometheus",
    "$__rate_interval": "2m",
    "$__interval": "1m",
    "$__range": "1h",
    "$province": "Lào Cai",
    "$commune": "23527",
}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset",
}  # fmt: skip
VIETNAMESE_LETTER = re.compile(r"[À-ỹĐđ]")


def _dashboards() -> dict[str, dict[str, Any]]:
    return {name: json.loads(text) for name, text in generate.rendered().items()}


def _panels() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, model in _dashboards().items():
        for panel in model["panels"]:
            yield f"{name}: {panel['title']}", panel


def _expressions() -> list[str]:
    """Every PromQL of every panel target and every variable (Grafana's query_result inner)."""
    exprs = [t["expr"] for _, p in _panels() for t in p.get("targets", [])]
    for model in _dashboards().values():
        for var in model["templating"]["list"]:
            query = var.get("query", "")
            for pattern in (r"query_result\((.*)\)", r"label_values\((\w+), *\w+\)"):
                if m := re.fullmatch(pattern, query):
                    exprs.append(m.group(1))
    return exprs


def _concrete(expr: str) -> str:
    for variable, value in TEMPLATE_VALUES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"template variable left in {expr!r}: add it to TEMPLATE_VALUES"
    return expr


def _known_metrics() -> set[str]:
    names: set[str] = set()
    for doc in DOCS:
        for line in doc.read_text(encoding="utf-8").splitlines():
            if m := re.match(r"\| `([a-z_:]+)` \| (\w+) \|", line):
                names.add(m.group(1))
                if m.group(2) == "histogram":
                    names |= {m.group(1) + s for s in ("_bucket", "_sum", "_count")}
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    names |= {r["record"] for g in groups for r in g["rules"] if "record" in r}
    return names


def _metric_names(expr: str) -> set[str]:
    """Metric names of a PromQL expression: identifiers that are no function, keyword, label
    (inside braces or a by/on/... list), string or duration."""
    text = re.sub(r'"[^"]*"', "", expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    # "sum by (site) (x)" -> "sum (x)": the aggregation reads as the call it is
    text = re.sub(r"\s*\b(by|without)\s*\([^)]*\)", "", text)
    text = re.sub(r"\b(on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", text)
    idents = re.findall(r"(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?", text)
    return {name for name, call in idents if not call and name not in PROMQL_WORDS}


def test_committed_json_is_current() -> None:
    stale = generate.stale()
    assert not stale, f"stale dashboards {stale}: run python -m dashboards.generate"


def test_uids_are_stable_and_titles_vietnamese() -> None:
    models = _dashboards()
    assert {m["uid"] for m in models.values()} == {
        "sansang-province-overview",
        "sansang-site-detail",
        "sansang-power",
        "sansang-bandwidth",
        "sansang-incident-readiness",
        "sansang-agent-health",
    }
    for model in models.values():
        assert VIETNAMESE_LETTER.search(model["title"]), model["title"]
        assert VIETNAMESE_LETTER.search(model["description"]), model["uid"]
        names = [v["name"] for v in model["templating"]["list"]]
        assert names == ["datasource", "province", "commune"], model["uid"]


def test_every_panel_vietnamese_with_datasource_and_target() -> None:
    panels = list(_panels())
    assert len(panels) >= 10
    for where, panel in panels:
        assert VIETNAMESE_LETTER.search(panel["title"]), f"{where}: title not Vietnamese"
        if panel["type"] == "row":
            continue
        assert VIETNAMESE_LETTER.search(panel.get("description", "")), f"{where}: description"
        if panel["type"] == "text":  # a note (a target not evaluated): words, no query
            assert VIETNAMESE_LETTER.search(panel["options"]["content"]), f"{where}: content"
            assert not panel.get("targets"), f"{where}: a note queries nothing"
            continue
        assert panel["datasource"] == DATASOURCE, where
        assert panel["targets"], f"{where}: no target"
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, where
            assert target["expr"].strip(), where
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(set(ref_ids)) == len(ref_ids) and "" not in ref_ids, where


def test_panel_ids_unique() -> None:
    for name, model in _dashboards().items():
        ids = [p["id"] for p in model["panels"]]
        assert len(set(ids)) == len(ids) and 0 not in ids, name


def test_metric_names_are_documented_or_recorded() -> None:
    known = _known_metrics()
    assert "sansang_link_up" in known and "site:up:avg_over_time_1h" in known
    used: set[str] = set()
    for expr in _expressions():
        used |= _metric_names(_concrete(expr))
    assert {"sansang_collector_site_info", "sansang_power_on_battery"} <= used
    assert used - known == set(), "metric names not in docs/*metrics.md or the recording rules"


def test_metric_name_extraction() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (site, le) (rate(x_bucket{a="b"}[5m])))'
        " * on (site) group_left (name) y_info and z == 1"
    )
    assert _metric_names(expr) == {"x_bucket", "y_info", "z"}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="needs promtool (Debian prometheus)")
def test_every_expression_parses(tmp_path: Path) -> None:
    exprs = sorted({_concrete(e) for e in _expressions()})
    rules = [{"record": f"dashboard:check:{i}", "expr": e} for i, e in enumerate(exprs)]
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    proc = subprocess.run(
        ["promtool", "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(exprs)} rules found" in proc.stdout


def test_promtool_rejects_a_broken_expression(tmp_path: Path) -> None:
    """The check above can fail: promtool refuses an expression a typo broke."""
    if shutil.which("promtool") is None:
        pytest.skip("needs promtool (Debian prometheus)")
    rule = {"record": "dashboard:check:0", "expr": "sum by (site (sansang_link_up)"}
    path = tmp_path / "broken.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "d", "rules": [rule]}]}))
    proc = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, timeout=120, check=False
    )
    assert proc.returncode != 0


def test_provisioning_files() -> None:
    prov = ROOT / "deploy" / "grafana" / "provisioning"
    sources = yaml.safe_load((prov / "datasources" / "prometheus.yml").read_text(encoding="utf-8"))
    assert [s["type"] for s in sources["datasources"]] == ["prometheus"]
    providers = yaml.safe_load((prov / "dashboards" / "sansang.yml").read_text(encoding="utf-8"))
    assert providers["apiVersion"] == 1
    assert [p["type"] for p in providers["providers"]] == ["file"]
    assert providers["providers"][0]["options"]["path"]
