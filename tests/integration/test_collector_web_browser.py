"""The collector's web UI as the province sees it: a real collector, a real headless Chromium.

Two provinces, both Quảng Ngãi, twenty communes each:

- **pushed**: thirty days of journal events sent through the real ingest
  (``POST /api/v1/ingest``, each site with its own credential): power cuts at some, a link down
  for half a day at others, slow lines, coverage dead zones, a printer out, two sites that never
  reported, and the one-stop e-system lost from most sites at once (a central outage).  Fixed
  data, so the test knows what the board must say.
- **simulated**: ``sansang simulate --sites 20`` (the real agent code on simulated sources)
  pushing three days of history to a collector started on the config the simulator wrote.

The real evaluator turns the events into findings.  A viewer logs in through the login form in
Chromium and opens the board: the DOM names every commune, has a cell per site and target of the
status the API reports and a dot per site on the map; the screenshot is not blank and its cell
colours (met green, not met red, unknown grey) are in the proportions of those findings; nothing
is loaded from anywhere but the collector; a site page shows its timeline in Vietnamese.  At
1366×768 and 1920×1080 the table and the map fit the screen without a sideways scroll, the
columns named; the filter (a target and a status) leaves only the matching dots, coloured by that
target and titled with the commune, the target and the figure; printed, the board is A4
landscape pages with no cell past the printable width.

``SANSANG_SCREENSHOTS=DIR`` keeps the screenshots (``docs/img/collector-board.png`` and
``collector-site.png`` come from the simulated province).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from collector.web.ui import COLOURS
from sansang import communes
from sansang.events import Event
from tests.support import browser, event_json, wait_until, wait_until_async, webdata
from tests.support.collector import CollectorProcess, inventory_of, running_collector, site
from tests.support.env import SANSANG, stop_process
from tests.support.net import free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not browser.have_chromium(), reason="needs Debian's chromium"),
]

DAY = 86400.0
N_SITES = 20
EVALUATED = {"INF-BW", "INF-LINK", "INF-DZ", "INF-PWR", "INF-HNTH", "INF-EQUIP", "OPS-247"}
EVALUATED |= {"OPS-CONT"}  # from the same journals, in service hours
EVALUATED |= {"SEC-TEAM", "SEC-DRILL", "SEC-CONTINGENCY"}  # Công an tỉnh's targets
EVALUATED |= {"SEC-MEASURES"}  # the counter PC's security_state
EVALUATED |= {"SEC-EARLY"}  # the incidents kept (pushed province: no webhook heard, unknown)
EVALUATED |= {"SEC-LEVEL"}  # the inventory's systems, as they apply to each site
SILENT = {6, 13}  # sites that never reported: every finding unknown
TERMINALS = (
    ("counter-1", "Quầy 1", "counter_pc"),
    ("scanner-1", "Máy quét quầy 1", "scanner"),
    ("printer-1", "Máy in quầy 1", "printer"),
    ("queue-1", "Máy xếp hàng", "queue_machine"),
    ("hnth", "Điểm cầu HNTH", "video_conference"),
)


def _sites() -> list[dict[str, Any]]:
    inv = webdata.inventory(webdata.quang_ngai_codes(N_SITES))
    return [
        site(
            s.commune_code,
            name=s.name,
            latitude=s.latitude,
            longitude=s.longitude,
            links=["internet", "mobile"],
            terminals=[
                {"id": tid, "name": name, "kind": kind, "address": f"10.0.0.{11 + n}"}
                for n, (tid, name, kind) in enumerate(TERMINALS)
            ],
            ups=[{"id": "ups-1", "model": "APC Back-UPS 1100", "rated_minutes": 25}],
        )
        for s in inv.sites
    ]


class Journal:
    """One site's journal, written the way the agent writes it."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.boot_id = str(uuid.uuid4())
        self.journal_id = str(uuid.uuid4())
        self.events: list[dict[str, Any]] = []
        self.t0: float | None = None

    def add(
        self,
        at: float,
        what: str,
        subject: str,
        state: str | None = None,
        value: float | None = None,
        **details: Any,
    ) -> None:
        self.t0 = at if self.t0 is None else self.t0
        monotonic_ns = int((at - self.t0 + 1000) * 1e9)
        seq = len(self.events) + 1
        sent = Event(seq, self.boot_id, at, monotonic_ns, what, subject, state, value, details)
        self.events.append(event_json(sent, self.key))

    def down_up(self, at: float, seconds: float, what: str, subject: str, **details: Any) -> None:
        self.add(at, what, subject, "down", reason="timeout", previous="up", **details)
        self.add(
            at + seconds,
            what,
            subject,
            "up",
            previous="down",
            previous_duration_seconds=seconds,
            **details,
        )


def _journal(i: int, key: str, now: float) -> Journal:
    """Thirty days of one site; what goes wrong depends on ``i``."""
    j = Journal(key)
    start = now - 29.5 * DAY
    j.add(start, "agent_started", "agent", version="0.1.0", pid=100, run_id=str(uuid.uuid4()))
    j.add(start + 1, "power_source_state", "ups-1", "up", probe="nut")
    j.add(start + 2, "link_state", "internet", "up")
    for sid, role in (("motcua", "one_stop_system"), ("dvcqg", "national_portal")):
        j.add(start + 3, "service_state", sid, "up", role=role, probe="http")
    for tid, _, kind in TERMINALS:
        j.add(start + 4, "terminal_state", tid, "up", kind=kind, method="icmp")
    if i % 7 == 4:  # a printer out for three days
        j.down_up(start + 5 * DAY, 3 * DAY, "terminal_state", "printer-1", kind="printer")
    cuts = 6 if i % 4 == 0 else 1  # afternoon power cuts in the mountain communes
    for day in range(cuts):
        lost = start + (2 + day) * DAY + 14 * 3600
        minutes = 40 if cuts > 1 else 1
        j.add(lost, "mains_state", "site", "lost", source="ups-1")
        j.add(
            lost + minutes * 60,
            "mains_state",
            "site",
            "restored",
            minutes * 60.0,
            **{"class": "sustained" if minutes > 5 else "momentary"},
        )
    if i % 5 == 1:
        j.down_up(start + 10 * DAY, 15 * 3600, "link_state", "internet")
    if i % 10 < 8:  # the one-stop e-system lost from most sites at once: a central outage
        j.down_up(start + 15 * DAY, 3 * 3600, "service_state", "motcua", role="one_stop_system")
    internet = 40 if i % 3 == 2 else 150  # slow lines
    mobile = 4 if i % 6 == 3 else 30  # coverage dead zones
    for day in range(0, 28, 4):
        for link, mbit in (("internet", internet), ("mobile", mobile)):
            j.add(
                start + day * DAY + 9 * 3600,
                "speedtest_result",
                "selfhosted",
                "ok",
                mbit * 1e6 / 8,
                kind="selfhosted",
                link=link,
                link_kind=link,
                download_bps=mbit * 1e6 / 8,
                upload_bps=mbit * 1e6 / 16,
            )
    # SEC-MEASURES: the counter PC checked over SSH yesterday; its firewall off at one in five.
    j.add(
        now - DAY,
        "security_state",
        "pc-quay-1",
        "checked",
        probe="security",
        name="Máy tính quầy 1",
        os="windows",
        firewall=i % 5 != 3,
        antivirus=True,
        realtime=True,
        signature_at=int(now - DAY - 3600),
        update_at=int(now - 6 * DAY),
        backup_expected=False,
    )
    return j


def _push(c: CollectorProcess, token: str, j: Journal) -> None:
    body = {"schema": 1, "site": j.key, "journal_id": j.journal_id, "events": j.events}
    status, _, answer = c.request(
        "POST",
        "/api/v1/ingest",
        body=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert status == 200, answer
    assert json.loads(answer)["accepted"] == len(j.events)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    sites = _sites()
    credentials = {
        s["push"]["credential_id"]: f"push-token-{s['commune_code']}-0123456789" for s in sites
    }
    workdir = tmp_path_factory.mktemp("collector")
    with running_collector(
        {"evaluate": {"interval": "1s"}}, inventory_of(*sites), workdir, credentials=credentials
    ) as c:
        now = time.time()
        for i, s in enumerate(sites):
            if i not in SILENT:
                key = f"{s['commune_code']}-main"
                _push(c, credentials[s["push"]["credential_id"]], _journal(i, key, now))
        pushed = time.time()

        def evaluated_after_the_pushes() -> bool:
            # The window ends when the pass began reading the store (evaluated_at: when it
            # finished, possibly with a pass under way as the pushes landed).
            status, body = c.get_json("/api/v1/evaluation", as_="viewer")
            window = body and body.get("window")
            return (
                status == 200
                and bool(window)
                and datetime.fromisoformat(window["end"]).timestamp() > pushed
            )

        wait_until(evaluated_after_the_pushes, 60, "an evaluation of the pushed events")
        yield c


def _get(base_url: str, path: str, viewer: str) -> Any:
    req = urllib.request.Request(base_url + path, headers={"Authorization": f"Bearer {viewer}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _board_counts(base_url: str, viewer: str) -> tuple[str, dict[str, int]]:
    """The newest evaluation's time and how many findings of each status the board shows."""
    body = _get(base_url, "/api/v1/findings", viewer)
    shown = [f for f in body["findings"] if f["target"] in EVALUATED]
    return body["evaluated_at"], {s: sum(f["status"] == s for f in shown) for s in COLOURS}


def _keep(name: str, png: bytes) -> None:
    where = os.environ.get("SANSANG_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / name).write_bytes(png)


def _only_the_collector(base_url: str, requests: list[str]) -> None:
    outside = [u for u in requests if not u.startswith(base_url + "/") and u != "about:blank"]
    assert requests and not outside, f"the page loaded from outside: {outside}"


async def _board(
    page: browser.Page, base_url: str, viewer: str
) -> tuple[str, bytes, dict[str, int]]:
    """The board's DOM and screenshot, and the API's counts of the same evaluation (a live
    simulation is evaluated again and again: the page is loaded again until they match)."""

    async def newest() -> tuple[str, bytes, dict[str, int]] | None:
        await page.goto(base_url + "/")
        dom = await page.dom()
        png = await page.screenshot(1400, 1000)
        at, counts = _board_counts(base_url, viewer)
        return (dom, png, counts) if f'<time datetime="{at}">' in dom else None

    what = "the board to show the API's newest evaluation"
    board: tuple[str, bytes, dict[str, int]] = await wait_until_async(newest, 30, what)
    return board


# Per status, the area (CSS pixels) of its board cells inside the viewport.
VISIBLE_CELL_AREAS = """(() => {
  const out = {met: 0, not_met: 0, unknown: 0};
  for (const td of document.querySelectorAll("td.c")) {
    const r = td.getBoundingClientRect();
    const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
    const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    for (const s of Object.keys(out)) if (td.classList.contains(s)) out[s] += w * h;
  }
  return out;
})()"""


async def _check_board(
    page: browser.Page, base_url: str, viewer: str, names: list[str]
) -> tuple[str, bytes, dict[str, int]]:
    """Open the board; check its DOM and its screenshot against the findings."""
    dom, png, counts = await _board(page, base_url, viewer)
    _only_the_collector(base_url, page.requests)
    for name in names:
        assert f">{name}</a>" in dom, name
    for status, n in counts.items():
        assert dom.count(f'<td class="c {status}"') == n, status
    assert dom.count("<circle") == len(names)

    pixels = browser.colour_counts(png)
    assert pixels["#ffffff"] < 0.9 * 1400 * 1000 and len(pixels) > 50, "a blank page"
    # The screenshot shows the rows in the viewport only: each status's colour is held against
    # the area its cells cover in the viewport (from the DOM), not against all its cells.
    areas = await page.evaluate(VISIBLE_CELL_AREAS)
    per_area = {}
    for status, colour in COLOURS.items():
        seen = pixels[colour.cell]
        if counts[status] == 0:
            assert seen < 100, (status, seen)  # no cell of that colour
            continue
        if areas[status] < 2000:  # none of its cells in the viewport
            continue
        per_area[status] = seen / areas[status]
    # Each status's colour fills its cells (the rest of a cell is its figure's text): the
    # pixels are in the proportions of the cells' areas, and no colour is missing.
    assert per_area and all(0.3 < share <= 1.05 for share in per_area.values()), per_area
    return dom, png, counts


async def test_the_board_shows_the_province_in_colour_and_figures(
    province: CollectorProcess,
) -> None:
    c = province
    names = [
        str(getattr(communes.lookup(code), "name", code))
        for code in webdata.quang_ngai_codes(N_SITES)
    ]

    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.login(c.base_url, c.tokens["viewer"])
        dom, png, counts = await _check_board(page, c.base_url, c.tokens["viewer"], names)
        _keep("collector-board-pushed.png", png)
        assert sum(counts.values()) == N_SITES * len(EVALUATED)
        assert counts["met"] and counts["not_met"] and counts["unknown"], counts
        assert "Bảng tổng hợp mức sẵn sàng – Quảng Ngãi" in dom
        assert "Đăng nhập: viewer" in dom
        # the e-system lost at once from 16 sites
        banner = dom[dom.index('<div class="banner') :]
        banner = banner[: banner.index("</div>")]
        assert "Sự cố hệ thống dùng chung" in banner and "Trung ương" not in banner
        # Named as the province's own, counted against the board's sites, with its end.
        assert re.search(
            rf"Hệ thống Một cửa điện tử của tỉnh: \d+/{N_SITES} điểm trên bảng cùng mất kết nối, "
            r"từ \d\d:\d\d \d\d/\d\d/\d{4} đến \d\d:\d\d \d\d/\d\d/\d{4}",
            banner,
        ), banner

        await page.goto(c.base_url + "/?target=INF-PWR&status=not_met&lang=en")
        filtered = await page.dom()
        status, body = c.get_json("/api/v1/findings?target=INF-PWR&status=not_met", as_="viewer")
        assert status == 200
        power_cut = sorted(f["site"] for f in body["findings"])
        assert power_cut and f"Showing {len(power_cut)} of {N_SITES} sites" in filtered

        await page.goto(f"{c.base_url}/sites/{power_cut[0]}")
        page_dom = await page.dom()
        _keep("collector-site-pushed.png", await page.screenshot(1400, 1400))
        _only_the_collector(c.base_url, page.requests)
        commune = communes.lookup(power_cut[0][:5])
        assert commune is not None and commune.name in page_dom
        assert "Diễn biến" in page_dom and "Mất điện lưới" in page_dom
        assert "Có điện trở lại sau 40 phút" in page_dom
        assert "Điểm cầu HNTH" in page_dom
        assert "0912 345 678" not in page_dom  # a viewer does not see the responders' phones


SCREENS = ((1366, 768), (1920, 1080))
# A4 landscape less the print stylesheet's 10 mm margins, in CSS pixels (96 per inch).
PRINTABLE_WIDTH = (297 - 2 * 10) / 25.4 * 96
A4_LANDSCAPE_POINTS = (841.92, 595.2)

LAYOUT = """(() => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {left: r.left, right: r.right, width: r.width, height: r.height}; };
  const wrap = document.querySelector('.scroll');
  return {scroll: document.documentElement.scrollWidth, inner: innerWidth,
          table: box(document.querySelector('table.board')),
          map: box(document.querySelector('svg.map')),
          wrap: [wrap.scrollWidth, wrap.clientWidth],
          headers: [...document.querySelectorAll('table.board th.c')].map(
            (th) => [th.firstElementChild.firstChild.textContent.trim(),
                     th.querySelector('.code').textContent])};
})()"""

DOTS = """[...document.querySelectorAll('svg.map circle.site')].map((c) => ({
  site: c.dataset.site, status: c.dataset.status, fill: c.getAttribute('fill'),
  title: c.querySelector('title').textContent}))"""


async def _choose(page: browser.Page, target: str, status: str) -> None:
    """As a person does: pick the target and the status in the filter, press Lọc."""
    await page.evaluate(
        f"document.querySelector('select[name=target]').value = {json.dumps(target)};"
        f"document.querySelector('select[name=status]').value = {json.dumps(status)};"
        "document.querySelector('form.filters').submit();"
    )
    await page.wait_for(
        f"location.search.includes('target={target}') && document.readyState === 'complete'"
        " && document.querySelector('svg.map') !== null"
    )


async def test_the_board_fits_the_screen_with_its_map_and_the_filter_applies_to_the_map(
    province: CollectorProcess,
) -> None:
    """At 1366×768 and 1920×1080 the table and the map are both on screen without scrolling
    sideways, the columns are named; a target and a status chosen in the filter leave only the
    matching dots, coloured by that target, each naming the commune, the target and the figure."""
    c = province
    viewer = c.tokens["viewer"]
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.login(c.base_url, viewer)
        for width, height in SCREENS:
            await page.viewport(width, height)
            await page.goto(c.base_url + "/")
            seen = await page.evaluate(LAYOUT)
            assert seen["scroll"] <= seen["inner"] == width, (width, seen)
            for part in ("table", "map"):
                box = seen[part]
                assert box["width"] > 300 and box["height"] > 200, (width, part, box)
                assert box["left"] >= 0 and box["right"] <= width, (width, part, box)
            assert seen["wrap"][0] <= seen["wrap"][1], ("columns cut", width, seen["wrap"])
            codes = [code for _name, code in seen["headers"]]
            assert set(codes) == EVALUATED, codes
            assert all(name and name != code for name, code in seen["headers"]), seen
            _keep(f"collector-board-{width}.png", await page.screenshot(width, height))
        assert seen["map"]["left"] >= seen["table"]["right"], f"at 1920 px, beside: {seen}"
        names = dict((code, name) for name, code in seen["headers"])
        assert names["INF-PWR"] == "Nguồn điện", names

        await page.goto(c.base_url + "/")
        await _choose(page, "INF-PWR", "not_met")
        dots = await page.evaluate(DOTS)
        body = _get(c.base_url, "/api/v1/findings?target=INF-PWR&status=not_met", viewer)
        cut = {f["site"]: f for f in body["findings"]}
        assert cut and len(cut) < N_SITES
        assert {d["site"] for d in dots} == set(cut), (dots, sorted(cut))
        for d in dots:
            assert (d["status"], d["fill"]) == ("not_met", COLOURS["not_met"].strong), d
            commune = communes.lookup(d["site"][:5])
            assert commune is not None
            outages = int(cut[d["site"]]["value"])
            most = int(cut[d["site"]]["threshold"])
            assert d["title"] == (
                f"{commune.name} — Nguồn điện: {outages} lần mất điện (tối đa {most}) · chưa đạt"
            ), d
        legend = await page.evaluate("document.querySelector('.legend b').textContent")
        assert legend == "Màu theo chỉ tiêu “Nguồn điện” (INF-PWR)"

        # A target alone: every site, each dot in that target's colour (not its worst).
        await _choose(page, "INF-DZ", "")
        dots = await page.evaluate(DOTS)
        body = _get(c.base_url, "/api/v1/findings?target=INF-DZ", viewer)
        coverage = {f["site"]: f["status"] for f in body["findings"]}
        assert {d["site"]: d["status"] for d in dots} == coverage
        assert all(d["fill"] == COLOURS[d["status"]].strong for d in dots)
        assert all(" — Sóng di động: " in d["title"] for d in dots)


async def test_the_board_prints_every_column_on_a4_landscape(province: CollectorProcess) -> None:
    """Printed (print media, A4 landscape as the page's @page asks), no cell passes the page's
    printable width and the table's header repeats on every page."""
    c = province
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.login(c.base_url, c.tokens["viewer"])
        await page.viewport(int(PRINTABLE_WIDTH), 700)
        await page.goto(c.base_url + "/")
        await page.emulate_media("print")
        widest = await page.evaluate(
            "Math.max(...[...document.querySelectorAll('table.board td, table.board th')]"
            ".map((cell) => cell.getBoundingClientRect().right))"
        )
        assert 0.8 * PRINTABLE_WIDTH < widest <= PRINTABLE_WIDTH, widest
        header = await page.evaluate(
            "getComputedStyle(document.querySelector('table.board thead')).display"
        )
        assert header == "table-header-group"
        hidden = await page.evaluate(
            "getComputedStyle(document.querySelector('form.filters')).display"
        )
        assert hidden == "none"  # no filter or hover chrome on paper
        pdf = await page.print_pdf()
        _keep("collector-board.pdf", pdf)
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
        assert boxes, "no page in the PDF"
        for w, h in boxes:
            assert float(w) == pytest.approx(A4_LANDSCAPE_POINTS[0], abs=1.0), boxes
            assert float(h) == pytest.approx(A4_LANDSCAPE_POINTS[1], abs=1.0), boxes


@pytest.fixture
def simulated(tmp_path: Path) -> Iterator[tuple[CollectorProcess, str]]:
    """``sansang simulate --sites 20`` (three days of history, then live) pushing to a collector
    started on the config the simulator wrote; the viewer token from its tokens.txt."""
    port = free_port()
    sim_dir = tmp_path / "simulation"
    cmd = [str(SANSANG), "simulate", "--sites", str(N_SITES), "--workdir", str(sim_dir)]
    cmd += ["--collector", f"127.0.0.1:{port}", "--backfill-days", "3"]
    cmd += ["--evaluate-interval", "1s"]
    log = (tmp_path / "simulate.log").open("wb")
    sim = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: (sim_dir / "tokens.txt").exists(), 60, "the simulator's files")
        config = YAML(typ="safe", pure=True).load((sim_dir / "collector.yaml").read_text())
        viewer = next(
            line.split("#")[0].split()[-1]  # "viewer (name): TOKEN  # who"
            for line in (sim_dir / "tokens.txt").read_text().splitlines()
            if line.startswith("viewer")
        )
        with running_collector(config, sim_dir / "inventory.yaml", sim_dir) as c:
            live = "simulation is live"
            wait_until(lambda: live in (tmp_path / "simulate.log").read_text(), 240, live)
            # The sites push the history they made in the backfill: wait until it is in.
            wait_until(lambda: _mostly_known(c, viewer), 120, "findings on the pushed history")
            yield c, viewer
    finally:
        stop_process(sim, timeout=15)
        log.close()


def _mostly_known(c: CollectorProcess, viewer: str) -> bool:
    """Every target but INF-DZ (measured at dead-zone sites only) known at most sites."""
    rollups = _get(c.base_url, "/api/v1/evaluation", viewer)["rollups"]
    known = [r for r in rollups if r["target"] in EVALUATED and r["target"] != "INF-DZ"]
    return bool(known) and all(r["unknown"] <= N_SITES // 4 for r in known)


async def test_the_board_shows_the_simulated_province(
    simulated: tuple[CollectorProcess, str],
) -> None:
    c, viewer = simulated
    inventory = YAML(typ="safe", pure=True).load(c.inventory_path.read_text())
    names = [
        str(getattr(communes.lookup(s["commune_code"]), "name", "")) for s in inventory["sites"]
    ]
    assert len(names) == N_SITES
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        await page.login(c.base_url, viewer)
        dom, png, counts = await _check_board(page, c.base_url, viewer, names)
        assert sum(counts.values()) == N_SITES * len(EVALUATED)
        _keep("collector-board.png", png)  # the README's picture
        assert "Điểm lõm điện" in dom and "Điểm lõm sóng di động" in dom

        # The site page of a commune with afternoon power cuts, as the README shows it.
        cut = _get(c.base_url, "/api/v1/findings?target=INF-PWR&status=not_met", viewer)
        key = sorted(f["site"] for f in cut["findings"])[0]
        await page.goto(f"{c.base_url}/sites/{key}")
        site_dom = await page.dom()
        _keep("collector-site.png", await page.screenshot(1400, 1400))
        _only_the_collector(c.base_url, page.requests)
        assert names[[s["commune_code"] for s in inventory["sites"]].index(key[:5])] in site_dom
        assert "Diễn biến" in site_dom and "Mất điện lưới" in site_dom
