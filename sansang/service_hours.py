"""Service hours of a one-stop centre: a weekly schedule plus holidays, in the centre's time zone.

Terminals matter only while the centre serves the public; link and power matter 24/7.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, field_validator

from sansang.i18n import ZONE_NAME
from sansang.models import StrictModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")

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


class ServiceHours(StrictModel):
    """Giờ làm việc: when the centre serves the public."""

    timezone: str = Field(default=ZONE_NAME, description="IANA time zone of the centre")
    weekly: dict[Weekday, list[TimeRange]] = Field(
        default_factory=lambda: dict(_DEFAULT_WEEK),
        description="opening hours per weekday (`mon`..`sun`), each a list of `HH:MM-HH:MM`; "
        "a day that is absent is closed",
    )
    holidays: list[date] = Field(
        default_factory=list, description="dates the centre is closed (ISO `YYYY-MM-DD`)"
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

    def is_open(self, when: datetime) -> bool:
        """Whether the centre serves at ``when`` (an aware datetime)."""
        local = when.astimezone(ZoneInfo(self.timezone))
        if local.date() in self.holidays:
            return False
        now = local.time()
        for text in self.weekly.get(WEEKDAYS[local.weekday()], []):
            start, end = _bounds(text)
            if start <= now and (now < end or end == time.max):
                return True
        return False
