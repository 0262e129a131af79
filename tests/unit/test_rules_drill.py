"""SEC-DRILL's figure is the one that decided: the newest drill's age when the age decides, and no
number when a recent drill failed on its result (WINDOW ends on 01/07/2026, Vietnam's time)."""

from __future__ import annotations

from datetime import date, timedelta

from collector import figures as fmt
from collector.evaluate.model import Finding
from collector.evaluate.rules.drill import drill
from collector.inventory import model
from collector.inventory.model import RISKS
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, site

DRILL = THRESHOLDS["SEC-DRILL"]
END = date(2026, 7, 1)


def with_cyberattack_drill(days_before_end: int, result: str) -> Finding:
    """SEC-DRILL of Sa Thầy with every risk planned and one cyberattack drill."""
    plans = {
        risk: model.ContingencyPlan(
            approved_on=date(2025, 8, 15),
            fallback=model.Fallback(kind="spare_device", text="Máy dự phòng"),
            drills=[
                model.Drill(held_on=END - timedelta(days=days_before_end), result=result)  # type: ignore[arg-type]
            ]
            if risk == "cyberattack"
            else [],
            responder=model.Responder(name="A", phone="0912 345 678", confirmed_on=END),
        )
        for risk in RISKS
    }
    return drill(Journal().inputs(site(0, contingency=plans)), DRILL, WINDOW)


def test_a_recent_partial_drill_shows_its_result_not_a_days_figure() -> None:
    """The board showed "60 ngày ✖" beside a met site's "61 ngày ✔": the 60 days were within
    the limit, the partial result failed it."""
    partial = with_cyberattack_drill(60, "partial")
    passed = with_cyberattack_drill(61, "passed")
    assert (passed.status, passed.value, passed.unit) == ("met", 61.0, "days")
    assert partial.status == "not_met"
    assert (partial.value, partial.threshold, partial.unit) == (None, None, "result")
    assert partial.details["decided_by"] == "result" and partial.details["age_days"] == 60
    assert "(đạt một phần)" in partial.vi and "kết quả đạt một phần, cần diễn tập lại" in partial.vi
    assert fmt.finding_figures(partial, "vi") == ("—", "—")


def test_a_recent_failed_drill_shows_its_result() -> None:
    f = with_cyberattack_drill(5, "failed")
    assert (f.status, f.value, f.unit) == ("not_met", None, "result")
    assert "kết quả không đạt" in f.vi


def test_an_old_drill_shows_its_age_whatever_its_result() -> None:
    """Too old fails on the age, which reads worse than the limit: the days are the figure."""
    for result in ("passed", "partial"):
        f = with_cyberattack_drill(400, result)
        assert (f.status, f.value, f.threshold, f.unit) == ("not_met", 400.0, 365, "days")
        assert f.details["decided_by"] == "age"
