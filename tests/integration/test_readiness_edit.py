"""Readiness records edited through the real collector (``sansang collector run``): the API by
role and scope with the audit log, the edit surviving an inventory reload and a restart, and the
site page's plan form filled in a real headless Chromium (screenshot /tmp/readiness-edit.png).

Two communes: Sa Thầy (plans in the YAML) and Lý Sơn (none: every risk "Chưa có").  Tokens: the
defaults (viewer, security_reviewer, technician, admin) and Sa Thầy's police (a security
reviewer with ``communes: ['23527']``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import browser
from tests.support.collector import (
    CollectorProcess,
    default_tokens,
    inventory_of,
    running_collector,
    site,
)

pytestmark = pytest.mark.integration

SA_THAY, LY_SON = "23527-main", "21548-main"
POLICE = "cong-an-xa-sa-thay"
SCREENSHOT = Path("/tmp/readiness-edit.png")
PHONE = "0912 777 888"
PLAN = {
    "status": "approved",
    "approved_on": "2026-01-20",
    "decision": "88/QĐ-UBND",
    "risk_level": "high",
    "fallback": {"kind": "isolation_procedure", "text": "Ngắt máy khỏi mạng"},
    "responder": {"name": "Võ Thị Mai", "phone": PHONE, "confirmed_on": "2026-01-15"},
}


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    inv = inventory_of(
        site("23527"), site("21548", latitude=15.38, longitude=109.118, contingency={})
    )
    tokens = [
        *default_tokens(inv),
        {"name": POLICE, "role": "security_reviewer", "communes": ["23527"]},
    ]
    with running_collector({}, inv, tmp_path_factory.mktemp("readiness"), tokens=tokens) as c:
        yield c


def _audit(c: CollectorProcess, action: str) -> list[dict[str, Any]]:
    status, body = c.get_json("/api/v1/audit?limit=1000", as_="admin")
    assert status == 200
    return [e for e in body["entries"] if e["action"] == action]


def _plan(c: CollectorProcess, key: str, risk: str) -> Any:
    status, body = c.get_json("/api/v1/inventory", as_="admin")
    assert status == 200
    entry = next(s for s in body["sites"] if f"{s['commune_code']}-{s['site_id']}" == key)
    return entry.get("contingency", {}).get(risk)


def test_a_security_reviewer_saves_an_approved_plan(collector: CollectorProcess) -> None:
    c = collector
    assert _plan(c, LY_SON, "cyberattack") is None
    status, body = c.post_json(
        f"/api/v1/sites/{LY_SON}/plans/cyberattack", PLAN, as_="security_reviewer"
    )
    assert status == 200, body
    assert body["value"]["decision"] == "88/QĐ-UBND"
    plan = _plan(c, LY_SON, "cyberattack")
    assert plan["status"] == "approved" and plan["approved_on"] == "2026-01-20"
    entry = _audit(c, "readiness.plan.update")[0]
    assert entry["actor"] == "security_reviewer" and entry["target"] == f"{LY_SON}/cyberattack"
    assert entry["details"]["result"] == "ok" and entry["details"]["before"] == {}
    assert entry["details"]["after"]["decision"] == "88/QĐ-UBND"
    assert PHONE not in json.dumps(entry) and "Võ Thị Mai" not in json.dumps(entry)


def test_a_bad_plan_is_refused_naming_the_field(collector: CollectorProcess) -> None:
    bad = {**PLAN, "approved_on": None}
    status, body = collector.post_json(
        f"/api/v1/sites/{LY_SON}/plans/power_loss", bad, as_="security_reviewer"
    )
    assert status == 400
    assert "«Ngày phê duyệt» (approved_on)" in body["error"]["vi"], body
    assert _plan(collector, LY_SON, "power_loss") is None


def test_a_viewer_is_refused_and_the_refusal_audited(collector: CollectorProcess) -> None:
    status, body = collector.post_json(f"/api/v1/sites/{LY_SON}/plans/hardware", PLAN, as_="viewer")
    assert status == 403 and body["error"]["code"] == "forbidden"
    refused = [
        e
        for e in _audit(collector, "readiness.plan.update")
        if e["actor"] == "viewer" and e["details"]["result"] == "denied"
    ]
    assert refused and refused[0]["details"]["permission"] == "write_readiness"
    assert _plan(collector, LY_SON, "hardware") is None


def test_a_commune_police_writes_only_its_commune(collector: CollectorProcess) -> None:
    c = collector
    status, body = c.post_json("/api/v1/communes/21548/team", {"members": []}, as_=POLICE)
    assert status == 403 and body["error"]["code"] == "forbidden_site"
    assert "21548" not in body["error"]["vi"]
    status, _ = c.post_json(f"/api/v1/sites/{LY_SON}/plans/hardware", PLAN, as_=POLICE)
    assert status == 403
    team = {
        "focal_point": {
            "name": "Đỗ Văn Hùng",
            "phone": "0905 222 333",
            "role": "Phó Chủ tịch UBND xã",
            "confirmed_on": "2026-02-01",
        },
        "members": [{"name": f"Thành viên {i}", "phone": "0913 000 001"} for i in range(3)],
        "decision": "41/QĐ-UBND",
    }
    status, body = c.post_json("/api/v1/communes/23527/team", team, as_=POLICE)
    assert status == 200, body
    status, got = c.get_json(f"/api/v1/sites/{SA_THAY}/readiness", as_=POLICE)
    assert status == 200 and got["response_team"]["decision"] == "41/QĐ-UBND"
    status, got = c.get_json(f"/api/v1/sites/{SA_THAY}/readiness", as_="viewer")
    assert got["response_team"] == {
        "focal_point_confirmed_on": "2026-02-01",
        "members": 3,
        "decision": "41/QĐ-UBND",
    }
    assert "0905 222 333" not in json.dumps(got)
    denied = [e for e in _audit(c, "readiness.team.update") if e["details"]["result"] == "denied"]
    assert [e["target"] for e in denied] == ["21548"]
    status, _ = c.post_json(
        "/api/v1/drills",
        {"held_on": "2026-02-02", "result": "passed", "all_sites": True},
        as_=POLICE,
    )
    assert status == 403  # a province drill is every commune's


def test_drills_are_recorded_and_survive_a_reload(collector: CollectorProcess) -> None:
    c = collector
    drill = {
        "risk": "cyberattack",
        "held_on": "2026-02-10",
        "result": "passed",
        "participants": 14,
        "minutes": {"reference": "12/BB-CAT"},
    }
    status, body = c.post_json(f"/api/v1/sites/{LY_SON}/drills", drill, as_="admin")
    assert status == 200, body
    province = {
        "held_on": "2026-02-12",
        "result": "partial",
        "communes": ["23527", "21548"],
        "organiser": "Công an tỉnh",
    }
    status, body = c.post_json("/api/v1/drills", province, as_="security_reviewer")
    assert status == 200, body
    status, body = c.post_json("/api/v1/inventory/reload", {}, as_="admin")
    assert status == 200, body
    status, got = c.get_json(f"/api/v1/sites/{SA_THAY}/readiness", as_="admin")
    assert [d["held_on"] for d in got["province_drills"]] == ["2026-02-12"]
    plan = _plan(c, LY_SON, "cyberattack")
    assert plan["decision"] == "88/QĐ-UBND"  # the plan edit holds over the reloaded YAML
    assert [d["held_on"] for d in plan["drills"]] == ["2026-02-10"]


@pytest.mark.skipif(not browser.have_chromium(), reason="needs Debian's chromium")
async def test_the_plan_form_on_the_site_page(collector: CollectorProcess) -> None:
    c = collector
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.login(c.base_url, c.tokens["security_reviewer"], f"/sites/{LY_SON}")
        before = await page.evaluate(
            "[...document.querySelectorAll('#readiness ~ table tr')][2].children[1].textContent"
        )
        assert before == "Chưa có"  # Lỗi phần mềm, the second risk
        await page.evaluate(
            """(() => {
              document.querySelector('#plan-software').open = true;
              const f = document.querySelector('#plan-software form');
              f.status.value = 'approved';
              f.decision.value = '99/QĐ-UBND';
              f.approved_on.value = '2026-02-14';
              f.risk_level.value = 'medium';
              f.fallback_text.value = 'Khôi phục từ bản sao lưu hằng ngày';
              f.responder_name.value = 'Hồ Văn Tâm';
              f.responder_phone.value = '0912 555 666';
              f.responder_confirmed_on.value = '2026-02-13';
              f.submit();
            })()"""
        )
        after = await page.wait_for(
            "document.readyState === 'complete' && location.hash === '#readiness' && "
            "[...document.querySelectorAll('#readiness ~ table tr')][2].children[1].textContent"
        )
        assert after == "Đã phê duyệt số 99/QĐ-UBND ngày 14/02/2026"
        await page.evaluate("document.querySelector('#plan-software').open = true")
        height = await page.evaluate("document.documentElement.scrollHeight")
        await page.evaluate("document.getElementById('readiness').scrollIntoView()")
        SCREENSHOT.write_bytes(await page.screenshot(1366, 900))
        assert height > 900
        # A refused form: the page says so in Vietnamese, naming the field.
        await page.evaluate(
            """(() => {
              const f = document.querySelector('#plan-hardware form');
              f.status.value = 'approved';
              f.submit();
            })()"""
        )
        said = await page.wait_for("document.getElementById('readiness-error')?.textContent")
        assert said.startswith("Chưa lưu: «Ngày phê duyệt» (approved_on)"), said
    entry = _audit(c, "readiness.plan.update")
    assert any(e["target"] == f"{LY_SON}/software" for e in entry)
