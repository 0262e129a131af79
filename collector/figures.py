"""A finding's figures as a person reads them: one formatter per unit (``99,2 %``, ``6 lần mất
điện``, ``48 Mbit/s``, ``4/5 rủi ro``), the threshold beside it with its sense (``cần ≥ 99 %``,
``tối đa 4``), and the targets' short names (``Nguồn điện`` for INF-PWR).

Used by the board, the map, the site page (collector/web) and the monthly report
(collector/report) alike, so a figure reads the same wherever it is printed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from collector.evaluate.model import Finding
from collector.targets import Target, ThresholdValue
from sansang.i18n import Lang, duration, number, percent, pick

_TEXT: dict[str, tuple[str, str]] = {
    "no_figure": ("chưa có số đo", "no figure"),
    "at_least": ("{figure} (cần ≥ {bound})", "{figure} (needs ≥ {bound})"),
    "at_most": ("{figure} (tối đa {bound})", "{figure} (at most {bound})"),
    "bound_at_least": ("cần ≥ {bound}", "needs ≥ {bound}"),
    "bound_at_most": ("tối đa {bound}", "at most {bound}"),
    "yes": ("có", "yes"),
    "no": ("không", "no"),
}


def t(key: str, lang: Lang, **values: object) -> str:
    return pick(_TEXT, key, lang).format(**values)


@dataclass(frozen=True)
class Unit:
    """How a person reads a figure in one unit: the figure (``6 lần mất điện``), the threshold
    beside it (``4``, or ``99 %``: a bare count reads against the figure's own word), and
    whether the unit's threshold is a maximum (outages, durations, ages), a minimum (speeds,
    plans in place) or either (``None``: a ratio is an availability or a loss)."""

    write: Callable[[float, Lang], str]
    bound: Callable[[float, Lang], str]
    at_most: bool | None


def _count(vi: str, en: str) -> Callable[[float, Lang], str]:
    def write(value: float, lang: Lang) -> str:
        return f"{number(value, 0, lang)} {vi if lang == 'vi' else en}".strip()

    return write


def _bare(value: float, lang: Lang) -> str:
    decimals = 0 if value == round(value) else 1
    return number(value, decimals, lang)


def _mbits(value: float, lang: Lang) -> str:
    decimals = 0 if abs(value) >= 10 or value == round(value) else 1
    return f"{number(value, decimals, lang)} Mbit/s"


def _minutes(value: float, lang: Lang) -> str:
    return duration(value * 60, lang)


def _day_of_month(value: float, lang: Lang) -> str:
    return f"ngày {value:.0f}" if lang == "vi" else f"day {value:.0f}"


def _counted(vi: str, en: str, at_most: bool | None) -> Unit:
    return Unit(_count(vi, en), _bare, at_most)


# One formatter per unit: the board's cells and tooltips, the map, the site page and the
# province's systems all write a figure through here.
UNITS: dict[str, Unit] = {
    "ratio": Unit(percent, percent, None),
    "Mbit/s": Unit(_mbits, _mbits, False),
    "seconds": Unit(duration, duration, True),
    "s": Unit(duration, duration, True),
    "minutes": Unit(_minutes, _minutes, True),
    "min": Unit(_minutes, _minutes, True),
    "days": Unit(_count("ngày", "days"), _count("ngày", "days"), True),
    # RPT-*: the day of the month a report was written, against the deadline day.
    "day_of_month": Unit(_day_of_month, _day_of_month, True),
    "outages": _counted("lần mất điện", "outages", True),
    "times": _counted("lần", "times", True),
    "count": _counted("", "", None),
    "tests": _counted("lần đo", "tests", False),
    "points": _counted("điểm đo", "points", False),
    "sites": _counted("điểm", "sites", False),
    "terminals": _counted("thiết bị", "terminals", False),
    "risks": _counted("rủi ro", "risks", False),  # SEC-CONTINGENCY: risks covered
    "people": _counted("người", "people", False),  # SEC-TEAM: the response team's members
    "systems": _counted("hệ thống", "systems", False),  # SEC-LEVEL: systems protected by level
    "hosts": _counted("máy", "hosts", False),  # SEC-MEASURES: machines meeting every measure
    "incidents": _counted("sự cố", "incidents", None),  # SEC-EARLY: incidents judged
}


# Units whose threshold is the whole the value counts from (every risk has a plan): the figure
# says "of how many" itself.
OUT_OF_THRESHOLD = frozenset({"systems", "risks", "hosts"})


def _as_given(value: float, unit: str, lang: Lang) -> str:
    """A unit this module does not know: the number and the unit as the finding gives them."""
    decimals = 0 if abs(value) >= 10 or value == round(value) else 1
    return f"{number(value, decimals, lang)} {unit}".strip()


def figure(value: float | None, unit: str, lang: Lang) -> str:
    """A finding's value as a person reads it: ``99,2 %``, ``6 lần mất điện``, ``48 Mbit/s``."""
    if value is None:
        return "—"
    known = UNITS.get(unit)
    return known.write(value, lang) if known else _as_given(value, unit, lang)


def threshold(value: ThresholdValue | None, unit: str, lang: Lang) -> str:
    """A threshold as a person reads it beside its figure: ``99 %``, ``4``, ``100 Mbit/s``."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, int | float):
        return _bound(float(value), unit, lang)
    if isinstance(value, list):
        return ", ".join(value)
    return value


@functools.lru_cache(maxsize=4096)
def _bound(value: float, unit: str, lang: Lang) -> str:
    """A numeric threshold (a few per target, written for every cell: kept once written)."""
    known = UNITS.get(unit)
    return known.bound(value, lang) if known else _as_given(value, unit, lang)


def at_most(f: Finding) -> bool:
    """Whether ``f``'s threshold is a maximum: the unit says so when it has one sense (a speed
    is a minimum, an outage count a maximum); a ratio, or a unit this module does not know, is
    read from the rule's own verdict (met above its threshold: a minimum)."""
    known = UNITS.get(f.unit)
    if known is not None and known.at_most is not None:
        return known.at_most
    value, bound = f.value, f.threshold
    if value is None or isinstance(bound, bool) or not isinstance(bound, int | float):
        return False
    if value == bound or f.status == "unknown":
        return False
    return (value < bound) == (f.status == "met")


def finding_figures(f: Finding, lang: Lang) -> tuple[str, str]:
    """The finding's value and threshold as a person reads them: ``(48 Mbit/s, 100 Mbit/s)``;
    a count of risks out of all of them (the threshold): ``4/5 rủi ro``."""
    written = threshold(f.threshold, f.unit, lang)
    total = f.threshold
    if f.unit in OUT_OF_THRESHOLD and f.value is not None and isinstance(total, int | float):
        return figure(f.value, f.unit, lang).replace(" ", f"/{int(total)} ", 1), written
    return figure(f.value, f.unit, lang), written


def bound(f: Finding, lang: Lang, written: str) -> str:
    """The threshold ``written`` with its sense: ``tối đa 4 giờ``, ``cần ≥ 99 %``."""
    numeric = isinstance(f.threshold, int | float) and not isinstance(f.threshold, bool)
    if not numeric or written == "—":
        return written
    return t("bound_at_most" if at_most(f) else "bound_at_least", lang, bound=written)


def reading(f: Finding, lang: Lang, figures: tuple[str, str] | None = None) -> str:
    """The figure with its threshold beside it, as every tooltip writes it:
    ``99,1 % (cần ≥ 99 %)``, ``5 lần mất điện (tối đa 4)``; ``figures`` when the caller has
    :func:`finding_figures` already."""
    value, bound = figures or finding_figures(f, lang)
    if value == "—":
        value = t("no_figure", lang)
    numeric = isinstance(f.threshold, int | float) and not isinstance(f.threshold, bool)
    if not numeric or bound == "—":
        return value
    return t("at_most" if at_most(f) else "at_least", lang, figure=value, bound=bound)


# Short names of the plan targets for column headers, the filter and the map (the catalogue's
# titles are the plans' sentences); a target without one here shows its catalogue title.
SHORT_TITLES: dict[str, tuple[str, str]] = {
    "INF-BW": ("Băng thông", "Bandwidth"),
    "INF-LINK": ("Đường truyền", "Link uptime"),
    "INF-DZ": ("Sóng di động", "Mobile coverage"),
    "INF-PWR": ("Nguồn điện", "Power"),
    "INF-HNTH": ("Hội nghị truyền hình", "Video conference"),
    "INF-EQUIP": ("Thiết bị đầu cuối", "Terminals"),
    # Per site: the systems as reached from the commune (the systems themselves: the province row).
    "OPS-247": ("Truy cập Một cửa, DVCQG", "One-stop, portal reached"),
    "OPS-CONT": ("Phục vụ liên tục", "Continuous service"),
    "SEC-LEVEL": ("An toàn theo cấp độ", "Security level"),
    "SEC-MEASURES": ("Biện pháp an toàn", "Security measures"),
    "SEC-CONTINGENCY": ("Phương án dự phòng", "Contingency plans"),
    "SEC-DRILL": ("Diễn tập", "Drills"),
    "SEC-TEAM": ("Đội ứng cứu", "Response team"),
    "SEC-EARLY": ("Cảnh báo sớm", "Early warning"),
    "RPT-MONTHLY": ("Báo cáo tháng", "Monthly report"),
}


def short_title(target: Target, lang: Lang) -> str:
    """``Nguồn điện`` for INF-PWR: what a column header, the filter and the map call a target."""
    pair = SHORT_TITLES.get(target.id)
    if pair is None:
        return target.title.vi if lang == "vi" else target.title.en
    return pair[0] if lang == "vi" else pair[1]
