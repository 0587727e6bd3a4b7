"""An application's service-level target counts the municipal offices' working days in
Japan: weekends, national holidays and the year-end break are not counted."""

from __future__ import annotations

from datetime import UTC, date, datetime

from todoke import clock
from todoke.procedures.filing import due_date


def test_a_national_holiday_is_not_a_working_day() -> None:
    # Friday 8 January 2027 + 1: Monday the 11th is 成人の日, so Tuesday the 12th.
    assert due_date(datetime(2027, 1, 8, 10, 0, tzinfo=clock.JST), 1) == date(2027, 1, 12)


def test_golden_week_is_skipped() -> None:
    # Wednesday 28 April 2027 + 3: 29 April (昭和の日) and 3–5 May are holidays.
    assert due_date(datetime(2027, 4, 28, 10, 0, tzinfo=clock.JST), 3) == date(2027, 5, 7)


def test_the_filing_day_is_the_day_in_japan() -> None:
    # 16:00 UTC on Thursday the 7th is already Friday 8 January in Japan.
    assert due_date(datetime(2027, 1, 7, 16, 0, tzinfo=UTC), 1) == date(2027, 1, 12)
