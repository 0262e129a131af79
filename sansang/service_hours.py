"""Service hours of a one-stop centre: a weekly schedule, Vietnam's public holidays, the days a
province or a centre closes or opens besides, in the centre's time zone.

Terminals matter only while the centre serves the public; link and power matter 24/7.

The public holidays (ngày nghỉ lễ, Tết) come from the ``holidays`` library (country ``VN``): Tết
Dương lịch, Tết Nguyên Đán and Giỗ Tổ Hùng Vương on their lunar dates, 30/4, 1/5, Quốc khánh with
its second day, Ngày Văn hóa Việt Nam from 2026, the days off moved from a weekend (nghỉ bù) and
the government's swaps of a working day for a Saturday (its ``weekend_workdays``: làm bù).  A
province adds the days the government announces later with ``holidays`` (closed) and
``open_days`` (open), or turns the library off with ``public_holidays: false``.

:class:`ServiceHours` is the calendar of the agent (``site.service_hours`` in agent.yaml) and of
the province's inventory (``calendar``); :class:`CalendarOverride` is what one site of the
inventory changes in the province's calendar.  Both sides read a day with
:meth:`ServiceHours.ranges_on`, so they agree on what "service hours" means.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import AfterValidator, Field, field_validator, model_validator

from sansang.i18n import ZONE_NAME
from sansang.models import StrictModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
Bounds = tuple[tuple[time, time], ...]

# Giờ hành chính: morning and afternoon sessions Monday to Friday, Saturday morning at many
# centres.  A province sets its own; this is only the embedded default.
_DEFAULT_WEEK: dict[Weekday, list[str]] = {
    "mon": ["07:30-11:30", "13:30-17:00"],
    "tue": ["07:30-11:30", "13:30-17:00"],
    "wed": ["07:30-11:30", "13:30-17:00"],
    "thu": ["07:30-11:30", "13:30-17:00"],
    "fri": ["07:30-11:30", "13:30-17:00"],
    "sat": ["07:30-11:30"],
}


def parse_range(text: str) -> tuple[time, time]:
    match = _RANGE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time range like '07:30-11:30'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h2 == 24 and m2 != 0:
        raise ValueError(f"'{text}': 24:00 is the latest end")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)  # 24:00: the end of the day, inclusive
    if end <= start:
        raise ValueError(
            f"'{text}': the end must be after the start; a range cannot pass midnight "
            "(end the day with '24:00' and start the next one at '00:00')"
        )
    return start, end


@functools.cache
def _bounds(text: str) -> tuple[time, time]:
    """``parse_range`` once per distinct range: ``is_open`` runs after every terminal's probe."""
    return parse_range(text)


def _valid_range(text: str) -> str:
    parse_range(text)
    return text


# One opening range, checked where it is written so an error names its day and position.
TimeRange = Annotated[str, AfterValidator(_valid_range)]


@functools.cache
def public_holidays(year: int) -> dict[date, str]:
    """Vietnam's public holidays of ``year`` with their Vietnamese names (the ``holidays``
    library, country VN), days off moved from a weekend included."""
    found = holidays_lib.country_holidays("VN", years=year, language="vi")
    return {day: str(name) for day, name in sorted(found.items()) if day.year == year}


@functools.cache
def make_up_days(year: int) -> frozenset[date]:
    """The Saturdays and Sundays of ``year`` the government made working days (làm bù) in
    exchange for a day off, as the ``holidays`` library knows them."""
    found = holidays_lib.country_holidays("VN", years=year)
    return frozenset(day for day in found.weekend_workdays if day.year == year)


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


def _weekend_of_a_break(day: date) -> bool:
    """A Saturday or Sunday joined to a public holiday is part of the break (Tết Bính Ngọ: 14 to
    22/02/2026; 30/4 and 1/5/2026: to Sunday 3/5), although the library lists only weekdays."""
    weekday = day.weekday()
    if weekday < 5:
        return False
    saturday = day - dt.timedelta(days=weekday - 5)
    before, after = saturday - dt.timedelta(days=1), saturday + dt.timedelta(days=2)
    return is_public_holiday(before) or is_public_holiday(after)


class OpenDay(StrictModel):
    """A day the centre serves although its calendar says closed (ngày làm bù, a make-up
    Saturday); written as a date alone, or as a mapping with its hours."""

    date: dt.date = Field(description="the day (ISO `YYYY-MM-DD`)")
    like: Weekday = Field(
        default="mon", description="the day has the hours of this weekday of `weekly`"
    )
    hours: list[TimeRange] | None = Field(
        default=None, description="its own opening ranges instead (`HH:MM-HH:MM`)"
    )

    @model_validator(mode="before")
    @classmethod
    def _date_alone(cls, value: Any) -> Any:
        return {"date": value} if isinstance(value, dt.date | str) else value


def _distinct(days: list[date], what: str) -> list[date]:
    repeated = sorted({d for d in days if days.count(d) > 1})
    if repeated:
        raise ValueError(f"{what} {', '.join(d.isoformat() for d in repeated)} listed twice")
    return days


class _DaysOffAndOn(StrictModel):
    """The checks of a calendar's ``holidays`` (closed days) and ``open_days`` (days it serves
    although closed otherwise), shared by :class:`ServiceHours` and :class:`CalendarOverride`."""

    @field_validator("holidays", check_fields=False)
    @classmethod
    def _distinct_holidays(cls, value: list[date]) -> list[date]:
        return _distinct(value, "holiday")

    @field_validator("open_days", check_fields=False)
    @classmethod
    def _distinct_open_days(cls, value: list[OpenDay]) -> list[OpenDay]:
        _distinct([d.date for d in value], "open day")
        return value

    @model_validator(mode="after")
    def _open_or_closed(self) -> Self:
        open_days: list[OpenDay] = getattr(self, "open_days")  # noqa: B009 (fields of subclasses)
        holidays: list[date] = getattr(self, "holidays")  # noqa: B009
        both = sorted({d.date for d in open_days} & set(holidays))
        if both:
            days = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"{days} is both in `holidays` and in `open_days`; keep one")
        return self


class ServiceHours(_DaysOffAndOn):
    """Giờ làm việc: when the centre serves the public."""

    timezone: str = Field(default=ZONE_NAME, description="IANA time zone of the centre")
    weekly: dict[Weekday, list[TimeRange]] = Field(
        default_factory=lambda: dict(_DEFAULT_WEEK),
        description="opening hours per weekday (`mon`..`sun`), each a list of `HH:MM-HH:MM`; "
        "a day that is absent is closed",
    )
    public_holidays: bool = Field(
        default=True,
        description="closed on Vietnam's public holidays (Tết Nguyên Đán, Giỗ Tổ Hùng Vương, "
        "30/4, 1/5, Quốc khánh...) and on the Saturday and Sunday joined to one (the break), "
        "open with Monday's hours on the government's make-up working days (làm bù), from the "
        "`holidays` library; `false`: only the days listed here",
    )
    holidays: list[date] = Field(
        default_factory=list,
        description="other days the centre is closed (ISO `YYYY-MM-DD`): a day off the "
        "government or the province announces (nghỉ bù), a local holiday",
    )
    open_days: list[OpenDay] = Field(
        default_factory=list,
        description="days the centre serves although the rest says closed (làm bù): a date, or "
        "`{date, like, hours}`; they win over `holidays` and the public holidays",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as 'Asia/Ho_Chi_Minh'"
            ) from err
        return value

    def ranges_on(self, day: date) -> Bounds:
        """The opening ranges of the local date ``day`` (empty: closed all day)."""
        for extra in self.open_days:
            if extra.date == day:
                texts = extra.hours if extra.hours is not None else self.weekly.get(extra.like, [])
                return tuple(_bounds(t) for t in texts)
        if day in self.holidays:
            return ()
        if self.public_holidays:
            if day in make_up_days(day.year):
                return tuple(_bounds(t) for t in self.weekly.get("mon", []))
            if is_public_holiday(day) or _weekend_of_a_break(day):
                return ()
        return tuple(_bounds(t) for t in self.weekly.get(WEEKDAYS[day.weekday()], []))

    def is_open(self, when: datetime) -> bool:
        """Whether the centre serves at ``when`` (an aware datetime)."""
        local = when.astimezone(ZoneInfo(self.timezone))
        now = local.time()
        return any(
            start <= now and (now < end or end == time.max)
            for start, end in self.ranges_on(local.date())
        )

    def overridden_by(self, site: CalendarOverride | None) -> ServiceHours:
        """This calendar with what one site changes (itself when the site changes nothing)."""
        if site is None:
            return self
        opened = {d.date for d in site.open_days}
        closed = set(site.holidays)
        return ServiceHours(
            timezone=self.timezone,
            weekly=site.weekly if site.weekly is not None else self.weekly,
            public_holidays=self.public_holidays,
            holidays=[d for d in self.holidays if d not in opened] + site.holidays,
            open_days=[d for d in self.open_days if d.date not in closed | opened] + site.open_days,
        )


class CalendarOverride(_DaysOffAndOn):
    """What one site changes in the province's calendar (`calendar` of a site in the
    inventory): its own weekly hours, and days it closes or opens besides the province's."""

    weekly: dict[Weekday, list[TimeRange]] | None = Field(
        default=None,
        description="the site's opening hours per weekday, instead of the province's",
    )
    holidays: list[date] = Field(
        default_factory=list, description="days this site is closed, besides the province's"
    )
    open_days: list[OpenDay] = Field(
        default_factory=list,
        description="days this site serves although the province's calendar says closed",
    )


def site_hours(province: ServiceHours, site: CalendarOverride | None) -> ServiceHours:
    """The calendar of a site: the province's with the site's changes (one object per distinct
    pair, so thousands of sites with the same override share it)."""
    if site is None:
        return province
    return _merged(province.model_dump_json(), site.model_dump_json())


@functools.lru_cache(maxsize=4096)
def _merged(province: str, site: str) -> ServiceHours:
    override = CalendarOverride.model_validate_json(site)
    return ServiceHours.model_validate_json(province).overridden_by(override)
