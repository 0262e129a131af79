"""The file_sd file the collector writes, read by the real Prometheus (Debian ``prometheus``):
it scrapes a real agent through it, the target is up with the inventory's labels, and the
rules of deploy/prometheus load and record for that site."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from collector import file_sd
from collector.inventory import model
from tests.integration.promlab import Tsdb, tsdb_missing
from tests.support import wait_until
from tests.support.agent import running_agent
from tests.support.net import free_port, http_get

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "sansang.rules.yml"
EXAMPLE = ROOT / "deploy" / "examples" / "inventory.yaml"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(tsdb_missing("prometheus") is not None, reason="needs prometheus"),
]

LABELS = {
    "site": "23527-main",
    "commune_code": "23527",
    "commune": "Xã Sa Thầy",
    "province": "Quảng Ngãi",
    "province_code": "51",
}


def _agent_config(tmp_path: Path, port: int) -> dict[str, Any]:
    return {
        "site": {
            "commune_code": "23527",
            "name": "Bộ phận Một cửa xã Sa Thầy",
            "latitude": 14.4132,
            "longitude": 107.7930,
        },
        "server": {"listen": f"127.0.0.1:{port}"},
        "journal": {"path": str(tmp_path / "journal.db")},
        "probes": {"interval": "2s", "timeout": "1s", "start_spread": 0},
        "checks": [],
    }


def _inventory(tmp_path: Path, agent_url: str) -> model.Inventory:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["sites"][0]["pull"] = {"url": agent_url}
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return model.load(path)


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    body = http_get(base + "api/v1/query?query=" + urllib.parse.quote(expr), timeout=5.0)
    result: list[dict[str, Any]] = json.loads(body)["data"]["result"]
    return result


def _up_target(base: str) -> dict[str, Any] | None:
    body = json.loads(http_get(base + "api/v1/targets?state=active", timeout=5.0))
    for t in body["data"]["activeTargets"]:
        if t["labels"].get("site") == "23527-main" and t["health"] == "up":
            return dict(t)
    return None


def test_prometheus_scrapes_the_agent_through_file_sd(tmp_path: Path) -> None:
    port = free_port()
    with running_agent(_agent_config(tmp_path, port), tmp_path) as agent:
        sd_dir = tmp_path / "file_sd"
        file_sd.write(_inventory(tmp_path, agent.base_url + "/"), sd_dir)
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [
                {
                    "job_name": "sansang-agents",
                    "file_sd_configs": [
                        {"files": [str(sd_dir / "*.json")], "refresh_interval": "1s"}
                    ],
                }
            ],
        }
        tsdb = Tsdb("prometheus", tmp_path, config).start()
        try:
            target = wait_until(lambda: _up_target(tsdb.url), 60, "the agent's target up")
            assert target is not None
            assert {k: target["labels"][k] for k in LABELS} == LABELS
            assert target["scrapeUrl"] == f"{agent.base_url}/metrics"
            (up,) = wait_until(
                lambda: _query(tsdb.url, 'up{site="23527-main"}'), 30, "up in the query API"
            )
            assert up["value"][1] == "1" and up["metric"]["commune"] == "Xã Sa Thầy"
            info = wait_until(
                lambda: _query(tsdb.url, 'sansang_site_info{province_code="51"}'), 30, "info"
            )
            assert info[0]["metric"]["site"] == "23527-main"
            recorded = wait_until(
                lambda: _query(tsdb.url, 'site:up:avg_over_time_1h{site="23527-main"}'),
                30,
                "the recording rule for the site",
            )
            assert float(recorded[0]["value"][1]) == 1.0
        finally:
            tsdb.stop()
