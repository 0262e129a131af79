"""The province's indicators for the central steering committee's dashboard (RPT-CENTRAL): a
machine export (CSV or JSON) of one month's :class:`MonthReport`, each sansang target turned into
the dashboard's indicator by a mapping file the province can edit.

    mapping = load_mapping(None)          # the shipped default (central_mapping.yaml beside this)
    data = export(report, "json", mapping)

The format is documented in ``docs/central-export.md``; :data:`FORMAT_ID` names its version.
A mapping's problems (an unknown target, a measure that is not one of :data:`MEASURES`, a code
listed twice) raise :class:`sansang.configfile.ConfigError` naming the file, the line and the
field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from collector.evaluate.model import Status
from collector.report.content import MonthReport, ProvinceLine, Tally
from collector.targets import load_catalogue
from sansang.configfile import Location, load_model
from sansang.i18n import ZONE
from sansang.models import StrictModel

DEFAULT_MAPPING = Path(__file__).with_name("central_mapping.yaml")
FORMAT_ID = "sansang.central-export/1"
CentralFormat = Literal["csv", "json"]
CENTRAL_FORMATS: tuple[CentralFormat, ...] = ("csv", "json")
Measure = Literal["share_met", "count_met", "count_not_met", "province_status"]
MEASURES: tuple[Measure, ...] = ("share_met", "count_met", "count_not_met", "province_status")

CSV_COLUMNS = (
    "province_code",
    "province_name",
    "month",
    "indicator_code",
    "indicator_name",
    "target",
    "measure",
    "value",
    "unit",
    "met",
    "not_met",
    "unknown",
    "total",
    "final",
    "evaluated_at",
    "inventory_version",
    "catalogue_version",
    "mapping_version",
)


class Indicator(StrictModel):
    target: str = Field(pattern=r"^[A-Z]+-[A-Z0-9]+$", description="sansang's target id")
    code: str = Field(min_length=1, max_length=80, description="the dashboard's indicator code")
    name: str = Field(min_length=1, description="the dashboard's indicator name (Vietnamese)")
    unit: str = Field(min_length=1, description="as the dashboard writes it: %, xã, ...")
    measure: Measure


class CentralMapping(StrictModel):
    version: str = Field(min_length=1, description="the mapping's own version, in the export")
    dashboard: str = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    sha256: str = Field(default="", description="of the file read (set by load_mapping)")


def _problems(mapping: CentralMapping) -> list[tuple[Location, str]]:
    known = {t.id for t in load_catalogue().targets}
    problems: list[tuple[Location, str]] = []
    codes: set[str] = set()
    for i, ind in enumerate(mapping.indicators):
        if ind.target not in known:
            listed = ", ".join(sorted(known))
            problems.append((("indicators", i, "target"), f"no target '{ind.target}' ({listed})"))
        if ind.code in codes:
            problems.append((("indicators", i, "code"), f"code '{ind.code}' is listed twice"))
        codes.add(ind.code)
    return problems


def load_mapping(path: Path | None) -> CentralMapping:
    """The mapping in ``path``, or the shipped default when None; ConfigError names file:line."""
    path = path or DEFAULT_MAPPING
    mapping = load_model(CentralMapping, path, cross_check=_problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return mapping.model_copy(update={"sha256": digest})


def _province_status(lines: list[ProvinceLine]) -> Status | None:
    """Several lines (OPS-247: one per central system): not met when any is, met when all are."""
    if not lines:
        return None
    statuses = {line.status for line in lines}
    if "not_met" in statuses:
        return "not_met"
    return "met" if statuses == {"met"} else "unknown"


def _value(measure: Measure, tally: Tally, status: Status | None) -> float | int | None:
    if measure == "province_status":
        return {"met": 1, "not_met": 0}.get(status or "unknown")
    if measure == "count_met":
        return tally.met if tally.total else None
    if measure == "count_not_met":
        return tally.not_met if tally.total else None
    judged = tally.met + tally.not_met
    return round(100.0 * tally.met / judged, 1) if judged else None


def indicators(report: MonthReport, mapping: CentralMapping) -> list[dict[str, Any]]:
    """One record per indicator of the mapping, in its order: the figure and the tally behind it
    (a target the month has no findings of: value None, counts 0)."""
    tallies = {t.target: t.tally for t in report.targets}
    lines: dict[str, list[ProvinceLine]] = {}
    for line in report.province:
        lines.setdefault(line.target, []).append(line)
    out: list[dict[str, Any]] = []
    for ind in mapping.indicators:
        if ind.measure == "province_status":
            own = lines.get(ind.target, [])
            tally = Tally(
                sum(1 for x in own if x.status == "met"),
                sum(1 for x in own if x.status == "not_met"),
                sum(1 for x in own if x.status == "unknown"),
            )
            status = _province_status(own)
        else:
            tally, status = tallies.get(ind.target, Tally()), None
        out.append(
            {
                "code": ind.code,
                "name": ind.name,
                "target": ind.target,
                "measure": ind.measure,
                "value": _value(ind.measure, tally, status),
                "unit": ind.unit,
                "met": tally.met,
                "not_met": tally.not_met,
                "unknown": tally.unknown,
                "total": tally.total,
            }
        )
    return out


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, ZONE).isoformat(timespec="seconds")


def _last_day(report: MonthReport) -> str:
    return datetime.fromtimestamp(report.month.end - 1, ZONE).date().isoformat()


def export(report: MonthReport, fmt: CentralFormat, mapping: CentralMapping) -> bytes:
    """The month's indicators as UTF-8 CSV (RFC 4180, a header row) or JSON."""
    rows = indicators(report, mapping)
    if fmt == "json":
        doc = {
            "format": FORMAT_ID,
            "province": {"code": report.province_code, "name": report.province_name},
            "month": str(report.month),
            "period": {"from": f"{report.month}-01", "to": _last_day(report)},
            "final": report.closed,
            "evaluated_at": _iso(report.evaluated_at),
            "generated_at": _iso(report.generated_at),
            "inventory_version": report.inventory_version,
            "catalogue_version": report.catalogue_version,
            "mapping": {
                "version": mapping.version,
                "sha256": mapping.sha256,
                "dashboard": mapping.dashboard,
            },
            "indicators": rows,
        }
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt != "csv":
        raise ValueError(f"'{fmt}' is not a central export format ({', '.join(CENTRAL_FORMATS)})")
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                report.province_code,
                report.province_name,
                str(report.month),
                r["code"],
                r["name"],
                r["target"],
                r["measure"],
                "" if r["value"] is None else r["value"],
                r["unit"],
                r["met"],
                r["not_met"],
                r["unknown"],
                r["total"],
                "true" if report.closed else "false",
                _iso(report.evaluated_at),
                report.inventory_version,
                report.catalogue_version,
                mapping.version,
            ]
        )
    return text.getvalue().encode("utf-8")
