"""The police page (``/police``, "An ninh thông tin — Công an tỉnh") as a reviewer of Công an
tỉnh sees it: a real collector, a real headless Chromium, logged in through the login form.

Four communes of Quảng Ngãi, their readiness in the inventory (plans, drills, the commune's
response team, a signature certificate) and one machine's security check pushed through the real
ingest, judged by the real evaluator:

- Sa Thầy: plans approved, drilled two months ago, everyone confirmed last month; its journal
  reaches the collector, with no backup link or UPS ever seen carrying the load (two fallbacks
  not seen working in 180 days: overdue) and a counter PC with its firewall off; the
  chairman's signature certificate expires in ten days.
- Lý Sơn: no plan at all (overdue since 01/01/2026), no drill.
- Cẩm Thành: plans approved, the last drill 400 days ago, confirmations a year old.
- Nghĩa Lộ: as Sa Thầy, but it sent nothing: its fallbacks are unknown, nothing overdue.

A province-wide security reviewer sees every commune with the SEC columns (a target the
catalogue does not evaluate: "chưa đánh giá" in every row), the overdue list with the responders'
phones, the machine failing its check, the certificate, the sections on TLS certificates and
incidents; the page fits 1366 px without a sideways scroll, and prints on A4 landscape.  A token
of Sa Thầy's police (``communes: ['23527']``) sees Sa Thầy only, and Lý Sơn's page is a
Vietnamese 403 page.  The screenshot is kept in /tmp/police.png.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.targets import load_catalogue
from sansang import i18n
from sansang.events import Event
from tests.support import browser, event_json, wait_until
from tests.support.collector import (
    CollectorProcess,
    default_tokens,
    inventory_of,
    running_collector,
    site,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not browser.have_chromium(), reason="needs Debian's chromium"),
]

SA_THAY, LY_SON, CAM_THANH, NGHIA_LO = "23527", "21548", "21025", "21028"
NAMES = {
    SA_THAY: "Xã Sa Thầy",
    LY_SON: "Đặc khu Lý Sơn",
    CAM_THANH: "Phường Cẩm Thành",
    NGHIA_LO: "Phường Nghĩa Lộ",
}
POLICE = "cong-an-xa-sa-thay"
PHONE = "0905 222 333"  # the focal point's: personal data
SCREENSHOT = Path("/tmp/police.png")
WIDTH = 1366
POLICE_TARGETS = [t for t in load_catalogue().targets if t.owner == "cong_an_tinh"]


def _today() -> date:
    return i18n.local(time.time()).date()


def _plans(confirmed_days: int, drill_days: int) -> dict[str, Any]:
    today = _today()
    plan: dict[str, Any] = {
        "approved_on": "2025-08-15",
        "fallback": {"kind": "spare_device", "text": "Máy dự phòng tại kho xã"},
        "responder": {
            "name": "Nguyễn Văn An",
            "phone": "0912 345 678",
            "confirmed_on": str(today - timedelta(days=confirmed_days)),
        },
    }
    drilled = {"held_on": str(today - timedelta(days=drill_days)), "result": "passed"}
    risks = ("hardware", "software", "cyberattack", "link_loss", "power_loss")
    return {r: {**plan, "drills": [drilled] if r == "cyberattack" else []} for r in risks}


def _team(code: str, confirmed_days: int) -> dict[str, Any]:
    return {
        "commune_code": code,
        "focal_point": {
            "name": "Đỗ Văn Hùng",
            "phone": PHONE,
            "role": "Phó Chủ tịch UBND xã",
            "confirmed_on": str(_today() - timedelta(days=confirmed_days)),
        },
        "members": [{"name": f"Thành viên {i}", "phone": "0913 000 001"} for i in range(3)],
    }


def _inventory() -> Any:
    inv = inventory_of(
        site(SA_THAY, contingency=_plans(30, 60)),
        site(LY_SON, latitude=15.38, longitude=109.118, contingency={}),
        site(CAM_THANH, latitude=15.12, longitude=108.8, contingency=_plans(365, 400)),
        site(NGHIA_LO, latitude=15.11, longitude=108.79, contingency=_plans(30, 60)),
    )
    inv["response_teams"] = [_team(SA_THAY, 30), _team(CAM_THANH, 365), _team(NGHIA_LO, 30)]
    inv["signature_certificates"] = [
        {
            "id": "sa-thay-chu-tich",
            "holder": "Nguyễn Thị Hoa",
            "position": "Chủ tịch UBND xã",
            "commune_code": SA_THAY,
            "not_after": str(_today() + timedelta(days=10)),
        }
    ]
    return inv


def _security_events(key: str, now: float) -> dict[str, Any]:
    """The agent's journal: two counter PCs checked over SSH, one with its firewall off."""
    boot, journal = str(uuid.uuid4()), str(uuid.uuid4())
    events = []
    for seq, (subject, name, firewall) in enumerate(
        (("pc-quay-1", "Máy tính quầy 1", False), ("pc-quay-2", "Máy tính quầy 2", True)), 1
    ):
        details = {
            "probe": "security",
            "name": name,
            "os": "windows",
            "firewall": firewall,
            "antivirus": True,
            "realtime": True,
            "signature_at": int(now - 3600),
            "update_at": int(now - 6 * 86400),
            "backup_expected": False,
        }
        sent = Event(
            seq, boot, now - 600 + seq, seq * 10**9, "security_state", subject, "checked",
            None, details,
        )  # fmt: skip
        events.append(event_json(sent, key))
    return {"schema": 1, "site": key, "journal_id": journal, "events": events}


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    inventory = _inventory()
    credentials = {f"{s['commune_code']}-main": "p" * 43 for s in inventory["sites"]}
    tokens = [
        *default_tokens(inventory),
        {"name": POLICE, "role": "security_reviewer", "communes": [SA_THAY]},
    ]
    workdir = tmp_path_factory.mktemp("police")
    config = {"evaluate": {"interval": "1s"}}
    with running_collector(config, inventory, workdir, tokens=tokens, credentials=credentials) as c:
        key = f"{SA_THAY}-main"
        headers = {"Authorization": f"Bearer {credentials[key]}"}
        headers["Content-Type"] = "application/json"
        body = json.dumps(_security_events(key, time.time())).encode()
        status, _, answer = c.request("POST", "/api/v1/ingest", body=body, headers=headers)
        assert status == 200, answer

        def evaluated_with_the_journal() -> bool:
            """Sa Thầy's contingency is unknown until an evaluation reads its journal."""
            _, found = c.get_json(f"/api/v1/sites/{key}/findings")
            status = {f["target"]: f["status"] for f in found["findings"]}
            return status.get("SEC-CONTINGENCY") == "not_met"

        wait_until(evaluated_with_the_journal, 60, "an evaluation of the pushed journal")
        yield c


PAGE = """(() => {
  const rows = [...document.querySelectorAll('table.police tbody tr')];
  const heads = [...document.querySelectorAll('table.police thead th.c')];
  const table = document.querySelector('table.police').getBoundingClientRect();
  return {
    codes: heads.map((th) => th.querySelector('.code').textContent),
    names: heads.map((th) => th.firstChild.textContent.trim()),
    rows: rows.map((tr) => [...tr.cells].map((td) => td.textContent.trim())),
    classes: rows.map((tr) => [...tr.cells].slice(2).map((td) => td.className)),
    sections: [...document.querySelectorAll('h2')].map((h) => h.textContent),
    overdue: [...document.querySelectorAll('#overdue tbody tr')].map((tr) => tr.textContent),
    machines: document.querySelector('#machines').textContent,
    certificates: document.querySelector('#certificates').textContent,
    incidents: document.querySelector('#incidents').textContent,
    scroll: document.documentElement.scrollWidth, inner: innerWidth,
    tableRight: table.right, height: document.documentElement.scrollHeight,
  };
})()"""


def _only_the_collector(base_url: str, requests: list[str]) -> None:
    outside = [u for u in requests if not u.startswith((base_url, "data:", "about:"))]
    assert not outside, outside


async def test_a_province_security_reviewer_sees_every_commune_and_the_sections(
    province: CollectorProcess,
) -> None:
    c = province
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.viewport(WIDTH, 768)
        await page.login(c.base_url, c.tokens["security_reviewer"])
        # The link at the top of every page, for Công an tỉnh.
        link = await page.evaluate(
            "[...document.querySelectorAll('.top a')].find((a) => a.textContent === "
            "'An ninh thông tin')?.getAttribute('href')"
        )
        assert link == "/police"
        await page.goto(c.base_url + "/police")
        seen = await page.evaluate(PAGE)
        _only_the_collector(c.base_url, page.requests)
        SCREENSHOT.write_bytes(await page.screenshot(WIDTH, min(seen["height"], 4000)))

        assert seen["codes"] == [t.id for t in POLICE_TARGETS]
        assert all(name and name not in seen["codes"] for name in seen["names"]), seen["names"]
        assert sorted(r[0] for r in seen["rows"]) == sorted(NAMES.values())
        for i, target in enumerate(POLICE_TARGETS):
            cells = [r[2 + i] for r in seen["rows"]]
            kinds = [k[i] for k in seen["classes"]]
            if target.status == "evaluated":
                assert all(k.split()[1] in ("met", "not_met", "unknown") for k in kinds), kinds
            else:  # never a made-up status
                assert cells == ["chưa đánh giá"] * len(NAMES) and all("na" in k for k in kinds)
        assert seen["sections"] == [
            "Quá hạn",
            "Máy không đạt kiểm tra an ninh",
            "Chứng chỉ sắp hết hạn",
            "Sự cố đang mở",
        ]
        overdue = "\n".join(seen["overdue"])
        assert "Đặc khu Lý Sơn" in overdue and "quá hạn từ 01/01/2026" in overdue
        assert "chưa diễn tập lần nào" in overdue
        assert "Phường Cẩm Thành" in overdue and "cách đây 400 ngày" in overdue
        assert "Phường Nghĩa Lộ" not in overdue
        [sa_thay] = [row for row in seen["overdue"] if "Xã Sa Thầy" in row]
        assert "2 phương án dự phòng chưa thấy hoạt động trong 180 ngày" in sa_thay
        assert PHONE in overdue  # a security reviewer reads the persons
        if next(t for t in POLICE_TARGETS if t.id == "SEC-MEASURES").status == "evaluated":
            assert "Xã Sa Thầy" in seen["machines"] and "Máy tính quầy 1" in seen["machines"]
            assert "Phường Nghĩa Lộ" not in seen["machines"]
        assert "Chủ tịch UBND xã" in seen["certificates"] and "còn 10 ngày" in seen["certificates"]
        assert "Chưa có dữ liệu" in seen["certificates"]  # the systems' TLS: honest
        assert "Sự cố đang mở" in seen["incidents"]
        # 1366 px: no sideways scroll, the table within the screen.
        assert seen["scroll"] <= seen["inner"] == WIDTH and seen["tableRight"] <= WIDTH, seen

        # Printed: A4 landscape pages (the page's @page), the table's head on each.
        await page.emulate_media("print")
        pdf = await page.print_pdf()
        await page.emulate_media("")
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
        assert boxes, pdf[:400]
        for w, h in boxes:  # A4 landscape, in points
            assert (float(w), float(h)) == (
                pytest.approx(841.92, abs=1),
                pytest.approx(595.2, abs=1),
            )

        # English too.
        await page.goto(c.base_url + "/police?lang=en")
        english = await page.dom()
        assert "Information security — provincial police" in english and "Overdue" in english


async def test_a_commune_police_token_sees_only_its_commune(province: CollectorProcess) -> None:
    c = province
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.viewport(WIDTH, 768)
        await page.login(c.base_url, c.tokens[POLICE], "/police")
        seen = await page.evaluate(PAGE)
        assert [r[0] for r in seen["rows"]] == ["Xã Sa Thầy"]
        dom = await page.dom()
        assert "Mã truy cập này chỉ được xem 1 điểm: Xã Sa Thầy" in dom
        for other in (LY_SON, CAM_THANH, NGHIA_LO):
            assert NAMES[other] not in dom and other not in dom
        assert len(seen["overdue"]) == 1 and "Xã Sa Thầy" in seen["overdue"][0]
        await page.goto(c.base_url + "/")
        board = await page.dom()
        assert "Xã Sa Thầy" in board and "Lý Sơn" not in board
        await page.goto(f"{c.base_url}/sites/{LY_SON}-main")
        refused = await page.dom()
        assert "Không được xem trang này" in refused and "Lý Sơn" not in refused
