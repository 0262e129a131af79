"""Turn a province's site list (Excel .xlsx or .csv, one row per site) into inventory YAML.

Every bad row is reported with its row number (as the spreadsheet shows it), its column and the
reason; nothing is written while any row is bad unless the caller asks to keep the good ones.
The YAML produced is validated with the inventory model before it is returned, so it always
passes ``sansang collector check-inventory``.

A row's focal point and team cells go to its commune's ``response_teams`` entry: written once per
commune, the rows of one commune must not disagree.  Drills the province held for many communes
come from the workbook's sheet named ``Diễn tập`` (or ``drills``), or from a file of their own
(``drills=``, e.g. a .csv), one row per drill (:data:`columns.DRILL_COLUMNS`).  The province's
information systems and the officials' signature certificates come the same way from the sheets
``Hệ thống`` and ``Chứng thư số`` (``systems=``, ``certificates=``; :mod:`.sheets`): each row
passes its model, ids are unique and the communes named are the province's.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML

from collector.inventory import columns as cols
from collector.inventory import sheets
from collector.inventory.model import (
    Inventory,
    Site,
    cross_check,
    official_province_name,
)
from collector.inventory.readiness import ProvinceDrill, ResponseTeam
from sansang import communes
from sansang.configfile import validate_text
from sansang.errors import SansangError

Row = tuple[int, dict[cols.Column, Any]]  # sheet row number, value of each known column


class SheetError(SansangError):
    """The file cannot be imported at all (unreadable, no header, a required column missing)."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the column's label, "" for the row as a whole
    message: str
    sheet: str = ""  # the workbook's other sheet (drills, systems...); "" for the site list
    file: str = ""  # the file of drills (systems...) given apart; "" for the site list's file

    def render(self, filename: str) -> str:
        sheet = f": trang / sheet '{self.sheet}'" if self.sheet else ""
        where = f"{self.file or filename}{sheet}: dòng / row {self.row}"
        column = f"{self.column}: " if self.column else ""
        return f"{where}: {column}{self.message}"

    @property
    def of_site(self) -> bool:
        """A problem of the site list (not of the drills, systems or certificates)."""
        return not self.sheet and not self.file


@dataclass
class Result:
    """What an import found: the YAML of the good rows, and every bad row's problems."""

    yaml_text: str | None
    good_rows: int
    problems: list[RowProblem] = field(default_factory=list)
    good_drills: int = 0
    good_systems: int = 0
    good_certificates: int = 0

    @property
    def bad_rows(self) -> int:
        """Rows with a problem, of the site list and of the other sheets."""
        return len({(p.file, p.sheet, p.row) for p in self.problems})


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of sheet, and the header that tells its header row."""

    columns: tuple[cols.Column, ...]
    by_header: dict[str, cols.Column]
    first: str  # named when no header row is found


SITES = Layout(cols.COLUMNS, cols.BY_HEADER, "'Mã xã' or 'commune_code'")
DRILLS = Layout(cols.DRILL_COLUMNS, cols.DRILL_BY_HEADER, "'Ngày diễn tập' or 'held_on'")


# -- reading ------------------------------------------------------------------------------------


def read_rows(
    path: Path, layout: Layout = SITES, sheet: str | None = None
) -> tuple[list[cols.Column], Iterator[tuple[int, Sequence[Any]]]]:
    """The known columns of the header row, and the data rows after it with their numbers;
    ``sheet``: the workbook's sheet of that name (default: the first)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, sheet)
    else:
        raise SheetError(f"{path}: cần tệp .xlsx hoặc .csv / expected an .xlsx or .csv file")
    where = f"{path}" + (f": trang / sheet '{sheet}'" if sheet else "")
    for number, values in rows:
        if any(cols.normalise(str(v)) in layout.by_header for v in values if v is not None):
            return _header(where, number, values, layout), rows
    raise SheetError(
        f"{where}: không thấy dòng tiêu đề / no header row (a row with {layout.first})"
    )


def drill_sheet(path: Path) -> str | None:
    """The name of the workbook's sheet of drills (``Diễn tập``), or None."""
    return find_sheet(path, cols.DRILL_SHEETS)


def find_sheet(path: Path, names: frozenset[str]) -> str | None:
    """The name of the workbook's sheet, after the first (the site list), whose name is one of
    ``names`` (normalised), or None."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    book = _open_book(path)
    try:
        found = list(book.sheetnames)
    finally:
        book.close()
    return next((n for n in found[1:] if cols.normalise(n) in names), None)


def _csv_rows(path: Path) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise SheetError(f"{path}: không đọc được / cannot read: {err}") from err
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in a Vietnamese locale writes ';'
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return ((reader.line_num, row) for row in reader)


def _open_book(path: Path) -> Any:
    try:
        import openpyxl
    except ImportError as err:  # the agent's install has no collector extra
        raise SheetError(f"{path}: .xlsx needs openpyxl: pip install 'sansang[collector]'") from err
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        raise SheetError(f"{path}: không đọc được / cannot read: {err}") from err


def _xlsx_rows(path: Path, sheet: str | None = None) -> Iterator[tuple[int, Sequence[Any]]]:
    book = _open_book(path)
    try:  # read it all and close: a read-only workbook keeps the file open until closed
        found = book[sheet] if sheet is not None else book.worksheets[0]
        values = [list(row) for row in found.iter_rows(values_only=True)]
    finally:
        book.close()
    return iter(list(enumerate(values, start=1)))


def _header(where: str, number: int, values: Sequence[Any], layout: Layout) -> list[cols.Column]:
    """The column of each position; unknown headers and missing required columns are errors."""
    found: list[cols.Column] = []
    problems: list[str] = []
    for position, value in enumerate(values, start=1):
        name = cols.normalise(str(value)) if value is not None else ""
        column = layout.by_header.get(name)
        if column is not None and column in found:
            problems.append(f"cột / column {position} '{value}': lặp lại / repeats {column.label}")
        if column is not None:
            found.append(column)
        elif name and name not in cols.IGNORED:
            problems.append(f"cột / column {position} '{value}': không rõ / unknown header")
        else:
            found.append(cols.Column("", "", ()))  # ignored or empty: a placeholder
    missing = [c.label for c in layout.columns if c.required and c not in found]
    if missing:
        problems.append("thiếu cột / missing columns: " + ", ".join(missing))
    if problems:
        lines = [f"{where}: dòng / row {number}: {p}" for p in problems]
        raise SheetError("\n".join(lines))
    return found


# -- one row -> one site mapping -----------------------------------------------------------------


def _put(target: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = target
    for part, following in itertools.pairwise(path):
        default: Any = [{}] if isinstance(following, int) else {}
        node = node.setdefault(part, default) if isinstance(node, dict) else node[part]
    node[path[-1]] = value


def _build(
    row: int, header: list[cols.Column], values: Sequence[Any], layout: Layout
) -> tuple[dict[str, Any], list[RowProblem]]:
    """The mapping of one row, and the problems of its cells."""
    found: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for column, value in zip(header, values, strict=False):
        if not column.key or cols.is_blank(value):
            continue
        try:
            _put(found, column.path, cols.convert(column, value))
        except cols.CellError as err:
            problems.append(RowProblem(row, column.label, str(err)))
    present = {c for c, v in zip(header, values, strict=False) if c.key and not cols.is_blank(v)}
    for column in layout.columns:
        if column.required and column not in present and not _has_problem(problems, column):
            problems.append(RowProblem(row, column.label, "ô trống / empty, but required"))
    return found, problems


def build_site(
    row: int, header: list[cols.Column], values: Sequence[Any]
) -> tuple[dict[str, Any], list[RowProblem]]:
    """The site mapping of one row (its team cells under ``columns.TEAM``), and the problems
    of its cells."""
    site, problems = _build(row, header, values, SITES)
    _finish(site)
    return site, problems


def build_drill(
    row: int, header: list[cols.Column], values: Sequence[Any]
) -> tuple[dict[str, Any], list[RowProblem]]:
    """The drill mapping of one row of the drills' sheet, and the problems of its cells."""
    drill, problems = _build(row, header, values, DRILLS)
    if drill.get("communes") is True:  # "tất cả": every site of the province
        drill["communes"] = None
        drill["all_sites"] = True
    return drill, problems


def _has_problem(problems: list[RowProblem], column: cols.Column) -> bool:
    return any(p.column == column.label for p in problems)


def _finish(site: dict[str, Any]) -> None:
    """Fill what a row implies: the HNTH terminal's id and kind, the UPS id, each plan's kind and
    the responder of every plan that is written (a row's responder cells without any plan say
    nothing); a risk with only its level given has no plan yet (``missing``)."""
    for terminal in site.get("terminals", []):
        terminal.update(id="hnth", name="Điểm cầu HNTH", kind="video_conference")
    for ups in site.get("ups", []):
        ups["id"] = "ups-1"
    responder = site.pop("responder", None)
    for risk, plan in site.get("contingency", {}).items():
        if "status" not in plan and set(plan) <= {"risk_level"}:
            plan["status"] = "missing"
        if "fallback" in plan:
            plan["fallback"]["kind"] = cols.FALLBACK_KIND[risk]
        if responder is not None and plan.get("status") != "missing":
            plan["responder"] = dict(responder)


def _column_of(loc: tuple[int | str, ...], columns: tuple[cols.Column, ...] = cols.COLUMNS) -> str:
    """The label of the column an error location of the model comes from: the deepest column
    holding it, else the first inside it (a missing ``fallback``: its text's column)."""
    if len(loc) >= 3 and loc[0] == "contingency" and loc[2] == "responder":
        loc = loc[2:]
    best: cols.Column | None = None
    for column in columns:
        n = len(column.path)
        if loc[:n] == column.path and (best is None or n > len(best.path)):
            best = column
    if best is None and loc:
        best = next((c for c in columns if c.path[: len(loc)] == loc), None)
    if best is None and (not loc or loc[0] in ("pull", "push")):
        return "Địa chỉ agent / Mã xác thực đẩy (pull_url / push_credential)"
    return best.label if best is not None else ""


def _message(error: dict[str, Any]) -> str:
    msg = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if error["type"] == "missing":
        return "ô trống / empty, but required"
    if error["type"] not in ("value_error", "assertion_error"):
        msg = f"{msg} (found {error.get('input')!r})"
    return msg


def check_site(row: int, site: dict[str, Any]) -> list[RowProblem]:
    """The site's problems, and those of its commune's team cells (``columns.TEAM``)."""
    found: list[RowProblem] = []
    team = site.get(cols.TEAM)
    try:
        Site.model_validate({k: v for k, v in site.items() if k != cols.TEAM})
    except ValidationError as err:
        found += [
            RowProblem(row, _column_of(tuple(e["loc"])), _message(dict(e))) for e in err.errors()
        ]
    if team is not None:
        try:
            ResponseTeam.model_validate({**team, "commune_code": site.get("commune_code")})
        except ValidationError as err:
            found += [
                RowProblem(row, _column_of((cols.TEAM, *e["loc"])), _message(dict(e)))
                for e in err.errors()
                if tuple(e["loc"]) != ("commune_code",)  # the site's own problem
            ]
    return list(dict.fromkeys(found))  # the responder's problems come once per plan


_DRILL_COMMUNES = next(c.label for c in cols.DRILL_COLUMNS if c.key == "communes")


def check_drill(row: int, drill: dict[str, Any]) -> list[RowProblem]:
    """The drill's problems; one of the drill as a whole (who took part) is its communes'."""
    try:
        ProvinceDrill.model_validate(drill)
    except ValidationError as err:
        found = []
        for e in err.errors():
            loc = tuple(e["loc"])
            column = _column_of(loc, cols.DRILL_COLUMNS) if loc else _DRILL_COMMUNES
            found.append(RowProblem(row, column, _message(dict(e))))
        return list(dict.fromkeys(found))
    return []


# -- the whole file ------------------------------------------------------------------------------


def _province(sites: list[tuple[int, dict[str, Any]]], code: str | None) -> str:
    """The province's code: as given, else the one most good rows' communes are in."""
    if code is not None:
        if official_province_name(code) is None:
            raise SheetError(f"--province '{code}': không có mã tỉnh này / no such province")
        return code
    found = Counter(
        commune.province_code
        for _, site in sites
        if (commune := communes.lookup(str(site.get("commune_code")))) is not None
    ).most_common()
    if not found or (len(found) > 1 and found[0][1] == found[1][1]):
        listed = ", ".join(f"'{c}' ({n} rows)" for c, n in found) or "none"
        raise SheetError(
            "không xác định được tỉnh / cannot tell the province (found: "
            f"{listed}); give it with --province CODE"
        )
    return found[0][0]


def _province_problems(rows: list[tuple[int, dict[str, Any]]], code: str) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for row, site in rows:
        commune = communes.lookup(str(site["commune_code"]))
        if commune is not None and commune.province_code != code:
            message = (
                f"xã '{commune.code}' ({commune.name}) thuộc / is in {commune.province_name}, "
                f"not in province '{code}' ({official_province_name(code)})"
            )
            problems.append(RowProblem(row, "Mã xã (commune_code)", message))
    return problems


def _duplicates(rows: list[tuple[int, dict[str, Any]]]) -> list[RowProblem]:
    seen: dict[tuple[str, str], int] = {}
    problems: list[RowProblem] = []
    for row, site in rows:
        key = (str(site["commune_code"]), str(site.get("site_id", "main")))
        if key in seen:
            where = f"'{key[0]}-{key[1]}'"
            message = f"điểm / site {where} đã có ở dòng / is already on row {seen[key]}"
            problems.append(RowProblem(row, "Mã điểm (site_id)", message))
        seen.setdefault(key, row)
        cred = site.get("push", {}).get("credential_id")
        if cred is not None:
            ckey = ("push", str(cred))
            if ckey in seen:
                message = f"'{cred}' đã dùng ở dòng / is already used on row {seen[ckey]}"
                problems.append(RowProblem(row, "Mã xác thực đẩy (push_credential)", message))
            seen.setdefault(ckey, row)
    return problems


_ORDER = {c.label: i for i, c in enumerate(cols.COLUMNS)}
_OTHER_ORDER = {
    c.label: i
    for i, c in enumerate((*cols.DRILL_COLUMNS, *(c for s in sheets.SECTIONS for c in s.columns)))
}


def _in_order(problems: list[RowProblem]) -> list[RowProblem]:
    """The site list first, then the other sheets; by row, then in the order of the columns."""

    def key(p: RowProblem) -> tuple[bool, str, str, int, int]:
        order = (_ORDER if p.of_site else _OTHER_ORDER).get(p.column, -1)
        return (not p.of_site, p.file, p.sheet, p.row, order)

    return sorted(problems, key=key)


def _first_per_cell(problems: list[RowProblem]) -> list[RowProblem]:
    kept: dict[tuple[int, str], RowProblem] = {}
    for p in problems:
        kept.setdefault((p.row, p.column), p)
    return list(kept.values())


def _teams(rows: list[tuple[int, dict[str, Any]]]) -> tuple[dict[str, int], list[RowProblem]]:
    """The row that gives each commune's team (the first), and the rows that give another."""
    first: dict[str, int] = {}
    given: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for row, site in rows:
        team = site.get(cols.TEAM)
        if team is None:
            continue
        code = str(site["commune_code"])
        if code in given and given[code] != team:
            message = (
                f"xã '{code}' đã có đầu mối, đội ứng cứu khác ở dòng / the commune's focal point "
                f"and team are already given, differently, on row {first[code]}"
            )
            problems.append(RowProblem(row, "Đội ứng cứu: thành viên (team_members)", message))
        given.setdefault(code, team)
        first.setdefault(code, row)
    return first, problems


@dataclass(frozen=True)
class SheetRow:
    """A good row of another sheet (drills, systems, certificates), and where it is (as
    :class:`RowProblem` names it)."""

    row: int
    sheet: str
    file: str
    item: dict[str, Any]

    def problem(self, message: str, column: str = _DRILL_COMMUNES) -> RowProblem:
        return RowProblem(self.row, column, message, self.sheet, self.file)

    @property
    def where(self) -> str:
        """The row as another row's problem names it."""
        if self.file:
            return f"{self.file}: dòng / row {self.row}"
        return f"trang / sheet '{self.sheet}': dòng / row {self.row}"


Source = tuple[Path, str | None, str, str]  # file, its sheet to read, the problem's sheet, file


def _sources(path: Path, given: Path | None, names: frozenset[str]) -> list[Source]:
    """The workbook's sheet of one of ``names``, and the file given apart."""
    sources: list[Source] = []
    sheet = find_sheet(path, names)
    if sheet is not None:
        sources.append((path, sheet, sheet, ""))
    if given is not None:
        sources.append((given, None, "", str(given)))
    return sources


def _drill_rows(path: Path, drills: Path | None) -> tuple[list[SheetRow], list[RowProblem]]:
    """The drills of the workbook's sheet ``Diễn tập`` and of the file ``drills``, checked."""
    good: list[SheetRow] = []
    problems: list[RowProblem] = []
    for source, name, where_sheet, where_file in _sources(path, drills, cols.DRILL_SHEETS):
        header, rows = read_rows(source, DRILLS, name)
        for row, values in rows:
            if all(cols.is_blank(v) for v in values):
                continue
            drill, cell_problems = build_drill(row, header, values)
            found = _first_per_cell(cell_problems + check_drill(row, drill))
            problems += [
                RowProblem(p.row, p.column, p.message, where_sheet, where_file) for p in found
            ]
            if not found:
                good.append(SheetRow(row, where_sheet, where_file, drill))
    return good, problems


def _drill_province_problems(drills: list[SheetRow], code: str) -> list[RowProblem]:
    """Each drill's communes in the province, and each listed once."""
    problems: list[RowProblem] = []
    for where in drills:
        listed: set[str] = set()
        for commune_code in where.item.get("communes") or []:
            commune = communes.lookup(commune_code)
            if commune is not None and commune.province_code != code:
                message = (
                    f"xã '{commune.code}' ({commune.name}) thuộc / is in "
                    f"{commune.province_name}, not in province '{code}' "
                    f"({official_province_name(code)})"
                )
                problems.append(where.problem(message))
            elif commune_code in listed:
                problems.append(where.problem(f"xã / commune '{commune_code}' ghi hai lần / twice"))
            listed.add(commune_code)
    return problems


def check_item(row: int, item: dict[str, Any], section: sheets.Section) -> list[RowProblem]:
    """The problems the section's model finds in one row; one of the row as a whole (no
    location) is the row's."""
    try:
        section.model.model_validate(item)
    except ValidationError as err:
        found = []
        for e in err.errors():
            loc = tuple(e["loc"])
            column = _column_of(loc, section.columns) if loc else ""
            found.append(RowProblem(row, column, _message(dict(e))))
        return list(dict.fromkeys(found))
    return []


def _section_rows(
    path: Path, given: Path | None, section: sheets.Section
) -> tuple[list[SheetRow], list[RowProblem]]:
    """The rows of the section's sheet of the workbook and of the file ``given``, each checked
    with the section's model."""
    layout = Layout(section.columns, section.by_header, section.first)
    good: list[SheetRow] = []
    problems: list[RowProblem] = []
    for source, name, where_sheet, where_file in _sources(path, given, section.sheets):
        header, rows = read_rows(source, layout, name)
        for row, values in rows:
            if all(cols.is_blank(v) for v in values):
                continue
            item, cell_problems = _build(row, header, values, layout)
            found = _first_per_cell(cell_problems + check_item(row, item, section))
            problems += [
                RowProblem(p.row, p.column, p.message, where_sheet, where_file) for p in found
            ]
            if not found:
                good.append(SheetRow(row, where_sheet, where_file, item))
    return good, problems


def _section_problems(rows: list[SheetRow], section: sheets.Section, code: str) -> list[RowProblem]:
    """Each id once in the section (over the sheet and the file), the communes a row names in
    the province and each once (the model's ``cross_check``, named by row)."""
    problems: list[RowProblem] = []
    first: dict[str, SheetRow] = {}
    id_column = section.column("id").label
    communes_column = section.column(section.communes).label
    for where in rows:
        ident = str(where.item["id"])
        if ident in first:
            message = (
                f"{section.what} '{ident}' đã có ở / is already on {first[ident].where}; "
                "give each its own id"
            )
            problems.append(where.problem(message, id_column))
        first.setdefault(ident, where)
        listed: set[str] = set()
        for commune_code in section.communes_of(where.item):
            commune = communes.lookup(commune_code)
            if commune is not None and commune.province_code != code:
                message = (
                    f"xã '{commune.code}' ({commune.name}) thuộc / is in "
                    f"{commune.province_name}, not in province '{code}' "
                    f"({official_province_name(code)})"
                )
                problems.append(where.problem(message, communes_column))
            elif commune_code in listed:
                message = f"xã / commune '{commune_code}' ghi hai lần / twice"
                problems.append(where.problem(message, communes_column))
            listed.add(commune_code)
    return problems


def import_sites(
    path: Path,
    *,
    province: str | None = None,
    skip_bad: bool = False,
    drills: Path | None = None,
    systems: Path | None = None,
    certificates: Path | None = None,
) -> Result:
    """Read the file (and the drills: the workbook's sheet ``Diễn tập``, the file ``drills``;
    the systems: sheet ``Hệ thống``, file ``systems``; the signature certificates: sheet
    ``Chứng thư số``, file ``certificates``); the YAML is None when any row is bad (unless
    ``skip_bad``) or no site row is good."""
    header, rows = read_rows(path)
    checked: list[tuple[int, dict[str, Any]]] = []
    problems: list[RowProblem] = []
    for row, values in rows:
        if all(cols.is_blank(v) for v in values):
            continue
        site, cell_problems = build_site(row, header, values)
        found = _first_per_cell(cell_problems + check_site(row, site))
        problems += found
        if not found:
            checked.append((row, site))
    drill_rows, other_problems = _drill_rows(path, drills)
    given = {sheets.SYSTEMS.key: systems, sheets.CERTIFICATES.key: certificates}
    section_rows: dict[str, list[SheetRow]] = {}
    for section in sheets.SECTIONS:
        section_rows[section.key], found = _section_rows(path, given[section.key], section)
        other_problems += found
    if not checked:
        if not problems:
            raise SheetError(f"{path}: không có dòng dữ liệu / no data rows under the header")
        return Result(None, 0, _in_order(problems + other_problems))
    code = _province(checked, province)
    first_team, team_problems = _teams(checked)
    problems += _province_problems(checked, code) + _duplicates(checked) + team_problems
    bad = {p.row for p in problems if p.of_site}
    good = [(row, site) for row, site in checked if row not in bad]
    other_problems += _drill_province_problems(drill_rows, code)
    for section in sheets.SECTIONS:
        other_problems += _section_problems(section_rows[section.key], section, code)
    bad_others = {(p.sheet, p.file, p.row) for p in other_problems}

    def good_of(rows: list[SheetRow]) -> list[dict[str, Any]]:
        return [d.item for d in rows if (d.sheet, d.file, d.row) not in bad_others]

    good_drills = good_of(drill_rows)
    good_systems = good_of(section_rows[sheets.SYSTEMS.key])
    good_certificates = good_of(section_rows[sheets.CERTIFICATES.key])
    counts = (len(good_drills), len(good_systems), len(good_certificates))
    problems = _in_order(problems + other_problems)
    if not good or (problems and not skip_bad):
        return Result(None, len(good), problems, *counts)
    teams = [
        {"commune_code": str(site["commune_code"]), **site[cols.TEAM]}
        for row, site in good
        if cols.TEAM in site and first_team.get(str(site["commune_code"])) == row
    ]
    sites = [{k: v for k, v in site.items() if k != cols.TEAM} for _, site in good]
    text = to_yaml(
        code,
        sites,
        path,
        teams=teams,
        drills=good_drills,
        systems=good_systems,
        certificates=good_certificates,
    )
    return Result(text, len(good), problems, *counts)


def to_yaml(
    code: str,
    sites: list[dict[str, Any]],
    source: Path,
    *,
    teams: list[dict[str, Any]] | None = None,
    drills: list[dict[str, Any]] | None = None,
    systems: list[dict[str, Any]] | None = None,
    certificates: list[dict[str, Any]] | None = None,
) -> str:
    """The inventory file of these sites (and the communes' teams, the province's drills, its
    information systems and signature certificates); validated before it is returned.  The
    systems are written even when there are none: a province sees the list it has to fill."""
    document = {
        "province": {"code": code, "name": official_province_name(code)},
        "sites": sites,
        "systems": systems or [],
        "signature_certificates": certificates or [],
        "drills": drills or [],
        "response_teams": teams or [],
    }
    # Through the model: keys in the model's order, defaults left out, values in their types.
    plain = Inventory.model_validate(document).model_dump(exclude_defaults=True)
    plain = _yaml_ready(plain)
    plain.setdefault("systems", [])
    out = io.StringIO()
    out.write(f"# Nhập từ / imported from {source.name} on {date.today().isoformat()}.\n")
    out.write("# Kiểm tra / check: sansang collector check-inventory FILE\n")
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.representer.ignore_aliases = lambda _data: True
    yaml.dump(plain, out)
    text = out.getvalue()
    validate_text(Inventory, text, str(source), cross_check=cross_check)
    return text


def _yaml_ready(node: Any) -> Any:
    """Paths as text; everything else as the model dumped it."""
    if isinstance(node, dict):
        return {k: _yaml_ready(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_yaml_ready(v) for v in node]
    if isinstance(node, Path):
        return str(node)
    return node
