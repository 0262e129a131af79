"""Every threshold a rule reads is declared in its target's catalogue block, and nowhere else.

Each evaluated target's rule runs (one site at a time, then its province pass) on small inputs
that reach every read of a threshold, with thresholds that note each name read and refuse any
other way of reading (a default, ``in``, iteration): the names read must be the block's exactly,
and the registry's.  Loading the catalogue with the registry checks the same at start, and a
province's override of any of them reaches the rule."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NoReturn

import pytest

from collector.evaluate.model import SiteInputs
from collector.evaluate.rules import RULES, THRESHOLDS_READ
from collector.evaluate.rules.conference_endpoint import conference_endpoint
from collector.survey import SurveyPoint
from collector.targets import (
    CATALOGUE_FILE,
    Target,
    ThresholdValue,
    effective_thresholds,
    load_catalogue,
    load_overrides,
)
from sansang.configfile import ConfigError
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, at, site

RULES_DIR = Path(importlib.import_module("collector.evaluate.rules").__path__[0])
# RPT-MONTHLY and RPT-CENTRAL are judged from the reports kept, not by a rule of RULES
# (collector.evaluate.reporting; tests/unit/test_report_targets.py).
EVALUATED = [t for t in load_catalogue().targets if t.status == "evaluated" and t.rule in RULES]
SURVEYED = SurveyPoint("Đèo", 14.62, 108.31, at(3), 1e5, 1e4, 0.02, 0.3)


class Recording(Mapping[str, ThresholdValue]):
    """A target's thresholds that note each name read and allow reading by name only."""

    def __init__(self, values: Mapping[str, ThresholdValue]) -> None:
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> ThresholdValue:
        self.read.add(name)
        return self._values[name]  # KeyError: not declared in the block

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("a rule read its thresholds by iterating over them")

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, name: object) -> bool:
        raise AssertionError(f"a rule asked whether threshold {name!r} is there")

    def get(self, name: str, default: object = None) -> NoReturn:
        raise AssertionError(f"threshold {name!r} read with a fallback ({default!r})")


def busy_site() -> SiteInputs:
    """Sa Thầy (internet, TSLCD, a conference endpoint, a UPS) with a bit of everything: enough
    speed tests on both lines for INF-BW to read each line's minimums."""
    j = Journal()
    j.add(at(-1), "agent_started", "agent")
    j.add(at(-1), "power_source_state", "ups-1", "up", probe="nut")
    for subject, role in (("mot-cua", "one_stop_system"), ("dc", "province_datacenter")):
        j.service(at(-1), "up", subject, role)
    j.terminal(at(-1), "hnth", "up", "video_conference")
    j.outage(at(3, 14), 30 * 60)
    for week in range(4):
        j.speedtest(at(week * 7 + 2, 3), "internet", 150, 30)
        j.speedtest(at(week * 7 + 2, 4), "tslcd", 40, 40)
        j.speedtest(at(week * 7 + 2, 5), "mobile", 5, 1)
    return j.alive().inputs(site(0))


def inputs() -> list[SiteInputs]:
    return [busy_site(), Journal().inputs(site(0)), Journal(site="21548-main").inputs(site(1))]


def names_read(target: Target) -> set[str]:
    entry = RULES[target.rule]
    th = Recording(THRESHOLDS[target.id])
    sites = inputs()
    for one in sites:
        entry.evaluate(one, th, WINDOW)
    if entry.province_pass:
        views = [entry.province_pass.view(one, th, WINDOW) for one in sites]
        entry.province_pass.finish(views, [SURVEYED], th, WINDOW)
    return th.read


@pytest.mark.parametrize("target", EVALUATED, ids=lambda t: t.id)
def test_a_rule_reads_exactly_its_targets_catalogue_block(target: Target) -> None:
    declared = set(target.thresholds)
    read = names_read(target)
    assert read <= declared, f"{target.id} reads {sorted(read - declared)}, not in its block"
    assert declared <= read, f"{target.id} declares {sorted(declared - read)}, never read"
    assert RULES[target.rule].thresholds == declared


def test_every_registered_rule_is_evaluated_by_some_target_and_named_after_its_module() -> None:
    assert {t.rule for t in EVALUATED} == set(RULES)
    for name, entry in RULES.items():
        module = importlib.import_module(f"collector.evaluate.rules.{name}")
        assert module.RULE is entry
        assert entry.evaluate.__name__ == name
        assert (RULES_DIR / f"{name}.py").exists()


def _fallbacks(path: Path) -> list[str]:
    """``thresholds.get(...)`` / ``th.get(...)`` calls: a value written in code."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"thresholds", "th"}
        ):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_rule_reads_a_threshold_with_a_fallback_even_where_the_inputs_do_not_reach() -> None:
    paths = [*sorted(RULES_DIR.glob("*.py")), RULES_DIR.parent / "run.py"]
    assert [hit for path in paths for hit in _fallbacks(path)] == []


def test_a_threshold_missing_from_the_block_is_a_clear_error_not_a_value() -> None:
    th = {k: v for k, v in THRESHOLDS["INF-HNTH"].items() if k != "max_unknown_ratio"}
    with pytest.raises(KeyError, match="'max_unknown_ratio' is not declared"):
        conference_endpoint(busy_site(), th, WINDOW)


def test_the_shipped_catalogue_declares_what_every_rule_reads() -> None:
    catalogue = load_catalogue(rules=THRESHOLDS_READ)
    assert [t.id for t in catalogue.targets] == [t.id for t in load_catalogue().targets]


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "catalogue.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_loading_names_a_threshold_the_rule_reads_but_the_block_lacks(tmp_path: Path) -> None:
    line = '      min_upload_mbps: {default: 4, why: "the commune sends video too"}\n'
    path = _edited(tmp_path, line, "")
    load_catalogue(path)  # without the registry (dashboards, benches): not checked
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path, rules=THRESHOLDS_READ)
    message = "rule 'conference_endpoint' reads min_upload_mbps: declare each here"
    assert message in caught.value.render()


def test_loading_names_a_threshold_no_rule_reads_and_an_unknown_rule(tmp_path: Path) -> None:
    line = '      min_tests: {default: 4, why: "a median needs a few tests: one a week"}\n'
    extra = line + '      max_jitter_ms: {default: 30, why: "a test"}\n'
    path = _edited(tmp_path, line, extra)
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path, rules=THRESHOLDS_READ)
    assert "rule 'bandwidth_median' does not read 'max_jitter_ms'" in caught.value.render()
    path = _edited(tmp_path, "rule: drill\n", "rule: drills\n")
    with pytest.raises(ConfigError, match="no rule 'drills'"):
        load_catalogue(path, rules=THRESHOLDS_READ)


def test_a_province_may_override_every_threshold_a_rule_reads(tmp_path: Path) -> None:
    catalogue = load_catalogue(rules=THRESHOLDS_READ)
    lines = ["overrides:"]
    for target in EVALUATED:
        lines.append(f"  {target.id}:")
        lines += [f"    {name}: {th.default!r}" for name, th in target.thresholds.items()]
    path = tmp_path / "targets.yaml"
    path.write_text("\n".join(lines).replace("'", '"') + "\n", encoding="utf-8")
    values = effective_thresholds(catalogue, load_overrides(path, catalogue))
    assert all(set(values[t.id]) == RULES[t.rule].thresholds for t in EVALUATED)


def test_inf_hnth_reads_its_own_max_unknown_ratio(tmp_path: Path) -> None:
    """The endpoint reports from day 18 on: 60 % of the service hours without data is too much
    by default (unknown); a province that accepts 70 % gets a figure."""
    j = Journal()
    j.terminal(at(18, 7), "hnth", "up", "video_conference")
    j.alive()
    one = j.inputs(site(0))
    catalogue = load_catalogue(rules=THRESHOLDS_READ)
    path = tmp_path / "targets.yaml"
    path.write_text("overrides:\n  INF-HNTH:\n    max_unknown_ratio: 0.7\n", encoding="utf-8")
    lenient = effective_thresholds(catalogue, load_overrides(path, catalogue))["INF-HNTH"]
    default = conference_endpoint(one, THRESHOLDS["INF-HNTH"], WINDOW)
    overridden = conference_endpoint(one, lenient, WINDOW)
    assert default.details["availability_in_service"] is None
    assert overridden.details["availability_in_service"] == 1.0
