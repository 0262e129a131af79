"""The central export (RPT-CENTRAL): the shipped mapping loads, a province's broken mapping is
named by file, line and field, and the CSV and JSON carry the figures the mapping asks for."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from collector.periods import Month
from collector.report.central import CSV_COLUMNS, FORMAT_ID, export, load_mapping
from collector.report.content import MonthReport, ProvinceLine, Tally, TargetSummary
from collector.targets import load_catalogue
from sansang.configfile import ConfigError
from sansang.i18n import ZONE

MONTH = Month(2026, 11)
EVALUATED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=ZONE).timestamp()


def _summary(target: str, met: int, not_met: int, unknown: int) -> TargetSummary:
    return TargetSummary(target, target, target, "Sở KH&CN", Tally(met, not_met, unknown), None, "")


def _line(target: str, status: str) -> ProvinceLine:
    return ProvinceLine(target, target, status, "", "", "")  # type: ignore[arg-type]


def report() -> MonthReport:
    return MonthReport(
        province_code="51",
        province_name="Quảng Ngãi",
        month=MONTH,
        generated_at=EVALUATED_AT + 60,
        evaluated_at=EVALUATED_AT,
        closed=True,
        inventory_version="inv-1",
        catalogue_version="cat-1",
        targets=[_summary("INF-PWR", 15, 4, 1), _summary("INF-DZ", 17, 3, 0)],
        sites=[],
        not_met=[],
        province=[_line("OPS-247", "met"), _line("OPS-247", "not_met")],
    )


def test_the_shipped_mapping_names_only_targets_of_the_catalogue() -> None:
    mapping = load_mapping(None)
    known = {t.id for t in load_catalogue().targets}
    assert {i.target for i in mapping.indicators} <= known
    assert len(mapping.sha256) == 64
    assert len({i.code for i in mapping.indicators}) == len(mapping.indicators)


def test_a_broken_mapping_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        'version: "qn-1"\n'
        "dashboard: Dashboard\n"
        "indicators:\n"
        "  - {target: INF-PWR, code: A1, name: Điện, unit: '%', measure: share_met}\n"
        "  - {target: INF-NOPE, code: A2, name: X, unit: '%', measure: share_met}\n"
        "  - {target: INF-BW, code: A1, name: Y, unit: '%', measure: average}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    text = caught.value.render()
    assert "mapping.yaml:6: indicators.2.measure" in text
    path.write_text(path.read_text(encoding="utf-8").replace("average", "share_met"), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    text = caught.value.render()
    assert "mapping.yaml:5: indicators.1.target: no target 'INF-NOPE'" in text
    assert "mapping.yaml:6: indicators.2.code: code 'A1' is listed twice" in text


def test_json_carries_each_indicator_with_its_figure_and_tally() -> None:
    doc = json.loads(export(report(), "json", load_mapping(None)))
    assert doc["format"] == FORMAT_ID
    assert doc["province"] == {"code": "51", "name": "Quảng Ngãi"}
    assert (doc["month"], doc["period"]) == ("2026-11", {"from": "2026-11-01", "to": "2026-11-30"})
    assert doc["evaluated_at"] == "2026-12-02T09:00:00+07:00" and doc["final"] is True
    by_code = {i["code"]: i for i in doc["indicators"]}
    pwr = by_code["INF-PWR"]
    assert (pwr["value"], pwr["unit"], pwr["met"], pwr["not_met"], pwr["unknown"]) == (
        78.9,  # 15 of the 19 judged; the unknown one is left out of the share
        "%",
        15,
        4,
        1,
    )
    assert by_code["INF-DZ"]["value"] == 3  # count_not_met
    assert by_code["OPS-247"]["value"] == 0  # one central system not met: the province is not
    assert by_code["INF-BW"]["value"] is None and by_code["INF-BW"]["total"] == 0  # no findings


def test_csv_has_the_documented_columns_and_the_same_figures(tmp_path: Path) -> None:
    mapping_file = tmp_path / "m.yaml"
    mapping_file.write_text(
        'version: "qn-2026"\ndashboard: D\nindicators:\n'
        "  - {target: INF-PWR, code: CT.05, name: Nguồn điện ổn định, unit: '%', "
        "measure: share_met}\n",
        encoding="utf-8",
    )
    data = export(report(), "csv", load_mapping(mapping_file))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2
    assert (row["indicator_code"], row["indicator_name"], row["value"]) == (
        "CT.05",
        "Nguồn điện ổn định",
        "78.9",
    )
    assert (row["month"], row["final"], row["mapping_version"]) == ("2026-11", "true", "qn-2026")
