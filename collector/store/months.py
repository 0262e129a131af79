"""Findings kept per calendar month (tables ``months``, ``month_findings``, ``month_dead_zones``,
migration 0005): what :class:`collector.periods.MonthFindings` holds, written whole and read back
equal (a :class:`Finding` read back is the one saved: tuples for evidence and refs, the
threshold and details as JSON).

A month's findings are rows in the order evaluated, the sites' then the province's (site
``PROVINCE_SITE``); its coverage dead-zone places are copies of the survey points (every field),
so the month reads the same whatever happens to the survey table later.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, delete, func, select

from collector.findings import PROVINCE_SITE, Evidence, Finding, Window
from collector.periods import Month, MonthFindings
from collector.store.queries import dumps
from collector.store.schema import month_dead_zones, month_findings, months
from collector.survey import SurveyPoint

CHUNK = 5000  # rows inserted per statement


@dataclass(frozen=True)
class MonthEntry:
    """A kept month without its findings: the API's list of months, the loop's bookkeeping."""

    month: Month
    evaluated_at: float
    window: Window
    closed: bool
    inventory_version: str
    catalogue_version: str


def _finding_row(month: str, position: int, f: Finding) -> dict[str, Any]:
    return {
        "month": month,
        "position": position,
        "target": f.target,
        "site": f.site,
        "status": f.status,
        "value": f.value,
        "threshold": None if f.threshold is None else dumps(f.threshold),
        "unit": f.unit,
        "window_start": f.window.start,
        "window_end": f.window.end,
        "vi": f.vi,
        "en": f.en,
        "cause": f.cause,
        "details": dumps(dict(f.details)),
        "evidence": dumps(
            [{"kind": e.kind, "vi": e.vi, "en": e.en, "refs": list(e.refs)} for e in f.evidence]
        ),
    }


def _finding(row: Any) -> Finding:
    threshold = None if row.threshold is None else orjson.loads(row.threshold)
    evidence = tuple(
        Evidence(e["kind"], e["vi"], e["en"], tuple(e["refs"])) for e in orjson.loads(row.evidence)
    )
    return Finding(
        target=row.target,
        site=row.site,
        status=row.status,
        value=row.value,
        threshold=threshold,
        unit=row.unit,
        window=Window(row.window_start, row.window_end),
        vi=row.vi,
        en=row.en,
        evidence=evidence,
        cause=row.cause,
        details=orjson.loads(row.details),
    )


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i : i + CHUNK]


def save(engine: Engine, kept: MonthFindings) -> None:
    """Replace the month's stored evaluation with ``kept``, in one transaction."""
    key = str(kept.month)
    every = [*kept.findings, *kept.province_findings]
    rows = [_finding_row(key, i, f) for i, f in enumerate(every)]
    points = [
        {"month": key, "position": i, **dataclasses.asdict(p)}
        for i, p in enumerate(kept.dead_zone_points)
    ]
    head = {
        "month": key,
        "evaluated_at": kept.evaluated_at,
        "window_start": kept.window.start,
        "window_end": kept.window.end,
        "closed": kept.closed,
        "inventory_version": kept.inventory_version,
        "catalogue_version": kept.catalogue_version,
        "extra": dumps(dict(kept.extra)),
    }
    with engine.begin() as conn:
        for table in (month_findings, month_dead_zones, months):
            conn.execute(delete(table).where(table.c.month == key))
        conn.execute(months.insert(), [head])
        for chunk in _chunks(rows):
            conn.execute(month_findings.insert(), chunk)
        for chunk in _chunks(points):
            conn.execute(month_dead_zones.insert(), chunk)


_ENTRY_COLUMNS = (
    months.c.month,
    months.c.evaluated_at,
    months.c.window_start,
    months.c.window_end,
    months.c.closed,
    months.c.inventory_version,
    months.c.catalogue_version,
)


def _entry(row: Any) -> MonthEntry:
    return MonthEntry(
        Month.parse(row.month),
        row.evaluated_at,
        Window(row.window_start, row.window_end),
        bool(row.closed),
        row.inventory_version,
        row.catalogue_version,
    )


def entries(engine: Engine) -> list[MonthEntry]:
    """Every kept month, newest first ('YYYY-MM' sorts as the calendar does)."""
    stmt = select(*_ENTRY_COLUMNS).order_by(months.c.month.desc())
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(stmt)]


def load(engine: Engine, month: Month) -> MonthFindings | None:
    key = str(month)
    with engine.connect() as conn:
        head = conn.execute(
            select(*_ENTRY_COLUMNS, months.c.extra).where(months.c.month == key)
        ).first()
        if head is None:
            return None
        found = [
            _finding(r)
            for r in conn.execute(
                select(month_findings)
                .where(month_findings.c.month == key)
                .order_by(month_findings.c.position)
            )
        ]
        points = _points(conn, key)
    entry = _entry(head)
    return MonthFindings(
        month=month,
        evaluated_at=entry.evaluated_at,
        window=entry.window,
        findings=tuple(f for f in found if f.site != PROVINCE_SITE),
        province_findings=tuple(f for f in found if f.site == PROVINCE_SITE),
        dead_zone_points=tuple(points),
        inventory_version=entry.inventory_version,
        catalogue_version=entry.catalogue_version,
        closed=entry.closed,
        extra=dict(orjson.loads(head.extra)),
    )


def _points(conn: Connection, key: str) -> list[SurveyPoint]:
    names = [f.name for f in dataclasses.fields(SurveyPoint)]
    stmt = (
        select(*(month_dead_zones.c[n] for n in names))
        .where(month_dead_zones.c.month == key)
        .order_by(month_dead_zones.c.position)
    )
    return [SurveyPoint(**r._asdict()) for r in conn.execute(stmt)]


def site_findings(
    engine: Engine, site: str, wanted: Collection[Month]
) -> dict[Month, list[Finding]]:
    """``site``'s findings in each of the ``wanted`` months kept (one query, the site's index)."""
    if not wanted:
        return {}
    keys = sorted(str(m) for m in wanted)
    stmt = (
        select(month_findings)
        .where(and_(month_findings.c.site == site, month_findings.c.month.in_(keys)))
        .order_by(month_findings.c.month, month_findings.c.position)
    )
    found: dict[Month, list[Finding]] = {}
    with engine.connect() as conn:
        for r in conn.execute(stmt):
            found.setdefault(Month.parse(r.month), []).append(_finding(r))
    return found


def tallies(engine: Engine, wanted: Collection[Month]) -> dict[Month, dict[str, Counter[str]]]:
    """Per month and target: the sites' findings counted by status (the board's trend; the
    province's own findings are not counted, as in a rollup)."""
    if not wanted:
        return {}
    keys = sorted(str(m) for m in wanted)
    t = month_findings
    stmt = (
        select(t.c.month, t.c.target, t.c.status, func.count())
        .where(and_(t.c.month.in_(keys), t.c.site != PROVINCE_SITE))
        .group_by(t.c.month, t.c.target, t.c.status)
    )
    found: dict[Month, dict[str, Counter[str]]] = {}
    with engine.connect() as conn:
        for month, target, status, n in conn.execute(stmt):
            counts = found.setdefault(Month.parse(month), {}).setdefault(target, Counter())
            counts[status] += int(n)
    return found
