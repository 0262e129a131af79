"""The readiness columns of a province's site list: plan status, decision, file hash and risk
level per risk, the commune's focal point and team, and the sheet of drills the province held for
many communes.  Each import's YAML is loaded back with the inventory model (the round trip a
province makes: spreadsheet → inventory.yaml → check-inventory)."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from collector.inventory import columns, importer, model
from tests.unit.test_cli import sansang

HASH = "0123456789abcdef" * 4
MEMBERS = (
    "Nguyễn Văn An, công chức Văn phòng - Thống kê, 0912 345 678; "
    "Trần Thị Bình, 0935 111 222\nPhan Văn Khải, Công an xã, 0914 777 888"
)


def _row(**values: Any) -> dict[str, Any]:
    """A Sa Thầy row with every plan approved, a focal point and a team of three."""
    row: dict[str, Any] = {
        "commune_code": "23527",
        "name": "Bộ phận một cửa Xã Sa Thầy",
        "latitude": 14.41,
        "longitude": 107.79,
        "links": "Internet",
        "pull_url": "https://sa-thay.agent.example/",
        "responder_name": "Nguyễn Văn An",
        "responder_phone": "0912 345 678",
        "responder_confirmed_on": "01/10/2025",
        "focal_point_name": "Đỗ Văn Hùng",
        "focal_point_phone": "0905 222 333",
        "focal_point_role": "Phó Chủ tịch UBND xã",
        "focal_point_confirmed_on": "05/01/2026",
        "team_members": MEMBERS,
        "team_decision": "41/QĐ-UBND",
    }
    for risk in model.RISKS:
        row[f"{risk}_approved_on"] = "15/08/2025"
        row[f"{risk}_fallback"] = "Phương án dự phòng"
    row.update(values)
    return {k: v for k, v in row.items() if v is not None}


DRILL_HEADERS = [c.vi for c in columns.DRILL_COLUMNS]


def _drill(**values: Any) -> dict[str, Any]:
    row = {
        "held_on": "12/03/2026",
        "result": "Đạt",
        "risks": "tấn công mạng",
        "communes": "23527, 23534",
        "participants": 25,
        "participant_names": "Lý Thị Hoa; Đinh Văn Sơn",
        "minutes": "27/BB-CAT",
        "minutes_sha256": HASH.upper(),
        "scope": "ứng cứu mã độc tống tiền",
        "organiser": "Công an tỉnh",
    }
    row.update(values)
    return {k: v for k, v in row.items() if v is not None}


def _xlsx(path: Path, rows: list[dict[str, Any]], drills: list[dict[str, Any]]) -> Path:
    """The site list on the first sheet, the drills on a sheet named "Diễn tập"."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách điểm"
    sheet.append([c.vi for c in columns.COLUMNS])
    for row in rows:
        sheet.append([row.get(c.key) for c in columns.COLUMNS])
    other = book.create_sheet("Diễn tập")
    other.append(["DIỄN TẬP DO TỈNH TỔ CHỨC"])
    other.append(DRILL_HEADERS)
    for drill in drills:
        other.append([drill.get(c.key) for c in columns.DRILL_COLUMNS])
    book.save(path)
    return path


def _load(tmp_path: Path, text: str | None) -> model.Inventory:
    assert text is not None
    out = tmp_path / "inventory.yaml"
    out.write_text(text, encoding="utf-8")
    return model.load(out)


def test_a_workbook_with_plans_teams_and_drills_round_trips(tmp_path: Path) -> None:
    rows = [
        _row(
            hardware_decision="125/QĐ-UBND",
            hardware_file_sha256=HASH,
            hardware_risk_level="Trung bình",
            software_status="Dự thảo",
            software_approved_on=None,
            cyberattack_status="Chưa có",
            cyberattack_approved_on=None,
            cyberattack_fallback=None,
            cyberattack_risk_level="cao",
            link_loss_approved_on=None,
            link_loss_fallback=None,
            power_loss_approved_on=None,
            power_loss_fallback=None,
        ),
        _row(
            commune_code="23534",
            name="Điểm Sa Bình",
            pull_url="https://sa-binh.agent.example/",
            focal_point_name=None,
            focal_point_phone=None,
            focal_point_role=None,
            focal_point_confirmed_on=None,
            team_members=None,
            team_decision=None,
            responder_name=None,
            responder_phone=None,
            responder_confirmed_on=None,
            **{f"{r}_{f}": None for r in model.RISKS for f in ("approved_on", "fallback")},
        ),
    ]
    source = _xlsx(
        tmp_path / "ds.xlsx", rows, [_drill(), _drill(communes="Tất cả", result="đạt một phần")]
    )
    result = importer.import_sites(source)
    assert result.problems == [] and (result.good_rows, result.good_drills) == (2, 2)
    inv = _load(tmp_path, result.yaml_text)
    sa_thay, sa_binh = inv.sites
    plans = sa_thay.contingency
    assert (plans["hardware"].status, plans["hardware"].decision) == ("approved", "125/QĐ-UBND")
    assert (plans["hardware"].file_sha256, plans["hardware"].risk_level) == (HASH, "medium")
    assert plans["software"].status == "draft" and plans["software"].approved_on is None
    assert plans["software"].responder is not None  # a draft may name its responder
    assert (plans["cyberattack"].status, plans["cyberattack"].risk_level) == ("missing", "high")
    assert "link_loss" not in plans and "power_loss" not in plans  # blank cells: no plan
    assert sa_binh.contingency == {}  # a commune with no plan at all loads
    team = sa_thay.response_team
    assert team is not None and team.decision == "41/QĐ-UBND"
    assert team.focal_point is not None and team.focal_point.confirmed_on == date(2026, 1, 5)
    assert [(m.name, m.role) for m in team.members] == [
        ("Nguyễn Văn An", "công chức Văn phòng - Thống kê"),
        ("Trần Thị Bình", ""),
        ("Phan Văn Khải", "Công an xã"),
    ]
    assert sa_binh.response_team is None
    first, everywhere = inv.drills
    assert first.communes == ["23527", "23534"] and first.risks == ["cyberattack"]
    assert first.participants is not None and first.participants.total == 25
    assert first.minutes is not None and first.minutes.sha256 == HASH
    assert everywhere.all_sites and everywhere.result == "partial"
    assert [i for i, _d in sa_binh.province_drills] == [0, 1]


def test_a_commune_gives_its_team_once_and_rows_must_agree(tmp_path: Path) -> None:
    point = {"site_id": "diem-2", "pull_url": "https://diem-2.agent.example/"}
    same = _row(**point)
    other = _row(**point, team_members="Lê Văn Cường, 0905 333 444")
    ok = importer.import_sites(_xlsx(tmp_path / "a.xlsx", [_row(), same], []))
    assert ok.problems == []
    inv = _load(tmp_path, ok.yaml_text)
    assert len(inv.response_teams) == 1
    assert inv.sites[0].response_team is inv.sites[1].response_team
    bad = importer.import_sites(_xlsx(tmp_path / "b.xlsx", [_row(), other], []))
    assert bad.yaml_text is None
    assert [p.render("b.xlsx") for p in bad.problems] == [
        "b.xlsx: dòng / row 3: Đội ứng cứu: thành viên (team_members): xã '23527' đã có đầu mối, "
        "đội ứng cứu khác ở dòng / the commune's focal point and team are already given, "
        "differently, on row 2"
    ]


def test_bad_readiness_cells_name_their_column(tmp_path: Path) -> None:
    rows = [
        _row(
            software_status="đã ký",
            hardware_risk_level="rất cao",
            power_loss_file_sha256="abc",
            team_members="Chỉ có tên",
            focal_point_phone=905222333,
        ),
        _row(commune_code="23534", pull_url="https://b.agent.example/", link_loss_approved_on=None),
    ]
    result = importer.import_sites(_xlsx(tmp_path / "ds.xlsx", rows, []))
    found = {(p.row, p.column.split(" (")[-1].rstrip(")")): p.message for p in result.problems}
    assert set(found) == {
        (2, "software_status"),
        (2, "hardware_risk_level"),
        (2, "power_loss_file_sha256"),
        (2, "team_members"),
        (2, "focal_point_phone"),
        (3, "link_loss_approved_on"),
    }
    assert found[2, "software_status"] == (
        "'đã ký' is not a plan status; use: Chưa có, Dự thảo, Đã phê duyệt "
        "(missing, draft, approved)"
    )
    assert "lost its leading 0" in found[2, "focal_point_phone"]
    assert found[3, "link_loss_approved_on"].startswith("an approved plan needs its approval date")


def test_bad_drill_rows_are_named_with_their_sheet_and_skipped_with_skip_bad(
    tmp_path: Path,
) -> None:
    drills = [
        _drill(),
        _drill(communes="23527, 02020", result="tốt"),
        _drill(communes="23527, 23527", held_on="31/02/2026"),
    ]
    source = _xlsx(tmp_path / "ds.xlsx", [_row()], drills)
    result = importer.import_sites(source)
    assert result.yaml_text is None and result.bad_rows == 2
    rendered = [p.render("ds.xlsx") for p in result.problems]
    assert rendered == [
        "ds.xlsx: trang / sheet 'Diễn tập': dòng / row 4: Kết quả (result): 'tốt' is not a "
        "drill result; use: đạt, đạt một phần, không đạt (passed, partial, failed)",
        "ds.xlsx: trang / sheet 'Diễn tập': dòng / row 5: Ngày diễn tập (held_on): "
        "'31/02/2026' is not a date; write it as dd/mm/yyyy, e.g. 15/08/2025",
    ]
    kept = importer.import_sites(source, skip_bad=True)
    assert (kept.good_rows, kept.good_drills) == (1, 1)
    assert len(_load(tmp_path, kept.yaml_text).drills) == 1
    other_province = importer.import_sites(
        _xlsx(tmp_path / "p.xlsx", [_row()], [_drill(communes="23527, 02020")])
    )
    (problem,) = other_province.problems
    assert problem.sheet == "Diễn tập" and "Thái Nguyên" in problem.message


def test_a_csv_site_list_with_a_drills_file_through_the_command(tmp_path: Path) -> None:
    sites = tmp_path / "ds.csv"
    with sites.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([c.key for c in columns.COLUMNS])
        writer.writerow([_row().get(c.key, "") for c in columns.COLUMNS])
    drills = tmp_path / "dien-tap.csv"
    with drills.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(DRILL_HEADERS)
        writer.writerow([_drill(communes="23527").get(c.key, "") for c in columns.DRILL_COLUMNS])
        writer.writerow([_drill(communes="9999").get(c.key, "") for c in columns.DRILL_COLUMNS])
    out = tmp_path / "inventory.yaml"
    args = ("collector", "import-inventory", str(sites), "--drills", str(drills), "--out", str(out))
    refused = sansang(*args)
    assert refused.returncode == 2 and not out.exists()
    assert f"{drills}: dòng / row 3: Xã tham gia (communes): " in refused.stderr
    assert "1 bad rows, nothing written" in refused.stderr
    written = sansang(*args, "--skip-bad")
    assert written.returncode == 1, written.stderr
    assert "wrote 1 sites, 1 drills, bỏ qua / skipped 1 bad rows" in written.stdout
    checked = sansang("collector", "check-inventory", str(out))
    assert checked.returncode == 0, checked.stderr
    inv = model.load(out)
    assert inv.drills[0].communes == ["23527"] and inv.sites[0].province_drills


def test_the_inventory_doc_names_every_readiness_field_and_column() -> None:
    """docs/inventory.md stays true: each field of the readiness models and each column of the
    readiness part of the site list and of the drills' sheet is named there."""
    from collector.inventory import readiness

    text = (Path(__file__).resolve().parents[2] / "docs" / "inventory.md").read_text("utf-8")
    models = (
        readiness.ContingencyPlan,
        readiness.Drill,
        readiness.ProvinceDrill,
        readiness.ResponseTeam,
        readiness.FocalPoint,
        readiness.TeamMember,
        readiness.Participants,
        readiness.Minutes,
    )
    fields = {name for m in models for name in m.model_fields}
    # Named as a field: `held_on`, or inside a mapping's braces: `{count, names}`.
    missing = sorted(f for f in fields if not re.search(rf"[`{{ ]{f}[`}},]", text))
    assert not missing, missing
    readiness_columns = [
        c for c in columns.COLUMNS if c.path[0] in ("contingency", "responder", columns.TEAM)
    ]
    hardware = [c for c in readiness_columns if not c.key.startswith(model.RISKS[1:])]
    for column in (*hardware, *columns.DRILL_COLUMNS):
        assert column.key in text and column.vi in text, column.label
