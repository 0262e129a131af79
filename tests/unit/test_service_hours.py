"""Service hours (giờ phục vụ): weekly schedule, holidays, the centre's time zone, 24:00 ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from sansang.service_hours import WEEKDAYS, ServiceHours, _bounds, parse_range

HCM = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7, no daylight saving


def local(day: date, hh: int, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss, us), HCM)


MONDAY = date(2025, 7, 7)
SATURDAY = date(2025, 7, 12)
SUNDAY = date(2025, 7, 13)


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (local(MONDAY, 7, 29), False),
        (local(MONDAY, 7, 30), True),  # the start is inside
        (local(MONDAY, 11, 29, 59), True),
        (local(MONDAY, 11, 30), False),  # the end is outside: lunch break
        (local(MONDAY, 13, 30), True),
        (local(MONDAY, 16, 59), True),
        (local(MONDAY, 17, 0), False),
        (local(SATURDAY, 8, 0), True),  # Saturday morning only
        (local(SATURDAY, 14, 0), False),
        (local(SUNDAY, 9, 0), False),  # a day that is absent is closed
    ],
)
def test_default_weekly_schedule(when: datetime, open_: bool) -> None:
    assert ServiceHours().is_open(when) is open_


def test_holidays_are_closed() -> None:
    hours = ServiceHours(holidays=[date(2025, 9, 2)])  # Quốc khánh, a Tuesday
    assert not hours.is_open(local(date(2025, 9, 2), 9))
    assert hours.is_open(local(date(2025, 9, 3), 9))


def test_time_zone_of_the_centre() -> None:
    at = datetime(2025, 7, 7, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam, 01:00 in UTC
    assert ServiceHours().is_open(at)
    assert not ServiceHours(timezone="UTC").is_open(at)
    at = datetime(2025, 7, 7, 10, 30, tzinfo=UTC)  # 17:30 in Vietnam, 10:30 in UTC
    assert not ServiceHours().is_open(at)
    assert ServiceHours(timezone="UTC").is_open(at)


def test_holiday_date_is_taken_in_the_centres_zone() -> None:
    every_day = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    at = datetime(2025, 9, 1, 18, 0, tzinfo=UTC)  # already 2 September, 01:00, in Vietnam
    # 1 September 2025 is a public holiday too (Quốc khánh's second day): the listed day alone
    hcm = ServiceHours(weekly=every_day, holidays=[date(2025, 9, 2)], public_holidays=False)
    utc = ServiceHours(
        timezone="UTC", weekly=every_day, holidays=[date(2025, 9, 2)], public_holidays=False
    )
    assert not hcm.is_open(at)
    assert utc.is_open(at)


def test_24_00_end_covers_the_whole_last_minute() -> None:
    hours = ServiceHours(weekly={"mon": ["22:00-24:00"]})
    assert hours.is_open(local(MONDAY, 23, 59, 59))
    assert hours.is_open(local(MONDAY, 23, 59, 59, 999999))
    assert not hours.is_open(local(MONDAY, 21, 59, 59))
    assert not hours.is_open(local(MONDAY, 23, 59, 59, 999999) + timedelta(microseconds=1))


def test_a_whole_day() -> None:
    hours = ServiceHours(weekly={"sun": ["00:00-24:00"]})
    assert hours.is_open(local(SUNDAY, 0, 0))
    assert hours.is_open(local(SUNDAY, 12, 0))
    assert not hours.is_open(local(MONDAY, 0, 0))


@pytest.mark.parametrize(
    "text",
    [
        "8:00-17:00",
        "07:30-07:30",
        "17:00-08:00",
        "24:00-24:00",
        "07:30-24:30",
        "25:00-26:00",
        "07:30",
    ],
)
def test_bad_ranges_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"07:30-11:30|end must be after|latest end"):
        parse_range(text)
    with pytest.raises(ValidationError):
        ServiceHours(weekly={"mon": [text]})


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Asia/Saigon_'"):
        ServiceHours(timezone="Asia/Saigon_")


def test_unknown_weekday_is_rejected() -> None:
    with pytest.raises(ValidationError):
        ServiceHours.model_validate({"weekly": {"monday": ["07:30-11:30"]}})


def _open_by_parsing_every_time(hours: ServiceHours, when: datetime) -> bool:
    """The reference: ``is_open`` as it was before the parsed ranges were cached."""
    local_when = when.astimezone(ZoneInfo(hours.timezone))
    if local_when.date() in hours.holidays:
        return False
    for text in hours.weekly.get(WEEKDAYS[local_when.weekday()], []):
        start, end = parse_range(text)
        if start <= local_when.time() and (local_when.time() < end or end == time.max):
            return True
    return False


@pytest.mark.parametrize(
    "hours",
    [
        ServiceHours(),
        ServiceHours(timezone="UTC", holidays=[date(2025, 7, 9)]),
        ServiceHours(weekly={"mon": ["00:00-24:00"], "sun": ["06:15-06:16", "22:00-24:00"]}),
    ],
)
def test_cached_ranges_give_the_answers_of_parsing_every_time(hours: ServiceHours) -> None:
    start = datetime(2025, 7, 6, 23, 58, 30, tzinfo=UTC)
    minutes = [start + timedelta(minutes=m) for m in range(0, 8 * 24 * 60, 7)]  # 8 days
    edges = [local(MONDAY, 23, 59, 59, 999999), local(SUNDAY, 6, 16), local(SUNDAY, 6, 15)]
    answers = [hours.is_open(when) for when in minutes + edges]
    assert answers == [_open_by_parsing_every_time(hours, when) for when in minutes + edges]
    assert any(answers) and not all(answers)


def test_a_range_is_parsed_once_however_often_it_is_asked() -> None:
    hours = ServiceHours(weekly={"tue": ["06:01-06:59"]})  # a range no other test uses
    _bounds.cache_clear()
    for minute in range(120):
        hours.is_open(local(date(2025, 7, 8), 5, 30) + timedelta(minutes=minute))
    assert _bounds.cache_info().misses == 1
    assert _bounds.cache_info().hits == 119
