"""The status page as a technician reads it: a terminal named by its kind is not labelled twice,
advice fits where the fault is (a remote system is not re-cabled on site), virtual interfaces
are not listed, and decimals are written the Vietnamese way."""

from __future__ import annotations

import re
from dataclasses import replace

from agent.config import Site
from agent.config.links import Link
from agent.probes.base import Observation, Outcome, ProbeContext, Sample
from agent.runner import Runner
from agent.state import SiteState
from agent.web.status import StatusPage
from tests.support.clock import FakeWall
from tests.support.fakes import FakeSpec, Journalled, always_open, fake_job

SITE = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)
NOW = FakeWall.T0


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def returning(outcome: Outcome):  # type: ignore[no-untyped-def]
    async def run(_spec: FakeSpec, _ctx: ProbeContext) -> Outcome:
        return outcome

    return run


async def page(jobs: list[object], links: list[Link] | None = None) -> StatusPage:
    state = SiteState(jobs, always_open, links=links or [])  # type: ignore[arg-type]
    runner = Runner(jobs, state, Journalled())  # type: ignore[arg-type]
    for job in jobs:
        await runner.run_once(job)  # type: ignore[arg-type]
    return StatusPage(SITE, state)


async def test_a_terminal_named_by_its_kind_is_not_labelled_twice() -> None:
    timeout = Outcome.down("timeout", "no reply")
    printer = fake_job("printer-1", returning(timeout), role="terminal", kind="printer",
                       address="10.0.0.31")  # fmt: skip
    printer = replace(printer, name="Máy in quầy 1")
    scanner = fake_job("scan", returning(timeout), role="terminal", kind="scanner",
                       address="10.0.0.32")  # fmt: skip
    scanner = replace(scanner, name="Quầy 2")
    html = (await page([printer, scanner])).render("vi", NOW, [])
    labels = re.findall(r"<li><b>([^<]*)</b>", html)  # the banner's items
    assert sorted(labels) == ["Máy in quầy 1", "Máy quét Quầy 2"]  # no "Máy in Máy in quầy 1"
    english = re.findall(r"<li><b>([^<]*)</b>", (await page([printer])).render("en", NOW, []))
    assert english == ["Printer Máy in quầy 1"]  # the English reader is told the kind


async def test_a_remote_system_that_timed_out_gets_advice_about_outside_the_centre() -> None:
    timeout = Outcome.down("timeout", "no reply")
    portal = fake_job("dvcqg", returning(timeout), role="service", role_="national_portal")
    portal = replace(portal, name="Cổng DVC", attributes={"role": "national_portal"})
    printer = fake_job("printer-1", returning(timeout), role="terminal", kind="printer",
                       address="10.0.0.31")  # fmt: skip
    html = (await page([portal, printer])).render("vi", NOW, [])
    hints = re.findall(r'<div class="hint">→ ([^<]*)</div>', html)
    by_item = dict(zip(re.findall(r"<li><b>([^<]*)</b>", html), hints, strict=True))
    assert len(by_item) == 2, by_item
    portal_hint = by_item["Cổng DVC (Cổng Dịch vụ công quốc gia)"]
    assert "có thể do hệ thống trung tâm hoặc đường truyền" in portal_hint.lower()
    assert "kiểm tra các điểm khác" in portal_hint
    assert "cáp" not in portal_hint and "nguồn" not in portal_hint
    assert "cắm cáp mạng" in by_item["Máy in printer-1"]  # on-site device: on-site advice


async def test_virtual_interfaces_are_not_listed_and_numbers_use_a_comma() -> None:
    names = ["eth0", "wwan0", "lo", "ifb0", "veth12ab", "docker0", "virbr0", "tap3", "tun0", "tun9"]
    host = Outcome(
        True,
        samples=[Sample("sansang_host_memory_available_bytes", 1.5 * 2**30)],
        observations=[Observation("interface_state", n, "down") for n in names],
    )
    job = fake_job("host", returning(host), role="host")
    vpn = Link(id="vpn", name="VPN tỉnh", kind="tslcd", interface="tun0")
    vi = text((await page([job], links=[vpn])).render("vi", NOW, []))
    listed = vi.split("Cổng mạng ")[1]
    for shown in ("eth0", "wwan0", "tun0"):  # tun0 is the centre's link: configured
        assert f"{shown}: mất kết nối" in listed
    for hidden in ("lo:", "ifb0", "veth12ab", "docker0", "virbr0", "tap3", "tun9"):
        assert hidden not in vi
    assert "Bộ nhớ trống 1,5 GiB" in vi
