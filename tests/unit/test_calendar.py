"""Service calendars: Vietnam's public holidays (the ``holidays`` library against the decrees),
the province's calendar in the inventory with each site's changes, make-up Saturdays, the errors
of a bad calendar, the agent reading the same calendar, and INF-EQUIP not counting a public
holiday as service time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ruamel.yaml import YAML

from agent import config as agent_config
from collector.evaluate.hours import service_spans, spans_of
from collector.evaluate.model import SiteInputs, Window
from collector.evaluate.rules.terminal_availability import terminal_availability
from collector.inventory import importer, model
from sansang.configfile import ConfigError
from sansang.service_hours import ServiceHours, make_up_days, public_holidays
from tests.support.evaluate import THRESHOLDS, Journal, site, terminal

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
HERE = Path(__file__).parent
EXAMPLE_INVENTORY = HERE.parents[1] / "deploy" / "examples" / "inventory.yaml"
EXAMPLE_AGENT = HERE.parents[1] / "deploy" / "examples" / "agent.yaml"


def d(text: str) -> date:
    """``17/02/2026`` as a date (dates as people read them)."""
    return datetime.strptime(text, "%d/%m/%Y").date()


def days(*texts: str) -> set[date]:
    return {d(t) for t in texts}


def hours_on(hours: ServiceHours, day: str) -> float:
    """Service hours of one local day, in hours."""
    when = d(day)
    return (
        sum(
            (datetime.combine(when, b) - datetime.combine(when, a)).total_seconds()
            + (1e-6 if b == time.max else 0.0)
            for a, b in hours.ranges_on(when)
        )
        / 3600
    )


# -- the public holidays the library gives -------------------------------------------------------

# What `holidays` 0.108 (country VN) gives; checked against the notices: Tết Ất Tỵ 25/01-02/02/2025
# (TB 6150/TB-BLĐTBXH), Tết Bính Ngọ 14/02-22/02/2026 (Mùng 1 Tết Tuesday 17/02/2026), 26/04/2025
# worked for 02/05/2025, 22/08/2026 worked for 31/08/2026; 2027 follows the Labour Code's rule
# (Art. 112: 5 days of Tết, 2/9 and a day beside it, days falling on a weekend moved).
HOLIDAYS = {
    2025: days(
        "01/01/2025",
        "27/01/2025",
        "28/01/2025",
        "29/01/2025",  # Mùng 1 Tết Ất Tỵ
        "30/01/2025",
        "31/01/2025",
        "01/02/2025",
        "07/04/2025",  # Giỗ Tổ Hùng Vương, 10/3 âm lịch
        "30/04/2025",
        "01/05/2025",
        "02/05/2025",  # for Saturday 26/04/2025
        "01/09/2025",
        "02/09/2025",
    ),
    2026: days(
        "01/01/2026",
        "16/02/2026",
        "17/02/2026",  # Mùng 1 Tết Bính Ngọ
        "18/02/2026",
        "19/02/2026",
        "20/02/2026",
        "26/04/2026",  # Giỗ Tổ Hùng Vương, a Sunday ...
        "27/04/2026",  # ... so Monday off (nghỉ bù)
        "30/04/2026",
        "01/05/2026",
        "31/08/2026",  # for Saturday 22/08/2026
        "01/09/2026",
        "02/09/2026",
        "24/11/2026",  # Ngày Văn hóa Việt Nam, from 2026
    ),
    2027: days(
        "01/01/2027",
        "04/02/2027",
        "05/02/2027",
        "06/02/2027",  # Mùng 1 Tết Đinh Mùi
        "07/02/2027",
        "08/02/2027",
        "09/02/2027",
        "10/02/2027",
        "16/04/2027",  # Giỗ Tổ Hùng Vương
        "30/04/2027",
        "01/05/2027",
        "03/05/2027",  # 1/5 is a Saturday: Monday off
        "02/09/2027",
        "03/09/2027",
        "24/11/2027",
    ),
}
MAKE_UP = {2025: days("26/04/2025"), 2026: days("22/08/2026"), 2027: set()}


@pytest.mark.parametrize("year", sorted(HOLIDAYS))
def test_public_holidays_of_the_library(year: int) -> None:
    assert set(public_holidays(year)) == HOLIDAYS[year]
    assert make_up_days(year) == MAKE_UP[year]


def test_tet_2026_as_the_decree_says() -> None:
    assert public_holidays(2026)[d("17/02/2026")] == "Tết Nguyên Đán"
    assert public_holidays(2026)[d("26/04/2026")] == "Ngày Giỗ Tổ Hùng Vương"
    hours = ServiceHours()
    # Nine days off, Saturday 14/02 to Sunday 22/02/2026: the Saturdays of the break too.
    first, last = d("14/02/2026"), d("22/02/2026")
    for offset in range((last - first).days + 1):
        assert hours.ranges_on(first + timedelta(days=offset)) == ()
    assert hours_on(hours, "13/02/2026") == 7.5  # the Friday before
    assert hours_on(hours, "23/02/2026") == 7.5  # back on Monday
    assert hours_on(hours, "07/02/2026") == 4.0  # an ordinary Saturday morning
    assert not hours.is_open(datetime(2026, 2, 17, 9, 0, tzinfo=HCM))
    assert ServiceHours().is_open(datetime(2026, 2, 24, 9, 0, tzinfo=HCM))


def test_the_weekends_of_the_breaks_are_closed_an_ordinary_one_is_not() -> None:
    hours = ServiceHours()
    for closed in ("25/04/2026", "02/05/2026", "29/08/2026", "25/01/2025", "03/05/2025"):
        assert hours.ranges_on(d(closed)) == (), closed
    assert hours_on(hours, "03/01/2026") == 4.0  # 1/1/2026 is a Thursday: no break


def test_a_make_up_saturday_has_a_whole_working_day() -> None:
    hours = ServiceHours()
    assert hours_on(hours, "22/08/2026") == 7.5  # làm bù for Monday 31/08/2026
    assert hours_on(hours, "31/08/2026") == 0.0
    assert hours.is_open(datetime(2026, 8, 22, 14, 0, tzinfo=HCM))
    assert hours_on(hours, "15/08/2026") == 4.0  # an ordinary Saturday: the morning


def test_a_province_turns_the_public_holidays_off_and_lists_its_own() -> None:
    hours = ServiceHours.model_validate(
        {
            "public_holidays": False,
            "holidays": ["2026-11-24"],
            "open_days": [{"date": "2026-11-28", "like": "fri"}],
        }
    )
    assert hours_on(hours, "17/02/2026") == 7.5  # Mùng 1 Tết, a Tuesday: open, as asked
    assert hours_on(hours, "22/08/2026") == 4.0  # no make-up day from the library either
    assert hours_on(hours, "24/11/2026") == 0.0
    assert hours_on(hours, "28/11/2026") == 7.5


def test_an_open_day_wins_over_a_public_holiday() -> None:
    hours = ServiceHours.model_validate(
        {"open_days": [{"date": "2026-05-01", "hours": ["08:00-10:00"]}]}
    )
    assert hours_on(hours, "01/05/2026") == 2.0
    assert hours_on(hours, "30/04/2026") == 0.0


# -- the inventory: the province's calendar and each site's changes -------------------------------


def _inventory(tmp_path: Path, province_calendar: Any, site_calendars: list[Any]) -> Path:
    yaml = YAML(typ="rt")
    data = yaml.load(EXAMPLE_INVENTORY.read_text(encoding="utf-8"))
    data["calendar"] = province_calendar
    for site_data, calendar in zip(data["sites"], site_calendars, strict=True):
        site_data.pop("calendar", None)
        if calendar is not None:
            site_data["calendar"] = calendar
    path = tmp_path / "inventory.yaml"
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)
    return path


JUNE = Window(
    datetime(2026, 6, 1, tzinfo=HCM).timestamp(), datetime(2026, 7, 1, tzinfo=HCM).timestamp()
)


def _total(spans: tuple[tuple[float, float], ...]) -> float:
    return sum(b - a for a, b in spans) / 3600


def test_a_site_changes_the_province_calendar_for_itself(tmp_path: Path) -> None:
    weekdays = {day: ["08:00-12:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    path = _inventory(
        tmp_path,
        {"weekly": weekdays, "holidays": [date(2026, 6, 5)]},
        [
            None,
            {
                "weekly": {**weekdays, "sat": ["08:00-12:00"]},
                "holidays": [date(2026, 6, 8)],
                "open_days": [date(2026, 6, 5)],  # open although the province closes
            },
        ],
    )
    inv = model.load(path)
    sa_thay, ly_son = inv.sites
    # June 2026: 22 weekdays, 4 hours each; the province closes Friday 5/6.
    assert _total(service_spans(sa_thay, JUNE)) == 21 * 4
    # Lý Sơn: Saturdays too (4), closed Monday 8/6, open Friday 5/6 with Monday's 4 hours.
    assert _total(service_spans(ly_son, JUNE)) == (22 + 4 - 1) * 4
    assert ly_son.service_hours.is_open(datetime(2026, 6, 5, 9, 0, tzinfo=HCM))
    assert not sa_thay.service_hours.is_open(datetime(2026, 6, 5, 9, 0, tzinfo=HCM))


def test_sites_of_one_calendar_share_their_spans() -> None:
    inv = model.load(EXAMPLE_INVENTORY)
    province = inv.sites[0].service_hours
    assert province == inv.calendar
    assert spans_of(province, JUNE) is service_spans(inv.sites[0], JUNE)  # cached, not rebuilt


def test_the_example_inventory_has_a_calendar_and_a_site_override() -> None:
    inv = model.load(EXAMPLE_INVENTORY)
    ly_son = inv.sites[1].service_hours
    assert inv.calendar.public_holidays and ly_son.public_holidays
    assert hours_on(ly_son, "03/04/2026") == 0.0  # its festival
    assert hours_on(ly_son, "11/04/2026") == 7.5  # its whole make-up Saturday
    assert hours_on(inv.sites[0].service_hours, "11/04/2026") == 4.0


def test_a_bad_calendar_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    path = _inventory(
        tmp_path,
        {"weekly": {"monday": ["07:30-11:30"], "sat": ["17:00-08:00"]}},
        [None, {"holidays": [date(2026, 6, 8)], "open_days": [date(2026, 6, 8)]}],
    )
    with pytest.raises(ConfigError) as info:
        model.load(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    text = info.value.render()

    def line_of(needle: str, after: int = 0) -> int:
        return next(i for i, line in enumerate(lines, 1) if i > after and needle in line)

    site_calendar = line_of("calendar:", after=line_of("'21548'"))
    assert text.splitlines()[1:] == [
        f"  {path}:{line_of('monday')}: calendar.weekly.monday: not a valid key: Input should be "
        "'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun' (found 'monday')",
        f"  {path}:{line_of('- 17:00-08:00')}: calendar.weekly.sat.0: '17:00-08:00': the end "
        "must be after the start; a range cannot pass midnight (end the day with '24:00' and "
        "start the next one at '00:00')",
        f"  {path}:{site_calendar}: sites.1.calendar: 2026-06-08 is both in `holidays` and in "
        "`open_days`; keep one",
    ]


def test_a_spreadsheet_row_sets_a_sites_closed_and_open_days(tmp_path: Path) -> None:
    source = HERE / "fixtures" / "inventory" / "sites.csv"
    rows = source.read_text(encoding="utf-8-sig").splitlines()
    rows[0] += ",Ngày nghỉ riêng,Ngày làm bù"
    rows[1] += ',"03/04/2026; 06/04/2026",11/04/2026'
    rows[2] += ",,"
    rows[3] += ',,"31/02/2026"'
    sheet = tmp_path / "sites.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = importer.import_sites(sheet, skip_bad=True)
    assert [(p.row, p.column) for p in result.problems] == [(4, "Ngày làm bù (open_days)")]
    assert "'31/02/2026' is not a date" in result.problems[0].message
    assert result.yaml_text is not None
    out = tmp_path / "inventory.yaml"
    out.write_text(result.yaml_text, encoding="utf-8")
    sa_thay = model.load(out).sites[0].service_hours
    assert hours_on(sa_thay, "03/04/2026") == hours_on(sa_thay, "06/04/2026") == 0.0
    assert hours_on(sa_thay, "11/04/2026") == 7.5


# -- the agent reads the same calendar ------------------------------------------------------------


def test_an_old_agent_calendar_is_still_valid_and_the_new_shape_too() -> None:
    old = {"timezone": "Asia/Ho_Chi_Minh", "holidays": ["2026-01-01"], "weekly": {"mon": []}}
    assert ServiceHours.model_validate(old).public_holidays
    cfg = agent_config.load(EXAMPLE_AGENT)
    hours = cfg.site.service_hours
    assert hours_on(hours, "17/02/2026") == 0.0 and hours_on(hours, "14/03/2026") == 8.0
    assert hours_on(hours, "21/03/2026") == hours_on(hours, "20/03/2026")  # like: fri


def test_the_agent_and_the_collector_agree_on_every_quarter_hour(tmp_path: Path) -> None:
    calendar = {"holidays": [date(2026, 8, 25)], "open_days": [date(2026, 8, 30)]}
    inv = model.load(_inventory(tmp_path, calendar, [None, None]))
    hours = inv.sites[0].service_hours
    window = Window(
        datetime(2026, 8, 17, tzinfo=HCM).timestamp(), datetime(2026, 9, 7, tzinfo=HCM).timestamp()
    )
    spans = service_spans(inv.sites[0], window)
    t = window.start
    while t < window.end:
        inside = any(a <= t < b for a, b in spans)
        assert inside == hours.is_open(datetime.fromtimestamp(t, HCM)), t
        t += 900
    weeks = [
        5 * 7.5 + 7.5,  # 17-21/08, and Saturday 22/08 worked for Monday 31/08 (làm bù)
        4 * 7.5 + 7.5,  # 24-28/08 but the province's day off 25/08; Sunday 30/08 opened
        2 * 7.5 + 4.0,  # 31/08-02/09 off (Saturday 29/08 with them), 03-04/09, Saturday 05/09
    ]
    assert _total(spans) == sum(weeks) == 101.5


# -- INF-EQUIP: a public holiday is not service time ----------------------------------------------

FEBRUARY = Window(
    datetime(2026, 2, 2, tzinfo=HCM).timestamp(), datetime(2026, 3, 4, tzinfo=HCM).timestamp()
)


def _journal_over(window: Window, changes: list[tuple[float, str, str, str]]) -> SiteInputs:
    j = Journal()
    before = [j.make(window.start - 3600, "terminal_state", i, "up", kind=k) for i, k in KINDS]
    events = [j.make(t, "terminal_state", i, s, kind=k) for t, i, s, k in changes]
    events.append(j.make(window.end - 60, "clock_sync_state", "system", "synchronized"))
    terminals = [terminal(i, k) for i, k in KINDS]
    return SiteInputs(site(terminals=terminals), events, before, [])


KINDS = [
    ("counter-1", "counter_pc"),
    ("scanner-1", "scanner"),
    ("printer-1", "printer"),
    ("queue-1", "queue_machine"),
    ("cccd-1", "id_card_reader"),
]


def test_a_terminal_down_over_tet_is_not_counted() -> None:
    down = datetime(2026, 2, 13, 17, 30, tzinfo=HCM).timestamp()  # after work, Friday
    up = datetime(2026, 2, 23, 7, 0, tzinfo=HCM).timestamp()  # before work, Monday
    inputs = _journal_over(
        FEBRUARY, [(down, "printer-1", "down", "printer"), (up, "printer-1", "up", "printer")]
    )
    f = terminal_availability(inputs, THRESHOLDS["INF-EQUIP"], FEBRUARY)
    assert (f.status, f.value) == ("met", 1.0)
    assert f.details["availability:printer-1"] == 1.0


def test_a_terminal_down_on_a_working_day_still_counts() -> None:
    down = datetime(2026, 2, 24, 7, 0, tzinfo=HCM).timestamp()
    up = datetime(2026, 2, 26, 7, 0, tzinfo=HCM).timestamp()  # Tuesday and Wednesday lost
    changes = [(down, "cccd-1", "down", "id_card_reader"), (up, "cccd-1", "up", "id_card_reader")]
    f = terminal_availability(_journal_over(FEBRUARY, changes), THRESHOLDS["INF-EQUIP"], FEBRUARY)
    assert f.status == "not_met" and f.details["worst_terminal"] == "cccd-1"
    # 02/02-03/03/2026: 17 working days of 7.5 h and 2 Saturday mornings (07/02, 28/02); Tết's
    # 14/02-22/02 closed
    assert f.value == 1 - 15 / (17 * 7.5 + 2 * 4)
    assert f.vi.startswith("Đầu đọc CCCD gắn chip (cccd-1) chỉ hoạt động")
    assert f.en.startswith("Chip ID-card reader (cccd-1) up")
