"""The workbook's sheets of information systems (``Hệ thống``, SEC-LEVEL) and of the officials'
signature certificates (``Chứng thư số``) besides the site list: each import's YAML is loaded back
with the inventory model (spreadsheet → inventory.yaml → check-inventory), and every bad cell is
named by sheet, row and column."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from collector.inventory import columns, importer, model, sheets
from collector.inventory.sheets import CERTIFICATE_COLUMNS, SYSTEM_COLUMNS
from sansang import communes
from tests.unit.test_cli import sansang

# The headers as a province writes them (some differ from the columns' own Vietnamese header).
SYSTEM_HEADERS = [
    "STT",
    "Mã hệ thống",
    "Tên hệ thống",
    "Cấp độ",
    "Chủ quản",
    "Số quyết định phê duyệt hồ sơ cấp độ",
    "Ngày phê duyệt",
    "Cơ quan phê duyệt",
    "Đã triển khai phương án bảo vệ",
    "Ngày kiểm tra, đánh giá gần nhất",
    "Xã sử dụng",
    "Ghi chú",
]
CERTIFICATE_HEADERS = [
    "Mã",
    "Người/cơ quan được cấp",
    "Chức vụ",
    "Mã xã",
    "Số hiệu (serial)",
    "Tổ chức cấp",
    "Ngày hết hạn",
    "Cơ quan nhận cảnh báo",
]


def _site(commune_code: str, name: str) -> dict[str, Any]:
    return {
        "commune_code": commune_code,
        "name": name,
        "latitude": 14.41,
        "longitude": 107.79,
        "links": "Internet",
        "pull_url": f"https://{commune_code}.agent.example/",
    }


SITES = [_site("23527", "Bộ phận một cửa Xã Sa Thầy"), _site("23534", "Điểm Sa Bình")]


def _system(**values: Any) -> list[Any]:
    """A row of the systems' sheet under :data:`SYSTEM_HEADERS`."""
    row: dict[str, Any] = {
        "id": "mot-cua",
        "name": "Hệ thống thông tin giải quyết thủ tục hành chính",
        "security_level": 3,
        "owner": "Văn phòng UBND tỉnh",
        "dossier_decision": "125/QĐ-UBND",
        "dossier_approved_on": datetime(2025, 8, 15),  # an Excel date cell
        "dossier_authority": "UBND tỉnh",
        "protection_plan_deployed": "có",
        "last_checked_on": "01/10/2025",
        "communes": None,
    }
    row.update(values)
    return [None, *(row[c.key] for c in SYSTEM_COLUMNS), "hệ thống dùng chung"]


def _certificate(**values: Any) -> list[Any]:
    """A row of the certificates' sheet under :data:`CERTIFICATE_HEADERS`."""
    row: dict[str, Any] = {
        "id": "sa-thay-chu-tich",
        "holder": "Nguyễn Văn An",
        "position": "Chủ tịch UBND xã",
        "commune_code": "23527",
        "serial": "5401 0104 92C3 7A1B",
        "issuer": "Ban Cơ yếu Chính phủ",
        "not_after": "31/12/2026",
        "agency": "Sở Khoa học và Công nghệ",
    }
    row.update(values)
    return [row[c.key] for c in CERTIFICATE_COLUMNS]


def _xlsx(
    path: Path,
    systems: list[list[Any]] | None,
    certificates: list[list[Any]] | None,
    sites: list[dict[str, Any]] = SITES,
    systems_sheet: str = "Hệ thống",
) -> Path:
    """The site list on the first sheet; the systems and the certificates (when given) on
    sheets of their own, under a title row as provinces write them."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách điểm"
    sheet.append([c.vi for c in columns.COLUMNS])
    for site in sites:
        sheet.append([site.get(c.key) for c in columns.COLUMNS])
    if systems is not None:
        other = book.create_sheet(systems_sheet)
        other.append(["DANH MỤC HỆ THỐNG THÔNG TIN THEO CẤP ĐỘ"])
        other.append(SYSTEM_HEADERS)
        for row in systems:
            other.append(row)
    if certificates is not None:
        other = book.create_sheet("Chứng thư số")
        other.append(CERTIFICATE_HEADERS)
        for row in certificates:
            other.append(row)
    book.save(path)
    return path


def _load(tmp_path: Path, text: str | None) -> model.Inventory:
    assert text is not None
    out = tmp_path / "inventory.yaml"
    out.write_text(text, encoding="utf-8")
    return model.load(out)


def test_a_workbook_with_systems_and_certificates_round_trips(tmp_path: Path) -> None:
    systems = [
        _system(security_level="Cấp độ 3"),
        _system(
            id="hnth",
            name="Hệ thống hội nghị truyền hình",
            security_level=2,
            owner="Sở Khoa học và Công nghệ",
            dossier_decision=None,
            dossier_approved_on=None,
            dossier_authority=None,
            protection_plan_deployed="Không",
            last_checked_on=None,
            communes="23527; 23534",
        ),
        [None] * len(SYSTEM_HEADERS),  # a blank row between is no row
        _system(id="camera", name="Camera giám sát", protection_plan_deployed=None, communes=23534),
    ]
    certificates = [
        _certificate(),
        _certificate(
            id="so-khcn",
            holder="Sở Khoa học và Công nghệ",
            position=None,
            commune_code=None,
            serial=None,
            issuer=None,
            not_after=datetime(2027, 3, 1),
            agency="cong_an_tinh",
        ),
    ]
    result = importer.import_sites(_xlsx(tmp_path / "ds.xlsx", systems, certificates))
    assert result.problems == []
    assert (result.good_rows, result.good_systems, result.good_certificates) == (2, 3, 2)
    inv = _load(tmp_path, result.yaml_text)
    one_stop, conference, camera = inv.systems
    assert one_stop.model_dump() == {
        "id": "mot-cua",
        "name": "Hệ thống thông tin giải quyết thủ tục hành chính",
        "security_level": 3,
        "owner": "Văn phòng UBND tỉnh",
        "dossier": {
            "decision": "125/QĐ-UBND",
            "approved_on": date(2025, 8, 15),
            "authority": "UBND tỉnh",
        },
        "dossier_approved_on": None,
        "protection_plan_deployed": True,
        "last_checked_on": date(2025, 10, 1),
        "communes": None,  # blank: every site
    }
    assert (conference.dossier, conference.protection_plan_deployed) == (None, False)
    assert conference.communes == ["23527", "23534"]
    assert camera.protection_plan_deployed is None  # blank: nobody said
    assert camera.communes == ["23534"]  # a single code stored as a number
    assert [s.id for s in inv.systems_of(inv.sites[0])] == ["mot-cua", "hnth"]
    chairman, department = inv.signature_certificates
    assert chairman.model_dump() == {
        "id": "sa-thay-chu-tich",
        "holder": "Nguyễn Văn An",
        "position": "Chủ tịch UBND xã",
        "commune_code": "23527",
        "serial": "5401010492C37A1B",  # spaces dropped, as Windows shows a serial
        "issuer": "Ban Cơ yếu Chính phủ",
        "not_after": date(2026, 12, 31),
        "agency": "so_khcn",  # the catalogue's agency, named in Vietnamese
    }
    assert (department.commune_code, department.serial) == (None, "")
    assert (department.not_after, department.agency) == (date(2027, 3, 1), "cong_an_tinh")


@pytest.mark.parametrize("name", ["Hệ thống thông tin", "systems", "HỆ THỐNG"])
def test_the_systems_sheet_goes_by_other_names(tmp_path: Path, name: str) -> None:
    source = _xlsx(tmp_path / "ds.xlsx", [_system()], None, systems_sheet=name)
    result = importer.import_sites(source)
    assert result.problems == [] and result.good_systems == 1
    assert [s.id for s in _load(tmp_path, result.yaml_text).systems] == ["mot-cua"]


def test_without_the_sheets_the_lists_stay_empty(tmp_path: Path) -> None:
    result = importer.import_sites(_xlsx(tmp_path / "ds.xlsx", None, None))
    assert result.problems == [] and (result.good_systems, result.good_certificates) == (0, 0)
    assert result.yaml_text is not None and "\nsystems: []\n" in result.yaml_text
    inv = _load(tmp_path, result.yaml_text)
    assert inv.systems == [] and inv.signature_certificates == []


def test_commune_codes_stored_as_numbers_get_their_leading_zero(tmp_path: Path) -> None:
    """Excel turns 02020 into 2020: the systems' and certificates' codes get the 0 back."""
    source = _xlsx(
        tmp_path / "ds.xlsx",
        [_system(communes=2020), _system(id="hnth", communes="2020, 02014")],
        [_certificate(commune_code=2020)],
        sites=[_site("02020", "Bộ phận một cửa Xã Chợ Đồn")],
    )
    result = importer.import_sites(source)
    assert result.problems == []
    inv = _load(tmp_path, result.yaml_text)
    assert [s.communes for s in inv.systems] == [["02020"], ["02020", "02014"]]
    assert inv.signature_certificates[0].commune_code == "02020"


def test_bad_cells_are_named_by_sheet_row_and_column(tmp_path: Path) -> None:
    systems = [
        _system(),  # row 3
        _system(id="a", security_level=7),
        _system(id="b", security_level="cao", dossier_approved_on="31/02/2026"),
        _system(id="c", protection_plan_deployed="chắc", dossier_decision=None),
        _system(id="mot-cua"),  # row 7: the id of row 3
        _system(id="d", communes="23527, 02020, 23527"),
    ]
    certificates = [
        _certificate(),  # row 2
        _certificate(id="x", serial=5401010492, agency="Phòng Văn hóa", not_after=None),
        _certificate(id="y", serial="54-01", commune_code="9999"),
        _certificate(id="sa-thay-chu-tich", commune_code=2020),
    ]
    source = _xlsx(tmp_path / "ds.xlsx", systems, certificates)
    result = importer.import_sites(source)
    assert result.yaml_text is None and result.bad_rows == 8
    rendered = [p.render("ds.xlsx") for p in result.problems]
    cert = "ds.xlsx: trang / sheet 'Chứng thư số': dòng / row"
    system = "ds.xlsx: trang / sheet 'Hệ thống': dòng / row"
    assert rendered == [
        f"{cert} 3: Số hiệu (serial): 5401010492 was stored as a number and may have lost "
        "digits: format the column as text (Định dạng ô → Văn bản)",
        f"{cert} 3: Ngày hết hạn (not_after): ô trống / empty, but required",
        f"{cert} 3: Cơ quan nhận cảnh báo (agency): 'Phòng Văn hóa' is not an agency; use: "
        "Sở Khoa học và Công nghệ (so_khcn), Công an tỉnh (cong_an_tinh), "
        "Sở Công Thương và điện lực (so_cong_thuong), Ủy ban nhân dân cấp xã (ubnd_xa)",
        f"{cert} 4: Mã xã (commune_code): commune code '09999' is not in the official list of "
        f"{communes.count()} communes (QĐ 19/2025/QĐ-TTg)",
        f"{cert} 4: Số hiệu (serial): '54-01' is not a serial number; write its hexadecimal "
        "digits (0-9, A-F), e.g. 5401 0104 92C3 7A1B",
        f"{cert} 5: Mã (id): chứng thư / certificate 'sa-thay-chu-tich' đã có ở / is already on "
        "trang / sheet 'Chứng thư số': dòng / row 2; give each its own id",
        f"{cert} 5: Mã xã (commune_code): xã '02020' (Xã Chợ Đồn) thuộc / is in Thái Nguyên, "
        "not in province '51' (Quảng Ngãi)",
        f"{system} 4: Cấp độ (security_level): Input should be less than or equal to 5 (found 7)",
        f"{system} 5: Cấp độ (security_level): 'cao' is not a security level; write 1 to 5 "
        "(cấp độ 1–5)",
        f"{system} 5: Ngày phê duyệt (dossier_approved_on): '31/02/2026' is not a date; write "
        "it as dd/mm/yyyy, e.g. 15/08/2025",
        f"{system} 6: Số quyết định phê duyệt hồ sơ cấp độ (dossier_decision): ô trống / empty, "
        "but required",
        f"{system} 6: Đã triển khai phương án bảo vệ (protection_plan_deployed): 'chắc' is not "
        "yes or no; write có or không (x: có)",
        f"{system} 7: Mã hệ thống (id): hệ thống / system 'mot-cua' đã có ở / is already on "
        "trang / sheet 'Hệ thống': dòng / row 3; give each its own id",
        f"{system} 8: Xã sử dụng (communes): xã '02020' (Xã Chợ Đồn) thuộc / is in Thái "
        "Nguyên, not in province '51' (Quảng Ngãi)",
        f"{system} 8: Xã sử dụng (communes): xã / commune '23527' ghi hai lần / twice",
    ]
    kept = importer.import_sites(source, skip_bad=True)
    assert (kept.good_rows, kept.good_systems, kept.good_certificates) == (2, 1, 1)
    inv = _load(tmp_path, kept.yaml_text)
    assert [s.id for s in inv.systems] == ["mot-cua"]
    assert [c.id for c in inv.signature_certificates] == ["sa-thay-chu-tich"]


def test_yes_and_no_cells(tmp_path: Path) -> None:
    words = ["có", "X", "Đã triển khai", "không", "Chưa", None, True, False]
    systems = [_system(id=f"s{i}", protection_plan_deployed=w) for i, w in enumerate(words)]
    result = importer.import_sites(_xlsx(tmp_path / "ds.xlsx", systems, None))
    assert result.problems == []
    deployed = [s.protection_plan_deployed for s in _load(tmp_path, result.yaml_text).systems]
    assert deployed == [True, True, True, False, False, None, True, False]


def test_an_unknown_header_of_the_systems_sheet_stops_the_import(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_xlsx(tmp_path / "ds.xlsx", [_system()], None))
    book["Hệ thống"].cell(2, 4, "Mức độ")  # instead of "Cấp độ"
    book.save(tmp_path / "ds.xlsx")
    with pytest.raises(importer.SheetError) as raised:
        importer.import_sites(tmp_path / "ds.xlsx")
    assert str(raised.value).splitlines() == [
        f"{tmp_path / 'ds.xlsx'}: trang / sheet 'Hệ thống': dòng / row 2: cột / column 4 "
        "'Mức độ': không rõ / unknown header",
        f"{tmp_path / 'ds.xlsx'}: trang / sheet 'Hệ thống': dòng / row 2: thiếu cột / missing "
        "columns: Cấp độ (security_level)",
    ]


def test_csv_files_with_english_headers_through_the_command(tmp_path: Path) -> None:
    """``--systems`` and ``--certificates`` read files of their own, with the field names as
    headers; a bad row refuses the import, ``--skip-bad`` writes the good ones."""
    sites = _xlsx(tmp_path / "ds.xlsx", None, None)
    systems = tmp_path / "he-thong.csv"
    with systems.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(
            ["id", "name", "security_level", "decision", "approved_on", "communes", "notes"]
        )
        writer.writerow(["mot-cua", "Một cửa điện tử", "4", "125/QĐ-UBND", "2025-08-15", "", ""])
    certificates = tmp_path / "chung-thu.csv"
    with certificates.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "holder", "commune_code", "serial", "not_after", "agency"])
        writer.writerow(["ct-1", "Nguyễn Văn An", "23527", "5401", "31/12/2026", "so_khcn"])
        writer.writerow(["ct-2", "Trần Thị Bình", "23534", "", "30/06/2027", "UBND xã"])
        writer.writerow(["ct-3", "Lê Văn Cường", "23527", "", "1/13/2027", ""])
    out = tmp_path / "inventory.yaml"
    args = (
        *("collector", "import-inventory", str(sites), "--out", str(out)),
        *("--systems", str(systems), "--certificates", str(certificates)),
    )
    refused = sansang(*args)
    assert refused.returncode == 2 and not out.exists()
    assert f"{certificates}: dòng / row 4: Ngày hết hạn (not_after): '1/13/2027'" in (
        refused.stderr
    )
    assert "1 bad rows, nothing written" in refused.stderr
    written = sansang(*args, "--skip-bad")
    assert written.returncode == 1, written.stderr
    assert "wrote 2 sites, 1 systems, 2 certificates, bỏ qua / skipped 1 bad rows" in (
        written.stdout
    )
    checked = sansang("collector", "check-inventory", str(out))
    assert checked.returncode == 0, checked.stderr
    inv = model.load(out)
    (one_stop,) = inv.systems
    assert (one_stop.security_level, one_stop.approved_on) == (4, date(2025, 8, 15))
    assert [(c.id, c.agency) for c in inv.signature_certificates] == [
        ("ct-1", "so_khcn"),
        ("ct-2", "ubnd_xa"),
    ]


def test_the_inventory_doc_names_every_column_of_the_two_sheets() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "inventory.md").read_text("utf-8")
    for section in sheets.SECTIONS:
        assert re.search(rf"`{section.key}`", text), section.key
        for column in section.columns:
            assert f"`{column.vi}`" in text and f"`{column.key}`" in text, column.label
