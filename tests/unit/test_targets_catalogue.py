"""The catalogue of plan targets holds together on its own (every target cites a clause of a
seed it lists, has an agency, and a rule that exists exactly when it is evaluated), and
overrides are checked like any config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.evaluate.rules import THRESHOLDS_READ
from collector.targets import (
    Catalogue,
    effective_thresholds,
    load_catalogue,
    load_overrides,
)
from sansang.configfile import ConfigError


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_every_target_cites_a_clause_and_has_an_agency(catalogue: Catalogue) -> None:
    assert len(catalogue.targets) >= 16  # the plans' targets, none dropped
    ids = [t.id for t in catalogue.targets]
    assert len(ids) == len(set(ids)), "a target is listed twice"
    for target in catalogue.targets:
        assert target.sources, f"{target.id}: no clause"
        for source in target.sources:
            assert source.seed in catalogue.seeds, f"{target.id}: no seed '{source.seed}'"
            assert source.section.strip(), f"{target.id}: a source without its section"
        assert target.owner in catalogue.agencies, f"{target.id}: no agency '{target.owner}'"


def test_a_rule_exists_exactly_for_the_evaluated_targets(catalogue: Catalogue) -> None:
    for target in catalogue.targets:
        if target.status == "evaluated":
            # a rule of RULES, or one judged from the reports kept (collector.evaluate.reporting)
            assert target.rule in THRESHOLDS_READ, f"{target.id}: '{target.rule}' is not a rule"
        else:
            assert target.rule not in THRESHOLDS_READ, f"{target.id}: its rule exists: evaluate"
            assert target.reason.strip(), f"{target.id}: {target.status} without a reason"


def test_seeds_are_named_by_their_code_and_each_is_cited(catalogue: Catalogue) -> None:
    cited = {source.seed for target in catalogue.targets for source in target.sources}
    for short, name in catalogue.seeds.items():
        assert name.startswith(short + "_"), name
        assert short in cited, f"seed {short} ({name}) is cited by no target"


def test_owners_titles_and_rules(catalogue: Catalogue) -> None:
    by_id = {t.id: t for t in catalogue.targets}
    assert by_id["INF-PWR"].owner == "so_cong_thuong"
    assert by_id["SEC-CONTINGENCY"].owner == "cong_an_tinh"
    assert by_id["INF-PWR"].thresholds["sustained_after_minutes"].default == 5
    assert by_id["INF-LINK"].window == 30 * 86400
    evaluated = {t.id for t in catalogue.targets if t.status == "evaluated"}
    # nine from the agents' journals, the police's four from the inventory, SEC-EARLY from the
    # incidents kept, the report and the central export from the reports kept: every target
    assert evaluated == {"INF-LINK", "INF-PWR", "INF-BW", "INF-DZ", "INF-HNTH", "INF-EQUIP",
                         "OPS-247", "OPS-CONT", "SEC-MEASURES", "SEC-LEVEL", "SEC-TEAM",
                         "SEC-DRILL", "SEC-CONTINGENCY", "SEC-EARLY", "RPT-MONTHLY",
                         "RPT-CENTRAL"}  # fmt: skip
    for t in catalogue.targets:
        assert t.title.vi and t.title.en
        assert all(th.why for th in t.thresholds.values())


def test_a_province_overrides_thresholds(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("overrides:\n  INF-BW:\n    internet_download_mbps: 50\n", encoding="utf-8")
    values = effective_thresholds(catalogue, load_overrides(path, catalogue))
    assert values["INF-BW"]["internet_download_mbps"] == 50
    assert values["INF-BW"]["internet_upload_mbps"] == 20  # the rest stays the default


def test_a_wrong_override_names_file_line_and_field(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(
        "overrides:\n"
        "  INF-BW:\n"
        "    internet_download_mbps: fast\n"
        "    upload: 10\n"
        "  INF-NOPE:\n"
        "    x: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_overrides(path, catalogue)
    text = caught.value.render()
    field = "overrides.INF-BW.internet_download_mbps"
    assert f"targets.yaml:3: {field}: expected a number like 100" in text
    assert "targets.yaml:4: overrides.INF-BW.upload: INF-BW has no threshold 'upload'" in text
    assert "targets.yaml:5: overrides.INF-NOPE: no target 'INF-NOPE'" in text


def test_a_broken_catalogue_is_reported_not_half_loaded(tmp_path: Path) -> None:
    text = Path(load_catalogue.__defaults__[0]).read_text(encoding="utf-8")  # type: ignore[index]
    path = tmp_path / "catalogue.yaml"
    path.write_text(text.replace("owner: so_cong_thuong", "owner: nobody"), encoding="utf-8")
    with pytest.raises(ConfigError, match="no agency 'nobody'"):
        load_catalogue(path)
