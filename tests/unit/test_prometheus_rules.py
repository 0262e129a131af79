"""deploy/prometheus: the rules pass ``promtool check rules`` and ``promtool test rules``, every
alert has a firing and a not-firing test case, the labels and links follow collector/alerts, and
the example prometheus.yml (with the file_sd file the collector writes) passes
``promtool check config``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from collector import file_sd
from collector.alerts.catalogue import KINDS
from collector.inventory import model
from collector.targets import CATALOGUE_FILE

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "prometheus"
RULES = DEPLOY / "sansang.rules.yml"
TESTS = sorted((DEPLOY / "tests").glob("*.yml"))
PLAYBOOK_BASE = "https://github.com/sansang-vn/sansang/blob/main/playbooks/"

pytestmark = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="needs promtool (Debian package prometheus)"
)


def _promtool(*args: str, cwd: Path = DEPLOY) -> str:
    proc = subprocess.run(
        ["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return out


def _alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [r for g in groups for r in g["rules"] if "alert" in r]


def _cases() -> list[dict[str, Any]]:
    """Every alert_rule_test of every test file."""
    found = []
    for path in TESTS:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for test in doc["tests"]:
            found += test.get("alert_rule_test", [])
    return found


def test_promtool_check_rules() -> None:
    out = _promtool("check", "rules", str(RULES))
    assert "SUCCESS" in out


def test_promtool_test_rules() -> None:
    assert TESTS, "no promtool test files"
    out = _promtool("test", "rules", *(str(p) for p in TESTS))
    assert out.count("SUCCESS") == len(TESTS), out
    assert "FAILED" not in out


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    cases = _cases()
    missing = []
    for rule in _alerts():
        mine = [c for c in cases if c["alertname"] == rule["alert"]]
        if not any(c.get("exp_alerts") for c in mine):
            missing.append(f"{rule['alert']}: no firing case")
        if not any(not c.get("exp_alerts") for c in mine):
            missing.append(f"{rule['alert']}: no not-firing case")
    assert not missing, missing
    known = {r["alert"] for r in _alerts()}
    assert {c["alertname"] for c in cases} <= known, "a test names an alert that does not exist"


def test_alerts_carry_severity_agency_texts_and_a_playbook() -> None:
    agencies = set(yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))["agencies"])
    alerts = _alerts()
    assert len(alerts) >= 9
    for rule in alerts:
        name = rule["alert"]
        assert rule.get("for"), f"{name}: no for:"
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert rule["labels"]["agency"] in agencies, name
        ann = rule["annotations"]
        assert {"summary", "summary_en", "description", "runbook_url"} <= set(ann), name
        url = ann["runbook_url"]
        assert url.startswith(PLAYBOOK_BASE), name
        kind = url.removeprefix(PLAYBOOK_BASE).removesuffix(".md")
        assert kind in KINDS and (ROOT / "playbooks" / f"{kind}.md").is_file(), name


def test_example_config_with_generated_file_sd(tmp_path: Path) -> None:
    shutil.copy(DEPLOY / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(RULES, tmp_path / RULES.name)
    inv = model.load(ROOT / "deploy" / "examples" / "inventory.yaml")
    file_sd.write(inv, tmp_path / "file_sd")
    out = _promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert "WARNING" not in out, out
    assert "SUCCESS: 1 rule files found" in out
