"""A realistic monthly report for the report's tests (content, docx, pdf, xlsx, archive, web):
``make run``'s simulated province (20 communes of Quảng Ngãi, seed 1) run headless through the
agent's own code into a real SQLite store across the turn of a month, with coverage survey
points at villages (some tied to a commune, some to none), evaluated month by month with
:func:`collector.evaluate.run.evaluate_all`, and built with :func:`collector.report.content.build`.

    from tests.support.report import simulated_report
    report = simulated_report()  # the MonthReport of 11/2026 (10/2026 the month before)

The simulation runs once per test process (about 40 s); :func:`simulated_province` gives the
parts (store path, inventory, catalogue, both months' findings, survey points) for a test that
builds or stores something of its own.  The history covers the last day of the previous month
(a Saturday) and the first two of the report's month (a Sunday, then a working Monday): each
month's findings are over the part of it the history covers (the month's window clipped to the
history), as a month still open is.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from agent.journal.store import Journal
from collector.evaluate.model import Evaluation, Window
from collector.evaluate.run import evaluate_all
from collector.events import EventIn
from collector.inventory import model as inventory_model
from collector.periods import Month, MonthFindings
from collector.report.content import MonthReport, build
from collector.store import Store
from collector.survey import SurveyPoint
from collector.targets import Catalogue, effective_thresholds, load_catalogue
from simulate import incidents
from simulate.driver import Driver, Progress, SimClock, site_runs
from simulate.files import inventory_data, prepare
from simulate.scenario import Scenario

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MONTH = Month(2026, 11)  # the report's month
PREVIOUS = MONTH.previous()
START = datetime(2026, 10, 31, 0, 0, tzinfo=ZONE).timestamp()  # the history's start
END = datetime(2026, 11, 3, 0, 0, tzinfo=ZONE).timestamp()  # and its end
GENERATED_AT = datetime(2026, 11, 3, 8, 30, tzinfo=ZONE).timestamp()
SITES = 20
SEED = 1
# Coverage survey on the 1st of the report's month: (village, latitude, longitude, operator,
# download Mbit/s, loss, RSRP dBm, RSRQ dB); the tied ones' coordinates are offsets from their
# commune's centre.
_Village = tuple[str, float, float, str, float | None, float | None, float | None, float | None]
_TIED: tuple[_Village, ...] = (
    ("Thôn Đăk Ne", 0.004, -0.003, "Viettel", 1.2, 0.12, -118.0, -16.5),
    ("Làng Tu Rét", -0.006, 0.002, "VinaPhone", 3.4, 0.02, -112.0, -14.0),
    ("Thôn Kon Brăp", 0.002, 0.005, "MobiFone", 25.0, 0.0, -95.0, -9.0),  # above threshold
)
_UNTIED: tuple[_Village, ...] = (
    ("Bản Xốp Dụi", 15.02, 107.93, "Viettel", 0.6, 0.31, -121.0, -18.0),
    ("Thôn Tà Pók", 14.81, 108.05, "MobiFone", None, None, None, None),  # the test failed
    ("Tổ dân phố 3", 15.11, 108.80, "Viettel", 45.0, 0.0, -88.0, -8.0),  # above threshold
)


@dataclass(frozen=True)
class SimulatedProvince:
    """The simulated months, as a report is built from them."""

    store_url: str  # the SQLite store the history went into (events and survey points)
    scenario: Scenario
    inventory: inventory_model.Inventory
    catalogue: Catalogue
    current: MonthFindings
    previous: MonthFindings
    survey: Sequence[SurveyPoint]


async def run_into_store(
    scenario: Scenario, tmp: Path, store: Store, start: float, end: float
) -> None:
    """The scenario's sites run headless through the agent's own code from ``start`` to
    ``end`` (simulated time), every site's journal stored as its agent wrote it, and the
    history's simulated incident log (:func:`simulate.incidents.seed`), as ``make run`` keeps
    it."""
    scenario.plan_history(start, end)
    prepared = prepare(scenario, tmp, collector_listen="127.0.0.1:1")
    clock = SimClock(start)
    runs = site_runs(scenario, prepared.configs, clock)
    await Driver(runs, clock).run_until(end, Progress(), asyncio.Event())
    incidents.seed(store, scenario, runs, start, end, now=end)
    for site in runs:
        await site.stop()
        journal = Journal(site.config.journal.path, boot_id="reader")
        try:
            events = [
                EventIn.model_validate(e.to_json(site.plan.key)) for e in journal.read(0, 10**6)
            ]
            store.insert_events(site.plan.key, journal.journal_id, events, end)
        finally:
            journal.close()


async def simulate_history(
    tmp: Path, store: Store
) -> tuple[Scenario, inventory_model.Inventory, list[SurveyPoint]]:
    """``make run``'s province from :data:`START` to :data:`END` into ``store``: every site's
    journal as its agent wrote it, and the survey points."""
    scenario = Scenario.build(SITES, SEED)
    await run_into_store(scenario, tmp, store, START, END)
    day = datetime.fromtimestamp(END, ZONE).date()
    inventory = inventory_model.Inventory.model_validate(inventory_data(scenario, today=day))
    points = survey_points(inventory)
    store.add_survey_points(points)
    return scenario, inventory, points


def survey_points(inventory: inventory_model.Inventory) -> list[SurveyPoint]:
    """Villages surveyed in the report's month: some near a commune's centre (tied to it), some
    tied to none; most below INF-DZ's threshold, one of each above it."""
    sites = sorted(inventory.sites, key=lambda s: s.key)
    points = []
    for i, village in enumerate(_TIED):
        s = sites[(3 * i + 1) % len(sites)]
        points.append(_point(village, s.key, s.latitude, s.longitude))
    points.extend(_point(village, None) for village in _UNTIED)
    return points


def _point(
    village: _Village, site: str | None, lat0: float = 0.0, lon0: float = 0.0
) -> SurveyPoint:
    label, lat, lon, operator, mbps, loss, rsrp, rsrq = village
    at = datetime(MONTH.year, MONTH.month, 1, 10, 0, tzinfo=ZONE).timestamp()
    down = mbps * 1e6 / 8 if mbps is not None else None  # bytes per second, the agent's unit
    return SurveyPoint(
        label,
        round(lat0 + lat, 5),
        round(lon0 + lon, 5),
        at,
        down,
        2e6 / 8 if down else None,
        loss,
        0.08 if down else None,
        operator=operator,
        technology="LTE",
        site=site,
        rsrp_dbm=rsrp,
        rsrq_db=rsrq,
    )


def month_findings(evaluation: Evaluation, month: Month, *, closed: bool) -> MonthFindings:
    """One month's findings as the store keeps them, from an evaluation over (part of) it."""
    return MonthFindings(
        month=month,
        evaluated_at=evaluation.evaluated_at,
        window=evaluation.window,
        findings=tuple(evaluation.findings),
        province_findings=tuple(evaluation.province_findings),
        dead_zone_points=tuple(evaluation.dead_zone_points),
        inventory_version="sim-inventory",
        catalogue_version="sim-catalogue",
        closed=closed,
    )


def evaluate_months(
    store: Store, inventory: inventory_model.Inventory, catalogue: Catalogue
) -> tuple[MonthFindings, MonthFindings]:
    """The report's month and the one before, each over the part the history covers."""
    thresholds = effective_thresholds(catalogue)
    found = []
    for month in (PREVIOUS, MONTH):
        window = Window(max(month.start, START), min(month.end, END))
        evaluation = evaluate_all(store, inventory, catalogue, thresholds, window)
        found.append(month_findings(evaluation, month, closed=month.closed_at(END)))
    return found[1], found[0]


@functools.cache
def simulated_province() -> SimulatedProvince:
    """The simulated months, made once per test process in a folder removed at exit."""
    tmp = Path(tempfile.mkdtemp(prefix="sansang-report-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    url = f"sqlite:///{tmp / 'collector.db'}"
    store = Store.open(url)
    try:
        scenario, inventory, points = asyncio.run(simulate_history(tmp / "sim", store))
        catalogue = load_catalogue()
        current, previous = evaluate_months(store, inventory, catalogue)
    finally:
        store.close()
    return SimulatedProvince(url, scenario, inventory, catalogue, current, previous, points)


@functools.cache
def simulated_report() -> MonthReport:
    """The report of :data:`MONTH` for the simulated province (the month before kept too)."""
    p = simulated_province()
    return build(p.current, p.previous, p.inventory, p.catalogue, p.survey, GENERATED_AT)
