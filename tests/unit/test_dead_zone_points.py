"""The province's coverage dead-zone places (INF-DZ survey points tied to no site): carried in
the evaluation by ``evaluate_all`` over a real SQLite store, listed on the board's coverage
dead-zone list and drawn as triangles on the map, in Vietnamese (English with ``?lang=en``)."""

from __future__ import annotations

import re

import pytest

from collector.evaluate.model import Evaluation
from collector.evaluate.run import evaluate_all
from collector.inventory.model import Inventory
from collector.store import Store
from collector.survey import SurveyPoint
from collector.targets import load_catalogue
from collector.web import board, ui
from tests.support import webdata
from tests.support.evaluate import THRESHOLDS, WINDOW, _example, at

# Far from both example sites (Sa Thầy 14.41/107.79, Lý Sơn 15.38/109.12).
MOUNTAIN_PASS = SurveyPoint(
    "Đèo Lò Xo", 14.62, 108.31, at(3), 1e5, 1e4, 0.02, 0.3, "Viettel", "lte"
)
FAILED = SurveyPoint("Khe Nước", 14.70, 108.40, at(4), None, None, 1.0, None)
GOOD = SurveyPoint("Thôn Gò", 14.80, 108.50, at(5), 6e6, 2e6, 0.0, 0.05)  # 48 Mbit/s
LOSSY = SurveyPoint("Bến Đò", 14.90, 108.60, at(6), 6e6, 2e6, 0.30, 0.05)  # loss 30 %
FOR_A_SITE = SurveyPoint(
    "Sân UBND", 14.4133, 107.7931, at(7), 1e5, None, 0.0, 0.2, site="23527-main"
)
BEFORE = SurveyPoint("Đèo cũ", 14.95, 108.7, WINDOW.start - 3600, 1e5, None, 0.0, 0.2)


@pytest.fixture
def evaluation(store: Store) -> Evaluation:
    assert store.add_survey_points([MOUNTAIN_PASS, FAILED, GOOD, LOSSY, FOR_A_SITE, BEFORE]) == 6
    return evaluate_all(store, _example(), load_catalogue(), THRESHOLDS, WINDOW)


def test_evaluate_all_carries_the_survey_points_below_threshold_tied_to_no_site(
    evaluation: Evaluation,
) -> None:
    assert [p.label for p in evaluation.dead_zone_points] == ["Đèo Lò Xo", "Khe Nước", "Bến Đò"]
    assert evaluation.dead_zone_points[0] == MOUNTAIN_PASS
    by = {(f.site, f.target): f for f in evaluation.findings}
    assert by["23527-main", "INF-DZ"].status == "not_met"  # its own point is in its finding
    assert by["23527-main", "INF-DZ"].details["survey_points_dead"] == 1


def test_no_survey_points_no_list(store: Store) -> None:
    evaluation = evaluate_all(store, _example(), load_catalogue(), THRESHOLDS, WINDOW)
    assert evaluation.dead_zone_points == ()


def _coverage(html: str) -> str:
    return html[html.index("Điểm lõm sóng di động") :]


def test_the_board_lists_them_under_coverage_dead_zones_and_the_map_has_triangles(
    evaluation: Evaluation,
) -> None:
    inventory, catalogue = _example(), load_catalogue()
    html = ui.render_board(inventory, catalogue, evaluation, "vi", {})
    coverage = _coverage(html)
    assert "Nơi khảo sát dưới ngưỡng, chưa gắn với điểm một cửa nào" in coverage
    rows = re.findall(r"<tr><td><span class=\"s-not_met\"[^>]*>▲</span> ([^<]+)</td>", coverage)
    assert rows == ["Bến Đò", "Đèo Lò Xo", "Khe Nước"]  # by name, without diacritics
    assert "14.62000, 108.31000" in coverage
    assert "0,8 Mbit/s" in coverage and "mất gói 2 %" in coverage and "(Viettel, lte)" in coverage
    assert "không đo được" in coverage  # Khe Nước: the speed test failed
    assert "Thôn Gò" not in html and "Sân UBND" not in html and "Đèo cũ" not in html
    triangle = r'<polygon class="dead-point" points="([^"]+)"[^>]*><title>([^<]+)'
    triangles = re.findall(triangle, html)
    assert len(triangles) == 3
    assert any(t.startswith("Nơi khảo sát lõm sóng: Đèo Lò Xo") for _pts, t in triangles)
    assert html.count("<circle") == len(inventory.sites)  # the sites stay dots
    assert "▲</span> Nơi khảo sát lõm sóng" in html  # the legend
    big = ui.render_map(inventory, catalogue, evaluation, "vi")
    assert big.count('class="dead-point"') == 3 and "Tam giác ▲" in big
    english = ui.render_board(inventory, catalogue, evaluation, "en", {})
    assert "Surveyed places below threshold, tied to no site" in english
    assert "0.8 Mbit/s" in english and "failed" in english


def test_triangles_sit_inside_the_map_where_the_places_are(evaluation: Evaluation) -> None:
    inventory, catalogue = _example(), load_catalogue()
    rows = board.board_rows(inventory, catalogue, evaluation, "vi")
    points = board.dead_zone_points(evaluation, "vi")
    drawn = ui.mapsvg.draw(ui._places(rows, inventory, "vi"), marks=ui._marks(points, "vi"))
    assert len(drawn.marks) == 3 and len(drawn.dots) == 2
    assert all(0 < m.x < drawn.width and 0 < m.y < drawn.height for m in drawn.marks)
    by_label = {p.label: m for p, m in zip(points, drawn.marks, strict=True)}
    assert by_label["Bến Đò"].y < by_label["Đèo Lò Xo"].y  # north is up
    assert by_label["Bến Đò"].x > by_label["Đèo Lò Xo"].x  # east is right


def test_without_dead_zone_points_the_board_shows_none() -> None:
    inventory: Inventory = webdata.inventory(webdata.quang_ngai_codes(5))
    catalogue = load_catalogue()
    html = ui.render_board(inventory, catalogue, webdata.evaluation(inventory, catalogue), "vi", {})
    assert "dead-point" not in html and "Nơi khảo sát" not in html
