"""The readiness overlay (collector.inventory.overlay): web edits laid over the inventory YAML,
checked by the inventory's own models; and their rows in a real SQLite store."""

from __future__ import annotations

import copy
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from collector.inventory import model, overlay
from collector.store import ReadinessEdit, Store

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy/examples/inventory.yaml"
SA_THAY, LY_SON = "23527-main", "21548-main"
APPROVED: dict[str, Any] = {
    "status": "approved",
    "approved_on": "2026-02-03",
    "decision": "77/QĐ-UBND",
    "risk_level": "medium",
    "fallback": {"kind": "spare_device", "text": "Máy dự phòng"},
    "responder": {"name": "Phạm Thị Dung", "phone": "0912 000 111", "confirmed_on": "2026-02-01"},
}


@pytest.fixture(scope="module")
def inv() -> model.Inventory:
    return model.load(EXAMPLE)


def edit(kind: str, target: str, risk: str, value: dict[str, Any], n: int) -> ReadinessEdit:
    normal = overlay.normalise(kind, value)
    return ReadinessEdit(kind, target, risk, normal, 1000.0 + n, "cong-an", "security_reviewer", n)  # type: ignore[arg-type]


def test_a_plan_edit_replaces_the_plan_and_keeps_its_drills(inv: model.Inventory) -> None:
    yaml_plan = inv.sites[0].contingency["link_loss"]
    assert yaml_plan.drills  # the example's drill of this plan
    done = overlay.apply(inv, [edit("plan", SA_THAY, "link_loss", APPROVED, 1)])
    plan = done.inventory.sites[0].contingency["link_loss"]
    assert done.ignored == ()
    assert plan.decision == "77/QĐ-UBND" and plan.approved_on == date(2026, 2, 3)
    assert plan.drills == yaml_plan.drills
    assert inv.sites[0].contingency["link_loss"] == yaml_plan  # the YAML's inventory unchanged


def test_an_invalid_edit_is_refused_naming_the_field(inv: model.Inventory) -> None:
    with pytest.raises(overlay.EditRefused) as err:
        overlay.normalise("plan", {**APPROVED, "approved_on": None})
    assert err.value.refusal.field == "approved_on"
    assert "approval date" in err.value.refusal.message
    with pytest.raises(overlay.EditRefused) as err:
        overlay.normalise(
            "team", {"commune_code": "23527", "members": [{"name": "A", "phone": "12"}]}
        )
    assert err.value.refusal.field == "members.0.phone"


def test_an_edit_that_contradicts_the_yaml_is_refused_naming_the_field(
    inv: model.Inventory,
) -> None:
    """Missing plans have no drills; the YAML's link_loss plan has one."""
    new = edit("plan", SA_THAY, "link_loss", {"status": "missing"}, 1)
    with pytest.raises(overlay.EditRefused) as err:
        overlay.check(inv, [], new)
    assert err.value.refusal.field == "drills"


def test_the_later_edit_wins(inv: model.Inventory) -> None:
    first = edit("plan", LY_SON, "hardware", APPROVED, 1)
    second = edit("plan", LY_SON, "hardware", {"status": "draft", "risk_level": "low"}, 2)
    plan = overlay.apply(inv, [first, second]).inventory.sites[1].contingency["hardware"]
    assert (plan.status, plan.risk_level, plan.decision) == ("draft", "low", None)
    team1 = {"decision": "1/QĐ", "members": []}
    team2 = {"decision": "2/QĐ", "members": [{"name": "B", "phone": "0912 000 222"}]}
    done = overlay.apply(
        inv,
        [
            edit("team", "23527", "", {**team1, "commune_code": "23527"}, 3),
            edit("team", "23527", "", {**team2, "commune_code": "23527"}, 4),
        ],
    )
    team = done.inventory.sites[0].response_team
    assert team is not None and team.decision == "2/QĐ" and len(team.members) == 1
    assert len(done.inventory.response_teams) == len(inv.response_teams)


def test_drills_add_up_and_count_for_the_site(inv: model.Inventory) -> None:
    drill = {"held_on": "2026-03-01", "result": "passed", "participants": 12}
    province = {"held_on": "2026-03-05", "result": "partial", "communes": ["21548"]}
    done = overlay.apply(
        inv,
        [
            edit("site_drill", SA_THAY, "cyberattack", drill, 1),
            edit("province_drill", "", "", province, 2),
        ],
    )
    assert done.inventory.sites[0].contingency["cyberattack"].drills[-1].held_on == date(2026, 3, 1)
    assert len(done.inventory.drills) == len(inv.drills) + 1
    ly_son = done.inventory.sites[1]
    assert any(d.held_on == date(2026, 3, 5) for _i, d in ly_son.province_drills)


def test_a_reload_keeps_the_overlay_and_a_gone_site_is_kept_but_ignored(
    inv: model.Inventory,
) -> None:
    edits = [
        edit("plan", LY_SON, "hardware", APPROVED, 1),
        edit("plan", SA_THAY, "hardware", {"status": "draft"}, 2),
    ]
    data = inv.model_dump(mode="json", exclude_defaults=True)
    reloaded = model.Inventory.model_validate({**data, "sites": data["sites"][:1]})
    reloaded = reloaded.model_copy()
    done = overlay.apply(reloaded, edits)
    assert done.inventory.sites[0].contingency["hardware"].status == "draft"  # still applied
    assert [(e.id, r.message) for e, r in done.ignored] == [
        (1, f"site '{LY_SON}' is not in the inventory")
    ]
    again = overlay.apply(inv, edits)  # the site is back: the edit holds again
    assert again.ignored == () and again.inventory.sites[1].contingency["hardware"].decision


def test_a_yaml_contradicting_an_edit_leaves_only_that_edit_out(inv: model.Inventory) -> None:
    """The YAML is reloaded with a drill in a plan an edit says is missing: the other edits hold."""
    gone = edit("plan", LY_SON, "hardware", {"status": "missing"}, 1)
    fine = edit("plan", LY_SON, "software", {"status": "draft"}, 2)
    data = copy.deepcopy(inv.model_dump(mode="json", exclude_defaults=True))
    data["sites"][1]["contingency"]["hardware"]["drills"] = [
        {"held_on": "2026-01-02", "result": "passed"}
    ]
    reloaded = model.Inventory.model_validate(data)
    done = overlay.apply(reloaded, [gone, fine])
    assert [(e.id, r.field) for e, r in done.ignored] == [(1, "drills")]
    assert done.inventory.sites[1].contingency["software"].status == "draft"
    assert done.inventory.sites[1].contingency["hardware"].status == "approved"


def test_a_drill_of_a_plan_that_does_not_exist_is_refused(inv: model.Inventory) -> None:
    data = inv.model_dump(mode="json", exclude_defaults=True)
    data["sites"][1]["contingency"].pop("hardware", None)
    bare = model.Inventory.model_validate(data)
    new = edit("site_drill", LY_SON, "hardware", {"held_on": "2026-01-02", "result": "passed"}, 1)
    with pytest.raises(overlay.EditRefused, match="no plan yet"):
        overlay.check(bare, [], new)


def test_a_province_of_300_sites_with_500_edits_applies_quickly(inv: model.Inventory) -> None:
    data = inv.model_dump(mode="json", exclude_defaults=True)
    template = data["sites"][0]
    sites = []
    for i in range(300):
        entry = copy.deepcopy(template)
        entry["site_id"] = f"p{i}"
        entry.pop("pull", None)
        entry["push"] = {"credential_id": f"cred-{i}"}
        sites.append(entry)
    big = model.Inventory.model_validate({**data, "sites": sites})
    edits = [edit("plan", f"23527-p{i % 300}", "hardware", APPROVED, i) for i in range(500)]
    started = time.perf_counter()
    done = overlay.apply(big, edits)
    elapsed = time.perf_counter() - started
    assert done.ignored == ()
    print(f"300 sites, 500 edits: {elapsed:.3f} s")
    assert elapsed < 5.0, elapsed  # measured 0.15 s on the 2-core test machine


def test_edits_are_kept_in_the_store_oldest_first(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        a = store.add_readiness_edit(edit("plan", SA_THAY, "hardware", APPROVED, 0))
        b = store.add_readiness_edit(edit("team", "23527", "", {"commune_code": "23527"}, 0))
        got = store.readiness_edits()
    finally:
        store.close()
    assert [e.id for e in got] == [a.id, b.id] and a.id < b.id
    assert got[0].value == overlay.normalise("plan", APPROVED)
    assert got[0].value["approved_on"] == "2026-02-03"
    assert (got[1].kind, got[1].target, got[1].author) == ("team", "23527", "cong-an")
