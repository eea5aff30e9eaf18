"""Partial dates: a day, a month or a year, stored as a first day plus a precision."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any, NamedTuple

from pydantic import BeforeValidator, PlainSerializer

from app.models.enums import DatePrecision

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")


class PartialDate(NamedTuple):
    date: dt.date
    precision: DatePrecision

    @classmethod
    def parse(cls, value: Any) -> PartialDate:
        """Read ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (YAML may hand over an int or a date)."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            raise ValueError("expected a date, not a timestamp")
        if isinstance(value, dt.date):
            return cls(value, DatePrecision.DAY)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("expected YYYY, YYYY-MM or YYYY-MM-DD")
        match = _PATTERN.match(value.strip())
        if match is None:
            raise ValueError(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match["year"], match["month"], match["day"]
        try:
            if day is not None:
                return cls(dt.date(int(year), int(month), int(day)), DatePrecision.DAY)
            if month is not None:
                return cls(dt.date(int(year), int(month), 1), DatePrecision.MONTH)
            return cls(dt.date(int(year), 1, 1), DatePrecision.YEAR)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real date") from exc

    @classmethod
    def of(cls, date: dt.date | None, precision: DatePrecision | str | None) -> PartialDate | None:
        """A stored pair (date column, precision column) as one value; None when undated."""
        if date is None:
            return None
        if precision is None:
            raise ValueError(f"the stored date {date} has no precision")
        return cls(date, DatePrecision(precision))

    def __str__(self) -> str:
        """The ISO 8601 form cut to the precision, as JSON and CSV show it."""
        return format_partial(self.date, self.precision) or ""

    def last_day(self) -> dt.date:
        """The last day the partial date may stand for."""
        if self.precision is DatePrecision.DAY:
            return self.date
        if self.precision is DatePrecision.YEAR or self.date.month == 12:
            # December's last day directly: the next month of 9999-12 is past the calendar.
            return dt.date(self.date.year, 12, 31)
        # The month's own length, never a step into the next month: December 9999 has no
        # next month to step into.
        return self.date.replace(day=calendar.monthrange(self.date.year, self.date.month)[1])


def format_partial(date: dt.date | None, precision: DatePrecision | None) -> str | None:
    """ISO 8601 cut to the precision: ``2017``, ``2021-07`` or ``2022-09-21``."""
    if date is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


PartialDateField = Annotated[
    PartialDate,
    BeforeValidator(PartialDate.parse),
    PlainSerializer(lambda v: format_partial(v.date, v.precision), return_type=str),
]
