"""The one clock of the service: UTC instants, Japan's calendar, working days.

Every module asks here rather than calling ``datetime.now`` itself, so a test can set the
time once (``frozen``) and every service sees the same instant; and so that "today" always
means today in Japan, whatever the server's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import jpholiday

JST = ZoneInfo("Asia/Tokyo")

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware in UTC (how every timestamp is stored)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def now_jst() -> datetime:
    return now().astimezone(JST)


def today() -> date:
    """Today's date in Japan: ages, deadlines and 31 March rules are counted in JST."""
    return now_jst().date()


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Stop the clock at ``at`` (aware) for the duration of the block; for tests."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze the clock at an aware datetime")
    previous, _frozen = _frozen, at.astimezone(UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous


def is_working_day(day: date) -> bool:
    """Municipal offices close on weekends, national holidays (振替休日 included) and the
    year-end break of 29 December to 3 January (行政機関の休日に関する法律)."""
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (a service-level target's due date)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
