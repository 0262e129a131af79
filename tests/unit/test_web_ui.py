"""The collector's web pages rendered from hand-built evaluations (no server, no database).

What a person at the province reads: every commune and target on the board with its colour,
symbol and figure in Vietnamese number format; filters and sorting by query string; the rollup;
the central-outage banner; the dead-zone lists; the map; the site page with its findings,
timeline and notes, and the contingency plans only for the roles allowed to see them.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from html import unescape

import pytest

from collector import figures as fmt
from collector.evaluate.model import PROVINCE_SITE, Evaluation, Finding, LiveSite, Status
from collector.events import StoredEvent
from collector.inventory.model import Inventory, Terminal, load
from collector.store import Note
from collector.targets import Catalogue, load_catalogue
from collector.web import board, mapsvg, sitepage, timeline, ui
from collector.web.auth import Principal
from sansang import communes
from tests.support import webdata

# Every evaluated target of the catalogue, in its order: the board's columns.
TARGETS = [t.id for t in board.columns(load_catalogue())]
CELL = re.compile(r'<td class="c (met|not_met|unknown)" title="([^"]*)">')


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def province() -> Inventory:
    return webdata.inventory(webdata.quang_ngai_codes(20))


@pytest.fixture(scope="module")
def evaluation(province: Inventory, catalogue: Catalogue) -> Evaluation:
    return webdata.evaluation(province, catalogue)


@pytest.mark.parametrize(
    ("value", "unit", "vi", "en"),
    [
        (0.992, "ratio", "99,2 %", "99.2 %"),
        (0.9996, "ratio", "99,9 %", "99.9 %"),  # cut, never rounded up to 100 %
        (0.99946, "ratio", "99,9 %", "99.9 %"),
        (0.9946, "ratio", "99,4 %", "99.4 %"),  # not 99,5 %: below a 99.5 % target
        (0.97, "ratio", "97 %", "97 %"),
        (1.0, "ratio", "100 %", "100 %"),
        (6, "outages", "6 lần mất điện", "6 outages"),
        (1234, "outages", "1.234 lần mất điện", "1,234 outages"),
        (3, "times", "3 lần", "3 times"),
        (48.3, "Mbit/s", "48 Mbit/s", "48 Mbit/s"),
        (3.46, "Mbit/s", "3,5 Mbit/s", "3.5 Mbit/s"),
        (240, "minutes", "4 giờ", "4 h"),  # the one duration form, as in the findings
        (125, "minutes", "2 giờ 5 phút", "2 h 5 min"),
        (7500, "seconds", "2 giờ 5 phút", "2 h 5 min"),
        (4, "risks", "4 rủi ro", "4 risks"),
        (365, "days", "365 ngày", "365 days"),
        (None, "ratio", "—", "—"),
        # A unit the formatter does not know: the number and the unit as given, never another.
        (42.0, "req/s", "42 req/s", "42 req/s"),
        (0.5, "dBm", "0,5 dBm", "0.5 dBm"),
    ],
)
def test_figures_are_written_the_vietnamese_way(
    value: float | None, unit: str, vi: str, en: str
) -> None:
    assert fmt.figure(value, unit, "vi") == vi
    assert fmt.figure(value, unit, "en") == en


def test_the_board_shows_every_commune_and_every_target_with_colour_symbol_and_figure(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    html = ui.render_board(province, catalogue, evaluation, "vi", {})
    for s in province.sites:
        assert f">{s.commune.name}</a>" in html
        assert f'href="/sites/{s.key}"' in html
    for target in TARGETS:
        assert f">{target}" in html
    cells = Counter(status for status, _ in CELL.findall(html))
    expected = Counter(f.status for f in evaluation.findings)
    assert cells == expected and sum(cells.values()) == 20 * len(TARGETS)
    # Colour is never alone: each cell has its symbol and its word.
    assert html.count('aria-hidden="true">✖</span>') == expected["not_met"]
    assert html.count('<span class="sr"> chưa đạt</span>') == expected["not_met"]
    sym = '<span class="sym" aria-hidden="true">'
    assert f"148 Mbit/s{sym}✔" in html and f"98,2 %{sym}✖" in html
    assert f"6 lần mất điện{sym}✖" in html
    rollup = next(r for r in evaluation.rollups if r.target == "INF-PWR")
    assert f"{rollup.met}/20 xã đạt" in html
    assert "Đánh giá lúc 03:26 29/05/2026" in html  # Vietnam time (UTC+7)


def test_the_board_filters_and_sorts_by_query_string(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    not_met = {
        f.site for f in evaluation.findings if f.target == "INF-PWR" and f.status == "not_met"
    }
    html = ui.render_board(
        province, catalogue, evaluation, "vi", {"target": "INF-PWR", "status": "not_met"}
    )
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    shown = set(re.findall(r'<tr><td><a href="/sites/([0-9]{5}-main)"', table))
    assert shown == not_met and 0 < len(shown) < 20
    assert f"Hiển thị {len(not_met)}/20 điểm" in html

    rows = board.board_rows(province, catalogue, evaluation, "vi")
    by_code = board.select(rows, board.Query(sort="code", descending=True), TARGETS)
    assert [r.code for r in by_code] == sorted((r.code for r in rows), reverse=True)
    by_pwr = board.select(rows, board.Query(sort="INF-PWR"), TARGETS)
    assert [r.cells[3].status for r in by_pwr][: len(not_met)] == ["not_met"] * len(not_met)
    found = board.select(rows, board.Query(text="tra bong"), TARGETS)  # without diacritics
    assert found and all("trà bồng" in r.commune.casefold() for r in found)

    # A stale bookmark still shows the board.
    odd = ui.render_board(province, catalogue, evaluation, "vi", {"target": "X", "sort": "?"})
    assert "Hiển thị 20/20 điểm" in odd


def test_the_board_in_english_and_escaped(catalogue: Catalogue) -> None:
    inv = webdata.inventory(webdata.quang_ngai_codes(3))
    site = inv.sites[0].model_copy(update={"name": "<script>alert(1)</script>"})
    inv = inv.model_copy(update={"sites": [site, *inv.sites[1:]]})
    html = ui.render_board(inv, catalogue, webdata.evaluation(inv, catalogue), "en", {})
    assert "Readiness board" in html and "communes meet" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "99.9 %" in html


def test_before_the_first_evaluation_every_cell_is_unknown(
    province: Inventory, catalogue: Catalogue
) -> None:
    html = ui.render_board(province, catalogue, None, "vi", {})
    assert "Chưa có kết quả đánh giá" in html
    assert Counter(s for s, _ in CELL.findall(html)) == Counter({"unknown": 20 * len(TARGETS)})


Outage = dict[str, float | int | str]  # a central outage as the rollups give it


def _with_outages(evaluation: Evaluation, *outages: Outage) -> Evaluation:
    rollups = [
        dataclasses.replace(r, central_outages=list(outages) if r.target == "OPS-247" else [])
        for r in evaluation.rollups
    ]
    return dataclasses.replace(evaluation, rollups=rollups)


def _banner(html: str) -> str:
    """The banner's text, entities decoded."""
    start = html.index('<div class="banner')
    return unescape(html[start : html.index("</div>", start)])


def test_a_central_outage_is_a_banner_naming_the_system_not_many_local_faults(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    ongoing: Outage = {
        "role": "one_stop_system",
        "name": "Hệ thống Một cửa điện tử",
        "start": webdata.T_END - 7200,
        "end": webdata.T_END,  # the evaluation's time: the outage has no end yet
        "ongoing": 1,
        "sites": 14,
        "watchers": 19,
    }
    past: Outage = {
        "role": "national_portal",
        "start": webdata.T_END - 5 * 86400,
        "end": webdata.T_END - 5 * 86400 + 3600,
        "ongoing": 0,
        "sites": 12,
        "watchers": 19,
    }
    html = ui.render_board(province, catalogue, _with_outages(evaluation, ongoing, past), "vi", {})
    banner = _banner(html)
    assert "Sự cố hệ thống dùng chung" in banner and 'role="alert"' in banner
    assert "Trung ương" not in banner  # the one-stop e-system is the province's own
    # Named, counted against the board's 20 sites (not the 19 watchers), still going.
    assert (
        "Hệ thống Một cửa điện tử của tỉnh: 14/20 điểm trên bảng cùng mất kết nối, "
        "từ 01:26 29/05/2026, đang diễn ra"
    ) in banner
    assert "đến 03:26 29/05/2026" not in banner  # no end time equal to the evaluation's
    # Without a name the role's name from the vocabulary; a past outage with its end.
    assert (
        "Cổng Dịch vụ công quốc gia: 12/20 điểm trên bảng cùng mất kết nối, "
        "từ 03:26 24/05/2026 đến 04:26 24/05/2026"
    ) in banner
    english = _banner(
        ui.render_board(province, catalogue, _with_outages(evaluation, ongoing), "en", {})
    )
    assert "The province's one-stop e-system: 14 of the board's 20 sites" in english
    assert "ongoing" in english
    assert "Sự cố hệ thống dùng chung" not in ui.render_board(
        province, catalogue, evaluation, "vi", {}
    )


def test_an_outage_from_an_evaluation_without_the_ongoing_key_ends_at_the_window_end(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    """An older evaluation's mapping (no "name", no "ongoing"): an end at the window's end is
    an outage still going, not one that ended when the evaluation ran."""
    old: Outage = {"role": "one_stop_system", "start": webdata.T_END - 7200, "end": webdata.T_END}
    old_sites: Outage = {**old, "sites": 20, "watchers": 20}
    banner = _banner(
        ui.render_board(province, catalogue, _with_outages(evaluation, old_sites), "vi", {})
    )
    assert "Hệ thống Một cửa điện tử của tỉnh: 20/20 điểm" in banner
    assert "đang diễn ra" in banner and " đến " not in banner
    ended: Outage = {**old_sites, "end": webdata.T_END - 3600}
    banner = _banner(
        ui.render_board(province, catalogue, _with_outages(evaluation, ended), "vi", {})
    )
    assert "đến 02:26 29/05/2026" in banner and "đang diễn ra" not in banner
    assert 'role="status"' in banner  # over: news, not an alert


def _system(role: str, status: Status, value: float | None, **details: float | str) -> Finding:
    return Finding(
        target="OPS-247",
        site=PROVINCE_SITE,
        status=status,
        value=value,
        threshold=0.995,
        unit="ratio",
        window=webdata.WINDOW,
        vi=f"{role}: câu nhận định",
        en=f"{role}: the finding",
        cause="central" if status == "not_met" else None,
        details={"role": role, **details},
    )


def test_the_provinces_shared_systems_are_a_section_above_the_table(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    one_stop = _system(
        "one_stop_system",
        "not_met",
        0.98612,
        system="Hệ thống Một cửa điện tử",
        outages=1,
        down_seconds=36000.0,
    )
    portal = _system("national_portal", "met", 1.0, system="Cổng Dịch vụ công quốc gia")
    outage: Outage = {
        "role": "one_stop_system",
        "start": webdata.T_END - 20 * 86400,
        "end": webdata.T_END - 20 * 86400 + 36000,
        "ongoing": 0,
        "sites": 16,
        "watchers": 18,
    }
    with_systems = dataclasses.replace(
        _with_outages(evaluation, outage), province_findings=(one_stop, portal)
    )
    html = ui.render_board(province, catalogue, with_systems, "vi", {})
    section = html[html.index('<section class="systems">') : html.index("</section>")]
    assert html.index('<section class="systems">') < html.index('<table class="board">')
    assert "Hệ thống dùng chung của tỉnh" in section
    lines = re.findall(
        r'<li class="system">(.*?)</li>\s*(?=<li class="system">|</ul>)', section, re.S
    )
    assert len(lines) == 2
    assert "<b>Hệ thống Một cửa điện tử của tỉnh</b>" in lines[0]
    assert "chưa đạt" in lines[0] and "98,6 % (cần ≥ 99,5 %)" in lines[0]  # cut, not 98,7
    assert "1 lần ngừng, tổng 10 giờ" in lines[0]
    assert "ngừng từ 03:26 09/05/2026 đến 13:26 09/05/2026: 16/20 điểm" in lines[0]
    assert "<b>Cổng Dịch vụ công quốc gia</b>" in lines[1] and "100 % (cần ≥ 99,5 %)" in lines[1]
    assert "không có lần ngừng nào" in lines[1]
    # Nothing about the province: no section.
    assert '<section class="systems">' not in ui.render_board(
        province, catalogue, evaluation, "vi", {}
    )
    # English, a role the vocabulary has not named, a finding without figure: still a line.
    odd = _system("other", "unknown", None)
    english = ui.render_board(
        province, catalogue, dataclasses.replace(evaluation, province_findings=(odd,)), "en", {}
    )
    english = unescape(english)
    assert "The province's shared systems" in english and "<b>Other system</b>" in english
    assert "no figure (needs ≥ 99.5 %)" in english


def test_the_dead_zone_lists_name_the_communes_that_miss_power_and_coverage(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    html = ui.render_board(province, catalogue, evaluation, "vi", {})
    power = html[html.index("Điểm lõm điện") : html.index("Điểm lõm sóng")]
    coverage = html[html.index("Điểm lõm sóng") :]
    names = {s.key: s.commune.name for s in province.sites}
    for f in evaluation.findings:
        zone = power if f.target == "INF-PWR" else coverage if f.target == "INF-DZ" else None
        if zone is not None:
            assert (f">{names[f.site]}</a>" in zone) == (f.status == "not_met")


def test_a_ups_that_ran_flat_is_not_met_but_no_power_dead_zone(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    """INF-PWR failing on its UPS's hold-up says ``dead_zone: 0``: the commune's equipment, not
    the grid, so the board's list of power dead zones leaves it out."""
    first = next(f for f in evaluation.findings if f.target == "INF-PWR")
    flat = dataclasses.replace(first, status="not_met", details={**first.details, "dead_zone": 0})
    grid = dataclasses.replace(first, status="not_met", details={**first.details, "dead_zone": 1})
    name = next(s.commune.name for s in province.sites if s.key == first.site)
    for finding, listed in ((flat, False), (grid, True)):
        findings = [finding if f is first else f for f in evaluation.findings]
        changed = dataclasses.replace(evaluation, findings=findings)
        html = ui.render_board(province, catalogue, changed, "vi", {})
        power = html[html.index("Điểm lõm điện") : html.index("Điểm lõm sóng")]
        assert (f">{name}</a>" in power) == listed


def test_the_map_draws_every_site_in_its_worst_colour(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    rows = board.board_rows(province, catalogue, evaluation, "vi")
    drawn = mapsvg.draw(ui._places(rows, province, "vi"))
    assert len(drawn.dots) == 20 and drawn.outline.startswith("M")
    assert all(0 < d.x < drawn.width and 0 < d.y < drawn.height for d in drawn.dots)
    north = max(province.sites, key=lambda s: s.latitude).key
    assert min(drawn.dots, key=lambda d: d.y).key == north  # north is up
    html = ui.render_map(province, catalogue, evaluation, "vi")
    assert html.count("<circle") == 20 and "<title>" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    one = webdata.inventory(webdata.quang_ngai_codes(1))
    assert (
        len(mapsvg.draw(ui._places(board.board_rows(one, catalogue, None, "vi"), one, "vi")).dots)
        == 1
    )


DOT = re.compile(
    r'<circle class="site (met|not_met|unknown)" data-site="([^"]+)" data-status="\1"'
    r'[^>]*fill="(#[0-9a-f]{6})"[^>]*><title>([^<]*)</title>'
)


def test_the_columns_and_the_filter_name_the_targets(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    html = ui.render_board(province, catalogue, evaluation, "vi", {})
    head = html[html.index("<thead>") : html.index("</thead>")]
    headers = re.findall(
        r'<th class="c" scope="col"><a [^>]*>([^<]*)<span class="code">([^<]*)<', head
    )
    assert [code for _name, code in headers] == TARGETS
    names = dict((code, name) for name, code in headers)
    assert names["INF-PWR"] == "Nguồn điện" and names["INF-BW"] == "Băng thông"
    assert names["SEC-TEAM"] == "Đội ứng cứu" and names["OPS-247"] == "Truy cập Một cửa, DVCQG"
    assert all(name and name != code for code, name in names.items())
    options = re.findall(r'<option value="([A-Z0-9-]+)"[^>]*>([^<]*)</option>', html)
    assert options == [(code, f"{names[code]} ({code})") for code in TARGETS]
    english = ui.render_board(province, catalogue, evaluation, "en", {})
    assert '<option value="INF-PWR">Power (INF-PWR)</option>' in english


def test_a_cell_and_its_tooltip_give_the_figure_beside_its_threshold(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    html = ui.render_board(province, catalogue, evaluation, "vi", {})
    tips = {unescape(tip) for _status, tip in CELL.findall(html)}
    assert "Hội nghị truyền hình: 99,1 % (cần ≥ 99 %) · đạt\nINF-HNTH: đạt" in tips
    assert "Nguồn điện: 6 lần mất điện (tối đa 4) · chưa đạt\nINF-PWR: không đạt" in tips
    assert "Băng thông: 48 Mbit/s (cần ≥ 100 Mbit/s) · chưa đạt\nINF-BW: không đạt" in tips
    assert "Nguồn điện: chưa có số đo (tối đa 4) · chưa rõ\nINF-PWR: thiếu số liệu" in tips


@pytest.mark.parametrize(
    ("status", "value", "threshold", "unit", "vi"),
    [
        ("met", 0.991, 0.99, "ratio", "99,1 % (cần ≥ 99 %)"),
        ("not_met", 0.98999, 0.99, "ratio", "98,9 % (cần ≥ 99 %)"),  # cut, never 99 %
        ("met", 0.01, 0.05, "ratio", "1 % (tối đa 5 %)"),  # a loss: met below its threshold
        ("not_met", 5.0, 4, "outages", "5 lần mất điện (tối đa 4)"),
        ("met", 4.0, 4, "outages", "4 lần mất điện (tối đa 4)"),
        ("not_met", 3.5, 10, "Mbit/s", "3,5 Mbit/s (cần ≥ 10 Mbit/s)"),
        ("not_met", 250.0, 240, "minutes", "4 giờ 10 phút (tối đa 4 giờ)"),
        ("not_met", 400.0, 365, "days", "400 ngày (tối đa 365 ngày)"),
        ("not_met", 3.0, 5, "risks", "3/5 rủi ro (cần ≥ 5)"),
        ("met", 9.0, 13, "day_of_month", "ngày 9 (tối đa ngày 13)"),  # a report written on the 9th
        ("met", 12.0, 10, "req/s", "12 req/s (cần ≥ 10 req/s)"),  # unknown unit: as given
    ],
)
def test_one_formatter_per_unit_with_the_threshold_beside_the_figure(
    status: Status, value: float, threshold: float, unit: str, vi: str
) -> None:
    f = dataclasses.replace(
        webdata.finding("21025-main", "INF-PWR", "met"),
        status=status,
        value=value,
        threshold=threshold,
        unit=unit,
    )
    assert fmt.reading(f, "vi") == vi


def test_the_map_follows_the_filter_and_is_coloured_by_the_chosen_target(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    status_of = {(f.site, f.target): f.status for f in evaluation.findings}
    names = {s.key: s.commune.name for s in province.sites}
    strong = {status: colour.strong for status, colour in ui.COLOURS.items()}

    # No target chosen: every site, in its worst colour, and the legend says so.
    html = ui.render_board(province, catalogue, evaluation, "vi", {})
    dots = DOT.findall(html)
    assert len(dots) == 20
    rows = {r.key: r for r in board.board_rows(province, catalogue, evaluation, "vi")}
    for status, key, fill, title in dots:
        assert status == rows[key].worst and fill == strong[status]
        assert title.startswith(f"{names[key]} — ")
    assert "Màu theo chỉ tiêu kém nhất của mỗi điểm" in html

    # A target and a status: only the matching sites, coloured by that target.
    html = ui.render_board(
        province, catalogue, evaluation, "vi", {"target": "INF-PWR", "status": "not_met"}
    )
    dots = DOT.findall(html)
    expected = {k for (k, t), s in status_of.items() if t == "INF-PWR" and s == "not_met"}
    assert {key for _s, key, _f, _t in dots} == expected and 0 < len(expected) < 20
    for status, key, fill, title in dots:
        assert (status, fill) == ("not_met", strong["not_met"])
        assert unescape(title) == (
            f"{names[key]} — Nguồn điện: 6 lần mất điện (tối đa 4) · chưa đạt"
        )
    assert "Màu theo chỉ tiêu “Nguồn điện” (INF-PWR)" in html
    assert f"{len(expected)}/20 điểm trên bản đồ" in html

    # A target alone colours every dot by it (a site's worst is not its power).
    html = ui.render_board(province, catalogue, evaluation, "vi", {"target": "INF-PWR"})
    coloured = {key: status for status, key, _f, _t in DOT.findall(html)}
    assert coloured == {s.key: status_of[s.key, "INF-PWR"] for s in province.sites}
    assert set(coloured.values()) == {"met", "not_met", "unknown"}

    # The search hides dots too; the map page takes the same filter.
    html = ui.render_board(province, catalogue, evaluation, "vi", {"q": "tra bong"})
    shown = {key for _s, key, _f, _t in DOT.findall(html)}
    assert shown and all("trà bồng" in names[k].casefold() for k in shown)
    big = ui.render_map(province, catalogue, evaluation, "vi", None, {"target": "INF-PWR"})
    assert {key for _s, key, _f, _t in DOT.findall(big)} == {s.key for s in province.sites}


def test_the_same_figure_on_the_board_the_map_and_the_site_page(
    province: Inventory, catalogue: Catalogue, evaluation: Evaluation
) -> None:
    site = province.sites[1]
    f = next(x for x in evaluation.findings if x.site == site.key and x.target == "INF-PWR")
    reading = fmt.reading(f, "vi")
    board_html = unescape(
        ui.render_board(province, catalogue, evaluation, "vi", {"target": "INF-PWR"})
    )
    assert f"Nguồn điện: {reading}" in board_html  # the cell's tooltip and the dot's title
    assert f"{site.commune.name} — Nguồn điện: {reading}" in board_html
    view = next(
        v for v in sitepage.findings(site, catalogue, evaluation, "vi") if v.target == "INF-PWR"
    )
    assert reading == f"{view.value} ({view.threshold})" == "6 lần mất điện (tối đa 4)"
    assert view.name == "Nguồn điện"


def _event(
    seq: int,
    ago: float,
    what: str,
    subject: str,
    state: str | None = None,
    value: float | None = None,
    **details: object,
) -> StoredEvent:
    wall = webdata.T_END - ago
    return StoredEvent(
        "23527-main", "j1", seq, "b1", wall, seq, what, subject, state, value, details
    )


EVENTS = [
    _event(6, 100, "mains_state", "site", "restored", 720.0, **{"class": "sustained"}),
    _event(5, 820, "mains_state", "site", "lost", source="ups-1"),
    _event(4, 900, "terminal_state", "printer-1", "down", kind="printer", reason="timeout"),
    _event(
        3,
        1900,
        "speedtest_result",
        "selfhosted",
        "ok",
        6e6,
        link_kind="internet",
        download_bps=6e6,
        upload_bps=1.5e6,
    ),
    _event(2, 3900, "link_state", "tslcd", "up", previous="down", previous_duration_seconds=1500),
    _event(1, 9000, "agent_started", "agent"),
]


@pytest.mark.parametrize(
    ("seq", "vi", "en"),
    [
        (6, "Có điện trở lại sau 12 phút", "Mains back after 12 min"),
        (5, "Mất điện lưới", "Mains lost"),
        (
            4,
            "Máy in printer-1: mất kết nối – không phản hồi (quá thời gian chờ)",
            "Printer printer-1: down – no answer (timed out)",
        ),
        (
            3,
            "Đo băng thông (Internet): tải xuống 48 Mbit/s, tải lên 12 Mbit/s",
            "Throughput test (Internet): down 48 Mbit/s, up 12 Mbit/s",
        ),
        (
            2,
            "Đường truyền Mạng truyền số liệu chuyên dùng: hoạt động trở lại sau 25 phút",
            "Link Government network (TSLCD): back up after 25 min",
        ),
        (1, "Tác tử khởi động", "Agent started"),
    ],
)
def test_events_read_as_sentences(seq: int, vi: str, en: str) -> None:
    event = next(e for e in EVENTS if e.seq == seq)
    assert timeline.sentence(event, "vi") == vi
    assert timeline.sentence(event, "en") == en


def test_the_timeline_calls_things_by_their_names_in_the_inventory() -> None:
    """Terminals by their names, links by their kind's name, a UPS by its model, a system by
    its role: never "Máy tính quầy counter-2", "Đường truyền fibre" or "Khác this-machine"."""
    site = webdata.site("21025", 0, 15.0, 108.5).model_copy(
        update={
            "links": ["internet"],
            "terminals": [
                Terminal(id="counter-2", name="Quầy 2", kind="counter_pc", address="10.0.0.12"),
                Terminal(id="printer-1", name="Máy in quầy 1", kind="printer", address="10.0.0.13"),
                Terminal(id="this-machine", name="Máy chủ tác tử", kind="other", address="::1"),
            ],
        }
    )
    quality = _event(10, 50, "link_quality", "dc", None, link="4g", link_kind="mobile")
    events = [
        _event(11, 40, "terminal_state", "counter-2", "down", kind="counter_pc", reason="timeout"),
        _event(12, 30, "terminal_state", "printer-1", "up", kind="printer", previous="down"),
        _event(13, 20, "terminal_state", "this-machine", "down", kind="other"),
        _event(14, 10, "link_state", "fibre", "down"),  # the site's one kind of link: Internet
        _event(15, 9, "link_state", "4g", "down"),  # tied to its kind by a quality round
        _event(16, 8, "power_source_state", "ups-1", "down", reason="driver_not_connected"),
        _event(17, 7, "service_state", "motcua", "down", role="one_stop_system"),
        quality,
    ]
    names = timeline.Names.of(site, events)
    said = [timeline.sentence(e, "vi", names) for e in events[:-1]]
    assert said == [
        "Quầy 2 (Máy tính quầy): mất kết nối – không phản hồi (quá thời gian chờ)",
        "Máy in quầy 1: hoạt động trở lại",
        "Máy chủ tác tử (Khác): mất kết nối",
        "Đường truyền Internet: mất kết nối",
        "Đường truyền Di động (3G/4G/5G): mất kết nối",
        "Liên lạc với UPS APC Back-UPS 1100: mất kết nối – "
        "mất liên lạc với UPS (trình điều khiển NUT không kết nối)",
        "Hệ thống Một cửa điện tử: mất kết nối",
    ]
    for ident in ("counter-2", "printer-1", "this-machine", "fibre", "4g", "ups-1", "motcua"):
        assert all(ident not in text for text in said), ident
    assert timeline.sentence(events[0], "en", names).startswith("Quầy 2 (Counter PC): down")
    # The site page reads the same names, and writes the day first.
    lines = sitepage.events(events, "vi", names)
    assert lines[0] == ("29/05/2026 03:26:00", said[0], "bad")


def _site_page(principal: Principal, lang: str = "vi") -> str:
    inv = load("deploy/examples/inventory.yaml")
    catalogue = load_catalogue()
    notes = [Note(1, "23527-main", webdata.T_END - 50, "kt-sa-thay", "Thay cáp <b>quầy 2</b>")]
    live = {"23527-main": LiveSite(webdata.T_END, up=True, mains_present=False, on_battery=True)}
    return ui.render_site(
        inv.sites[0],
        catalogue,
        webdata.evaluation(inv, catalogue),
        live,
        ui.SiteData(EVENTS, notes),
        "en" if lang == "en" else "vi",
        principal,
    )


def test_the_site_page_shows_inventory_findings_timeline_and_notes() -> None:
    html = _site_page(Principal("so-khcn", "viewer"))
    assert "Bộ phận một cửa Xã Sa Thầy" in html and "Xã Sa Thầy (23527), Quảng Ngãi" in html
    assert "Thiết bị hội nghị truyền hình" in html and "hnth.sa-thay.example" in html
    assert "APC Back-UPS 1100" in html and "25 phút" in html
    for target in TARGETS:
        assert f'<tr id="{target}">' in html
    assert "Nguyên nhân khả dĩ: <b>mất điện lưới</b>" in html and "23527-main/j1/4" in html
    assert "khoảng thời gian 30 ngày, từ 29/04/2026 đến 29/05/2026" in html
    sentences = re.findall(
        r'<tr class="tl-[a-z]*"><td>[^<]*</td><td>(?:<span[^>]*>[^<]*</span>)?([^<]*)', html
    )
    assert sentences[:2] == ["Có điện trở lại sau 12 phút", "Mất điện lưới"]  # newest first
    assert "Thay cáp &lt;b&gt;quầy 2&lt;/b&gt;" in html
    assert "Đang chạy pin UPS</dt><dd>có" in html


def test_contingency_details_and_phones_only_for_the_security_reviewer_and_admin() -> None:
    phone = "0912 345 678"
    for role in ("viewer", "technician"):
        html = _site_page(Principal("x", role, frozenset({"23527-main"})))  # type: ignore[arg-type]
        assert phone not in html and "Nguyễn Văn An" not in html
        assert "Có phương án cho 5/5 rủi ro" in html
    for role in ("security_reviewer", "admin"):
        html = _site_page(Principal("x", role))  # type: ignore[arg-type]
        assert f"Nguyễn Văn An, {phone}" in html and "Mất đường truyền" in html


def test_the_note_form_only_for_those_who_may_write_here() -> None:
    form = 'action="/sites/23527-main/notes"'
    assert form in _site_page(Principal("kt", "technician", frozenset({"23527-main"})))
    assert form in _site_page(Principal("root", "admin"))
    assert form not in _site_page(Principal("kt", "technician", frozenset({"21548-main"})))
    assert form not in _site_page(Principal("so-khcn", "viewer"))
    assert form not in _site_page(Principal("ca", "security_reviewer"))


def test_the_national_board_is_formatted_once_per_evaluation(catalogue: Catalogue) -> None:
    """3,321 sites: the rows are formatted once per evaluation and language, then every request
    only filters and sorts them (the time it takes is measured by ``python -m bench.web_board``,
    not here: a timed test fails on a busy machine)."""
    codes = sorted(c for c in communes._index())
    assert len(codes) == 3321
    inv = webdata.inventory(codes)
    evaluation = webdata.evaluation(inv, catalogue)
    html = ui.render_board(inv, catalogue, evaluation, "vi", {})
    ui.render_board(inv, catalogue, evaluation, "vi", {"sort": "worst"})
    assert len(CELL.findall(html)) == 3321 * len(TARGETS)
    rows = board.board_rows(inv, catalogue, evaluation, "vi")
    assert board.board_rows(inv, catalogue, evaluation, "vi") is rows
    assert board.board_rows(inv, catalogue, evaluation, "en") is not rows


def test_risks_read_as_a_share_of_all_the_risks() -> None:
    f = webdata.finding("21025-main", "SEC-CONTINGENCY", "not_met")
    risks = dataclasses.replace(f, unit="risks", value=4.0, threshold=5)
    assert fmt.finding_figures(risks, "vi") == ("4/5 rủi ro", "5")
    assert fmt.finding_figures(risks, "en")[0] == "4/5 risks"


def test_the_site_page_in_english() -> None:
    html = _site_page(Principal("so-khcn", "viewer"), "en")
    assert '<html lang="en">' in html and "Findings by target" in html and "Timeline" in html
    assert "Mains back after 12 min" in html and "Video-conference endpoint" in html
    assert "Plans for 5 of 5 risks" in html
