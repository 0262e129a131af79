"""An incident's page as the provincial police use it: a real collector, a real headless
Chromium.  The security reviewer logs in, opens the incident Alertmanager's webhook opened, presses
"Xác nhận đã tiếp nhận" and sees the state change; the overdue deadline reads in red; nothing is
loaded from outside the collector.  The screenshot is kept at /tmp/incident.png
(``SANSANG_SCREENSHOTS=DIR`` keeps it there too).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.web.ui import COLOURS
from tests.support import browser
from tests.support.collector import (
    CollectorProcess,
    default_tokens,
    inventory_of,
    running_collector,
    site,
)
from tests.support.incidents import am_alert, notification

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not browser.have_chromium(), reason="needs Debian's chromium"),
]

SA_THAY = "23527-main"
SCREENSHOT = Path("/tmp/incident.png")


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[CollectorProcess]:
    inventory = inventory_of(site("23527", name="Bộ phận Một cửa xã Sa Thầy"))
    tokens = [*default_tokens(inventory), {"name": "alertmanager", "role": "alertmanager"}]
    with running_collector({}, inventory, tmp_path, tokens=tokens) as c:
        yield c


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


async def test_acknowledge_from_the_incident_page(collector: CollectorProcess) -> None:
    c = collector
    began = time.time() - 7 * 86400  # a week ago: past the 5-day reporting deadline
    alert = am_alert("SansangPowerLost", SA_THAY, starts_at=began, agency="so_cong_thuong")
    status, body = c.post_json(
        "/api/v1/alertmanager/webhook", notification([alert]), as_="alertmanager"
    )
    assert status == 200, body
    [incident_id] = body["opened"]
    path = f"/incidents/{incident_id}"

    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.login(c.base_url, c.tokens["security_reviewer"], path)
        state = await page.evaluate("document.getElementById('state').textContent")
        assert "chưa tiếp nhận" in state
        late = await page.evaluate(
            "[...document.querySelectorAll('dd.late')].map(e => e.textContent).join('|')"
        )
        assert "quá hạn" in late
        colour = await page.evaluate("getComputedStyle(document.querySelector('dd.late')).color")
        assert colour == "rgb({}, {}, {})".format(*_rgb(COLOURS["not_met"].strong))
        await page.evaluate("document.getElementById('ack-button').click()")
        await page.wait_for(
            "document.readyState === 'complete' && document.getElementById('state') !== null"
            " && document.getElementById('state').textContent.includes('đang xử lý')"
        )
        assert await page.evaluate("location.pathname") == path
        acked = await page.evaluate("document.getElementById('ack').textContent")
        assert "security_reviewer" in acked
        assert await page.evaluate("document.getElementById('ack-button')") is None
        timeline = await page.evaluate("document.querySelector('table.timeline').innerText")
        assert "security_reviewer xác nhận đã tiếp nhận" in timeline
        assert "Sansang phát hiện" in timeline and "Hạn báo cáo" in timeline
        png = await page.screenshot(1280, 900)
        await page.goto(f"{c.base_url}/incidents")
        row = await page.evaluate(
            f"document.querySelector('tr[data-id=\"{incident_id}\"]').innerText"
        )
        assert "Xã Sa Thầy" in row and "Mất điện lưới" in row and "quá hạn" in row
        assert "đang xử lý" in row
        listing = await page.screenshot(1280, 500)
        outside = [u for u in page.requests if not u.startswith((c.base_url, "data:"))]
        assert outside == [], outside

    SCREENSHOT.write_bytes(png)
    SCREENSHOT.with_name("incidents.png").write_bytes(listing)
    if os.environ.get("SANSANG_SCREENSHOTS"):
        (Path(os.environ["SANSANG_SCREENSHOTS"]) / "incident.png").write_bytes(png)
    counts = browser.colour_counts(png)
    assert counts[COLOURS["not_met"].strong.lower()] > 0, "the overdue deadline is not red"
    status, incident = c.get_json(f"/api/v1/incidents/{incident_id}", as_="viewer")
    assert incident["state"] == "acknowledged"
    status, entries = c.get_json("/api/v1/audit?limit=50", as_="admin")
    mine = [e for e in entries["entries"] if e["action"] == "incident.acknowledge"]
    assert [(e["actor"], e["details"]["result"]) for e in mine] == [("security_reviewer", "ok")]
