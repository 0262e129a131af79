"""The shared text layer (``sansang.i18n``): one way to write a percentage, a duration, a number
and a time, and one wording per cause, whoever shows it.

A finding, the board and an alert used to disagree: three wordings of the same cause, a percentage
rounded in the findings and cut on the board (``99,5 % (tối thiểu 99,5 %)`` and not met), and
``2,1 giờ`` beside ``2 giờ 5 phút`` for the same span.  These tests hold every user to the one
layer.
"""

from __future__ import annotations

import math
import random
import re
from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest

from collector import figures as fmt
from collector.alerts import texts as alert_texts
from collector.evaluate.model import Cause, Finding, Window
from collector.evaluate.rules import service_availability, uptime
from collector.web import sitepage
from collector.web import texts as web_texts
from sansang import i18n

TEMPLATE = Path(__file__).parents[2] / "deploy" / "alertmanager" / "templates" / "sansang.tmpl"
TELEGRAM_CAUSE_MAX = 41  # the template cuts any other cause to 40 characters and an ellipsis


# --- percentages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "vi", "en"),
    [
        (0.99496, "99,4 %", "99.4 %"),  # cut: not 99,5 %, the target it misses
        (0.995, "99,5 %", "99.5 %"),  # the target itself still reads as written
        (1.0, "100 %", "100 %"),
        (0.9996, "99,9 %", "99.9 %"),  # never rounded up to 100 %
        (0.97, "97 %", "97 %"),  # no ",0"
        (0.0, "0 %", "0 %"),
        (0.0504, "5 %", "5 %"),
        (0.123456, "12,3 %", "12.3 %"),
        (12.345, "1.234,5 %", "1,234.5 %"),  # thousands: dot in Vietnamese, comma in English
        (math.nan, "—", "—"),
    ],
)
def test_percent_is_cut_to_a_tenth(ratio: float, vi: str, en: str) -> None:
    assert i18n.percent(ratio, "vi") == vi
    assert i18n.percent(ratio, "en") == en


def _shown(text: str) -> float:
    return float(text.removesuffix(" %").replace(".", "").replace(",", "."))


@pytest.mark.parametrize("target", [0.9, 0.95, 0.98, 0.99, 0.995, 0.997, 0.999, 1.0])
def test_a_figure_below_its_target_never_reads_as_the_target(target: float) -> None:
    """Findings print ``{figure} (tối thiểu {target})`` after comparing ``figure >= target``: any
    ratio that fails the comparison must print lower than the target."""
    rng = random.Random(target)
    below = [math.nextafter(target, 0.0), target - 1e-12, target - 1e-9, target - 1e-6]
    below += [target - 0.00049, target - 0.0005, target - 0.00051]
    below += [target - rng.uniform(0, 0.002) for _ in range(2000)]
    wanted = i18n.percent(target, "vi")
    for ratio in below:
        assert ratio < target
        shown = i18n.percent(ratio, "vi")
        assert shown != wanted, (ratio, shown)
        assert _shown(shown) < _shown(wanted), (ratio, shown)
        assert i18n.percent(ratio, "en") != i18n.percent(target, "en"), ratio


def test_computed_ratios_read_as_what_they_are() -> None:
    """A ratio from a division of whole seconds reads its exact tenth: 199/200 is 99,5 %."""
    assert i18n.percent(199 / 200, "vi") == "99,5 %"
    assert i18n.percent(1990 / 2000, "vi") == "99,5 %"
    assert i18n.percent(1989 / 2000, "vi") == "99,4 %"  # 99.45 %
    assert i18n.percent(7 / 10, "vi") == "70 %"


# --- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "vi", "en"),
    [
        (0, "0 giây", "0 s"),
        (45, "45 giây", "45 s"),
        (600, "10 phút", "10 min"),
        (2 * 3600 + 5 * 60, "2 giờ 5 phút", "2 h 5 min"),  # never "2,1 giờ"
        (2 * 3600 + 5 * 60 + 59, "2 giờ 5 phút", "2 h 5 min"),
        (3600 + 5, "1 giờ", "1 h"),  # the unit below is minutes: 5 s is not shown
        (86400 + 3 * 3600 + 120, "1 ngày 3 giờ", "1 d 3 h"),
        (599.9, "9 phút 59 giây", "9 min 59 s"),  # cut: not the 10 min it falls short of
        (-30, "0 giây", "0 s"),
    ],
)
def test_duration_is_one_form(seconds: float, vi: str, en: str) -> None:
    assert i18n.duration(seconds, "vi") == vi
    assert i18n.duration(seconds, "en") == en


def test_the_board_and_the_findings_write_a_span_the_same_way() -> None:
    span = 2 * 3600 + 5 * 60
    assert fmt.figure(span, "seconds", "vi") == "2 giờ 5 phút"
    assert fmt.figure(125, "minutes", "vi") == "2 giờ 5 phút"
    assert fmt.figure(125, "minutes", "en") == "2 h 5 min"


# --- numbers, times, language --------------------------------------------------------------------


def test_numbers() -> None:
    assert i18n.number(1234.56, 1, "vi") == "1.234,6"
    assert i18n.number(1234.56, 1, "en") == "1,234.6"
    assert i18n.number(48, 0, "vi") == "48"


def test_times_are_vietnams() -> None:
    assert i18n.ZONE_NAME == "Asia/Ho_Chi_Minh"
    at = 1_780_000_000  # 28/05/2026 20:26:40 UTC
    assert i18n.local(at).utcoffset() == timedelta(hours=7)
    assert i18n.local(at).strftime("%H:%M %d/%m/%Y") == "03:26 29/05/2026"
    assert web_texts.when(at) == "03:26 29/05/2026"
    assert alert_texts.at_vi(at) == "03:26 ngày 29/05/2026"


def test_language_choice() -> None:
    assert i18n.choose("en") == "en"
    assert [i18n.choose(v) for v in (None, "", "vi", "EN", "fr")] == ["vi"] * 5
    assert (i18n.other("vi"), i18n.other("en")) == ("en", "vi")


# --- causes --------------------------------------------------------------------------------------


def test_every_cause_has_one_wording() -> None:
    assert set(i18n.CAUSES) == set(get_args(Cause))
    words = [vi for vi, _ in i18n.CAUSES.values()]
    assert len(set(words)) == len(words)
    assert all(len(vi) <= TELEGRAM_CAUSE_MAX for vi in words)


def _template_causes() -> dict[str, str]:
    text = TEMPLATE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith('{{ define "sansang.cause" }}')]
    assert len(lines) == 1, "one sansang.cause define in the template"
    return dict(re.findall(r'eq \. "(\w+)" \}\}([^{]*)\{\{', lines[0]))


def test_alertmanager_template_says_the_kernels_causes() -> None:
    """Telegram and e-mail name the cause with the template's words: the same as the findings,
    the board and the alert's own description."""
    assert _template_causes() == {cause: vi for cause, (vi, _) in i18n.CAUSES.items()}


@pytest.mark.parametrize("cause", get_args(Cause))
def test_findings_board_and_alerts_say_the_same_cause(cause: Cause) -> None:
    vi, en = i18n.CAUSES[cause]
    # Findings: the rules that name causes read the kernel's table itself.
    assert uptime.CAUSES is i18n.CAUSES and service_availability.CAUSES is i18n.CAUSES
    # Alerts
    assert alert_texts.cause_sentence(cause) == (
        f"Nguyên nhân có khả năng: {vi}.",
        f"Likely cause: {en}.",
    )
    # The board's site page
    finding = Finding(
        target="INF-LINK",
        site="23527-main",
        status="not_met",
        value=0.5,
        threshold=0.99,
        unit="ratio",
        window=Window(0, 86400),
        vi="",
        en="",
        cause=cause,
    )
    assert sitepage._view(finding, "INF-LINK", "vi").cause == vi
    assert sitepage._view(finding, "INF-LINK", "en").cause == en
