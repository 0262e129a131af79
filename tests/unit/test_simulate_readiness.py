"""The simulated province's readiness records (simulate/readiness.py) give Công an tỉnh's targets a
mix, judged from the inventory alone (the fast counterpart of test_simulate_mix for these three):
``make run``'s 20 sites, as of a day in November 2026."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from collector.evaluate.model import Window
from collector.evaluate.rules.contingency import contingency
from collector.evaluate.rules.drill import drill
from collector.evaluate.rules.responder import responder
from collector.inventory import model
from simulate.files import inventory_data
from simulate.scenario import Scenario
from tests.support.evaluate import THRESHOLDS, Journal

END = datetime(2026, 11, 11, 15, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
WINDOW = Window(END.timestamp() - 3 * 86400, END.timestamp())


def _inventory() -> model.Inventory:
    scenario = Scenario.build(20, 1)
    inv = model.Inventory.model_validate(inventory_data(scenario, today=END.date()))
    assert model.cross_check(inv) == []
    return inv


def test_most_sites_have_every_plan_approved_a_few_miss_or_draft_some() -> None:
    inv = _inventory()
    findings = [
        contingency(Journal(site=s.key).alive().inputs(s), THRESHOLDS["SEC-CONTINGENCY"], WINDOW)
        for s in inv.sites
    ]
    missing = Counter(f.details["missing"] for f in findings)
    drafts = sum(f.details["draft"] == 1 for f in findings)
    assert missing == {0: 18, 2: 1, 1: 1}, missing
    assert drafts == 2
    assert sum(f.details["not_approved"] == 0 for f in findings) == 16
    assert all(f.details["unleveled"] == 0 for f in findings)  # every plan has its level


def test_one_province_drill_covers_most_communes_and_drills_are_a_mix() -> None:
    inv = _inventory()
    (province_drill,) = inv.drills
    assert province_drill.communes is not None and len(province_drill.communes) == 15
    assert province_drill.participants is not None and province_drill.minutes is not None
    found = [
        drill(Journal(site=s.key).inputs(s), THRESHOLDS["SEC-DRILL"], WINDOW) for s in inv.sites
    ]
    statuses = Counter(f.status for f in found)
    # Never drilled (2), drilled alone 18 months ago (3), partial after the province's (2).
    assert statuses == {"met": 13, "not_met": 7}, statuses
    by = Counter(str(f.details.get("last_by")) for f in found if f.status == "met")
    assert by["province"] >= 10  # the province's drill is most sites' newest


def test_most_communes_have_a_team_a_few_none_or_too_small() -> None:
    inv = _inventory()
    assert len(inv.response_teams) == 18  # one commune in eight without a team entry
    found = [
        responder(Journal(site=s.key).inputs(s), THRESHOLDS["SEC-TEAM"], WINDOW) for s in inv.sites
    ]
    statuses = Counter(f.status for f in found)
    assert statuses["met"] >= 8 and statuses["not_met"] >= 6, statuses
    assert sum(f.details["team_members"] == 0 for f in found) == 2
    assert sum(f.details["team_members"] == 2 for f in found) == 2
