"""The power part of the status page, in words (Vietnamese first)."""

from __future__ import annotations

import re

from agent.config import Site
from agent.power.site import SitePower
from agent.power.tracker import PowerPolicy
from agent.runner import Runner
from agent.state import SiteState
from agent.web.status import StatusPage
from tests.support.fakes import Journalled, PowerScript, always_open, fake_job

SITE = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)


async def _page_after(
    *statuses: str | None, policy: PowerPolicy | None = None, **numbers: float
) -> tuple[StatusPage, float]:
    ups = PowerScript()
    job = fake_job("ups", ups, role="power")
    power = SitePower(["ups"], policy, "") if policy is not None else None
    state = SiteState([job], always_open, power)
    runner = Runner([job], state, Journalled())
    for status in statuses:
        ups.say(status, **numbers)
        await runner.run_once(job)
    return StatusPage(SITE, state), state.records["ups"].last_run_wall


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


async def test_mains_lost_is_the_first_thing_with_what_the_battery_has_left() -> None:
    page, now = await _page_after(
        "OL", "OB DISCHRG", battery_charge_ratio=0.62, battery_runtime_seconds=720
    )
    vi = text(page.render("vi", now, []))
    banner = vi[vi.index("Mất điện lưới từ") :]
    assert "pin còn 62 %" in banner and "còn khoảng 12 phút" in banner
    assert "báo điện lực" in banner
    assert "đang chạy bằng pin UPS" in vi
    assert "Số lần mất điện kéo dài (trên 5 phút)" in vi
    en = text(page.render("en", now, []))
    assert "Mains lost since" in en and "62 % charge left" in en and "on UPS battery" in en


async def test_on_mains_the_page_is_calm_and_shows_the_figures() -> None:
    page, now = await _page_after("OL CHRG", battery_charge_ratio=1.0, input_voltage_volts=221)
    vi = text(page.render("vi", now, []))
    assert "Mất điện lưới từ" not in vi
    assert "điện lưới, đang sạc" in vi and "221 V" in vi and "100 %" in vi
    assert "Nguồn điện" in vi and "30 ngày" in vi


async def test_a_silent_ups_shows_the_cause_in_words() -> None:
    page, now = await _page_after("OL", None)
    vi = text(page.render("vi", now, []))
    assert "mất liên lạc với UPS (trình điều khiển NUT không kết nối)" in vi
    assert "Kiểm tra cáp USB/COM" in vi  # the next step, from the hints


async def test_the_outage_classes_name_the_configured_threshold() -> None:
    page, now = await _page_after("OL", policy=PowerPolicy(sustained_after=600))
    vi = text(page.render("vi", now, []))
    assert "Số lần mất điện kéo dài (trên 10 phút)" in vi
    assert "Số lần mất điện thoáng qua (đến 10 phút)" in vi
    assert "5 phút" not in vi
    en = text(page.render("en", now, []))
    assert "Sustained outages (over 10 min)" in en and "Momentary outages (up to 10 min)" in en
