"""The province's inventory: the example, invalid files with their exact messages, and the import
of site lists from CSV and Excel (every bad row reported, the YAML written passes the check).

Invalid cases are ``fixtures/inventory/invalid-NAME.yaml`` with the exact text of
``sansang collector check-inventory invalid-NAME.yaml`` (run from that folder) in
``invalid-NAME.expected``; to add a case, write both files.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from collector.inventory import columns, importer, model
from sansang.configfile import ConfigError
from tests.unit.test_cli import sansang
from tests.unit.test_config_errors import readable_diff

FIXTURES = Path(__file__).parent / "fixtures" / "inventory"
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "inventory.yaml"
CASES = sorted(FIXTURES.glob("invalid-*.yaml"))


# -- the model ----------------------------------------------------------------------------------


def test_the_example_is_valid_with_every_risk_and_an_hnth_endpoint() -> None:
    inv = model.load(EXAMPLE)
    assert inv.province.code == "51"
    assert [s.key for s in inv.sites] == ["23527-main", "21548-main"]
    assert inv.sites[0].commune.name == "Xã Sa Thầy"
    for site in inv.sites:
        assert set(site.contingency) == set(model.RISKS)
    kinds = {t.kind for t in inv.sites[0].terminals}
    assert "video_conference" in kinds
    assert inv.sites[0].pull is not None and inv.sites[1].push is not None
    assert {s.security_level for s in inv.systems} == {3, 2}


def test_the_example_uses_only_example_host_names() -> None:
    inv = model.load(EXAMPLE)
    hosts = [s.pull.url.split("/")[2].split(":")[0] for s in inv.sites if s.pull is not None]
    hosts += [t.address for s in inv.sites for t in s.terminals if not t.address[0].isdigit()]
    assert hosts and all(h.endswith(".example") for h in hosts)


def test_a_minimal_file_is_valid_and_defaults_the_site_id() -> None:
    inv = model.load(FIXTURES / "valid-minimal.yaml")
    assert inv.sites[0].site_id == "main" and inv.systems == []


def test_every_case_has_its_message() -> None:
    assert {p.stem for p in CASES} == {p.stem for p in FIXTURES.glob("invalid-*.expected")}
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_inventory_message(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    expected = case.with_suffix(".expected").read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        model.load(case.name)
    actual = info.value.render() + "\n"
    if actual != expected:
        pytest.fail(f"{case.name}: message differs\n{readable_diff(expected, actual)}", False)


# -- the commands -------------------------------------------------------------------------------


def test_check_inventory_on_the_example_exits_0() -> None:
    result = sansang("collector", "check-inventory", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "hợp lệ / OK — Quảng Ngãi (51), 2 sites" in result.stdout


def test_check_inventory_on_an_invalid_file_exits_2_with_the_message() -> None:
    case = "invalid-commune-other-province"
    result = sansang("collector", "check-inventory", f"{case}.yaml", cwd=FIXTURES)
    assert result.returncode == 2
    assert result.stderr == (FIXTURES / f"{case}.expected").read_text(encoding="utf-8")


def test_import_then_check_round_trip_through_the_commands(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yaml"
    source = FIXTURES / "sites.csv"
    result = sansang("collector", "import-inventory", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "3 sites" in result.stdout
    checked = sansang("collector", "check-inventory", str(out))
    assert checked.returncode == 0, checked.stderr


def test_import_with_a_bad_row_writes_nothing_and_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yaml"
    source = FIXTURES / "bad-rows.csv"
    result = sansang("collector", "import-inventory", str(source), "--out", str(out))
    assert result.returncode == 2
    assert not out.exists()
    assert f"{source}: dòng / row 4: Vĩ độ (latitude): latitude 107.8" in result.stderr
    assert "5 bad rows, nothing written" in result.stderr


def test_import_skip_bad_writes_the_good_rows_lists_the_bad_and_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yaml"
    source = FIXTURES / "bad-rows.csv"
    args = ("collector", "import-inventory", str(source), "--out", str(out), "--skip-bad")
    result = sansang(*args)
    assert result.returncode == 1, result.stderr
    assert "dòng / row 7" in result.stderr
    assert [s.key for s in model.load(out).sites] == ["23527-main"]


# -- import from CSV ----------------------------------------------------------------------------


def test_csv_with_bom_imports_every_field(tmp_path: Path) -> None:
    source = FIXTURES / "sites.csv"
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    result = importer.import_sites(source)
    assert result.problems == [] and result.yaml_text is not None
    inv = model.load(_write(tmp_path / "inventory.yaml", result.yaml_text))
    first, island, point = inv.sites
    assert first.links == ["internet", "tslcd"] and island.links == ["mobile"]
    assert (first.latitude, first.longitude) == (14.4132, 107.793)  # decimal commas
    assert first.pull is not None and first.pull.url == "https://sa-thay.agent.example:9717/"
    assert [(t.id, t.kind) for t in first.terminals] == [("hnth", "video_conference")]
    assert first.ups[0].rated_minutes == 25
    assert island.push is not None and island.push.credential_id == "ly-son"
    assert point.key == "23534-diem-2"
    plan = island.contingency["power_loss"]
    assert plan.fallback.kind == "ups_generator"
    assert (plan.responder.name, plan.responder.confirmed_on.isoformat()) == (
        "Lê Văn Cường",
        "2025-09-01",
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_bad_rows_are_all_reported_with_row_and_column() -> None:
    result = importer.import_sites(FIXTURES / "bad-rows.csv")  # ';'-separated, no BOM
    assert result.yaml_text is None and result.good_rows == 1
    found = [(p.row, p.column.split(" (")[-1].rstrip(")")) for p in result.problems]
    assert found == [
        (3, "commune_code"),  # 2020 -> 02020, a commune of Thái Nguyên
        (4, "commune_code"),
        (4, "latitude"),
        (4, "longitude"),
        (4, "links"),
        (4, "responder_phone"),
        (4, "responder_confirmed_on"),
        (5, "pull_url / push_credential"),
        (6, "software_fallback"),
        (7, "site_id"),
    ]
    by_row = {p.row: p.message for p in result.problems}
    assert "Thái Nguyên" in by_row[3]
    assert "already on row 2" in by_row[7]


def test_csv_missing_and_unknown_columns_stop_the_import(tmp_path: Path) -> None:
    source = tmp_path / "sites.csv"
    source.write_text("Mã xã,Tên điểm,Màu sơn,name\n23527,Sa Thầy,xanh,x\n", encoding="utf-8")
    with pytest.raises(importer.SheetError) as info:
        importer.import_sites(source)
    message = str(info.value)
    assert "row 1: cột / column 3 'Màu sơn': không rõ / unknown header" in message
    assert "row 1: cột / column 4 'name': lặp lại / repeats Tên điểm (name)" in message
    assert "Vĩ độ (latitude)" in message
    # The plans, responders, focal point and team are optional columns: day one has few plans.
    assert "PA mất điện" not in message and "Người phụ trách" not in message
    assert "Mã xã (commune_code)" not in message.split("missing columns:")[1]


def test_english_headers_and_an_explicit_province(tmp_path: Path) -> None:
    rows = [_row(commune_code="23527", push_credential="sa-thay")]
    source = _csv(tmp_path / "sites.csv", rows, english=True)
    result = importer.import_sites(source, province="51")
    assert result.problems == [] and result.yaml_text is not None
    with pytest.raises(importer.SheetError, match="--province '99'"):
        importer.import_sites(source, province="99")


# -- import from Excel --------------------------------------------------------------------------


def _row(**values: Any) -> dict[str, Any]:
    """A good row of a Quảng Ngãi site, keyed by column key; ``values`` override."""
    row: dict[str, Any] = {
        "commune_code": "23527",
        "name": "Bộ phận một cửa",
        "latitude": 14.41,
        "longitude": 107.79,
        "links": "Internet",
        "pull_url": "https://a.agent.example/",
        "responder_name": "Nguyễn Văn An",
        "responder_phone": "0912 345 678",
        "responder_confirmed_on": "01/10/2025",
    }
    for risk in model.RISKS:
        row[f"{risk}_approved_on"] = "15/08/2025"
        row[f"{risk}_fallback"] = "Phương án dự phòng"
    row.update(values)
    if "push_credential" in values:
        row.pop("pull_url")
    return row


def _headers(english: bool) -> list[str]:
    return [c.key if english else c.vi for c in columns.COLUMNS]


def _csv(path: Path, rows: list[dict[str, Any]], *, english: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(_headers(english))
        writer.writerows([[r.get(c.key, "") for c in columns.COLUMNS] for r in rows])
    return path


def _xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A workbook as a province keeps it: a title row, then the header, then one row per site."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH BỘ PHẬN MỘT CỬA CẤP XÃ"])
    sheet.append(["STT", *_headers(english=False)])
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *(row.get(c.key) for c in columns.COLUMNS)])
    book.save(path)
    return path


def test_xlsx_good_rows_with_numbers_and_dates_as_excel_stores_them(tmp_path: Path) -> None:
    rows = [
        _row(commune_code=23527, responder_confirmed_on=datetime(2025, 10, 1)),
        _row(commune_code=21548, push_credential="ly-son", links="di động; 4G"),
    ]
    result = importer.import_sites(_xlsx(tmp_path / "ds.xlsx", rows))
    assert result.problems == [] and result.yaml_text is not None
    inv = model.load(_write(tmp_path / "inventory.yaml", result.yaml_text))
    assert [s.key for s in inv.sites] == ["23527-main", "21548-main"]
    assert inv.sites[0].contingency["hardware"].responder.confirmed_on.isoformat() == "2025-10-01"
    assert inv.sites[1].links == ["mobile"]  # "di động; 4G": one link type, said twice


def test_xlsx_bad_rows_name_the_sheet_row_and_column(tmp_path: Path) -> None:
    rows = [
        _row(),
        _row(commune_code=23534, responder_phone=912345678, latitude="bắc"),
        _row(commune_code=23534, pull_url="https://b.agent.example/"),
        _row(commune_code=23599, name=None, pull_url="ftp://c.example/"),
    ]
    source = _xlsx(tmp_path / "ds.xlsx", rows)
    result = importer.import_sites(source)
    assert result.yaml_text is None
    rendered = [p.render("ds.xlsx") for p in result.problems]
    # the title row is row 1 and the header row 2: the first site is on row 3
    assert rendered[0] == "ds.xlsx: dòng / row 4: Vĩ độ (latitude): 'bắc' is not a number"
    assert rendered[1].startswith("ds.xlsx: dòng / row 4: Điện thoại (responder_phone): ")
    assert "lost its leading 0" in rendered[1]
    assert {p.row for p in result.problems} == {4, 6}
    row6 = {p.column: p.message for p in result.problems if p.row == 6}
    assert "not in the official list" in row6["Mã xã (commune_code)"]
    assert row6["Tên điểm (name)"] == "ô trống / empty, but required"
    assert "is not an http(s) URL" in row6["Địa chỉ agent (pull_url)"]


def test_xlsx_skip_bad_keeps_the_good_rows_and_the_yaml_passes_the_check(tmp_path: Path) -> None:
    rows = [_row(), _row(commune_code=23534, latitude=200), _row(commune_code=21548)]
    result = importer.import_sites(_xlsx(tmp_path / "ds.xlsx", rows), skip_bad=True)
    assert [p.row for p in result.problems] == [4]
    assert result.yaml_text is not None and result.good_rows == 2
    inv = model.load(_write(tmp_path / "inventory.yaml", result.yaml_text))
    assert [s.commune_code for s in inv.sites] == ["23527", "21548"]


def test_no_good_row_writes_nothing_even_with_skip_bad(tmp_path: Path) -> None:
    result = importer.import_sites(_xlsx(tmp_path / "ds.xlsx", [_row(latitude=0)]), skip_bad=True)
    assert result.yaml_text is None and [p.row for p in result.problems] == [3]


def test_a_file_that_is_not_a_workbook_is_refused_with_a_reason(tmp_path: Path) -> None:
    fake = tmp_path / "ds.xlsx"
    fake.write_text("Mã xã,Tên điểm\n", encoding="utf-8")
    with pytest.raises(importer.SheetError, match="cannot read"):
        importer.import_sites(fake)
    with pytest.raises(importer.SheetError, match=r"expected an \.xlsx or \.csv"):
        importer.import_sites(tmp_path / "ds.xls")
