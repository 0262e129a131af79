"""Turn a province's site list (Excel .xlsx or .csv, one row per site) into inventory YAML.

Every bad row is reported with its row number (as the spreadsheet shows it), its column and the
reason; nothing is written while any row is bad unless the caller asks to keep the good ones.
The YAML produced is validated with the inventory model before it is returned, so it always
passes ``sansang collector check-inventory``.
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
from collector.inventory.model import (
    Inventory,
    Site,
    cross_check,
    official_province_name,
)
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

    def render(self, filename: str) -> str:
        where = f"{filename}: dòng / row {self.row}"
        column = f"{self.column}: " if self.column else ""
        return f"{where}: {column}{self.message}"


@dataclass
class Result:
    """What an import found: the YAML of the good rows, and every bad row's problems."""

    yaml_text: str | None
    good_rows: int
    problems: list[RowProblem] = field(default_factory=list)


# -- reading ------------------------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[cols.Column], Iterator[tuple[int, Sequence[Any]]]]:
    """The known columns of the header row, and the data rows after it with their numbers."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    else:
        raise SheetError(f"{path}: cần tệp .xlsx hoặc .csv / expected an .xlsx or .csv file")
    for number, values in rows:
        if any(cols.normalise(str(v)) in cols.BY_HEADER for v in values if v is not None):
            return _header(path, number, values), rows
    raise SheetError(
        f"{path}: không thấy dòng tiêu đề / no header row (a row with 'Mã xã' or 'commune_code')"
    )


def _csv_rows(path: Path) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise SheetError(f"{path}: không đọc được / cannot read: {err}") from err
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in a Vietnamese locale writes ';'
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return ((reader.line_num, row) for row in reader)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        import openpyxl
    except ImportError as err:  # the agent's install has no collector extra
        raise SheetError(f"{path}: .xlsx needs openpyxl: pip install 'sansang[collector]'") from err
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        raise SheetError(f"{path}: không đọc được / cannot read: {err}") from err
    try:  # read it all and close: a read-only workbook keeps the file open until closed
        values = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    return iter(list(enumerate(values, start=1)))


def _header(path: Path, number: int, values: Sequence[Any]) -> list[cols.Column]:
    """The column of each position; unknown headers and missing required columns are errors."""
    found: list[cols.Column] = []
    problems: list[str] = []
    for position, value in enumerate(values, start=1):
        name = cols.normalise(str(value)) if value is not None else ""
        column = cols.BY_HEADER.get(name)
        if column is not None and column in found:
            problems.append(f"cột / column {position} '{value}': lặp lại / repeats {column.label}")
        if column is not None:
            found.append(column)
        elif name and name not in cols.IGNORED:
            problems.append(f"cột / column {position} '{value}': không rõ / unknown header")
        else:
            found.append(cols.Column("", "", ()))  # ignored or empty: a placeholder
    missing = [c.label for c in cols.COLUMNS if c.required and c not in found]
    if missing:
        problems.append("thiếu cột / missing columns: " + ", ".join(missing))
    if problems:
        lines = [f"{path}: dòng / row {number}: {p}" for p in problems]
        raise SheetError("\n".join(lines))
    return found


# -- one row -> one site mapping -----------------------------------------------------------------


def _put(target: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = target
    for part, following in itertools.pairwise(path):
        default: Any = [{}] if isinstance(following, int) else {}
        node = node.setdefault(part, default) if isinstance(node, dict) else node[part]
    node[path[-1]] = value


def build_site(
    row: int, header: list[cols.Column], values: Sequence[Any]
) -> tuple[dict[str, Any], list[RowProblem]]:
    """The site mapping of one row, and the problems of its cells."""
    site: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for column, value in zip(header, values, strict=False):
        if not column.key or cols.is_blank(value):
            continue
        try:
            _put(site, column.path, cols.convert(column, value))
        except cols.CellError as err:
            problems.append(RowProblem(row, column.label, str(err)))
    present = {c for c, v in zip(header, values, strict=False) if c.key and not cols.is_blank(v)}
    for column in cols.COLUMNS:
        if column.required and column not in present and not _has_problem(problems, column):
            problems.append(RowProblem(row, column.label, "ô trống / empty, but required"))
    _finish(site)
    return site, problems


def _has_problem(problems: list[RowProblem], column: cols.Column) -> bool:
    return any(p.column == column.label for p in problems)


def _finish(site: dict[str, Any]) -> None:
    """Fill what a row implies: the HNTH terminal's id and kind, the UPS id, each plan's kind and
    the responder of every plan."""
    for terminal in site.get("terminals", []):
        terminal.update(id="hnth", name="Điểm cầu HNTH", kind="video_conference")
    for ups in site.get("ups", []):
        ups["id"] = "ups-1"
    responder = site.pop("responder", None)
    for risk, plan in site.get("contingency", {}).items():
        plan.setdefault("fallback", {})["kind"] = cols.FALLBACK_KIND[risk]
        if responder is not None:
            plan["responder"] = dict(responder)


def _column_of(loc: tuple[int | str, ...]) -> str:
    """The label of the column an error location of the site model comes from."""
    if len(loc) >= 3 and loc[0] == "contingency" and loc[2] == "responder":
        loc = loc[2:]
    best: cols.Column | None = None
    for column in cols.COLUMNS:
        n = len(column.path)
        if loc[:n] == column.path and (best is None or n > len(best.path)):
            best = column
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
    try:
        Site.model_validate(site)
    except ValidationError as err:
        found = [
            RowProblem(row, _column_of(tuple(e["loc"])), _message(dict(e))) for e in err.errors()
        ]
        return list(dict.fromkeys(found))  # the responder's problems come once per plan
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


def _in_order(problems: list[RowProblem]) -> list[RowProblem]:
    """By row, then in the order of the columns."""
    return sorted(problems, key=lambda p: (p.row, _ORDER.get(p.column, -1)))


def _first_per_cell(problems: list[RowProblem]) -> list[RowProblem]:
    kept: dict[tuple[int, str], RowProblem] = {}
    for p in problems:
        kept.setdefault((p.row, p.column), p)
    return list(kept.values())


def import_sites(path: Path, *, province: str | None = None, skip_bad: bool = False) -> Result:
    """Read the file; the YAML is None when any row is bad (unless ``skip_bad``) or none is good."""
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
    if not checked:
        if not problems:
            raise SheetError(f"{path}: không có dòng dữ liệu / no data rows under the header")
        return Result(None, 0, _in_order(problems))
    code = _province(checked, province)
    problems += _province_problems(checked, code) + _duplicates(checked)
    bad = {p.row for p in problems}
    good = [(row, site) for row, site in checked if row not in bad]
    problems = _in_order(problems)
    if not good or (problems and not skip_bad):
        return Result(None, len(good), problems)
    return Result(to_yaml(code, [site for _, site in good], path), len(good), problems)


def to_yaml(code: str, sites: list[dict[str, Any]], source: Path) -> str:
    """The inventory file of these sites; validated before it is returned."""
    document = {
        "province": {"code": code, "name": official_province_name(code)},
        "sites": sites,
        "systems": [],
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
